//! Repositories: `Db` implements the domain's ports, one module per resource.

mod appointment;
mod attendance;
mod audit;
mod calendar;
mod case;
mod case_deadline;
mod catalogue;
mod hall;
mod session;
mod tenant;
mod user;

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

/// The end of the codes under a region-code prefix: `[prefix, end)` holds exactly them. A range,
/// unlike LIKE, is leakproof, so an index serves it under row-level security.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let kept = prefix.trim_end_matches('9');
    match kept.chars().last() {
        Some(last) => {
            let next = char::from_u32(u32::from(last) + 1).unwrap_or(last);
            format!("{}{next}", &kept[..kept.len() - last.len_utf8()])
        }
        // Only nines: past every 12-digit code.
        None => "9".repeat(13),
    }
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

    #[test]
    fn prefix_ranges_end_after_their_codes() {
        assert_eq!(super::prefix_end("610426"), "610427");
        assert_eq!(super::prefix_end("610429"), "61043");
        assert_eq!(super::prefix_end("6199"), "62");
        assert_eq!(super::prefix_end("99"), "9999999999999");
        for code in ["610426000000", "610426999999", "610426001000"] {
            assert!(code >= "610426" && code < super::prefix_end("610426").as_str());
        }
        assert!("610427000000" >= super::prefix_end("610426").as_str());
    }
}
