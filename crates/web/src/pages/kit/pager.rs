//! The pager of a list: how many rows match in all (「共 N 条」) and, by keyset cursor, the
//! links to the first page (when not on it) and the next one (when there is one), the query
//! kept and only the cursor replaced. Drawn by `kit/pager.html` under the table; the total by
//! the screen above it (`{{ pager.summary() }}`).

use skillbase_app::{Page, PageRequest};

use crate::Params;

#[derive(Debug, Clone, Default)]
pub(crate) struct Pager {
    pub(crate) total: i64,
    /// Rows on this page.
    pub(crate) shown: usize,
    pub(crate) first: Option<String>,
    pub(crate) next: Option<String>,
}

impl Pager {
    /// The pager of `page`, read at `path` with `query`.
    pub(crate) fn of<T>(page: &Page<T>, path: &str, query: &Params) -> Pager {
        let path = path.split('?').next().unwrap_or_default();
        let kept: Vec<(String, String)> = query.pairs().into_iter().filter(|(k, _)| k != "after").collect();
        let href = |after: Option<&str>| {
            let mut pairs = kept.clone();
            if let Some(after) = after {
                pairs.push(("after".to_owned(), after.to_owned()));
            }
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
        };
        Pager {
            total: page.total,
            shown: page.items.len(),
            first: query.get("after").filter(|a| !a.is_empty()).map(|_| href(None)),
            next: page.next.as_deref().map(|after| href(Some(after))),
        }
    }

    /// 「共 1,000 条，本页 50 条」.
    pub(crate) fn summary(&self) -> String {
        let total = grouped(self.total);
        if self.total > 0 { format!("共 {total} 条，本页 {} 条", self.shown) } else { format!("共 {total} 条") }
    }
}

/// A count with its thousands grouped: 1,000.
pub(crate) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The page a list's query asks for: `after`, a row id (anything else is the first page), and
/// `limit`, 1 to 500 (50 by default).
pub(crate) fn page_request(query: &Params) -> PageRequest {
    PageRequest {
        after: query.get("after").and_then(|a| a.trim().parse::<uuid::Uuid>().ok()).map(|id| id.to_string()),
        limit: query
            .get("limit")
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(PageRequest::DEFAULT_LIMIT)
            .clamp(1, PageRequest::MAX_LIMIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn the_pager_keeps_the_query_and_replaces_the_cursor() {
        let query = Params::from_pairs(vec![
            ("status".to_owned(), "submitted".to_owned()),
            ("after".to_owned(), "0190".to_owned()),
        ]);
        let page = Page { items: vec![1, 2], total: 1000, next: Some("abc".to_owned()) };
        let pager = Pager::of(&page, "/bureau/applications?x=1", &query);
        assert_eq!(pager.next.as_deref(), Some("/bureau/applications?status=submitted&after=abc"));
        assert_eq!(pager.first.as_deref(), Some("/bureau/applications?status=submitted"));
        assert_eq!(pager.summary(), "共 1,000 条，本页 2 条");
    }
}
