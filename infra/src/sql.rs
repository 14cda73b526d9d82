//! One builder for both backends: SQL with its parameters numbered as the backend wants (`$1`, `$2`
//! … on PostgreSQL, `?` on SQLite), from sea-query statements and, where sea-query cannot express a
//! statement (CTEs that write and return, upserts that take a row's next number), from fragments
//! written once with `?` placeholders. Parameters are numbered in the order they are written, so no
//! caller places a bind position by hand.

use std::fmt::Write;

use sea_orm::sea_query::{PostgresQueryBuilder, QueryStatementBuilder, SqlWriter, SqlWriterValues, SqliteQueryBuilder};
use sea_orm::{DbBackend, Statement, Value};

pub struct Sql {
    backend: DbBackend,
    out: SqlWriterValues,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        let out = match backend {
            DbBackend::Postgres => SqlWriterValues::new("$", true),
            _ => SqlWriterValues::new("?", false),
        };
        Sql { backend, out }
    }

    /// `sql` as written, its `?` placeholders taking `values` in order.
    pub fn push(&mut self, sql: &str, values: impl IntoIterator<Item = Value>) -> &mut Self {
        let mut values = values.into_iter();
        for (i, part) in sql.split('?').enumerate() {
            if i > 0 {
                let value = values.next();
                debug_assert!(value.is_some(), "fewer values than placeholders in {sql}");
                self.param(value.unwrap_or(Value::String(None)));
            }
            let _ = self.out.write_str(part);
        }
        debug_assert!(values.next().is_none(), "more values than placeholders in {sql}");
        self
    }

    /// Text without parameters.
    pub fn text(&mut self, sql: &str) -> &mut Self {
        self.push(sql, [])
    }

    /// A statement built by sea-query, rendered for the backend in place.
    pub fn query(&mut self, q: &impl QueryStatementBuilder) -> &mut Self {
        match self.backend {
            DbBackend::Postgres => q.build_collect_any_into(&PostgresQueryBuilder, &mut self.out),
            _ => q.build_collect_any_into(&SqliteQueryBuilder, &mut self.out),
        }
        self
    }

    fn param(&mut self, v: Value) {
        match self.backend {
            DbBackend::Postgres => self.out.push_param(v, &PostgresQueryBuilder),
            _ => self.out.push_param(v, &SqliteQueryBuilder),
        }
    }

    /// One sea-query statement alone.
    pub fn of(backend: DbBackend, q: &impl QueryStatementBuilder) -> Statement {
        let mut sql = Sql::new(backend);
        sql.query(q);
        sql.build()
    }

    pub fn build(self) -> Statement {
        let (sql, values) = self.out.into_parts();
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

    use super::*;

    fn both(f: impl Fn(&mut Sql)) -> [(String, usize); 2] {
        [DbBackend::Postgres, DbBackend::Sqlite].map(|b| {
            let mut s = Sql::new(b);
            f(&mut s);
            let st = s.build();
            (st.sql, st.values.map(|v| v.0.len()).unwrap_or_default())
        })
    }

    #[test]
    fn parameters_are_numbered_in_the_order_written() {
        let q = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("a")).eq(2))
            .to_owned();
        let [pg, lite] = both(|s| {
            s.push("WITH x AS (SELECT ?, ?) ", [1.into(), 2.into()]).query(&q).push(" AND b = ?", [3.into()]);
        });
        assert_eq!(pg.0, r#"WITH x AS (SELECT $1, $2) SELECT $3 FROM "t" WHERE "a" = $4 AND b = $5"#);
        assert_eq!(lite.0, r#"WITH x AS (SELECT ?, ?) SELECT ? FROM "t" WHERE "a" = ? AND b = ?"#);
        assert_eq!((pg.1, lite.1), (5, 5));
    }
}
