//! Keyset pagination with totals.

use crate::error::Error;

pub const MAX_PAGE: u32 = 200;

/// Counting a list stops past this many rows: a larger total is reported as this bound with
/// `total_exact` false ("at least"), so that no page costs a scan of a whole city's cases.
pub const COUNT_BOUND: u64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub first: u32,
    /// The opaque cursor of the last row seen.
    pub after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { first: 50, after: None }
    }
}

impl PageRequest {
    pub fn parse(first: i32, after: Option<String>) -> Result<Self, Error> {
        if first < 1 || first > MAX_PAGE as i32 {
            return Err(Error::invalid(format!("每页条数须在1至{MAX_PAGE}之间")));
        }
        Ok(PageRequest { first: first as u32, after: after.filter(|a| !a.is_empty()) })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub end_cursor: Option<String>,
    pub total: u64,
    /// False when counting stopped at [`COUNT_BOUND`]: `total` is then a lower bound.
    pub total_exact: bool,
}

impl<T> Page<T> {
    /// No rows at all.
    pub fn empty() -> Self {
        Page { items: Vec::new(), has_next: false, end_cursor: None, total: 0, total_exact: true }
    }

    /// Builds a page from up to `first + 1` rows fetched after the cursor.
    pub fn from_rows(mut rows: Vec<T>, req: &PageRequest, total: u64, cursor: impl Fn(&T) -> String) -> Self {
        let has_next = rows.len() > req.first as usize;
        rows.truncate(req.first as usize);
        let end_cursor = rows.last().map(cursor);
        Page { items: rows, has_next, end_cursor, total, total_exact: true }
    }

    /// The same page with a total counted up to [`COUNT_BOUND`] + 1 rows.
    pub fn bounded(mut self, counted: u64) -> Self {
        self.total_exact = counted <= COUNT_BOUND;
        self.total = counted.min(COUNT_BOUND);
        self
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            end_cursor: self.end_cursor,
            total: self.total,
            total_exact: self.total_exact,
        }
    }
}

/// A stretch of a short list read newest first by keyset, without a count (rectifications,
/// complaints): `next` is the cursor of the following stretch, when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub next: Option<uuid::Uuid>,
}

impl<T> Slice<T> {
    /// From up to `first + 1` rows read after the cursor.
    pub fn from_rows(mut rows: Vec<T>, first: u32, id: impl Fn(&T) -> uuid::Uuid) -> Self {
        let more = rows.len() > first as usize;
        rows.truncate(first as usize);
        let next = if more { rows.last().map(id) } else { None };
        Slice { items: rows, next }
    }
}

/// The cursor of a [`Slice`]: the id of the last row seen.
pub fn slice_after(after: Option<&str>) -> Result<Option<uuid::Uuid>, Error> {
    match after.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => a.parse().map(Some).map_err(|_| Error::invalid("分页游标无效：应为上一批最后一条记录的ID")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_know_whether_more_follow() {
        let req = PageRequest::parse(2, None).expect("valid");
        let p = Page::from_rows(vec![1, 2, 3], &req, 3, |n| n.to_string());
        assert_eq!(p.items, [1, 2]);
        assert!(p.has_next);
        assert_eq!(p.end_cursor.as_deref(), Some("2"));
        assert!(PageRequest::parse(0, None).is_err());
        assert!(PageRequest::parse(201, None).is_err());
    }

    #[test]
    fn a_count_past_the_bound_is_a_lower_bound() {
        let req = PageRequest::parse(2, None).expect("valid");
        let p = Page::from_rows(vec![1], &req, 0, |n| n.to_string()).bounded(COUNT_BOUND);
        assert_eq!((p.total, p.total_exact), (COUNT_BOUND, true));
        let p = p.bounded(COUNT_BOUND + 1);
        assert_eq!((p.total, p.total_exact), (COUNT_BOUND, false));
    }
}
