//! Cross-area transfers (跨域通办) inside one deployment: the collecting tenant sends a remote intake
//! to the handling tenant, which signs for it, then accepts it (its clock starts on the handler's
//! calendar) or returns it with a reason. Every step changes the case and its transfer together.

use uuid::Uuid;

use crate::case::{Case, CaseAction, CaseClock, CaseEvent, Intake, Warning};
use crate::catalogue::{CaseKind, ImplItem, ImplStatus};
use crate::china_time::{day_start, local_day};
use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::page::{Page, PageRequest};
use crate::partner;
use crate::policy::{Action, authorize};
use crate::ports::{Covering, ImplQuery, TransferQuery};
use crate::region::RegionCode;
use crate::tenant::{Scope, Tenant};
use crate::text;
use crate::transfer::{
    self, Direction, MAX_KEY_CHARS, MAX_NOTE_CHARS, Transfer, TransferAction, TransferChange, TransferStatus,
};

use super::TransferService;

const TRANSFER: &str = "转办";
/// The longest name of a partner's collecting center.
const MAX_CENTER_CHARS: usize = 100;
/// The longest case number of a partner.
const MAX_REMOTE_NO_CHARS: usize = 40;
/// The longest implementation code.
const MAX_IMPL_CODE_CHARS: usize = 60;

/// A case sent by another deployment's service account (跨省通办), as checked at the edge.
pub struct RemoteTransfer {
    pub idempotency_key: String,
    pub from_region: RegionCode,
    pub from_center: String,
    pub remote_case_no: String,
    pub to_region: RegionCode,
    pub impl_code: String,
    pub applicant: crate::case::Applicant,
    pub provided: Vec<String>,
    pub form: Option<serde_json::Value>,
}

/// A status report from a partner deployment about a transfer sent to it, as checked at the edge.
pub struct StatusReport {
    pub idempotency_key: String,
    pub from_region: RegionCode,
    pub to_region: RegionCode,
    pub status: TransferStatus,
    pub reason: Option<String>,
    pub approved: Option<bool>,
    pub opinion: Option<String>,
}

/// The report owed to the partner that sent `t` (none for a transfer inside this deployment).
fn owed_back(t: &Transfer, at: chrono::DateTime<chrono::Utc>, reason: Option<&str>) -> Vec<crate::case::OutboxMessage> {
    match t.from_center {
        Some(_) => vec![partner::status_message(t, t.status, at, reason, None, None)],
        None => Vec::new(),
    }
}

/// Each side's holding time and the signing warning of a transfer, as of today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferReading {
    /// Working days the collecting tenant held the case before sending it.
    pub collector_days: i64,
    /// Working days the handling tenant has held it: from sending to the result (or the return),
    /// or to today while it still holds it.
    pub handler_days: i64,
    /// Unsigned transfers turn yellow after one working day, red after two.
    pub warning: Warning,
}

impl TransferService {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.cases.now()
    }

    /// A transfer whose sending or receiving tenant is in the actor's scope; else NOT_FOUND.
    pub async fn transfer(&self, actor: &Actor, id: Uuid) -> Result<Transfer> {
        self.ports.transfers.transfer(&actor.scope(), id).await?.ok_or(Error::NotFound { what: TRANSFER })
    }

    /// The transfers of a case in the actor's reach, oldest first.
    pub async fn case_transfers(&self, actor: &Actor, case: &Case) -> Result<Vec<Transfer>> {
        if case.channel != crate::case::Channel::Remote {
            return Ok(Vec::new());
        }
        self.ports.transfers.of_case(&actor.scope(), case.id).await
    }

    /// The actor's inbound (to handle) or outbound (sent) transfers; with `warnings`, the unsigned
    /// ones of those colours.
    pub async fn transfers(
        &self,
        actor: &Actor,
        direction: Direction,
        statuses: Vec<TransferStatus>,
        warnings: Vec<Warning>,
        page: PageRequest,
    ) -> Result<Page<Transfer>> {
        let mut q = TransferQuery {
            direction,
            tenant_prefix: actor.scope().prefix().to_owned(),
            statuses,
            sent_before: None,
            sent_from: None,
            page,
        };
        if !warnings.is_empty() {
            let tenant = self.cases.tenants.known_tenant(&actor.tenant).await?;
            let cal = self.cases.calendar.working_calendar(&tenant).await?;
            let (yellow, red) = transfer::sign_warning_bounds(&cal, local_day(self.now()));
            let after = |d: chrono::NaiveDate| d.succ_opt().and_then(day_start);
            let has = |w: Warning| warnings.contains(&w);
            q.statuses = vec![TransferStatus::Sent];
            q.sent_from = if has(Warning::Red) {
                None
            } else if has(Warning::Yellow) {
                after(red)
            } else {
                after(yellow)
            };
            q.sent_before = if has(Warning::Green) {
                None
            } else if has(Warning::Yellow) {
                after(yellow)
            } else {
                after(red)
            };
        }
        self.ports.transfers.list(&actor.scope(), &q).await
    }

    /// Holding times and the signing warning, on each side's calendar (a partner's region outside
    /// this deployment counts on the handler's).
    pub async fn reading(&self, t: &Transfer) -> Result<TransferReading> {
        let tenants = &self.cases.tenants;
        let to = tenants.known_tenant(&t.to).await?;
        let to_cal = self.cases.calendar.working_calendar(&to).await?;
        let from_cal = match self.cases.ports.tenants.get(&t.from).await? {
            Some(from) => self.cases.calendar.working_calendar(&from).await?,
            None => to_cal.clone(),
        };
        let now = self.now();
        let end = match t.status {
            TransferStatus::Returned => t.decided_at,
            _ => t.result_at,
        }
        .unwrap_or(now);
        let sent = local_day(t.sent_at);
        let warning = if t.status == TransferStatus::Sent {
            transfer::sign_warning(&to_cal, sent, local_day(now))
        } else {
            Warning::Green
        };
        Ok(TransferReading {
            collector_days: transfer::holding_days(&from_cal, local_day(t.collected_at), sent),
            handler_days: transfer::holding_days(&to_cal, sent, local_day(end)),
            warning,
        })
    }

    /// Published items of other tenants that the actor may collect for (异地收件): those whose
    /// cross-area scope covers its tenant, found by name or implementation code (`keyword`), at
    /// most `first` of them, each with its tenant. Empty for those who may not.
    pub async fn remote_intake_items(
        &self,
        actor: &Actor,
        keyword: Option<&str>,
        first: u32,
    ) -> Result<Page<(Tenant, ImplItem)>> {
        let keyword = text::optional_line("事项名称", keyword, crate::service::catalogue::MAX_KEYWORD_CHARS)?;
        let collector = self.cases.tenants.known_tenant(&actor.tenant).await?;
        if actor.is_service() || authorize(actor, Action::CrossArea, &collector).is_err() {
            return Ok(Page::empty());
        }
        let q = ImplQuery {
            keyword,
            status: Some(ImplStatus::Published),
            covering: Some(Covering {
                prefixes: transfer::covering_prefixes(&collector.code),
                except: actor.scope().prefix().to_owned(),
            }),
            page: PageRequest { first: first.clamp(1, crate::page::MAX_PAGE), after: None },
            ..Default::default()
        };
        // Published items are public; the filter keeps those covering the collector.
        let page = self.cases.ports.catalogue.list_impl_items(&Scope::All, &q).await?;
        let Page { items, has_next, end_cursor, total, total_exact } = page;
        let mut tenants: std::collections::HashMap<RegionCode, Tenant> = std::collections::HashMap::new();
        let mut found = Vec::with_capacity(items.len());
        for i in items {
            let handler = match tenants.get(&i.tenant) {
                Some(t) => t.clone(),
                None => {
                    let t = self.cases.tenants.known_tenant(&i.tenant).await?;
                    tenants.insert(i.tenant, t.clone());
                    t
                }
            };
            // The store filtered by the same rule; what it answers is checked by the rule itself.
            if transfer::check_remote_intake(&i, &handler, &collector).is_ok() {
                found.push((handler, i));
            }
        }
        Ok(Page { items: found, has_next, end_cursor, total, total_exact })
    }

    /// One published item of another tenant that the actor may collect for (异地收件), with its
    /// tenant; None when there is no such item (unknown, unpublished, its own, out of scope).
    pub async fn remote_intake_item(&self, actor: &Actor, id: Uuid) -> Result<Option<(Tenant, ImplItem)>> {
        let collector = self.cases.tenants.known_tenant(&actor.tenant).await?;
        if actor.is_service() || authorize(actor, Action::CrossArea, &collector).is_err() {
            return Ok(None);
        }
        let Some(item) = self.cases.ports.catalogue.impl_item(&Scope::All, id).await? else {
            return Ok(None);
        };
        if item.status != ImplStatus::Published || actor.scope().contains(&item.tenant) {
            return Ok(None);
        }
        let handler = self.cases.tenants.known_tenant(&item.tenant).await?;
        Ok(transfer::check_remote_intake(&item, &handler, &collector).is_ok().then_some((handler, item)))
    }

    /// 转办理地: the collecting tenant sends a remote intake to its handling tenant. A retry with
    /// the same key and request answers the same transfer; with another request, CONFLICT.
    pub async fn transfer_case(&self, actor: &Actor, case_id: Uuid, note: Option<&str>, key: &str) -> Result<Transfer> {
        let key = text::line("幂等键", key, MAX_KEY_CHARS)?;
        let note = text::optional_multiline("转办说明", note, MAX_NOTE_CHARS)?;
        let request = self.cases.ports.secrets.fingerprint(&format!("{case_id}\n{}", note.as_deref().unwrap_or("")));
        if let Some(done) = self.earlier(actor, &key, &request).await? {
            return Ok(done);
        }
        let (case, handler, item, write) =
            self.cases.workable_at(actor, case_id, Action::CrossArea, false, true).await?;
        if !case.is_remote() {
            return Err(Error::IllegalTransition("只有异地收件的办件才能转办理地".into()));
        }
        case.status.apply(CaseAction::Transfer)?;
        let now = self.now();
        let t = Transfer {
            id: Uuid::now_v7(),
            case_id: case.id,
            case_no: case.case_no.clone(),
            from: case.collecting,
            to: case.handling,
            status: TransferStatus::Sent,
            collected_at: case.received_at,
            sent_at: now,
            received_at: None,
            decided_at: None,
            result_at: None,
            note: note.clone(),
            return_reason: None,
            idempotency_key: key.clone(),
            request_hash: request.clone(),
            version: 1,
            from_center: None,
            remote_case_no: None,
        };
        let opinion = match &note {
            Some(n) => format!("转{}办理：{n}", handler.center_name()),
            None => format!("转{}办理", handler.center_name()),
        };
        // Handled by a partner deployment (跨省通办): the outbox sends it there, in this transaction.
        let partners = self.ports.partners.partners().await?;
        let mut messages = Vec::new();
        if partner::partner_for(&partners, &case.handling).is_some() {
            let collector = self.cases.tenants.known_tenant(&case.collecting).await?;
            let impl_code = item.as_ref().map(|i| i.impl_code.clone()).unwrap_or_default();
            messages.push(partner::submit_message(&t, &case, &collector.center_name(), &impl_code));
        }
        let change = Some(TransferChange::Save(Box::new(t.clone())));
        let step = CaseAction::Transfer;
        match self.cases.transition_with(actor, case, write, step, Some(opinion), |_| {}, change, messages).await {
            Ok(_) => Ok(t),
            // A concurrent retry with the same key won.
            Err(e @ Error::Conflict(_)) => self.earlier(actor, &key, &request).await?.ok_or(e),
            Err(e) => Err(e),
        }
    }

    /// The transfer sent earlier with `key` by the actor's tenant, if the request is the same.
    async fn earlier(&self, actor: &Actor, key: &str, request: &str) -> Result<Option<Transfer>> {
        match self.ports.transfers.by_key(&actor.scope(), &actor.tenant, key).await? {
            Some(t) if t.request_hash == request => Ok(Some(t)),
            Some(_) => Err(Error::conflict("该幂等键已用于另一次转办，请换用新的幂等键")),
            None => Ok(None),
        }
    }

    /// A transfer the actor's tenant is to act on as the handling side.
    async fn inbound(&self, actor: &Actor, id: Uuid, action: TransferAction) -> Result<(Transfer, TransferStatus)> {
        let t = self.transfer(actor, id).await?;
        let handler = self.cases.tenants.known_tenant(&t.to).await?;
        let next = transfer::check_step(actor, &handler, &t, action)?;
        Ok((t, next))
    }

    /// The steps `actor` may take on `t` now (see [`transfer::allowed_steps`]); none on the
    /// collecting side, nor on a transfer to a partner deployment.
    pub async fn allowed_steps(&self, actor: &Actor, t: &Transfer) -> Result<Vec<TransferAction>> {
        if !actor.scope().contains(&t.to) {
            return Ok(Vec::new());
        }
        let handler = self.cases.tenants.known_tenant(&t.to).await?;
        Ok(transfer::allowed_steps(actor, &handler, t))
    }

    /// 签收.
    pub async fn receive(&self, actor: &Actor, id: Uuid) -> Result<Transfer> {
        let (t, next) = self.inbound(actor, id, TransferAction::Receive).await?;
        self.receive_as(actor, t, next).await
    }

    async fn receive_as(&self, actor: &Actor, mut t: Transfer, next: TransferStatus) -> Result<Transfer> {
        let (case, _, _, write) = self.cases.workable_at(actor, t.case_id, Action::CrossArea, false, false).await?;
        t.status = next;
        t.received_at = Some(self.now());
        t.version += 1;
        let messages = owed_back(&t, self.now(), None);
        let change = Some(TransferChange::Save(Box::new(t.clone())));
        self.cases
            .transition_with(actor, case, write, CaseAction::SignTransfer, None, |_| {}, change, messages)
            .await?;
        Ok(t)
    }

    /// 受理: the case is accepted at the handler, its deadline counted on the handler's calendar
    /// from today. Every required material must have been collected (else return it).
    pub async fn accept(&self, actor: &Actor, id: Uuid) -> Result<Transfer> {
        let (t, next) = self.inbound(actor, id, TransferAction::Accept).await?;
        self.accept_as(actor, t, next, true).await
    }

    /// With `check_materials` false for a partner's report: it checked them.
    async fn accept_as(
        &self,
        actor: &Actor,
        mut t: Transfer,
        next: TransferStatus,
        check_materials: bool,
    ) -> Result<Transfer> {
        let (case, tenant, item, write) =
            self.cases.workable_at(actor, t.case_id, Action::CrossArea, false, true).await?;
        let item = item.ok_or_else(|| Error::internal("case item missing"))?;
        if let Some(m) = item.materials().into_iter().find(|m| m.required && !case.provided.contains(&m.name))
            && check_materials
        {
            return Err(Error::invalid(format!("缺少必要材料“{}”，请退回收件地补正", m.name)));
        }
        let reviews =
            if case.kind == CaseKind::Joint { self.cases.joint_reviews(&tenant, &item).await? } else { Vec::new() };
        let now = self.now();
        let today = local_day(now);
        let budget = if case.kind == CaseKind::Instant { 0 } else { item.local.promised_days };
        let cal = self.cases.calendar.working_calendar(&tenant).await?;
        let clock = CaseClock::new(today, budget);
        let deadline = clock.deadline(&cal, today);
        t.status = next;
        t.decided_at = Some(now);
        t.version += 1;
        let messages = owed_back(&t, self.now(), None);
        let change = Some(TransferChange::Save(Box::new(t.clone())));
        self.cases
            .transition_with(
                actor,
                case,
                write,
                CaseAction::AcceptTransfer,
                None,
                |c| {
                    c.accepted_at = Some(now);
                    c.clock = Some(clock);
                    c.deadline = Some(deadline.date);
                    c.deadline_provisional = deadline.provisional;
                    c.missing.clear();
                    c.reviews = reviews;
                },
                change,
                messages,
            )
            .await?;
        Ok(t)
    }

    /// 退回: back to the collecting tenant with a reason; it may send the case again or refuse it.
    pub async fn return_transfer(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<Transfer> {
        let reason = text::multiline("退回理由", reason, MAX_NOTE_CHARS)?;
        let (t, next) = self.inbound(actor, id, TransferAction::Return).await?;
        self.return_as(actor, t, next, reason).await
    }

    async fn return_as(
        &self,
        actor: &Actor,
        mut t: Transfer,
        next: TransferStatus,
        reason: String,
    ) -> Result<Transfer> {
        let (case, _, _, write) = self.cases.workable_at(actor, t.case_id, Action::CrossArea, false, false).await?;
        t.status = next;
        t.decided_at = Some(self.now());
        t.return_reason = Some(reason.clone());
        t.version += 1;
        let messages = owed_back(&t, self.now(), Some(&reason));
        let change = Some(TransferChange::Save(Box::new(t.clone())));
        let step = CaseAction::ReturnTransfer;
        self.cases.transition_with(actor, case, write, step, Some(reason), |_| {}, change, messages).await?;
        Ok(t)
    }

    /// The partner concluded the case of `t`: the case here follows, and the transfer returns the result.
    async fn conclude_remote(
        &self,
        system: &Actor,
        t: &Transfer,
        approve: bool,
        opinion: Option<String>,
    ) -> Result<()> {
        let (case, _, _, write) = self.cases.workable_at(system, t.case_id, Action::CrossArea, false, false).await?;
        let now = self.now();
        let step = CaseAction::Decide { approve };
        let done = |c: &mut Case| c.concluded_at = Some(now);
        self.cases.transition_with(system, case, write, step, opinion, done, None, Vec::new()).await?;
        Ok(())
    }

    /// 跨省通办回执: a partner deployment reports what became of a transfer sent to it (signed,
    /// accepted, returned, or concluded with its result), by a service account whose tenant covers
    /// the collecting tenant here. Reports move the transfer forward only, so one delivered twice,
    /// or after a later one, changes nothing; a report that skips a step applies the steps between.
    pub async fn report_status(&self, actor: &Actor, r: StatusReport) -> Result<Transfer> {
        let key = text::line("幂等键", &r.idempotency_key, MAX_KEY_CHARS)?;
        let reason = text::optional_multiline("退回理由", r.reason.as_deref(), MAX_NOTE_CHARS)?;
        let opinion = text::optional_multiline("办理意见", r.opinion.as_deref(), MAX_NOTE_CHARS)?;
        if !actor.is_service() {
            return Err(Error::forbidden("跨省通办回执只能由合作方的服务账号报送"));
        }
        let collector = self.cases.tenants.known_tenant(&r.from_region).await?;
        authorize(actor, Action::CrossArea, &collector)?;
        let scope = crate::tenant::Scope::only(&collector.code);
        let mut t = self
            .ports
            .transfers
            .by_key(&scope, &collector.code, &key)
            .await?
            .ok_or(Error::NotFound { what: TRANSFER })?;
        if t.to != r.to_region {
            return Err(Error::invalid(format!("转办的办理地为 {}，与回执的 {} 不符", t.to, r.to_region)));
        }
        let partners = self.ports.partners.partners().await?;
        if partner::partner_for(&partners, &t.to).is_none() {
            return Err(Error::forbidden(format!("该转办未转往合作方（区划 {}），不能由合作方回执", t.to)));
        }
        if r.status == TransferStatus::Sent {
            return Err(Error::invalid("回执状态不能为“已发送”"));
        }
        let system = Actor::system("跨省通办回执", &collector);
        // At most three steps: SENT → RECEIVED → ACCEPTED → RESULT_RETURNED; a step that loses to a
        // concurrent report (two deliveries at once) is read again and retried.
        for _ in 0..8 {
            if partner::status_rank(r.status) <= partner::status_rank(t.status) {
                return Ok(t);
            }
            use TransferStatus as S;
            let id = t.id;
            let stepped = match (t.status, r.status) {
                (S::Sent | S::Received, S::Returned) => {
                    let why = reason.clone().unwrap_or_else(|| "办理地退回".to_owned());
                    self.return_as(&system, t, S::Returned, why).await
                }
                (S::Sent, _) => self.receive_as(&system, t, S::Received).await,
                (S::Received, _) => self.accept_as(&system, t, S::Accepted, false).await,
                (S::Accepted, _) => {
                    let approve = r.approved.unwrap_or(true);
                    if !approve && opinion.is_none() {
                        return Err(Error::invalid("不予许可的结果须附办理意见"));
                    }
                    match self.conclude_remote(&system, &t, approve, opinion.clone()).await {
                        Ok(()) => self.transfer(&system, id).await,
                        Err(e) => Err(e),
                    }
                }
                _ => return Ok(t),
            };
            t = match stepped {
                Ok(next) => next,
                Err(Error::Conflict(_)) => self.transfer(&system, id).await?,
                Err(e) => return Err(e),
            };
        }
        Ok(t)
    }

    /// 跨省通办转入: another deployment's service account sends a case to its own tenant here. The
    /// case is created at the handler with its transfer (SENT); the sender and its key deduplicate
    /// retries: the same request answers the same transfer, another one CONFLICT.
    pub async fn submit_remote(&self, actor: &Actor, input: RemoteTransfer) -> Result<Transfer> {
        let key = text::line("幂等键", &input.idempotency_key, MAX_KEY_CHARS)?;
        let from_center = text::line("收件地中心名称", &input.from_center, MAX_CENTER_CHARS)?;
        let remote_no = text::line("收件地办件编号", &input.remote_case_no, MAX_REMOTE_NO_CHARS)?;
        let impl_code = text::line("实施编码", &input.impl_code, MAX_IMPL_CODE_CHARS)?;
        let form = crate::case::CaseForm::parse_optional(input.form)?.map(crate::case::CaseForm::into_value);
        let handler = self.cases.tenants.known_tenant(&input.to_region).await?;
        authorize(actor, Action::CrossArea, &handler)?;
        if !actor.scope().contains(&handler.code) {
            return Err(Error::forbidden(format!("只能向本单位（{}）及下级转入办件", handler.name)));
        }
        let from = input.from_region;
        let request = self.cases.ports.secrets.fingerprint(
            &serde_json::json!([
                from.as_str(),
                from_center,
                remote_no,
                handler.code.as_str(),
                impl_code,
                input.applicant.kind,
                input.applicant.name,
                input.applicant.id_type,
                input.applicant.id_number,
                input.applicant.phone,
                input.provided,
                form,
            ])
            .to_string(),
        );
        let scope = crate::tenant::Scope::only(&handler.code);
        let earlier = |t: Option<Transfer>| match t {
            Some(t) if t.request_hash == request => Ok(Some(t)),
            Some(_) => Err(Error::conflict("该幂等键已用于另一次转入，请换用新的幂等键")),
            None => Ok(None),
        };
        if let Some(t) = earlier(self.ports.transfers.by_key(&scope, &from, &key).await?)? {
            return Ok(t);
        }
        let item = match self.cases.ports.catalogue.impl_item_by_code(&impl_code).await? {
            Some(i) if i.tenant == handler.code => i,
            _ => return Err(Error::invalid(format!("实施编码“{impl_code}”不是{}的事项", handler.name))),
        };
        if item.status != crate::catalogue::ImplStatus::Published {
            return Err(Error::invalid(format!("事项“{}”未发布，不能转入", item.base.name)));
        }
        if !transfer::scope_covers(item.local.cross_area, &handler.code, &from) {
            return Err(Error::forbidden(format!(
                "{}的事项“{}”通办范围为“{}”，区划 {from} 不在范围内",
                handler.name,
                item.base.name,
                item.local.cross_area.label()
            )));
        }
        let allowed: Vec<String> = item.materials().into_iter().map(|m| m.name).collect();
        let provided = super::case::names_in(&input.provided, &allowed, "已提交材料")?;
        let Some(crate::ports::ForIntake { item, write }) =
            self.cases.ports.cases.get_for_intake(&scope, item.id).await?
        else {
            return Err(Error::invalid("实施事项不存在"));
        };
        let now = self.now();
        let random = |c: &super::CaseService| super::case::random5(&c.random_hex());
        let case_no = crate::case::CaseNo::generate(&handler.code, local_day(now), random(&self.cases));
        let query_code = crate::case::QueryCode::generate(random(&self.cases));
        let note = format!("{from_center}（{from}）收件，办件编号 {remote_no}");
        let case = Case::intake(
            &item,
            Intake {
                case_no: case_no.as_str().to_owned(),
                handling: handler.code,
                collecting: handler.code,
                channel: crate::case::Channel::Remote,
                applicant: input.applicant,
                form,
                provided,
            },
            CaseEvent {
                at: now,
                status: crate::case::CaseStatus::Transferred,
                actor: actor.name(),
                tenant: handler.code,
                action: "跨省通办转入".into(),
                opinion: Some(note),
            },
        );
        let t = Transfer {
            id: Uuid::now_v7(),
            case_id: case.id,
            case_no: case.case_no.clone(),
            from,
            to: handler.code,
            status: TransferStatus::Sent,
            collected_at: now,
            sent_at: now,
            received_at: None,
            decided_at: None,
            result_at: None,
            note: None,
            return_reason: None,
            idempotency_key: key.clone(),
            request_hash: request.clone(),
            version: 1,
            from_center: Some(from_center),
            remote_case_no: Some(remote_no),
        };
        let audit =
            crate::audit::AuditRecord::new(actor, handler.code, now, "transfer.submit_remote", case.case_no.clone())
                .after(serde_json::json!({ "from": from, "key": key, "item": item.impl_code }));
        let hash = self.cases.ports.secrets.fingerprint(query_code.as_str());
        let mut w = crate::case::CaseWrite::intake(case, hash, None, audit);
        w.transfer = Some(TransferChange::Save(Box::new(t.clone())));
        match write.save(w).await {
            Ok(crate::ports::CaseSaved::Saved(_)) => Ok(t),
            Ok(_) => Err(Error::internal("new remote case not saved")),
            // A concurrent retry with the same key won.
            Err(e @ Error::Conflict(_)) => earlier(self.ports.transfers.by_key(&scope, &from, &key).await?)?.ok_or(e),
            Err(e) => Err(e),
        }
    }
}
