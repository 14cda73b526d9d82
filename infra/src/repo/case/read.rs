//! Reading cases: one for a step (with what the step needs, in one statement), one to show, lists.

use domain::case::{Case, Document};
use domain::catalogue::ImplItem;
use domain::hall::ApproverStanding;
use domain::page::{COUNT_BOUND, Page};
use domain::ports::{CaseQuery, ReviewGroup, TransitionRead};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Statement,
};
use uuid::Uuid;

use super::super::{catalogue, contains, hall, parse_code, parse_id};
use super::row::{doc_to_domain, to_domain};
use crate::db::{Db, Plans, commit, internal};
use crate::entity::{case, case_event, document};
use crate::sql::Sql;

pub(super) async fn load(tx: &DatabaseTransaction, rows: Vec<case::Model>) -> Result<Vec<Case>> {
    if rows.is_empty() {
        // `IN ()` would be sent as a comparison of two parameters, which the planner cannot fold.
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.is_in(ids))
        .order_by_asc(case_event::Column::Id)
        .all(tx)
        .await
        .map_err(internal)?;
    let mut docs = document::Entity::find()
        .filter(document::Column::CaseId.is_in(rows.iter().map(|r| r.id.clone())))
        .order_by_asc(document::Column::IssuedAt)
        .all(tx)
        .await
        .map_err(internal)?;
    rows.into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = events.drain(..).partition(|e| e.case_id == r.id);
            events = rest;
            let (my_docs, rest): (Vec<_>, Vec<_>) = docs.drain(..).partition(|d| d.case_id == r.id);
            docs = rest;
            to_domain(r, mine, my_docs)
        })
        .collect()
}

pub(super) async fn find_one(db: &Db, scope: &Scope, cond: Condition, history: bool) -> Result<Option<Case>> {
    if !history {
        let find = case::Entity::find().filter(cond).filter(in_reach(scope)).limit(1);
        let row: Option<case::Model> = db.read_one(scope, find.as_query()).await?;
        return row.map(|r| Ok(Case { history_loaded: false, ..to_domain(r, Vec::new(), Vec::new())? })).transpose();
    }
    let tx = db.begin(scope).await?;
    let read = read_one(&tx, scope, cond, TransitionRead::default(), history).await?;
    commit(tx).await?;
    Ok(read.map(|r| r.case))
}

pub(super) struct Read {
    pub case: Case,
    pub item: Option<ImplItem>,
    pub approver_items: Option<Vec<Uuid>>,
}

/// One case in reach of `scope`, with its events and documents when `history`, and what `want` asks
/// for when its handling tenant is in the scope.
pub(super) async fn read_one(
    tx: &DatabaseTransaction,
    scope: &Scope,
    cond: Condition,
    want: TransitionRead,
    history: bool,
) -> Result<Option<Read>> {
    let find = case::Entity::find().filter(cond).filter(in_reach(scope)).limit(1);
    let (row, item, approver_items) = if want.item || want.approver.is_some() {
        read_joined(tx, find, want).await?
    } else {
        (find.one(tx).await.map_err(internal)?, None, None)
    };
    let Some(row) = row else { return Ok(None) };
    let mine = scope.contains(&parse_code(&row.tenant_code)?);
    let (item, approver_items) = if mine { (item, approver_items) } else { (None, None) };
    let case = if history {
        load(tx, vec![row]).await?.pop()
    } else {
        Some(Case { history_loaded: false, ..to_domain(row, Vec::new(), Vec::new())? })
    };
    Ok(case.map(|case| Read { case, item, approver_items }))
}

/// A case row with what `want` asks for, in one round trip: its implementation item (outer join)
/// and the approver's authorizations at its handling tenant (a subquery).
async fn read_joined(
    tx: &DatabaseTransaction,
    find: sea_orm::Select<case::Entity>,
    want: TransitionRead,
) -> Result<(Option<case::Model>, Option<ImplItem>, Option<Vec<Uuid>>)> {
    let b = tx.get_database_backend();
    let mut sql = Sql::new(b);
    sql.text(&format!("SELECT c.*, {}", catalogue::impl_cols()));
    if let Some(user) = want.approver {
        let agg = if b == DbBackend::Postgres { "string_agg" } else { "group_concat" };
        sql.push(
            &format!(
                ", (SELECT {agg}(a.impl_item_id, ',') FROM approver_items a \
                 WHERE a.tenant_code = c.tenant_code AND a.user_id = ?) AS approver_items"
            ),
            [user.to_string().into()],
        );
    }
    sql.text(" FROM (").query(&find.into_query()).text(
        ") c LEFT JOIN impl_items i ON i.id = c.impl_item_id AND i.tenant_code = c.tenant_code \
         LEFT JOIN base_items b ON b.id = i.base_item_id LEFT JOIN departments d ON d.id = i.department_id",
    );
    let statement = sql.build();
    Ok(match tx.query_one_raw(statement).await.map_err(internal)? {
        Some(r) => {
            let ids = match want.approver {
                Some(_) => Some(id_list(r.try_get::<Option<String>>("", "approver_items").map_err(internal)?)?),
                None => None,
            };
            let item = if want.item { catalogue::impl_from_row(&r)? } else { None };
            (Some(case::Model::from_query_result(&r, "").map_err(internal)?), item, ids)
        }
        None => (None, None, None),
    })
}

/// Ids joined by commas, sorted.
fn id_list(joined: Option<String>) -> Result<Vec<Uuid>> {
    let mut ids = joined
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(parse_id)
        .collect::<Result<Vec<_>>>()?;
    ids.sort();
    Ok(ids)
}

/// Cases in reach of `scope` ([`Scope::reaches_case`]): its code range over the handling and the
/// collecting tenant.
pub(super) fn in_reach(scope: &Scope) -> Condition {
    let Some((start, end)) = scope.code_range() else { return Condition::all() };
    let under = |col: case::Column| Condition::all().add(col.gte(start)).add(col.lt(end.as_str()));
    Condition::any().add(under(case::Column::TenantCode)).add(under(case::Column::CollectingCode))
}

fn cursor(c: &Case) -> String {
    format!("{}_{}", c.received_at.timestamp_micros(), c.id)
}

pub(super) async fn for_tracking(db: &Db, case_no: &str) -> Result<Option<(Case, String)>> {
    let tx = db.begin(&Scope::All).await?;
    let row = case::Entity::find().filter(case::Column::CaseNo.eq(case_no)).one(&tx).await.map_err(internal)?;
    let out = match row {
        Some(r) => {
            let hash = r.query_hash.clone();
            load(&tx, vec![r]).await?.pop().map(|c| (c, hash))
        }
        None => None,
    };
    commit(tx).await?;
    Ok(out)
}

/// The level columns that list a subtree by an equality an index serves in order (migration m0013):
/// `(handling, collecting)` for a prefix of a city, county, town or one tenant.
fn level_columns(prefix: &str) -> Option<(&'static str, &'static str)> {
    match prefix.len() {
        4 => Some(("tenant_l4", "collecting_l4")),
        6 => Some(("tenant_l6", "collecting_l6")),
        9 => Some(("tenant_l9", "collecting_l9")),
        12 => Some(("tenant_code", "collecting_code")),
        _ => None,
    }
}

/// The status filter, its values written as constants (they are the enum's own names) rather than
/// parameters: a list's generic plan then knows how rare the open statuses are, and reads an approver's
/// queue through (tenant, status) instead of walking every case of the tenant in order.
fn statuses_in(q: &CaseQuery) -> Option<Expr> {
    if q.statuses.is_empty() {
        return None;
    }
    let names: Vec<String> = q.statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
    Some(Expr::cust(format!("\"cases\".\"status\" IN ({})", names.join(", "))))
}

/// The filters of `q` other than the subtree and the cursor.
fn filtered(mut sel: sea_orm::Select<case::Entity>, q: &CaseQuery) -> sea_orm::Select<case::Entity> {
    if let Some(statuses) = statuses_in(q) {
        sel = sel.filter(statuses);
    }
    if let Some(items) = &q.impl_items {
        sel = sel.filter(case::Column::ImplItemId.is_in(items.iter().map(Uuid::to_string)));
    }
    if let Some(a) = &q.applicant {
        sel = sel.filter(
            Condition::any()
                .add(contains(case::Column::ApplicantName, a))
                .add(case::Column::IdNumber.eq(a.to_ascii_uppercase())),
        );
    }
    if let Some(f) = q.received_from {
        sel = sel.filter(case::Column::ReceivedAt.gte(f));
    }
    if let Some(t) = q.received_to {
        sel = sel.filter(case::Column::ReceivedAt.lt(t));
    }
    if let Some(f) = q.accepted_from {
        sel = sel.filter(case::Column::AcceptedAt.gte(f));
    }
    if let Some(f) = q.concluded_from {
        sel = sel.filter(case::Column::ConcludedAt.gte(f));
    }
    if let Some(d) = q.deadline_until {
        sel = sel.filter(case::Column::Deadline.lte(d));
    }
    if let Some(d) = q.deadline_from {
        sel = sel.filter(case::Column::Deadline.gte(d));
    }
    if let Some(d) = q.correction_due_before {
        sel = sel.filter(case::Column::CorrectionDue.lt(d));
    }
    if let Some(groups) = &q.awaiting_review {
        // An empty item list matches no case (`IN ()` is rendered false), so neither does no group.
        let none = [ReviewGroup::default()];
        let mut any_group = Condition::any();
        for g in if groups.is_empty() { &none[..] } else { &groups[..] } {
            let mut pending = Condition::any().add(case::Column::PendingReviews.is_null());
            for d in &g.departments {
                pending = pending.add(contains(case::Column::PendingReviews, &format!(",{d},")));
            }
            any_group = any_group.add(
                Condition::all().add(case::Column::ImplItemId.is_in(g.items.iter().map(Uuid::to_string))).add(pending),
            );
        }
        sel = sel.filter(any_group);
    }
    sel
}

/// One ordered part of a list.
struct Part {
    sel: sea_orm::Select<case::Entity>,
    /// The page reads the part's ids in order first, through an index that holds every column the
    /// filters need, then those rows by id: an approver's queue (m0021).
    by_ids: bool,
}

impl Part {
    fn plain(sel: sea_orm::Select<case::Entity>) -> Part {
        Part { sel, by_ids: false }
    }
}

/// The parts of a list: the cases of the listed subtree by their handling tenant, then (where the
/// subtree has a level) those it only collected, so that each part is one ordered index range.
fn list_parts(backend: DbBackend, scope: &Scope, q: &CaseQuery) -> Vec<Part> {
    let prefix = q.tenant_prefix.as_str();
    // A listed subtree inside the scope reaches only cases in reach: its level filters below say
    // so, and the scope's two ORed ranges would only add planning (row-level security stays).
    let reach = || if prefix.starts_with(scope.prefix()) { Condition::all() } else { in_reach(scope) };
    let base = || filtered(case::Entity::find().filter(reach()), q);
    let Some((handling, collecting)) = level_columns(prefix) else {
        return vec![Part::plain(base().filter(in_reach(&Scope::Subtree(prefix.to_owned()))))];
    };
    let col = |c: &'static str| Expr::col((case::Entity, Alias::new(c)));
    let mut handled = Part::plain(base().filter(col(handling).eq(prefix)));
    let pg = backend == DbBackend::Postgres;
    if pg && (q.deadline_until.is_some() || q.deadline_from.is_some()) {
        // A warning list (running cases by deadline) is short: read whole through the level's
        // running-deadline index (m0020), then ordered. Left to order it, a generic plan walks the
        // newest cases to find the few that match, and there may be none.
        let inner = handled.sel.offset(0).into_query();
        let mut outer = case::Entity::find();
        QueryTrait::query(&mut outer).from_clear().from_subquery(inner, case::Entity);
        handled = Part::plain(outer);
    } else if pg && prefix.len() == 12 && !q.statuses.is_empty() && q.statuses.iter().all(|s| s.clock_open()) {
        // One tenant's cases with an open clock (an approver's queue): their index in received order
        // (m0021) carries what the filters read, so the walk skips non-matching cases without
        // touching the table.
        handled.by_ids = true;
    }
    // Written as the partial index's own predicate (m0013), which also leaves out the cases the
    // handling side lists. The cases a subtree collected for others are read in order first and
    // filtered after (the subquery's OFFSET keeps the planner from merging the two): the planner
    // takes `collecting_lN = prefix` for all a subtree collects, most of which it also handles, and
    // with a status and deadline filter would walk (tenant, status, deadline) over the whole table
    // (27 ms to find none for a county) rather than this usually short range.
    let collected = case::Entity::find()
        .filter(reach())
        .filter(col(collecting).eq(prefix))
        .filter(col(collecting).ne(col(handling)));
    // The status alone also inside: a short (collecting tenant, status) range where one serves.
    let collected = match statuses_in(q) {
        Some(statuses) => collected.filter(statuses),
        None => collected,
    };
    if !pg {
        // SQLite has no OFFSET without LIMIT, and no planner statistics to mislead.
        return vec![handled, Part::plain(filtered(collected, q))];
    }
    let collected =
        collected.order_by_desc(case::Column::ReceivedAt).order_by_desc(case::Column::Id).offset(0).into_query();
    let mut outer = filtered(case::Entity::find(), q);
    QueryTrait::query(&mut outer).from_clear().from_subquery(collected, case::Entity);
    vec![handled, Part::plain(outer)]
}

/// The statements of a list: one page (newest first, after the cursor) and its count, which stops
/// past [`COUNT_BOUND`] rows. Public so that a test can read their plans.
pub fn list_statements(backend: DbBackend, scope: &Scope, q: &CaseQuery) -> Result<(Statement, Statement)> {
    let parts = list_parts(backend, scope, q);
    let after = match &q.page.after {
        Some(after) => {
            let (micros, id) = after.split_once('_').ok_or_else(|| Error::invalid("分页游标无效"))?;
            let micros: i64 = micros.parse().map_err(|_| Error::invalid("分页游标无效"))?;
            let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| Error::invalid("分页游标无效"))?;
            Some(
                Condition::any()
                    .add(case::Column::ReceivedAt.lt(at))
                    .add(Condition::all().add(case::Column::ReceivedAt.eq(at)).add(case::Column::Id.lt(id))),
            )
        }
        None => None,
    };
    let limit = u64::from(q.page.first) + 1;
    let mut page = Sql::new(backend);
    page.text("SELECT * FROM (");
    for (i, part) in parts.iter().enumerate() {
        let mut sel = part.sel.clone();
        if let Some(c) = &after {
            sel = sel.filter(c.clone());
        }
        let ordered = |s: sea_orm::Select<case::Entity>| {
            s.order_by_desc(case::Column::ReceivedAt).order_by_desc(case::Column::Id).limit(limit)
        };
        let sel = if part.by_ids {
            let ids = ordered(sel.select_only().column(case::Column::Id)).into_query();
            case::Entity::find().filter(case::Column::Id.in_subquery(ids))
        } else {
            ordered(sel)
        };
        page.text(if i == 0 { "SELECT * FROM (" } else { " UNION ALL SELECT * FROM (" })
            .query(&sel.into_query())
            .text(&format!(") p{i}"));
    }
    page.text(&format!(") u ORDER BY received_at DESC, id DESC LIMIT {limit}"));

    let mut count = Sql::new(backend);
    count.text("SELECT ");
    for (i, part) in parts.into_iter().enumerate() {
        let part = part.sel.select_only().column(case::Column::Id).limit(COUNT_BOUND + 1);
        count
            .text(if i == 0 { "(SELECT count(*) FROM (" } else { " + (SELECT count(*) FROM (" })
            .query(&part.into_query())
            .text(&format!(") c{i})"));
    }
    count.text(" AS n");
    Ok((page.build(), count.build()))
}

/// Generic plans, unless a range of dates (or a correction deadline) may be narrow enough to read by date.
pub fn list_plans(q: &CaseQuery) -> Plans {
    let dated = q.received_from.is_some()
        || q.received_to.is_some()
        || q.accepted_from.is_some()
        || q.concluded_from.is_some()
        || q.correction_due_before.is_some();
    if dated { Plans::Custom } else { Plans::Generic }
}

pub(super) async fn list(db: &Db, scope: &Scope, q: &CaseQuery) -> Result<Page<Case>> {
    // Prepared statements, on generic plans unless dated (see `Db::begin_listing`): a list's planning
    // cost more than its execution, and a simple query is planned on every call.
    let tx = db.begin_listing(scope, list_plans(q)).await?;
    let page = list_in(&tx, scope, q).await?;
    commit(tx).await?;
    Ok(page)
}

/// The approver's queue: their standing and the list it selects, in one listing transaction (the
/// standing's statement is planned once per connection, as the list's are).
pub(super) async fn approval_queue(
    db: &Db,
    tenant: &RegionCode,
    user: Uuid,
    mut q: CaseQuery,
    groups: for<'a> fn(&'a ApproverStanding) -> Vec<ReviewGroup>,
) -> Result<Page<Case>> {
    let scope = Scope::only(tenant);
    let tx = db.begin_listing(&scope, list_plans(&q)).await?;
    let rows = tx.query_all_raw(hall::approver_standing_stmt(db.backend(), tenant, user)).await.map_err(internal)?;
    q.awaiting_review = Some(groups(&hall::approver_standing(&rows)?));
    let page = list_in(&tx, &scope, &q).await?;
    commit(tx).await?;
    Ok(page)
}

async fn list_in(tx: &DatabaseTransaction, scope: &Scope, q: &CaseQuery) -> Result<Page<Case>> {
    let (page, count) = list_statements(tx.get_database_backend(), scope, q)?;
    let counted = tx.query_one_raw(count).await.map_err(internal)?;
    let rows = tx.query_all_raw(page).await.map_err(internal)?;
    let rows = rows.iter().map(model).collect::<Result<Vec<_>>>()?;
    let rows = if q.history {
        load(tx, rows).await?
    } else {
        rows.into_iter()
            .map(|m| Ok(Case { history_loaded: false, ..to_domain(m, Vec::new(), Vec::new())? }))
            .collect::<Result<Vec<_>>>()?
    };
    let counted = counted.map(|r| r.try_get::<i64>("", "n")).transpose().map_err(internal)?.unwrap_or_default();
    Ok(Page::from_rows(rows, &q.page, 0, cursor).bounded(u64::try_from(counted).unwrap_or_default()))
}

fn model(r: &sea_orm::QueryResult) -> Result<case::Model> {
    case::Model::from_query_result(r, "").map_err(internal)
}

pub(super) async fn document(db: &Db, scope: &Scope, id: Uuid) -> Result<Option<Document>> {
    let tx = db.begin(scope).await?;
    let d = document::Entity::find_by_id(id.to_string()).one(&tx).await.map_err(internal)?;
    // A document is in reach when its case is.
    let d = match d {
        Some(d) => {
            let case =
                case::Entity::find_by_id(d.case_id.clone()).filter(in_reach(scope)).one(&tx).await.map_err(internal)?;
            case.map(|_| d)
        }
        None => None,
    };
    commit(tx).await?;
    d.map(doc_to_domain).transpose()
}
