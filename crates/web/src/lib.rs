//! HTTP: the routers, the middleware stack, the one error-to-response mapping, the pages and
//! the JSON API. Handlers parse input into domain types, call a use case of `skillbase-app`,
//! and render the result; they never run SQL.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use skillbase_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub mod api;
mod assets;
mod download;
pub mod error;
mod health;
pub mod i18n;
pub mod limits;
pub mod metrics;
pub mod openapi;
mod pages;
pub mod routes;
pub mod session;
pub mod xlsx;

use error::{ApiError, REQUEST_ID};
pub use metrics::Metrics;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: Arc<Metrics>,
    /// Mark cookies `Secure` and send HSTS (the platform is reached over TLS, e.g. behind a
    /// gateway).
    pub secure_cookies: bool,
    /// Peers whose `X-Forwarded-For` is believed (the TLS gateway / load balancer).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    pub limits: Arc<limits::RateLimits>,
}

/// Limits of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub max_body_bytes: usize,
    /// The limit for uploads: `POST` to a path ending in `/attachments`.
    pub max_upload_bytes: usize,
    pub request_timeout: Duration,
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: pages, API, operations endpoints, behind the middleware stack.
pub fn router(state: AppState, config: &HttpConfig) -> Router {
    let metrics = state.metrics.clone();
    let hsts = state.secure_cookies;
    let mut routes = Router::new();
    for route in routes::table() {
        let guarded =
            route.handler.route_layer(middleware::from_fn_with_state((state.clone(), route.action), routes::enforce));
        routes = routes.route(route.path, guarded);
    }
    let routes =
        routes.fallback(pages::not_found).method_not_allowed_fallback(pages::method_not_allowed).with_state(state);

    // `Router::layer` wraps what is already there: read from the bottom up, the request meets
    // panic catching, the request id, tracing, the request context, security headers, the
    // timeout, metrics and the body limit, in that order.
    let limits = (config.max_body_bytes, config.max_upload_bytes);
    routes
        .layer(DefaultBodyLimit::max(config.max_body_bytes.max(config.max_upload_bytes)))
        .layer(middleware::from_fn(move |request: Request, next: Next| read_body_first(request, next, limits)))
        .layer(middleware::from_fn_with_state(metrics, metrics::track))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(middleware::from_fn(said_timeout))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(middleware::from_fn(move |request: Request, next: Next| strict_transport(request, next, hsts)))
        .layer(middleware::from_fn(request_context))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            // The path only: query strings may carry personal data.
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), MakeRequestUuid))
        .layer(CatchPanicLayer::custom(panic_response))
}

/// No inline script or style anywhere: htmx's own indicator styles are switched off in the
/// page head (`htmx-config`).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Reads the whole request body (up to the limit) before routing. A handler or extractor that
/// answers early (404, 405, 401, a bad CSRF token) then never leaves unread bytes on the
/// connection, which would make the server reset it and the client lose the answer. A body over
/// the limit gets 413 at once from the API; a page gets the first `limit` bytes marked
/// [`BodyCut`], so that the form it came from can be shown again with what was typed before
/// the file and the file's error beside it.
async fn read_body_first(request: Request, next: Next, (body_limit, upload_limit): (usize, usize)) -> Response {
    // Uploads: attachments, an objection from the public page, an expense, a master–apprentice
    // agreement and a roster workbook (they carry a file).
    let path = request.uri().path();
    let upload = request.method() == axum::http::Method::POST
        && (["/attachments", "/objections", "/expenses", "/apprenticeships", "/import"]
            .iter()
            .any(|end| path.ends_with(end))
            || path.contains("/import/")
            // An appointment's document (聘任文件).
            || path.contains("/incentives")
            // A business licence claiming a USCC (归属争议): the API's and the page's.
            || path == "/api/v1/organization-disputes"
            || path == "/register/dispute")
        // A file replaced: the page's form and the API's PUT.
        || (request.method() == axum::http::Method::POST && path.contains("/attachments/") && path.ends_with("/replace"))
        || (request.method() == axum::http::Method::PUT && path.contains("/attachments/"));
    let limit = if upload { upload_limit } else { body_limit };
    let api = path.starts_with("/api/");
    let (mut parts, body) = request.into_parts();
    match read_up_to(body, limit).await {
        Ok(bytes) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(Some(first)) if !api => {
            parts.extensions.insert(BodyCut { limit });
            closing(next.run(Request::from_parts(parts, axum::body::Body::from(first))).await)
        }
        // Over the limit (or the client stopped sending, in which case nobody reads this).
        Err(_) => closing(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "请求体过大").into_response()),
    }
}

/// The answer to a request whose body was not read to its end: the connection is closed after
/// it (what is left of the body would otherwise be read as the next request), and the client
/// is told so, so that it does not send its next request on it.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    response
}

/// A request body that was longer than its limit: what follows is its first `limit` bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyCut {
    pub limit: usize,
}

/// The whole body when it fits in `limit` bytes; else its first `limit` bytes, or nothing when
/// the client stopped sending.
async fn read_up_to(mut body: axum::body::Body, limit: usize) -> Result<axum::body::Bytes, Option<axum::body::Bytes>> {
    use http_body_util::BodyExt;
    let mut read = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| None)?.into_data() else { continue };
        if read.len() + data.len() > limit {
            read.extend_from_slice(&data[..limit - read.len()]);
            return Err(Some(read.into()));
        }
        read.extend_from_slice(&data);
    }
    Ok(read.into())
}

/// A request that ran out of time is told so: a problem document from the API, the error page
/// (in the person's language, with the request id) everywhere else.
async fn said_timeout(request: Request, next: Next) -> Response {
    // Only what the answer needs is kept (no session is read for it): the language and path.
    let (lang, uri) = (i18n::Lang::of_headers(request.headers()), request.uri().clone());
    let api = uri.path().starts_with("/api/");
    let response = next.run(request).await;
    if response.status() != StatusCode::REQUEST_TIMEOUT {
        return response;
    }
    if api {
        return ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", "处理超时，请稍后重试").into_response();
    }
    let page = pages::Page::signed_out(lang, uri.path());
    let t = page.t;
    error::error_response(&page, StatusCode::REQUEST_TIMEOUT, t.unavailable_title, t.timeout)
}

/// HSTS, when the platform is reached over TLS.
async fn strict_transport(request: Request, next: Next, enabled: bool) -> Response {
    let mut response = next.run(request).await;
    if enabled {
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// Makes the request id available to error responses (`error::current_request_id`).
async fn request_context(request: Request, next: Next) -> Response {
    let id = request.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    REQUEST_ID.scope(id, next.run(request)).await
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "服务器内部错误，请凭请求编号联系管理员")
        .into_response()
}

/// Query parameters in order; the first occurrence of a name wins.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params(pairs)
    }

    /// Every name and value, in order.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.0.clone()
    }

    /// Every value of `name`, in order (a group of checkboxes).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

pub(crate) fn query_params(query: Option<&str>) -> Result<Params, ApiError> {
    match query {
        None => Ok(Params::default()),
        Some(q) => serde_urlencoded::from_str(q)
            .map(Params)
            .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", "查询参数编码不正确")),
    }
}
