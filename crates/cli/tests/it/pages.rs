//! The public portal shell: Chinese first, English on request, the calculator with and without
//! JavaScript, embedded assets.

use crate::helpers::{TestApp, at};
use crate::on_both_engines;

on_both_engines!(home_page_in_chinese_with_english_toggle, calculator_works_with_and_without_htmx, assets_are_embedded);

async fn home_page_in_chinese_with_english_toggle(app: TestApp) {
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    for nav in ["公示公告", "基地名录", "证书查验", "申报入口", "登录"] {
        assert!(html.contains(nav), "navigation item {nav} missing");
    }
    assert!(html.contains(r#"name="viewport""#), "usable on a phone");
    assert!(html.contains("/static/htmx.min.js"));
    assert!(!html.contains("<script>"), "no inline script (CSP)");
    // Today, from the injected clock: Friday 2024-09-27, an ordinary working day.
    assert!(html.contains("2024年9月27日 星期五"), "{html}");
    assert!(html.contains("工作日"));

    // The toggle sets a cookie and comes back to where the user was.
    let response = app.get("/lang/en?next=/%3Ffrom%3Dtoggle").await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/?from=toggle");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let english = app.client.get(app.url("/")).header("cookie", "lang=en").send().await.expect("send");
    let html = english.text().await.expect("html");
    assert!(html.contains(r#"<html lang="en">"#));
    for nav in ["Public notices", "Registry of bases", "Verify a plaque", "Apply", "Sign in"] {
        assert!(html.contains(nav), "English navigation item {nav} missing");
    }
    assert!(html.contains("中文"), "the way back to Chinese");

    // Never an open redirect.
    for next in ["https://evil.example/", "//evil.example/", "/\\evil.example"] {
        let response = app.get(&format!("/lang/zh?next={}", urlencode(next))).await;
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
    assert_eq!(app.get("/lang/fr").await.status().as_u16(), 404);

    // A holiday, by the clock.
    app.clock.set(at("2024-10-03T09:00:00+08:00"));
    let html = app.get("/").await.text().await.expect("html");
    assert!(html.contains("法定节假日（国庆节）"), "{html}");
    app.clock.set(at("2024-10-12T09:00:00+08:00"));
    let html = app.get("/").await.text().await.expect("html");
    assert!(html.contains("调休上班（国庆节）"), "{html}");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn calculator_works_with_and_without_htmx(app: TestApp) {
    // Without JavaScript: the whole page, the form filled in, the answer shown.
    let response = app.get("/tools/working-days?start=2024-09-30&days=5").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains("2024年10月11日 星期五"), "{html}");
    assert!(html.contains(r#"value="2024-09-30""#));

    // With htmx: only the fragment.
    let fragment = app
        .client
        .get(app.url("/tools/working-days?start=2024-09-30&days=5"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("send");
    assert_eq!(fragment.status().as_u16(), 200);
    let html = fragment.text().await.expect("html");
    assert!(html.trim_start().starts_with(r#"<div id="calc-result""#), "{html}");
    assert!(html.contains("2024年10月11日"));
    assert!(!html.contains("<html"));

    // Field-level errors, next to the field.
    let response = app.get("/tools/working-days?start=2024-13-01&days=abc").await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.expect("html");
    assert!(html.contains(r#"id="calc-start-error""#) && html.contains("请输入有效日期"), "{html}");
    assert!(html.contains(r#"id="calc-days-error""#) && html.contains("1 至 1000"), "{html}");
    assert!(html.contains(r#"aria-invalid="true""#));

    // Unknown year: said plainly.
    let response = app.get("/tools/working-days?start=2027-02-01&days=3").await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.expect("html").contains("节假日安排尚未录入"));

    // Input is escaped, never interpreted.
    let html =
        app.get("/tools/working-days?start=%3Cscript%3Ealert(1)%3C/script%3E&days=1").await.text().await.expect("html");
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
}

async fn assets_are_embedded(app: TestApp) {
    let htmx = app.get("/static/htmx.min.js").await;
    assert_eq!(htmx.status().as_u16(), 200);
    assert!(htmx.headers()["content-type"].to_str().expect("ascii").starts_with("text/javascript"));
    assert!(htmx.text().await.expect("js").contains("htmx"));
    let css = app.get("/static/app.css").await;
    assert!(css.headers()["content-type"].to_str().expect("ascii").starts_with("text/css"));
    assert!(css.text().await.expect("css").contains("@media (max-width"), "responsive rules");
}
