use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::catalogue::{Department, ImplItem};
use crate::china_time::local_day;
use crate::error::{Error, Result};
use crate::hall::{
    Appointment, AppointmentStatus, Attendance, Post, Slot, Window, WindowKind, WindowNumber, check_capacity,
    check_phone, check_slot, check_slot_day, check_specialized, on_duty, queue_key, window_name,
};
use crate::identity::{Actor, User};
use crate::mask::mask_phone;
use crate::policy::{Action, authorize};
use crate::ports::CallRecord;
use crate::queue::{Call, HallDay, Prefix};
use crate::region::RegionCode;
use crate::tenant::{Scope, Tenant};
use crate::text::{self, TextKind};

use super::HallService;

impl HallService {
    /// Signs the actor in for today at their own tenant's hall.
    pub async fn sign_in(&self, actor: &Actor) -> Result<Attendance> {
        let user = self.identity.me(actor).await?;
        let now = self.now();
        let record = Attendance {
            id: Uuid::now_v7(),
            tenant: user.tenant,
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            day: local_day(now),
            signed_in_at: now,
            signed_out_at: None,
        };
        let audit = AuditRecord::new(actor, user.tenant, now, "attendance.sign_in", format!("user:{}", user.id));
        if !self.ports.attendance.sign_in(&record, audit).await? {
            return Err(Error::conflict("今天已签到，无需重复签到"));
        }
        Ok(record)
    }

    pub async fn sign_out(&self, actor: &Actor) -> Result<()> {
        let user = self.identity.me(actor).await?;
        let now = self.now();
        let audit = AuditRecord::new(actor, user.tenant, now, "attendance.sign_out", format!("user:{}", user.id));
        if self.ports.attendance.sign_out(&user.tenant, user.id, local_day(now), now, audit).await? {
            Ok(())
        } else {
            Err(Error::IllegalTransition("今天尚未签到，不能签退".into()))
        }
    }

    /// The attendance board of a tenant's hall for one day (today by default).
    pub async fn attendance_board(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        day: Option<NaiveDate>,
    ) -> Result<Vec<Attendance>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let day = day.unwrap_or_else(|| local_day(self.now()));
        self.ports.attendance.between(&t.code, day, day).await
    }

    /// A month of attendance, for export.
    pub async fn attendance_month(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        year: i32,
        month: u32,
    ) -> Result<Vec<Attendance>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let from = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| Error::invalid("月份无效"))?;
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| Error::invalid("月份无效"))?;
        debug_assert_eq!(to.month(), month);
        self.ports.attendance.between(&t.code, from, to).await
    }

    /// Whether each of `users` is signed in at `tenant` today.
    pub async fn present_today(&self, tenant: &RegionCode, users: &[Uuid]) -> Result<Vec<bool>> {
        let today = local_day(self.now());
        let records = self.ports.attendance.between(tenant, today, today).await?;
        Ok(users.iter().map(|u| records.iter().any(|r| r.user_id == *u && r.present())).collect())
    }
}

const WINDOW: &str = "窗口";
const USER: &str = "用户";
const IMPL: &str = "实施清单事项";

/// A window to create.
#[derive(Debug, Clone)]
pub struct NewWindow {
    pub tenant: RegionCode,
    pub number: String,
    pub name: String,
    pub kind: WindowKind,
    pub zone: Option<String>,
    pub items: Vec<Uuid>,
}

/// A window with who is on duty at it now.
#[derive(Debug, Clone)]
pub struct WindowView {
    pub window: Window,
    pub on_duty: Option<Uuid>,
}

/// A ticket just taken.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    pub tenant: RegionCode,
    pub number: String,
    pub position: u32,
    pub issued_at: DateTime<Utc>,
    /// The windows that serve it, by number.
    pub windows: Vec<Window>,
}

/// A ticket called at a window.
#[derive(Debug, Clone)]
pub struct CalledTicket {
    pub number: String,
    pub window: Window,
    pub caller: String,
    pub issued_at: DateTime<Utc>,
    pub called_at: DateTime<Utc>,
}

impl HallService {
    fn hall_day(&self, tenant: &RegionCode) -> HallDay {
        HallDay { hall: *tenant, day: local_day(self.now()) }
    }

    /// Implementation items of `tenant` by id; NOT_FOUND-like INVALID_INPUT for foreign or unknown ids.
    async fn items_of(&self, tenant: &Tenant, ids: &[Uuid]) -> Result<Vec<ImplItem>> {
        let scope = Scope::only(&tenant.code);
        let mut out: Vec<ImplItem> = Vec::with_capacity(ids.len());
        for id in ids {
            if out.iter().any(|i| i.id == *id) {
                continue;
            }
            match self.ports.catalogue.impl_item(&scope, *id).await? {
                Some(i) if i.tenant == tenant.code => out.push(i),
                _ => return Err(Error::invalid(format!("事项 {id} 不存在或不属于{}", tenant.name))),
            }
        }
        Ok(out)
    }

    /// A window the actor can see; NOT_FOUND otherwise.
    async fn visible_window(&self, actor: &Actor, id: Uuid) -> Result<(Window, Tenant)> {
        let scope = actor.scope();
        let w = self.ports.hall.window(&scope, id).await?.ok_or(Error::NotFound { what: WINDOW })?;
        if !scope.contains(&w.tenant) {
            return Err(Error::NotFound { what: WINDOW });
        }
        let t = self.tenants.known_tenant(&w.tenant).await?;
        Ok((w, t))
    }

    /// A user of `tenant`; NOT_FOUND for unknown users and users elsewhere.
    async fn user_of(&self, actor: &Actor, tenant: &RegionCode, id: Uuid) -> Result<User> {
        match self.ports.users.get(&actor.scope(), id).await? {
            Some(u) if u.tenant == *tenant => Ok(u),
            _ => Err(Error::NotFound { what: USER }),
        }
    }

    pub async fn create_window(&self, actor: &Actor, input: NewWindow) -> Result<WindowView> {
        let t = self.tenants.tenant(actor, &input.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let number = WindowNumber::parse(&input.number)?;
        let name = window_name(&input.name)?;
        let zone = text::optional_line("区域名称", input.zone.as_deref(), 50)?;
        let items = self.items_of(&t, &input.items).await?;
        if input.kind == WindowKind::Specialized {
            check_specialized(&items)?;
        }
        let w = Window {
            id: Uuid::now_v7(),
            tenant: t.code,
            number: number.as_str().to_owned(),
            name,
            kind: input.kind,
            zone,
            items: items.iter().map(|i| i.id).collect(),
            primary: None,
            backup: None,
        };
        let audit = AuditRecord::new(actor, t.code, self.now(), "window.create", format!("window:{}", w.id))
            .after(serde_json::json!({ "number": w.number, "name": w.name, "kind": w.kind, "items": w.items }));
        self.ports.hall.create_window(&w, audit).await?;
        Ok(WindowView { window: w, on_duty: None })
    }

    async fn with_duty(&self, tenant: &RegionCode, windows: Vec<Window>) -> Result<Vec<WindowView>> {
        let staff: Vec<Uuid> = windows.iter().flat_map(|w| w.primary.into_iter().chain(w.backup)).collect();
        let present = self.present_today(tenant, &staff).await?;
        let signed_in = |u: Uuid| staff.iter().zip(&present).any(|(s, p)| *s == u && *p);
        Ok(windows
            .into_iter()
            .map(|w| {
                let on_duty = on_duty(w.primary, w.backup, &signed_in);
                WindowView { window: w, on_duty }
            })
            .collect())
    }

    /// The windows of a tenant's hall with who is on duty.
    pub async fn windows(&self, actor: &Actor, tenant: &RegionCode) -> Result<Vec<WindowView>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        let windows = self.ports.hall.windows(&t.code).await?;
        self.with_duty(&t.code, windows).await
    }

    /// Windows with nobody on duty (neither A nor B signed in), for the center admin.
    pub async fn unstaffed_windows(&self, actor: &Actor, tenant: &RegionCode) -> Result<Vec<WindowView>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::Supervise, &t)?;
        let all = self.windows(actor, tenant).await?;
        Ok(all.into_iter().filter(|w| w.on_duty.is_none()).collect())
    }

    pub async fn window(&self, actor: &Actor, id: Uuid) -> Result<WindowView> {
        let (w, t) = self.visible_window(actor, id).await?;
        let mut v = self.with_duty(&t.code, vec![w]).await?;
        v.pop().ok_or(Error::NotFound { what: WINDOW })
    }

    pub async fn assign_window_staff(&self, actor: &Actor, window: Uuid, user: Uuid, post: Post) -> Result<WindowView> {
        let (mut w, t) = self.visible_window(actor, window).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let u = self.user_of(actor, &t.code, user).await?;
        let audit = AuditRecord::new(actor, t.code, self.now(), "window.assign_staff", format!("window:{}", w.id))
            .before(serde_json::json!({ "primary": w.primary, "backup": w.backup }))
            .after(serde_json::json!({ "post": post, "user": u.username }));
        self.ports.hall.set_window_staff(&w, post, u.id, audit).await?;
        match post {
            Post::Primary => w.primary = Some(u.id),
            Post::Backup => w.backup = Some(u.id),
        }
        let mut v = self.with_duty(&t.code, vec![w]).await?;
        v.pop().ok_or(Error::NotFound { what: WINDOW })
    }

    // ------------------------------------------------------------ approvers

    /// Authorizes (授权) a user of the actor's managed tenant to decide `items`.
    pub async fn authorize_approver(&self, actor: &Actor, user: Uuid, items: &[Uuid]) -> Result<User> {
        let u = self.ports.users.get(&actor.scope(), user).await?.ok_or(Error::NotFound { what: USER })?;
        let t = self.tenants.known_tenant(&u.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        if items.is_empty() {
            return Err(Error::invalid("请至少选择一个事项"));
        }
        let items = self.items_of(&t, items).await?;
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        let audit = AuditRecord::new(actor, t.code, self.now(), "approver.authorize", format!("user:{}", u.id))
            .after(serde_json::json!({ "user": u.username, "items": ids }));
        self.ports.hall.authorize_approver(&t.code, u.id, &ids, audit).await?;
        Ok(u)
    }

    /// Appoints a user chief representative (首席代表) of a department of their tenant: they may
    /// decide all of its items.
    pub async fn appoint_chief_representative(&self, actor: &Actor, user: Uuid, department: Uuid) -> Result<User> {
        let u = self.ports.users.get(&actor.scope(), user).await?.ok_or(Error::NotFound { what: USER })?;
        let t = self.tenants.known_tenant(&u.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let d = match self.ports.catalogue.department(&Scope::only(&t.code), department).await? {
            Some(d) if d.tenant == t.code => d,
            _ => return Err(Error::NotFound { what: "部门" }),
        };
        let audit = AuditRecord::new(actor, t.code, self.now(), "approver.appoint_chief", format!("user:{}", u.id))
            .after(serde_json::json!({ "user": u.username, "department": d.name }));
        self.ports.hall.appoint_chief(&t.code, u.id, d.id, audit).await?;
        Ok(u)
    }

    /// The items a user may decide: authorized ones, and with chief status all of the department's.
    pub async fn approver_item_ids(&self, user: &User) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
        let items = self.ports.hall.approver_items(&user.tenant, user.id).await?;
        let chief = self.ports.hall.chief_of(&user.tenant, user.id).await?;
        Ok((items, chief))
    }

    /// Whether `actor` may decide (approve or deny) `item`: the policy's DecideCases at the item's
    /// tenant, and an authorization for the item or chief representative status of its department.
    /// Later issues (cases) call this before every decision.
    pub async fn may_decide(&self, actor: &Actor, item: &ImplItem) -> Result<bool> {
        self.may_decide_given(actor, item, None).await
    }

    /// Like `may_decide`, with the actor's authorized items at the item's tenant when already read.
    pub(crate) async fn may_decide_given(
        &self,
        actor: &Actor,
        item: &ImplItem,
        known: Option<&[Uuid]>,
    ) -> Result<bool> {
        let t = self.tenants.known_tenant(&item.tenant).await?;
        if authorize(actor, Action::DecideCases, &t).is_err() {
            return Ok(false);
        }
        let Some(id) = actor.user_id() else { return Ok(false) };
        if self.authorized_for(&t.code, id, item.id, known).await? {
            return Ok(true);
        }
        Ok(self.ports.hall.chief_of(&t.code, id).await?.contains(&item.department.id))
    }

    /// Is `user` authorized to decide `item` at `tenant`? `known`: their authorized items there, when
    /// already read.
    pub(crate) async fn authorized_for(
        &self,
        tenant: &RegionCode,
        user: Uuid,
        item: Uuid,
        known: Option<&[Uuid]>,
    ) -> Result<bool> {
        Ok(match known {
            Some(items) => items.contains(&item),
            None => self.ports.hall.approver_items(tenant, user).await?.contains(&item),
        })
    }

    /// The department a visible user belongs to.
    pub async fn user_department(&self, actor: &Actor, user: &User) -> Result<Option<Department>> {
        let Some(id) = user.department_id else { return Ok(None) };
        let d = self.ports.catalogue.department(&actor.scope(), id).await?;
        Ok(d.filter(|d| d.tenant == user.tenant))
    }

    // ------------------------------------------------------------ queue

    /// Takes a queue ticket (排队取号) for an item at a hall. Public: applicants take tickets at the
    /// lobby kiosk. Routed to the windows serving the item; INVALID_INPUT when none does.
    pub async fn take_ticket(&self, tenant: &RegionCode, item: Uuid) -> Result<IssuedTicket> {
        self.issue_ticket(tenant, item, false).await
    }

    async fn issue_ticket(&self, tenant: &RegionCode, item: Uuid, priority: bool) -> Result<IssuedTicket> {
        let t = self.ports.tenants.get(tenant).await?.ok_or(Error::NotFound { what: "租户" })?;
        let scope = Scope::only(&t.code);
        let item = match self.ports.catalogue.impl_item(&scope, item).await? {
            Some(i) if i.tenant == t.code => i,
            _ => return Err(Error::NotFound { what: IMPL }),
        };
        let windows = self.ports.hall.windows(&t.code).await?;
        let serving: Vec<&Window> = windows.iter().filter(|w| w.items.contains(&item.id)).collect();
        let Some(first) = serving.first() else {
            return Err(Error::invalid(format!("“{}”没有窗口办理，无法取号", item.base.name)));
        };
        let prefix = Prefix::of_window_number(&first.number);
        let now = self.now();
        let issued =
            self.ports.queue.take(&self.hall_day(&t.code), &prefix, &queue_key(&serving), priority, now).await?;
        let windows = serving.into_iter().cloned().collect();
        Ok(IssuedTicket {
            tenant: t.code,
            number: issued.ticket.number,
            position: issued.position,
            issued_at: issued.ticket.issued_at,
            windows,
        })
    }

    /// Calls the next ticket for a window (叫号): of every queue whose windows include it. Only the
    /// hall's own staff; the call is recorded and audited. None when nobody waits.
    pub async fn call_next(&self, actor: &Actor, window: Uuid) -> Result<Option<CalledTicket>> {
        let (w, t) = self.visible_window(actor, window).await?;
        authorize(actor, Action::HandleCases, &t)?;
        let windows = self.ports.hall.windows(&t.code).await?;
        // Every queue containing this window: the window set of each item it serves.
        let mut queues: BTreeMap<String, ()> = BTreeMap::new();
        for item in &w.items {
            let serving: Vec<&Window> = windows.iter().filter(|x| x.items.contains(item)).collect();
            queues.insert(queue_key(&serving), ());
        }
        // And the window's own queue: tickets transferred to it.
        queues.insert(queue_key(&[&w]), ());
        let queues: Vec<String> = queues.into_keys().collect();
        let caller = actor.name();
        let now = self.now();
        let day = self.hall_day(&t.code);
        let Some(call) = self.ports.queue.call_next(&day, &queues, &w.number, &caller, now).await? else {
            return Ok(None);
        };
        let record = CallRecord {
            id: Uuid::now_v7(),
            tenant: t.code,
            day: day.day,
            number: call.ticket.number.clone(),
            window_id: w.id,
            caller: caller.clone(),
            issued_at: call.ticket.issued_at,
            called_at: now,
        };
        let audit = AuditRecord::new(actor, t.code, now, "queue.call", format!("ticket:{}", record.number))
            .after(serde_json::json!({ "window": w.number, "number": record.number }));
        self.ports.hall.record_call(&record, audit).await?;
        Ok(Some(CalledTicket { number: record.number, window: w, caller, issued_at: record.issued_at, called_at: now }))
    }

    /// The ticket a window serves now: its latest call today; INVALID_INPUT when it has none.
    async fn current_call(&self, day: &HallDay, w: &Window) -> Result<Call> {
        self.ports
            .queue
            .recent_calls(day, 100)
            .await?
            .into_iter()
            .find(|c| c.window == w.number)
            .ok_or_else(|| Error::invalid("本窗口今天还没有叫号"))
    }

    /// Calls the window's current ticket again (重呼): the lobby shows it once more.
    pub async fn recall(&self, actor: &Actor, window: Uuid) -> Result<CalledTicket> {
        let (w, t) = self.visible_window(actor, window).await?;
        authorize(actor, Action::HandleCases, &t)?;
        let day = self.hall_day(&t.code);
        let current = self.current_call(&day, &w).await?;
        let now = self.now();
        let call = Call { called_at: now, caller: actor.name(), ..current };
        let audit = AuditRecord::new(actor, t.code, now, "queue.recall", format!("ticket:{}", call.ticket.number))
            .after(serde_json::json!({ "window": w.number, "number": call.ticket.number }));
        self.ports.queue.announce(&day, &call).await?;
        self.ports.audit.append(audit).await?;
        Ok(CalledTicket {
            number: call.ticket.number,
            window: w,
            caller: call.caller,
            issued_at: call.ticket.issued_at,
            called_at: now,
        })
    }

    /// Passes the window's current ticket (过号: the applicant did not come) and calls the next one.
    pub async fn pass_ticket(&self, actor: &Actor, window: Uuid) -> Result<(String, Option<CalledTicket>)> {
        let (w, t) = self.visible_window(actor, window).await?;
        authorize(actor, Action::HandleCases, &t)?;
        let day = self.hall_day(&t.code);
        let current = self.current_call(&day, &w).await?;
        let audit =
            AuditRecord::new(actor, t.code, self.now(), "queue.pass", format!("ticket:{}", current.ticket.number))
                .after(serde_json::json!({ "window": w.number, "number": current.ticket.number }));
        self.ports.audit.append(audit).await?;
        let next = self.call_next(actor, window).await?;
        Ok((current.ticket.number, next))
    }

    /// Sends the window's current ticket to another window of the hall (转窗): it waits there ahead
    /// of every ticket taken without an appointment.
    pub async fn transfer_ticket(&self, actor: &Actor, window: Uuid, to: Uuid) -> Result<(String, Window)> {
        let (w, t) = self.visible_window(actor, window).await?;
        authorize(actor, Action::HandleCases, &t)?;
        let target = match self.visible_window(actor, to).await {
            Ok((x, _)) if x.tenant == w.tenant => x,
            Ok(_) | Err(Error::NotFound { .. }) => return Err(Error::invalid("目标窗口不在本大厅")),
            Err(e) => return Err(e),
        };
        if target.id == w.id {
            return Err(Error::invalid("目标窗口不能是本窗口"));
        }
        let day = self.hall_day(&t.code);
        let current = self.current_call(&day, &w).await?;
        let number = current.ticket.number.clone();
        let audit = AuditRecord::new(actor, t.code, self.now(), "queue.transfer", format!("ticket:{number}"))
            .after(serde_json::json!({ "from": w.number, "to": target.number, "number": number }));
        self.ports.queue.requeue(&day, &queue_key(&[&target]), &current.ticket).await?;
        self.ports.audit.append(audit).await?;
        Ok((number, target))
    }

    /// Today's latest calls at a hall, newest first: public, for the lobby screen.
    pub async fn recent_calls(&self, tenant: &RegionCode, limit: u32) -> Result<Vec<(String, String)>> {
        let t = self.ports.tenants.get(tenant).await?.ok_or(Error::NotFound { what: "租户" })?;
        let calls = self.ports.queue.recent_calls(&self.hall_day(&t.code), limit).await?;
        Ok(calls.into_iter().map(|c| (c.ticket.number, c.window)).collect())
    }

    /// Tickets waiting for a window now.
    pub async fn waiting_for(&self, actor: &Actor, window: Uuid) -> Result<u32> {
        let (w, t) = self.visible_window(actor, window).await?;
        let windows = self.ports.hall.windows(&t.code).await?;
        let mut queues: Vec<String> = w
            .items
            .iter()
            .map(|item| queue_key(&windows.iter().filter(|x| x.items.contains(item)).collect::<Vec<_>>()))
            .collect();
        queues.push(queue_key(&[&w]));
        queues.sort();
        queues.dedup();
        let day = self.hall_day(&t.code);
        let mut n = 0;
        for q in &queues {
            n += self.ports.queue.waiting(&day, q).await?;
        }
        Ok(n)
    }
}

impl HallService {
    /// A user of `tenant` by user name, for forms that name staff; NOT_FOUND otherwise.
    pub async fn tenant_user_by_username(&self, actor: &Actor, tenant: &RegionCode, username: &str) -> Result<User> {
        text::check("用户名", username.trim(), TextKind::Line, crate::identity::Username::MAX_CHARS)?;
        let found = self.ports.users.credentials_by_username(username.trim()).await?;
        match found {
            Some(c) if c.user.tenant == *tenant && actor.scope().contains(tenant) => Ok(c.user),
            _ => Err(Error::NotFound { what: USER }),
        }
    }
}

/// An appointment just booked: the code cancels and checks in; shown once.
#[derive(Debug, Clone)]
pub struct Booking {
    pub appointment: Appointment,
    pub slot: Slot,
    pub code: String,
}

impl HallService {
    /// Opens an appointment slot for an item on a working day of the tenant's calendar.
    pub async fn create_appointment_slot(
        &self,
        actor: &Actor,
        item: Uuid,
        day: NaiveDate,
        starts: NaiveTime,
        ends: NaiveTime,
        capacity: i64,
    ) -> Result<Slot> {
        let item = self.catalogue.impl_item(actor, item).await?;
        let t = self.tenants.known_tenant(&item.tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        let capacity = check_slot(starts, ends, capacity)?;
        if day < self.calendar.today() {
            return Err(Error::invalid("不能为过去的日期开放预约"));
        }
        check_slot_day(&*self.calendar.working_calendar(&t).await?, day)?;
        let slot = Slot { id: Uuid::now_v7(), tenant: t.code, item: item.id, day, starts, ends, capacity, booked: 0 };
        let audit = AuditRecord::new(actor, t.code, self.now(), "appointment.slot_create", format!("slot:{}", slot.id))
            .after(serde_json::json!({ "item": item.base.name, "day": day, "starts": starts, "ends": ends, "capacity": capacity }));
        self.ports.appointments.create_slot(&slot, audit).await?;
        Ok(slot)
    }

    /// Public: the slots of an item on a day.
    pub async fn appointment_slots(&self, tenant: &RegionCode, item: Uuid, day: NaiveDate) -> Result<Vec<Slot>> {
        let t = self.ports.tenants.get(tenant).await?.ok_or(Error::NotFound { what: "租户" })?;
        self.ports.appointments.slots(&t.code, item, day).await
    }

    async fn public_slot(&self, tenant: &RegionCode, id: Uuid) -> Result<Slot> {
        self.ports.appointments.slot(tenant, id).await?.ok_or(Error::NotFound { what: "预约时段" })
    }

    /// Public: books a place; CONFLICT when the slot is full.
    pub async fn book_appointment(
        &self,
        tenant: &RegionCode,
        slot: Uuid,
        name: &str,
        phone: &str,
        client: &str,
    ) -> Result<Booking> {
        self.limit_public_write(client).await?;
        let name = crate::identity::DisplayName::parse_as("预约人姓名", name)?.as_str().to_owned();
        let phone = check_phone(phone)?;
        let slot = self.public_slot(tenant, slot).await?;
        if slot.day < self.calendar.today() {
            return Err(Error::invalid("该时段已过期"));
        }
        check_capacity(slot.booked, slot.capacity)?;
        let code = self.ports.secrets.random_token();
        let now = self.now();
        let a = Appointment {
            id: Uuid::now_v7(),
            tenant: slot.tenant,
            slot_id: slot.id,
            applicant_name: name,
            phone,
            code_hash: self.ports.secrets.fingerprint(&code),
            status: AppointmentStatus::Booked,
            ticket: None,
            created_at: now,
        };
        let actor = Actor::system("public-appointment", &self.tenants.known_tenant(&slot.tenant).await?);
        let audit = AuditRecord::new(&actor, slot.tenant, now, "appointment.book", format!("appointment:{}", a.id))
            .after(serde_json::json!({ "slot": slot.id, "phone": mask_phone(&a.phone) }));
        if !self.ports.appointments.book(&a, audit).await? {
            return Err(Error::conflict("该时段已约满，请选择其他时段"));
        }
        Ok(Booking { appointment: a, slot, code })
    }

    async fn own_appointment(&self, tenant: &RegionCode, id: Uuid, code: &str) -> Result<Appointment> {
        text::check("预约码", code, TextKind::Line, 100)?;
        let a = self.ports.appointments.appointment(tenant, id).await?.ok_or(Error::NotFound { what: "预约" })?;
        if a.code_hash != self.ports.secrets.fingerprint(code) {
            return Err(Error::NotFound { what: "预约" });
        }
        Ok(a)
    }

    /// Public, with the booking code: cancels and frees the place.
    pub async fn cancel_appointment(&self, tenant: &RegionCode, id: Uuid, code: &str, client: &str) -> Result<()> {
        self.limit_public_write(client).await?;
        let a = self.own_appointment(tenant, id, code).await?;
        let actor = Actor::system("public-appointment", &self.tenants.known_tenant(&a.tenant).await?);
        let audit =
            AuditRecord::new(&actor, a.tenant, self.now(), "appointment.cancel", format!("appointment:{}", a.id));
        if !self.ports.appointments.finish(&a, AppointmentStatus::Cancelled, None, audit).await? {
            return Err(Error::IllegalTransition("该预约已取消或已签到".into()));
        }
        Ok(())
    }

    /// Public, with the booking code, on the slot's day: checks in and turns the appointment into
    /// a ticket that goes before the walk-ins.
    pub async fn check_in_appointment(
        &self,
        tenant: &RegionCode,
        id: Uuid,
        code: &str,
        client: &str,
    ) -> Result<IssuedTicket> {
        self.limit_public_write(client).await?;
        let a = self.own_appointment(tenant, id, code).await?;
        let slot = self.public_slot(&a.tenant, a.slot_id).await?;
        if a.status != AppointmentStatus::Booked {
            return Err(Error::IllegalTransition("该预约已取消或已签到".into()));
        }
        if slot.day != self.calendar.today() {
            return Err(Error::invalid(format!("请在预约当天（{}）签到", slot.day)));
        }
        let ticket = self.issue_ticket(&a.tenant, slot.item, true).await?;
        let actor = Actor::system("public-appointment", &self.tenants.known_tenant(&a.tenant).await?);
        let audit =
            AuditRecord::new(&actor, a.tenant, self.now(), "appointment.check_in", format!("appointment:{}", a.id))
                .after(serde_json::json!({ "ticket": ticket.number }));
        if !self.ports.appointments.finish(&a, AppointmentStatus::CheckedIn, Some(&ticket.number), audit).await? {
            return Err(Error::IllegalTransition("该预约已取消或已签到".into()));
        }
        Ok(ticket)
    }
}

impl HallService {
    /// Files a department's leader on-site duty for a coming month (by the 10th of the month
    /// before): the center admin, or a user of that department.
    pub async fn file_leader_duty(
        &self,
        actor: &Actor,
        department: Uuid,
        month: NaiveDate,
        leader_name: &str,
        dates: &[NaiveDate],
    ) -> Result<crate::hall::LeaderDuty> {
        let d = self.ports.catalogue.department(&actor.scope(), department).await?;
        let d = d.filter(|d| actor.scope().contains(&d.tenant)).ok_or(Error::NotFound { what: "部门" })?;
        let t = self.tenants.known_tenant(&d.tenant).await?;
        if authorize(actor, Action::ManageTenantSetup, &t).is_err() {
            let me = self.identity.me(actor).await?;
            if me.department_id != Some(d.id) || me.tenant != t.code {
                return Err(Error::forbidden("只有中心管理员或本部门人员可以报送领导进驻安排"));
            }
        }
        crate::hall::check_leader_filing(month, dates, self.calendar.today())?;
        let leader_name = crate::identity::DisplayName::parse_as("领导姓名", leader_name)?.as_str().to_owned();
        let mut dates = dates.to_vec();
        dates.sort();
        dates.dedup();
        let duty = crate::hall::LeaderDuty {
            id: Uuid::now_v7(),
            tenant: t.code,
            department_id: d.id,
            month,
            leader_name,
            dates,
            filed_at: self.now(),
            published: false,
        };
        let audit = AuditRecord::new(actor, t.code, duty.filed_at, "leader_duty.file", format!("department:{}", d.id))
            .after(serde_json::json!({ "month": month, "leader": duty.leader_name, "dates": duty.dates }));
        self.ports.hall.file_leader_duty(&duty, audit).await?;
        Ok(duty)
    }

    /// The month's leaders' schedule: everyone in scope sees it once published; the center admin
    /// also sees the filings before.
    pub async fn leader_schedule(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        month: NaiveDate,
    ) -> Result<Vec<crate::hall::LeaderDuty>> {
        let t = self.tenants.tenant(actor, tenant).await?;
        let all = self.ports.hall.leader_duties(&t.code, month).await?;
        let admin = authorize(actor, Action::ManageTenantSetup, &t).is_ok();
        Ok(all.into_iter().filter(|d| admin || d.published).collect())
    }

    /// Publishes the month's schedule (center admin).
    pub async fn publish_leader_schedule(&self, actor: &Actor, tenant: &RegionCode, month: NaiveDate) -> Result<u64> {
        let t = self.tenants.tenant(actor, tenant).await?;
        authorize(actor, Action::ManageTenantSetup, &t)?;
        if month.day() != 1 {
            return Err(Error::invalid("月份须为该月1日"));
        }
        let audit = AuditRecord::new(actor, t.code, self.now(), "leader_duty.publish", format!("month:{month}"));
        let n = self.ports.hall.publish_leader_duties(&t.code, month, audit).await?;
        if n == 0 {
            return Err(Error::invalid("该月尚无报送的领导进驻安排"));
        }
        Ok(n)
    }
}
