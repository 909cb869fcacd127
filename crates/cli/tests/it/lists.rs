//! Lists that never lose rows: with more rows than a page holds, every row is reached by
//! following `next` exactly once, the total says how many there are, and the filters hold on
//! every page — on the bureau's pages and in the API, on both engines.

use std::collections::HashSet;

use chrono::Duration;
use skillbase_domain::application::{ApplicationForm, Status};
use skillbase_domain::ids::{ApplicationId, BatchId, OrganizationId, UserId};
use skillbase_domain::roles::Role;
use skillbase_store::applications::{self as store, NewApplication, StatusChange};
use skillbase_store::identity::{self, NewOrganization};
use skillbase_store::users;

use crate::helpers::{SignedIn, TestApp, default_instant};
use crate::on_both_engines;
use crate::page_client::get;
use crate::samples::open_call;

/// Submitted applications stored in bulk through the store (an organisation each, as the rule
/// of one live application per organisation and call asks): `(id, batch, status)` of each.
/// The HTTP path would take minutes for a thousand; what is read back is read through HTTP.
pub(crate) async fn submitted_in_bulk(
    app: &TestApp,
    batches: &[String],
    count: usize,
    status_of: impl Fn(usize) -> Status,
) -> Vec<(String, String, Status)> {
    let db = &app.app().db;
    let staff: UserId = users::find_by_username(db, "test-staff").await.expect("reads").expect("staff exists").id;
    let form = serde_json::to_string(&ApplicationForm::default()).expect("form");
    let mut tx = db.begin().await.expect("begins");
    let mut made = Vec::new();
    for n in 0..count {
        let at = default_instant() - Duration::seconds(i64::try_from(count - n).expect("small"));
        let organization: OrganizationId = uuid::Uuid::now_v7().to_string().parse().expect("id");
        let (uscc, name) = (format!("91310118BULK{n:06}"), format!("批量单位{n:04}"));
        let org = NewOrganization {
            id: organization,
            uscc: &uscc,
            name: &name,
            kind: "enterprise",
            contact_name: "王经理",
            contact_phone: "13800138000",
            contact_email: None,
            at,
        };
        identity::insert_organization(&mut tx, &org).await.expect("organisation");
        let batch: BatchId = batches[n % batches.len()].parse().expect("batch id");
        let id: ApplicationId = uuid::Uuid::now_v7().to_string().parse().expect("id");
        let draft =
            NewApplication { id, organization_id: organization, batch_id: batch, form: &form, created_by: staff, at };
        store::insert_application(&mut tx, &draft).await.expect("draft");
        let status = status_of(n);
        let change = StatusChange {
            id,
            from: "draft",
            to: status.as_str(),
            version: 1,
            at,
            submission: Some(("qingpu-2023-17@1", 1)),
            supplement_due: None,
        };
        assert!(store::change_status(&mut tx, &change).await.expect("submits"), "submitted");
        made.push((id.to_string(), batch.to_string(), status));
    }
    tx.commit().await.expect("commits");
    made
}

/// The ids of the applications a page of the bureau's list links to.
fn listed_ids(html: &str) -> Vec<String> {
    html.split(r#"<th scope="row"><a href="/bureau/applications/"#)
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_owned())
        .collect()
}

/// The next page's link of a page, if any.
fn next_href(html: &str) -> Option<String> {
    let at = html.find(r#"id="next-page""#)?;
    let tag = &html[html[..at].rfind('<').expect("tag")..];
    let href = tag.split(r#"href=""#).nth(1)?.split('"').next()?;
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// Follows the bureau's list from `first` to its last page: every id seen, and each page's
/// 「共 N 条」.
async fn walk_pages(app: &TestApp, staff: &SignedIn, first: &str) -> (Vec<String>, Vec<String>) {
    let (mut seen, mut totals) = (Vec::new(), Vec::new());
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let page = get(app, &path, staff).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        let ids = listed_ids(&page.html);
        assert!(ids.len() <= 50, "a page holds at most 50: {path}");
        seen.extend(ids);
        let total = page.html.split(r#"id="total">"#).nth(1).and_then(|t| t.split('<').next()).expect("total");
        totals.push(total.to_owned());
        next = next_href(&page.html);
        assert!(totals.len() <= 100, "the pages end: {next:?} {:?}", &totals[..3]);
    }
    (seen, totals)
}

/// Follows the API's list from `first`: every id seen, and each page's `X-Total-Count`.
async fn walk_api(app: &TestApp, staff: &SignedIn, first: &str) -> (Vec<String>, Vec<String>) {
    let (mut seen, mut totals) = (Vec::new(), Vec::new());
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let (status, headers, body) = app.send_as(staff, app.client.get(app.url(&path))).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body.as_array().expect("the list is an array");
        seen.extend(items.iter().map(|a| a["id"].as_str().expect("id").to_owned()));
        totals.push(headers["x-total-count"].to_str().expect("ascii").to_owned());
        next = headers.get("link").map(|link| {
            let link = link.to_str().expect("ascii");
            assert!(link.ends_with(r#">; rel="next""#), "{link}");
            link.trim_start_matches('<').split('>').next().expect("target").to_owned()
        });
        assert!(totals.len() <= 100, "the pages end");
    }
    (seen, totals)
}

fn exactly_once(seen: &[String], expected: &HashSet<String>) {
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert_eq!(seen.len(), expected.len(), "every row");
    assert!(seen.iter().all(|id| expected.contains(id)), "only the rows that match");
}

on_both_engines!(a_thousand_applications_are_all_listed_page_after_page);

async fn a_thousand_applications_are_all_listed_page_after_page(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batches = [open_call(&app, &staff).await, open_call(&app, &staff).await];
    // Every third accepted, the rest waiting; the calls alternate.
    let made =
        submitted_in_bulk(&app, &batches, 1000, |n| if n % 3 == 0 { Status::Accepted } else { Status::Submitted })
            .await;
    let all: HashSet<String> = made.iter().map(|(id, _, _)| id.clone()).collect();

    // The page: 「共 1,000 条」 on every page, 50 a page, each application once.
    let (seen, totals) = walk_pages(&app, &staff, "/bureau/applications").await;
    exactly_once(&seen, &all);
    assert_eq!(totals.len(), 20);
    assert!(totals.iter().all(|t| t.starts_with("共 1,000 条")), "{totals:?}");
    assert!(totals[0].contains("本页 50 条"), "{totals:?}");
    // Newest first.
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);

    // The filters hold on every page, the cursor replaced and the query kept.
    let (batch, status) = (&batches[1], Status::Accepted);
    let expected: HashSet<String> =
        made.iter().filter(|(_, b, s)| b == batch && *s == status).map(|(id, _, _)| id.clone()).collect();
    assert_eq!(expected.len(), 167);
    let (seen, totals) = walk_pages(&app, &staff, &format!("/bureau/applications?batch={batch}&status=accepted")).await;
    exactly_once(&seen, &expected);
    assert_eq!(totals.len(), 4);
    assert!(totals.iter().all(|t| t.starts_with("共 167 条")), "{totals:?}");
    let expected: HashSet<String> =
        made.iter().filter(|(_, _, s)| *s == Status::Submitted).map(|(id, _, _)| id.clone()).collect();
    let (seen, _) = walk_pages(&app, &staff, "/bureau/applications?status=submitted").await;
    exactly_once(&seen, &expected);

    // The API: the same thousand, 200 a page, the total in X-Total-Count, the next in Link.
    let (seen, totals) = walk_api(&app, &staff, "/api/v1/applications?limit=200").await;
    exactly_once(&seen, &all);
    assert_eq!(totals, vec!["1000"; 5]);
    let expected: HashSet<String> = made.iter().filter(|(_, b, _)| b == batch).map(|(id, _, _)| id.clone()).collect();
    let (seen, totals) = walk_api(&app, &staff, &format!("/api/v1/applications?batch={batch}")).await;
    exactly_once(&seen, &expected);
    assert!(totals.iter().all(|t| t == "500"), "{totals:?}");
    let (status, body) = app.get_json_as(&staff, "/api/v1/applications?limit=501").await;
    assert_eq!((status, &body["errors"][0]["code"]), (400, &serde_json::json!("limit_out_of_range")), "{body}");
    let (status, body) = app.get_json_as(&staff, "/api/v1/applications?after=nonsense").await;
    assert_eq!((status, &body["errors"][0]["code"]), (400, &serde_json::json!("invalid_cursor")), "{body}");

    // The calls' overview counts every one of them, not a page.
    let calls = get(&app, "/bureau/batches", &staff).await;
    assert!(calls.html.contains("待受理 333") && calls.html.contains("已受理（待资格审查） 167"), "{}", calls.html);
}

on_both_engines!(the_audit_console_and_its_export_reach_every_record);

/// 250 records more than the trail already holds (so more than two pages of 100 and of the
/// export's 500-record reads), appended in the chain as the use cases append them; the console
/// follows them page after page and the export holds every one.
async fn the_audit_console_and_its_export_reach_every_record(app: TestApp) {
    let auditor = app.sign_in_as(Role::Auditor).await;
    {
        let (db, key) = (&app.app().db, app.app().audit_key.clone());
        let mut tx = db.begin().await.expect("begins");
        for n in 0..250 {
            let id = format!("bulk-{n:03}");
            let record = skillbase_store::audit::AuditRecord {
                at: default_instant(),
                action: "calendar.import",
                object_type: "calendar_year",
                object_id: Some(&id),
                detail: "{}",
                ..Default::default()
            };
            skillbase_store::audit::append(&mut tx, &key, &record).await.expect("appends");
        }
        tx.commit().await.expect("commits");
    }
    let (status, first) = app.get_json_as(&auditor, "/api/v1/audit").await;
    assert_eq!(status, 200, "{first}");
    let total = first["total"].as_i64().expect("total");
    assert!(total > 250, "{total}");

    // The API: every record once, by next_from, the total on every page.
    let mut seqs = Vec::new();
    let mut from = Some(1);
    while let Some(at) = from {
        let (status, page) = app.get_json_as(&auditor, &format!("/api/v1/audit?from={at}")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"].as_i64(), Some(total), "the total counts what matches, not the page");
        seqs.extend(page["items"].as_array().expect("items").iter().map(|e| e["seq"].as_i64().expect("seq")));
        from = page["next_from"].as_i64();
    }
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "each record once, in chain order");
    // A filter counts its own records, over pages.
    let (_, bulk) = app.get_json_as(&auditor, "/api/v1/audit?action=calendar.import&limit=100").await;
    assert_eq!(bulk["total"], 250);
    let next = bulk["next_from"].as_i64().expect("a next page");
    let (_, rest) =
        app.get_json_as(&auditor, &format!("/api/v1/audit?action=calendar.import&from={next}&limit=200")).await;
    assert_eq!((rest["items"].as_array().map(Vec::len), &rest["next_from"]), (Some(150), &serde_json::Value::Null));

    // The console: 「共 N 条」, 100 a page, the next page's link until the last.
    let (mut shown, mut pages) = (0, 0);
    let mut next = Some("/audit".to_owned());
    while let Some(path) = next {
        let page = get(&app, &path, &auditor).await;
        assert_eq!(page.status, 200, "{}", page.html);
        assert!(page.html.contains(&format!("共 {} 条", grouped(total))), "{}", page.html);
        shown += page.html.matches("<tr>").count().saturating_sub(1);
        next = next_href(&page.html);
        pages += 1;
        assert!(pages <= 10, "the pages end");
    }
    assert_eq!(pages, usize::try_from(total).expect("small").div_ceil(100));
    assert_eq!(i64::try_from(shown).expect("small"), total, "every record shown once");

    // The export: every record of the trail, not a page of it.
    let response = app
        .client
        .get(app.url("/api/v1/audit/export.xlsx"))
        .header("cookie", &auditor.cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("bytes").to_vec();
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let sheet = workbook.worksheet_range("审计日志").expect("sheet");
    let exported: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    let expected: Vec<String> = (1..=total).map(|s| s.to_string()).collect();
    assert_eq!(exported, expected, "every record once");
    // The filtered export holds the filter's every record, whatever the page size.
    let response = app
        .client
        .get(app.url("/api/v1/audit/export.xlsx?action=calendar.import&limit=10"))
        .header("cookie", &auditor.cookie)
        .send()
        .await
        .expect("send");
    let bytes = response.bytes().await.expect("bytes").to_vec();
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    assert_eq!(workbook.worksheet_range("审计日志").expect("sheet").rows().count(), 251);
}

/// A count as the pages write it: 1,000.
fn grouped(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

on_both_engines!(an_organisations_notifications_are_all_listed_page_after_page);

async fn an_organisations_notifications_are_all_listed_page_after_page(app: TestApp) {
    let applicant = app.register_applicant(crate::samples::USCC, "many-notes").await;
    let db = &app.app().db;
    let organization = users::find_by_username(db, "many-notes")
        .await
        .expect("reads")
        .and_then(|u| u.organization_id)
        .expect("bound to its organisation");
    let mut tx = db.begin().await.expect("begins");
    for n in 0..120 {
        let note = store::Notification {
            id: uuid::Uuid::now_v7().to_string().parse().expect("id"),
            organization_id: organization,
            application_id: None,
            at: default_instant(),
            title: format!("通知{n:03}"),
            body: "正文".to_owned(),
            read_at: None,
        };
        store::insert_notification(&mut tx, &note).await.expect("inserts");
    }
    tx.commit().await.expect("commits");

    // The API: 50 a page, each once, the total in X-Total-Count.
    let (seen, totals) = walk_api(&app, &applicant, "/api/v1/notifications").await;
    assert_eq!(seen.len(), 120);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 120, "none twice");
    assert_eq!(totals, vec!["120"; 3]);

    // The page: 「共 120 条」, the next page until the last, every title once.
    let (mut titles, mut next, mut pages) = (Vec::new(), Some("/notifications".to_owned()), 0);
    while let Some(path) = next {
        let page = get(&app, &path, &applicant).await;
        assert_eq!(page.status, 200, "{}", page.html);
        assert!(page.html.contains("共 120 条"), "{}", page.html);
        assert!(page.html.contains("120 条未读"), "unread over all pages: {}", page.html);
        titles.extend(page.html.split("<strong>").skip(1).filter_map(|t| t.split('<').next()).map(str::to_owned));
        next = next_href(&page.html);
        pages += 1;
        assert!(pages <= 5, "the pages end");
    }
    let expected: HashSet<String> = (0..120).map(|n| format!("通知{n:03}")).collect();
    assert_eq!(titles.len(), 120);
    assert_eq!(titles.into_iter().collect::<HashSet<_>>(), expected);
}
