//! The catalogue file (目录文件): CSV with the sample's header, read into rows for the import.
//! The console and the command line both read it here.

use crate::catalogue::{CATALOGUE_COLUMNS, CatalogueRow};
use crate::error::{Error, Result};

/// Checks a header row (a leading byte-order mark is ignored).
pub fn check_header<'a>(cells: impl Iterator<Item = &'a str>) -> Result<()> {
    let names: Vec<&str> = cells.map(|h| h.trim().trim_start_matches('\u{feff}')).collect();
    if names != CATALOGUE_COLUMNS {
        return Err(Error::invalid(format!(
            "第1行：表头应为 {}，实际为 {}",
            CATALOGUE_COLUMNS.join(","),
            names.join(",")
        )));
    }
    Ok(())
}

/// Parses catalogue CSV text; blank lines are skipped, lines are numbered from the header's 1.
pub fn parse_catalogue_csv(text: &str) -> Result<Vec<CatalogueRow>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|_| Error::invalid("目录文件缺少表头"))?.clone();
    check_header(headers.iter())?;
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| Error::invalid(format!("第{line}行：无法解析（{e}）")))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(CatalogueRow { line, cells: rec.iter().map(str::to_owned).collect() });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_line_numbers() {
        let n = CATALOGUE_COLUMNS.len();
        let (blank, row) = (vec![" "; n].join(","), vec!["x"; n].join(","));
        let text = format!("\u{feff}{}\n{blank}\n{row}\n", CATALOGUE_COLUMNS.join(","));
        let rows = parse_catalogue_csv(&text).expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 3);
    }

    #[test]
    fn a_wrong_header_is_invalid_input() {
        let e = parse_catalogue_csv("a,b\n1,2\n").expect_err("header");
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().starts_with("第1行：表头应为"), "{e}");
    }
}
