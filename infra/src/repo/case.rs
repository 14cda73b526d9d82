use async_trait::async_trait;
use domain::audit::AuditRecord;
use domain::case::{Applicant, Case, CaseClock, CaseEvent, CaseStatus, Document, DocumentDraft};
use domain::catalogue::ImplItem;
use domain::page::Page;
use domain::ports::{
    CaseInsert, CaseQuery, CaseRepo, CaseSaved, CaseWrite, ForIntake, ForTransition, ReviewGroup, TransitionRead,
};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{
    AuditEntry, Db, LaneHead, append_audit, commit, internal, numbered_from, set_scope, stmt, write_audit_entry,
};
use crate::entity::{case, case_event, document};

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(Error::internal)
}

/// Enum values are stored as their serde names (e.g. `ACCEPTED`).
fn enum_str<T: Serialize>(v: &T) -> Result<String> {
    Ok(json(v)?.trim_matches('"').to_owned())
}

fn enum_from<T: DeserializeOwned>(s: &str) -> Result<T> {
    from_json(&format!("\"{s}\""))
}

fn active(c: &Case, query_hash: Option<&str>, key: Option<&str>) -> Result<case::ActiveModel> {
    let mut m = case::ActiveModel {
        id: Set(c.id.to_string()),
        case_no: Set(c.case_no.clone()),
        tenant_code: Set(c.handling.as_str().to_owned()),
        collecting_code: Set(c.collecting.as_str().to_owned()),
        impl_item_id: Set(c.impl_item_id.to_string()),
        impl_version: Set(c.impl_version as i32),
        item_name: Set(c.item_name.clone()),
        kind: Set(enum_str(&c.kind)?),
        status: Set(c.status.as_str().to_owned()),
        channel: Set(enum_str(&c.channel)?),
        applicant_kind: Set(enum_str(&c.applicant.kind)?),
        applicant_name: Set(c.applicant.name.clone()),
        id_type: Set(c.applicant.id_type.clone()),
        id_number: Set(c.applicant.id_number.clone()),
        phone: Set(c.applicant.phone.clone()),
        form_json: Set(c.form.as_ref().map(|f| f.to_string())),
        provided_json: Set(json(&c.provided)?),
        missing_json: Set(json(&c.missing)?),
        deferred_json: Set(json(&c.deferred)?),
        deferred_until: Set(c.deferred_until),
        correction_due: Set(c.correction_due),
        received_at: Set(c.received_at),
        accepted_at: Set(c.accepted_at),
        concluded_at: Set(c.concluded_at),
        clock_json: Set(c.clock.as_ref().map(json).transpose()?),
        deadline: Set(c.deadline),
        deadline_provisional: Set(c.deadline_provisional),
        reviews_json: Set((!c.reviews.is_empty()).then(|| json(&c.reviews)).transpose()?),
        pending_reviews: Set((!c.reviews.is_empty()).then(|| pending_reviews(c))),
        version: Set(c.version),
        ..Default::default()
    };
    if let Some(h) = query_hash {
        m.query_hash = Set(h.to_owned());
        m.idempotency_key = Set(key.map(str::to_owned));
    }
    Ok(m)
}

/// `,id,id,`: the departments of a joint case that have not reviewed yet.
fn pending_reviews(c: &Case) -> String {
    let ids: Vec<String> = c.departments_to_review().map(|d| d.to_string()).collect();
    format!(",{},", ids.join(","))
}

fn to_domain(m: case::Model, events: Vec<case_event::Model>, docs: Vec<document::Model>) -> Result<Case> {
    Ok(Case {
        id: parse_id(&m.id)?,
        case_no: m.case_no,
        kind: enum_from(&m.kind)?,
        status: CaseStatus::parse(&m.status).map_err(Error::internal)?,
        impl_item_id: parse_id(&m.impl_item_id)?,
        impl_version: m.impl_version.max(0) as u32,
        item_name: m.item_name,
        handling: parse_code(&m.tenant_code)?,
        collecting: parse_code(&m.collecting_code)?,
        channel: enum_from(&m.channel)?,
        applicant: Applicant {
            kind: enum_from(&m.applicant_kind)?,
            name: m.applicant_name,
            id_type: m.id_type,
            id_number: m.id_number,
            phone: m.phone,
        },
        form: m.form_json.as_deref().map(from_json).transpose()?,
        provided: from_json(&m.provided_json)?,
        missing: from_json(&m.missing_json)?,
        deferred: from_json(&m.deferred_json)?,
        deferred_until: m.deferred_until,
        correction_due: m.correction_due,
        received_at: m.received_at,
        accepted_at: m.accepted_at,
        concluded_at: m.concluded_at,
        clock: m.clock_json.as_deref().map(from_json::<CaseClock>).transpose()?,
        deadline: m.deadline,
        deadline_provisional: m.deadline_provisional,
        reviews: m.reviews_json.as_deref().map(from_json).transpose()?.unwrap_or_default(),
        version: m.version,
        events: events
            .into_iter()
            .map(|e| {
                Ok(CaseEvent {
                    at: e.at,
                    status: CaseStatus::parse(&e.status).map_err(Error::internal)?,
                    actor: e.actor,
                    tenant: parse_code(&e.actor_tenant)?,
                    action: e.action,
                    opinion: e.opinion,
                })
            })
            .collect::<Result<_>>()?,
        documents: docs.into_iter().map(doc_to_domain).collect::<Result<_>>()?,
        history_loaded: true,
    })
}

fn doc_to_domain(d: document::Model) -> Result<Document> {
    Ok(Document {
        id: parse_id(&d.id)?,
        case_id: parse_id(&d.case_id)?,
        tenant: parse_code(&d.tenant_code)?,
        kind: enum_from(&d.kind)?,
        number: d.number,
        issued_at: d.issued_at,
        paragraphs: from_json(&d.paragraphs_json)?,
    })
}

/// Numbers and stores a document inside `tx`, after `entry` where given; the series row (tenant,
/// year, kind) serialises its issuers until commit.
async fn issue(tx: &DatabaseTransaction, c: &Case, d: &DocumentDraft, entry: Option<AuditEntry>) -> Result<Document> {
    let b = tx.get_database_backend();
    let (tenant, year, kind) = (d.tenant.as_str().to_owned(), d.year(), enum_str(&d.kind)?);
    let next = "INSERT INTO document_series (tenant_code, year, kind, seq) VALUES (?, ?, ?, 1)
         ON CONFLICT (tenant_code, year, kind) DO UPDATE SET seq = document_series.seq + 1 RETURNING seq";
    if b == DbBackend::Postgres {
        // One round trip with the audit entry, so the series row stays locked for this statement and
        // the commit only.
        let (audit, mut values) = entry.map(AuditEntry::ctes).unwrap_or_default();
        let sql = format!(
            "WITH {audit}{} s AS ({next}), doc AS (INSERT INTO documents \
             (id, case_id, tenant_code, kind, year, seq, number, issued_at, paragraphs_json) \
             SELECT ?, ?, ?, ?, ?, s.seq, ? || s.seq::text || ?, ?, ? FROM s RETURNING *) SELECT * FROM doc",
            if audit.is_empty() { "" } else { "," }
        );
        values.extend([
            tenant.clone().into(),
            year.into(),
            kind.clone().into(),
            d.id.to_string().into(),
            c.id.to_string().into(),
            tenant.into(),
            kind.into(),
            year.into(),
            d.number_prefix().into(),
            DocumentDraft::NUMBER_SUFFIX.into(),
            d.issued_at.into(),
            json(&d.paragraphs)?.into(),
        ]);
        let row = tx
            .query_one_raw(stmt(b, &sql, values))
            .await
            .map_err(internal)?
            .ok_or_else(|| Error::internal("document not stored"))?;
        return doc_to_domain(document::Model::from_query_result(&row, "").map_err(internal)?);
    }
    if let Some(entry) = entry {
        write_audit_entry(tx, entry).await?;
    }
    let row = tx
        .query_one_raw(stmt(b, next, vec![tenant.clone().into(), year.into(), kind.clone().into()]))
        .await
        .map_err(internal)?
        .ok_or_else(|| Error::internal("document counter missing"))?;
    let seq: i64 = row.try_get("", "seq").map_err(internal)?;
    let stored = document::ActiveModel {
        id: Set(d.id.to_string()),
        case_id: Set(c.id.to_string()),
        tenant_code: Set(tenant),
        kind: Set(kind),
        year: Set(year),
        seq: Set(seq),
        number: Set(d.number(seq)),
        issued_at: Set(d.issued_at),
        paragraphs_json: Set(json(&d.paragraphs)?),
    }
    .insert(tx)
    .await
    .map_err(internal)?;
    doc_to_domain(stored)
}

const EVENT_COLS: &str = "case_events (case_id, tenant_code, actor_tenant, at, status, actor, action, opinion)";

/// The values of `e` after its case id, in the order of [`EVENT_COLS`], as [`event_model`] maps them.
fn event_values(c: &Case, e: &CaseEvent) -> [Value; 7] {
    [
        c.handling.as_str().to_owned().into(),
        e.tenant.as_str().to_owned().into(),
        e.at.into(),
        e.status.as_str().to_owned().into(),
        e.actor.clone().into(),
        e.action.clone().into(),
        e.opinion.clone().into(),
    ]
}

/// PostgreSQL, in one statement: `write` (an update of a case row), the insert of `e` for each case
/// row it wrote, and the head of `audit`'s lane taken after them. It returns the head, or no row
/// where the update matched none.
fn save_statement(write: sea_orm::Statement, c: &Case, e: &CaseEvent, audit: &AuditRecord) -> sea_orm::Statement {
    let sea_orm::Statement { sql, values, .. } = write;
    let mut values = values.map(|v| v.0).unwrap_or_default();
    let (head, head_values) = LaneHead::cte(audit, "e");
    let rest = numbered_from(
        &format!("e AS (INSERT INTO {EVENT_COLS} SELECT w.id, ?, ?, ?, ?, ?, ?, ? FROM w RETURNING case_id), {head}"),
        values.len() + 1,
    );
    let sql = format!("WITH w AS ({sql} RETURNING id), {rest} SELECT seq, hash FROM head");
    values.extend(event_values(c, e));
    values.extend(head_values);
    sea_orm::Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// PostgreSQL, in one statement: the events of the new case `c` and the head of `audit`'s lane.
fn intake_events_statement(c: &Case, audit: &AuditRecord) -> sea_orm::Statement {
    let mut values: Vec<Value> = Vec::with_capacity(8 * c.events.len() + 3);
    let rows: Vec<&str> = c
        .events
        .iter()
        .map(|e| {
            values.push(c.id.to_string().into());
            values.extend(event_values(c, e));
            "(?, ?, ?, ?, ?, ?, ?, ?)"
        })
        .collect();
    let (head, head_values) = LaneHead::cte(audit, "e");
    values.extend(head_values);
    let sql = format!(
        "WITH e AS (INSERT INTO {EVENT_COLS} VALUES {} RETURNING case_id), {head} SELECT seq, hash FROM head",
        rows.join(", ")
    );
    stmt(DbBackend::Postgres, &sql, values)
}

pub(super) fn event_model(case: &Case, e: &CaseEvent) -> case_event::ActiveModel {
    case_event::ActiveModel {
        case_id: Set(case.id.to_string()),
        tenant_code: Set(case.handling.as_str().to_owned()),
        actor_tenant: Set(e.tenant.as_str().to_owned()),
        at: Set(e.at),
        status: Set(e.status.as_str().to_owned()),
        actor: Set(e.actor.clone()),
        action: Set(e.action.clone()),
        opinion: Set(e.opinion.clone()),
        ..Default::default()
    }
}

pub(super) async fn load(tx: &DatabaseTransaction, rows: Vec<case::Model>) -> Result<Vec<Case>> {
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

async fn find_one(db: &Db, scope: &Scope, cond: Condition) -> Result<Option<Case>> {
    let tx = db.begin(scope).await?;
    let read = read_one(&tx, scope, cond, TransitionRead::default(), true).await?;
    commit(tx).await?;
    Ok(read.map(|r| r.case))
}

struct Read {
    case: Case,
    item: Option<ImplItem>,
    approver_items: Option<Vec<Uuid>>,
}

/// One case in reach of `scope`, with its events and documents when `history`, and what `want` asks
/// for when its handling tenant is in the scope.
async fn read_one(
    tx: &DatabaseTransaction,
    scope: &Scope,
    cond: Condition,
    want: TransitionRead,
    history: bool,
) -> Result<Option<Read>> {
    let find = case::Entity::find().filter(cond).filter(in_reach(scope.prefix())).limit(1);
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
    let sea_orm::Statement { sql, values, db_backend } = find.build(b);
    let mut values = values.map(|v| v.0).unwrap_or_default();
    let approvers = match want.approver {
        Some(user) => {
            let (agg, param) = match b {
                DbBackend::Postgres => ("string_agg", format!("${}", values.len() + 1)),
                _ => ("group_concat", "?".to_owned()),
            };
            // SQLite binds `?` in the order they appear, and this one precedes the case query's.
            let pos = if b == DbBackend::Postgres { values.len() } else { 0 };
            values.insert(pos, user.to_string().into());
            format!(
                ", (SELECT {agg}(a.impl_item_id, ',') FROM approver_items a \
                 WHERE a.tenant_code = c.tenant_code AND a.user_id = {param}) AS approver_items"
            )
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT c.*, {}{approvers} FROM ({sql}) c LEFT JOIN impl_items i ON i.id = c.impl_item_id \
         AND i.tenant_code = c.tenant_code LEFT JOIN base_items b ON b.id = i.base_item_id \
         LEFT JOIN departments d ON d.id = i.department_id",
        super::catalogue::impl_cols()
    );
    let statement = sea_orm::Statement::from_sql_and_values(db_backend, sql, values);
    Ok(match tx.query_one_raw(statement).await.map_err(internal)? {
        Some(r) => {
            let ids = match want.approver {
                Some(_) => Some(id_list(r.try_get::<Option<String>>("", "approver_items").map_err(internal)?)?),
                None => None,
            };
            let item = if want.item { super::catalogue::impl_from_row(&r)? } else { None };
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

/// A read's transaction kept open for the write that follows, with the permit to hold it.
type Held = (DatabaseTransaction, Scope, tokio::sync::OwnedSemaphorePermit);

impl Db {
    /// Taken before the connection: a caller holding a permit never waits on the pool for it.
    fn hold_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.held.as_ref().and_then(|s| s.clone().try_acquire_owned().ok())
    }

    /// Keeps `tx` open given a permit; otherwise ends it.
    async fn hold(
        &self,
        tx: DatabaseTransaction,
        scope: &Scope,
        permit: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Result<Option<Held>> {
        match permit {
            Some(p) => Ok(Some((tx, scope.clone(), p))),
            None => {
                commit(tx).await?;
                Ok(None)
            }
        }
    }

    /// The held transaction keyed to `tenant` if it is not in its scope yet, or a new one.
    async fn held_or_begin(
        &self,
        held: Option<Held>,
        tenant: &RegionCode,
    ) -> Result<(DatabaseTransaction, Option<tokio::sync::OwnedSemaphorePermit>)> {
        match held {
            Some((tx, scope, permit)) => {
                // The collecting tenant handing over a case decided above it writes in the case's tenant.
                if !scope.contains(tenant) {
                    set_scope(&tx, &Scope::only(tenant)).await?;
                }
                Ok((tx, Some(permit)))
            }
            None => Ok((self.begin(&Scope::only(tenant)).await?, None)),
        }
    }
}

/// Saves what was read for: in the read's transaction while it is held open, otherwise in a
/// transaction of its own.
struct Writer {
    db: Db,
    held: Option<Held>,
}

#[async_trait]
impl CaseInsert for Writer {
    async fn insert(
        self: Box<Self>,
        c: &Case,
        query_hash: &str,
        key: Option<&str>,
        audit: AuditRecord,
    ) -> Result<Case> {
        let db = &self.db;
        let earlier = |k: &str| {
            Condition::all()
                .add(case::Column::TenantCode.eq(c.handling.as_str()))
                .add(case::Column::IdempotencyKey.eq(k))
        };
        let (tx, permit) = db.held_or_begin(self.held, &c.handling).await?;
        if let Some(k) = key
            && let Some(found) =
                read_one(&tx, &Scope::only(&c.handling), earlier(k), TransitionRead::default(), true).await?
        {
            commit(tx).await?;
            return Ok(found.case);
        }
        if let Err(e) = active(c, Some(query_hash), key)?.insert(&tx).await {
            drop(tx);
            drop(permit);
            // A concurrent retry with the same key won the race: answer with its case.
            if let (Some(k), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) = (key, e.sql_err()) {
                return find_one(db, &Scope::only(&c.handling), earlier(k)).await?.ok_or_else(|| Error::internal(e));
            }
            return Err(internal(e));
        }
        // Not joined to the insert as the update is: the events' row-level policy looks the case up,
        // and a row inserted by the same statement is not visible to it.
        if db.is_postgres() && !c.events.is_empty() {
            let head = tx
                .query_one_raw(intake_events_statement(c, &audit))
                .await
                .map_err(internal)?
                .ok_or_else(|| Error::internal("audit head missing"))?;
            write_audit_entry(&tx, AuditEntry::new(&audit, LaneHead::from_row(&head)?)).await?;
        } else {
            for ev in &c.events {
                event_model(c, ev).insert(&tx).await.map_err(internal)?;
            }
            append_audit(&tx, &audit).await?;
        }
        commit(tx).await?;
        Ok(c.clone())
    }
}

async fn stale(tx: DatabaseTransaction) -> Result<CaseSaved> {
    tx.rollback().await.map_err(internal)?;
    Ok(CaseSaved::Stale)
}

#[async_trait]
impl CaseWrite for Writer {
    async fn save(
        self: Box<Self>,
        c: &Case,
        held_by: &RegionCode,
        event: &CaseEvent,
        doc: Option<&DocumentDraft>,
        audit: AuditRecord,
    ) -> Result<CaseSaved> {
        let (tx, _permit) = self.db.held_or_begin(self.held, held_by).await?;
        let mut m = active(c, None, None)?;
        m.id = sea_orm::ActiveValue::NotSet;
        m.case_no = sea_orm::ActiveValue::NotSet;
        let update = case::Entity::update_many()
            .set(m)
            .filter(case::Column::Id.eq(c.id.to_string()))
            .filter(case::Column::Version.eq(c.version - 1))
            .filter(case::Column::TenantCode.eq(held_by.as_str()));
        let entry = if self.db.is_postgres() {
            // One round trip: the version-checked update, its event and the audit lane's head.
            match tx.query_one_raw(save_statement(update.build(DbBackend::Postgres), c, event, &audit)).await {
                Ok(Some(head)) => Some(AuditEntry::new(&audit, LaneHead::from_row(&head)?)),
                Ok(None) => return stale(tx).await,
                Err(e) => return Err(internal(e)),
            }
        } else {
            let res = update.exec(&tx).await.map_err(internal)?;
            if res.rows_affected != 1 {
                return stale(tx).await;
            }
            event_model(c, event).insert(&tx).await.map_err(internal)?;
            append_audit(&tx, &audit).await?;
            None
        };
        // The series row is one per tenant, year and kind, busier than any of the eight audit lanes:
        // numbering comes last so that row is held only for the insert and the commit.
        let document = match (doc, entry) {
            (Some(d), entry) => Some(issue(&tx, c, d, entry).await?),
            (None, Some(entry)) => {
                write_audit_entry(&tx, entry).await?;
                None
            }
            (None, None) => None,
        };
        commit(tx).await?;
        Ok(CaseSaved::Saved(document))
    }
}

/// Cases handled or collected under `prefix`: a collecting tenant sees the cases it forwarded.
fn in_reach(prefix: &str) -> Condition {
    if prefix.is_empty() {
        return Condition::all();
    }
    let end = super::prefix_end(prefix);
    let under = |col: case::Column| Condition::all().add(col.gte(prefix)).add(col.lt(end.as_str()));
    Condition::any().add(under(case::Column::TenantCode)).add(under(case::Column::CollectingCode))
}

fn cursor(c: &Case) -> String {
    format!("{}_{}", c.received_at.timestamp_micros(), c.id)
}

#[async_trait]
impl CaseRepo for Db {
    async fn get_for_intake(&self, scope: &Scope, item_id: Uuid) -> Result<Option<ForIntake>> {
        let permit = self.hold_permit();
        let tx = self.begin(scope).await?;
        let Some(item) = super::catalogue::impl_in_scope(&tx, scope, item_id).await? else {
            commit(tx).await?;
            return Ok(None);
        };
        let insert = Box::new(Writer { held: self.hold(tx, scope, permit).await?, db: self.clone() });
        Ok(Some(ForIntake { item, insert }))
    }

    async fn get(&self, scope: &Scope, id: Uuid) -> Result<Option<Case>> {
        find_one(self, scope, Condition::all().add(case::Column::Id.eq(id.to_string()))).await
    }

    async fn get_for_transition(&self, scope: &Scope, id: Uuid, want: TransitionRead) -> Result<Option<ForTransition>> {
        let cond = Condition::all().add(case::Column::Id.eq(id.to_string()));
        let permit = self.hold_permit();
        let tx = self.begin(scope).await?;
        let Some(Read { case, item, approver_items }) = read_one(&tx, scope, cond, want, false).await? else {
            commit(tx).await?;
            return Ok(None);
        };
        let write = Box::new(Writer { held: self.hold(tx, scope, permit).await?, db: self.clone() });
        Ok(Some(ForTransition { case, item, approver_items, write }))
    }

    async fn by_no(&self, scope: &Scope, case_no: &str) -> Result<Option<Case>> {
        find_one(self, scope, Condition::all().add(case::Column::CaseNo.eq(case_no))).await
    }

    async fn for_tracking(&self, case_no: &str) -> Result<Option<(Case, String)>> {
        let tx = self.begin(&Scope::All).await?;
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

    async fn list(&self, scope: &Scope, q: &CaseQuery) -> Result<Page<Case>> {
        let tx = self.begin(scope).await?;
        let mut sel = case::Entity::find().filter(in_reach(scope.prefix())).filter(in_reach(&q.tenant_prefix));
        if !q.statuses.is_empty() {
            sel = sel.filter(case::Column::Status.is_in(q.statuses.iter().map(|s| s.as_str())));
        }
        if let Some(items) = &q.impl_items {
            sel = sel.filter(case::Column::ImplItemId.is_in(items.iter().map(Uuid::to_string)));
        }
        if let Some(a) = &q.applicant {
            sel = sel.filter(
                Condition::any()
                    .add(super::contains(case::Column::ApplicantName, a))
                    .add(case::Column::IdNumber.eq(a.to_ascii_uppercase())),
            );
        }
        if let Some(f) = q.received_from {
            sel = sel.filter(case::Column::ReceivedAt.gte(f));
        }
        if let Some(t) = q.received_to {
            sel = sel.filter(case::Column::ReceivedAt.lt(t));
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
                    pending = pending.add(super::contains(case::Column::PendingReviews, &format!(",{d},")));
                }
                any_group = any_group.add(
                    Condition::all()
                        .add(case::Column::ImplItemId.is_in(g.items.iter().map(Uuid::to_string)))
                        .add(pending),
                );
            }
            sel = sel.filter(any_group);
        }
        let total = sel.clone().count(&tx).await.map_err(internal)?;
        if let Some(after) = &q.page.after {
            let (micros, id) = after.split_once('_').ok_or_else(|| Error::invalid("分页游标无效"))?;
            let micros: i64 = micros.parse().map_err(|_| Error::invalid("分页游标无效"))?;
            let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| Error::invalid("分页游标无效"))?;
            sel = sel.filter(
                Condition::any()
                    .add(case::Column::ReceivedAt.lt(at))
                    .add(Condition::all().add(case::Column::ReceivedAt.eq(at)).add(case::Column::Id.lt(id))),
            );
        }
        let rows = sel
            .order_by_desc(case::Column::ReceivedAt)
            .order_by_desc(case::Column::Id)
            .limit(u64::from(q.page.first) + 1)
            .all(&tx)
            .await
            .map_err(internal)?;
        let cases = load(&tx, rows).await?;
        commit(tx).await?;
        Ok(Page::from_rows(cases, &q.page, total, cursor))
    }

    async fn document(&self, scope: &Scope, id: Uuid) -> Result<Option<Document>> {
        let tx = self.begin(scope).await?;
        let d = document::Entity::find_by_id(id.to_string()).one(&tx).await.map_err(internal)?;
        // A document is in reach when its case is.
        let d = match d {
            Some(d) => {
                let case = case::Entity::find_by_id(d.case_id.clone())
                    .filter(in_reach(scope.prefix()))
                    .one(&tx)
                    .await
                    .map_err(internal)?;
                case.map(|_| d)
            }
            None => None,
        };
        commit(tx).await?;
        d.map(doc_to_domain).transpose()
    }

    async fn open_clocks(
        &self,
        prefix: &str,
        provisional_only: bool,
        from: Option<chrono::NaiveDate>,
    ) -> Result<Vec<Case>> {
        super::case_deadline::open_clocks(self, prefix, provisional_only, from).await
    }

    async fn save_deadlines(
        &self,
        tenant: &domain::region::RegionCode,
        changes: &[(Case, CaseEvent)],
        audit: AuditRecord,
    ) -> Result<bool> {
        super::case_deadline::save_deadlines(self, tenant, changes, audit).await
    }
}
