use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use domain::identity::{Role as DRole, User as DUser};
use domain::service::{LoginRequest, NewUser};
use domain::session::Session as DSession;

use super::cost;
use super::ctx::{actor, request, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};
use super::tenant::Tenant;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::identity::Role")]
pub enum Role {
    PlatformAdmin,
    CenterAdmin,
    CatalogueAdmin,
    WindowStaff,
    Approver,
    StationStaff,
    Supervisor,
}

pub struct User(pub DUser);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(Role::from).collect()
    }
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<super::catalogue::Department>> {
        let d = services(ctx).hall.user_department(actor(ctx)?, &self.0).await?;
        Ok(d.map(super::catalogue::Department))
    }
    /// Implementation items this user is authorized (授权) to decide, one by one.
    async fn authorized_item_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        actor(ctx)?;
        let (items, _) = services(ctx).hall.approver_item_ids(&self.0).await?;
        Ok(items.into_iter().map(|i| ID(i.to_string())).collect())
    }
    /// Departments this user is chief representative (首席代表) of: all their items may be decided.
    async fn chief_of_department_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        actor(ctx)?;
        let (_, chief) = services(ctx).hall.approver_item_ids(&self.0).await?;
        Ok(chief.into_iter().map(|i| ID(i.to_string())).collect())
    }
}

pub struct Session(DSession);

#[Object]
impl Session {
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    async fn expires_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.expires_at)
    }
    async fn user(&self) -> Option<User> {
        self.0.user.clone().map(User)
    }
}

#[derive(SimpleObject)]
pub struct ServiceAccountSecret {
    client_id: String,
    client_secret: String,
    tenant: Tenant,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    tenant: RegionCodeScalar,
    username: String,
    password: String,
    display_name: String,
    roles: Vec<Role>,
    department_id: Option<ID>,
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in user.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(services(ctx).identity.me(actor(ctx)?).await?))
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn login(&self, ctx: &Context<'_>, username: String, password: String) -> Result<Session> {
        let req = LoginRequest { username: &username, password: &password, client: &request(ctx).client };
        Ok(Session(services(ctx).identity.login(req).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn refresh_session(&self, ctx: &Context<'_>, refresh_token: String) -> Result<Session> {
        Ok(Session(services(ctx).identity.refresh_session(&refresh_token).await?))
    }

    /// Revokes the access token in use and its session's refresh tokens.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let a = actor(ctx)?;
        let claims = request(ctx).claims.as_ref().ok_or_else(|| domain::Error::unauthenticated("请先登录"))?;
        services(ctx).identity.logout(a, claims).await?;
        Ok(true)
    }

    /// Client-credentials grant for service accounts (cross-area partners).
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn service_token(&self, ctx: &Context<'_>, client_id: String, client_secret: String) -> Result<Session> {
        Ok(Session(services(ctx).identity.service_token(&client_id, &client_secret, &request(ctx).client).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        name: String,
    ) -> Result<ServiceAccountSecret> {
        let created = services(ctx).identity.create_service_account(actor(ctx)?, &tenant.parse()?, &name).await?;
        Ok(ServiceAccountSecret {
            client_id: created.account.client_id,
            client_secret: created.client_secret,
            tenant: Tenant::load(ctx, created.account.tenant).await?,
        })
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let department_id = input
            .department_id
            .map(|d| uuid::Uuid::parse_str(&d).map_err(|_| domain::Error::invalid("部门ID无效")))
            .transpose()?;
        let new = NewUser {
            tenant: input.tenant.parse()?,
            username: input.username,
            password: input.password,
            display_name: input.display_name,
            roles: input.roles.into_iter().map(DRole::from).collect(),
            department_id,
        };
        Ok(User(services(ctx).identity.create_user(actor(ctx)?, new).await?))
    }
}
