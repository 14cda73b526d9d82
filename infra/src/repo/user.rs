use async_trait::async_trait;
use domain::audit::AuditRecord;
use domain::identity::{Credentials, Roles, ServiceAccount, User};
use domain::page::{Page, PageRequest};
use domain::ports::UserRepo;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
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
        disabled: m.disabled,
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
        let rows = self.read_batch(scope, &[find.build(self.backend())]).await?;
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
            disabled: Set(u.disabled),
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
        m.map(account_to_domain).transpose()
    }

    async fn list(&self, scope: &Scope, keyword: Option<&str>, page: &PageRequest) -> Result<Page<User>> {
        let tx = self.begin(scope).await?;
        let mut base = user::Entity::find().filter(user::Column::TenantCode.starts_with(scope.prefix()));
        if let Some(k) = keyword.map(str::trim).filter(|k| !k.is_empty()) {
            base = base.filter(
                Condition::any()
                    .add(user::Column::Username.contains(k.to_ascii_lowercase()))
                    .add(user::Column::DisplayName.contains(k)),
            );
        }
        let total = base.clone().count(&tx).await.map_err(internal)?;
        let mut sel = base;
        if let Some(after) = &page.after {
            sel = sel.filter(user::Column::Username.gt(after.as_str()));
        }
        let rows = sel
            .order_by_asc(user::Column::Username)
            .limit(u64::from(page.first) + 1)
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        let rows = rows.iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page, total, |u| u.username.clone()))
    }

    async fn update(&self, u: &User, password_hash: Option<&str>, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&u.tenant)).await?;
        let mut q = user::Entity::update_many()
            .col_expr(user::Column::DisplayName, Expr::value(u.display_name.clone()))
            .col_expr(user::Column::Roles, Expr::value(u.roles.to_stored()))
            .col_expr(user::Column::DepartmentId, Expr::value(u.department_id.map(|d| d.to_string())))
            .col_expr(user::Column::Disabled, Expr::value(u.disabled));
        if let Some(h) = password_hash {
            q = q.col_expr(user::Column::PasswordHash, Expr::value(h.to_owned()));
        }
        let res = q
            .filter(user::Column::Id.eq(u.id.to_string()))
            .filter(user::Column::TenantCode.eq(u.tenant.as_str()))
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            return Err(Error::NotFound { what: "用户" });
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn service_accounts(&self, scope: &Scope) -> Result<Vec<ServiceAccount>> {
        let tx = self.begin(scope).await?;
        let rows = service_account::Entity::find()
            .filter(service_account::Column::TenantCode.starts_with(scope.prefix()))
            .order_by_desc(service_account::Column::CreatedAt)
            .limit(500)
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        rows.into_iter().map(account_to_domain).collect()
    }

    async fn update_service_account(&self, a: &ServiceAccount, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&a.tenant)).await?;
        let res = service_account::Entity::update_many()
            .col_expr(service_account::Column::SecretHash, Expr::value(a.secret_hash.clone()))
            .filter(service_account::Column::Id.eq(a.id.to_string()))
            .filter(service_account::Column::TenantCode.eq(a.tenant.as_str()))
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            return Err(Error::NotFound { what: "服务账号" });
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }

    async fn delete_service_account(&self, a: &ServiceAccount, audit: AuditRecord) -> Result<()> {
        let tx = self.begin(&Scope::only(&a.tenant)).await?;
        let res = service_account::Entity::delete_many()
            .filter(service_account::Column::Id.eq(a.id.to_string()))
            .filter(service_account::Column::TenantCode.eq(a.tenant.as_str()))
            .exec(&tx)
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            return Err(Error::NotFound { what: "服务账号" });
        }
        append_audit(&tx, &audit).await?;
        commit(tx).await
    }
}

fn account_to_domain(m: service_account::Model) -> Result<ServiceAccount> {
    Ok(ServiceAccount {
        id: parse_id(&m.id)?,
        client_id: m.client_id,
        tenant: parse_code(&m.tenant_code)?,
        name: m.name,
        secret_hash: m.secret_hash,
        created_at: m.created_at,
    })
}
