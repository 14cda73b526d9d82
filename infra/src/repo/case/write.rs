//! Saving a case step: its row, events, audit entry and documents in one transaction, the read's
//! where it is held open.

use async_trait::async_trait;
use domain::case::{Case, CaseRow, CaseWrite, Document, DocumentDraft};
use domain::ports::{CaseSaved, CaseWriter, TransitionRead};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::{Error, Result};
use sea_orm::sea_query::UpdateStatement;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
};

use super::read::{find_one, read_one};
use super::row::{active, doc_to_domain, enum_str, events_insert, events_insert_from, json};
use crate::db::{AuditEntry, Db, LaneHead, append_audit, commit, internal, set_scope, write_audit_entry};
use crate::entity::{case, document};
use crate::repo::case_stats::{Share, apply, case_share};
use crate::sql::Sql;

/// A read's transaction kept open for the write that follows, with the permit to hold it.
pub(super) type Held = (DatabaseTransaction, Scope, tokio::sync::OwnedSemaphorePermit);

impl Db {
    /// Taken before the connection: a caller holding a permit never waits on the pool for it.
    pub(super) fn hold_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.held.as_ref().and_then(|s| s.clone().try_acquire_owned().ok())
    }

    /// Keeps `tx` open given a permit; otherwise ends it.
    pub(super) async fn hold(
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
pub(super) struct Writer {
    pub db: Db,
    pub held: Option<Held>,
}

/// What the row and event writes did.
enum Rows {
    /// The version-checked update matched no row: another change won.
    Stale,
    /// Written; on PostgreSQL with the audit lane's head taken in the same statement, the entry
    /// still to be written at it.
    Written(Option<AuditEntry>),
}

/// The version-checked update of a transition's case row.
fn update(c: &Case, held_by: &RegionCode) -> Result<UpdateStatement> {
    let mut m = active(c, None, None)?;
    m.id = sea_orm::ActiveValue::NotSet;
    m.case_no = sea_orm::ActiveValue::NotSet;
    Ok(case::Entity::update_many()
        .set(m)
        .filter(case::Column::Id.eq(c.id.to_string()))
        .filter(case::Column::Version.eq(c.version - 1))
        .filter(case::Column::TenantCode.eq(held_by.as_str()))
        .into_query())
}

/// Writes `update` (a transition's, if any), the events and the audit lane's head. On PostgreSQL
/// one statement: the update, the events for each row it wrote, then the head only if they were
/// written, so the lock order is case row, lane, (later) document series. On SQLite one statement
/// each, the audit entry included.
async fn write_rows(tx: &DatabaseTransaction, w: &CaseWrite, update: Option<UpdateStatement>) -> Result<Rows> {
    let b = tx.get_database_backend();
    if b == DbBackend::Postgres && !w.events.is_empty() {
        let mut sql = Sql::new(b);
        match update {
            Some(mut u) => {
                sql.text("WITH w AS (").query(u.returning_col(case::Column::Id)).text("), e AS (");
                sql.query(&events_insert_from(&w.case, &w.events, "w")?);
            }
            // A new row: not joined to the insert as the update is, because the events' row-level
            // policy looks the case up and a row inserted by the same statement is not visible to it.
            None => {
                sql.text("WITH e AS (").query(&events_insert(&w.case, &w.events)?);
            }
        }
        let (head, values) = LaneHead::cte(&w.audit, "e");
        sql.text("), ").push(&head, values).text(" SELECT seq, hash FROM head");
        return match tx.query_one_raw(sql.build()).await.map_err(internal)? {
            Some(row) => Ok(Rows::Written(Some(AuditEntry::new(&w.audit, LaneHead::from_row(&row)?)))),
            None => Ok(Rows::Stale),
        };
    }
    if let Some(u) = update {
        let res = tx.execute_raw(Sql::of(b, &u)).await.map_err(internal)?;
        if res.rows_affected() != 1 {
            return Ok(Rows::Stale);
        }
    }
    if !w.events.is_empty() {
        tx.execute_raw(Sql::of(b, &events_insert(&w.case, &w.events)?)).await.map_err(internal)?;
    }
    append_audit(tx, &w.audit).await?;
    Ok(Rows::Written(None))
}

#[async_trait]
impl CaseWriter for Writer {
    async fn save(self: Box<Self>, w: CaseWrite) -> Result<CaseSaved> {
        let Writer { db, held } = *self;
        let (tx, permit) = db.held_or_begin(held, w.tenant()).await?;
        // A new case cannot be in anyone's cache yet.
        let changed = matches!(w.row, CaseRow::Changed { .. });
        let c = &w.case;
        let rows = match &w.row {
            CaseRow::New { query_code_hash, idempotency_key } => {
                let key = idempotency_key.as_deref();
                let earlier = |k: &str| {
                    Condition::all()
                        .add(case::Column::TenantCode.eq(c.handling.as_str()))
                        .add(case::Column::IdempotencyKey.eq(k))
                };
                if let Some(k) = key
                    && let Some(found) =
                        read_one(&tx, &Scope::only(&c.handling), earlier(k), TransitionRead::default(), true).await?
                {
                    commit(tx).await?;
                    return Ok(CaseSaved::Earlier(found.case));
                }
                if let Err(e) = active(c, Some(query_code_hash), key)?.insert(&tx).await {
                    drop(tx);
                    drop(permit);
                    // A concurrent retry with the same key won the race: answer with its case.
                    if let (Some(k), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) = (key, e.sql_err()) {
                        let found = find_one(&db, &Scope::only(&c.handling), earlier(k), true).await?;
                        return found.map(CaseSaved::Earlier).ok_or_else(|| Error::internal(e));
                    }
                    return Err(internal(e));
                }
                let rows = write_rows(&tx, &w, None).await?;
                apply(&tx, Share::default(), case_share(&tx, c.id).await?).await?;
                rows
            }
            CaseRow::Changed { held_by } => {
                // The statistics summary moves by the case's share after the step less before it.
                let before = case_share(&tx, c.id).await?;
                let rows = write_rows(&tx, &w, Some(update(c, held_by)?)).await?;
                if matches!(rows, Rows::Written(_)) {
                    apply(&tx, before, case_share(&tx, c.id).await?).await?;
                }
                rows
            }
        };
        let mut entry = match rows {
            Rows::Written(entry) => entry,
            Rows::Stale => {
                tx.rollback().await.map_err(internal)?;
                return Ok(CaseSaved::Stale);
            }
        };
        // The case's transfer changes with it; a transfer changed meanwhile loses as a stale case does.
        if let Some(change) = &w.transfer
            && !crate::repo::save_transfer(&tx, change).await?
        {
            tx.rollback().await.map_err(internal)?;
            return Ok(CaseSaved::Stale);
        }
        for m in &w.messages {
            enqueue(&tx, w.tenant(), m, w.audit.at).await?;
        }
        // The series row is one per tenant, year and kind, busier than any of the eight audit lanes:
        // numbering comes last so that row is held only for the insert and the commit.
        let mut documents = Vec::with_capacity(w.documents.len());
        for d in &w.documents {
            documents.push(issue(&tx, c, d, entry.take()).await?);
        }
        if let Some(entry) = entry {
            write_audit_entry(&tx, entry).await?;
        }
        commit(tx).await?;
        drop(permit);
        if changed {
            db.case_cache.invalidate(&[c.id]).await;
        }
        Ok(CaseSaved::Saved(w.saved(documents)))
    }
}

/// Stores a message for another system in the outbox, in the step's transaction.
async fn enqueue(
    tx: &DatabaseTransaction,
    tenant: &RegionCode,
    m: &domain::case::OutboxMessage,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    crate::entity::outbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        tenant_code: Set(tenant.as_str().to_owned()),
        topic: Set(m.topic.clone()),
        payload_json: Set(m.payload.to_string()),
        created_at: Set(at),
        attempts: Set(0),
        next_attempt_at: Set(at),
        leased_until: Set(None),
        last_error: Set(None),
        status: Set("PENDING".to_owned()),
    }
    .insert(tx)
    .await
    .map_err(internal)?;
    Ok(())
}

const NEXT_IN_SERIES: &str = "INSERT INTO document_series (tenant_code, year, kind, seq) VALUES (?, ?, ?, 1) \
     ON CONFLICT (tenant_code, year, kind) DO UPDATE SET seq = document_series.seq + 1 RETURNING seq";

/// Numbers and stores a document inside `tx`, after `entry` where given; the series row (tenant,
/// year, kind) serialises its issuers until commit.
async fn issue(tx: &DatabaseTransaction, c: &Case, d: &DocumentDraft, entry: Option<AuditEntry>) -> Result<Document> {
    let b = tx.get_database_backend();
    let (tenant, year, kind) = (d.tenant.as_str().to_owned(), d.year(), enum_str(&d.kind)?);
    let series = || vec![tenant.clone().into(), year.into(), kind.clone().into()];
    if b == DbBackend::Postgres {
        // One round trip with the audit entry, so the series row stays locked for this statement and
        // the commit only.
        let mut sql = Sql::new(b);
        sql.text("WITH ");
        if let Some(entry) = entry {
            let (ctes, values) = entry.ctes();
            sql.push(&ctes, values).text(", ");
        }
        sql.push(&format!("s AS ({NEXT_IN_SERIES}), "), series()).push(
            "doc AS (INSERT INTO documents (id, case_id, tenant_code, kind, year, seq, number, issued_at, paragraphs_json) \
             SELECT ?, ?, ?, ?, ?, s.seq, ? || s.seq::text || ?, ?, ? FROM s RETURNING *) SELECT * FROM doc",
            [
                d.id.to_string().into(),
                c.id.to_string().into(),
                tenant.clone().into(),
                kind.clone().into(),
                year.into(),
                d.number_prefix().into(),
                DocumentDraft::NUMBER_SUFFIX.into(),
                d.issued_at.into(),
                json(&d.paragraphs)?.into(),
            ],
        );
        let row = tx
            .query_one_raw(sql.build())
            .await
            .map_err(internal)?
            .ok_or_else(|| Error::internal("document not stored"))?;
        return doc_to_domain(document::Model::from_query_result(&row, "").map_err(internal)?);
    }
    if let Some(entry) = entry {
        write_audit_entry(tx, entry).await?;
    }
    let mut sql = Sql::new(b);
    sql.push(NEXT_IN_SERIES, series());
    let row = tx
        .query_one_raw(sql.build())
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
