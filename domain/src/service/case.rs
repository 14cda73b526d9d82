//! Cases from intake to archive. Every transition goes through the state machine, is recorded
//! as an event and audited, and is applied only if nobody changed the case meanwhile.

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::case::{
    Applicant, Case, CaseAction, CaseClock, CaseEvent, CaseForm, CaseNo, CaseStatus, CaseWrite, Channel, ClockReading,
    DeliveryMethod, DepartmentReview, Document, DocumentDraft, DocumentKind, Intake, JointOutcome, Pause, QueryCode,
    SpecialProcedure, joint_outcome,
};
use crate::catalogue::{CaseKind, Department, ImplItem, ImplStatus};
use crate::china_time::local_day;
use crate::error::{Error, Result};
use crate::hall::ApproverStanding;
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize};
use crate::ports::{CaseQuery, CaseSaved, CaseWriter, ForIntake, ForTransition, TransitionRead};
use crate::region::RegionCode;
use crate::tenant::{Scope, Tenant};
use crate::text::{self, TextKind};

use super::CaseService;

const CASE: &str = "办件";

/// Saves a transition of the case read for it.
type Write = Box<dyn CaseWriter>;

pub struct SubmitCase {
    pub impl_item_id: Uuid,
    pub applicant: Applicant,
    pub provided: Vec<String>,
    pub channel: Channel,
    pub form: Option<serde_json::Value>,
    pub idempotency_key: Option<String>,
}

/// The case with the query code shown once.
pub struct CaseReceipt {
    pub case: Case,
    pub query_code: String,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub tenant: Option<RegionCode>,
    pub statuses: Vec<CaseStatus>,
    pub warnings: Vec<crate::case::Warning>,
    pub impl_item: Option<Uuid>,
    /// Cases of this department's implementation items only (the case row has no department: the
    /// list asks for `impl_item_id IN (the department's items)`).
    pub department: Option<Uuid>,
    /// Part of the applicant's name, or their whole id number.
    pub applicant: Option<String>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    /// Accepted on or after this day (China time).
    pub accepted_from: Option<NaiveDate>,
    /// Concluded on or after this day (China time).
    pub concluded_from: Option<NaiveDate>,
    /// Each case with its events and documents (lists that show them).
    pub history: bool,
}

pub(super) fn random5(token: &str) -> [u8; 5] {
    let mut out = [0u8; 5];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(token.get(i * 2..i * 2 + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    out
}

/// The longest free text of a step: an opinion, a reason, a note.
const MAX_OPINION_CHARS: usize = text::MAX_MULTILINE_CHARS;
/// The longest idempotency key.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;
/// The longest applicant search string.
const MAX_APPLICANT_QUERY_CHARS: usize = 40;
/// The longest tracking number of a postal delivery.
const MAX_TRACKING_NO_CHARS: usize = 40;
/// The longest query code taken (they have 8 characters).
const MAX_QUERY_CODE_CHARS: usize = 20;

pub(super) fn names_in(list: &[String], allowed: &[String], what: &str) -> Result<Vec<String>> {
    if list.len() > crate::catalogue::MAX_MATERIALS {
        return Err(Error::invalid(format!("{what}不能超过{}项", crate::catalogue::MAX_MATERIALS)));
    }
    let mut out = Vec::new();
    for n in list.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        text::check(what, n, TextKind::Line, crate::catalogue::MAX_MATERIAL_NAME_CHARS)?;
        if !allowed.iter().any(|a| a == n) {
            return Err(Error::invalid(format!("“{n}”不是本事项的申请材料，不能作为{what}")));
        }
        if !out.iter().any(|o: &String| o == n) {
            out.push(n.to_owned());
        }
    }
    Ok(out)
}

fn required_text(s: &str, what: &str) -> Result<String> {
    text::multiline(what, s, MAX_OPINION_CHARS)
}

impl CaseService {
    /// The case in the actor's scope; anything else is NOT_FOUND (existence is not revealed).
    pub async fn case(&self, actor: &Actor, id: Uuid) -> Result<Case> {
        self.ports.cases.get(&actor.scope(), id, true).await?.ok_or(Error::NotFound { what: CASE })
    }

    /// The case without its events and documents (`history_loaded` false): one read fewer.
    pub async fn case_summary(&self, actor: &Actor, id: Uuid) -> Result<Case> {
        self.ports.cases.get(&actor.scope(), id, false).await?.ok_or(Error::NotFound { what: CASE })
    }

    pub async fn case_by_no(&self, actor: &Actor, case_no: &str) -> Result<Case> {
        let no = CaseNo::parse(case_no)?;
        self.ports.cases.by_no(&actor.scope(), no.as_str()).await?.ok_or(Error::NotFound { what: CASE })
    }

    /// The implementation item deciding a case the caller has loaded in its actor's scope; after
    /// forwardCase it belongs to the ancestor, which the collecting tenant may not browse.
    pub async fn case_item(&self, case: &Case) -> Result<ImplItem> {
        self.ports
            .catalogue
            .impl_item(&Scope::only(&case.handling), case.impl_item_id)
            .await?
            .ok_or_else(|| Error::internal("case item missing"))
    }

    /// Where the case stands on the handling tenant's calendar today.
    pub async fn case_reading(&self, case: &Case) -> Result<Option<ClockReading>> {
        if case.clock.is_none() {
            return Ok(None);
        }
        let tenant = self.tenants.known_tenant(&case.handling).await?;
        let cal = self.calendar.working_calendar(&tenant).await?;
        Ok(case.reading(&cal, local_day(self.now()), self.warning_policy_for(&tenant).await?))
    }

    pub async fn cases(&self, actor: &Actor, filter: CaseFilter, page: PageRequest) -> Result<Page<Case>> {
        let applicant = text::optional_line("申请人查询条件", filter.applicant.as_deref(), MAX_APPLICANT_QUERY_CHARS)?;
        let prefix = match &filter.tenant {
            Some(code) => {
                // Supervising roles list the tenant's subtree; case workers its own cases.
                let t = self.tenants.tenant(actor, code).await?;
                if authorize(actor, Action::Supervise, &t).is_ok() {
                    t.code.prefix(t.level).to_owned()
                } else {
                    t.code.as_str().to_owned()
                }
            }
            None => actor.scope().prefix().to_owned(),
        };
        let day_start = crate::china_time::day_start;
        let mut q = CaseQuery {
            tenant_prefix: prefix,
            statuses: filter.statuses.clone(),
            impl_items: self.items_of(actor, filter.impl_item, filter.department).await?,
            applicant,
            received_from: filter.received_from.and_then(day_start),
            received_to: filter.received_to.and_then(|d| d.succ_opt()).and_then(day_start),
            accepted_from: filter.accepted_from.and_then(day_start),
            concluded_from: filter.concluded_from.and_then(day_start),
            deadline_until: None,
            deadline_from: None,
            correction_due_before: None,
            awaiting_review: None,
            history: filter.history,
            page,
        };
        // Warning filters select running clocks by their stored deadline.
        if !filter.warnings.is_empty() {
            let today = local_day(self.now());
            // The listed tenant's calendar and its root's threshold.
            let listed = self.tenants.known_tenant(filter.tenant.as_ref().unwrap_or(&actor.tenant)).await?;
            let cal = self.calendar.working_calendar(&listed).await?;
            let policy = self.warning_policy_for(&listed).await?;
            if q.statuses.is_empty() {
                q.statuses = vec![CaseStatus::Accepted];
            }
            (q.deadline_from, q.deadline_until) = policy.deadline_bounds(&cal, today, &filter.warnings);
        }
        self.ports.cases.list(&actor.scope(), &q).await
    }

    /// The items a list is restricted to: the one asked for, the department's items in the actor's
    /// scope, or both (their intersection); None when neither is asked for.
    async fn items_of(&self, actor: &Actor, item: Option<Uuid>, department: Option<Uuid>) -> Result<Option<Vec<Uuid>>> {
        let Some(department) = department else {
            return Ok(item.map(|i| vec![i]));
        };
        let q = crate::ports::ImplQuery { department: Some(department), ..Default::default() };
        let items = self.all_impl_items(&actor.scope(), q).await?;
        Ok(Some(items.into_iter().map(|i| i.id).filter(|i| item.is_none_or(|x| x == *i)).collect()))
    }

    /// Every implementation item `q` selects in `scope`, read page by page.
    async fn all_impl_items(&self, scope: &Scope, mut q: crate::ports::ImplQuery) -> Result<Vec<ImplItem>> {
        let mut items = Vec::new();
        q.page = PageRequest { first: crate::page::MAX_PAGE, after: None };
        loop {
            let p = self.ports.catalogue.list_impl_items(scope, &q).await?;
            items.extend(p.items);
            match p.end_cursor.filter(|_| p.has_next) {
                Some(c) => q.page.after = Some(c),
                None => return Ok(items),
            }
        }
    }

    /// The approver's queue (待审批): accepted cases of their tenant on items they may decide, joint
    /// items included where they speak for one of the departments.
    pub async fn approval_queue(&self, actor: &Actor, page: PageRequest) -> Result<Page<Case>> {
        let tenant = self.tenants.known_tenant(&actor.tenant).await?;
        authorize(actor, Action::DecideCases, &tenant)?;
        let Some(user_id) = actor.user_id() else {
            return Ok(Page::from_rows(Vec::new(), &page, 0, |_| String::new()));
        };
        // A joint case leaves the queue once the departments the approver speaks for have reviewed.
        let q = CaseQuery {
            tenant_prefix: tenant.code.as_str().to_owned(),
            statuses: CaseStatus::OPEN_CLOCK.to_vec(),
            history: false,
            page,
            ..Default::default()
        };
        self.ports.cases.approval_queue(&tenant.code, user_id, q, ApproverStanding::review_groups).await
    }

    /// 收件: against a published item of the handling tenant only (清单之外无审批).
    pub async fn submit_case(&self, actor: &Actor, input: SubmitCase) -> Result<CaseReceipt> {
        // Everything from outside is checked before anything is read.
        let form = CaseForm::parse_optional(input.form)?.map(CaseForm::into_value);
        let key = text::optional_line("幂等键", input.idempotency_key.as_deref(), MAX_IDEMPOTENCY_KEY_CHARS)?;
        let scope = actor.scope();
        // Remote intake (异地收件) reads the published item of another tenant.
        let remote = input.channel == Channel::Remote;
        let read_scope = if remote { Scope::All } else { scope.clone() };
        let ForIntake { item, write } = match self.ports.cases.get_for_intake(&read_scope, input.impl_item_id).await? {
            Some(found) if scope.contains(&found.item.tenant) || remote => found,
            _ => return Err(Error::invalid("实施事项不存在或不属于本单位")),
        };
        let tenant = self.tenants.known_tenant(&item.tenant).await?;
        if item.status != ImplStatus::Published {
            if !scope.contains(&item.tenant) {
                // Another tenant's unpublished items are not revealed.
                return Err(Error::invalid("实施事项不存在或未发布"));
            }
            return Err(Error::invalid(format!("事项“{}”未发布，不能受理（清单之外无审批）", item.base.name)));
        }
        let collecting = if scope.contains(&item.tenant) {
            authorize(actor, Action::HandleCases, &tenant)?;
            tenant.code
        } else {
            let collector = self.tenants.known_tenant(&actor.tenant).await?;
            authorize(actor, Action::HandleCases, &collector)?;
            crate::transfer::check_remote_intake(&item, &tenant, &collector)?;
            collector.code
        };
        let allowed: Vec<String> = item.materials().into_iter().map(|m| m.name).collect();
        let provided = names_in(&input.provided, &allowed, "已提交材料")?;
        let now = self.now();
        let case_no = CaseNo::generate(&tenant.code, local_day(now), random5(&self.random_hex()));
        let query_code = QueryCode::generate(random5(&self.random_hex()));
        let case = Case::intake(
            &item,
            Intake {
                case_no: case_no.as_str().to_owned(),
                handling: tenant.code,
                collecting,
                channel: input.channel,
                applicant: input.applicant,
                form,
                provided,
            },
            CaseEvent {
                at: now,
                status: CaseStatus::Received,
                actor: actor.name(),
                tenant: actor.tenant,
                action: "收件".into(),
                opinion: None,
            },
        );
        let audit = AuditRecord::new(actor, tenant.code, now, "case.submit", case.case_no.clone())
            .after(serde_json::json!({ "item": item.impl_code, "version": item.version, "channel": case.channel }));
        let hash = self.ports.secrets.fingerprint(query_code.as_str());
        // A retried submit gets the same case; its query code was shown the first time only.
        let (case, query_code) = match write.save(CaseWrite::intake(case, hash, key, audit)).await? {
            CaseSaved::Saved(case) => (case, query_code.as_str().to_owned()),
            CaseSaved::Earlier(case) => (case, String::new()),
            CaseSaved::Stale => return Err(Error::internal("new case reported stale")),
        };
        Ok(CaseReceipt { case, query_code })
    }

    pub(super) fn random_hex(&self) -> String {
        self.ports.secrets.fingerprint(&self.ports.secrets.random_token())
    }

    /// Loads a case the actor may work on at its handling tenant, with the item that decides it and
    /// the write that will save the transition.
    async fn workable(&self, actor: &Actor, id: Uuid, action: Action) -> Result<(Case, Tenant, ImplItem, Write)> {
        let (case, tenant, item, write) = self.workable_at(actor, id, action, false, true).await?;
        Ok((case, tenant, item.ok_or_else(|| Error::internal("case item missing"))?, write))
    }

    /// Like `workable`, for steps that do not read the item (one read fewer).
    async fn workable_case(&self, actor: &Actor, id: Uuid, action: Action) -> Result<(Case, Write)> {
        let (case, _, _, write) = self.workable_at(actor, id, action, false, false).await?;
        Ok((case, write))
    }

    /// With `at_collecting`, the tenant that collected a case handled elsewhere may act too (it hands
    /// over the result). The item is loaded when `with_item` or when deciding needs it.
    pub(super) async fn workable_at(
        &self,
        actor: &Actor,
        id: Uuid,
        action: Action,
        at_collecting: bool,
        with_item: bool,
    ) -> Result<(Case, Tenant, Option<ImplItem>, Write)> {
        let deciding = action == Action::DecideCases;
        let want = TransitionRead { item: with_item || deciding, approver: actor.user_id().filter(|_| deciding) };
        let ForTransition { case, item, approver_items, write } = self
            .ports
            .cases
            .get_for_transition(&actor.scope(), id, want)
            .await?
            .ok_or(Error::NotFound { what: CASE })?;
        let known = approver_items.as_deref();
        let tenant = self.tenants.known_tenant(&case.handling).await?;
        let holder = *case.holder();
        if case.collected_elsewhere() && !actor.scope().contains(&holder) {
            // The collecting tenant sees the case; the deciding ancestor (or the handling tenant of a
            // transferred case) handles it. A remote intake stays with its collector until transferred.
            if holder == case.collecting {
                let collecting = self.tenants.known_tenant(&case.collecting).await?;
                return Err(Error::forbidden(format!("办件尚在{}收件审查，未转来本单位", collecting.name)));
            }
            if !at_collecting {
                let how = if case.is_remote() { "已转" } else { "已上报" };
                return Err(Error::forbidden(format!("办件{how}{}办理，本单位只能查看", tenant.name)));
            }
            let collecting = self.tenants.known_tenant(&case.collecting).await?;
            authorize(actor, action, &collecting)?;
        } else if holder != case.handling {
            let collecting = self.tenants.known_tenant(&holder).await?;
            authorize(actor, action, &collecting)?;
        } else {
            authorize(actor, action, &tenant)?;
        }
        if !with_item {
            return Ok((case, tenant, None, write));
        }
        let item = match item {
            Some(i) => i,
            None => self.case_item(&case).await?,
        };
        if action == Action::DecideCases {
            // A joint case is decided by its departments' approvers, each for their department.
            let allowed = if case.kind == CaseKind::Joint && !case.reviews.is_empty() {
                let mine = self.speaks_for(actor, &tenant, &item, known).await?;
                case.reviews.iter().any(|r| mine.contains(&r.department_id))
            } else {
                self.hall.may_decide_given(actor, &item, known).await?
            };
            if !allowed {
                return Err(Error::forbidden(format!("您未获授权审批事项“{}”", item.base.name)));
            }
        }
        Ok((case, tenant, Some(item), write))
    }

    /// Applies `step` to the case and saves it if nobody changed it meanwhile.
    async fn transition(
        &self,
        actor: &Actor,
        case: Case,
        write: Write,
        step: CaseAction,
        opinion: Option<String>,
        change: impl FnOnce(&mut Case),
    ) -> Result<Case> {
        self.transition_with(actor, case, write, step, opinion, change, None, Vec::new()).await
    }

    /// Like `transition`, saving `transfer` with it. A remote case concluded at its handler returns
    /// its result to the collector (跨域通办).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn transition_with(
        &self,
        actor: &Actor,
        mut case: Case,
        write: Write,
        step: CaseAction,
        opinion: Option<String>,
        change: impl FnOnce(&mut Case),
        transfer: Option<crate::transfer::TransferChange>,
        mut messages: Vec<crate::case::OutboxMessage>,
    ) -> Result<Case> {
        let before = case.status;
        let held_by = case.handling;
        case.status = case.status.apply(step)?;
        change(&mut case);
        let now = self.now();
        let kind = match (step, case.status) {
            (CaseAction::Accept | CaseAction::AcceptTransfer, _) => Some(DocumentKind::AcceptanceNotice),
            (CaseAction::RequestCorrection, _) => Some(DocumentKind::CorrectionNotice),
            (CaseAction::Reject, _) => Some(DocumentKind::NonAcceptanceNotice),
            (CaseAction::Decide { .. }, CaseStatus::Approved) => Some(DocumentKind::ApprovalDecision),
            (CaseAction::Decide { .. }, _) => Some(DocumentKind::DenialDecision),
            _ => None,
        };
        let document = match kind {
            Some(k) => {
                let t = self.tenants.known_tenant(&case.handling).await?;
                Some(DocumentDraft::compose(k, &case, &t.name, &t.center_name(), now, opinion.as_deref()))
            }
            None => None,
        };
        let event = CaseEvent {
            at: now,
            status: case.status,
            actor: actor.name(),
            tenant: actor.tenant,
            action: step.label().to_owned(),
            opinion: opinion.clone(),
        };
        case.version += 1;
        let audit = AuditRecord::new(actor, held_by, now, step.audit_action(), case.case_no.clone())
            .before(serde_json::json!({ "status": before, "tenant": held_by }))
            .after(serde_json::json!({ "status": case.status, "tenant": case.handling, "opinion": opinion }));
        let transfer = match (transfer, step) {
            (Some(t), _) => Some(t),
            (None, CaseAction::Decide { .. }) if case.channel == Channel::Remote => {
                // A partner's case (跨省通办): the result is reported back to it, in this transaction.
                if case.collecting == case.handling {
                    let sent = self.ports.transfers.of_case(&Scope::only(&case.handling), case.id).await?;
                    if let Some(t) = sent.iter().rev().find(|t| t.from_center.is_some()) {
                        let approved = case.status == CaseStatus::Approved;
                        messages.push(crate::partner::status_message(
                            t,
                            crate::transfer::TransferStatus::ResultReturned,
                            now,
                            None,
                            Some(approved),
                            opinion.as_deref(),
                        ));
                    }
                }
                Some(crate::transfer::TransferChange::ResultReturned { case_id: case.id, at: now })
            }
            (None, _) => None,
        };
        let mut w = CaseWrite::transition(case, held_by, event, document, audit);
        w.transfer = transfer;
        w.messages = messages;
        match write.save(w).await? {
            CaseSaved::Stale => Err(Error::conflict("办件已被他人同时办理，请刷新后重试")),
            CaseSaved::Saved(case) | CaseSaved::Earlier(case) => Ok(case),
        }
    }

    /// 上报: the preliminary review (初审) is done; the nearest ancestor that publishes the same
    /// base item receives the case and decides it. Both tenants see it; the clock starts when the
    /// ancestor accepts.
    pub async fn forward_case(&self, actor: &Actor, id: Uuid, opinion: &str) -> Result<Case> {
        let opinion = required_text(opinion, "初审意见")?;
        let (case, tenant, item, write) = self.workable(actor, id, Action::HandleCases).await?;
        case.status.apply(CaseAction::Forward)?;
        if item.local.case_kind != CaseKind::Escalated {
            return Err(Error::IllegalTransition(format!(
                "事项“{}”在{}不是上报件，由本单位直接办理，不能上报",
                item.base.name, tenant.name
            )));
        }
        let (target, target_item) = self.deciding_item(&tenant, &item).await?;
        let opinion = format!("{opinion}（上报{}）", target.center_name());
        self.transition(actor, case, write, CaseAction::Forward, Some(opinion), |c| {
            c.handling = target.code;
            c.impl_item_id = target_item.id;
            c.impl_version = target_item.version;
            c.item_name = target_item.base.name.clone();
        })
        .await
    }

    /// The nearest ancestor (up to the root) with a published implementation of the item's base.
    async fn deciding_item(&self, from: &Tenant, item: &ImplItem) -> Result<(Tenant, ImplItem)> {
        let mut next = if from.root { None } else { from.parent };
        while let Some(code) = next {
            let t = self.tenants.known_tenant(&code).await?;
            let found = self
                .ports
                .catalogue
                .active_impls_of_base(&Scope::only(&t.code), item.base.id)
                .await?
                .into_iter()
                .find(|i| i.tenant == t.code && i.status == ImplStatus::Published);
            if let Some(i) = found {
                return Ok((t, i));
            }
            next = if t.root { None } else { t.parent };
        }
        Err(Error::invalid(format!("上级单位均未发布事项“{}”，无法上报", item.base.name)))
    }

    /// 受理: every required material present, or missing ones deferrable (容缺) with a date.
    pub async fn accept_case(
        &self,
        actor: &Actor,
        id: Uuid,
        deferred: Vec<String>,
        deferred_until: Option<NaiveDate>,
    ) -> Result<Case> {
        let (case, tenant, item, write) = self.workable(actor, id, Action::HandleCases).await?;
        case.status.apply(CaseAction::Accept)?;
        if case.is_remote() {
            return Err(Error::IllegalTransition(format!("异地收件的办件须转{}受理（转办理地）", tenant.name)));
        }
        if item.local.case_kind == CaseKind::Escalated {
            return Err(Error::IllegalTransition(format!(
                "事项“{}”在{}是上报件：初审后请上报，由上级受理并决定",
                item.base.name, tenant.name
            )));
        }
        let reviews = if case.kind == CaseKind::Joint { self.joint_reviews(&tenant, &item).await? } else { Vec::new() };
        let materials = item.materials();
        let names: Vec<String> = materials.iter().map(|m| m.name.clone()).collect();
        let deferred = names_in(&deferred, &names, "容缺材料")?;
        for m in materials.iter().filter(|m| m.required && !case.provided.contains(&m.name)) {
            if !deferred.contains(&m.name) {
                return Err(Error::invalid(format!("缺少必要材料“{}”，请先一次性告知补正", m.name)));
            }
            if !m.deferrable {
                return Err(Error::invalid(format!("材料“{}”不允许容缺受理", m.name)));
            }
        }
        let today = local_day(self.now());
        if !deferred.is_empty() {
            match deferred_until {
                Some(d) if d >= today => {}
                Some(_) => return Err(Error::invalid("容缺材料的补交日期不能早于今天")),
                None => return Err(Error::invalid("容缺受理须约定补交日期")),
            }
        }
        let budget = if case.kind == CaseKind::Instant { 0 } else { item.local.promised_days };
        let cal = self.calendar.working_calendar(&tenant).await?;
        let clock = CaseClock::new(today, budget);
        let deadline = clock.deadline(&cal, today);
        let now = self.now();
        self.transition(actor, case, write, CaseAction::Accept, None, |c| {
            c.deferred = deferred;
            c.deferred_until = deferred_until.filter(|_| !c.deferred.is_empty());
            c.accepted_at = Some(now);
            c.clock = Some(clock);
            c.deadline = Some(deadline.date);
            c.deadline_provisional = deadline.provisional;
            c.missing.clear();
            c.reviews = reviews;
        })
        .await
    }

    /// 一次性告知: one notice listing every missing material; the clock has not started.
    pub async fn request_correction(&self, actor: &Actor, id: Uuid, missing: Vec<String>, note: &str) -> Result<Case> {
        let (case, _, item, write) = self.workable(actor, id, Action::HandleCases).await?;
        case.status.apply(CaseAction::RequestCorrection)?;
        let names: Vec<String> = item.materials().into_iter().map(|m| m.name).collect();
        let missing = names_in(&missing, &names, "需补正材料")?;
        if missing.is_empty() {
            return Err(Error::invalid("补正告知须列出全部缺少的材料"));
        }
        let note = required_text(note, "补正说明")?;
        let due = local_day(self.now()) + Duration::days(self.settings.correction_days);
        self.transition(actor, case, write, CaseAction::RequestCorrection, Some(note), |c| {
            c.missing = missing;
            c.correction_due = Some(due);
        })
        .await
    }

    pub async fn resubmit_case(&self, actor: &Actor, id: Uuid, provided: Vec<String>) -> Result<Case> {
        let (case, _, item, write) = self.workable(actor, id, Action::HandleCases).await?;
        let names: Vec<String> = item.materials().into_iter().map(|m| m.name).collect();
        let provided = names_in(&provided, &names, "补正材料")?;
        self.transition(actor, case, write, CaseAction::Resubmit, None, |c| {
            for p in provided {
                if !c.provided.contains(&p) {
                    c.provided.push(p);
                }
            }
            c.missing.retain(|m| !c.provided.contains(m));
            c.correction_due = None;
        })
        .await
    }

    /// 不予受理, with a written reason; listed for review (否定备案).
    pub async fn reject_case(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<Case> {
        let reason = required_text(reason, "不予受理理由")?;
        let (case, write) = self.workable_case(actor, id, Action::HandleCases).await?;
        let now = self.now();
        self.transition(actor, case, write, CaseAction::Reject, Some(reason), |c| c.concluded_at = Some(now)).await
    }

    /// 特别程序: the clock pauses; the ledger records the procedure and its reason.
    pub async fn suspend_case(
        &self,
        actor: &Actor,
        id: Uuid,
        procedure: SpecialProcedure,
        reason: &str,
    ) -> Result<Case> {
        let reason = required_text(reason, "特别程序理由")?;
        let (case, _, _, write) = self.workable(actor, id, Action::DecideCases).await?;
        let today = local_day(self.now());
        let opinion = format!("{}：{reason}", procedure.label());
        self.transition(actor, case, write, CaseAction::Suspend, Some(opinion), |c| {
            if let Some(clock) = c.clock.as_mut() {
                clock.pauses.push(Pause { from: today, to: None, procedure: format!("{procedure:?}"), reason });
            }
        })
        .await
    }

    pub async fn resume_case(&self, actor: &Actor, id: Uuid) -> Result<Case> {
        let (case, tenant, _, write) = self.workable(actor, id, Action::DecideCases).await?;
        let today = local_day(self.now());
        let cal = self.calendar.working_calendar(&tenant).await?;
        self.transition(actor, case, write, CaseAction::Resume, None, |c| {
            if let Some(clock) = c.clock.as_mut() {
                if let Some(p) = clock.pauses.last_mut().filter(|p| p.to.is_none()) {
                    p.to = Some(today);
                }
                let d = clock.deadline(&cal, today);
                c.deadline = Some(d.date);
                c.deadline_provisional = d.provisional;
            }
        })
        .await
    }

    /// 准予 or 不予许可; a denial needs its reasons. In a joint case each department decides, and
    /// the case concludes with the last one: approved if all approve, denied if any denies.
    pub async fn decide_case(&self, actor: &Actor, id: Uuid, approve: bool, opinion: &str) -> Result<Case> {
        let (case, tenant, item, write) = self.workable(actor, id, Action::DecideCases).await?;
        let opinion = opinion.trim();
        if !approve && opinion.is_empty() {
            return Err(Error::invalid("不予许可须说明理由"));
        }
        text::check("审批意见", opinion, TextKind::Multiline, MAX_OPINION_CHARS)?;
        if case.kind == CaseKind::Joint {
            return self.review_joint(actor, (case, write), &tenant, &item, approve, opinion).await;
        }
        let opinion = (!opinion.is_empty()).then(|| opinion.to_owned());
        let now = self.now();
        self.transition(actor, case, write, CaseAction::Decide { approve }, opinion, |c| c.concluded_at = Some(now))
            .await
    }

    /// The departments of a joint item, lead first, as the reviews a case starts with.
    pub(super) async fn joint_reviews(&self, tenant: &Tenant, item: &ImplItem) -> Result<Vec<DepartmentReview>> {
        let review = |d: &Department, lead: bool| DepartmentReview {
            department_id: d.id,
            department: d.name.clone(),
            lead,
            approve: None,
            opinion: None,
            reviewer: None,
            at: None,
        };
        let mut out = vec![review(&item.department, true)];
        out.extend(self.catalogue.co_departments(tenant, &item.local).await?.iter().map(|d| review(d, false)));
        Ok(out)
    }

    /// Records the actor's department's decision on a joint case; the last one concludes it.
    async fn review_joint(
        &self,
        actor: &Actor,
        (mut case, write): (Case, Write),
        tenant: &Tenant,
        item: &ImplItem,
        approve: bool,
        opinion: &str,
    ) -> Result<Case> {
        case.status.apply(CaseAction::Review { approve })?;
        let index = self.reviewing_department(actor, &case, tenant, item).await?;
        let now = self.now();
        let review = &mut case.reviews[index];
        review.approve = Some(approve);
        review.opinion = (!opinion.is_empty()).then(|| opinion.to_owned());
        review.reviewer = Some(actor.name());
        review.at = Some(now);
        let said = format!("{}：{}", review.department, if opinion.is_empty() { "同意" } else { opinion });
        let decisions: Vec<Option<bool>> = case.reviews.iter().map(|r| r.approve).collect();
        match joint_outcome(&decisions) {
            JointOutcome::Pending { .. } => {
                self.transition(actor, case, write, CaseAction::Review { approve }, Some(said), |_| {}).await
            }
            outcome => {
                let approved = outcome == JointOutcome::Approved;
                let all: Vec<String> = case
                    .reviews
                    .iter()
                    .map(|r| {
                        let verdict = if r.approve == Some(true) { "同意" } else { "不同意" };
                        match &r.opinion {
                            Some(o) => format!("{}{verdict}：{o}", r.department),
                            None => format!("{}{verdict}", r.department),
                        }
                    })
                    .collect();
                let summary = format!("联办部门意见：{}", all.join("；"));
                let step = CaseAction::Decide { approve: approved };
                self.transition(actor, case, write, step, Some(summary), |c| c.concluded_at = Some(now)).await
            }
        }
    }

    /// The departments an approver speaks for on `item`: their own (with an authorization for the
    /// item) and those they represent as chief (首席代表).
    pub(super) async fn speaks_for(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        item: &ImplItem,
        known: Option<&[Uuid]>,
    ) -> Result<Vec<Uuid>> {
        let Some(user_id) = actor.user_id() else { return Ok(Vec::new()) };
        if authorize(actor, Action::DecideCases, tenant).is_err() {
            return Ok(Vec::new());
        }
        let mut mine = self.ports.hall.chief_of(&tenant.code, user_id).await?;
        if self.hall.authorized_for(&tenant.code, user_id, item.id, known).await?
            && let Some(user) = self.ports.users.get(&Scope::only(&tenant.code), user_id).await?
            && let Some(d) = user.department_id
        {
            mine.push(d);
        }
        Ok(mine)
    }

    /// Which pending review of a joint case the actor gives.
    async fn reviewing_department(
        &self,
        actor: &Actor,
        case: &Case,
        tenant: &Tenant,
        item: &ImplItem,
    ) -> Result<usize> {
        let mine = self.speaks_for(actor, tenant, item, None).await?;
        if let Some(i) = case.reviews.iter().position(|r| mine.contains(&r.department_id) && r.approve.is_none()) {
            return Ok(i);
        }
        match case.reviews.iter().find(|r| mine.contains(&r.department_id)) {
            Some(r) => Err(Error::IllegalTransition(format!("{}已提出联办审查意见，不能重复提出", r.department))),
            None => Err(Error::forbidden(format!("您未获授权审批联办事项“{}”", item.base.name))),
        }
    }

    /// 出件/送达: at the window, by post (tracking number required) or online.
    pub async fn deliver_case(
        &self,
        actor: &Actor,
        id: Uuid,
        method: DeliveryMethod,
        tracking_no: Option<&str>,
    ) -> Result<Case> {
        let tracking = text::optional_line("快递单号", tracking_no, MAX_TRACKING_NO_CHARS)?;
        let tracking = tracking.as_deref();
        if method == DeliveryMethod::Post && tracking.is_none() {
            return Err(Error::invalid("邮寄送达须填写快递单号"));
        }
        let (case, tenant, _, write) = self.workable_at(actor, id, Action::HandleCases, true, false).await?;
        if case.status == CaseStatus::Transferred {
            return Err(Error::IllegalTransition(format!("办件已转{}办理，办结后方可出件送达", tenant.name)));
        }
        let opinion = match (method, tracking) {
            (DeliveryMethod::Window, _) => "窗口领取".to_owned(),
            (DeliveryMethod::Post, Some(t)) => format!("邮寄送达，单号 {t}"),
            (DeliveryMethod::Post, None) => "邮寄送达".to_owned(),
            (DeliveryMethod::Online, _) => "网上送达".to_owned(),
        };
        self.transition(actor, case, write, CaseAction::Deliver, Some(opinion), |_| {}).await
    }

    pub async fn archive_case(&self, actor: &Actor, id: Uuid) -> Result<Case> {
        let (case, write) = self.workable_case(actor, id, Action::HandleCases).await?;
        self.transition(actor, case, write, CaseAction::Archive, None, |_| {}).await
    }

    /// 撤回, before a decision.
    pub async fn withdraw_case(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<Case> {
        let reason = required_text(reason, "撤回理由")?;
        let (case, write) = self.workable_case(actor, id, Action::HandleCases).await?;
        self.transition(actor, case, write, CaseAction::Withdraw, Some(reason), |_| {}).await
    }

    /// Correction notices whose deadline has passed make their cases EXPIRED. Background work:
    /// it names itself in events and audit entries, and works tenant by tenant.
    pub async fn expire_corrections(&self) -> Result<usize> {
        let today = local_day(self.now());
        let q = CaseQuery {
            statuses: vec![CaseStatus::CorrectionRequested],
            correction_due_before: Some(today),
            page: PageRequest { first: crate::page::MAX_PAGE, after: None },
            ..Default::default()
        };
        let due = self.ports.cases.list(&Scope::All, &q).await?;
        let mut expired = 0;
        for listed in due.items {
            let tenant = self.tenants.known_tenant(&listed.handling).await?;
            let system = Actor::system("correction-expiry", &tenant);
            let read =
                self.ports.cases.get_for_transition(&system.scope(), listed.id, TransitionRead::default()).await?;
            let Some(ForTransition { case, write, .. }) = read else { continue };
            let note = Some("补正期限届满未补正".to_owned());
            match self.transition(&system, case, write, CaseAction::Expire, note, |_| {}).await {
                Ok(_) => expired += 1,
                // Someone resubmitted meanwhile: nothing to expire.
                Err(Error::Conflict(_) | Error::IllegalTransition(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(expired)
    }

    /// An issued document of a case in the actor's scope.
    pub async fn document(&self, actor: &Actor, id: Uuid) -> Result<Document> {
        self.ports.cases.document(&actor.scope(), id).await?.ok_or(Error::NotFound { what: "文书" })
    }

    /// Public tracking by number and query code; a wrong code is NOT_FOUND, attempts are limited.
    pub async fn track_case(&self, case_no: &str, query_code: &str, client: &str) -> Result<Case> {
        text::check("办件编号", case_no.trim(), TextKind::Line, crate::case::number::MAX_CASE_NO_CHARS)?;
        text::check("查询码", query_code.trim(), TextKind::Line, MAX_QUERY_CODE_CHARS)?;
        let s = &self.settings;
        self.ports
            .ephemeral
            .rate_limit(&format!("track:{client}"), s.login_attempts_per_client, s.login_window)
            .await?;
        let not_found = || Error::NotFound { what: CASE };
        let no = CaseNo::parse(case_no).map_err(|_| not_found())?;
        let (case, hash) = self.ports.cases.for_tracking(no.as_str()).await?.ok_or_else(not_found)?;
        let given = self.ports.secrets.fingerprint(query_code.trim().to_ascii_uppercase().as_str());
        if given != hash {
            return Err(not_found());
        }
        Ok(case)
    }
}
