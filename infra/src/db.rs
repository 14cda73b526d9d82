//! The database handle: connection, scoped transactions, error mapping.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use domain::Error;
use domain::audit::{AuditRecord, GENESIS};
use domain::tenant::{Scope, Tenant};
use sea_orm::sea_query::{PostgresQueryBuilder, SelectStatement};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    FromQueryResult, QueryResult, SqlErr, Statement, TransactionTrait, Value,
};

use migrations::SCOPE_SETTING;

#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// Tenants (region data) change rarely and are read on nearly every request.
    pub(crate) tenants: Arc<TenantCache>,
    /// Permits to keep a transaction open across the caller's work (a transition's read and write):
    /// one connection fewer than the pool, so that the caller's other reads always find one.
    /// None with a single connection (SQLite).
    pub(crate) held: Option<Arc<Semaphore>>,
    /// Cases by id for the lookup; see [`crate::case_cache`].
    pub case_cache: Arc<crate::case_cache::CaseCache>,
}

/// Tenants by code for `TTL`. Writes through this process clear it at once; another process's
/// writes (the CLI importing regions) show here within `TTL`.
#[derive(Default)]
pub(crate) struct TenantCache {
    map: RwLock<HashMap<String, (Instant, Tenant)>>,
}

impl TenantCache {
    const TTL: Duration = Duration::from_secs(30);
    const MAX: usize = 10_000;

    pub(crate) fn get(&self, code: &str) -> Option<Tenant> {
        let map = self.map.read().ok()?;
        map.get(code).filter(|(at, _)| at.elapsed() < Self::TTL).map(|(_, t)| t.clone())
    }

    pub(crate) fn put(&self, tenant: &Tenant) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= Self::MAX {
                map.clear();
            }
            map.insert(tenant.code.as_str().to_owned(), (Instant::now(), tenant.clone()));
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.map.write() {
            map.clear();
        }
    }
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        let mut held = None;
        // A hot connection goes out without a ping (a round trip per transaction); one idle long
        // enough to have been dropped by the server or a firewall is pinged first.
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
        if url.starts_with("sqlite:") {
            // One writer at a time: SQLite serialises writes anyway, and one connection
            // avoids lock upgrades failing with SQLITE_BUSY.
            opts.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        } else {
            // The pool opens whole at start and stays whole: a connection opened under load cost
            // the requests waiting on it up to 170 ms (p99 of a town's list in its first 2 s).
            opts.max_connections(max_connections).min_connections(max_connections);
            let spare = max_connections.saturating_sub(1) as usize;
            held = (spare > 0).then(|| Arc::new(Semaphore::new(spare)));
        }
        Ok(Db { conn: Database::connect(opts).await?, tenants: Arc::default(), held, case_cache: Arc::default() })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    /// Opens a transaction whose rows are limited to `scope`, on PostgreSQL by row-level security.
    pub async fn begin(&self, scope: &Scope) -> Result<DatabaseTransaction, Error> {
        let tx = self.conn.begin().await.map_err(internal)?;
        set_scope(&tx, scope).await?;
        Ok(tx)
    }

    /// One `SELECT` under `scope`, in one round trip. On PostgreSQL the scope goes with the statement
    /// as `SET LOCAL` in one simple query, which runs as one implicit transaction: no BEGIN and no
    /// COMMIT travel. The statement is rendered with its values inline (sea-query escapes them), as
    /// a simple query takes no parameters; the scope value is a region prefix (digits) or `*`.
    pub async fn read_one<M: FromQueryResult>(
        &self,
        scope: &Scope,
        query: &SelectStatement,
    ) -> Result<Option<M>, Error> {
        if !self.is_postgres() {
            let stmt = self.backend().build(query);
            return M::find_by_statement(stmt).one(&self.conn).await.map_err(internal);
        }
        let rows = self.simple_query(scope, &query.to_string(PostgresQueryBuilder)).await?;
        rows.first().map(|r| M::from_query_result(r, "")).transpose().map_err(internal)
    }

    /// Statements under `scope`, in one round trip on PostgreSQL (as [`Db::read_one`]); the rows of
    /// all of them, in order.
    /// Elsewhere they run in one transaction.
    pub async fn read_batch(&self, scope: &Scope, statements: &[Statement]) -> Result<Vec<QueryResult>, Error> {
        if !self.is_postgres() {
            let tx = self.conn.begin().await.map_err(internal)?;
            let mut rows = Vec::new();
            for s in statements {
                rows.extend(tx.query_all_raw(s.clone()).await.map_err(internal)?);
            }
            commit(tx).await?;
            return Ok(rows);
        }
        let sql = statements.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("; ");
        self.simple_query(scope, &sql).await
    }

    /// `sql` as one simple query on PostgreSQL, after `SET LOCAL` of the scope: one round trip, one
    /// implicit transaction.
    async fn simple_query(&self, scope: &Scope, sql: &str) -> Result<Vec<QueryResult>, Error> {
        let value = scope_value(scope).replace('\'', "''");
        let mut text = format!("SET LOCAL {SCOPE_SETTING} = '{value}'; ");
        text.push_str(sql);
        let pool = self.conn.get_postgres_connection_pool();
        let rows = sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(text))
            .fetch_all(pool)
            .await
            .map_err(Error::internal)?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    /// A transaction for lists, whose statements are written for ordered index ranges and run as
    /// prepared statements on their generic plans: planning a list's page and count cost more than
    /// running them (about 1 ms against 0.9 ms for a town), and each connection keeps its plans. On
    /// PostgreSQL the planner is also kept off sequential and bitmap scans, since it cannot see the
    /// row-level policy's bounds (read once per statement) and takes them for selective, and off
    /// parallel workers and JIT compilation, whose start costs more than a page of 21 rows (the costs
    /// that disabled scans add pass `jit_above_cost`). The statements carry their level prefix as a
    /// parameter, and only one index serves each part in order (`tests/it/plans.rs` reads the
    /// generic plans). A list filtered by a range of dates takes [`Plans::Custom`].
    pub async fn begin_listing(&self, scope: &Scope, plans: Plans) -> Result<DatabaseTransaction, Error> {
        let tx = self.conn.begin().await.map_err(internal)?;
        if tx.get_database_backend() == DbBackend::Postgres {
            tx.execute_raw(listing_settings(scope, plans)).await.map_err(internal)?;
        }
        Ok(tx)
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }
}

/// Limits the rest of `tx` to `scope` (on PostgreSQL; elsewhere storage filters alone keep to it).
pub async fn set_scope(tx: &DatabaseTransaction, scope: &Scope) -> Result<(), Error> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT set_config('{SCOPE_SETTING}', $1, true)"),
        [scope_value(scope).into()],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

/// Which plans a listing's prepared statements run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plans {
    /// Planned once per connection: the level prefix and the page are parameters.
    Generic,
    /// Planned for the values at hand: how narrow a range of dates is decides the index (a month two
    /// years back is read by date, not by walking the newer cases first).
    Custom,
}

/// The settings of a listing transaction on PostgreSQL (see [`Db::begin_listing`]); public so that a
/// test can read the plans the lists get.
pub fn listing_settings(scope: &Scope, plans: Plans) -> Statement {
    let mode = match plans {
        Plans::Generic => "force_generic_plan",
        Plans::Custom => "force_custom_plan",
    };
    let settings: String =
        LISTING_SETTINGS.iter().map(|(name, value)| format!(", set_config('{name}', '{value}', true)")).collect();
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT set_config('{SCOPE_SETTING}', $1, true){settings}, set_config('plan_cache_mode', '{mode}', true)"
        ),
        [scope_value(scope).into()],
    )
}

/// The planner settings of a listing (see [`Db::begin_listing`]), beside `plan_cache_mode`.
const LISTING_SETTINGS: [(&str, &str); 4] =
    [("enable_seqscan", "off"), ("enable_bitmapscan", "off"), ("max_parallel_workers_per_gather", "0"), ("jit", "off")];

/// The scope as row-level security reads it: a region-code prefix, `*` for all.
fn scope_value(scope: &Scope) -> String {
    match scope {
        Scope::All => "*".to_owned(),
        Scope::Subtree(p) => p.clone(),
    }
}

/// A statement written with `?` placeholders, numbered for PostgreSQL.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres { numbered_from(sql, 1) } else { sql.to_owned() };
    Statement::from_sql_and_values(backend, sql, values)
}

/// PostgreSQL: `sql` with its `?` placeholders numbered `$first`, `$first + 1`, …
pub fn numbered_from(sql: &str, first: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = first;
    for ch in sql.chars() {
        if ch == '?' {
            out.push('$');
            out.push_str(&n.to_string());
            n += 1;
        } else {
            out.push(ch);
        }
    }
    out
}

pub fn internal(e: DbErr) -> Error {
    Error::internal(e)
}

/// Maps a unique violation to CONFLICT with `msg`, anything else to INTERNAL.
pub fn conflict_or_internal(e: DbErr, msg: &str) -> Error {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Error::conflict(msg),
        _ => Error::internal(e),
    }
}

pub async fn commit(tx: DatabaseTransaction) -> Result<(), Error> {
    tx.commit().await.map_err(internal)
}

const LANE_HEAD: &str = "INSERT INTO audit_lanes (tenant_code, lane, seq, hash) VALUES (?, ?, 1, ?)
     ON CONFLICT (tenant_code, lane) DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq, hash";

/// The head of a record's lane, taken for it: its place in the chain and the hash before it. The
/// head row stays locked until commit.
pub struct LaneHead {
    seq: i64,
    prev: String,
}

impl LaneHead {
    fn values(rec: &AuditRecord) -> Vec<Value> {
        vec![rec.tenant.as_str().to_owned().into(), rec.lane().into(), GENESIS.into()]
    }

    /// PostgreSQL: `head AS (…)`, taking the head for `rec` in the statement of another write, with
    /// `?` placeholders and their values. It runs once the CTE `after` has a row and not otherwise, so
    /// the write's row locks come before the head's, in the order of [`append_audit`].
    pub fn cte(rec: &AuditRecord, after: &str) -> (String, Vec<Value>) {
        let sql = format!(
            "head AS (INSERT INTO audit_lanes (tenant_code, lane, seq, hash) SELECT ?, ?, 1, ? \
             WHERE EXISTS (SELECT 1 FROM {after}) ON CONFLICT (tenant_code, lane) \
             DO UPDATE SET seq = audit_lanes.seq + 1 RETURNING seq, hash)"
        );
        (sql, Self::values(rec))
    }

    /// From a row with the `seq` and `hash` the head's upsert returned.
    pub fn from_row(row: &QueryResult) -> Result<Self, Error> {
        Ok(Self { seq: row.try_get("", "seq").map_err(internal)?, prev: row.try_get("", "hash").map_err(internal)? })
    }
}

/// Appends `rec` to its tenant's chain inside `tx`. The head row serialises appenders until commit,
/// so it comes late in a transaction (only document numbering, a busier row, follows it) and takes two
/// round trips on PostgreSQL.
pub async fn append_audit(tx: &DatabaseTransaction, rec: &AuditRecord) -> Result<(), Error> {
    // The lane's head row is locked from here to commit.
    let head = tx
        .query_one_raw(stmt(tx.get_database_backend(), LANE_HEAD, LaneHead::values(rec)))
        .await
        .map_err(internal)?
        .ok_or_else(|| Error::internal("audit head missing"))?;
    write_audit_entry(tx, AuditEntry::new(rec, LaneHead::from_row(&head)?)).await
}

/// Writes `entry` and its lane's new head hash in `tx`.
pub async fn write_audit_entry(tx: &DatabaseTransaction, entry: AuditEntry) -> Result<(), Error> {
    let b = tx.get_database_backend();
    if b == DbBackend::Postgres {
        // One round trip: the entry and the new head hash together.
        let (ctes, values) = entry.ctes();
        tx.execute_raw(stmt(b, &format!("WITH {ctes} SELECT 1"), values)).await.map_err(internal)?;
    } else {
        tx.execute_raw(stmt(b, ENTRY, entry.entry)).await.map_err(internal)?;
        tx.execute_raw(stmt(b, TIP, entry.tip)).await.map_err(internal)?;
    }
    Ok(())
}

const ENTRY: &str = "INSERT INTO audit_log (tenant_code, lane, seq, at, actor, actor_tenant, action, target, before_json, after_json, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const TIP: &str = "UPDATE audit_lanes SET hash = ? WHERE tenant_code = ? AND lane = ?";

/// A record placed in its chain at a head taken for it: the entry and the lane's new head hash.
pub struct AuditEntry {
    entry: Vec<Value>,
    tip: Vec<Value>,
}

impl AuditEntry {
    pub fn new(rec: &AuditRecord, head: LaneHead) -> Self {
        let tenant = rec.tenant.as_str().to_owned();
        let lane = rec.lane();
        let LaneHead { seq, prev } = head;
        let hash = rec.chain_hash(seq, &prev);
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        let entry = vec![
            tenant.clone().into(),
            lane.into(),
            seq.into(),
            rec.at.into(),
            rec.actor.clone().into(),
            rec.actor_tenant.as_str().to_owned().into(),
            rec.action.clone().into(),
            rec.target.clone().into(),
            json(&rec.before).into(),
            json(&rec.after).into(),
            prev.into(),
            hash.clone().into(),
        ];
        Self { entry, tip: vec![hash.into(), tenant.into(), lane.into()] }
    }

    /// PostgreSQL: the CTEs `entry` and `tip` that write both, with `?` placeholders and their values,
    /// for a statement that may carry another write.
    pub fn ctes(self) -> (String, Vec<Value>) {
        let mut values = self.entry;
        values.extend(self.tip);
        (format!("entry AS ({ENTRY}), tip AS ({TIP})"), values)
    }
}
