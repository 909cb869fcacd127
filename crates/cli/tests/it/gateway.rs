//! Behind the gateway: rate limits (429 + Retry-After), the client address the audit trail
//! records (X-Forwarded-For only from trusted proxies), HSTS and Secure cookies over TLS.

use serde_json::json;
use skillbase_store::audit::{self, AuditFilter};

use crate::helpers::{Engine, Storage, TestApp};
use crate::on_both_storages;

async fn failed_login(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "someone", "password": "Not-it-2024!"}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.expect("send")
}

async fn last_failure_ip(app: &TestApp) -> Option<String> {
    let filter = AuditFilter { from_seq: 1, action: Some("auth.login_failed"), limit: 500, ..AuditFilter::default() };
    let records = audit::search(&app.app().db, &filter).await.expect("search");
    records.last().and_then(|r| r.record.client_ip.clone())
}

on_both_storages!(bursts_get_429_with_retry_after, forwarded_addresses_are_believed_only_from_the_gateway);

async fn bursts_get_429_with_retry_after(engine: Engine) {
    let Some(storage) = Storage::for_engine(engine).await else { return };
    let app = TestApp::start_with(storage, |s| {
        s.sign_in_per_minute = 3;
        s.public_writes_per_minute = 2;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(failed_login(&app, None).await.status().as_u16(), 401);
    }
    let limited = failed_login(&app, None).await;
    assert_eq!(limited.status().as_u16(), 429);
    let wait: u32 = limited.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(limited.json::<serde_json::Value>().await.expect("json")["code"], "rate_limited");
    // Other classes are not affected.
    assert_eq!(app.get("/api/v1/calendar/add-working-days?start=2024-09-30&days=5").await.status().as_u16(), 200);
    for expected in [400, 400, 429] {
        let response = app.client.post(app.url("/api/v1/organizations")).json(&json!({})).send().await.expect("send");
        assert_eq!(response.status().as_u16(), expected);
    }
    // Objections and their lookup are public writes too (SEC-16): the same budget, spent.
    for path in ["/api/v1/public/notices/any/objections", "/api/v1/public/objections/lookup"] {
        let response = app.client.post(app.url(path)).json(&json!({})).send().await.expect("send");
        assert_eq!(response.status().as_u16(), 429, "{path}");
    }
}

async fn forwarded_addresses_are_believed_only_from_the_gateway(engine: Engine) {
    let Some(storage) = Storage::for_engine(engine).await else { return };
    let direct = TestApp::start(storage).await;
    failed_login(&direct, Some("203.0.113.9")).await;
    assert_eq!(last_failure_ip(&direct).await.as_deref(), Some("127.0.0.1"), "a spoofed header is ignored");
    let home = direct.get("/").await;
    assert!(!home.headers().contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    let storage = direct.stop().await;

    let behind_gateway = TestApp::start_with(storage, |s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
        s.secure_cookies = true;
    })
    .await;
    failed_login(&behind_gateway, Some("198.51.100.4, 203.0.113.9")).await;
    assert_eq!(last_failure_ip(&behind_gateway).await.as_deref(), Some("203.0.113.9"));
    let home = behind_gateway.get("/").await;
    assert!(home.headers()["strict-transport-security"].to_str().expect("ascii").contains("max-age="));
    let response = behind_gateway
        .client
        .post(behind_gateway.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}))
        .send()
        .await
        .expect("send");
    let set_cookie = response.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    // Over TLS the cookie carries the `__Host-` prefix (secure origin, Path=/, no Domain).
    assert!(set_cookie.starts_with("__Host-skillbase_session=") && set_cookie.contains("; Secure"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/") && !set_cookie.contains("Domain="), "{set_cookie}");
    let pair = set_cookie.split(';').next().expect("pair").to_owned();
    let me =
        |cookie: String| behind_gateway.client.get(behind_gateway.url("/api/v1/me")).header("cookie", cookie).send();
    assert_ne!(me(pair.clone()).await.expect("send").status(), 401, "the prefixed cookie is the session");
    let unprefixed = pair.replacen("__Host-", "", 1);
    assert_eq!(me(unprefixed).await.expect("send").status(), 401, "the same value without the prefix is not");
}
