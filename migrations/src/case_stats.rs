//! The statistics summary (`case_stats`, m0019): what every case and rating adds to the figures of
//! `stats`, per handling tenant, collecting tenant, item, staff and day. One definition here serves
//! the backfill, the writes (a case's or rating's share taken out before it changes and put back
//! after, in the same transaction) and the check against the records.
//!
//! A case adds: `received` (with `cross_in`, `rejected`) on the day it was received, `accepted` on the
//! day it was accepted, `concluded` (with `on_time` or `late`, and `spans` from its acceptance day in
//! `since`) on the day it concluded, `open_due` on its deadline while it runs, and `out_n` on the day
//! a tenant took it in for another (keyed by who took it in). Staff is who accepted it ('' before).
//! A rating not overturned adds `ratings` (and `bad`) on its day.

use sea_orm_migration::sea_orm::DbBackend;

/// The key of a row: the primary key's columns.
pub const KEYS: &[&str] = &["tenant_code", "day", "impl_item_id", "staff", "since", "collecting_code"];
/// The counted columns.
pub const VALUES: &[&str] = &[
    "received",
    "cross_in",
    "rejected",
    "accepted",
    "concluded",
    "on_time",
    "late",
    "open_due",
    "spans",
    "ratings",
    "bad",
    "out_n",
];

/// The day (Asia/Shanghai) of a stored instant.
pub fn local_date(b: DbBackend, col: &str) -> String {
    if b == DbBackend::Postgres {
        format!("(({col}) AT TIME ZONE 'Asia/Shanghai')::date")
    } else {
        format!("date({col}, '+8 hours')")
    }
}

/// Who took a step of case `case_id` (the first event with `action`), '' for nobody.
fn actor_of(case_id: &str, action: &str) -> String {
    format!(
        "COALESCE((SELECT e.actor FROM case_events e WHERE e.case_id = {case_id} AND e.action = '{action}' \
         ORDER BY e.id LIMIT 1), '')"
    )
}

/// One part's select: the key expressions, then `set` values by name (others 0).
fn part(keys: [&str; 6], set: &[(&str, &str)], from: &str) -> String {
    let vals: Vec<String> = VALUES
        .iter()
        .map(|v| {
            let e = set.iter().find(|(n, _)| n == v).map(|(_, e)| *e).unwrap_or("0");
            format!("{e} AS {v}")
        })
        .collect();
    let [t, day, item, staff, since, coll] = keys;
    format!(
        "SELECT {t} AS tenant_code, {day} AS day, {item} AS impl_item_id, {staff} AS staff, {since} AS since, \
         {coll} AS collecting_code, {} FROM {from}",
        vals.join(", ")
    )
}

/// The contributions of the cases matching `filter` (on `cases c`) and the ratings matching
/// `rating_filter` (on `ratings g`), one row per part, ungrouped, as a `WITH k AS (...)` prefix and
/// a select. `None` leaves a kind out.
pub fn contributions(b: DbBackend, filter: Option<&str>, rating_filter: Option<&str>) -> (String, String) {
    let mut parts = Vec::new();
    let mut with = String::new();
    if let Some(filter) = filter {
        with = format!(
            "WITH k AS (SELECT c.tenant_code, c.collecting_code, c.impl_item_id, c.status, c.deadline,
                {acc} AS acc, {rcv} AS rcv, {rd} AS rd,
                CASE WHEN c.accepted_at IS NOT NULL THEN {ad} END AS ad,
                CASE WHEN c.concluded_at IS NOT NULL THEN {cd} END AS cd
              FROM cases c WHERE {filter}) ",
            acc = actor_of("c.id", "受理"),
            rcv = actor_of("c.id", "收件"),
            rd = local_date(b, "c.received_at"),
            ad = local_date(b, "c.accepted_at"),
            cd = local_date(b, "c.concluded_at"),
        );
        let k = |day: &'static str, since: &'static str| {
            ["k.tenant_code", day, "k.impl_item_id", "k.acc", since, "k.collecting_code"]
        };
        parts.push(part(
            k("k.rd", "k.rd"),
            &[
                ("received", "1"),
                ("cross_in", "CASE WHEN k.collecting_code <> k.tenant_code THEN 1 ELSE 0 END"),
                ("rejected", "CASE WHEN k.status = 'NOT_ACCEPTED' THEN 1 ELSE 0 END"),
            ],
            "k",
        ));
        parts.push(part(k("k.ad", "k.ad"), &[("accepted", "1")], "k WHERE k.ad IS NOT NULL"));
        parts.push(part(
            k("k.cd", "COALESCE(k.ad, k.cd)"),
            &[
                ("concluded", "1"),
                ("on_time", "CASE WHEN k.deadline IS NOT NULL AND k.cd <= k.deadline THEN 1 ELSE 0 END"),
                ("late", "CASE WHEN k.deadline IS NOT NULL AND k.cd > k.deadline THEN 1 ELSE 0 END"),
                ("spans", "CASE WHEN k.ad IS NOT NULL THEN 1 ELSE 0 END"),
            ],
            "k WHERE k.cd IS NOT NULL",
        ));
        parts.push(part(
            k("k.deadline", "k.deadline"),
            &[("open_due", "1")],
            "k WHERE k.cd IS NULL AND k.status IN ('ACCEPTED', 'SUSPENDED') AND k.deadline IS NOT NULL",
        ));
        parts.push(part(
            ["k.tenant_code", "k.rd", "k.impl_item_id", "k.rcv", "k.rd", "k.collecting_code"],
            &[("out_n", "1")],
            "k WHERE k.collecting_code <> k.tenant_code",
        ));
    }
    if let Some(filter) = rating_filter {
        let day = local_date(b, "g.at");
        let staff = actor_of("g.case_id", "受理");
        parts.push(part(
            ["g.tenant_code", &day, "g.impl_item_id", &staff, &day, "COALESCE(gc.collecting_code, g.tenant_code)"],
            &[("ratings", "1"), ("bad", "CASE WHEN g.level >= 4 THEN 1 ELSE 0 END")],
            &format!(
                "ratings g LEFT JOIN cases gc ON gc.id = g.case_id LEFT JOIN rectifications x ON x.rating_id = g.id
                 WHERE ({filter}) AND (x.status IS NULL OR x.status <> 'OVERTURNED')"
            ),
        ));
    }
    (with, parts.join(" UNION ALL "))
}

/// The contributions grouped by key: the share of the matching cases and ratings.
pub fn share(b: DbBackend, filter: Option<&str>, rating_filter: Option<&str>) -> String {
    let (with, parts) = contributions(b, filter, rating_filter);
    let keys = KEYS.join(", ");
    let sums: Vec<String> = VALUES.iter().map(|v| format!("SUM({v}) AS {v}")).collect();
    format!("{with}SELECT {keys}, {} FROM ({parts}) t GROUP BY {keys} ORDER BY {keys}", sums.join(", "))
}

/// The upsert adding `rows` rows of values (keys, then values, in order) to the summary.
pub fn add_rows(rows: usize) -> String {
    let marks = format!("({})", vec!["?"; KEYS.len() + VALUES.len()].join(", "));
    let set: Vec<String> = VALUES.iter().map(|v| format!("{v} = case_stats.{v} + excluded.{v}")).collect();
    format!(
        "INSERT INTO case_stats ({}, {}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        KEYS.join(", "),
        VALUES.join(", "),
        vec![marks; rows].join(", "),
        KEYS.join(", "),
        set.join(", ")
    )
}

/// Adds `sign` (1 or -1) times the contributions to the summary, grouped by key, as one upsert.
pub fn shift(b: DbBackend, filter: Option<&str>, rating_filter: Option<&str>, sign: i8) -> String {
    let (with, parts) = contributions(b, filter, rating_filter);
    let keys = KEYS.join(", ");
    let sums: Vec<String> = VALUES.iter().map(|v| format!("SUM({v}) * {sign}")).collect();
    let set: Vec<String> = VALUES.iter().map(|v| format!("{v} = case_stats.{v} + excluded.{v}")).collect();
    format!(
        "{with}INSERT INTO case_stats ({keys}, {vals}) SELECT {keys}, {sums} FROM ({parts}) t WHERE 1 = 1 GROUP BY {keys}
         ON CONFLICT ({keys}) DO UPDATE SET {set}",
        vals = VALUES.join(", "),
        sums = sums.join(", "),
        set = set.join(", "),
    )
}

/// The keys where the summary and the records disagree, counted (0 when exact).
pub fn drift(b: DbBackend) -> String {
    let (with, parts) = contributions(b, Some("1 = 1"), Some("1 = 1"));
    let keys = KEYS.join(", ");
    let neg: Vec<String> = VALUES.iter().map(|v| format!("-{v} AS {v}")).collect();
    let differs: Vec<String> = VALUES.iter().map(|v| format!("SUM({v}) <> 0")).collect();
    format!(
        "{with}SELECT COUNT(*) AS n FROM (SELECT {keys} FROM (
           SELECT {keys}, {vals} FROM case_stats UNION ALL SELECT {keys}, {neg} FROM ({parts}) r
         ) t GROUP BY {keys} HAVING {differs}) d",
        vals = VALUES.join(", "),
        neg = neg.join(", "),
        differs = differs.join(" OR "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_set_once_per_part() {
        let (with, parts) = contributions(DbBackend::Sqlite, Some("c.id = ?"), Some("g.id = ?"));
        assert!(with.starts_with("WITH k AS"));
        assert_eq!(parts.matches("UNION ALL").count(), 5);
        assert_eq!(parts.matches(" AS out_n").count(), 6);
        let s = shift(DbBackend::Postgres, Some("c.id = ?"), None, -1);
        assert!(s.contains("SUM(received) * -1") && s.contains("ON CONFLICT (tenant_code, day"));
    }
}
