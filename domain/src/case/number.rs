//! Case numbers (办件编号), query codes (查询码) and masked applicant data.

use chrono::NaiveDate;

use crate::error::Error;
use crate::region::RegionCode;

/// Crockford's base32 alphabet: no I, L, O, U, so numbers read aloud cleanly.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn base32(bytes: &[u8; 5]) -> String {
    let mut n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut out = [0u8; 8];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    out.iter().map(|b| *b as char).collect()
}

/// The longest text taken for a case number (they have 26 characters).
pub const MAX_CASE_NO_CHARS: usize = 40;

/// `TB` + handling county's 6 digits + acceptance date + 8 random base32 characters, e.g.
/// `TB610426-20261128-7K3QX9MZ` (26 characters). 40 random bits: quotable in public, unique per
/// deployment (the store's unique index catches the rare collision), not guessable in sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseNo(String);

impl CaseNo {
    pub fn generate(handling: &RegionCode, date: NaiveDate, random: [u8; 5]) -> CaseNo {
        CaseNo(format!("TB{}-{}-{}", &handling.as_str()[..6], date.format("%Y%m%d"), base32(&random)))
    }

    pub fn parse(s: &str) -> Result<CaseNo, Error> {
        crate::text::check("办件编号", s.trim(), crate::text::TextKind::Line, MAX_CASE_NO_CHARS)?;
        let s = s.trim().to_ascii_uppercase();
        let bad = || Error::invalid(format!("办件编号“{s}”格式不正确，应形如 TB610426-20261128-7K3QX9MZ"));
        let rest = s.strip_prefix("TB").ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split('-').collect();
        let ok = parts.len() == 3
            && parts[0].len() == 6
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && NaiveDate::parse_from_str(parts[1], "%Y%m%d").is_ok()
            && parts[2].len() == 8
            && parts[2].bytes().all(|b| ALPHABET.contains(&b));
        if ok { Ok(CaseNo(s)) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The applicant's secret for tracking a case without logging in; stored only as a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCode(String);

impl QueryCode {
    pub fn generate(random: [u8; 5]) -> QueryCode {
        QueryCode(base32(&random))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_are_well_formed_and_parse_back() {
        let code = RegionCode::parse("610426001000").expect("code");
        let date = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let no = CaseNo::generate(&code, date, [0x3a, 0x9f, 0x00, 0xff, 0x12]);
        assert!(no.as_str().starts_with("TB610426-20261128-"), "{}", no.as_str());
        assert!(no.as_str().len() <= 50);
        assert_eq!(CaseNo::parse(&no.as_str().to_lowercase()).expect("parses"), no);
        for bad in ["", "TB610426-20261328-7K3QX9MZ", "XX610426-20261128-7K3QX9MZ", "TB610426-20261128-7K3QX9MI"] {
            assert_eq!(CaseNo::parse(bad).map_err(|e| e.code()), Err("INVALID_INPUT"), "{bad}");
        }
        assert_ne!(CaseNo::generate(&code, date, [1, 2, 3, 4, 5]), CaseNo::generate(&code, date, [1, 2, 3, 4, 6]));
    }

    #[test]
    fn query_codes_use_the_readable_alphabet() {
        let q = QueryCode::generate([255; 5]);
        assert_eq!(q.as_str(), "ZZZZZZZZ");
        assert_eq!(QueryCode::generate([0; 5]).as_str(), "00000000");
    }
}
