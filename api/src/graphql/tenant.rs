use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use domain::page::PageRequest;
use domain::region::RegionCode;
use domain::service::Services;
use domain::tenant::Tenant as DTenant;

use super::cost;
use super::ctx::{actor, services};
use super::scalars::RegionCodeScalar;

/// 行政区划层级。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::region::AdminLevel")]
pub enum AdminLevel {
    /// 省
    Province,
    /// 市
    City,
    /// 县（区、县级市、开发区）
    County,
    /// 乡镇（街道）
    Town,
    /// 村（社区）
    Village,
}

/// Tenant identities by code, batched per request (identity is public).
/// Shares the handler's services (one counted reference a request, not a copy of every service).
pub struct TenantLoader(pub std::sync::Arc<Services>);

impl Loader<RegionCode> for TenantLoader {
    type Value = DTenant;
    type Error = domain::Error;

    async fn load(&self, keys: &[RegionCode]) -> Result<HashMap<RegionCode, DTenant>, domain::Error> {
        Ok(self.0.tenants.tenant_identities(keys).await?.into_iter().map(|t| (t.code, t)).collect())
    }
}

pub struct Tenant(pub DTenant);

impl Tenant {
    pub async fn load(ctx: &Context<'_>, code: RegionCode) -> Result<Tenant> {
        // Held in memory nearly always; the loader (a task and a timer per batch) batches misses.
        if let Some(t) = services(ctx).tenants.cached_identity(&code) {
            return Ok(Tenant(t));
        }
        let loader = ctx.data_unchecked::<DataLoader<TenantLoader>>();
        let t = loader.load_one(code).await?.ok_or(domain::Error::NotFound { what: "租户" })?;
        Ok(Tenant(t))
    }
}

/// 分页信息（游标分页）。
#[derive(SimpleObject)]
pub struct PageInfo {
    /// 是否还有下一页
    pub has_next_page: bool,
    /// 本页最后一条的游标，作为下一页的 after 参数
    pub end_cursor: Option<String>,
}

/// 租户分页结果。
#[derive(SimpleObject)]
pub struct TenantConnection {
    /// 本页租户
    nodes: Vec<Tenant>,
    /// 分页信息
    page_info: PageInfo,
    /// 符合条件的租户总数
    total_count: i32,
}

impl TenantConnection {
    fn from(page: domain::page::Page<DTenant>) -> Self {
        TenantConnection {
            page_info: PageInfo { has_next_page: page.has_next, end_cursor: page.end_cursor },
            total_count: page.total.min(i32::MAX as u64) as i32,
            nodes: page.items.into_iter().map(Tenant).collect(),
        }
    }
}

/// 租户：一个行政区划及其政务服务机构。身份（代码、名称、层级、中心名称）公开，数据按管辖范围隔离。
#[Object]
impl Tenant {
    /// 区划代码（12 位统计用区划代码）
    async fn code(&self) -> RegionCodeScalar {
        self.0.code.into()
    }
    /// 区划名称，如 永寿县
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 行政区划层级
    async fn level(&self) -> AdminLevel {
        self.0.level.into()
    }
    /// 服务机构名称，如 永寿县政务服务中心、监军街道便民服务中心。
    async fn center_name(&self) -> String {
        self.0.center_name()
    }
    /// 上级租户；根租户为空
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Tenant>> {
        match self.0.parent {
            Some(p) => Ok(Some(Tenant::load(ctx, p).await?)),
            None => Ok(None),
        }
    }
    /// 操作者管辖范围内的下级租户。
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<TenantConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).tenants.tenants(actor(ctx)?, Some(self.0.code), None, page).await?;
        Ok(TenantConnection::from(p))
    }
}

#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    /// 操作者管辖范围内的一个租户；范围外返回 FORBIDDEN。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn tenant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "区划代码（12 位）")] code: RegionCodeScalar,
    ) -> Result<Tenant> {
        Ok(Tenant(services(ctx).tenants.tenant(actor(ctx)?, &code.parse()?).await?))
    }

    /// 操作者管辖范围内的租户；指定 parent 时只列其下级。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "上级租户区划代码（12 位），只列其直接下级")] parent: Option<RegionCodeScalar>,
        #[graphql(desc = "只列此层级")] level: Option<AdminLevel>,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<TenantConnection> {
        let parent = parent.map(|p| p.parse()).transpose()?;
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).tenants.tenants(actor(ctx)?, parent, level.map(Into::into), page).await?;
        Ok(TenantConnection::from(p))
    }
}
