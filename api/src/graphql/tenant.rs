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

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::region::AdminLevel")]
pub enum AdminLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

/// Tenant identities by code, batched per request (identity is public).
pub struct TenantLoader(pub Services);

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

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct TenantConnection {
    nodes: Vec<Tenant>,
    page_info: PageInfo,
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

#[Object]
impl Tenant {
    async fn code(&self) -> RegionCodeScalar {
        self.0.code.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn level(&self) -> AdminLevel {
        self.0.level.into()
    }
    /// e.g. 永寿县政务服务中心, 监军街道便民服务中心.
    async fn center_name(&self) -> String {
        self.0.center_name()
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Tenant>> {
        match self.0.parent {
            Some(p) => Ok(Some(Tenant::load(ctx, p).await?)),
            None => Ok(None),
        }
    }
    /// Children in the actor's scope.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
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
    /// A tenant in the actor's scope; FORBIDDEN outside it.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn tenant(&self, ctx: &Context<'_>, code: RegionCodeScalar) -> Result<Tenant> {
        Ok(Tenant(services(ctx).tenants.tenant(actor(ctx)?, &code.parse()?).await?))
    }

    /// Tenants in the actor's scope; with `parent`, its children only.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        parent: Option<RegionCodeScalar>,
        level: Option<AdminLevel>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<TenantConnection> {
        let parent = parent.map(|p| p.parse()).transpose()?;
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).tenants.tenants(actor(ctx)?, parent, level.map(Into::into), page).await?;
        Ok(TenantConnection::from(p))
    }
}
