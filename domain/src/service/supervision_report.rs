//! The monthly report (月度通报): departments and windows ranked, overdue cases, rejections under
//! review, rectifications and complaints, cross-area in and out — as tables with Chinese headers,
//! for the console and its spreadsheet and CSV downloads.

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};
use crate::identity::Actor;
use crate::page::{MAX_PAGE, PageRequest};
use crate::region::RegionCode;
use crate::supervision::{Complaint, GroupBy, Rectification, StatsRow};
use crate::tenant::Tenant;

use super::SupervisionService;

/// A cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share, shown as a percentage.
    Rate(f64),
    Num(f64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Rate(r) => format!("{:.1}%", r * 100.0),
            Cell::Num(n) => format!("{n:.1}"),
        }
    }
}

/// One table of the report: a sheet of the spreadsheet, a section of the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub tenant: Tenant,
    /// The first day of the month.
    pub month: NaiveDate,
    pub total: StatsRow,
    pub departments: Vec<StatsRow>,
    pub windows: Vec<StatsRow>,
    pub rectifications: Vec<Rectification>,
    pub complaints: Vec<Complaint>,
}

const RANK_HEADERS: [&str; 12] = [
    "排名",
    "名称",
    "收件",
    "受理",
    "办结",
    "按期办结",
    "超期",
    "按期办结率",
    "平均办理工作日",
    "评价数",
    "差评数",
    "满意率",
];

fn ranked(rows: &[StatsRow]) -> Vec<Vec<Cell>> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(r.label.clone()),
                Cell::Int(r.received),
                Cell::Int(r.accepted),
                Cell::Int(r.concluded),
                Cell::Int(r.on_time),
                Cell::Int(r.overdue),
                Cell::Rate(r.on_time_rate),
                Cell::Num(r.avg_working_days),
                Cell::Int(r.ratings),
                Cell::Int(r.bad_ratings),
                Cell::Rate(r.satisfaction),
            ]
        })
        .collect()
}

/// By on-time rate, then satisfaction, then volume.
fn rank(rows: &mut [StatsRow]) {
    rows.sort_by(|a, b| {
        b.on_time_rate
            .total_cmp(&a.on_time_rate)
            .then(b.satisfaction.total_cmp(&a.satisfaction))
            .then(b.concluded.cmp(&a.concluded))
            .then(a.key.cmp(&b.key))
    });
}

/// `YYYY-MM` as the month's first day.
pub fn parse_month(s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    let parsed = if s.len() == 7 { NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok() } else { None };
    parsed
        .filter(|d| (super::MIN_YEAR..=super::MAX_YEAR).contains(&d.year()))
        .ok_or_else(|| Error::invalid(format!("月份“{s}”无效，应为YYYY-MM格式，例如 2026-11")))
}

fn month_end(first: NaiveDate) -> Result<NaiveDate> {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).ok_or_else(|| Error::invalid("月份无效"))
}

impl SupervisionService {
    /// The monthly report of a tenant and its descendants, for those who supervise it.
    pub async fn monthly_report(&self, actor: &Actor, tenant: &RegionCode, month: NaiveDate) -> Result<MonthlyReport> {
        let first = month.with_day(1).ok_or_else(|| Error::invalid("月份无效"))?;
        let last = month_end(first)?;
        let t = self.tenants.tenant(actor, tenant).await?;
        let tenants = self.stats(actor, tenant, first, last, GroupBy::Tenant).await?;
        let mut departments = self.stats(actor, tenant, first, last, GroupBy::Department).await?;
        let mut windows = self.stats(actor, tenant, first, last, GroupBy::Window).await?;
        rank(&mut departments);
        rank(&mut windows);
        let mut total = StatsRow { key: t.code.to_string(), label: t.name.clone(), ..StatsRow::default() };
        for r in &tenants {
            total.received += r.received;
            total.accepted += r.accepted;
            total.concluded += r.concluded;
            total.on_time += r.on_time;
            total.overdue += r.overdue;
            total.ratings += r.ratings;
            total.bad_ratings += r.bad_ratings;
            total.cross_area_in += r.cross_area_in;
            total.cross_area_out += r.cross_area_out;
            total.rejected += r.rejected;
        }
        let days: f64 = tenants.iter().map(|r| r.avg_working_days * r.concluded as f64).sum();
        total.finish(0, 0);
        total.avg_working_days = if total.concluded == 0 { 0.0 } else { days / total.concluded as f64 };
        let in_month = |d: NaiveDate| d >= first && d <= last;
        // Both lists run newest first: read on until past the month's first day.
        let (mut rectifications, mut page) = (Vec::new(), PageRequest { first: MAX_PAGE, after: None });
        loop {
            let s = self.rectifications(actor, tenant, &[], &page).await?;
            let past = s.items.last().is_none_or(|r| crate::china_time::local_day(r.created_at) < first);
            rectifications.extend(s.items.into_iter().filter(|r| in_month(crate::china_time::local_day(r.created_at))));
            match s.next {
                Some(next) if !past => page.after = Some(next.to_string()),
                _ => break,
            }
        }
        let (mut complaints, mut page) = (Vec::new(), PageRequest { first: MAX_PAGE, after: None });
        loop {
            let s = self.complaints(actor, tenant, &[], &page).await?;
            let past = s.items.last().is_none_or(|c| c.filed_on < first);
            complaints.extend(s.items.into_iter().filter(|c| in_month(c.filed_on)));
            match s.next {
                Some(next) if !past => page.after = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(MonthlyReport { tenant: t, month: first, total, departments, windows, rectifications, complaints })
    }

    /// The report's tables, in order.
    pub fn report_tables(&self, r: &MonthlyReport) -> Vec<Table> {
        let today = self.today();
        let t = &r.total;
        let summary = vec![
            vec![Cell::Text("收件".into()), Cell::Int(t.received)],
            vec![Cell::Text("受理".into()), Cell::Int(t.accepted)],
            vec![Cell::Text("办结".into()), Cell::Int(t.concluded)],
            vec![Cell::Text("按期办结率".into()), Cell::Rate(t.on_time_rate)],
            vec![Cell::Text("超期办件".into()), Cell::Int(t.overdue)],
            vec![Cell::Text("平均办理工作日".into()), Cell::Num(t.avg_working_days)],
            vec![Cell::Text("不予受理（待备案审查）".into()), Cell::Int(t.rejected)],
            vec![Cell::Text("评价数".into()), Cell::Int(t.ratings)],
            vec![Cell::Text("差评数".into()), Cell::Int(t.bad_ratings)],
            vec![Cell::Text("满意率".into()), Cell::Rate(t.satisfaction)],
            vec![Cell::Text("差评整改".into()), Cell::Int(r.rectifications.len() as i64)],
            vec![Cell::Text("投诉".into()), Cell::Int(r.complaints.len() as i64)],
            vec![Cell::Text("跨域收件（外地收件本地办理）".into()), Cell::Int(t.cross_area_in)],
            vec![Cell::Text("跨域转出（本地收件外地办理）".into()), Cell::Int(t.cross_area_out)],
        ];
        let rects = r
            .rectifications
            .iter()
            .map(|x| {
                vec![
                    Cell::Text(x.case_no.clone()),
                    Cell::Text(x.department.clone()),
                    Cell::Int(i64::from(x.level)),
                    Cell::Text(x.status.label().into()),
                    Cell::Text(x.deadline.to_string()),
                    Cell::Text(if x.overdue(today) { "是" } else { "否" }.into()),
                    Cell::Text(x.outcome.clone().unwrap_or_default()),
                ]
            })
            .collect();
        let complaints = r
            .complaints
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(c.filed_on.to_string()),
                    Cell::Text(c.case_no.clone().unwrap_or_default()),
                    Cell::Text(c.content.clone()),
                    Cell::Text(c.status.label().into()),
                    Cell::Text(c.deadline.to_string()),
                    Cell::Text(if c.overdue(today) { "是" } else { "否" }.into()),
                    Cell::Text(c.result.clone().unwrap_or_default()),
                ]
            })
            .collect();
        vec![
            Table { title: "总体情况", headers: vec!["指标", "数值"], rows: summary },
            Table { title: "部门排名", headers: RANK_HEADERS.to_vec(), rows: ranked(&r.departments) },
            Table { title: "窗口排名", headers: RANK_HEADERS.to_vec(), rows: ranked(&r.windows) },
            Table {
                title: "差评整改",
                headers: vec!["办件编号", "被评价部门", "评价等级", "状态", "整改期限", "是否超期", "整改结果"],
                rows: rects,
            },
            Table {
                title: "投诉",
                headers: vec!["投诉日期", "办件编号", "投诉内容", "状态", "办理期限", "是否超期", "办理结果"],
                rows: complaints,
            },
        ]
    }
}

/// The tables as CSV (UTF-8 with a BOM, so that spreadsheet programs read the Chinese): each table
/// under its title, a blank line between them.
pub fn report_csv(title: &str, tables: &[Table]) -> String {
    fn field(s: &str) -> String {
        // A leading formula character is neutralised (CSV injection).
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    }
    let mut out = String::from('\u{feff}');
    out.push_str(&field(title));
    out.push_str("\r\n");
    for t in tables {
        out.push_str("\r\n");
        out.push_str(&field(t.title));
        out.push_str("\r\n");
        out.push_str(&t.headers.iter().map(|h| field(h)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        for row in &t.rows {
            out.push_str(&row.iter().map(|c| field(&c.text())).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_end() {
        let m = parse_month("2026-02").expect("month");
        assert_eq!(month_end(m).ok(), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(month_end(parse_month("2026-12").expect("m")).ok(), NaiveDate::from_ymd_opt(2026, 12, 31));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("26-1").is_err());
        assert!(parse_month("1900-01").is_err());
    }

    #[test]
    fn csv_quotes_and_neutralises() {
        let t = Table {
            title: "投诉",
            headers: vec!["内容"],
            rows: vec![vec![Cell::Text("a,\"b\"".into())], vec![Cell::Text("=1+1".into())]],
        };
        let csv = report_csv("通报", &[t]);
        assert!(csv.contains("\"a,\"\"b\"\"\""), "{csv}");
        assert!(csv.contains("'=1+1"), "{csv}");
    }
}
