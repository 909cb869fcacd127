//! Lists a page at a time: every list of the store answers a [`Page`] for a [`PageRequest`].
//!
//! Pages are read by keyset, newest first: `after` is the id of the last row of the previous
//! page (ids are UUIDv7, so they order by creation) and [`Page::next`] the cursor of the
//! following page, `None` on the last one. A row is never skipped or repeated by following
//! `next`, whatever the page size, and every page says how many rows match in all, so no list
//! is ever cut without saying so.

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many rows match the filter, over all pages.
    pub total: i64,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, next: self.next }
    }
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// The id of the last row already seen; `None` for the first page.
    pub after: Option<String>,
    pub limit: u32,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    pub fn first(limit: u32) -> Self {
        PageRequest { after: None, limit }
    }

    /// Everything, for an export: pages of the largest size until none is left.
    pub fn all() -> Self {
        PageRequest { after: None, limit: Self::MAX_LIMIT }
    }

    /// The page after `page` (`None` when it was the last).
    pub fn following<T>(&self, page: &Page<T>) -> Option<Self> {
        page.next.as_ref().map(|next| PageRequest { after: Some(next.clone()), limit: self.limit })
    }

    /// How many rows to read: one more than the page holds, to know whether another follows.
    pub(crate) fn fetch(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT)) + 1
    }

    /// The page of `rows` (read with one row more than the limit), its cursor taken by `key`.
    pub(crate) fn page<T>(&self, mut rows: Vec<T>, total: i64, key: impl Fn(&T) -> String) -> Page<T> {
        let limit = usize::try_from(self.limit.clamp(1, Self::MAX_LIMIT)).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(key) } else { None };
        Page { items: rows, total, next }
    }
}
