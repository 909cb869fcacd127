//! How every list of the API pages: `after` (the cursor a page answered as `next`) and `limit`
//! (1–500, default 50) in the query; a `Link: <…>; rel="next"` header when a page follows (the
//! same query, `after` moved on). Newer lists answer `{items, total, next}`; the lists that
//! answered a bare array before paging existed still do, and say the rest in headers:
//! `X-Total-Count` (how many match, over all pages) and the `Link`.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use skillbase_app::{Page, PageRequest};
use utoipa::IntoParams;

use crate::Params;
use crate::error::{ApiError, FieldProblem};

/// How many items match, over all pages, on a list that answers a bare array.
pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// The paging parameters every list takes.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handlers parse them themselves")]
pub struct PageQuery {
    /// The `next` of the previous page.
    after: Option<String>,
    /// At most this many items (1–500, default 50).
    limit: Option<u32>,
}

/// `after` and `limit` (1–500, default 50); each wrong one is a field problem.
pub(crate) fn page_request(params: &Params, errors: &mut Vec<FieldProblem>) -> PageRequest {
    let text = |name: &str| params.get(name).map(str::trim).filter(|v| !v.is_empty());
    let limit = match text("limit") {
        None => PageRequest::DEFAULT_LIMIT,
        Some(limit) => match limit.parse::<u32>() {
            Ok(n) if (1..=PageRequest::MAX_LIMIT).contains(&n) => n,
            Ok(_) => {
                errors.push(FieldProblem::new("limit", "limit_out_of_range", "limit 应在 1 至 500 之间"));
                PageRequest::DEFAULT_LIMIT
            }
            Err(_) => {
                errors.push(FieldProblem::new("limit", "invalid_integer", "limit 应为整数"));
                PageRequest::DEFAULT_LIMIT
            }
        },
    };
    // The cursor is a row id, compared as stored (lower-case, hyphenated).
    let after = text("after").and_then(|a| match a.parse::<uuid::Uuid>() {
        Ok(id) => Some(id.to_string()),
        Err(_) => {
            errors.push(FieldProblem::new("after", "invalid_cursor", "after 应为上一页答复的 next"));
            None
        }
    });
    PageRequest { after, limit }
}

/// The paging of the query alone (a list without other parameters).
pub(crate) fn requested_page(params: &Params) -> Result<PageRequest, ApiError> {
    let mut errors = Vec::new();
    let page = page_request(params, &mut errors);
    if errors.is_empty() { Ok(page) } else { Err(ApiError::fields(errors)) }
}

/// The `Link` of the page after `next`: the same query, `after` moved on.
fn next_link(path: &str, params: &Params, next: &str) -> Option<HeaderValue> {
    let mut pairs: Vec<(&str, &str)> =
        params.0.iter().filter(|(k, _)| k != "after").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.push(("after", next));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    HeaderValue::from_str(&format!("<{path}?{query}>; rel=\"next\"")).ok()
}

/// A page as JSON, with a `Link` to the next page.
pub(crate) fn paged<T, O: Serialize>(
    path: &str,
    params: &Params,
    page: Page<T>,
    out: impl Fn(&T) -> O,
    wrap: impl FnOnce(Vec<O>, i64, Option<String>) -> serde_json::Value,
) -> Response {
    let link = page.next.as_deref().and_then(|next| next_link(path, params, next));
    let body = wrap(page.items.iter().map(out).collect(), page.total, page.next.clone());
    let mut response = Json(body).into_response();
    if let Some(value) = link {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// A page answered as the bare array such a list has always answered, its total in
/// `X-Total-Count` and the following page in `Link`.
pub(crate) fn listed<O: Serialize>(
    path: &str,
    params: &Params,
    items: Vec<O>,
    total: i64,
    next: Option<&str>,
) -> Response {
    let mut response = Json(items).into_response();
    let headers = response.headers_mut();
    headers.insert(TOTAL_COUNT, HeaderValue::from(total));
    if let Some(value) = next.and_then(|next| next_link(path, params, next)) {
        headers.insert(header::LINK, value);
    }
    response
}
