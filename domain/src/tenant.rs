//! Tenants are administrative areas; a tenant sees itself and its descendants.

use std::collections::HashMap;

use serde::Serialize;

use crate::region::{AdminLevel, RegionCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub code: RegionCode,
    pub name: String,
    pub level: AdminLevel,
    pub parent: Option<RegionCode>,
    /// A root tenant owns a base catalogue and a calendar for its subtree.
    pub root: bool,
}

impl Tenant {
    /// 永寿县政务服务中心, 监军街道便民服务中心, …
    pub fn center_name(&self) -> String {
        format!("{}{}", self.name, self.level.center_suffix())
    }

    /// The subtree this tenant heads.
    pub fn subtree(&self) -> Scope {
        Scope::Subtree(self.code.prefix(self.level).to_owned())
    }

    /// True when `code` is this tenant or one of its descendants.
    pub fn contains(&self, code: &RegionCode) -> bool {
        code.as_str().starts_with(self.code.prefix(self.level))
    }
}

/// Which tenants' data a unit of work may touch. Codes nest by prefix, so a scope is a prefix
/// of region codes; storage filters on it and PostgreSQL's row-level security checks it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every tenant: platform administrators, and system work that names its reason.
    All,
    /// A tenant and its descendants, as the prefix their codes share.
    Subtree(String),
}

impl Scope {
    /// One tenant only (12 digits match exactly one code).
    pub fn only(code: &RegionCode) -> Scope {
        Scope::Subtree(code.as_str().to_owned())
    }

    pub fn prefix(&self) -> &str {
        match self {
            Scope::All => "",
            Scope::Subtree(p) => p,
        }
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        code.as_str().starts_with(self.prefix())
    }

    /// The codes in the scope as a half-open range `[start, end)` for storage filters (an index
    /// range instead of `LIKE`); None for every tenant.
    pub fn code_range(&self) -> Option<(&str, String)> {
        let p = self.prefix();
        (!p.is_empty()).then(|| (p, prefix_end(p)))
    }

    /// Who may see a case: a case is in reach when its handling tenant or its collecting tenant is in
    /// the scope (a collecting tenant follows the cases it forwarded). Storage filters on
    /// [`Scope::code_range`] over the same two tenants.
    pub fn reaches_case(&self, handling: &RegionCode, collecting: &RegionCode) -> bool {
        self.contains(handling) || self.contains(collecting)
    }
}

/// The end of the codes under a region-code prefix: `[prefix, end)` holds exactly them (`610426` →
/// `610427`, `610429` → `61043`; only nines → past every 12-digit code). A range, unlike LIKE, is
/// leakproof, so an index serves it under row-level security.
pub fn prefix_end(prefix: &str) -> String {
    let kept = prefix.trim_end_matches('9');
    match kept.chars().last() {
        Some(last) => {
            let next = char::from_u32(u32::from(last) + 1).unwrap_or(last);
            format!("{}{next}", &kept[..kept.len() - last.len_utf8()])
        }
        None => "9".repeat(13),
    }
}

/// One row of a region file: `code,name,level,parent_code`.
#[derive(Debug, Clone)]
pub struct RegionRow {
    /// 1-based line number in the file, for messages.
    pub line: usize,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: String,
}

/// A region file that failed validation: every problem with its line, nothing imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

/// What a valid region file imports.
#[derive(Debug, Default)]
pub struct RegionImport {
    /// Tenants in parent-before-child order.
    pub tenants: Vec<Tenant>,
    /// Rows that repeat an earlier code with the code itself as parent (placeholders of the
    /// statistical data for cities without counties, e.g. 东莞市); merged into the first row.
    pub merged: usize,
}

const MAX_PROBLEMS: usize = 20;

/// The longest name of an administrative area.
pub const MAX_TENANT_NAME_CHARS: usize = 100;

/// Validates a whole region file. `existing` answers for parents imported earlier.
/// Tenants without a parent (in the file or already stored) become roots.
pub fn validate_region_rows(
    rows: Vec<RegionRow>,
    existing: &dyn Fn(&RegionCode) -> Option<AdminLevel>,
) -> Result<RegionImport, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut out = RegionImport::default();
    let mut seen: HashMap<RegionCode, (AdminLevel, usize)> = HashMap::with_capacity(rows.len());
    let mut parsed = Vec::with_capacity(rows.len());

    for row in rows {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let mut fail = |m: String| problems.push(ImportProblem { line: row.line, message: m });
        let code = match RegionCode::parse(&row.code) {
            Ok(c) => c,
            Err(e) => {
                fail(e.to_string());
                continue;
            }
        };
        let level = match row.level.parse::<AdminLevel>() {
            Ok(l) => l,
            Err(e) => {
                fail(e.to_string());
                continue;
            }
        };
        let name = match crate::text::line("区划名称", &row.name, MAX_TENANT_NAME_CHARS) {
            Ok(n) => n,
            Err(e) => {
                fail(format!("区划“{code}”：{e}"));
                continue;
            }
        };
        let parent = if row.parent_code.trim().is_empty() {
            None
        } else {
            match RegionCode::parse(&row.parent_code) {
                Ok(p) => Some(p),
                Err(e) => {
                    fail(format!("上级{e}"));
                    continue;
                }
            }
        };
        if let Some((_, first_line)) = seen.get(&code) {
            if parent == Some(code) {
                out.merged += 1;
            } else {
                fail(format!("区划代码 {code} 重复（第{first_line}行已出现）"));
            }
            continue;
        }
        if !code.fits_level(level) {
            fail(format!("区划代码 {code} 与层级 {level} 不符：第{}位之后应全为0", level.significant_digits()));
            continue;
        }
        seen.insert(code, (level, row.line));
        parsed.push((row.line, code, name, level, parent));
    }

    for (line, code, name, level, parent) in parsed {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let mut fail = |m: String| problems.push(ImportProblem { line, message: m });
        let level_of = |c: &RegionCode| seen.get(c).map(|(l, _)| *l).or_else(|| existing(c));
        if let Some(p) = parent {
            let Some(parent_level) = level_of(&p) else {
                fail(format!("区划 {code} 的上级 {p} 不存在（须在文件中或已导入）"));
                continue;
            };
            if parent_level >= level {
                fail(format!("区划 {code}（{level}）的上级 {p} 层级为 {parent_level}，上级层级必须更高"));
                continue;
            }
            if !code.as_str().starts_with(p.prefix(parent_level)) {
                fail(format!("区划 {code} 不以上级 {p} 的代码前缀 {} 开头", p.prefix(parent_level)));
                continue;
            }
            // The parent must be the nearest existing ancestor, so that prefixes mean subtrees.
            let skipped = AdminLevel::ALL
                .iter()
                .filter(|l| **l > parent_level && **l < level)
                .map(|l| code.truncate(*l))
                .find(|c| *c != p && level_of(c).is_some());
            if let Some(nearer) = skipped {
                fail(format!("区划 {code} 的上级应为 {nearer}，而不是 {p}"));
                continue;
            }
        }
        out.tenants.push(Tenant { code, name, level, parent, root: parent.is_none() });
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    // Parents first: a shallower level always sorts before its descendants.
    out.tenants.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: usize, code: &str, name: &str, level: &str, parent: &str) -> RegionRow {
        RegionRow { line, code: code.into(), name: name.into(), level: level.into(), parent_code: parent.into() }
    }

    fn none(_: &RegionCode) -> Option<AdminLevel> {
        None
    }

    #[test]
    fn a_case_is_in_reach_through_its_handling_or_collecting_tenant() {
        let code = |c: &str| RegionCode::parse(c).expect("valid");
        let (county, town, other) = (code("610426000000"), code("610426001000"), code("610425000000"));
        let county_scope = Scope::Subtree("610426".into());
        let town_scope = Scope::only(&town);
        // Collected at the town, handled by the county after forwarding: both see it.
        assert!(county_scope.reaches_case(&county, &town));
        assert!(town_scope.reaches_case(&county, &town));
        assert!(!Scope::only(&other).reaches_case(&county, &town));
        assert!(Scope::All.reaches_case(&other, &other));
        assert_eq!(county_scope.code_range(), Some(("610426", "610427".to_owned())));
        assert_eq!(Scope::All.code_range(), None);
        assert_eq!(prefix_end("610429"), "61043");
        assert_eq!(prefix_end("6199"), "62");
        assert_eq!(prefix_end("99"), "9".repeat(13));
        // The range holds exactly the codes the prefix does.
        let (start, end) = county_scope.code_range().expect("a subtree");
        for c in [&county, &town, &other] {
            assert_eq!(c.as_str() >= start && c.as_str() < end.as_str(), county_scope.contains(c));
        }
    }

    #[test]
    fn valid_tree_is_ordered_parents_first() {
        let rows = vec![
            row(2, "610426001000", "监军街道", "town", "610426000000"),
            row(3, "610426000000", "永寿县", "county", "610400000000"),
            row(4, "610400000000", "咸阳市", "city", ""),
        ];
        let imp = validate_region_rows(rows, &none).expect("valid");
        let codes: Vec<_> = imp.tenants.iter().map(|t| t.code.to_string()).collect();
        assert_eq!(codes, ["610400000000", "610426000000", "610426001000"]);
        assert!(imp.tenants[0].root);
        assert!(!imp.tenants[1].root);
        assert_eq!(imp.tenants[2].center_name(), "监军街道便民服务中心");
    }

    #[test]
    fn problems_carry_line_numbers() {
        let rows = vec![
            row(2, "610400000000", "咸阳市", "city", ""),
            row(3, "61042600000", "永寿县", "county", "610400000000"),
            row(4, "610426001000", "监军街道", "hamlet", "610426000000"),
            row(5, "610402000000", "秦都区", "county", "610499000000"),
            row(6, "610403000000", "杨陵区", "county", "620400000000"),
            row(7, "610400000000", "咸阳市", "city", ""),
        ];
        let problems = validate_region_rows(rows, &none).expect_err("invalid");
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 7, 5, 6]);
        assert!(problems[0].message.contains("12位数字"));
        assert!(problems[3].message.contains("不存在"));
    }

    #[test]
    fn self_parented_duplicates_merge() {
        let rows = vec![
            row(2, "441900000000", "东莞市", "city", ""),
            row(3, "441900000000", "东莞市", "county", "441900000000"),
            row(4, "441900003000", "东城街道", "town", "441900000000"),
        ];
        let imp = validate_region_rows(rows, &none).expect("valid");
        assert_eq!(imp.merged, 1);
        assert_eq!(imp.tenants.len(), 2);
    }

    #[test]
    fn parent_must_be_nearest_ancestor() {
        let rows = vec![
            row(2, "610400000000", "咸阳市", "city", ""),
            row(3, "610426000000", "永寿县", "county", "610400000000"),
            row(4, "610426001000", "监军街道", "town", "610400000000"),
        ];
        let problems = validate_region_rows(rows, &none).expect_err("skips county");
        assert_eq!(problems[0].line, 4);
        assert!(problems[0].message.contains("应为 610426000000"));
    }

    #[test]
    fn parents_may_come_from_storage() {
        let stored = |c: &RegionCode| (c.as_str() == "610426000000").then_some(AdminLevel::County);
        let rows = vec![row(2, "610426001000", "监军街道", "town", "610426000000")];
        let imp = validate_region_rows(rows, &stored).expect("valid");
        assert!(!imp.tenants[0].root);
    }

    #[test]
    fn scopes_are_prefixes() {
        let county = Tenant {
            code: RegionCode::parse("610426000000").expect("valid"),
            name: "永寿县".into(),
            level: AdminLevel::County,
            parent: None,
            root: false,
        };
        let town = RegionCode::parse("610426001000").expect("valid");
        let other = RegionCode::parse("610402001000").expect("valid");
        assert!(county.contains(&town));
        assert!(!county.contains(&other));
        assert!(county.subtree().contains(&town));
        assert!(!Scope::only(&town).contains(&county.code));
        assert!(Scope::All.contains(&other));
    }
}
