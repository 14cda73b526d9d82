use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::Result;
use domain::audit::AuditRecord;
use domain::ports::SessionRepo;
use domain::session::RefreshToken;
use domain::tenant::Scope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, internal};
use crate::entity::refresh_token::{self, Column, Entity};

fn active(t: &RefreshToken) -> refresh_token::ActiveModel {
    refresh_token::ActiveModel {
        id: Set(t.id.to_string()),
        family: Set(t.family.to_string()),
        user_id: Set(t.user_id.to_string()),
        tenant_code: Set(t.tenant.as_str().to_owned()),
        token_hash: Set(t.token_hash.clone()),
        issued_at: Set(t.issued_at),
        expires_at: Set(t.expires_at),
        used_at: Set(t.used_at),
        revoked_at: Set(t.revoked_at),
    }
}

#[async_trait]
impl SessionRepo for Db {
    async fn insert(&self, token: &RefreshToken, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&token.tenant)).await?;
        active(token).insert(&tx).await.map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn by_hash(&self, token_hash: &str) -> Result<Option<RefreshToken>> {
        let tx = self.begin(&Scope::All).await?;
        let m = Entity::find().filter(Column::TokenHash.eq(token_hash)).one(&tx).await.map_err(internal)?;
        commit(tx).await?;
        m.map(|m| {
            Ok(RefreshToken {
                id: parse_id(&m.id)?,
                family: parse_id(&m.family)?,
                user_id: parse_id(&m.user_id)?,
                tenant: parse_code(&m.tenant_code)?,
                token_hash: m.token_hash,
                issued_at: m.issued_at,
                expires_at: m.expires_at,
                used_at: m.used_at,
                revoked_at: m.revoked_at,
            })
        })
        .transpose()
    }

    async fn rotate(&self, old: Uuid, used_at: DateTime<Utc>, new: &RefreshToken, audit: AuditRecord) -> Result<bool> {
        let tx = self.begin(&Scope::only(&new.tenant)).await?;
        let res = Entity::update_many()
            .col_expr(Column::UsedAt, used_at.into())
            .filter(Column::Id.eq(old.to_string()))
            .filter(Column::UsedAt.is_null())
            .filter(Column::RevokedAt.is_null())
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        active(new).insert(&tx).await.map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn revoke_family(&self, family: Uuid, at: DateTime<Utc>, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&audit.tenant)).await?;
        Entity::update_many()
            .col_expr(Column::RevokedAt, at.into())
            .filter(Column::Family.eq(family.to_string()))
            .filter(Column::RevokedAt.is_null())
            .exec(&tx)
            .await
            .map_err(internal)?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }
}
