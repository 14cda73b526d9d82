//! A case as stored: its row, events and documents to and from the domain's values.

use domain::case::{Applicant, Case, CaseClock, CaseEvent, CaseStatus, Document};
use domain::{Error, Result};
use sea_orm::ActiveValue::Set;
use sea_orm::Value;
use sea_orm::sea_query::{Alias, Expr, InsertStatement, Query, SelectStatement, UnionType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::{parse_code, parse_id};
use crate::entity::{case, case_event, document};

pub(super) fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

fn from_json<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(Error::internal)
}

/// Enum values are stored as their serde names (e.g. `ACCEPTED`).
pub(super) fn enum_str<T: Serialize>(v: &T) -> Result<String> {
    Ok(json(v)?.trim_matches('"').to_owned())
}

fn enum_from<T: DeserializeOwned>(s: &str) -> Result<T> {
    from_json(&format!("\"{s}\""))
}

pub(super) fn active(c: &Case, query_hash: Option<&str>, key: Option<&str>) -> Result<case::ActiveModel> {
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

pub(super) fn to_domain(m: case::Model, events: Vec<case_event::Model>, docs: Vec<document::Model>) -> Result<Case> {
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

pub(super) fn doc_to_domain(d: document::Model) -> Result<Document> {
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

const EVENT_COLUMNS: [case_event::Column; 8] = [
    case_event::Column::CaseId,
    case_event::Column::TenantCode,
    case_event::Column::ActorTenant,
    case_event::Column::At,
    case_event::Column::Status,
    case_event::Column::Actor,
    case_event::Column::Action,
    case_event::Column::Opinion,
];

/// The values of `e` after its case id, in the order of [`EVENT_COLUMNS`].
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

/// The insert of `events` of the case `c`, returning their case id.
pub(super) fn events_insert(c: &Case, events: &[CaseEvent]) -> Result<InsertStatement> {
    let mut q = Query::insert();
    q.into_table(case_event::Entity).columns(EVENT_COLUMNS).returning_col(case_event::Column::CaseId);
    for e in events {
        let row = std::iter::once(Value::from(c.id.to_string())).chain(event_values(c, e)).map(Expr::val);
        q.values(row).map_err(Error::internal)?;
    }
    Ok(q)
}

/// PostgreSQL: the insert of `events` once for each case id the CTE `source` returns (the rows an
/// update wrote: none when it matched none), returning their case id.
pub(super) fn events_insert_from(c: &Case, events: &[CaseEvent], source: &str) -> Result<InsertStatement> {
    let from = Alias::new(source);
    let select = |e: &CaseEvent| -> SelectStatement {
        Query::select()
            .column((from.clone(), case::Column::Id))
            .exprs(event_values(c, e).map(Expr::val))
            .from(from.clone())
            .to_owned()
    };
    let (first, rest) = events.split_first().ok_or_else(|| Error::internal("no event to insert"))?;
    let mut rows = select(first);
    for e in rest {
        rows.union(UnionType::All, select(e));
    }
    let mut q = Query::insert();
    q.into_table(case_event::Entity)
        .columns(EVENT_COLUMNS)
        .select_from(rows)
        .map_err(Error::internal)?
        .returning_col(case_event::Column::CaseId);
    Ok(q)
}
