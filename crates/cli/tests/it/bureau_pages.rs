//! The bureau's pages as people without JavaScript use them: staff open and publish a call,
//! receive an application (submitted by the organisation through the API), return it for
//! supplement, accept it and decide its eligibility clause by clause; a leader reads without
//! acting; the system administrator loads policy versions — plain form posts with the session
//! cookie and the CSRF field, pages back, on both engines.

use serde_json::{Value, json};
use skillbase_domain::eligibility::CLAUSES;
use skillbase_domain::occupation::OccupationCode;
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Cookie, assert_redirect, get, post};
use crate::samples::{JPEG, PDF, USCC, complete_form, upload};

/// The text of the element with this id (tags inside it dropped).
pub(crate) fn text_of(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}""#);
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let tag_start = html[..at].rfind('<').expect("in a tag");
    let name: String = html[tag_start + 1..].chars().take_while(char::is_ascii_alphanumeric).collect();
    let open = at + html[at..].find('>').expect("tag end") + 1;
    // The element ends at the closing tag that balances its own kind.
    let (opening, closing) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 1;
    let mut i = open;
    let end = loop {
        let next_close = html[i..].find(&closing).map(|e| i + e).expect("closed");
        match html[i..next_close].find(&opening) {
            Some(o) => {
                depth += 1;
                i += o + opening.len();
            }
            None => {
                depth -= 1;
                if depth == 0 {
                    break next_close;
                }
                i = next_close + closing.len();
            }
        }
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[open..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The HTML between the element with this id and the next `</tr>` (a table row).
fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!(r#"id="{id}""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let end = html[start..].find("</tr>").map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// What the textarea holds, as the browser will read it.
fn textarea(html: &str, id: &str) -> String {
    let marker = format!(r#"<textarea id="{id}""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no textarea #{id}"));
    let open = start + html[start..].find('>').expect("tag end") + 1;
    let end = open + html[open..].find("</textarea>").expect("closed");
    let text = &html[open..end];
    // The newline right after the start tag is not part of the value.
    let text = text.strip_prefix('\n').unwrap_or(text);
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// No inline script or style: the pages work under `script-src 'self'; style-src 'self'`.
fn assert_csp_clean(html: &str) {
    assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="), "{html}");
    assert!(!html.contains(" onclick=") && !html.contains(" onsubmit="), "{html}");
}

/// The id in the first `action="/prefix/{id}/suffix"` of the page.
fn id_in(html: &str, prefix: &str, suffix: &str) -> String {
    let marker = format!(r#"action="{prefix}"#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {marker} in:\n{html}")) + marker.len();
    let rest = &html[start..];
    let end = rest.find(suffix).expect("suffix");
    rest[..end].to_owned()
}

// ---------------------------------------------------------------- the organisation, via the API

async fn put_form(app: &TestApp, who: &SignedIn, application: &str, form: &Value) {
    let request =
        app.client.put(app.url(&format!("/api/v1/applications/{application}"))).json(&json!({ "form": form }));
    let (status, _, body) = app.send_as(who, request).await;
    assert_eq!(status, 200, "{body}");
}

/// The organisation drafts, fills in and submits; returns the application's id and its form.
async fn submitted_application(app: &TestApp, applicant: &SignedIn, batch: &str) -> (String, Value) {
    let (status, created) = app.post_json_as(applicant, "/api/v1/applications", &json!({ "batch_id": batch })).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(app, applicant, &id).await;
    put_form(app, applicant, &id, &form).await;
    let (status, body) = app.post_json_as(applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (_, stored) = app.get_json_as(applicant, &format!("/api/v1/applications/{id}")).await;
    (id, stored["form"].clone())
}

// ---------------------------------------------------------------- the tests

on_both_engines!(staff_take_an_application_from_call_to_eligible, the_sysadmin_loads_policy_versions_on_the_page);

/// Staff open a call on the page (field errors first), publish it; walk one application through
/// return, resubmission, acceptance and every eligibility clause; a leader reads along.
async fn staff_take_an_application_from_call_to_eligible(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;

    // The call: an impossible date, then a window that closes before it opens, are said beside
    // their fields, with what was typed kept; then the call is made and published.
    let page = get(&app, "/bureau/batches", &staff).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(r#"<h1 id="page-title">申报批次</h1>"#), "{}", page.html);
    assert!(page.html.contains(r#"name="opens_on" type="date""#), "{}", page.html);
    assert!(page.html.contains("按开始日期自动选择当日生效的版本"), "{}", page.html);
    assert_csp_clean(&page.html);
    let title = "2024年度技能实训基地申报";
    let call = |opens: &'static str, closes: &'static str| {
        [
            ("year", "2024"),
            ("title", title),
            ("opens_on", opens),
            ("closes_on", closes),
            ("quota", "5"),
            ("policy_id", ""),
        ]
    };
    let refused = post(&app, "/bureau/batches", &staff, &call("2024-13-01", "2024-10-31")).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "f-opens-on-error").contains("日期格式应为 YYYY-MM-DD"), "{}", refused.html);
    assert!(refused.html.contains(&format!(r#"value="{title}""#)), "the title is kept");
    assert!(refused.html.contains(r#"value="2024-13-01""#), "the date as typed is kept");
    let refused = post(&app, "/bureau/batches", &staff, &call("2024-10-31", "2024-09-01")).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "f-closes-on-error").contains("截止日期不能早于开始日期"), "{}", refused.html);
    let created = post(&app, "/bureau/batches", &staff, &call("2024-09-01", "2024-10-31")).await;
    assert_redirect(&created, "/bureau/batches");
    let page = get(&app, &created.location, &staff).await;
    assert!(page.html.contains("已创建申报批次"), "{}", page.html);
    assert!(page.html.contains(title) && page.html.contains("未发布"), "{}", page.html);
    assert!(page.html.contains("青人社〔2023〕17号（第 1 版"), "the policy in force on the opening day: {}", page.html);
    let batch = id_in(&page.html, "/bureau/batches/", "/publish");
    let published = post(&app, &format!("/bureau/batches/{batch}/publish"), &staff, &[]).await;
    assert_redirect(&published, "/bureau/batches");
    let page = get(&app, "/bureau/batches", &staff).await;
    assert!(page.html.contains("已发布") && page.html.contains("提前截止"), "{}", page.html);
    // Publishing twice is refused on the page, not with a server error.
    let again = post(&app, &format!("/bureau/batches/{batch}/publish"), &staff, &[]).await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(again.html.contains("不能执行此操作"), "{}", again.html);

    // The organisation submits through the API; staff find it waiting.
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (id, form) = submitted_application(&app, &applicant, &batch).await;
    let list = get(&app, "/bureau/applications", &staff).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert!(
        list.html.contains(&format!(r#"<a href="/bureau/applications/{id}">申报单位qingpu-hr</a>"#)),
        "{}",
        list.html
    );
    assert!(list.html.contains(USCC) && list.html.contains("待受理"), "{}", list.html);
    assert!(list.html.contains("2024-09-27 10:00"), "submitted at, Shanghai time: {}", list.html);
    assert_csp_clean(&list.html);
    let none = get(&app, "/bureau/applications?status=accepted", &staff).await;
    assert!(none.html.contains("没有符合条件的申报"), "{}", none.html);
    let filtered = get(&app, &format!("/bureau/applications?batch={batch}&status=submitted"), &staff).await;
    assert!(filtered.html.contains(&format!("/bureau/applications/{id}")), "{}", filtered.html);
    let bad = get(&app, "/bureau/applications?status=nonsense&batch=x", &staff).await;
    assert_eq!(bad.status, 400);
    assert!(text_of(&bad.html, "f-status-error").contains("请从列表中选择"), "{}", bad.html);

    // The whole application, read-only, in the policy's words, with what staff may do now.
    let detail = get(&app, &format!("/bureau/applications/{id}"), &staff).await;
    assert_eq!(detail.status, 200, "{}", detail.html);
    let html = &detail.html;
    assert_csp_clean(html);
    assert_eq!(text_of(html, "application-status"), "待受理");
    let occupation = OccupationCode::parse("6-18-01-01").expect("occupation").name();
    for expected in [
        "大数字",
        "¥3,000,000.00",
        occupation,
        "三级/高级工",
        "上游配套公司",
        "承诺书.pdf",
        "青人社〔2023〕17号（第 1 版）",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
    for action in ["accept", "return", "reject"] {
        assert!(html.contains(&format!(r#"action="/bureau/applications/{id}/{action}""#)), "{action}: {html}");
    }
    assert!(html.contains("受理后将通知申报单位"), "the notification map is said before acting");
    assert!(html.contains("退回后将通知申报单位"), "{html}");
    assert!(
        html.contains(r#"name="days" type="number" min="1" max="30" step="1" inputmode="numeric" value="5""#),
        "{html}"
    );
    // A file downloads from the page's own link, as an attachment.
    let letter = form["commitment_letter"].as_str().expect("letter");
    let href = format!("/bureau/applications/{id}/attachments/{letter}");
    assert!(html.contains(&format!(r#"href="{href}""#)), "{html}");
    let response = app.client.get(app.url(&href)).header("cookie", &staff.cookie).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment;"));
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PDF);
    // An attachment of another application is not found under this one.
    let wrong = get(&app, &format!("/bureau/applications/{id}/attachments/{}", uuid::Uuid::now_v7()), &staff).await;
    assert_eq!(wrong.status, 404);

    // 退回补正: a row without a reason is refused beside it, the rows kept; then two items.
    let return_path = format!("/bureau/applications/{id}/return");
    let refused = post(
        &app,
        &return_path,
        &staff,
        &[("section_0", "sites"), ("item_0", "场地照片"), ("reason_0", ""), ("days", "5")],
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "reason-0-error").contains("请写明补正理由"), "{}", refused.html);
    assert!(refused.html.contains(r#"<option value="sites" selected>"#), "{}", refused.html);
    assert!(refused.html.contains(r#"value="场地照片""#), "{}", refused.html);
    let refused = post(&app, &return_path, &staff, &[("days", "5")]).await;
    assert_eq!(refused.status, 400);
    assert!(text_of(&refused.html, "return-error").contains("请至少列出一项"), "{}", refused.html);
    let returned = post(
        &app,
        &return_path,
        &staff,
        &[
            ("section_0", "sites"),
            ("item_0", "场地照片"),
            ("reason_0", "场地照片不清晰，请重新拍摄"),
            ("section_1", "team"),
            ("item_1", ""),
            ("reason_1", "请补充专家资格证书"),
            ("days", "5"),
        ],
    )
    .await;
    assert_redirect(&returned, &format!("/bureau/applications/{id}"));
    // Friday 2024-09-27: counting from the next day, the fifth working day is 10-10.
    let detail = get(&app, &returned.location, &staff).await;
    assert_eq!(text_of(&detail.html, "application-status"), "已退回补正");
    assert!(text_of(&detail.html, "supplement-due").contains("2024-10-10"), "{}", detail.html);
    assert!(detail.html.contains("实训场地设备（场地照片）：场地照片不清晰，请重新拍摄"), "{}", detail.html);
    assert!(detail.html.contains("师资管理团队：请补充专家资格证书"), "{}", detail.html);
    // The organisation reads the same items, each linking to the step that fixes it.
    let own = get(&app, &format!("/applications/{id}"), &applicant).await;
    assert!(own.html.contains("实训场地设备（场地照片）"), "{}", own.html);
    assert!(own.html.contains(&format!("/applications/{id}/edit/sites")), "{}", own.html);
    assert!(!detail.html.contains(&format!(r#"action="/bureau/applications/{id}/accept""#)), "nothing to do now");
    let list = get(&app, "/bureau/applications", &staff).await;
    assert!(list.html.contains("2024-10-10"), "the list shows the due date: {}", list.html);

    // The organisation fixes the photo and resubmits.
    let mut fixed = form.clone();
    let new_photo = upload(&app, &applicant, &id, "场地-清晰.jpg", JPEG).await;
    fixed["sites"][0]["photos"] = json!([new_photo]);
    put_form(&app, &applicant, &id, &fixed).await;
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");

    // A leader reads it, but is offered nothing to do, and a post is refused.
    let leader = app.sign_in_as(Role::Leader).await;
    let read = get(&app, &format!("/bureau/applications/{id}"), &leader).await;
    assert_eq!(read.status, 200, "{}", read.html);
    assert_eq!(text_of(&read.html, "application-status"), "补正后待受理");
    assert!(!read.html.contains(r#"method="post" action="/bureau/"#), "no action for a leader: {}", read.html);
    let list = get(&app, "/bureau/applications", &leader).await;
    assert_eq!(list.status, 200);
    // The navigation offers the leader the applications received, and the organisation not.
    assert!(list.html.contains(r#"href="/bureau/applications""#), "{}", list.html);
    let own = get(&app, "/applications", &applicant).await;
    assert!(!own.html.contains(r#"href="/bureau/applications""#), "{}", own.html);
    assert_eq!(get(&app, &format!("/bureau/applications/{id}/revisions"), &leader).await.status, 200);
    assert_eq!(post(&app, &format!("/bureau/applications/{id}/accept"), &leader, &[]).await.status, 403);
    assert_eq!(get(&app, "/bureau/batches", &leader).await.status, 403);
    // The organisation has its own pages; the bureau's find nothing for it.
    assert_eq!(get(&app, &format!("/bureau/applications/{id}"), &applicant).await.status, 404);

    // 受理: the eligibility table appears, each clause citing the policy.
    let accepted = post(&app, &format!("/bureau/applications/{id}/accept"), &staff, &[]).await;
    assert_redirect(&accepted, &format!("/bureau/applications/{id}?done=accepted"));
    let detail = get(&app, &format!("/bureau/applications/{id}"), &staff).await;
    let html = &detail.html;
    assert_eq!(text_of(html, "application-status"), "已受理（待资格审查）");
    assert!(html.contains("第二条第（一）款"), "{html}");
    assert!(row_of(html, "clause-C2-1-0").contains("待人工确认"), "{html}");
    assert!(row_of(html, "clause-C2-1-2").contains("符合"), "{html}");
    assert!(html.contains("完成资格审查"), "{html}");

    // Concluding too early is refused with the clauses still open.
    let early = post(&app, &format!("/bureau/applications/{id}/eligibility/conclude"), &staff, &[]).await;
    assert_eq!(early.status, 400, "{}", early.html);
    assert!(text_of(&early.html, "conclude-error").contains("尚有条款未确认"), "{}", early.html);
    // Overriding the rules without a reason is refused beside that clause, the choice kept.
    let clause_path = |clause: &str| format!("/bureau/applications/{id}/eligibility/{clause}");
    let refused = post(&app, &clause_path("C2.1.2"), &staff, &[("decision", "fail"), ("reason", "")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "clause-C2-1-2-reason-error").contains("请填写理由"), "{}", refused.html);
    assert!(row_of(&refused.html, "clause-C2-1-2").contains(r#"value="fail" checked"#), "{}", refused.html);
    let refused = post(&app, &clause_path("C2.1.2"), &staff, &[("reason", "x")]).await;
    assert_eq!(refused.status, 400);
    assert!(text_of(&refused.html, "clause-C2-1-2-decision-error").contains("请选择"), "{}", refused.html);
    // Every clause confirmed; the open item with its reason.
    for clause in CLAUSES {
        let reason = if clause == "C2.1.0" { "经核实，系区重点企业名录内企业" } else { "" };
        let decided = post(&app, &clause_path(clause), &staff, &[("decision", "pass"), ("reason", reason)]).await;
        assert_redirect(&decided, &format!("/bureau/applications/{id}?done=decided"));
    }
    let detail = get(&app, &format!("/bureau/applications/{id}"), &staff).await;
    assert!(row_of(&detail.html, "clause-C2-1-0").contains("经核实，系区重点企业名录内企业"), "{}", detail.html);
    let concluded = post(&app, &format!("/bureau/applications/{id}/eligibility/conclude"), &staff, &[]).await;
    assert_redirect(&concluded, &format!("/bureau/applications/{id}?done=concluded"));
    let detail = get(&app, &concluded.location, &staff).await;
    assert_eq!(text_of(&detail.html, "application-status"), "资格审查通过");
    assert!(!detail.html.contains("完成资格审查</button>"), "nothing more to conclude");
    // The timeline tells the story.
    for label in ["提交申报", "退回补正", "补正后重新提交", "受理", "资格审查通过"] {
        assert!(detail.html.contains(&format!("<strong>{label}</strong>")), "{label}: {}", detail.html);
    }

    // The revisions: the second submission changed the photo.
    let revisions = get(&app, &format!("/bureau/applications/{id}/revisions"), &staff).await;
    assert_eq!(revisions.status, 200, "{}", revisions.html);
    assert_csp_clean(&revisions.html);
    let second = row_of(&revisions.html, "revision-2");
    assert!(second.contains("第 2 次提交"), "{}", revisions.html);
    assert!(revisions.html.contains("<code>sites[0].photos[0]</code>"), "{}", revisions.html);
    assert!(revisions.html.contains("<th scope=\"row\">实训场地设备</th>"), "{}", revisions.html);
    assert!(revisions.html.contains("场地-清晰.jpg") && revisions.html.contains("场地.png"), "{}", revisions.html);
}

/// A malformed policy file is refused with its line, the text kept in the box; a valid new
/// version then appears in the list. Posts without the CSRF token, or by staff, are refused.
async fn the_sysadmin_loads_policy_versions_on_the_page(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let page = get(&app, "/admin/policies", &sysadmin).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(r#"<h1 id="page-title">政策版本</h1>"#), "{}", page.html);
    assert!(page.html.contains("<code>qingpu-2023-17@1</code>") && page.html.contains("随系统内置"), "{}", page.html);
    assert_csp_clean(&page.html);

    let builtin = PolicyDocument::builtin().source();
    let line = builtin.lines().position(|l| l.starts_with("notice_working_days")).expect("the line") + 1;
    let broken = builtin.replacen("notice_working_days = 5", "notice_working_days = \"five\"", 1);
    let refused = post(&app, "/admin/policies", &sysadmin, &[("source", &broken)]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "f-source-error").contains(&format!("第 {line} 行")), "{}", refused.html);
    assert_eq!(textarea(&refused.html, "f-source"), broken, "the text is kept as posted");
    let empty = post(&app, "/admin/policies", &sysadmin, &[("source", "  ")]).await;
    assert_eq!(empty.status, 400);
    assert!(text_of(&empty.html, "f-source-error").contains("请粘贴"), "{}", empty.html);
    // The same version again is refused.
    let again = post(&app, "/admin/policies", &sysadmin, &[("source", builtin)]).await;
    assert_eq!(again.status, 400);
    assert!(text_of(&again.html, "f-source-error").contains("已存在"), "{}", again.html);

    let second = builtin.replacen("version = 1", "version = 2", 1).replacen(
        "effective_from = \"2023-06-14\"",
        "effective_from = \"2025-01-01\"",
        1,
    );
    // A browser sends the textarea's line breaks as CRLF.
    let loaded = post(&app, "/admin/policies", &sysadmin, &[("source", &second.replace('\n', "\r\n"))]).await;
    assert_redirect(&loaded, "/admin/policies?done=loaded");
    let page = get(&app, &loaded.location, &sysadmin).await;
    assert!(page.html.contains("已载入新的政策版本"), "{}", page.html);
    assert!(page.html.contains("<code>qingpu-2023-17@2</code>") && page.html.contains("2025-01-01"), "{}", page.html);
    assert!(page.html.contains("（test-sysadmin）"), "who loaded it: {}", page.html);
    let stored = PolicyDocument::parse(&second).expect("valid");
    assert!(page.html.contains(stored.fingerprint()), "kept verbatim, LF line ends: {}", page.html);

    // Without the CSRF field, refused; staff may not load policies.
    let response = post(&app, "/admin/policies", Cookie(Some(&sysadmin.cookie)), &[("source", "x")]).await;
    assert_eq!(response.status, 403);
    let staff = app.sign_in_as(Role::Staff).await;
    assert_eq!(get(&app, "/admin/policies", &staff).await.status, 403);
    assert_eq!(post(&app, "/admin/policies", &staff, &[("source", &second)]).await.status, 403);
}
