use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::Result;
use domain::audit::AuditRecord;
use domain::hall::Attendance;
use domain::ports::AttendanceRepo;
use domain::region::RegionCode;
use domain::tenant::Scope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, SqlErr};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, internal};
use crate::entity::{attendance, user};

#[async_trait]
impl AttendanceRepo for Db {
    async fn sign_in(&self, r: &Attendance, audit: AuditRecord) -> Result<bool> {
        let tx = self.begin(&Scope::only(&r.tenant)).await?;
        let inserted = attendance::ActiveModel {
            id: Set(r.id.to_string()),
            tenant_code: Set(r.tenant.as_str().to_owned()),
            user_id: Set(r.user_id.to_string()),
            day: Set(r.day),
            signed_in_at: Set(r.signed_in_at),
            signed_out_at: Set(None),
        }
        .insert(&tx)
        .await;
        match inserted {
            Ok(_) => {}
            // The partial unique index: an open record exists for this person and day.
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                tx.rollback().await.map_err(internal)?;
                return Ok(false);
            }
            Err(e) => return Err(internal(e)),
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn sign_out(
        &self,
        tenant: &RegionCode,
        user_id: Uuid,
        day: NaiveDate,
        at: DateTime<Utc>,
        audit: AuditRecord,
    ) -> Result<bool> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let res = attendance::Entity::update_many()
            .col_expr(attendance::Column::SignedOutAt, at.into())
            .filter(attendance::Column::TenantCode.eq(tenant.as_str()))
            .filter(attendance::Column::UserId.eq(user_id.to_string()))
            .filter(attendance::Column::Day.eq(day))
            .filter(attendance::Column::SignedOutAt.is_null())
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected == 0 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn between(&self, tenant: &RegionCode, from: NaiveDate, to: NaiveDate) -> Result<Vec<Attendance>> {
        let tx = self.begin(&Scope::only(tenant)).await?;
        let rows = attendance::Entity::find()
            .filter(attendance::Column::TenantCode.eq(tenant.as_str()))
            .filter(attendance::Column::Day.gte(from))
            .filter(attendance::Column::Day.lte(to))
            .order_by_asc(attendance::Column::Day)
            .order_by_asc(attendance::Column::SignedInAt)
            .all(&tx)
            .await
            .map_err(internal)?;
        let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
        let users: HashMap<String, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&tx)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        commit(tx).await?;
        rows.into_iter()
            .map(|r| {
                let u = users.get(&r.user_id);
                Ok(Attendance {
                    id: parse_id(&r.id)?,
                    tenant: parse_code(&r.tenant_code)?,
                    user_id: parse_id(&r.user_id)?,
                    username: u.map(|u| u.username.clone()).unwrap_or_default(),
                    display_name: u.map(|u| u.display_name.clone()).unwrap_or_default(),
                    day: r.day,
                    signed_in_at: r.signed_in_at,
                    signed_out_at: r.signed_out_at,
                })
            })
            .collect()
    }
}
