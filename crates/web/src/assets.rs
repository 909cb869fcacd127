//! Front-end files embedded in the binary (offline intranets have no CDN).

use axum::http::header;
use axum::response::IntoResponse;

const APP_CSS: &str = include_str!("../static/app.css");
const HTMX_JS: &str = include_str!("../static/vendor/htmx.min.js");

const CACHE: &str = "public, max-age=3600";

pub async fn app_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], APP_CSS)
}

pub async fn htmx_js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], HTMX_JS)
}
