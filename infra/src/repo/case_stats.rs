//! Keeps the statistics summary (`case_stats`) exact: a case's or rating's share is read before the
//! statement that changes it and after, and the difference added in the same transaction
//! ([`migrations::case_stats`] defines the share once). A step that moves no figure writes nothing;
//! one that does takes the summary rows it changes in key order.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::Result;
use domain::tenant::Scope;
use migrations::case_stats::{self, KEYS, VALUES};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, QueryResult, TransactionTrait, Value};
use uuid::Uuid;

use crate::db::{internal, set_scope, stmt};

/// (tenant, day, item, staff, since, collecting tenant), as [`KEYS`].
type Key = (String, NaiveDate, String, String, NaiveDate, String);

/// A case's or rating's figures per summary row.
#[derive(Debug, Default)]
pub(crate) struct Share(BTreeMap<Key, Vec<i64>>);

fn key(r: &QueryResult) -> Result<Key> {
    Ok((
        r.try_get("", "tenant_code").map_err(internal)?,
        r.try_get("", "day").map_err(internal)?,
        r.try_get("", "impl_item_id").map_err(internal)?,
        r.try_get("", "staff").map_err(internal)?,
        r.try_get("", "since").map_err(internal)?,
        r.try_get("", "collecting_code").map_err(internal)?,
    ))
}

async fn read(tx: &DatabaseTransaction, sql: &str, id: Uuid) -> Result<Share> {
    let b = tx.get_database_backend();
    let rows = tx.query_all_raw(stmt(b, sql, vec![id.to_string().into()])).await.map_err(internal)?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let vals = VALUES.iter().map(|v| r.try_get::<i64>("", v).map_err(internal)).collect::<Result<Vec<_>>>()?;
        out.insert(key(r)?, vals);
    }
    Ok(Share(out))
}

/// Case `id`'s share as stored now (in `tx`).
pub(crate) async fn case_share(tx: &DatabaseTransaction, id: Uuid) -> Result<Share> {
    read(tx, &case_stats::share(tx.get_database_backend(), Some("c.id = ?"), None), id).await
}

/// Rating `id`'s share as stored now (in `tx`).
pub(crate) async fn rating_share(tx: &DatabaseTransaction, id: Uuid) -> Result<Share> {
    read(tx, &case_stats::share(tx.get_database_backend(), None, Some("g.id = ?")), id).await
}

/// Adds `after - before` to the summary, in key order.
pub(crate) async fn apply(tx: &DatabaseTransaction, before: Share, after: Share) -> Result<()> {
    let mut net = after.0;
    for (k, vals) in before.0 {
        let e = net.entry(k).or_insert_with(|| vec![0; VALUES.len()]);
        for (a, b) in e.iter_mut().zip(vals) {
            *a -= b;
        }
    }
    net.retain(|_, v| v.iter().any(|x| *x != 0));
    if net.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = Vec::with_capacity(net.len() * (KEYS.len() + VALUES.len()));
    for ((tenant, day, item, staff, since, collecting), vals) in &net {
        values.extend([
            tenant.clone().into(),
            (*day).into(),
            item.clone().into(),
            staff.clone().into(),
            (*since).into(),
            collecting.clone().into(),
        ]);
        for v in vals {
            let v = i32::try_from(*v).map_err(|_| domain::Error::internal("summary delta out of range"))?;
            values.push(v.into());
        }
    }
    let b = tx.get_database_backend();
    tx.execute_raw(stmt(b, &case_stats::add_rows(net.len()), values)).await.map_err(internal)?;
    Ok(())
}

/// The summary's rows and how many keys disagree with the records (0 when exact), read over every
/// tenant; for checks.
pub async fn check(conn: &DatabaseConnection) -> Result<(i64, i64)> {
    let tx = conn.begin().await.map_err(internal)?;
    set_scope(&tx, &Scope::All).await?;
    let b = tx.get_database_backend();
    let one = |sql: String| stmt(b, &sql, vec![]);
    let n = |r: Option<QueryResult>| -> Result<i64> {
        r.ok_or_else(|| domain::Error::internal("no count"))?.try_get::<i64>("", "n").map_err(internal)
    };
    let rows = n(tx.query_one_raw(one("SELECT COUNT(*) AS n FROM case_stats".into())).await.map_err(internal)?)?;
    let drift = n(tx.query_one_raw(one(case_stats::drift(b))).await.map_err(internal)?)?;
    tx.commit().await.map_err(internal)?;
    Ok((rows, drift))
}

/// Refills the summary from the records, in one transaction over every tenant: after data loaded
/// around the application (generated benchmarks), or to repair it.
pub async fn rebuild(conn: &DatabaseConnection) -> Result<()> {
    let tx = conn.begin().await.map_err(internal)?;
    set_scope(&tx, &Scope::All).await?;
    let b = tx.get_database_backend();
    tx.execute_raw(stmt(b, "DELETE FROM case_stats", vec![])).await.map_err(internal)?;
    let fill = case_stats::shift(b, Some("1 = 1"), Some("1 = 1"), 1);
    tx.execute_raw(stmt(b, &fill, vec![])).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(())
}
