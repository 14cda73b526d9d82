use async_trait::async_trait;
use domain::Result;
use domain::audit::AuditRecord;
use domain::identity::{Credentials, Roles, ServiceAccount, User};
use domain::ports::UserRepo;
use domain::tenant::Scope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryTrait};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, append_audit, commit, conflict_or_internal, internal};
use crate::entity::{service_account, user};

fn to_domain(m: &user::Model) -> Result<User> {
    Ok(User {
        id: parse_id(&m.id)?,
        tenant: parse_code(&m.tenant_code)?,
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        roles: Roles::parse_stored(&m.roles).map_err(domain::Error::internal)?,
        department_id: m.department_id.as_deref().map(parse_id).transpose()?,
        created_at: m.created_at,
    })
}

#[async_trait]
impl UserRepo for Db {
    async fn credentials_by_username(&self, username: &str) -> Result<Option<Credentials>> {
        let tx = self.begin(&Scope::All).await?;
        let m = user::Entity::find()
            .filter(user::Column::Username.eq(username.to_ascii_lowercase()))
            .filter(user::Column::Disabled.eq(false))
            .one(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        m.map(|m| Ok(Credentials { user: to_domain(&m)?, password_hash: m.password_hash })).transpose()
    }

    async fn get(&self, scope: &Scope, id: Uuid) -> Result<Option<User>> {
        Ok(self.get_many(scope, &[id]).await?.pop())
    }

    async fn get_many(&self, scope: &Scope, ids: &[Uuid]) -> Result<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let find = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().map(|i| i.to_string())))
            .filter(user::Column::TenantCode.starts_with(scope.prefix()));
        let rows = self.read_batch(scope, false, &[find.build(self.backend())]).await?;
        rows.iter().map(|r| to_domain(&user::Model::from_query_result(r, "").map_err(internal)?)).collect()
    }

    async fn create(&self, u: &User, password_hash: &str, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&u.tenant)).await?;
        user::ActiveModel {
            id: Set(u.id.to_string()),
            tenant_code: Set(u.tenant.as_str().to_owned()),
            username: Set(u.username.clone()),
            display_name: Set(u.display_name.clone()),
            password_hash: Set(password_hash.to_owned()),
            roles: Set(u.roles.to_stored()),
            department_id: Set(u.department_id.map(|d| d.to_string())),
            disabled: Set(false),
            created_at: Set(u.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| conflict_or_internal(e, &format!("用户名“{}”已被使用", u.username)))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn create_service_account(&self, a: &ServiceAccount, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&a.tenant)).await?;
        service_account::ActiveModel {
            id: Set(a.id.to_string()),
            tenant_code: Set(a.tenant.as_str().to_owned()),
            client_id: Set(a.client_id.clone()),
            name: Set(a.name.clone()),
            secret_hash: Set(a.secret_hash.clone()),
            created_at: Set(a.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| conflict_or_internal(e, "客户端标识已存在"))?;
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn service_account_by_client_id(&self, client_id: &str) -> Result<Option<ServiceAccount>> {
        let tx = self.begin(&Scope::All).await?;
        let m = service_account::Entity::find()
            .filter(service_account::Column::ClientId.eq(client_id))
            .one(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        m.map(|m| {
            Ok(ServiceAccount {
                id: parse_id(&m.id)?,
                client_id: m.client_id,
                tenant: parse_code(&m.tenant_code)?,
                name: m.name,
                secret_hash: m.secret_hash,
                created_at: m.created_at,
            })
        })
        .transpose()
    }
}
