//! Transfers (跨域通办): read here, written with their case's step (see `case/write.rs`).

use async_trait::async_trait;
use domain::page::{COUNT_BOUND, Page};
use domain::ports::{TransferQuery, TransferRepo};
use domain::region::RegionCode;
use domain::tenant::Scope;
use domain::transfer::{Direction, Transfer, TransferChange, TransferStatus};
use domain::{Error, Result};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{parse_code, parse_id};
use crate::db::{Db, commit, internal};
use crate::entity::transfer::{self, Column, Entity};

fn in_range(col: Column, scope: &Scope) -> Condition {
    match scope.code_range() {
        None => Condition::all(),
        Some((start, end)) => Condition::all().add(col.gte(start)).add(col.lt(end)),
    }
}

/// A transfer is in reach where its sending or receiving tenant is.
fn in_reach(scope: &Scope) -> Condition {
    match scope.code_range() {
        None => Condition::all(),
        Some(_) => Condition::any().add(in_range(Column::FromCode, scope)).add(in_range(Column::ToCode, scope)),
    }
}

fn to_domain(m: transfer::Model) -> Result<Transfer> {
    Ok(Transfer {
        id: parse_id(&m.id)?,
        case_id: parse_id(&m.case_id)?,
        case_no: m.case_no,
        from: parse_code(&m.from_code)?,
        to: parse_code(&m.to_code)?,
        status: TransferStatus::parse(&m.status).map_err(|_| Error::internal("stored transfer status invalid"))?,
        collected_at: m.collected_at,
        sent_at: m.sent_at,
        received_at: m.received_at,
        decided_at: m.decided_at,
        result_at: m.result_at,
        note: m.note,
        return_reason: m.return_reason,
        idempotency_key: m.idempotency_key,
        request_hash: m.request_hash,
        version: m.version,
        from_center: m.from_center,
        remote_case_no: m.remote_case_no,
    })
}

fn active(t: &Transfer) -> transfer::ActiveModel {
    transfer::ActiveModel {
        id: Set(t.id.to_string()),
        case_id: Set(t.case_id.to_string()),
        case_no: Set(t.case_no.clone()),
        from_code: Set(t.from.as_str().to_owned()),
        to_code: Set(t.to.as_str().to_owned()),
        status: Set(t.status.as_str().to_owned()),
        collected_at: Set(t.collected_at),
        sent_at: Set(t.sent_at),
        received_at: Set(t.received_at),
        decided_at: Set(t.decided_at),
        result_at: Set(t.result_at),
        note: Set(t.note.clone()),
        return_reason: Set(t.return_reason.clone()),
        idempotency_key: Set(t.idempotency_key.clone()),
        request_hash: Set(t.request_hash.clone()),
        version: Set(t.version),
        from_center: Set(t.from_center.clone()),
        remote_case_no: Set(t.remote_case_no.clone()),
    }
}

/// Saves a step's transfer change inside the case's transaction; false when the stored transfer
/// changed meanwhile (nothing written).
pub(crate) async fn save_transfer(tx: &DatabaseTransaction, change: &TransferChange) -> Result<bool> {
    match change {
        TransferChange::Save(t) if t.version == 1 => match active(t).insert(tx).await {
            Ok(_) => Ok(true),
            Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                Err(Error::conflict("该幂等键已用于另一次转办"))
            }
            Err(e) => Err(internal(e)),
        },
        TransferChange::Save(t) => {
            let mut m = active(t);
            m.id = sea_orm::ActiveValue::NotSet;
            let res = Entity::update_many()
                .set(m)
                .filter(Column::Id.eq(t.id.to_string()))
                .filter(Column::Version.eq(t.version - 1))
                .exec(tx)
                .await
                .map_err(internal)?;
            Ok(res.rows_affected == 1)
        }
        TransferChange::ResultReturned { case_id, at } => {
            Entity::update_many()
                .col_expr(Column::Status, TransferStatus::ResultReturned.as_str().into())
                .col_expr(Column::ResultAt, (*at).into())
                .col_expr(Column::Version, sea_orm::sea_query::Expr::col(Column::Version).add(1))
                .filter(Column::CaseId.eq(case_id.to_string()))
                .filter(Column::Status.eq(TransferStatus::Accepted.as_str()))
                .exec(tx)
                .await
                .map_err(internal)?;
            Ok(true)
        }
    }
}

#[async_trait]
impl TransferRepo for Db {
    async fn transfer(&self, scope: &Scope, id: Uuid) -> Result<Option<Transfer>> {
        let tx = self.begin(scope).await?;
        let m = Entity::find()
            .filter(Column::Id.eq(id.to_string()))
            .filter(in_reach(scope))
            .one(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        m.map(to_domain).transpose()
    }

    async fn by_key(&self, scope: &Scope, from: &RegionCode, key: &str) -> Result<Option<Transfer>> {
        let tx = self.begin(scope).await?;
        let m = Entity::find()
            .filter(Column::FromCode.eq(from.as_str()))
            .filter(Column::IdempotencyKey.eq(key))
            .filter(in_reach(scope))
            .one(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        m.map(to_domain).transpose()
    }

    async fn of_case(&self, scope: &Scope, case_id: Uuid) -> Result<Vec<Transfer>> {
        let tx = self.begin(scope).await?;
        let rows = Entity::find()
            .filter(Column::CaseId.eq(case_id.to_string()))
            .filter(in_reach(scope))
            .order_by_asc(Column::Id)
            .all(&tx)
            .await
            .map_err(internal)?;
        commit(tx).await?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn list(&self, scope: &Scope, q: &TransferQuery) -> Result<Page<Transfer>> {
        let side = match q.direction {
            Direction::Inbound => Column::ToCode,
            Direction::Outbound => Column::FromCode,
        };
        let listed = Scope::Subtree(q.tenant_prefix.clone());
        let mut cond = Condition::all().add(in_reach(scope)).add(in_range(side, &listed));
        if !q.statuses.is_empty() {
            cond = cond.add(Column::Status.is_in(q.statuses.iter().map(|s| s.as_str())));
        }
        if let Some(b) = q.sent_before {
            cond = cond.add(Column::SentAt.lt(b));
        }
        if let Some(f) = q.sent_from {
            cond = cond.add(Column::SentAt.gte(f));
        }
        let tx = self.begin(scope).await?;
        let total = Entity::find().filter(cond.clone()).limit(COUNT_BOUND + 1).count(&tx).await.map_err(internal)?;
        let mut find = Entity::find().filter(cond);
        if let Some(after) = &q.page.after {
            let after = Uuid::parse_str(after).map_err(|_| Error::invalid("分页游标无效"))?;
            find = find.filter(Column::Id.lt(after.to_string()));
        }
        let rows =
            find.order_by_desc(Column::Id).limit(u64::from(q.page.first) + 1).all(&tx).await.map_err(internal)?;
        commit(tx).await?;
        let rows = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(rows, &q.page, 0, |t| t.id.to_string()).bounded(total))
    }
}
