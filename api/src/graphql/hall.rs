use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use domain::hall::Attendance;
use domain::service::{NewWindow, WindowView};

use super::catalogue::{ImplItem, parse_id};
use super::cost;
use super::ctx::{actor, services};
use super::identity::User;
use super::scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};
use super::tenant::Tenant;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::hall::WindowKind")]
pub enum WindowKind {
    General,
    Themed,
    Specialized,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::hall::Post")]
pub enum Post {
    Primary,
    Backup,
}

/// A window of a hall with its items and A/B staff.
pub struct Window(pub WindowView);

async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    let users = services(ctx).identity.users_by_id(actor(ctx)?, &[id]).await?;
    Ok(users.into_iter().next().map(User))
}

#[Object]
impl Window {
    async fn id(&self) -> ID {
        ID(self.0.window.id.to_string())
    }
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.window.tenant).await
    }
    async fn number(&self) -> &str {
        &self.0.window.number
    }
    async fn name(&self) -> &str {
        &self.0.window.name
    }
    async fn kind(&self) -> WindowKind {
        self.0.window.kind.into()
    }
    /// The hall zone (区域), if set.
    async fn zone(&self) -> Option<&str> {
        self.0.window.zone.as_deref()
    }
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<ImplItem>> {
        let (s, a) = (services(ctx), actor(ctx)?);
        let mut out = Vec::with_capacity(self.0.window.items.len());
        for id in &self.0.window.items {
            out.push(ImplItem(s.catalogue.impl_item(a, *id).await?));
        }
        Ok(out)
    }
    /// A岗
    async fn primary(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.window.primary).await
    }
    /// B岗
    async fn backup(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.window.backup).await
    }
    /// Who serves now: the primary if signed in, else the backup if signed in, else null.
    async fn on_duty(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.on_duty).await
    }
}

/// A queue ticket.
pub struct Ticket {
    number: String,
    window: Option<WindowView>,
    position: i32,
    issued_at: chrono::DateTime<chrono::Utc>,
    called_at: Option<chrono::DateTime<chrono::Utc>>,
    windows: Vec<String>,
}

#[Object]
impl Ticket {
    /// E.g. A012: the prefix of the window group and the day's sequence.
    async fn number(&self) -> &str {
        &self.number
    }
    /// The window that called it (null while waiting).
    async fn window(&self) -> Option<Window> {
        self.window.clone().map(Window)
    }
    /// Place in the queue when taken (1 = next); 0 once called.
    async fn position(&self) -> i32 {
        self.position
    }
    async fn issued_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.issued_at)
    }
    async fn called_at(&self) -> Option<DateTimeScalar> {
        self.called_at.map(DateTimeScalar)
    }
    /// Numbers of the windows that serve it.
    async fn window_numbers(&self) -> &[String] {
        &self.windows
    }
}

/// An appointment slot (预约时段).
#[derive(SimpleObject)]
pub struct AppointmentSlot {
    id: ID,
    impl_item_id: ID,
    date: DateScalar,
    /// HH:MM
    start_time: String,
    end_time: String,
    capacity: i32,
    booked: i32,
    available: i32,
}

impl From<domain::hall::Slot> for AppointmentSlot {
    fn from(s: domain::hall::Slot) -> Self {
        AppointmentSlot {
            id: ID(s.id.to_string()),
            impl_item_id: ID(s.item.to_string()),
            date: s.day.into(),
            start_time: s.starts.format("%H:%M").to_string(),
            end_time: s.ends.format("%H:%M").to_string(),
            capacity: s.capacity as i32,
            booked: s.booked as i32,
            available: s.capacity.saturating_sub(s.booked) as i32,
        }
    }
}

/// A booked appointment: `code` (shown once) cancels it and checks in.
#[derive(SimpleObject)]
pub struct AppointmentBooking {
    id: ID,
    code: String,
    slot: AppointmentSlot,
    /// Masked.
    phone: String,
}

fn hhmm(s: &str) -> Result<chrono::NaiveTime, domain::Error> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| domain::Error::invalid(format!("时间“{s}”无效，应为HH:MM")))
}

fn issued(t: domain::service::IssuedTicket) -> Ticket {
    Ticket {
        number: t.number,
        window: None,
        position: t.position.min(i32::MAX as u32) as i32,
        issued_at: t.issued_at,
        called_at: None,
        windows: t.windows.into_iter().map(|w| w.number).collect(),
    }
}

/// A department's leader on-site duty filing (领导进驻现场办公) for a month.
#[derive(SimpleObject)]
pub struct LeaderDuty {
    id: ID,
    department_id: ID,
    /// The month's first day.
    month: DateScalar,
    leader_name: String,
    dates: Vec<DateScalar>,
    filed_at: DateTimeScalar,
    published: bool,
}

impl From<domain::hall::LeaderDuty> for LeaderDuty {
    fn from(d: domain::hall::LeaderDuty) -> Self {
        LeaderDuty {
            id: ID(d.id.to_string()),
            department_id: ID(d.department_id.to_string()),
            month: d.month.into(),
            leader_name: d.leader_name,
            dates: d.dates.into_iter().map(Into::into).collect(),
            filed_at: DateTimeScalar(d.filed_at),
            published: d.published,
        }
    }
}

/// A call on the lobby screen.
#[derive(SimpleObject)]
pub struct LobbyCall {
    number: String,
    window_number: String,
}

/// One person's attendance on one day.
#[derive(SimpleObject)]
pub struct AttendanceRecord {
    username: String,
    display_name: String,
    /// YYYY-MM-DD (Asia/Shanghai).
    day: String,
    signed_in_at: DateTimeScalar,
    signed_out_at: Option<DateTimeScalar>,
    present: bool,
}

impl From<Attendance> for AttendanceRecord {
    fn from(a: Attendance) -> Self {
        AttendanceRecord {
            present: a.present(),
            username: a.username,
            display_name: a.display_name,
            day: a.day.to_string(),
            signed_in_at: DateTimeScalar(a.signed_in_at),
            signed_out_at: a.signed_out_at.map(DateTimeScalar),
        }
    }
}

#[derive(Default)]
pub struct HallQuery;

#[Object]
impl HallQuery {
    /// Today's attendance board of a tenant's hall.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn attendance_board(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<Vec<AttendanceRecord>> {
        let rows = services(ctx).hall.attendance_board(actor(ctx)?, &tenant.parse()?, None).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The windows of a tenant's hall, with items, A/B staff and who is on duty.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn windows(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<Vec<Window>> {
        let ws = services(ctx).hall.windows(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ws.into_iter().map(Window).collect())
    }

    /// Windows with nobody on duty now (neither A nor B signed in): for the center admin.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn unstaffed_windows(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<Vec<Window>> {
        let ws = services(ctx).hall.unstaffed_windows(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ws.into_iter().map(Window).collect())
    }

    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn window(&self, ctx: &Context<'_>, id: ID) -> Result<Window> {
        let id = parse_id(&id, "窗口")?;
        Ok(Window(services(ctx).hall.window(actor(ctx)?, id).await?))
    }

    /// Whether the caller may decide (approve or deny) this item: authorized for it, or chief
    /// representative of its department, with the approver role at its tenant.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn may_decide(&self, ctx: &Context<'_>, impl_item_id: ID) -> Result<bool> {
        let id = parse_id(&impl_item_id, "实施清单事项")?;
        let (s, a) = (services(ctx), actor(ctx)?);
        let item = s.catalogue.impl_item(a, id).await?;
        Ok(s.hall.may_decide(a, &item).await?)
    }

    /// Public, no login: the appointment slots of an item on a day.
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn appointment_slots(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        impl_item_id: ID,
        date: DateScalar,
    ) -> Result<Vec<AppointmentSlot>> {
        let item = parse_id(&impl_item_id, "实施清单事项")?;
        let slots = services(ctx).hall.appointment_slots(&tenant.parse()?, item, date.parse()?).await?;
        Ok(slots.into_iter().map(Into::into).collect())
    }

    /// The leaders' on-site schedule of a month (published filings; the center admin sees all).
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn leader_schedule(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        month: DateScalar,
    ) -> Result<Vec<LeaderDuty>> {
        let rows = services(ctx).hall.leader_schedule(actor(ctx)?, &tenant.parse()?, month.parse()?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Public, no login: the latest numbers called today at a hall (lobby screen).
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn lobby_calls(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        #[graphql(default = 10)] first: i32,
    ) -> Result<Vec<LobbyCall>> {
        let calls = services(ctx).hall.recent_calls(&tenant.parse()?, first.clamp(1, 50) as u32).await?;
        Ok(calls.into_iter().map(|(number, window_number)| LobbyCall { number, window_number }).collect())
    }
}

#[derive(Default)]
pub struct HallMutation;

#[Object]
impl HallMutation {
    /// Signs the caller in at their hall for today (考勤签到).
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn sign_in(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).hall.sign_in(actor(ctx)?).await?;
        Ok(true)
    }

    /// Signs the caller out for today.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).hall.sign_out(actor(ctx)?).await?;
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_window(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        number: String,
        name: String,
        kind: WindowKind,
        impl_item_ids: Vec<ID>,
        zone: Option<String>,
    ) -> Result<Window> {
        let items = impl_item_ids
            .iter()
            .map(|i| {
                uuid::Uuid::parse_str(i).map_err(|_| domain::Error::invalid(format!("事项ID {} 无效", i.as_str())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let input = NewWindow { tenant: tenant.parse()?, number, name, kind: kind.into(), zone, items };
        Ok(Window(services(ctx).hall.create_window(actor(ctx)?, input).await?))
    }

    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn assign_window_staff(&self, ctx: &Context<'_>, window_id: ID, user_id: ID, post: Post) -> Result<Window> {
        let w = parse_id(&window_id, "窗口")?;
        let u = parse_id(&user_id, "用户")?;
        Ok(Window(services(ctx).hall.assign_window_staff(actor(ctx)?, w, u, post.into()).await?))
    }

    /// Authorizes (授权) an approver to decide these implementation items of their tenant.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn authorize_approver(&self, ctx: &Context<'_>, user_id: ID, impl_item_ids: Vec<ID>) -> Result<User> {
        let u = parse_id(&user_id, "用户")?;
        let items = impl_item_ids
            .iter()
            .map(|i| {
                uuid::Uuid::parse_str(i).map_err(|_| domain::Error::invalid(format!("事项ID {} 无效", i.as_str())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(User(services(ctx).hall.authorize_approver(actor(ctx)?, u, &items).await?))
    }

    /// Appoints a chief representative (首席代表) of a department: they may decide all its items.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn appoint_chief_representative(&self, ctx: &Context<'_>, user_id: ID, department_id: ID) -> Result<User> {
        let u = parse_id(&user_id, "用户")?;
        let d = parse_id(&department_id, "部门")?;
        Ok(User(services(ctx).hall.appoint_chief_representative(actor(ctx)?, u, d).await?))
    }

    /// Public (lobby kiosk): takes a queue number for an item at a hall.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn take_ticket(&self, ctx: &Context<'_>, tenant: RegionCodeScalar, impl_item_id: ID) -> Result<Ticket> {
        let item = parse_id(&impl_item_id, "实施清单事项")?;
        Ok(issued(services(ctx).hall.take_ticket(&tenant.parse()?, item).await?))
    }

    /// Files next month's (or a later month's) leader on-site duty of a department, by the 10th.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn file_leader_duty(
        &self,
        ctx: &Context<'_>,
        department_id: ID,
        month: DateScalar,
        leader_name: String,
        dates: Vec<DateScalar>,
    ) -> Result<LeaderDuty> {
        let d = parse_id(&department_id, "部门")?;
        let dates = dates.iter().map(DateScalar::parse).collect::<Result<Vec<_>, _>>()?;
        let duty = services(ctx).hall.file_leader_duty(actor(ctx)?, d, month.parse()?, &leader_name, &dates).await?;
        Ok(duty.into())
    }

    /// Publishes a month's leaders' schedule (center admin); returns the number of filings.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn publish_leader_schedule(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        month: DateScalar,
    ) -> Result<i32> {
        let n = services(ctx).hall.publish_leader_schedule(actor(ctx)?, &tenant.parse()?, month.parse()?).await?;
        Ok(n.min(i32::MAX as u64) as i32)
    }

    /// Opens an appointment slot for an item on a working day (center admin).
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_appointment_slot(
        &self,
        ctx: &Context<'_>,
        impl_item_id: ID,
        date: DateScalar,
        start_time: String,
        end_time: String,
        capacity: i32,
    ) -> Result<AppointmentSlot> {
        let item = parse_id(&impl_item_id, "实施清单事项")?;
        let s = services(ctx)
            .hall
            .create_appointment_slot(
                actor(ctx)?,
                item,
                date.parse()?,
                hhmm(&start_time)?,
                hhmm(&end_time)?,
                i64::from(capacity),
            )
            .await?;
        Ok(s.into())
    }

    /// Public: books a place in a slot; CONFLICT when it is full.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn book_appointment(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        slot_id: ID,
        applicant_name: String,
        phone: String,
    ) -> Result<AppointmentBooking> {
        let slot = parse_id(&slot_id, "预约时段")?;
        let b = services(ctx).hall.book_appointment(&tenant.parse()?, slot, &applicant_name, &phone).await?;
        let mut slot: AppointmentSlot = b.slot.into();
        slot.booked += 1;
        slot.available -= 1;
        Ok(AppointmentBooking {
            id: ID(b.appointment.id.to_string()),
            code: b.code,
            slot,
            phone: domain::mask::mask_phone(&b.appointment.phone),
        })
    }

    /// Public, with the booking code: cancels the appointment.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn cancel_appointment(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        id: ID,
        code: String,
    ) -> Result<bool> {
        let id = parse_id(&id, "预约")?;
        services(ctx).hall.cancel_appointment(&tenant.parse()?, id, &code).await?;
        Ok(true)
    }

    /// Public, with the booking code, on the day: checks in; the ticket goes before walk-ins.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn check_in_appointment(
        &self,
        ctx: &Context<'_>,
        tenant: RegionCodeScalar,
        id: ID,
        code: String,
    ) -> Result<Ticket> {
        let id = parse_id(&id, "预约")?;
        Ok(issued(services(ctx).hall.check_in_appointment(&tenant.parse()?, id, &code).await?))
    }

    /// Calls the next number for a window (叫号); null when nobody waits.
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn call_next(&self, ctx: &Context<'_>, window_id: ID) -> Result<Option<Ticket>> {
        let w = parse_id(&window_id, "窗口")?;
        let s = services(ctx);
        let a = actor(ctx)?;
        let Some(c) = s.hall.call_next(a, w).await? else { return Ok(None) };
        let view = s.hall.window(a, c.window.id).await?;
        Ok(Some(Ticket {
            number: c.number,
            windows: vec![c.window.number],
            window: Some(view),
            position: 0,
            issued_at: c.issued_at,
            called_at: Some(c.called_at),
        }))
    }

    /// 重呼：再次呼叫本窗口当前的号码（叫号屏再次显示）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn recall_ticket(&self, ctx: &Context<'_>, window_id: ID) -> Result<Ticket> {
        let w = parse_id(&window_id, "窗口")?;
        let s = services(ctx);
        let a = actor(ctx)?;
        let c = s.hall.recall(a, w).await?;
        let view = s.hall.window(a, c.window.id).await?;
        Ok(Ticket {
            number: c.number,
            windows: vec![c.window.number],
            window: Some(view),
            position: 0,
            issued_at: c.issued_at,
            called_at: Some(c.called_at),
        })
    }

    /// 过号：本窗口当前的号码未到场，作过号处理并叫下一号；无人等候时返回 null。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn pass_ticket(&self, ctx: &Context<'_>, window_id: ID) -> Result<Option<Ticket>> {
        let w = parse_id(&window_id, "窗口")?;
        let s = services(ctx);
        let a = actor(ctx)?;
        let (_, next) = s.hall.pass_ticket(a, w).await?;
        let Some(c) = next else { return Ok(None) };
        let view = s.hall.window(a, c.window.id).await?;
        Ok(Some(Ticket {
            number: c.number,
            windows: vec![c.window.number],
            window: Some(view),
            position: 0,
            issued_at: c.issued_at,
            called_at: Some(c.called_at),
        }))
    }

    /// 转窗：把本窗口当前的号码转到本大厅的另一窗口，在该窗口优先叫号；返回转出的号码。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn transfer_ticket(&self, ctx: &Context<'_>, window_id: ID, to_window_id: ID) -> Result<String> {
        let w = parse_id(&window_id, "窗口")?;
        let to = parse_id(&to_window_id, "窗口")?;
        let (number, _) = services(ctx).hall.transfer_ticket(actor(ctx)?, w, to).await?;
        Ok(number)
    }
}
