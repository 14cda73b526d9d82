use async_graphql::{Context, Object, Result, SimpleObject};
use domain::hall::Attendance;

use super::ctx::{actor, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};

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
    async fn attendance_board(&self, ctx: &Context<'_>, tenant: RegionCodeScalar) -> Result<Vec<AttendanceRecord>> {
        let rows = services(ctx).attendance_board(actor(ctx)?, &tenant.parse()?, None).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct HallMutation;

#[Object]
impl HallMutation {
    /// Signs the caller in at their hall for today (考勤签到).
    async fn sign_in(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).sign_in(actor(ctx)?).await?;
        Ok(true)
    }

    /// Signs the caller out for today.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        services(ctx).sign_out(actor(ctx)?).await?;
        Ok(true)
    }
}
