//! Deadline recomputation of open clocks after a calendar change (see `CaseRepo::open_clocks`).

use chrono::NaiveDate;
use domain::Result;
use domain::audit::AuditRecord;
use domain::case::{Case, CaseEvent, CaseStatus};
use domain::region::RegionCode;
use domain::tenant::Scope;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
};

use super::read::load;
use super::row::events_insert;
use crate::db::{Db, append_audit, commit, internal};
use crate::entity::case;
use crate::repo::case_stats::{apply, case_share};
use crate::sql::Sql;

pub(super) async fn open_clocks(
    db: &Db,
    prefix: &str,
    provisional_only: bool,
    deadline_from: Option<NaiveDate>,
) -> Result<Vec<Case>> {
    let status = |open: &dyn Fn(&CaseStatus) -> bool| {
        case::Column::Status.is_in(CaseStatus::OPEN_CLOCK.into_iter().filter(open).map(CaseStatus::as_str))
    };
    // System work across tenants: the prefix limits the rows.
    let tx = db.begin(&Scope::All).await?;
    let mut sel = case::Entity::find().filter(status(&|_| true));
    if !prefix.is_empty() {
        let end = domain::tenant::prefix_end(prefix);
        sel = sel.filter(case::Column::TenantCode.gte(prefix)).filter(case::Column::TenantCode.lt(end.as_str()));
    }
    let mut sel = sel.filter(case::Column::ClockJson.is_not_null());
    if provisional_only {
        sel = sel.filter(case::Column::DeadlineProvisional.eq(true));
    }
    if let Some(d) = deadline_from {
        // A paused clock's deadline moves with the pause, whatever it was.
        sel = sel.filter(
            Condition::any().add(case::Column::Deadline.gte(d)).add(status(&|s: &CaseStatus| !s.clock_running())),
        );
    }
    let rows = sel.order_by_asc(case::Column::Id).all(&tx).await.map_err(internal)?;
    let cases = load(&tx, rows).await?;
    commit(tx).await?;
    Ok(cases)
}

pub(super) async fn save_deadlines(
    db: &Db,
    tenant: &RegionCode,
    changes: &[(Case, CaseEvent)],
    audit: AuditRecord,
) -> Result<bool> {
    let tx = db.begin(&Scope::only(tenant)).await?;
    let b = tx.get_database_backend();
    for (c, event) in changes {
        let m = case::ActiveModel {
            deadline: Set(c.deadline),
            deadline_provisional: Set(c.deadline_provisional),
            version: Set(c.version),
            ..Default::default()
        };
        let update = case::Entity::update_many()
            .set(m)
            .filter(case::Column::Id.eq(c.id.to_string()))
            .filter(case::Column::Version.eq(c.version - 1))
            .filter(case::Column::TenantCode.eq(tenant.as_str()))
            .into_query();
        let before = case_share(&tx, c.id).await?;
        let res = tx.execute_raw(Sql::of(b, &update)).await.map_err(internal)?;
        if res.rows_affected() != 1 {
            tx.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        let events = events_insert(c, std::slice::from_ref(event))?;
        tx.execute_raw(Sql::of(b, &events)).await.map_err(internal)?;
        apply(&tx, before, case_share(&tx, c.id).await?).await?;
    }
    append_audit(&tx, &audit).await?;
    commit(tx).await?;
    db.case_cache.invalidate(&changes.iter().map(|(c, _)| c.id).collect::<Vec<_>>()).await;
    Ok(true)
}
