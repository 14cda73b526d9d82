use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use domain::hall::Attendance;
use domain::service::{NewWindow, WindowView};

use super::catalogue::{ImplItem, parse_id};
use super::cost;
use super::ctx::{actor, request, services};
use super::identity::User;
use super::scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};
use super::tenant::Tenant;

/// 窗口类型。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::hall::WindowKind")]
pub enum WindowKind {
    /// 无差别综合窗口：可办理任何事项
    General,
    /// 主题综合窗口：如企业开办、工程建设、不动产登记
    Themed,
    /// 专业窗口：只办理一个部门的事项
    Specialized,
}

/// 窗口岗位。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::hall::Post")]
pub enum Post {
    /// A岗（主岗）
    Primary,
    /// B岗（A岗缺勤时顶岗）
    Backup,
}

/// 大厅的一个窗口，含其办理事项和 A/B 岗人员。
pub struct Window(pub WindowView);

async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    let users = services(ctx).identity.users_by_id(actor(ctx)?, &[id]).await?;
    Ok(users.into_iter().next().map(User))
}

/// 大厅的一个窗口，含其办理事项和 A/B 岗人员。
#[Object]
impl Window {
    /// 窗口ID
    async fn id(&self) -> ID {
        ID(self.0.window.id.to_string())
    }
    /// 所属租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.window.tenant).await
    }
    /// 窗口编号，如 A05
    async fn number(&self) -> &str {
        &self.0.window.number
    }
    /// 窗口名称
    async fn name(&self) -> &str {
        &self.0.window.name
    }
    /// 窗口类型
    async fn kind(&self) -> WindowKind {
        self.0.window.kind.into()
    }
    /// 所在大厅区域（区域），未设置时为空。
    async fn zone(&self) -> Option<&str> {
        self.0.window.zone.as_deref()
    }
    /// 本窗口办理的实施清单事项
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<ImplItem>> {
        let (s, a) = (services(ctx), actor(ctx)?);
        let mut out = Vec::with_capacity(self.0.window.items.len());
        for id in &self.0.window.items {
            out.push(ImplItem(s.catalogue.impl_item(a, *id).await?));
        }
        Ok(out)
    }
    /// A岗人员；未指定时为空
    async fn primary(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.window.primary).await
    }
    /// B岗人员；未指定时为空
    async fn backup(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.window.backup).await
    }
    /// 当前在岗人员：A岗已签到则为A岗，否则B岗已签到则为B岗，都未签到为空。
    async fn on_duty(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.on_duty).await
    }
}

/// 排队号（排队叫号）。
pub struct Ticket {
    number: String,
    window: Option<WindowView>,
    position: i32,
    issued_at: chrono::DateTime<chrono::Utc>,
    called_at: Option<chrono::DateTime<chrono::Utc>>,
    windows: Vec<String>,
}

/// 排队号（排队叫号）。
#[Object]
impl Ticket {
    /// 号码，如 A012：窗口分组前缀加当日序号。
    async fn number(&self) -> &str {
        &self.number
    }
    /// 叫到此号的窗口（等候时为空）。
    async fn window(&self) -> Option<Window> {
        self.window.clone().map(Window)
    }
    /// 取号时的排队位置（1 表示下一个）；叫号后为 0。
    async fn position(&self) -> i32 {
        self.position
    }
    /// 取号时间
    async fn issued_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.issued_at)
    }
    /// 叫号时间；等候时为空
    async fn called_at(&self) -> Option<DateTimeScalar> {
        self.called_at.map(DateTimeScalar)
    }
    /// 可办理此号的窗口编号。
    async fn window_numbers(&self) -> &[String] {
        &self.windows
    }
}

/// 预约时段。
#[derive(SimpleObject)]
pub struct AppointmentSlot {
    /// 时段ID
    id: ID,
    /// 实施清单事项ID
    impl_item_id: ID,
    /// 日期（YYYY-MM-DD）
    date: DateScalar,
    /// 开始时间，HH:MM
    start_time: String,
    /// 结束时间，HH:MM
    end_time: String,
    /// 可预约人数
    capacity: i32,
    /// 已预约人数
    booked: i32,
    /// 剩余名额
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

/// 预约结果：code（只显示一次）用于取消预约和到场签到。
#[derive(SimpleObject)]
pub struct AppointmentBooking {
    /// 预约ID
    id: ID,
    /// 预约码（只显示一次，请妥善保存）
    code: String,
    /// 预约的时段
    slot: AppointmentSlot,
    /// 手机号（已脱敏）。
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

/// 部门某月的领导进驻现场办公报备（领导进驻现场办公）。
#[derive(SimpleObject)]
pub struct LeaderDuty {
    /// 报备ID
    id: ID,
    /// 部门ID
    department_id: ID,
    /// 月份（该月第一天，YYYY-MM-DD）。
    month: DateScalar,
    /// 领导姓名
    leader_name: String,
    /// 进驻办公日期
    dates: Vec<DateScalar>,
    /// 报备时间
    filed_at: DateTimeScalar,
    /// 是否已公布
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

/// 叫号屏上的一次叫号。
#[derive(SimpleObject)]
pub struct LobbyCall {
    /// 号码
    number: String,
    /// 窗口编号
    window_number: String,
}

/// 某人某天的考勤记录。
#[derive(SimpleObject)]
pub struct AttendanceRecord {
    /// 登录名
    username: String,
    /// 姓名
    display_name: String,
    /// 日期 YYYY-MM-DD（北京时间）。
    day: String,
    /// 签到时间
    signed_in_at: DateTimeScalar,
    /// 签退时间；未签退为空
    signed_out_at: Option<DateTimeScalar>,
    /// 是否在岗（已签到且未签退）
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
    /// 租户大厅今日的考勤表。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn attendance_board(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
    ) -> Result<Vec<AttendanceRecord>> {
        let rows = services(ctx).hall.attendance_board(actor(ctx)?, &tenant.parse()?, None).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// 租户大厅的窗口，含办理事项、A/B 岗人员和当前在岗人员。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn windows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
    ) -> Result<Vec<Window>> {
        let ws = services(ctx).hall.windows(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ws.into_iter().map(Window).collect())
    }

    /// 当前无人在岗（A岗、B岗都未签到）的窗口，供中心管理员查看。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn unstaffed_windows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
    ) -> Result<Vec<Window>> {
        let ws = services(ctx).hall.unstaffed_windows(actor(ctx)?, &tenant.parse()?).await?;
        Ok(ws.into_iter().map(Window).collect())
    }

    /// 按ID查询一个窗口。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn window(&self, ctx: &Context<'_>, #[graphql(desc = "窗口ID")] id: ID) -> Result<Window> {
        let id = parse_id(&id, "窗口")?;
        Ok(Window(services(ctx).hall.window(actor(ctx)?, id).await?))
    }

    /// 当前用户能否决定（准予或不予许可）此事项：在该事项所在租户有审批角色，且获该事项授权或为其部门的首席代表。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn may_decide(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] impl_item_id: ID,
    ) -> Result<bool> {
        let id = parse_id(&impl_item_id, "实施清单事项")?;
        let (s, a) = (services(ctx), actor(ctx)?);
        let item = s.catalogue.impl_item(a, id).await?;
        Ok(s.hall.may_decide(a, &item).await?)
    }

    /// 公开，无需登录：某事项某天的预约时段。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn appointment_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "实施清单事项ID")] impl_item_id: ID,
        #[graphql(desc = "日期（YYYY-MM-DD）")] date: DateScalar,
    ) -> Result<Vec<AppointmentSlot>> {
        let item = parse_id(&impl_item_id, "实施清单事项")?;
        let slots = services(ctx).hall.appointment_slots(&tenant.parse()?, item, date.parse()?).await?;
        Ok(slots.into_iter().map(Into::into).collect())
    }

    /// 某月领导进驻现场办公安排（已公布的报备；中心管理员可见全部）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn leader_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "月份（该月1日，YYYY-MM-DD）")] month: DateScalar,
    ) -> Result<Vec<LeaderDuty>> {
        let rows = services(ctx).hall.leader_schedule(actor(ctx)?, &tenant.parse()?, month.parse()?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// 公开，无需登录：大厅今日最近的叫号（叫号屏）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn lobby_calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(default = 10, desc = "条数（1 到 50，默认 10）")] first: i32,
    ) -> Result<Vec<LobbyCall>> {
        let calls = services(ctx).hall.recent_calls(&tenant.parse()?, first.clamp(1, 50) as u32).await?;
        Ok(calls.into_iter().map(|(number, window_number)| LobbyCall { number, window_number }).collect())
    }
}

#[derive(Default)]
pub struct HallMutation;

#[Object]
impl HallMutation {
    /// 当前用户在本大厅今日签到（考勤签到）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn sign_in(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).hall.sign_in(actor(ctx)?).await?;
        Ok(true)
    }

    /// 当前用户今日签退。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).hall.sign_out(actor(ctx)?).await?;
        Ok(true)
    }

    /// 在租户大厅新建窗口（中心管理员）。
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_window(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "窗口编号，如 A05")] number: String,
        #[graphql(desc = "窗口名称")] name: String,
        #[graphql(desc = "窗口类型")] kind: WindowKind,
        #[graphql(desc = "本窗口办理的实施清单事项ID")] impl_item_ids: Vec<ID>,
        #[graphql(desc = "大厅区域（可选）")] zone: Option<String>,
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

    /// 为窗口指定 A岗或 B岗人员（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn assign_window_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "窗口ID")] window_id: ID,
        #[graphql(desc = "用户ID")] user_id: ID,
        #[graphql(desc = "岗位：A岗或B岗")] post: Post,
    ) -> Result<Window> {
        let w = parse_id(&window_id, "窗口")?;
        let u = parse_id(&user_id, "用户")?;
        Ok(Window(services(ctx).hall.assign_window_staff(actor(ctx)?, w, u, post.into()).await?))
    }

    /// 授权（授权）审批人员决定其租户的这些实施清单事项（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn authorize_approver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "审批人员的用户ID")] user_id: ID,
        #[graphql(desc = "授权的实施清单事项ID")] impl_item_ids: Vec<ID>,
    ) -> Result<User> {
        let u = parse_id(&user_id, "用户")?;
        let items = impl_item_ids
            .iter()
            .map(|i| {
                uuid::Uuid::parse_str(i).map_err(|_| domain::Error::invalid(format!("事项ID {} 无效", i.as_str())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(User(services(ctx).hall.authorize_approver(actor(ctx)?, u, &items).await?))
    }

    /// 任命部门的首席代表（首席代表）：可决定该部门的所有事项（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn appoint_chief_representative(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "用户ID")] user_id: ID,
        #[graphql(desc = "部门ID")] department_id: ID,
    ) -> Result<User> {
        let u = parse_id(&user_id, "用户")?;
        let d = parse_id(&department_id, "部门")?;
        Ok(User(services(ctx).hall.appoint_chief_representative(actor(ctx)?, u, d).await?))
    }

    /// 公开（大厅取号机）：在大厅为某事项取号。未登录的调用与预约、取消、签到共用每个客户端地址的限额，超出返回 RATE_LIMITED。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn take_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "大厅所在租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "实施清单事项ID")] impl_item_id: ID,
    ) -> Result<Ticket> {
        let item = parse_id(&impl_item_id, "实施清单事项")?;
        let (hall, tenant) = (&services(ctx).hall, tenant.parse()?);
        let r = request(ctx);
        Ok(issued(match r.actor {
            Some(_) => hall.take_ticket(&tenant, item).await?,
            None => hall.take_public_ticket(&tenant, item, &r.client).await?,
        }))
    }

    /// 报备部门以后月份的领导进驻现场办公；下月的安排须在本月 10 日前报备。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn file_leader_duty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "部门ID")] department_id: ID,
        #[graphql(desc = "月份（该月第一天，YYYY-MM-DD）")] month: DateScalar,
        #[graphql(desc = "领导姓名")] leader_name: String,
        #[graphql(desc = "进驻办公日期（YYYY-MM-DD，须在所报月份内）")] dates: Vec<DateScalar>,
    ) -> Result<LeaderDuty> {
        let d = parse_id(&department_id, "部门")?;
        let dates = dates.iter().map(DateScalar::parse).collect::<Result<Vec<_>, _>>()?;
        let duty = services(ctx).hall.file_leader_duty(actor(ctx)?, d, month.parse()?, &leader_name, &dates).await?;
        Ok(duty.into())
    }

    /// 公布某月的领导进驻安排（中心管理员）；返回报备数。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn publish_leader_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "月份（该月第一天，YYYY-MM-DD）")] month: DateScalar,
    ) -> Result<i32> {
        let n = services(ctx).hall.publish_leader_schedule(actor(ctx)?, &tenant.parse()?, month.parse()?).await?;
        Ok(n.min(i32::MAX as u64) as i32)
    }

    /// 为事项在某个工作日开放预约时段（中心管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn create_appointment_slot(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "实施清单事项ID")] impl_item_id: ID,
        #[graphql(desc = "日期（YYYY-MM-DD，须为工作日）")] date: DateScalar,
        #[graphql(desc = "开始时间，HH:MM")] start_time: String,
        #[graphql(desc = "结束时间，HH:MM")] end_time: String,
        #[graphql(desc = "可预约人数")] capacity: i32,
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

    /// 公开：预约时段中的一个名额；已满时返回 CONFLICT。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn book_appointment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "预约时段ID")] slot_id: ID,
        #[graphql(desc = "申请人姓名")] applicant_name: String,
        #[graphql(desc = "手机号")] phone: String,
    ) -> Result<AppointmentBooking> {
        let slot = parse_id(&slot_id, "预约时段")?;
        let b = services(ctx)
            .hall
            .book_appointment(&tenant.parse()?, slot, &applicant_name, &phone, &request(ctx).client)
            .await?;
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

    /// 公开，凭预约码取消预约。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn cancel_appointment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "预约ID")] id: ID,
        #[graphql(desc = "预约码")] code: String,
    ) -> Result<bool> {
        let id = parse_id(&id, "预约")?;
        services(ctx).hall.cancel_appointment(&tenant.parse()?, id, &code, &request(ctx).client).await?;
        Ok(true)
    }

    /// 公开，当天凭预约码到场签到；所取号码优先于现场取号。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn check_in_appointment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(desc = "预约ID")] id: ID,
        #[graphql(desc = "预约码")] code: String,
    ) -> Result<Ticket> {
        let id = parse_id(&id, "预约")?;
        Ok(issued(services(ctx).hall.check_in_appointment(&tenant.parse()?, id, &code, &request(ctx).client).await?))
    }

    /// 为窗口叫下一号（叫号）；无人等候时返回 null。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn call_next(
        &self, ctx: &Context<'_>, #[graphql(desc = "窗口ID")] window_id: ID
    ) -> Result<Option<Ticket>> {
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
    async fn recall_ticket(&self, ctx: &Context<'_>, #[graphql(desc = "窗口ID")] window_id: ID) -> Result<Ticket> {
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
    async fn pass_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "窗口ID")] window_id: ID,
    ) -> Result<Option<Ticket>> {
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
    async fn transfer_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "当前窗口ID")] window_id: ID,
        #[graphql(desc = "转入的窗口ID")] to_window_id: ID,
    ) -> Result<String> {
        let w = parse_id(&window_id, "窗口")?;
        let to = parse_id(&to_window_id, "窗口")?;
        let (number, _) = services(ctx).hall.transfer_ticket(actor(ctx)?, w, to).await?;
        Ok(number)
    }
}
