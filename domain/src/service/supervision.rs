//! Supervision: ratings and rectifications, complaints, statistics (domain.md §6).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::calendar::WorkingCalendar;
use crate::china_time::{day_start, local_day};
use crate::error::{Error, Result};
use crate::identity::{Actor, Role};
use crate::mask::mask_phone;
use crate::page::{PageRequest, Slice, slice_after};
use crate::policy::{Action, authorize};
use crate::region::{AdminLevel, RegionCode};
use crate::supervision::{
    COMPLAINT_DAYS, COMPLAINT_MAX_DAYS, CaseCounts, Complaint, ComplaintStatus, DEFAULT_RECTIFICATION_DAYS, GroupBy,
    MAX_COMMENT_CHARS, MAX_CONTACT_CHARS, MAX_CONTENT_CHARS, MAX_OUTCOME_CHARS, MAX_REASON_CHARS, Period,
    RECTIFICATION_DAYS, Rating, Rectification, RectificationStatus, StatsRow, check_channel, check_level,
};
use crate::tenant::{Scope, Tenant};
use crate::text;

use super::SupervisionService;
use super::calendar::calendar_layers;

const RECTIFICATION: &str = "整改单";
const COMPLAINT: &str = "投诉";
/// The longest period statistics cover, in days.
pub const MAX_STATS_DAYS: i64 = 366 * 3;

/// A statistics row keyed for sorting.
type Rows = BTreeMap<String, (StatsRow, i64, i64)>;

impl SupervisionService {
    pub(super) fn today(&self) -> NaiveDate {
        local_day(self.now())
    }

    async fn root_of(&self, tenant: &Tenant) -> Result<Option<Tenant>> {
        if tenant.root {
            return Ok(Some(tenant.clone()));
        }
        let path = self.calendar.tenant_path(tenant).await?;
        Ok(calendar_layers(&path).0.cloned())
    }

    /// The working days a rectification at `tenant` has: its root's setting, else the default.
    pub async fn rectification_days_for(&self, tenant: &Tenant) -> Result<i64> {
        Ok(match self.root_of(tenant).await? {
            Some(root) => self.ports.supervision.rectification_days(&root.code).await?,
            None => None,
        }
        .unwrap_or(DEFAULT_RECTIFICATION_DAYS))
    }

    /// Sets a root tenant's rectification deadline (working days); its center administrators decide.
    pub async fn set_rectification_days(&self, actor: &Actor, tenant: &RegionCode, days: i64) -> Result<i64> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        if !t.root {
            return Err(Error::invalid(format!("{}不是根租户：整改期限由根租户设置", t.name)));
        }
        if !RECTIFICATION_DAYS.contains(&days) {
            return Err(Error::invalid(format!(
                "整改期限{days}无效，应为{}至{}个工作日",
                RECTIFICATION_DAYS.start(),
                RECTIFICATION_DAYS.end()
            )));
        }
        let before = self.rectification_days_for(&t).await?;
        let audit = AuditRecord::new(actor, t.code, self.now(), "tenant.rectification_days", t.code.to_string())
            .before(json!({ "days": before }))
            .after(json!({ "days": days }));
        self.ports.supervision.set_rectification_days(&t.code, days, &actor.name(), audit).await?;
        Ok(days)
    }

    // ------------------------------------------------------------------ ratings

    /// Public: rates a concluded case by its number and query code, once. Levels 4 and 5 open a
    /// rectification for the handling department.
    pub async fn rate_case(
        &self,
        case_no: &str,
        query_code: &str,
        level: i64,
        channel: &str,
        comment: Option<&str>,
        client: &str,
    ) -> Result<(Rating, Option<Rectification>)> {
        let level = check_level(level)?;
        let channel = check_channel(channel)?;
        let comment = text::optional_multiline("评价内容", comment, MAX_COMMENT_CHARS)?;
        // Checks the code and limits attempts per client like the public tracking page.
        let case = self.cases.track_case(case_no, query_code, client).await?;
        if case.concluded_at.is_none() {
            return Err(Error::IllegalTransition("办件办结后才能评价".into()));
        }
        let tenant = self.tenants.known_tenant(&case.handling).await?;
        let item = self.ports.catalogue.impl_item(&Scope::only(&case.handling), case.impl_item_id).await?;
        let (department_id, department) = match &item {
            Some(i) => (Some(i.department.id), i.department.name.clone()),
            None => (None, String::new()),
        };
        let now = self.now();
        let rating = Rating {
            id: Uuid::now_v7(),
            case_id: case.id,
            case_no: case.case_no.clone(),
            tenant: case.handling,
            impl_item_id: case.impl_item_id,
            item_name: case.item_name.clone(),
            department_id,
            department: department.clone(),
            level,
            channel,
            comment,
            at: now,
        };
        let rect = if rating.is_bad() {
            let days = self.rectification_days_for(&tenant).await?;
            let cal = self.calendar.working_calendar(&tenant).await?;
            let deadline = cal.add_working_days(local_day(now), u32::try_from(days).unwrap_or(5)).date;
            Some(Rectification {
                id: Uuid::now_v7(),
                rating_id: rating.id,
                tenant: case.handling,
                case_no: case.case_no.clone(),
                level,
                department_id,
                department,
                status: RectificationStatus::Open,
                deadline,
                callback: None,
                outcome: None,
                appeal_reason: None,
                decision: None,
                created_at: now,
                updated_at: now,
            })
        } else {
            None
        };
        let actor = Actor::system("public-rating", &tenant);
        let audit = AuditRecord::new(&actor, case.handling, now, "rating.create", case.case_no.clone()).after(json!({
            "rating": rating.id,
            "level": rating.level,
            "channel": rating.channel,
            "rectification": rect.as_ref().map(|r| r.id),
        }));
        if !self.ports.supervision.rate(&rating, rect.as_ref(), audit).await? {
            return Err(Error::conflict("该办件已评价，一事一评"));
        }
        Ok((rating, rect))
    }

    /// A rating in the actor's scope.
    pub async fn rating(&self, actor: &Actor, id: Uuid) -> Result<Rating> {
        self.ports.supervision.rating(&actor.scope(), id).await?.ok_or(Error::NotFound { what: "评价" })
    }

    /// The rating of a case, if any, in the actor's scope.
    pub async fn rating_of_case(&self, actor: &Actor, case: Uuid) -> Result<Option<Rating>> {
        self.ports.supervision.rating_of_case(&actor.scope(), case).await
    }

    pub async fn rectification_of_rating(&self, actor: &Actor, rating: Uuid) -> Result<Option<Rectification>> {
        self.ports.supervision.rectification_of_rating(&actor.scope(), rating).await
    }

    /// Rectifications of a tenant and its descendants, newest first, `first` at a time after the
    /// cursor; for those who supervise it or work there.
    pub async fn rectifications(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        statuses: &[RectificationStatus],
        page: &PageRequest,
    ) -> Result<Slice<Rectification>> {
        let after = slice_after(page.after.as_deref())?;
        let t = self.tenants.tenant(actor, tenant).await?;
        self.may_see_supervision(actor, &t)?;
        let rows = self.ports.supervision.rectifications(&narrow(actor, &t), statuses, page.first + 1, after).await?;
        Ok(Slice::from_rows(rows, page.first, |r| r.id))
    }

    fn may_see_supervision(&self, actor: &Actor, t: &Tenant) -> Result<()> {
        if authorize(actor, Action::Supervise, t).is_ok() || actor.tenant == t.code {
            Ok(())
        } else {
            Err(Error::forbidden("当前角色无权查看监督数据"))
        }
    }

    async fn rectification_in_reach(&self, actor: &Actor, id: Uuid) -> Result<(Rectification, Tenant)> {
        let r = self
            .ports
            .supervision
            .rectification(&actor.scope(), id)
            .await?
            .ok_or(Error::NotFound { what: RECTIFICATION })?;
        let t = self.tenants.known_tenant(&r.tenant).await?;
        Ok((r, t))
    }

    /// The handling tenant's own staff (the rated department) or its center administrators.
    fn may_answer(actor: &Actor, t: &Tenant) -> Result<()> {
        if authorize(actor, Action::ManageTenantSetup, t).is_ok()
            && (actor.tenant == t.code || actor.has(Role::PlatformAdmin))
        {
            return Ok(());
        }
        if actor.tenant == t.code
            && [Role::WindowStaff, Role::Approver, Role::StationStaff].into_iter().any(|r| actor.has(r))
        {
            return Ok(());
        }
        Err(Error::forbidden("只有被评价单位可以办理整改"))
    }

    async fn save_rectification(
        &self,
        actor: &Actor,
        before: &Rectification,
        after: Rectification,
        action: &str,
    ) -> Result<Rectification> {
        let audit =
            AuditRecord::new(actor, after.tenant, after.updated_at, action, format!("rectification:{}", after.id))
                .before(json!({ "status": before.status.as_str() }))
                .after(json!({
                    "status": after.status.as_str(),
                    "outcome": after.outcome,
                    "callback": after.callback,
                    "appealReason": after.appeal_reason,
                    "decision": after.decision,
                }));
        if !self.ports.supervision.update_rectification(&after, before.status, audit).await? {
            return Err(Error::conflict("整改单已被他人处理，请刷新后重试"));
        }
        Ok(after)
    }

    /// Records the call-back and the outcome of an open rectification.
    pub async fn complete_rectification(
        &self,
        actor: &Actor,
        id: Uuid,
        outcome: &str,
        callback: Option<&str>,
    ) -> Result<Rectification> {
        let outcome = text::multiline("整改结果", outcome, MAX_OUTCOME_CHARS)?;
        let callback = text::optional_multiline("回访情况", callback, MAX_OUTCOME_CHARS)?;
        let (r, t) = self.rectification_in_reach(actor, id).await?;
        Self::may_answer(actor, &t)?;
        if r.status != RectificationStatus::Open {
            return Err(Error::IllegalTransition(format!("整改单{}，不能办结", r.status.label())));
        }
        let after = Rectification {
            status: RectificationStatus::Done,
            outcome: Some(outcome),
            callback,
            updated_at: self.now(),
            ..r.clone()
        };
        self.save_rectification(actor, &r, after, "rectification.complete").await
    }

    /// The rated department contests an open rectification (申诉).
    pub async fn appeal_rating(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<Rectification> {
        let reason = text::multiline("申诉理由", reason, MAX_REASON_CHARS)?;
        let (r, t) = self.rectification_in_reach(actor, id).await?;
        Self::may_answer(actor, &t)?;
        if r.status != RectificationStatus::Open {
            return Err(Error::IllegalTransition(format!("整改单{}，不能申诉", r.status.label())));
        }
        let after = Rectification {
            status: RectificationStatus::Appealed,
            appeal_reason: Some(reason),
            updated_at: self.now(),
            ..r.clone()
        };
        self.save_rectification(actor, &r, after, "rectification.appeal").await
    }

    /// The center administrator decides an appeal: upheld (the rectification is open again) or
    /// overturned (the rating no longer counts).
    pub async fn decide_appeal(&self, actor: &Actor, id: Uuid, overturn: bool, note: &str) -> Result<Rectification> {
        let note = text::multiline("复核意见", note, MAX_REASON_CHARS)?;
        let (r, t) = self.rectification_in_reach(actor, id).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        if r.status != RectificationStatus::Appealed {
            return Err(Error::IllegalTransition(format!("整改单{}，没有待复核的申诉", r.status.label())));
        }
        let status = if overturn { RectificationStatus::Overturned } else { RectificationStatus::Open };
        let after = Rectification { status, decision: Some(note), updated_at: self.now(), ..r.clone() };
        self.save_rectification(actor, &r, after, "rectification.decide_appeal").await
    }

    pub fn rectification_overdue(&self, r: &Rectification) -> bool {
        r.overdue(self.today())
    }

    // ------------------------------------------------------------------ complaints

    /// Public: files a complaint at a tenant; due in three working days.
    pub async fn file_complaint(
        &self,
        tenant: &RegionCode,
        case_no: Option<&str>,
        content: &str,
        contact: &str,
        client: &str,
    ) -> Result<Complaint> {
        let case_no = text::optional_line("办件编号", case_no, crate::case::number::MAX_CASE_NO_CHARS)?;
        let content = text::multiline("投诉内容", content, MAX_CONTENT_CHARS)?;
        let contact = text::line("联系方式", contact, MAX_CONTACT_CHARS)?;
        let s = &self.settings;
        self.ports
            .ephemeral
            .rate_limit(&format!("complaint:{client}"), s.login_attempts_per_client, s.login_window)
            .await?;
        let t = self.tenants.public_tenant(tenant).await?;
        let now = self.now();
        let filed_on = local_day(now);
        let cal = self.calendar.working_calendar(&t).await?;
        let c = Complaint {
            id: Uuid::now_v7(),
            tenant: t.code,
            case_no,
            content,
            contact,
            status: ComplaintStatus::Open,
            filed_on,
            days: COMPLAINT_DAYS,
            deadline: deadline(&cal, filed_on, COMPLAINT_DAYS),
            extension_reason: None,
            result: None,
            filed_at: now,
            resolved_at: None,
        };
        let actor = Actor::system("public-complaint", &t);
        let audit = AuditRecord::new(&actor, t.code, now, "complaint.file", format!("complaint:{}", c.id))
            .after(json!({ "caseNo": c.case_no, "contact": mask_phone(&c.contact), "deadline": c.deadline }));
        self.ports.supervision.file_complaint(&c, audit).await?;
        Ok(c)
    }

    /// Complaints of a tenant and its descendants, newest first, `first` at a time after the cursor.
    pub async fn complaints(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        statuses: &[ComplaintStatus],
        page: &PageRequest,
    ) -> Result<Slice<Complaint>> {
        let after = slice_after(page.after.as_deref())?;
        let t = self.tenants.tenant(actor, tenant).await?;
        self.may_see_supervision(actor, &t)?;
        let rows = self.ports.supervision.complaints(&narrow(actor, &t), statuses, page.first + 1, after).await?;
        Ok(Slice::from_rows(rows, page.first, |c| c.id))
    }

    /// The handling admin (a center administrator of the complaint's tenant) sees the contact in
    /// full; everyone else masked.
    pub fn complaint_contact(&self, actor: Option<&Actor>, c: &Complaint) -> String {
        let handling = actor.is_some_and(|a| {
            a.has(Role::PlatformAdmin)
                || (a.tenant == c.tenant && a.has(Role::CenterAdmin) && a.scope().contains(&c.tenant))
        });
        if handling { c.contact.clone() } else { mask_phone(&c.contact) }
    }

    pub fn complaint_overdue(&self, c: &Complaint) -> bool {
        c.overdue(self.today())
    }

    async fn complaint_to_handle(&self, actor: &Actor, id: Uuid) -> Result<(Complaint, Tenant)> {
        let c =
            self.ports.supervision.complaint(&actor.scope(), id).await?.ok_or(Error::NotFound { what: COMPLAINT })?;
        let t = self.tenants.known_tenant(&c.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        Ok((c, t))
    }

    async fn save_complaint(
        &self,
        actor: &Actor,
        before: &Complaint,
        after: Complaint,
        action: &str,
    ) -> Result<Complaint> {
        let audit = AuditRecord::new(actor, after.tenant, self.now(), action, format!("complaint:{}", after.id))
            .before(json!({ "status": before.status.as_str(), "days": before.days, "deadline": before.deadline }))
            .after(json!({
                "status": after.status.as_str(),
                "days": after.days,
                "deadline": after.deadline,
                "reason": after.extension_reason,
                "result": after.result,
            }));
        if !self.ports.supervision.update_complaint(&after, before.status, audit).await? {
            return Err(Error::conflict("投诉已被他人处理，请刷新后重试"));
        }
        Ok(after)
    }

    /// Extends a complaint by `days` working days, at most 15 in all.
    pub async fn extend_complaint(&self, actor: &Actor, id: Uuid, days: i64, reason: &str) -> Result<Complaint> {
        let reason = text::multiline("延期理由", reason, MAX_REASON_CHARS)?;
        if days < 1 {
            return Err(Error::invalid("延期天数应至少为1个工作日"));
        }
        let (c, t) = self.complaint_to_handle(actor, id).await?;
        if c.status == ComplaintStatus::Resolved {
            return Err(Error::IllegalTransition("投诉已办结，不能延期".into()));
        }
        let total = c.days.saturating_add(days);
        if total > COMPLAINT_MAX_DAYS {
            return Err(Error::invalid(format!(
                "投诉办理期限延长后共{total}个工作日，超过{COMPLAINT_MAX_DAYS}个工作日的上限"
            )));
        }
        let cal = self.calendar.working_calendar(&t).await?;
        let after = Complaint {
            status: ComplaintStatus::Extended,
            days: total,
            deadline: deadline(&cal, c.filed_on, total),
            extension_reason: Some(reason),
            ..c.clone()
        };
        self.save_complaint(actor, &c, after, "complaint.extend").await
    }

    /// Records the answer given to the complainant.
    pub async fn resolve_complaint(&self, actor: &Actor, id: Uuid, result: &str) -> Result<Complaint> {
        let result = text::multiline("办理结果", result, MAX_OUTCOME_CHARS)?;
        let (c, _) = self.complaint_to_handle(actor, id).await?;
        if c.status == ComplaintStatus::Resolved {
            return Err(Error::IllegalTransition("投诉已办结".into()));
        }
        let after = Complaint {
            status: ComplaintStatus::Resolved,
            result: Some(result),
            resolved_at: Some(self.now()),
            ..c.clone()
        };
        self.save_complaint(actor, &c, after, "complaint.resolve").await
    }

    // ------------------------------------------------------------------ statistics

    /// The period `[from, to]` (Asia/Shanghai days) checked: within the years served, in order, at
    /// most [`MAX_STATS_DAYS`] long.
    fn period(&self, from: NaiveDate, to: NaiveDate) -> Result<Period> {
        let years = super::MIN_YEAR..=super::MAX_YEAR;
        if !years.contains(&from.year()) || !years.contains(&to.year()) {
            return Err(Error::invalid(format!("统计日期应在{}年至{}年之间", super::MIN_YEAR, super::MAX_YEAR)));
        }
        if to < from {
            return Err(Error::invalid("统计区间的结束日期不能早于开始日期"));
        }
        if (to - from).num_days() > MAX_STATS_DAYS {
            return Err(Error::invalid(format!("统计区间最长{MAX_STATS_DAYS}天")));
        }
        let bad_date = || Error::invalid("统计日期无效");
        let start = day_start(from).ok_or_else(bad_date)?;
        let end = day_start(to.succ_opt().ok_or_else(bad_date)?).ok_or_else(bad_date)?;
        Ok(Period { from, to, start, end, today: self.today() })
    }

    /// Each day's counts of a tenant and its descendants over `[from, to]`, days without any left out.
    pub async fn daily(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, CaseCounts)>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let period = self.period(from, to)?;
        self.ports.supervision.daily(&t.subtree(), &period).await
    }

    /// Statistics of a tenant and its descendants over `[from, to]` (Asia/Shanghai days).
    pub async fn stats(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        from: NaiveDate,
        to: NaiveDate,
        group: GroupBy,
    ) -> Result<Vec<StatsRow>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let period = self.period(from, to)?;
        let data = self.ports.supervision.stats(&t.subtree(), &period, group == GroupBy::Staff).await?;
        let child = child_level(t.level);
        let key_of = |g: &crate::supervision::StatsGrain| -> (String, String) {
            match group {
                GroupBy::Tenant => {
                    let code = tenant_key(&t, child, &g.tenant);
                    (code.to_string(), String::new())
                }
                GroupBy::Department => match g.department_id {
                    Some(id) => (id.to_string(), g.department.clone()),
                    None => ("-".into(), "未指定部门".into()),
                },
                GroupBy::Item => (g.impl_item_id.to_string(), g.item_name.clone()),
                GroupBy::Staff => match &g.staff {
                    Some(s) => (s.clone(), s.clone()),
                    None => ("-".into(), "未受理".into()),
                },
                GroupBy::Window => (String::new(), String::new()),
            }
        };
        let window_of =
            if group == GroupBy::Window { self.windows_by_item(&t.subtree(), &data).await? } else { HashMap::new() };
        let mut rows: Rows = BTreeMap::new();
        let window_key = |g: &crate::supervision::StatsGrain| -> (String, String) {
            match window_of.get(&(g.tenant, g.impl_item_id)) {
                Some((id, label)) => (id.clone(), label.clone()),
                None => ("-".into(), "未设窗口".into()),
            }
        };
        let grain_key =
            |g: &crate::supervision::StatsGrain| if group == GroupBy::Window { window_key(g) } else { key_of(g) };
        for (g, c) in &data.counts {
            let (k, l) = grain_key(g);
            add_counts(&mut entry(&mut rows, k, l).0, c);
        }
        // Average working days from acceptance to conclusion, in the handling tenant's calendar.
        let mut codes: Vec<RegionCode> = data.durations.iter().map(|d| d.grain.tenant).collect();
        codes.sort();
        codes.dedup();
        let calendars = self.calendar.working_calendars(&self.tenants.tenant_identities(&codes).await?).await?;
        for d in &data.durations {
            let Some(cal) = calendars.get(&d.grain.tenant) else {
                return Err(Error::internal(format!("no calendar for {}", d.grain.tenant)));
            };
            let days = cal.working_days_between(d.accepted_on, d.concluded_on).max(0);
            let (k, l) = grain_key(&d.grain);
            let e = entry(&mut rows, k, l);
            e.1 += days * d.n;
            e.2 += d.n;
        }
        // Cases taken in here and handled elsewhere: by collecting tenant, or by who took them in.
        for (collecting, staff, n) in &data.out {
            let k = match group {
                GroupBy::Tenant => Some(tenant_key(&t, child, collecting).to_string()),
                GroupBy::Staff => staff.clone(),
                _ => None,
            };
            if let Some(k) = k {
                entry(&mut rows, k.clone(), k).0.cross_area_out += n;
            }
        }
        if group == GroupBy::Tenant {
            let codes: Vec<RegionCode> = rows.keys().filter_map(|k| RegionCode::parse(k).ok()).collect();
            let names: HashMap<String, String> = self
                .tenants
                .tenant_identities(&codes)
                .await?
                .into_iter()
                .map(|t| (t.code.to_string(), t.name))
                .collect();
            for (k, e) in rows.iter_mut() {
                e.0.label = names.get(k).cloned().unwrap_or_else(|| k.clone());
            }
        }
        Ok(rows
            .into_values()
            .map(|(mut r, sum, n)| {
                r.finish(sum, n);
                r
            })
            .collect())
    }

    /// The window serving each (tenant, item): the lowest-numbered window that offers the item.
    async fn windows_by_item(
        &self,
        scope: &Scope,
        data: &crate::supervision::StatsData,
    ) -> Result<HashMap<(RegionCode, Uuid), (String, String)>> {
        let mut out = HashMap::new();
        let mut tenants: Vec<RegionCode> = data.counts.iter().map(|(g, _)| g.tenant).collect();
        tenants.extend(data.durations.iter().map(|d| d.grain.tenant));
        tenants.sort();
        tenants.dedup();
        let mut windows = self.ports.hall.windows_of(scope, &tenants).await?;
        // Highest number first, so the lowest-numbered window offering an item is kept.
        windows.sort_by(|a, b| b.number.cmp(&a.number));
        for w in windows {
            for item in &w.items {
                out.insert((w.tenant, *item), (w.id.to_string(), format!("{} {}", w.number, w.name)));
            }
        }
        Ok(out)
    }
}

fn entry(rows: &mut Rows, key: String, label: String) -> &mut (StatsRow, i64, i64) {
    let e = rows.entry(key.clone()).or_insert_with(|| (StatsRow { key, ..StatsRow::default() }, 0, 0));
    if e.0.label.is_empty() {
        e.0.label = label;
    }
    e
}

fn add_counts(r: &mut StatsRow, c: &CaseCounts) {
    r.received += c.received;
    r.accepted += c.accepted;
    r.concluded += c.concluded;
    r.on_time += c.on_time;
    r.overdue += c.overdue;
    r.ratings += c.ratings;
    r.bad_ratings += c.bad_ratings;
    r.cross_area_in += c.cross_area_in;
    r.rejected += c.rejected;
}

/// The complaint's deadline: `days` working days after the day it was filed.
fn deadline(cal: &WorkingCalendar, filed_on: NaiveDate, days: i64) -> NaiveDate {
    cal.add_working_days(filed_on, u32::try_from(days).unwrap_or(0)).date
}

/// Lists are read in the tenant's subtree, within the actor's reach.
fn narrow(actor: &Actor, t: &Tenant) -> Scope {
    let sub = t.subtree();
    match actor.scope() {
        Scope::All => sub,
        Scope::Subtree(p) if sub.prefix().starts_with(p.as_str()) => sub,
        own => own,
    }
}

fn child_level(level: AdminLevel) -> Option<AdminLevel> {
    let i = AdminLevel::ALL.iter().position(|l| *l == level)?;
    AdminLevel::ALL.get(i + 1).copied()
}

/// Under TENANT a tenant's own cases are its own row and each child's subtree one row.
fn tenant_key(t: &Tenant, child: Option<AdminLevel>, code: &RegionCode) -> RegionCode {
    match child {
        Some(level) if *code != t.code => code.truncate(level),
        _ => t.code,
    }
}
