//! Repositories: `Db` implements the domain's ports, one module per resource.

mod appointment;
mod attendance;
mod audit;
mod calendar;
mod case;
pub mod case_stats;
mod catalogue;
mod hall;
mod session;
mod supervision;
mod tenant;
mod transfer;
mod user;

pub use case::{list_plans as case_list_plans, list_statements as case_list_statements};
pub(crate) use transfer::save_transfer;

use domain::Error;
use domain::region::RegionCode;
use uuid::Uuid;

/// `%text%` for `LIKE … ESCAPE '\'`: the text's `\`, `%` and `_` match only themselves.
pub(crate) fn like_contains(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// `col` contains `text` literally (LIKE with its wildcards escaped).
pub(crate) fn contains(col: impl sea_orm::ColumnTrait, text: &str) -> sea_orm::sea_query::Expr {
    col.like(sea_orm::sea_query::LikeExpr::new(like_contains(text)).escape('\\'))
}

pub(crate) fn parse_code(s: &str) -> Result<RegionCode, Error> {
    RegionCode::parse(s).map_err(|_| Error::internal(format!("stored region code {s} is invalid")))
}

pub(crate) fn parse_id(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s).map_err(|_| Error::internal(format!("stored id {s} is invalid")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::like_contains("张"), "%张%");
        assert_eq!(super::like_contains("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
    }
}
