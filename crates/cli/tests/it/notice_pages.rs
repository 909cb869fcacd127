//! The notice pages as people without JavaScript use them, on both engines: staff publish the
//! notice of an approved list on the page (a year without calendar data refused with its
//! message); the public reads it — the entries, no phone or ID number on any public page —
//! and objects (bad fields refused beside each field, nothing stored; a good objection with a
//! file gives a receipt); the lookup says 未查到 for a wrong contact; staff take the objections
//! up and resolve them (findings required); once the clock passes the end the form is gone and
//! a post is refused with the notice_closed message; staff close the notice, the leader
//! concludes it; the plaque page carries the number and an SVG QR code, the PDF the number;
//! verification says 有效, and 未查到 for an unknown number.

use serde_json::json;
use skillbase_domain::roles::Role;

use crate::helpers::{TestApp, at};
use crate::on_both_engines;
use crate::page_client::{Answer, FilePart, assert_redirect, get, post, post_multipart};
use crate::recognition_support::{approved_list, personal_number};
use crate::samples::PDF;

/// A public page: read without an account, and scanned for phone and ID numbers.
async fn public(app: &TestApp, path: &str) -> Answer {
    let page = get(app, path, None).await;
    assert_no_personal_numbers(path, &page.html);
    page
}

/// SEC-16: no `1[3-9]\d{9}` and no 18-digit ID pattern. The signature and the public key on a
/// verification page are hexadecimal (checked to be only that) and left out of the scan.
fn assert_no_personal_numbers(path: &str, html: &str) {
    let mut text = html.to_owned();
    for id in ["signature", "public-key"] {
        let marker = format!(r#"id="{id}">"#);
        if let Some(start) = text.find(&marker).map(|s| s + marker.len()) {
            let end = start + text[start..].find('<').expect("closed");
            assert!(text[start..end].bytes().all(|b| b.is_ascii_hexdigit()), "{path}: #{id} is hex");
            text.replace_range(start..end, "");
        }
    }
    assert_eq!(personal_number(&text), None, "{path} shows a phone or ID number:\n{html}");
}

/// Files an objection as the page's form sends it: `multipart/form-data`, the file field
/// always present (empty when no file is chosen, as a browser sends it).
async fn object(app: &TestApp, notice: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Answer {
    let file = match file {
        Some((filename, bytes)) => FilePart { field: "file", filename, content_type: "application/pdf", bytes },
        None => FilePart { field: "file", filename: "", content_type: "application/octet-stream", bytes: b"" },
    };
    post_multipart(app, &format!("/notices/{notice}/objections"), None, fields, file).await
}

/// The text of the element with this id (tags inside it dropped).
fn text_at(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}""#);
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let mut i = at + html[at..].find('>').expect("tag end") + 1;
    let mut depth = 1;
    let mut text = String::new();
    while i < html.len() {
        if html[i..].starts_with('<') {
            let end = i + html[i..].find('>').expect("tag end");
            let tag = &html[i + 1..end];
            let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
            let void = matches!(name.as_str(), "br" | "input" | "img" | "hr" | "meta" | "link") || tag.ends_with('/');
            if tag.starts_with('/') {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            } else if !void {
                depth += 1;
            }
            i = end + 1;
        } else {
            let c = html[i..].chars().next().expect("a char");
            text.push(c);
            i += c.len_utf8();
        }
    }
    text
}

on_both_engines!(notice_objection_and_recognition_on_the_pages);

async fn notice_objection_and_recognition_on_the_pages(app: TestApp) {
    let approved = approved_list(&app, "np", 2).await;
    let staff = &approved.staff;
    let (first, first_name) = approved.applications[0].clone();
    let (second, second_name) = approved.applications[1].clone();

    // Staff find the approved list in the publish form; nothing is public yet.
    let page = get(&app, "/bureau/notices", Some(staff)).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(&format!(r#"<option value="{}""#, approved.proposal)), "{}", page.html);
    assert!(page.html.contains(r#"value="2024-09-27""#), "the date defaults to today");
    assert!(public(&app, "/notices").await.html.contains("目前没有公示"));

    // A date in a year without calendar data: 422 and the calendar's message; a bad date beside
    // its field; neither publishes anything.
    let refused = post(
        &app,
        "/bureau/notices",
        Some(staff),
        &[("proposal_id", &approved.proposal), ("publish_on", "2031-01-02")],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("alert-error") && refused.html.contains("2031"), "{}", refused.html);
    let refused = post(
        &app,
        "/bureau/notices",
        Some(staff),
        &[("proposal_id", &approved.proposal), ("publish_on", "2024-09-26")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(text_at(&refused.html, "f-publish-on-error").contains("不能早于今天"), "{}", refused.html);
    let (_, notices) = app.get_json_as(staff, "/api/v1/notices").await;
    assert_eq!(notices, json!([]));

    // Published from today.
    let done = post(
        &app,
        "/bureau/notices",
        Some(staff),
        &[("proposal_id", &approved.proposal), ("publish_on", "2024-09-27")],
    )
    .await;
    assert_redirect(&done, "/bureau/notices/");
    let notice = done.location.trim_start_matches("/bureau/notices/").split('?').next().expect("id").to_owned();
    assert!(done.location.ends_with("?done=published"));
    let (_, api) = app.get_json(&format!("/api/v1/public/notices/{notice}")).await;
    let last_day = api["last_day"].as_str().expect("last day").to_owned();
    assert_eq!(api["first_day"], "2024-09-27");

    // The public list and the notice: the entries, the period, the form; no personal numbers.
    let list = public(&app, "/notices").await;
    assert!(list.html.contains(&format!("/notices/{notice}")) && list.html.contains("公示中"), "{}", list.html);
    let page = public(&app, &format!("/notices/{notice}")).await;
    let html = page.html.clone();
    assert_eq!(page.status, 200);
    let entries = text_at(&html, "entries");
    for name in [&first_name, &second_name] {
        assert!(entries.contains(name.as_str()), "{entries}");
    }
    assert!(entries.contains("数控车工") || entries.contains("6-18-01-01"), "{entries}");
    let period = text_at(&html, "notice-period");
    assert!(period.starts_with("公示期：2024年9月27日至") && period.ends_with("（5个工作日）"), "{period}");
    assert!(html.contains("上海市青浦区人力资源和社会保障局") && html.contains("2024年9月27日"));
    assert!(html.contains(&format!(r#"action="/notices/{notice}/objections""#)), "the form is there");
    // Objecting on paper: how, by when, and where (the configured address and telephone).
    let paper = text_at(&html, "paper-objection");
    assert!(paper.contains("书面提出异议") && paper.contains(crate::helpers::OBJECTION_CONTACT), "{paper}");
    assert!(paper.contains("24时前") && paper.contains("邮戳"), "{paper}");
    // The printed notice is numbered page by page (GB/T 9704: odd pages right, even left), and
    // the screen's grey background is not printed after its last line.
    let css = app.get("/static/app.css").await.text().await.expect("css");
    for rule in
        ["@page gw:right { @bottom-right { content: \"— \" counter(page) \" —\"", "@page gw:left { @bottom-left"]
    {
        assert!(css.contains(rule), "{rule}");
    }
    let print = css.split("@media print {").nth(1).expect("the print rules");
    assert!(print.contains(":root, body { background: #fff; }") && print.contains("min-height: 0"), "{print}");
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains(r#"lang="zh-CN""#));
    for id in ["f-name", "f-contact", "f-organization", "f-concerning", "f-facts", "f-file"] {
        assert!(html.contains(&format!(r#"<label for="{id}">"#)), "a label for {id}");
    }

    // Bad fields: each error beside its field, 400, nothing stored.
    let bad =
        object(&app, &notice, &[("name", "x"), ("contact", "12345"), ("concerning", ""), ("facts", "太差")], None)
            .await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    let html = bad.html.clone();
    for (field, words) in
        [("name", "真实姓名"), ("contact", "手机号码"), ("concerning", "请选择"), ("facts", "至少 10 个字")]
    {
        assert!(text_at(&html, &format!("f-{field}-error")).contains(words), "{field}: {html}");
    }
    assert!(html.contains(r#"value="12345""#), "what was typed is kept");
    assert_no_personal_numbers("refused objection", &html);
    let (_, stored) = app.get_json_as(staff, &format!("/api/v1/notices/{notice}/objections")).await;
    assert_eq!(stored, json!([]), "nothing stored");

    // A good one, with a file: the receipt.
    let facts = "该单位实训场地实为仓库，现场未见所列五轴加工中心。";
    let good = object(
        &app,
        &notice,
        &[("name", "李明"), ("contact", "13912345678"), ("organization", ""), ("concerning", &first), ("facts", facts)],
        Some(("现场照片说明.pdf", PDF)),
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.html);
    let receipt = text_at(&good.html, "receipt").trim().to_owned();
    assert!(receipt.starts_with("YY2024-") && receipt.len() == 15, "{receipt}");
    assert_no_personal_numbers("receipt", &good.html);
    // A second objection, by an organisation, through the public API.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/public/notices/{notice}/objections")))
        .json(&json!({"name": "王强", "contact": "wang@example.com", "organization": "上海某某培训学校", "concerning": second, "facts": "该单位所报专职培训人员实为兼职，且未实际开展培训。"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);

    // The lookup: 未查到 for a wrong contact, the status for the right one.
    let form = public(&app, "/objections/lookup").await;
    assert!(form.html.contains(r#"<label for="f-receipt">"#));
    let wrong = post(&app, "/objections/lookup", None, &[("receipt", &receipt), ("contact", "13900000000")]).await;
    assert_eq!(wrong.status, 404);
    assert!(text_at(&wrong.html, "lookup-not-found").contains("未查到"), "{}", wrong.html);
    let blank = post(&app, "/objections/lookup", None, &[("receipt", &receipt), ("contact", "")]).await;
    assert_eq!(blank.status, 400);
    assert!(text_at(&blank.html, "f-contact-error").contains("联系方式"));
    let right =
        post(&app, "/objections/lookup", None, &[("receipt", &receipt.to_lowercase()), ("contact", "13912345678")])
            .await;
    assert_eq!(right.status, 200, "{}", right.html);
    let outcome = text_at(&right.html, "outcome");
    assert!(outcome.contains("已收到") && outcome.contains(&first_name), "{outcome}");

    // Staff read both (names opened, contacts masked), download the file, take them up and
    // resolve them: the findings are required.
    let page = get(&app, &format!("/bureau/notices/{notice}"), Some(staff)).await;
    let html = page.html.clone();
    assert_eq!(page.status, 200, "{html}");
    assert!(html.contains("李明") && html.contains("139****5678") && html.contains("w***@example.com"), "{html}");
    assert!(!html.contains("13912345678"), "the contact is masked");
    assert!(html.contains("上海某某培训学校") && html.contains(facts));
    let objections = app.get_json_as(staff, &format!("/api/v1/notices/{notice}/objections")).await.1;
    let id_of = |receipt_holder: &str| -> String {
        objections
            .as_array()
            .expect("list")
            .iter()
            .find(|o| o["concerning_application"] == receipt_holder)
            .and_then(|o| o["id"].as_str())
            .expect("objection")
            .to_owned()
    };
    let (on_first, on_second) = (id_of(&first), id_of(&second));
    let file = format!("/bureau/notices/{notice}/objections/{on_first}/file");
    assert!(html.contains(&format!(r#"href="{file}""#)), "{html}");
    let download = get(&app, &file, Some(staff)).await;
    assert_eq!(download.status, 200);
    assert!(download.disposition.starts_with("attachment;"), "{}", download.disposition);
    assert_eq!((download.content_type.as_str(), download.bytes.as_slice()), ("application/pdf", PDF));
    assert_eq!(get(&app, &file, None).await.status, 303, "the public is sent to sign in");

    let base = format!("/bureau/notices/{notice}/objections");
    assert_redirect(
        &post(&app, &format!("{base}/{on_first}/investigate"), Some(staff), &[]).await,
        &format!("/bureau/notices/{notice}?done=investigating"),
    );
    let refused =
        post(&app, &format!("{base}/{on_first}/resolve"), Some(staff), &[("decision", "dismissed"), ("findings", " ")])
            .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains(&format!(r#"id="findings-{on_first}-error""#)), "{}", refused.html);
    let refused = post(&app, &format!("{base}/{on_first}/resolve"), Some(staff), &[("findings", "核实")]).await;
    assert!(refused.html.contains(&format!(r#"id="decision-{on_first}-error""#)));
    let findings = "经现场核查，实训场地与申报一致，设备在位。";
    assert_redirect(
        &post(
            &app,
            &format!("{base}/{on_first}/resolve"),
            Some(staff),
            &[("decision", "dismissed"), ("findings", findings)],
        )
        .await,
        &format!("/bureau/notices/{notice}?done=resolved"),
    );
    assert_redirect(
        &post(
            &app,
            &format!("{base}/{on_second}/resolve"),
            Some(staff),
            &[("decision", "sustained"), ("findings", "经核实，专职人员不足。")],
        )
        .await,
        &format!("/bureau/notices/{notice}?done=resolved"),
    );
    let page = get(&app, &format!("/bureau/notices/{notice}?done=resolved"), Some(staff)).await;
    assert!(page.html.contains("异议不成立") && page.html.contains("异议成立") && page.html.contains(findings));
    // Each objection keeps every step with its actor and time, not only the conclusion (#17 item 3).
    let history = text_at(&page.html, &format!("objection-{on_first}-history"));
    let (taken_up, concluded) = (history.find("受理调查"), history.find("办结：异议不成立"));
    assert!(taken_up.is_some() && concluded.is_some() && taken_up < concluded, "{history}");
    assert!(history.contains(findings), "{history}");
    let history = text_at(&page.html, &format!("objection-{on_second}-history"));
    assert!(history.contains("办结：异议成立") && !history.contains("受理调查"), "{history}");
    let right = post(&app, "/objections/lookup", None, &[("receipt", &receipt), ("contact", "13912345678")]).await;
    let outcome = text_at(&right.html, "outcome");
    assert!(outcome.contains("异议不成立") && outcome.contains(findings), "{outcome}");
    assert_no_personal_numbers("lookup", &right.html);

    // The clock passes the end: the form is gone, a post is refused with notice_closed.
    let next_day = chrono::NaiveDate::parse_from_str(&last_day, "%Y-%m-%d").expect("date").succ_opt().expect("day");
    app.clock.set(at(&format!("{next_day}T00:00:00+08:00")));
    let page = public(&app, &format!("/notices/{notice}")).await;
    assert!(!page.html.contains(&format!(r#"action="/notices/{notice}/objections""#)), "{}", page.html);
    assert!(page.html.contains("公示期满"));
    let late = object(
        &app,
        &notice,
        &[("name", "李明"), ("contact", "13912345678"), ("concerning", &first), ("facts", facts)],
        None,
    )
    .await;
    assert_eq!(late.status, 400, "{}", late.html);
    assert!(text_at(&late.html, "notice-closed").contains("公示期已于"), "{}", late.html);

    // Sessions have expired: staff sign in again and close it; the leader concludes.
    let staff = app.sign_in_user(Role::Staff, "np-staff-2", "经办人").await.0;
    let page = get(&app, &format!("/bureau/notices/{notice}"), Some(&staff)).await;
    assert!(page.html.contains(&format!(r#"action="/bureau/notices/{notice}/close""#)), "{}", page.html);
    assert!(!page.html.contains("/conclude\""), "staff do not conclude");
    assert_redirect(
        &post(&app, &format!("/bureau/notices/{notice}/close"), Some(&staff), &[]).await,
        &format!("/bureau/notices/{notice}?done=closed"),
    );
    let refused = post(&app, &format!("/bureau/notices/{notice}/conclude"), Some(&staff), &[]).await;
    assert_eq!(refused.status, 403);
    let leader = app.sign_in_user(Role::Leader, "np-leader", "分管领导").await.0;
    let page = get(&app, &format!("/bureau/notices/{notice}"), Some(&leader)).await;
    assert!(page.html.contains(&format!(r#"action="/bureau/notices/{notice}/conclude""#)), "{}", page.html);
    assert!(!page.html.contains("/resolve\""), "a leader does not resolve objections");
    assert_redirect(
        &post(&app, &format!("/bureau/notices/{notice}/conclude"), Some(&leader), &[]).await,
        &format!("/bureau/notices/{notice}?done=concluded"),
    );
    let page = get(&app, &format!("/bureau/notices/{notice}?done=concluded"), Some(&leader)).await;
    let plaques = text_at(&page.html, "plaques");
    assert!(plaques.contains(&first_name) && plaques.contains("QPJD-2024-001"), "{plaques}");
    assert!(!plaques.contains(&second_name), "a sustained objection keeps it out: {plaques}");
    let href_start = page.html.find("href=\"/bureau/bases/").expect("a plaque link") + 6;
    let href: String = page.html[href_start..].chars().take_while(|c| *c != '"').collect();

    // The plaque: the number, the date, an SVG QR code of the verification address; the PDF.
    let plaque = get(&app, &href, Some(&leader)).await;
    let html = plaque.html.clone();
    assert_eq!(plaque.status, 200, "{html}");
    assert_eq!(text_at(&html, "plaque-number"), "QPJD-2024-001");
    assert!(
        html.contains(&first_name)
            && html.contains("青浦区技能人才培育实训基地")
            && html.contains(&format!("{}年{}月{}日", 2024, next_day.format("%-m"), next_day.format("%-d")))
    );
    assert!(
        html.contains("<svg") && html.contains(&format!(r#"data-url="{}/verify/QPJD-2024-001""#, app.base)),
        "{html}"
    );
    let scanned = crate::screens::read_qr(&html, "plaque-qr");
    assert_eq!(scanned, format!("{}/verify/QPJD-2024-001", app.base), "the QR code reads as the verification address");
    let pdf = get(&app, &format!("{href}.pdf"), Some(&leader)).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf.bytes).contains("QPJD-2024-001"));
    assert_eq!(get(&app, &href, None).await.status, 303, "the public is sent to sign in");

    // Verification and the registry, for anyone.
    let verified = public(&app, "/verify/QPJD-2024-001").await;
    assert_eq!(verified.status, 200);
    assert_eq!(text_at(&verified.html, "verdict").split_whitespace().next(), Some("有效"));
    assert!(verified.html.contains(&first_name) && verified.html.contains("1234567812345678"));
    assert!(text_at(&verified.html, "signed-text").starts_with("skillbase-plaque:v1"));
    let unknown = public(&app, "/verify/QPJD-2099-999").await;
    assert_eq!(unknown.status, 404);
    assert!(text_at(&unknown.html, "verdict").contains("未查到"));
    let typed = get(&app, "/verify?number=qpjd-2024-001", None).await;
    assert_redirect(&typed, "/verify/QPJD-2024-001");
    let form = public(&app, "/verify").await;
    assert!(form.html.contains(r#"<label for="f-number">"#));
    let registry = public(&app, "/bases").await;
    let bases = text_at(&registry.html, "bases");
    assert!(bases.contains("QPJD-2024-001") && bases.contains(&first_name) && bases.contains("有效"), "{bases}");
    assert!(public(&app, "/bases?status=revoked").await.html.contains("没有符合条件的基地"));
    let filtered = public(&app, "/bases?industry=digital&kind=enterprise&year=2024&status=active").await;
    assert!(filtered.html.contains("QPJD-2024-001"), "{}", filtered.html);
    let bad = public(&app, "/bases?year=abc&industry=space").await;
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains(r#"id="f-year-error""#) && bad.html.contains(r#"id="f-industry-error""#));
    for path in ["/", "/notices", "/calls", "/register", "/login"] {
        public(&app, path).await;
    }
}

on_both_engines!(objections_from_one_address_are_rate_limited);

/// SEC-16: a burst of objection posts from one address is answered 429 with `Retry-After`, on a
/// page; a signed-in visitor's post without the session's token is refused (403).
async fn objections_from_one_address_are_rate_limited(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let response = app
        .client
        .post(app.url("/notices/nothing-here/objections"))
        .header("cookie", &staff.cookie)
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 403, "no CSRF token");
    let mut limited = None;
    for i in 0..40 {
        let answer = object(&app, "nothing-here", &[("name", "李明")], None).await;
        if answer.status == 429 {
            limited = Some((i, answer));
            break;
        }
        assert_eq!(answer.status, 404, "{}", answer.html);
    }
    let (i, answer) = limited.expect("a burst is limited");
    assert!(i >= 5, "not before a few posts");
    assert!(answer.content_type.starts_with("text/html"), "a page: {}", answer.content_type);
}
