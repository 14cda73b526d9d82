use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use domain::identity::{Role as DRole, User as DUser};
use domain::service::{LoginRequest, NewUser};
use domain::session::Session as DSession;

use super::cost;
use super::ctx::{actor, request, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};
use super::tenant::Tenant;

/// 用户角色。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::identity::Role")]
pub enum Role {
    /// 平台管理员：整个部署，创建根租户、导入区划
    PlatformAdmin,
    /// 中心管理员：本租户及下级，管理实施清单、部门、窗口、人员和用户
    CenterAdmin,
    /// 目录管理员：根租户，管理基本目录和工作日历
    CatalogueAdmin,
    /// 窗口人员：本租户，收件、受理、补正、出件和转出
    WindowStaff,
    /// 审批人员（含首席代表）：本租户已授权事项的准予或不予许可、特别程序
    Approver,
    /// 站点人员（乡镇、村）：收件、初审、上报、异地代收
    StationStaff,
    /// 监察人员：本租户及下级，只读并可下达整改
    Supervisor,
}

pub struct User(pub DUser);

/// 用户（工作人员账户）。
#[Object]
impl User {
    /// 用户ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 登录名
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// 显示姓名
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// 所属租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.tenant).await
    }
    /// 角色
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(Role::from).collect()
    }
    /// 所属部门；未分配时为空
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<super::catalogue::Department>> {
        let d = services(ctx).hall.user_department(actor(ctx)?, &self.0).await?;
        Ok(d.map(super::catalogue::Department))
    }
    /// 该用户逐项获授权（授权）决定的实施事项ID。
    async fn authorized_item_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        actor(ctx)?;
        let (items, _) = services(ctx).hall.approver_item_ids(&self.0).await?;
        Ok(items.into_iter().map(|i| ID(i.to_string())).collect())
    }
    /// 该用户担任首席代表的部门ID：这些部门的事项都可由其决定。
    async fn chief_of_department_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        actor(ctx)?;
        let (_, chief) = services(ctx).hall.approver_item_ids(&self.0).await?;
        Ok(chief.into_iter().map(|i| ID(i.to_string())).collect())
    }
}

pub struct Session(DSession);

/// 登录会话：访问令牌与刷新令牌。
#[Object]
impl Session {
    /// 访问令牌（Bearer），请求时放在 Authorization 头中
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }
    /// 刷新令牌，用于换取新的会话；服务账号的会话为空字符串
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    /// 访问令牌的过期时间
    async fn expires_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.expires_at)
    }
    /// 会话所属用户；服务账号的会话为空
    async fn user(&self) -> Option<User> {
        self.0.user.clone().map(User)
    }
}

/// 新建服务账号的凭据；密钥只在此时显示一次。
#[derive(SimpleObject)]
pub struct ServiceAccountSecret {
    /// 客户端ID
    client_id: String,
    /// 客户端密钥（只显示一次，请妥善保存）
    client_secret: String,
    /// 服务账号所属租户
    tenant: Tenant,
}

/// 新建用户的输入。
#[derive(InputObject)]
pub struct CreateUserInput {
    /// 所属租户区划代码（12 位），须在操作者管辖范围内
    tenant: RegionCodeScalar,
    /// 登录名
    username: String,
    /// 初始密码
    password: String,
    /// 显示姓名
    display_name: String,
    /// 角色
    roles: Vec<Role>,
    /// 所属部门ID（可选）
    department_id: Option<ID>,
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// 当前登录用户。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(services(ctx).identity.me(actor(ctx)?).await?))
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// 用户名密码登录；同一账号或同一客户端短时间内失败过多会被暂时限制。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "登录名")] username: String,
        #[graphql(desc = "密码")] password: String,
    ) -> Result<Session> {
        let req = LoginRequest { username: &username, password: &password, client: &request(ctx).client };
        Ok(Session(services(ctx).identity.login(req).await?))
    }

    /// 用刷新令牌换取新的会话；旧刷新令牌随即失效。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "刷新令牌")] refresh_token: String,
    ) -> Result<Session> {
        Ok(Session(services(ctx).identity.refresh_session(&refresh_token).await?))
    }

    /// 注销：吊销正在使用的访问令牌及其会话的刷新令牌。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let a = actor(ctx)?;
        let claims = request(ctx).claims.as_ref().ok_or_else(|| domain::Error::unauthenticated("请先登录"))?;
        services(ctx).identity.logout(a, claims).await?;
        Ok(true)
    }

    /// 服务账号的客户端凭据授权（用于跨域通办合作方）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn service_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "客户端ID")] client_id: String,
        #[graphql(desc = "客户端密钥")] client_secret: String,
    ) -> Result<Session> {
        Ok(Session(services(ctx).identity.service_token(&client_id, &client_secret, &request(ctx).client).await?))
    }

    /// 为租户创建服务账号（中心管理员或平台管理员）；返回的密钥只显示一次。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "服务账号所属租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "服务账号名称")] name: String,
    ) -> Result<ServiceAccountSecret> {
        let created = services(ctx).identity.create_service_account(actor(ctx)?, &tenant.parse()?, &name).await?;
        Ok(ServiceAccountSecret {
            client_id: created.account.client_id,
            client_secret: created.client_secret,
            tenant: Tenant::load(ctx, created.account.tenant).await?,
        })
    }

    /// 在管辖范围内新建用户（中心管理员或平台管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "新用户信息")] input: CreateUserInput,
    ) -> Result<User> {
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
