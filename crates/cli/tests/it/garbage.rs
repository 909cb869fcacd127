//! Bad input to every endpoint gets a 4xx (problem+json under /api), never a 5xx.

use crate::helpers::TestApp;
use crate::on_both_engines;

/// Every route the server has, as (method, path).
const ROUTES: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/me",
    "/api/v1/me/password",
    "/api/v1/organizations",
    "/",
    "/tools/working-days",
    "/lang/en",
    "/static/app.css",
    "/static/htmx.min.js",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/openapi.json",
    "/api/v1/calendar/add-working-days",
];

const GARBAGE_QUERIES: &[&str] = &[
    "?start=%00&days=%00",
    "?start=9999-99-99&days=1",
    "?start=0000-01-01&days=1",
    "?start=-2024-09-30&days=1",
    "?start=2024-09-30&days=1&days=2&start=x",
    "?start[]=1&days[a]=2",
    "?%%%%=%%%%",
    "?start=2024-09-30&days=%F0%9F%98%80",
    "?start=%E2%80%AE2024-09-30&days=5",
    "?start=2024-09-30%27%20OR%201%3D1--&days=5",
    "?next=http://evil.example/&start=<script>alert(1)</script>",
    "?next=//evil.example/",
    "?=&=&&&",
];

/// A small deterministic generator: the same garbage on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn garbage(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcXYZ0189-_.~%&=?/+ #\"'<>;:,";
        (0..len)
            .map(|_| ALPHABET[(self.next() as usize) % ALPHABET.len()] as char)
            .collect::<String>()
            .replace(' ', "%20")
            .replace('#', "%23")
            .replace('"', "%22")
            .replace('<', "%3C")
            .replace('>', "%3E")
    }
}

async fn check(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    let response = request.send().await.unwrap_or_else(|e| {
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            chain.push_str(&format!(" ← {inner}"));
            source = inner.source();
        }
        panic!("{method} {path}: {chain}")
    });
    let status = response.status();
    assert!(!status.is_server_error(), "{method} {path} answered {status}");
    if path.starts_with("/api") && status.is_client_error() {
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        let body: serde_json::Value = response.json().await.expect("problem body");
        assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()), "{method} {path}: {body}");
    }
}

on_both_engines!(garbage_never_gets_a_server_error);

async fn garbage_never_gets_a_server_error(app: TestApp) {
    let mut rng = Lcg(0x5eed_2024_1001);
    let methods = [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::OPTIONS,
    ];
    for route in ROUTES {
        for query in GARBAGE_QUERIES {
            check(&app, reqwest::Method::GET, &format!("{route}{query}"), None).await;
        }
        for method in &methods {
            check(&app, method.clone(), route, Some(b"{\"start\": [1,2,{".to_vec())).await;
        }
        for _ in 0..10 {
            let len = (rng.next() % 60) as usize;
            check(&app, reqwest::Method::GET, &format!("{route}?{}", rng.garbage(len)), None).await;
        }
    }
    // Unknown paths, under /api and elsewhere, with odd bytes.
    for _ in 0..40 {
        let len = 1 + (rng.next() % 40) as usize;
        let tail = rng.garbage(len).replace('?', "%3F");
        check(&app, reqwest::Method::GET, &format!("/api/v1/{tail}"), None).await;
        check(&app, reqwest::Method::GET, &format!("/{tail}"), None).await;
    }
    // An oversized body is refused, not read to the end.
    check(&app, reqwest::Method::POST, "/api/v1/calendar/add-working-days", Some(vec![b'x'; 3 * 1024 * 1024])).await;
}
