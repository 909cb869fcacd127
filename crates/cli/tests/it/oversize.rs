//! Posts over their limit and requests that run out of time, as people meet them, on both
//! engines: a file too large comes back to the form it was sent from, with the error in Chinese
//! beside the file input and what was typed before it kept, and nothing stored (413); a long
//! ordinary form gets the error page (413); the API keeps its problem documents. A request that
//! runs out of time gets the error page, or a problem document from the API (408).

use serde_json::Value;
use skillbase_domain::roles::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::bureau_pages::text_of;
use crate::helpers::{Storage, TestApp};
use crate::on_both_engines;
use crate::page_client::{FilePart, get, post, post_multipart};
use crate::samples::open_call;
use crate::subsidy::{disburse, granted, recognised_bases};

/// Over the 22 MB an upload may take (the policy allows 20 MB a file).
fn too_large() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(23 * 1024 * 1024, b'0');
    bytes
}

on_both_engines!(an_upload_too_large_comes_back_to_its_page, an_expense_with_a_receipt_too_large_keeps_what_was_typed);

async fn an_upload_too_large_comes_back_to_its_page(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let me = app.register_applicant(crate::samples::USCC, "too-large").await;
    let started = post(&app, "/applications", &me, &[("batch", &batch)]).await;
    assert_eq!(started.status, 303, "{}", started.html);
    let id = started.location.trim_start_matches("/applications/").split('/').next().expect("id").to_owned();
    let sites = format!("/applications/{id}/edit/sites");

    let bytes = too_large();
    let file = FilePart { field: "file", filename: "场地.pdf", content_type: "application/pdf", bytes: &bytes };
    let refused =
        post_multipart(&app, &format!("/applications/{id}/attachments"), &me, &[("back", &sites)], file).await;
    assert_eq!(refused.status, 413, "{}", refused.html);
    assert!(refused.content_type.starts_with("text/html"), "a page, not a problem: {}", refused.content_type);
    let said = text_of(&refused.html, "upload-file-error");
    assert!(said.contains("文件过大") && said.contains("20 MB"), "{said}");
    assert!(refused.html.contains(r#"<h1"#) && refused.html.contains("实训场地设备"), "the step it came from");
    let (status, files) = app.get_json_as(&me, &format!("/api/v1/applications/{id}/attachments")).await;
    assert_eq!((status, files.as_array().map(Vec::len)), (200, Some(0)), "nothing stored: {files}");

    // The API keeps its problem document.
    let (status, problem) =
        app.upload_as(&me, &format!("/api/v1/applications/{id}/attachments"), "场地.pdf", &bytes).await;
    assert_eq!((status, &problem["code"]), (413, &Value::from("body_too_large")), "{problem}");

    // An ordinary form that long is refused with a page saying so, and changes nothing.
    let long = "很".repeat(400_000);
    let form =
        post(&app, &format!("/applications/{id}/edit/profile"), &me, &[("profile.training_experience", &long)]).await;
    assert_eq!(form.status, 413, "{}", form.html);
    assert!(form.content_type.starts_with("text/html") && form.html.contains("提交的内容过大"), "{}", form.html);
}

async fn an_expense_with_a_receipt_too_large_keeps_what_was_typed(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = cast.bases[0].clone();
    granted(&app, &cast, &[&base]).await;
    let (status, body) = disburse(&app, &cast.staff, &base, "100000.00", "GK-2024-009").await;
    assert_eq!(status, 201, "{body}");
    let org = app.sign_in_again(&org).await;
    let today = skillbase_domain::clock::shanghai_date(app.app().now()).format("%Y-%m-%d").to_string();

    let bytes = too_large();
    let receipt = FilePart { field: "receipt", filename: "发票.pdf", content_type: "application/pdf", bytes: &bytes };
    let fields = [
        ("category", "teacher_development"),
        ("amount", "3456.78"),
        ("spent_on", today.as_str()),
        ("payee", "上海某培训中心"),
        ("description", "师资培训费"),
    ];
    let refused = post_multipart(&app, &format!("/funds/bases/{base}/expenses"), &org, &fields, receipt).await;
    assert_eq!(refused.status, 413, "{}", refused.html);
    assert!(text_of(&refused.html, "f-receipt-error").contains("文件过大"), "{}", refused.html);
    // The rest of the body was never read: the connection is closed after the answer, and the
    // client told so (else it could send its next request on a connection about to close).
    assert_eq!(refused.headers.get("connection").and_then(|v| v.to_str().ok()), Some("close"));
    for kept in [r#"value="3456.78""#, r#"value="上海某培训中心""#, "师资培训费"] {
        assert!(refused.html.contains(kept), "{kept} is kept: {}", refused.html);
    }
    let (status, ledger) = app.get_json_as(&org, &format!("/api/v1/bases/{base}/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    assert_eq!(ledger["expenses"].as_array().map(Vec::len), Some(0), "nothing recorded: {ledger}");
    let page = get(&app, &format!("/funds/bases/{base}"), &org).await;
    assert_eq!(page.status, 200);
}

/// A request whose body never comes, answered once the request timeout (1 s) has passed.
async fn timed_out(app: &TestApp, path: &str) -> String {
    let host = app.url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.expect("connects");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "answered within the timeout and some");
    String::from_utf8_lossy(&answer).into_owned()
}

crate::on_both_storages!(a_request_out_of_time_is_told_so);

async fn a_request_out_of_time_is_told_so(engine: crate::helpers::Engine) {
    let Some(storage) = Storage::for_engine(engine).await else { return };
    let app = TestApp::start_with(storage, |settings| settings.request_timeout_secs = 1).await;
    let page = timed_out(&app, "/login").await;
    assert!(page.starts_with("HTTP/1.1 408"), "{page}");
    assert!(page.contains("text/html") && page.contains("处理超时"), "{page}");
    let api = timed_out(&app, "/api/v1/login").await;
    assert!(api.starts_with("HTTP/1.1 408"), "{api}");
    assert!(api.contains("application/problem+json") && api.contains(r#""code":"request_timeout""#), "{api}");
}
