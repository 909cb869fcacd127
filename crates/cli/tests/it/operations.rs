//! Health, readiness, metrics, the OpenAPI document, security headers, errors.

use crate::helpers::TestApp;
use crate::on_both_engines;

on_both_engines!(probes_and_metrics, openapi_document_is_stable, unknown_routes_get_problems_or_pages);

async fn probes_and_metrics(app: TestApp) {
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    let engine = match app.engine() {
        crate::helpers::Engine::Sqlite => "sqlite",
        crate::helpers::Engine::Postgres => "postgres",
    };
    assert_eq!(body["database"], engine);

    // Requests are counted per route template.
    for _ in 0..3 {
        app.get("/api/v1/calendar/add-working-days?start=2024-09-30&days=5").await;
    }
    app.get("/api/v1/calendar/add-working-days?start=x&days=5").await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(
        metrics.contains(
            r#"skillbase_http_requests_total{method="GET",route="/api/v1/calendar/add-working-days",status="200"} 3"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="/api/v1/calendar/add-working-days",status="400"} 1"#), "{metrics}");
    assert!(metrics.contains("skillbase_http_request_duration_seconds_bucket"), "{metrics}");

    // Readiness follows the database: closed pool → 503 problem.
    app.app().db.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    assert!(response.headers().contains_key("retry-after"));
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200, "liveness does not depend on the database");
}

async fn openapi_document_is_stable(app: TestApp) {
    let (status, document) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{document}");
    assert!(document["paths"]["/api/v1/calendar/add-working-days"]["get"].is_object());
    // One snapshot, whichever engine serves it.
    if app.engine() == crate::helpers::Engine::Sqlite {
        insta::assert_json_snapshot!("openapi", document);
        valid_for_generated_clients(&document);
    }
}

/// The served document passes an independent OpenAPI validator (`openapi-spec-validator`, from
/// PyPI), so a generated client works: no query parameter declared in the path, no unresolved
/// reference.
fn valid_for_generated_clients(document: &serde_json::Value) {
    let probe = std::process::Command::new("python3").args(["-c", "import openapi_spec_validator"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::helpers::skip("the OpenAPI validator is not installed (pip install openapi-spec-validator)");
        return;
    }
    let dir = crate::helpers::TempDir::new();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, serde_json::to_vec(document).expect("json")).expect("written");
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&path)
        .output()
        .expect("the validator runs");
    let said = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the OpenAPI document is invalid: {said}");
}

async fn unknown_routes_get_problems_or_pages(app: TestApp) {
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "not_found");

    let response = app.client.delete(app.url("/api/v1/calendar/add-working-days")).send().await.expect("send");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    assert_eq!(response.json::<serde_json::Value>().await.expect("json")["code"], "method_not_allowed");

    // SEC-15: state changes only by POST/PUT; GET on a changing route is 405.
    for path in ["/api/v1/auth/logout", "/api/v1/me/password", "/api/v1/tokens/x/revoke", "/api/v1/users/x/disable"] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 405, "{path}");
        assert_eq!(response.json::<serde_json::Value>().await.expect("json")["code"], "method_not_allowed", "{path}");
    }

    let response = app.get("/no-such-page").await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    let html = response.text().await.expect("html");
    assert!(html.contains("页面未找到"), "{html}");
    assert!(html.contains("请求编号"), "the error page carries the request id");

    // Every response carries the security headers and a request id.
    for path in ["/", "/api/v1/nothing-here", "/healthz", "/static/app.css"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert!(
            headers["content-security-policy"].to_str().expect("ascii").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(!headers["content-security-policy"].to_str().expect("ascii").contains("unsafe-inline"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
}
