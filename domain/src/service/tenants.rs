use std::collections::HashSet;

use crate::audit::AuditRecord;
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::ports::{ImportStats, TenantQuery};
use crate::region::{AdminLevel, RegionCode};
use crate::tenant::{ImportProblem, RegionImport, RegionRow, Tenant, validate_region_rows};

use super::TenantService;

/// The outcome of a region import.
#[derive(Debug)]
pub struct RegionImportReport {
    pub stats: ImportStats,
    pub merged: usize,
    pub roots: Vec<RegionCode>,
}

impl TenantService {
    /// A tenant the actor may browse; FORBIDDEN outside the scope.
    pub async fn tenant(&self, actor: &Actor, code: &RegionCode) -> Result<Tenant> {
        let t = self.ports.tenants.get(code).await?.ok_or(Error::NotFound { what: "租户" })?;
        authorize(actor, Action::ViewTenant, &t)?;
        Ok(t)
    }

    /// A tenant by code for the public screens (the lobby): NOT_FOUND when unknown.
    pub async fn public_tenant(&self, code: &RegionCode) -> Result<Tenant> {
        self.ports.tenants.get(code).await?.ok_or(Error::NotFound { what: "租户" })
    }

    /// Tenant identities by code, for display wherever a visible object points at them.
    pub async fn tenant_identities(&self, codes: &[RegionCode]) -> Result<Vec<Tenant>> {
        self.ports.tenants.get_many(codes).await
    }

    /// A tenant identity held in memory, if any (no IO): lets a caller skip batching a read.
    pub fn cached_identity(&self, code: &RegionCode) -> Option<Tenant> {
        self.ports.tenants.cached(code)
    }

    /// The public area picker (办事指南): the cities, or the children of `parent`, in code order.
    pub async fn public_areas(&self, parent: Option<&RegionCode>) -> Result<Vec<Tenant>> {
        let q = TenantQuery {
            scope: None,
            parent: parent.copied(),
            level: if parent.is_none() { Some(AdminLevel::City) } else { None },
            page: PageRequest { first: crate::page::MAX_PAGE, after: None },
        };
        Ok(self.ports.tenants.list(&q).await?.items)
    }

    /// Tenants in the actor's scope; with `parent`, its children only.
    pub async fn tenants(
        &self,
        actor: &Actor,
        parent: Option<RegionCode>,
        level: Option<AdminLevel>,
        page: PageRequest,
    ) -> Result<Page<Tenant>> {
        if let Some(p) = &parent {
            self.tenant(actor, p).await?;
        }
        let q = TenantQuery { scope: Some(actor.scope()), parent, level, page };
        self.ports.tenants.list(&q).await
    }

    /// Validates a whole region file and imports it in one transaction, or reports every
    /// problem with its line and imports nothing.
    /// `by` is a platform administrator, or `None` for the command line.
    pub async fn import_regions(
        &self,
        by: Option<&Actor>,
        rows: Vec<RegionRow>,
    ) -> Result<Result<RegionImportReport, Vec<ImportProblem>>> {
        if by.is_some_and(|a| !a.has(crate::identity::Role::PlatformAdmin)) {
            return Err(Error::forbidden("只有平台管理员可以导入行政区划"));
        }
        let in_file: HashSet<&str> = rows.iter().map(|r| r.code.trim()).collect();
        let mut outside: HashSet<RegionCode> = HashSet::new();
        for r in &rows {
            let Ok(code) = RegionCode::parse(&r.code) else {
                continue;
            };
            if let Ok(p) = RegionCode::parse(&r.parent_code) {
                outside.insert(p);
            }
            for l in AdminLevel::ALL {
                outside.insert(code.truncate(l));
            }
        }
        outside.retain(|c| !in_file.contains(c.as_str()));
        let outside: Vec<RegionCode> = outside.into_iter().collect();
        let stored = self.ports.tenants.levels(&outside).await?;
        let RegionImport { tenants, merged } = match validate_region_rows(rows, &|c| stored.get(c).copied()) {
            Ok(i) => i,
            Err(problems) => return Ok(Err(problems)),
        };
        if tenants.is_empty() {
            return Err(Error::invalid("文件中没有区划数据"));
        }
        let roots: Vec<RegionCode> = tenants.iter().filter(|t| t.root).map(|t| t.code).collect();
        let head = &tenants[0];
        let system = Actor::system("import-regions", head);
        let actor = by.unwrap_or(&system);
        let audit =
            AuditRecord::new(actor, head.code, self.now(), "regions.import", format!("{} 个区划", tenants.len()))
                .after(serde_json::json!({ "rows": tenants.len(), "merged": merged }));
        let stats = self.ports.tenants.import(&tenants, audit).await?;
        Ok(Ok(RegionImportReport { stats, merged, roots }))
    }

    /// Makes a tenant a root: it owns a base catalogue and a calendar for its subtree.
    pub async fn set_root_tenant(&self, actor: &Actor, code: &RegionCode) -> Result<Tenant> {
        let t = self.known_tenant(code).await?;
        authorize(actor, Action::ManagePlatform, &t)?;
        let audit = AuditRecord::new(actor, t.code, self.now(), "tenant.set_root", t.code.to_string());
        self.ports.tenants.set_root(&t.code, true, audit).await?;
        Ok(Tenant { root: true, ..t })
    }

    /// The topmost tenants of the deployment.
    pub async fn root_tenants(&self) -> Result<Vec<Tenant>> {
        self.ports.tenants.roots().await
    }
}
