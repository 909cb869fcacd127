//! The subsidy pages as people without JavaScript use them, on both engines: staff draft a
//! funding request on the page, the leader endorses it and the coordination group approves it
//! (each refusal beside its field, a drafter made a leader refused as its drafter); staff record
//! a disbursement (a duplicate voucher refused beside its field); the base records expenses
//! with a receipt (an unknown category and an amount over the balance refused beside their
//! fields, nothing stored); staff query one, the base answers, staff approve it; staff reverse
//! another; the reports on the page and as Excel; the dossier zip for auditors; an approval
//! six minutes after signing in sent to type the password again and back (SEC-08).

use std::io::Read;

use serde_json::{Value, json};
use skillbase_app::audit::AuditFilter;
use skillbase_domain::roles::Role;

use crate::bureau_pages::text_of;
use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, FilePart, assert_redirect, form_body, get, hidden, post, post_multipart};
use crate::samples::PDF;
use crate::subsidy::{disburse, fresh_receipt, granted, recognised_bases};

/// Posts the expense form as a browser does: multipart, the CSRF token a field, the receipt a
/// file (`None`: no file chosen, an empty part).
async fn post_expense(
    app: &TestApp,
    base: &str,
    who: &SignedIn,
    fields: &[(&str, &str)],
    receipt: Option<(&str, &[u8])>,
) -> Answer {
    let (filename, bytes) = receipt.unwrap_or(("", b""));
    let receipt = FilePart { field: "receipt", filename, content_type: "application/octet-stream", bytes };
    post_multipart(app, &format!("/funds/bases/{base}/expenses"), who, fields, receipt).await
}

/// The id in a redirect's path after `prefix` (up to `?` or `#`).
fn id_after(location: &str, prefix: &str) -> String {
    let rest = location.strip_prefix(prefix).unwrap_or_else(|| panic!("{location} does not start with {prefix}"));
    rest.split(['?', '#']).next().expect("an id").to_owned()
}

/// A workbook's first sheet, every cell as text.
fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = workbook.worksheet_range_at(0).expect("a sheet").expect("readable");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

async fn download(app: &TestApp, path: &str, who: &SignedIn, content_type: &str) -> Vec<u8> {
    let response = get(app, path, who).await;
    assert_eq!(response.status, 200, "{path}");
    assert_eq!(response.content_type, content_type, "{path}");
    let disposition = response.disposition;
    assert!(disposition.starts_with("attachment"), "{path}: {disposition}");
    response.bytes
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn expenses_of(app: &TestApp, who: &SignedIn, base: &str) -> Vec<Value> {
    let (status, ledger) = app.get_json_as(who, &format!("/api/v1/bases/{base}/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    ledger["expenses"].as_array().cloned().unwrap_or_default()
}

on_both_engines!(
    the_same_receipt_is_refused_or_asked_about_on_the_page,
    the_subsidy_from_the_request_to_the_dossier_on_the_pages,
    a_drafter_made_a_leader_is_refused_on_the_page
);

async fn the_subsidy_from_the_request_to_the_dossier_on_the_pages(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (first, first_org) = (cast.bases[0].0.clone(), cast.bases[0].1.clone());
    let second = cast.bases[1].0.clone();

    // 1. Staff draft the request on the page: nothing ticked is refused beside the boxes.
    let list = get(&app, "/funds/requests", &cast.staff).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert!(
        list.html.contains(&format!(r#"id="base-{first}""#)) && list.html.contains(&format!(r#"id="base-{second}""#))
    );
    assert!(list.html.contains(r#"<li class="nav-console"><a href="/funds/requests""#), "资助资金 in the navigation");
    let none = post(&app, "/funds/requests", &cast.staff, &[("note", "2024年度")]).await;
    assert_eq!(none.status, 400, "{}", none.html);
    assert!(text_of(&none.html, "f-bases-error").contains("请至少选择一个基地"), "{}", none.html);
    assert!(none.html.contains("2024年度</textarea>"), "the note is kept");
    let drafted =
        post(&app, "/funds/requests", &cast.staff, &[("bases", &first), ("bases", &second), ("note", "2024年度")])
            .await;
    assert_redirect(&drafted, "/funds/requests/");
    let request = id_after(&drafted.location, "/funds/requests/");
    let path = format!("/funds/requests/{request}");
    let doc = get(&app, &path, &cast.staff).await;
    assert_eq!(doc.status, 200, "{}", doc.html);
    assert_eq!(text_of(&doc.html, "request-status"), "待领导审核");
    assert_eq!(text_of(&doc.html, "addressee"), "区企业职工职业培训工作协调小组：");
    assert_eq!(text_of(&doc.html, "total"), "¥400,000.00");
    assert_eq!(text_of(&doc.html, "total-capital"), "肆拾万元整");
    assert!(text_of(&doc.html, &format!("item-{first}")).contains("¥200,000.00"));
    assert!(doc.html.contains("class=\"gw-doc\"") && doc.html.contains("妥否，请批示。"));
    assert!(!doc.html.contains(r#"id="approve""#), "staff do not decide");
    // Before the leader signs, the 请示 has no 文号 and no 签发人; its contact is the drafter.
    assert!(text_of(&doc.html, "doc-number").contains("报协调小组时编号"), "{}", doc.html);
    assert!(text_of(&doc.html, "signer").contains("领导审核同意后签发"));
    assert!(text_of(&doc.html, "contact").contains("联系人：经办人"), "{}", text_of(&doc.html, "contact"));

    // 2. The leader: returning needs a reason (beside its field); then endorses.
    let page = get(&app, &path, &cast.leader).await;
    assert!(page.html.contains("同意并报协调小组") && page.html.contains(r#"id="reject""#), "{}", page.html);
    let no_reason = post(&app, &format!("{path}/reject"), &cast.leader, &[("reason", " ")]).await;
    assert_eq!(no_reason.status, 400, "{}", no_reason.html);
    assert!(text_of(&no_reason.html, "f-reject-reason-error").contains("请填写理由"));
    assert_eq!(text_of(&no_reason.html, "request-status"), "待领导审核");
    let endorsed = post(&app, &format!("{path}/approve"), &cast.leader, &[("reason", "同意")]).await;
    assert_redirect(&endorsed, &format!("{path}?done=endorsed"));
    // 3. The coordination group approves.
    let page = get(&app, &path, &cast.funding).await;
    assert_eq!(text_of(&page.html, "request-status"), "已报协调小组");
    assert!(page.html.contains("不予批准"), "{}", page.html);
    // Sent to the coordination group: the first 文号 of the year, signed by the endorsing leader.
    let year = chrono::Datelike::year(&skillbase_domain::clock::shanghai_date(app.app().now()));
    assert_eq!(text_of(&page.html, "doc-number"), format!("青人社〔{year}〕1号"));
    assert_eq!(text_of(&page.html, "signer"), "签发人：分管领导");
    let approved = post(&app, &format!("{path}/approve"), &cast.funding, &[("reason", "")]).await;
    assert_redirect(&approved, &format!("{path}?done=approved"));
    let page = get(&app, &approved.location, &cast.funding).await;
    assert_eq!(text_of(&page.html, "request-status"), "协调小组已批准");
    assert!(page.html.contains("协调小组已批准，各基地的资助资金已核定。"));
    assert!(!page.html.contains(r#"id="approve""#), "decided");
    // Every decision keeps its actor, time and comment: the leader's endorsement comment is still
    // there after the coordination group decided.
    let history = text_of(&page.html, "history");
    assert!(
        history.contains("领导审核同意并报协调小组")
            && history.contains("意见：同意")
            && history.contains("协调小组批准"),
        "{history}"
    );
    let (status, stored) = app
        .get_json_as(&cast.funding, &format!("/api/v1/funding-requests/{}", id_after(&path, "/funds/requests/")))
        .await;
    assert_eq!(status, 200, "{stored}");
    let decisions: Vec<(String, String)> = stored["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .map(|d| {
            (d["action"].as_str().unwrap_or_default().to_owned(), d["comment"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert_eq!(
        decisions,
        [("endorse".to_owned(), "同意".to_owned()), ("approve".to_owned(), String::new())],
        "{stored}"
    );

    // 4. Staff disburse; a voucher recorded once, a payment within the grant.
    let base_path = format!("/funds/bases/{first}");
    let ledger = get(&app, &base_path, &cast.staff).await;
    assert_eq!(text_of(&ledger.html, "granted"), "¥200,000.00");
    let paid = post(
        &app,
        &format!("{base_path}/disbursements"),
        &cast.staff,
        &[("paid_on", "2024-10-14"), ("amount", "120000.00"), ("voucher", "GK-2024-001")],
    )
    .await;
    assert_redirect(&paid, &format!("{base_path}?done=disbursed"));
    let again = post(
        &app,
        &format!("{base_path}/disbursements"),
        &cast.staff,
        &[("paid_on", "2024-10-14"), ("amount", "1000.00"), ("voucher", "GK-2024-001")],
    )
    .await;
    assert_eq!(again.status, 400, "{}", again.html);
    assert!(text_of(&again.html, "f-voucher-error").contains("该凭证号已登记过"), "{}", again.html);
    assert!(again.html.contains(r#"value="1000.00""#), "what was typed is kept");
    let over = post(
        &app,
        &format!("{base_path}/disbursements"),
        &cast.staff,
        &[("paid_on", "2024-10-14"), ("amount", "80000.01"), ("voucher", "GK-2024-002")],
    )
    .await;
    assert_eq!(over.status, 400, "{}", over.html);
    assert!(text_of(&over.html, "f-amount-error").contains("超过尚未拨付的资助"), "{}", over.html);
    let ledger = get(&app, &base_path, &cast.staff).await;
    assert_eq!(text_of(&ledger.html, "disbursed"), "¥120,000.00");
    assert!(text_of(&ledger.html, "disbursement-list").contains("GK-2024-001"));

    // 5. The base records expenses on its page.
    let org = app.sign_in_again(&first_org).await;
    let mine = get(&app, "/funds/bases", &org).await;
    assert!(mine.html.contains(r#"<li class="nav-console"><a href="/funds/bases""#), "我的基地 in the navigation");
    assert!(mine.html.contains(&format!(r#"href="/funds/bases/{first}""#)) && !mine.html.contains(&second));
    let page = get(&app, &base_path, &org).await;
    assert!(page.html.contains(r#"enctype="multipart/form-data""#) && !page.html.contains(r#"id="disburse""#));
    assert!(page.html.contains(r#"<option value="teacher_development">师资培养</option>"#));
    let today = "2024-10-14";
    let crafted = r#"=HYPERLINK("http://x.example","y")"#;
    let unknown = post_expense(
        &app,
        &first,
        &org,
        &[
            ("category", "banquets"),
            ("amount", "500.00"),
            ("spent_on", today),
            ("payee", "某酒店"),
            ("description", "招待"),
        ],
        Some(("发票.pdf", PDF)),
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.html);
    assert!(text_of(&unknown.html, "f-category-error").contains("支出类别须为政策规定的用途之一"), "{}", unknown.html);
    assert!(unknown.html.contains(r#"value="500.00""#) && unknown.html.contains("招待</textarea>"), "kept");
    let too_much = post_expense(
        &app,
        &first,
        &org,
        &[
            ("category", "teacher_development"),
            ("amount", "120000.01"),
            ("spent_on", today),
            ("payee", "上海某培训中心"),
            ("description", "师资培训"),
        ],
        Some(("发票.pdf", PDF)),
    )
    .await;
    assert_eq!(too_much.status, 400, "{}", too_much.html);
    assert!(text_of(&too_much.html, "f-amount-error").contains("超过可用余额"), "{}", too_much.html);
    let no_receipt = post_expense(
        &app,
        &first,
        &org,
        &[
            ("category", "teacher_development"),
            ("amount", "100.00"),
            ("spent_on", today),
            ("payee", "甲"),
            ("description", "乙"),
        ],
        None,
    )
    .await;
    assert_eq!(no_receipt.status, 400, "{}", no_receipt.html);
    assert!(text_of(&no_receipt.html, "f-receipt-error").contains("请上传票据"), "{}", no_receipt.html);
    assert!(expenses_of(&app, &org, &first).await.is_empty(), "nothing stored");
    let recorded = post_expense(
        &app,
        &first,
        &org,
        &[
            ("category", "teacher_development"),
            ("amount", "30000.00"),
            ("spent_on", today),
            ("payee", crafted),
            ("description", "数控车工师资培训 10 人"),
            ("invoice_number", "24312000000000000101"),
        ],
        Some(("发票.pdf", PDF)),
    )
    .await;
    assert_redirect(&recorded, &format!("{base_path}?done=recorded"));
    let kept = id_after(recorded.location.split('#').nth(1).expect("an anchor"), "expense-");
    let other = post_expense(
        &app,
        &first,
        &org,
        &[
            ("category", "consumables_tools"),
            ("amount", "5000.00"),
            ("spent_on", today),
            ("payee", "上海某工具公司"),
            ("description", "刀具"),
            ("invoice_code", "3100194130"),
            ("invoice_number", "00000102"),
        ],
        Some(("刀具发票.pdf", &fresh_receipt().0)),
    )
    .await;
    assert_redirect(&other, &format!("{base_path}?done=recorded"));
    let reversed = id_after(other.location.split('#').nth(1).expect("an anchor"), "expense-");

    // 6. Staff query the first; the base answers; staff approve it.
    let page = get(&app, &base_path, &cast.staff).await;
    assert_eq!(text_of(&page.html, &format!("expense-{kept}-status")), "待审核");
    assert!(page.html.contains(&format!(r#"href="/funds/bases/{first}/receipts/{kept}""#)));
    let expense_path = format!("{base_path}/expenses/{kept}");
    let blank = post(&app, &format!("{expense_path}/query"), &cast.staff, &[("question", "")]).await;
    assert_eq!(blank.status, 400, "{}", blank.html);
    assert!(text_of(&blank.html, &format!("f-question-{kept}-error")).contains("请填写"), "{}", blank.html);
    let queried = post(&app, &format!("{expense_path}/query"), &cast.staff, &[("question", "请补充培训签到表")]).await;
    assert_redirect(&queried, &format!("{base_path}?done=queried"));
    let page = get(&app, &base_path, &org).await;
    assert_eq!(text_of(&page.html, &format!("expense-{kept}-status")), "待说明");
    assert_eq!(text_of(&page.html, &format!("expense-{kept}-question")), "请补充培训签到表");
    let answered = post(&app, &format!("{expense_path}/answer"), &org, &[("answer", "签到表已随票据附上")]).await;
    assert_redirect(&answered, &format!("{base_path}?done=answered"));
    let approved = post(&app, &format!("{expense_path}/approve"), &cast.staff, &[]).await;
    assert_redirect(&approved, &format!("{base_path}?done=expense_approved"));
    let page = get(&app, &base_path, &cast.staff).await;
    assert_eq!(text_of(&page.html, &format!("expense-{kept}-status")), "审核通过");
    assert_eq!(text_of(&page.html, &format!("expense-{kept}-answer")), "签到表已随票据附上");

    // 7. Staff reverse the other (a reason needed), by a reversal entry.
    let path_other = format!("{base_path}/expenses/{reversed}/reverse");
    let no_reason = post(&app, &path_other, &cast.staff, &[("reason", "")]).await;
    assert_eq!(no_reason.status, 400, "{}", no_reason.html);
    assert!(no_reason.html.contains(&format!(r#"id="f-reverse-{reversed}-error""#)), "{}", no_reason.html);
    let done = post(&app, &path_other, &cast.staff, &[("reason", "重复列支")]).await;
    assert_redirect(&done, &format!("{base_path}?done=reversed"));
    let page = get(&app, &base_path, &cast.staff).await;
    assert_eq!(text_of(&page.html, &format!("expense-{reversed}-status")), "已冲销");
    assert_eq!(text_of(&page.html, "spent"), "¥30,000.00");
    assert_eq!(text_of(&page.html, "balance"), "¥90,000.00");
    assert_eq!(text_of(&page.html, "execution-rate"), "15.00%");
    assert!(text_of(&page.html, "category-teacher_development").contains("¥30,000.00"));
    assert!(text_of(&page.html, "ledger").contains("冲销第 4 笔"), "{}", text_of(&page.html, "ledger"));

    // The receipt downloads as an attachment, to the base and to the bureau.
    let bytes = download(&app, &format!("{base_path}/receipts/{kept}"), &org, "application/pdf").await;
    assert_eq!(bytes, PDF);
    let elsewhere = get(&app, &format!("/funds/bases/{second}/receipts/{kept}"), &cast.staff).await;
    assert_eq!(elsewhere.status, 404, "an expense under another base");

    // 8. The reports page shows the totals.
    granted_second_spent(&app, &cast, &second).await;
    let reports = get(&app, "/funds/reports", &cast.funding).await;
    assert_eq!(reports.status, 200, "{}", reports.html);
    let row = text_of(&reports.html, &format!("report-base-{first}"));
    for expected in ["¥200,000.00", "¥120,000.00", "¥30,000.00", "¥90,000.00", "15.00%"] {
        assert!(row.contains(expected), "{expected} in {row}");
    }
    let total = text_of(&reports.html, "report-bases-total");
    assert!(total.contains("¥400,000.00") && total.contains("¥30,000.00"), "{total}");
    assert!(text_of(&reports.html, "report-categories").contains("师资培养¥30,000.00"));
    assert!(text_of(&reports.html, "report-categories-total").contains("¥30,000.00"));
    let requested = text_of(&reports.html, &format!("report-request-{request}"));
    assert!(requested.contains("协调小组已批准") && requested.contains("¥400,000.00"), "{requested}");
    assert!(reports.html.contains("class=\"print-sheet funds-report\""), "printable");

    // 9. Each report as Excel: money as text with two decimals; every export audited.
    let bases = sheet_rows(download(&app, "/funds/reports/bases.xlsx", &cast.staff, XLSX).await);
    assert_eq!(bases[0][3], "核定资助（元）");
    assert_eq!(bases.len(), 4, "two bases and the total: {bases:?}");
    let line = bases.iter().find(|r| r[1] == "申报单位org-1").unwrap_or_else(|| panic!("{bases:?}"));
    assert_eq!(line[3..8], ["200000.00", "120000.00", "30000.00", "90000.00", "15.00%"]);
    assert_eq!(bases[3][1], "合计");
    assert_eq!(bases[3][3], "400000.00");
    let categories = sheet_rows(download(&app, "/funds/reports/categories.xlsx", &cast.staff, XLSX).await);
    assert_eq!(categories.len(), 1 + 12 + 1, "the header, the twelve and the total: {categories:?}");
    let teachers = categories.iter().find(|r| r[1] == "师资培养").expect("师资培养");
    assert_eq!(teachers[2], "30000.00");
    assert_eq!(categories[13][1..], ["合计", "30000.00"]);
    let requests = sheet_rows(download(&app, "/funds/reports/requests.xlsx", &cast.leader, XLSX).await);
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[1][1], "协调小组已批准");
    assert_eq!(requests[1][4..6], ["400000.00", "400000.00"]);
    let exports = app
        .app()
        .audit_entries(&AuditFilter { from_seq: 1, action: Some("export"), limit: 50, ..Default::default() })
        .await
        .expect("audit");
    let exported: Vec<&str> = exports.iter().map(|r| r.record.object_type.as_str()).collect();
    assert_eq!(exported, ["fund_report_bases", "fund_report_categories", "fund_report_requests"]);

    // 10. The dossier: the bureau's readers only.
    let refused = get(&app, &format!("{base_path}/dossier.zip"), &org).await;
    assert_eq!(refused.status, 403, "not for the base itself");
    let bytes = download(&app, &format!("{base_path}/dossier.zip"), &cast.funding, "application/zip").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut names: Vec<String> = zip.file_names().map(|n| n.expect("a name").into_owned()).collect();
    names.sort();
    let seq_kept = expenses_of(&app, &cast.staff, &first)
        .await
        .iter()
        .find(|e| e["id"] == json!(kept))
        .and_then(|e| e["seq"].as_i64())
        .expect("seq");
    for expected in
        ["ledger.xlsx", "expenses.xlsx", "approvals.json", "audit.json", &format!("receipts/{seq_kept}-发票.pdf")]
    {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    let read = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut bytes = Vec::new();
        zip.by_name(name).expect(name).read_to_end(&mut bytes).expect("read");
        bytes
    };
    assert_eq!(read(&mut zip, &format!("receipts/{seq_kept}-发票.pdf")), PDF);
    let ledger_rows = sheet_rows(read(&mut zip, "ledger.xlsx"));
    assert_eq!(ledger_rows.len(), 1 + 5, "grant, disbursement, two expenses, a reversal: {ledger_rows:?}");
    assert_eq!(ledger_rows[1][5], "200000.00");
    let expense_rows = sheet_rows(read(&mut zip, "expenses.xlsx"));
    let payee = expense_rows.iter().find_map(|r| r.iter().find(|c| c.contains("HYPERLINK")).cloned()).expect("payee");
    assert!(payee.starts_with("'="), "a formula-like payee is inert text: {payee}");
    let approvals: Value = serde_json::from_slice(&read(&mut zip, "approvals.json")).expect("json");
    assert_eq!(approvals[0]["status"], "approved", "{approvals}");
    assert_eq!(approvals[0]["amount"], "200000.00");
    let steps: Vec<&str> =
        approvals[0]["decisions"].as_array().expect("decisions").iter().filter_map(|d| d["action"].as_str()).collect();
    assert_eq!(steps, ["funding.draft", "funding.endorse", "funding.approve"]);
    let audit: Value = serde_json::from_slice(&read(&mut zip, "audit.json")).expect("json");
    let actions: Vec<&str> = audit.as_array().expect("records").iter().filter_map(|r| r["action"].as_str()).collect();
    for expected in [
        "ledger.grant",
        "ledger.disburse",
        "ledger.expense",
        "expense.query",
        "expense.answer",
        "expense.approve",
        "ledger.reverse",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert!(audit.as_array().expect("records").iter().all(|r| r["object_id"] == json!(first)), "only this base");
    let exports = app
        .app()
        .audit_entries(&AuditFilter {
            from_seq: 1,
            action: Some("export"),
            object_type: Some("base_dossier"),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(exports.len(), 1, "the dossier's export is audited");
}

/// The second base: disbursed and nothing spent (its row in the reports).
async fn granted_second_spent(app: &TestApp, cast: &crate::subsidy::Cast, second: &str) {
    let (status, body) = crate::subsidy::disburse(app, &cast.staff, second, "50000.00", "GK-2024-101").await;
    assert_eq!(status, 201, "{body}");
}

async fn a_drafter_made_a_leader_is_refused_on_the_page(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let base = cast.bases[0].0.clone();
    let (drafter, drafter_id) = app.sign_in_user(Role::Staff, "staff-drafter", "经办人乙").await;
    let drafted = post(&app, "/funds/requests", &drafter, &[("bases", &base)]).await;
    assert_redirect(&drafted, "/funds/requests/");
    let path = format!("/funds/requests/{}", id_after(&drafted.location, "/funds/requests/"));
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, body) =
        app.post_json_as(&sysadmin, &format!("/api/v1/users/{drafter_id}/role"), &json!({"role": "leader"})).await;
    assert_eq!(status, 204, "{body}");
    let page = get(&app, &path, &drafter).await;
    assert!(page.html.contains(r#"id="own-request""#), "the page says so: {}", page.html);
    let own = post(&app, &format!("{path}/approve"), &drafter, &[("reason", "同意")]).await;
    assert_eq!(own.status, 403, "{}", own.html);
    assert!(text_of(&own.html, "request-error").contains("不得审批本人提出的事项"), "{}", own.html);
    assert_eq!(text_of(&own.html, "request-status"), "待领导审核");
    assert!(own.html.contains("同意</textarea>"), "the opinion is kept");
    // Another leader may; and the request is then the coordination group's.
    let endorsed = post(&app, &format!("{path}/approve"), &cast.leader, &[]).await;
    assert_redirect(&endorsed, &format!("{path}?done=endorsed"));
    // SEC-08: six minutes after signing in, the coordination group's approval on the page asks
    // for the password again, keeping the comment typed; nothing is decided meanwhile. Once the
    // password is given, the same approval is offered again as typed, and goes through.
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let body = form_body(&[("csrf_token", &cast.funding.csrf), ("reason", "经协调小组审议同意")]);
    let response = app
        .client
        .post(app.url(&format!("{path}/approve")))
        .header("cookie", &cast.funding.cookie)
        .header("referer", app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("send");
    let stale = Answer::read(response).await;
    assert_eq!(stale.status, 401, "{}", stale.html);
    assert!(stale.html.contains(r#"action="/account/reauth""#), "{}", stale.html);
    assert_eq!(hidden(&stale.html, "pending.reason"), "经协调小组审议同意", "what was typed is kept");
    assert_eq!(hidden(&stale.html, "pending_action"), format!("{path}/approve"));
    assert_eq!(hidden(&stale.html, "next"), path);
    assert!(!stale.html.contains(r#"name="pending.csrf_token""#), "the token is not carried");
    assert_eq!(text_of(&get(&app, &path, &cast.funding).await.html, "request-status"), "已报协调小组");
    let wrong = post(
        &app,
        "/account/reauth",
        &cast.funding,
        &[
            ("password", "not-the-password"),
            ("next", &path),
            ("pending_action", &format!("{path}/approve")),
            ("pending.reason", "经协调小组审议同意"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.html);
    assert_eq!(hidden(&wrong.html, "pending.reason"), "经协调小组审议同意", "kept through a wrong password");
    let again = post(
        &app,
        "/account/reauth",
        &cast.funding,
        &[
            ("password", crate::helpers::ROLE_PASSWORD),
            ("next", &path),
            ("pending_action", &format!("{path}/approve")),
            ("pending.reason", "经协调小组审议同意"),
        ],
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.html);
    assert!(again.html.contains(&format!(r#"action="{path}/approve""#)), "{}", again.html);
    assert_eq!(hidden(&again.html, "reason"), "经协调小组审议同意");
    let approved =
        post(&app, &format!("{path}/approve"), &cast.funding, &[("reason", &hidden(&again.html, "reason"))]).await;
    assert_redirect(&approved, &format!("{path}?done=approved"));
    assert!(get(&app, &path, &cast.funding).await.html.contains("经协调小组审议同意"), "the comment is recorded");
    // An unknown request is a 404 page, never an error.
    let missing = get(&app, "/funds/requests/nothing-here", &cast.staff).await;
    assert_eq!(missing.status, 404);
}

/// Issue 17, item 4, on the page: a malformed invoice number, the same invoice and the same
/// file are refused beside their fields (the earlier expense named by its date and amount);
/// the same payee, amount and date comes back with a box to tick, what was typed kept, and is
/// recorded once ticked.
async fn the_same_receipt_is_refused_or_asked_about_on_the_page(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = cast.bases[0].clone();
    granted(&app, &cast, &[&base]).await;
    let (status, body) = disburse(&app, &cast.staff, &base, "50000.00", "GK-DUP-1").await;
    assert_eq!(status, 201, "{body}");
    let org = app.sign_in_again(&org).await;
    let base_path = format!("/funds/bases/{base}");
    let form = |amount: &'static str, payee: &'static str, number: &'static str| {
        vec![
            ("category", "teacher_development"),
            ("amount", amount),
            ("spent_on", "2024-10-14"),
            ("payee", payee),
            ("description", "师资培训"),
            ("invoice_number", number),
        ]
    };
    let page = get(&app, &base_path, &org).await;
    assert!(page.html.contains(r#"name="invoice_number""#) && page.html.contains(r#"name="invoice_code""#));
    assert!(!page.html.contains(r#"name="confirm_duplicate""#), "asked only when it matters");

    let bad =
        post_expense(&app, &base, &org, &form("800.00", "上海某培训中心", "2431200"), Some(("发票.pdf", PDF))).await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(text_of(&bad.html, "f-invoice-number-error").contains("发票号码须为 8 位数字，全电发票为 20 位数字"));
    assert!(bad.html.contains(r#"value="2431200""#), "what was typed is kept");

    let recorded = post_expense(
        &app,
        &base,
        &org,
        &form("800.00", "上海某培训中心", "24312000000000000201"),
        Some(("发票.pdf", PDF)),
    )
    .await;
    assert_redirect(&recorded, &format!("{base_path}?done=recorded"));
    let first = id_after(recorded.location.split('#').nth(1).expect("an anchor"), "expense-");
    let page = get(&app, &base_path, &org).await;
    assert_eq!(text_of(&page.html, &format!("expense-{first}-invoice")), "发票号码 24312000000000000201");

    // The same invoice, another file, payee and amount.
    let (other, _) = fresh_receipt();
    let same_invoice =
        post_expense(&app, &base, &org, &form("35.00", "某书店", "24312000000000000201"), Some(("书.pdf", &other)))
            .await;
    assert_eq!(same_invoice.status, 409, "{}", same_invoice.html);
    let said = text_of(&same_invoice.html, "f-invoice-number-error");
    assert!(said.contains("已在本基地一笔 2024-10-14、¥800.00 的支出中列支"), "{said}");
    // The same file under another invoice.
    let same_file =
        post_expense(&app, &base, &org, &form("35.00", "某书店", "24312000000000000202"), Some(("又一张.pdf", PDF)))
            .await;
    assert_eq!(same_file.status, 409, "{}", same_file.html);
    assert!(
        text_of(&same_file.html, "f-receipt-error")
            .contains("同一票据文件已在本基地一笔 2024-10-14、¥800.00 的支出中上传"),
        "{}",
        same_file.html
    );

    // The same payee, amount and date: the box to tick, then recorded.
    let like = form("800.00", "上海某培训中心", "24312000000000000203");
    let asked = post_expense(&app, &base, &org, &like, Some(("发票2.pdf", &other))).await;
    assert_eq!(asked.status, 409, "{}", asked.html);
    assert!(text_of(&asked.html, "f-confirm-duplicate-error").contains("可能是重复登记"), "{}", asked.html);
    let tick = asked.html.split(r#"<input id="f-confirm-duplicate""#).nth(1).and_then(|rest| rest.split('>').next());
    let tick = tick.unwrap_or_else(|| panic!("the box to tick: {}", asked.html));
    assert!(
        tick.contains(r#"name="confirm_duplicate" type="checkbox""#) && !tick.contains("checked"),
        "unticked: {tick}"
    );
    assert!(asked.html.contains(r#"value="24312000000000000203""#), "what was typed is kept");
    assert_eq!(expenses_of(&app, &org, &base).await.len(), 1, "nothing stored meanwhile");
    let mut confirmed = like.clone();
    confirmed.push(("confirm_duplicate", "1"));
    let done = post_expense(&app, &base, &org, &confirmed, Some(("发票2.pdf", &other))).await;
    assert_redirect(&done, &format!("{base_path}?done=recorded"));
    let numbers: Vec<Value> =
        expenses_of(&app, &org, &base).await.iter().map(|e| e["invoice_number"].clone()).collect();
    assert_eq!(numbers, [json!("24312000000000000201"), json!("24312000000000000203")]);
    let audit = app
        .app()
        .audit_entries(&AuditFilter { from_seq: 1, action: Some("ledger.expense"), limit: 10, ..Default::default() })
        .await
        .expect("audit");
    let confirmed_notes: Vec<bool> = audit
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.record.detail).expect("json")["confirmed_not_duplicate"].is_string())
        .collect();
    assert_eq!(confirmed_notes, [false, true], "the confirmation is audited");
}
