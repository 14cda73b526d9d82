//! Departments, the base catalogue, implementation lists, delegation and service guides.

use std::collections::HashMap;
use std::time::Duration;

use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::catalogue::{
    BaseItem, BaseItemDraft, CatalogueRow, CreditCode, Department, ImplInput, ImplItem, ImplLocal, ImplStatus,
    ImplStep, ItemKind, check_impl, check_level, department_name, impl_code, validate_catalogue_rows,
};
use crate::error::{Error, Result};
use crate::identity::{Actor, Role};
use crate::page::{MAX_PAGE, Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::ports::{BaseWrite, ImplQuery, ImportStats, TenantQuery};
use crate::region::{AdminLevel, RegionCode};
use crate::tenant::{ImportProblem, Scope, Tenant};
use crate::text;

use super::CatalogueService;

/// The default time a rendered guide stays cached (also invalidated on every change).
pub const GUIDE_TTL: Duration = Duration::from_secs(600);

const BASE: &str = "基本目录事项";
const IMPL: &str = "实施清单事项";

/// The longest search keyword.
pub const MAX_KEYWORD_CHARS: usize = 50;

/// The longest implementation code (credit code, level digit and base code: 51).
const MAX_IMPL_CODE_CHARS: usize = 80;

/// A search keyword: trimmed, one line; empty means none.
fn keyword(k: Option<&str>) -> Result<Option<String>> {
    text::optional_line("关键词", k, MAX_KEYWORD_CHARS)
}

pub fn guide_key(impl_code: &str) -> String {
    format!("guide:{impl_code}")
}

/// The outcome of a catalogue import.
#[derive(Debug, Clone)]
pub struct CatalogueImportReport {
    pub owner: RegionCode,
    pub stats: ImportStats,
}

/// What a delegation created, and the towns it skipped with the reason.
#[derive(Debug, Clone)]
pub struct DelegationReport {
    pub items: Vec<ImplItem>,
    pub skipped: Vec<(Tenant, String)>,
}

/// A delegation (下放) of one base item from a county to its towns, with shared defaults.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub from: RegionCode,
    pub base_item: Uuid,
    /// None: every town of the county.
    pub towns: Option<Vec<RegionCode>>,
    /// Each town's department with this name; None: the town's first department.
    pub department_name: Option<String>,
    pub defaults: ImplInput,
    /// Publish the towns' items right away.
    pub publish: bool,
}

fn summary(i: &ImplItem) -> serde_json::Value {
    serde_json::json!({
        "implCode": i.impl_code,
        "status": i.status.as_str(),
        "version": i.version,
        "promisedDays": i.local.promised_days,
        "caseKind": i.local.case_kind.as_str(),
        "crossArea": i.local.cross_area.as_str(),
        "materials": i.local.material_names,
        "deferrable": i.local.deferrable_names,
        "fee": i.local.fee_yuan,
        "reason": i.suspend_reason,
    })
}

fn base_summary(b: &BaseItem) -> serde_json::Value {
    serde_json::json!({
        "baseCode": b.base_code, "name": b.name, "kind": b.kind.code(), "legalBasis": b.legal_basis,
        "levels": b.levels, "statutoryDays": b.statutory_days, "materials": b.materials.len(), "version": b.version,
    })
}

impl CatalogueService {
    /// The root tenant whose catalogue `t` uses: the nearest root ancestor-or-self.
    pub async fn catalogue_owner(&self, t: &Tenant) -> Result<Tenant> {
        let mut cur = t.clone();
        loop {
            if cur.root {
                return Ok(cur);
            }
            let Some(parent) = cur.parent else {
                return Ok(cur);
            };
            cur = self.ports.tenants.get(&parent).await?.ok_or_else(|| Error::internal("tenant parent missing"))?;
        }
    }

    async fn own_tenant(&self, actor: &Actor) -> Result<Tenant> {
        self.ports.tenants.get(&actor.tenant).await?.ok_or(Error::NotFound { what: "租户" })
    }

    // ------------------------------------------------------------ departments

    pub async fn departments(&self, actor: &Actor, tenant: &RegionCode) -> Result<Vec<Department>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        self.ports.catalogue.departments(&actor.scope(), &t.code).await
    }

    pub async fn create_department(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        name: &str,
        credit_code: &str,
        stationed: bool,
    ) -> Result<Department> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let d = Department {
            id: Uuid::now_v7(),
            tenant: t.code,
            name: department_name(name)?,
            credit_code: CreditCode::parse(credit_code)?,
            stationed,
        };
        let audit = AuditRecord::new(actor, t.code, self.now(), "department.create", d.name.clone())
            .after(serde_json::json!({ "creditCode": d.credit_code, "stationed": stationed }));
        self.ports.catalogue.create_department(&d, audit).await?;
        Ok(d)
    }

    // ------------------------------------------------------------ base catalogue

    /// The catalogue the actor's tenant uses.
    pub async fn base_items(
        &self,
        actor: &Actor,
        keyword: Option<&str>,
        kind: Option<ItemKind>,
        page: PageRequest,
    ) -> Result<Page<BaseItem>> {
        let kw = self::keyword(keyword)?;
        let own = self.own_tenant(actor).await?;
        authorize(actor, Action::ViewTenant, &own)?;
        let owner = self.catalogue_owner(&own).await?;
        self.ports.catalogue.list_base_items(&owner.code, kw.as_deref(), kind, &page).await
    }

    /// A base item of the catalogue the actor's tenant uses; NOT_FOUND otherwise.
    pub async fn base_item(&self, actor: &Actor, id: Uuid) -> Result<BaseItem> {
        let own = self.own_tenant(actor).await?;
        authorize(actor, Action::ViewTenant, &own)?;
        let owner = self.catalogue_owner(&own).await?;
        match self.ports.catalogue.base_item(id).await? {
            Some(b) if b.owner == owner.code || actor.has(Role::PlatformAdmin) => Ok(b),
            _ => Err(Error::NotFound { what: BASE }),
        }
    }

    /// May `actor` edit the base catalogue shown for `tenant`? Only their own root tenant's.
    pub fn may_edit_base_catalogue(&self, actor: &Actor, tenant: &Tenant) -> bool {
        tenant.code == actor.tenant && authorize(actor, Action::ManageCatalogue, tenant).is_ok()
    }

    async fn catalogue_admin_root(&self, actor: &Actor) -> Result<Tenant> {
        let own = self.own_tenant(actor).await?;
        authorize(actor, Action::ManageCatalogue, &own)?;
        Ok(own)
    }

    pub async fn create_base_item(&self, actor: &Actor, draft: BaseItemDraft) -> Result<BaseItem> {
        let owner = self.catalogue_admin_root(actor).await?;
        let d = draft.validate()?;
        let item = new_base(owner.code, d);
        let audit = AuditRecord::new(actor, owner.code, self.now(), "base_item.create", item.base_code.clone())
            .after(base_summary(&item));
        self.ports.catalogue.save_base_items(&[BaseWrite { item: item.clone(), is_new: true }], audit).await?;
        Ok(item)
    }

    /// Edits a base item: a new version; every implementation follows (三级四同).
    pub async fn update_base_item(&self, actor: &Actor, id: Uuid, draft: BaseItemDraft) -> Result<BaseItem> {
        let owner = self.catalogue_admin_root(actor).await?;
        let old = match self.ports.catalogue.base_item(id).await? {
            Some(b) if b.owner == owner.code => b,
            _ => return Err(Error::NotFound { what: BASE }),
        };
        let d = draft.validate()?;
        if d.base_code != old.base_code {
            return Err(Error::invalid(format!("基本编码不能修改（原为 {}）", old.base_code)));
        }
        if d == old.draft() {
            return Ok(old);
        }
        let item = versioned(&old, d);
        let audit = AuditRecord::new(actor, owner.code, self.now(), "base_item.update", item.base_code.clone())
            .before(base_summary(&old))
            .after(base_summary(&item));
        let codes =
            self.ports.catalogue.save_base_items(&[BaseWrite { item: item.clone(), is_new: false }], audit).await?;
        self.forget_guides(codes).await;
        Ok(item)
    }

    /// Imports a whole catalogue file for `owner`: every bad row reported and nothing imported,
    /// or new items inserted and changed ones versioned in one transaction.
    /// `by` is a catalogue administrator of `owner`, or `None` for the command line.
    pub async fn import_catalogue(
        &self,
        by: Option<&Actor>,
        owner: &RegionCode,
        rows: &[CatalogueRow],
    ) -> Result<std::result::Result<CatalogueImportReport, Vec<ImportProblem>>> {
        let owner_t = self.tenants.known_tenant(owner).await?;
        if let Some(a) = by {
            authorize(a, Action::ManageCatalogue, &owner_t)?;
        } else if !owner_t.root {
            return Err(Error::invalid(format!("{}不是根租户，不能拥有基本目录", owner_t.name)));
        }
        let drafts = match validate_catalogue_rows(rows) {
            Ok(d) => d,
            Err(p) => return Ok(Err(p)),
        };
        let codes: Vec<String> = drafts.iter().map(|d| d.base_code.clone()).collect();
        let existing: HashMap<String, BaseItem> = self
            .ports
            .catalogue
            .base_items_by_code(owner, &codes)
            .await?
            .into_iter()
            .map(|b| (b.base_code.clone(), b))
            .collect();
        let mut stats = ImportStats::default();
        let mut writes = Vec::new();
        for d in drafts {
            match existing.get(&d.base_code) {
                None => {
                    stats.inserted += 1;
                    writes.push(BaseWrite { item: new_base(*owner, d), is_new: true });
                }
                Some(old) if old.draft() == d => stats.unchanged += 1,
                Some(old) => {
                    stats.updated += 1;
                    writes.push(BaseWrite { item: versioned(old, d), is_new: false });
                }
            }
        }
        if !writes.is_empty() {
            let system = Actor::system("import-catalogue", &owner_t);
            let actor = by.unwrap_or(&system);
            let audit = AuditRecord::new(actor, *owner, self.now(), "catalogue.import", format!("{} 个事项", rows.len()))
                .after(serde_json::json!({ "inserted": stats.inserted, "updated": stats.updated, "unchanged": stats.unchanged }));
            let affected = self.ports.catalogue.save_base_items(&writes, audit).await?;
            self.forget_guides(affected).await;
        }
        Ok(Ok(CatalogueImportReport { owner: *owner, stats }))
    }

    // ------------------------------------------------------------ implementation items

    pub async fn impl_items(&self, actor: &Actor, tenant: &RegionCode, mut q: ImplQuery) -> Result<Page<ImplItem>> {
        q.keyword = keyword(q.keyword.as_deref())?;
        let t = self.tenants.tenant(actor, tenant).await?;
        q.tenant = Some(t.code);
        self.ports.catalogue.list_impl_items(&actor.scope(), &q).await
    }

    /// An item in the actor's scope; NOT_FOUND otherwise (its existence is not revealed).
    pub async fn impl_item(&self, actor: &Actor, id: Uuid) -> Result<ImplItem> {
        let scope = actor.scope();
        let item = self.ports.catalogue.impl_item(&scope, id).await?.ok_or(Error::NotFound { what: IMPL })?;
        if !scope.contains(&item.tenant) {
            return Err(Error::NotFound { what: IMPL });
        }
        Ok(item)
    }

    async fn department_of(&self, scope: &Scope, tenant: &Tenant, id: Uuid) -> Result<Department> {
        match self.ports.catalogue.department(scope, id).await? {
            Some(d) if d.tenant == tenant.code => Ok(d),
            _ => Err(Error::invalid(format!("实施部门不存在或不属于{}", tenant.name))),
        }
    }

    /// The co-departments of a joint item, each a department of `tenant`, in the item's order.
    pub async fn co_departments(&self, tenant: &Tenant, local: &ImplLocal) -> Result<Vec<Department>> {
        let mut out = Vec::new();
        for id in &local.co_department_ids {
            match self.ports.catalogue.department(&Scope::only(&tenant.code), *id).await? {
                Some(d) if d.tenant == tenant.code => out.push(d),
                _ => return Err(Error::invalid(format!("协办部门不存在或不属于{}", tenant.name))),
            }
        }
        Ok(out)
    }

    /// Builds (without saving) a new draft item of `tenant`.
    async fn new_impl(
        &self,
        tenant: &Tenant,
        base: &BaseItem,
        department: Department,
        input: ImplInput,
    ) -> Result<ImplItem> {
        check_level(base, &tenant.name, tenant.level)?;
        let local = check_impl(base, department.id, input)?;
        self.co_departments(tenant, &local).await?;
        Ok(ImplItem {
            id: Uuid::now_v7(),
            impl_code: impl_code(&department.credit_code, tenant.level, &base.base_code),
            tenant: tenant.code,
            base: base.clone(),
            department,
            status: ImplStatus::Draft,
            version: 1,
            local,
            suspend_reason: None,
            delegated_by: None,
            updated_at: self.now(),
        })
    }

    async fn base_for(&self, tenant: &Tenant, id: Uuid) -> Result<BaseItem> {
        let owner = self.catalogue_owner(tenant).await?;
        match self.ports.catalogue.base_item(id).await? {
            Some(b) if b.owner == owner.code => Ok(b),
            _ => Err(Error::NotFound { what: BASE }),
        }
    }

    pub async fn implement_item(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        base_item: Uuid,
        department: Uuid,
        input: ImplInput,
    ) -> Result<ImplItem> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let base = self.base_for(&t, base_item).await?;
        let dept = self.department_of(&actor.scope(), &t, department).await?;
        let item = self.new_impl(&t, &base, dept, input).await?;
        let audit = AuditRecord::new(actor, t.code, self.now(), "impl_item.create", item.impl_code.clone())
            .after(summary(&item));
        self.ports.catalogue.save_impl_items(&actor.scope(), &[(item.clone(), true)], vec![audit]).await?;
        Ok(item)
    }

    /// An item the actor may manage.
    /// The steps `actor` may take on `item` now (see [`crate::catalogue::allowed_impl_steps`]).
    pub async fn allowed_impl_steps(&self, actor: &Actor, item: &ImplItem) -> Result<Vec<ImplStep>> {
        let t = self.tenants.known_tenant(&item.tenant).await?;
        Ok(crate::catalogue::allowed_impl_steps(actor, &t, item))
    }

    async fn managed_impl(&self, actor: &Actor, id: Uuid) -> Result<(ImplItem, Tenant)> {
        let item = self.impl_item(actor, id).await?;
        let t = self.tenants.known_tenant(&item.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        Ok((item, t))
    }

    async fn save_step(&self, actor: &Actor, old: &ImplItem, new: ImplItem, action: &str) -> Result<ImplItem> {
        let audit = AuditRecord::new(actor, new.tenant, self.now(), action, new.impl_code.clone())
            .before(summary(old))
            .after(summary(&new));
        self.ports.catalogue.save_impl_items(&actor.scope(), &[(new.clone(), false)], vec![audit]).await?;
        self.forget_guides(vec![new.impl_code.clone()]).await;
        Ok(new)
    }

    fn step(&self, old: &ImplItem, step: ImplStep) -> Result<ImplItem> {
        let status = old.status.apply(step)?;
        Ok(ImplItem { status, version: old.version + 1, updated_at: self.now(), ..old.clone() })
    }

    /// Changes local fields; `None` keeps each. A published item gets a new version.
    pub async fn update_impl_item(
        &self,
        actor: &Actor,
        id: Uuid,
        department: Option<Uuid>,
        input: ImplInput,
    ) -> Result<ImplItem> {
        let (old, t) = self.managed_impl(actor, id).await?;
        let mut new = self.step(&old, ImplStep::Edit)?;
        let dept = match department {
            Some(d) if d != old.department.id => self.department_of(&actor.scope(), &t, d).await?,
            _ => old.department.clone(),
        };
        new.local = check_impl(&old.base, dept.id, input)?;
        self.co_departments(&t, &new.local).await?;
        if dept.id != old.department.id {
            new.impl_code = impl_code(&dept.credit_code, t.level, &old.base.base_code);
            self.forget_guides(vec![old.impl_code.clone()]).await;
        }
        new.department = dept;
        if new.local == old.local && new.impl_code == old.impl_code {
            return Ok(old);
        }
        self.save_step(actor, &old, new, "impl_item.update").await
    }

    pub async fn publish_impl_item(&self, actor: &Actor, id: Uuid) -> Result<ImplItem> {
        let (old, _) = self.managed_impl(actor, id).await?;
        let mut new = self.step(&old, ImplStep::Publish)?;
        new.suspend_reason = None;
        self.save_step(actor, &old, new, "impl_item.publish").await
    }

    pub async fn suspend_impl_item(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<ImplItem> {
        let (old, _) = self.managed_impl(actor, id).await?;
        let reason = text::multiline("暂停原因", reason, 500)?;
        let mut new = self.step(&old, ImplStep::Suspend)?;
        new.suspend_reason = Some(reason);
        self.save_step(actor, &old, new, "impl_item.suspend").await
    }

    pub async fn cancel_impl_item(&self, actor: &Actor, id: Uuid) -> Result<ImplItem> {
        let (old, _) = self.managed_impl(actor, id).await?;
        let new = self.step(&old, ImplStep::Cancel)?;
        self.save_step(actor, &old, new, "impl_item.cancel").await
    }

    /// 下放: implements one base item for the county's towns in one call. Towns without a
    /// (matching) department, or that already implement the item, are skipped with the reason.
    pub async fn delegate_item(&self, actor: &Actor, mut d: Delegation) -> Result<DelegationReport> {
        d.department_name =
            text::optional_line("部门名称", d.department_name.as_deref(), crate::catalogue::MAX_DEPARTMENT_NAME_CHARS)?;
        let county = self.tenants.tenant(actor, &d.from).await?;
        authorize(actor, Action::ManageTenantSetup, &county)?;
        if county.level != AdminLevel::County {
            return Err(Error::invalid("只有县级可以将事项下放到乡镇"));
        }
        let base = self.base_for(&county, d.base_item).await?;
        check_level(&base, "乡镇", AdminLevel::Town)?;
        let towns: Vec<Tenant> = match &d.towns {
            Some(codes) => {
                let mut out = Vec::new();
                for c in codes {
                    let t = self.tenants.tenant(actor, c).await?;
                    if t.parent != Some(county.code) || t.level != AdminLevel::Town {
                        return Err(Error::invalid(format!("{}不是{}的乡镇", t.name, county.name)));
                    }
                    out.push(t);
                }
                out
            }
            None => {
                let q = TenantQuery {
                    scope: Some(actor.scope()),
                    parent: Some(county.code),
                    level: Some(AdminLevel::Town),
                    page: PageRequest { first: MAX_PAGE, after: None },
                };
                self.ports.tenants.list(&q).await?.items
            }
        };
        let scope = actor.scope();
        let existing: Vec<ImplItem> = self.ports.catalogue.active_impls_of_base(&scope, base.id).await?;
        let mut report = DelegationReport { items: Vec::new(), skipped: Vec::new() };
        let mut audits = Vec::new();
        let now = self.now();
        for town in towns {
            authorize(actor, Action::ManageTenantSetup, &town)?;
            if existing.iter().any(|i| i.tenant == town.code) {
                report.skipped.push((town, "已实施该事项".into()));
                continue;
            }
            let depts = self.ports.catalogue.departments(&scope, &town.code).await?;
            let dept = match &d.department_name {
                Some(n) => depts.into_iter().find(|x| x.name == *n),
                None => depts.into_iter().next(),
            };
            let Some(dept) = dept else {
                report.skipped.push((town, "没有可实施该事项的部门".into()));
                continue;
            };
            let mut item = self.new_impl(&town, &base, dept, d.defaults.clone()).await?;
            item.delegated_by = Some(county.code);
            if d.publish {
                item.status = ImplStatus::Published;
            }
            audits.push(
                AuditRecord::new(actor, town.code, now, "impl_item.delegate", item.impl_code.clone())
                    .after(summary(&item)),
            );
            report.items.push(item);
        }
        if report.items.is_empty() {
            let why: Vec<String> = report.skipped.iter().map(|(t, r)| format!("{}：{r}", t.name)).collect();
            return Err(Error::invalid(format!("没有可下放的乡镇（{}）", why.join("；"))));
        }
        audits.push(
            AuditRecord::new(actor, county.code, now, "impl_item.delegate", base.base_code.clone())
                .after(serde_json::json!({ "towns": report.items.iter().map(|i| i.tenant).collect::<Vec<_>>() })),
        );
        let writes: Vec<(ImplItem, bool)> = report.items.iter().map(|i| (i.clone(), true)).collect();
        self.ports.catalogue.save_impl_items(&scope, &writes, audits).await?;
        Ok(report)
    }

    /// Takes a delegation back: the towns' delegated items of the base item are cancelled.
    pub async fn revoke_delegation(&self, actor: &Actor, from: &RegionCode, base_item: Uuid) -> Result<Vec<ImplItem>> {
        let county = self.tenants.tenant(actor, from).await?;
        authorize(actor, Action::ManageTenantSetup, &county)?;
        let base = self.base_for(&county, base_item).await?;
        let scope = actor.scope();
        let now = self.now();
        let mut writes = Vec::new();
        let mut audits = Vec::new();
        for old in self.ports.catalogue.active_impls_of_base(&scope, base.id).await? {
            if old.delegated_by != Some(county.code) {
                continue;
            }
            let new = self.step(&old, ImplStep::Cancel)?;
            audits.push(
                AuditRecord::new(actor, new.tenant, now, "impl_item.revoke_delegation", new.impl_code.clone())
                    .before(summary(&old))
                    .after(summary(&new)),
            );
            writes.push((new, false));
        }
        if writes.is_empty() {
            return Err(Error::invalid(format!("{}没有下放“{}”给乡镇", county.name, base.name)));
        }
        self.ports.catalogue.save_impl_items(&scope, &writes, audits).await?;
        let items: Vec<ImplItem> = writes.into_iter().map(|(i, _)| i).collect();
        self.forget_guides(items.iter().map(|i| i.impl_code.clone()).collect()).await;
        Ok(items)
    }

    // ------------------------------------------------------------ service guides

    /// Public: the guide of a published item, cached; NOT_FOUND for anything else.
    pub async fn service_guide(&self, code: &str) -> Result<ImplItem> {
        let code = text::line("实施编码", code, MAX_IMPL_CODE_CHARS)?;
        let code = code.as_str();
        let key = guide_key(code);
        let ttl = self.settings.guide_cache_ttl;
        if !ttl.is_zero()
            && let Some(hit) = self.ports.cache.get(&key).await
            && let Ok(item) = serde_json::from_str::<ImplItem>(&hit)
        {
            return Ok(item);
        }
        let item = self.ports.catalogue.impl_item_by_code(code).await?;
        match item {
            Some(i) if i.status == ImplStatus::Published => {
                if !ttl.is_zero()
                    && let Ok(json) = serde_json::to_string(&i)
                {
                    self.ports.cache.put(&key, &json, ttl).await;
                }
                Ok(i)
            }
            _ => Err(Error::NotFound { what: "办事指南" }),
        }
    }

    /// Public: published items of a tenant for the guide portal.
    pub async fn public_guides(&self, tenant: &RegionCode, mut q: ImplQuery) -> Result<Page<ImplItem>> {
        q.keyword = keyword(q.keyword.as_deref())?;
        let t = self.ports.tenants.get(tenant).await?.ok_or(Error::NotFound { what: "租户" })?;
        q.tenant = Some(t.code);
        q.status = Some(ImplStatus::Published);
        // Published guides are public: read across the tree, limited to one tenant and PUBLISHED.
        self.ports.catalogue.list_impl_items(&Scope::only(&t.code), &q).await
    }

    /// Public: departments of a tenant, for the guide portal's filter.
    pub async fn public_departments(&self, tenant: &RegionCode) -> Result<Vec<Department>> {
        self.ports.catalogue.departments(&Scope::only(tenant), tenant).await
    }

    async fn forget_guides(&self, codes: Vec<String>) {
        if codes.is_empty() {
            return;
        }
        let keys: Vec<String> = codes.iter().map(|c| guide_key(c)).collect();
        self.ports.cache.delete(&keys).await;
    }
}

fn new_base(owner: RegionCode, d: BaseItemDraft) -> BaseItem {
    BaseItem {
        id: Uuid::now_v7(),
        owner,
        base_code: d.base_code,
        name: d.name,
        kind: d.kind,
        legal_basis: d.legal_basis,
        levels: d.levels,
        statutory_days: d.statutory_days,
        materials: d.materials,
        department: d.department,
        default_case_kind: d.default_case_kind,
        default_cross_area: d.default_cross_area,
        version: 1,
    }
}

fn versioned(old: &BaseItem, d: BaseItemDraft) -> BaseItem {
    BaseItem { id: old.id, owner: old.owner, version: old.version + 1, ..new_base(old.owner, d) }
}
