//! Public notice, objections and recognition through the API, with a fixed clock, on both
//! engines: the notice's end over Spring Festival 2025 and National Day 2024, the objection
//! window to the second, a sustained objection removing exactly one base while the others are
//! recognised with signed plaques that verify, and two instances closing a notice exactly once.

use serde_json::{Value, json};
use skillbase_app::App;
use skillbase_app::jobs::{Runner, RunnerConfig, Turn};
use skillbase_domain::roles::Role;
use skillbase_store::Db;

use crate::helpers::{SignedIn, TestApp, at};
use crate::on_both_engines;
use crate::review::{expert, score_all, status_of};
use crate::samples::{codes, eligible_application, qingpu_uscc};

/// A call for `year` open from `opens_on` to `closes_on`, published.
async fn call(app: &TestApp, staff: &SignedIn, year: i32, (opens_on, closes_on): (&str, &str)) -> String {
    let (status, batch) = app
        .post_json_as(
            staff,
            "/api/v1/batches",
            &json!({"year": year, "title": format!("{year}年度技能实训基地申报"), "opens_on": opens_on, "closes_on": closes_on, "quota": 5}),
        )
        .await;
    assert_eq!(status, 201, "{batch}");
    let id = batch["id"].as_str().expect("id").to_owned();
    let (status, _) = app.post_json_as(staff, &format!("/api/v1/batches/{id}/publish"), &json!({})).await;
    assert_eq!(status, 200);
    id
}

/// `count` applications reviewed, listed, and the list approved by a leader: the batch, the
/// approved proposal and the applications (in the ranking's order: the first scored highest).
pub(crate) async fn approved_list(
    app: &TestApp,
    (staff, leader): (&SignedIn, &SignedIn),
    batch: &str,
    count: u32,
) -> (String, Vec<String>) {
    let mut applications = Vec::new();
    for n in 1..=count {
        let (_, id) = eligible_application(app, staff, batch, (&qingpu_uscc(n), &format!("org-{n}")), false).await;
        applications.push(id);
    }
    let mut experts = Vec::new();
    for i in 0..3 {
        experts.push(expert(app, staff, &format!("panel-{i}"), json!({})).await);
    }
    for (i, application) in applications.iter().enumerate() {
        score_all(app, staff, &experts, application, 90 - 5 * u32::try_from(i).unwrap_or(0)).await;
    }
    let (status, _) = app.post_json_as(staff, &format!("/api/v1/batches/{batch}/close"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, proposal) = app.post_json_as(staff, "/api/v1/proposals", &json!({"batch_id": batch})).await;
    assert_eq!(status, 201, "{proposal}");
    let proposal = proposal["id"].as_str().expect("id").to_owned();
    let (status, body) = app.post_json_as(leader, &format!("/api/v1/proposals/{proposal}/approve"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    (proposal, applications)
}

async fn publish(app: &TestApp, staff: &SignedIn, proposal: &str, publish_on: &str) -> (u16, Value) {
    app.post_json_as(staff, "/api/v1/notices", &json!({"proposal_id": proposal, "publish_on": publish_on})).await
}

async fn object(app: &TestApp, notice: &str, concerning: &str, name: &str, contact: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/public/notices/{notice}/objections")))
        .json(&json!({
            "name": name, "contact": contact, "concerning": concerning,
            "facts": "该单位实训场地实为仓库，现场未见所列实训设备。"
        }))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn spring_festival_notice_objections_and_recognition(app: TestApp) {
    app.clock.set(at("2025-01-20T10:00:00+08:00"));
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let batch = call(&app, &staff, 2025, ("2025-01-01", "2025-01-31")).await;
    let (proposal, applications) = approved_list(&app, (&staff, &leader), &batch, 3).await;

    // Publishing needs an approved list, a date not in the past, and only once.
    let (status, body) = publish(&app, &staff, &proposal, "2025-01-19").await;
    assert_eq!((status, codes(&body)), (400, vec![("publish_on".into(), "date_in_past".into())]), "{body}");
    let (status, body) = publish(&app, &leader, &proposal, "2025-01-24").await;
    assert_eq!(status, 403, "{body}");
    // Published Friday 01-24 for 5 working days: 01-24, Sunday 01-26 (调休), 01-27, then after
    // Spring Festival 02-05 and 02-06.
    let (status, notice) = publish(&app, &staff, &proposal, "2025-01-24").await;
    assert_eq!(status, 201, "{notice}");
    assert_eq!((&notice["first_day"], &notice["last_day"]), (&json!("2025-01-24"), &json!("2025-02-06")), "{notice}");
    assert_eq!(notice["ends_at"], "2025-02-06T23:59:59+08:00");
    assert_eq!((&notice["status"], &notice["accepting_objections"]), (&json!("scheduled"), &json!(false)));
    let id = notice["id"].as_str().expect("id").to_owned();
    let (status, _) = publish(&app, &staff, &proposal, "2025-01-24").await;
    assert_eq!(status, 409, "one notice per list");
    for application in &applications {
        assert_eq!(status_of(&app, &staff, application).await, "in_notice");
    }
    // Not public before its first second; no objection either.
    let (status, _) = app.get_json(&format!("/api/v1/public/notices/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) = object(&app, &id, &applications[0], "李明", "13800138000").await;
    assert_eq!(status, 404);

    app.clock.set(at("2025-01-24T00:00:00+08:00"));
    let (status, public) = app.get_json(&format!("/api/v1/public/notices/{id}")).await;
    assert_eq!((status, &public["status"]), (200, &json!("open")), "{public}");
    assert_eq!(public["entries"].as_array().map(Vec::len), Some(3));
    assert!(public["entries"][0]["projects"][0].as_str().expect("project").contains("6-18-01-01"), "{public}");
    // Bad objections are refused field by field, and nothing is stored.
    let (status, body) = object(&app, &id, "someone-else", "x", "12345").await;
    let found = codes(&body);
    assert_eq!(status, 400, "{body}");
    for expected in [("name", "real_name_required"), ("contact", "contact_invalid"), ("concerning", "unknown_entry")] {
        assert!(found.contains(&(expected.0.into(), expected.1.into())), "{expected:?} not in {found:?}");
    }
    let (status, sustained) = object(&app, &id, &applications[0], "李明", "13800138000").await;
    assert_eq!(status, 201, "{sustained}");
    let sustained = sustained["receipt"].as_str().expect("receipt").to_owned();
    assert!(sustained.starts_with("YY2025-"), "{sustained}");

    // The last second of the last day is still in; the next second is out.
    app.clock.set(at("2025-02-06T23:59:59+08:00"));
    let (status, dismissed) = object(&app, &id, &applications[1], "王芳", "wang.fang@example.com").await;
    assert_eq!(status, 201, "{dismissed}");
    let dismissed = dismissed["receipt"].as_str().expect("receipt").to_owned();
    app.clock.set(at("2025-02-07T00:00:00+08:00"));
    let (status, late) = object(&app, &id, &applications[2], "赵强", "13900139000").await;
    assert_eq!((status, &late["code"]), (400, &json!("notice_closed")), "{late}");
    assert!(late["detail"].as_str().unwrap_or_default().contains("2025-02-06"), "{late}");

    // Nothing personal is public: not the objectors' names or contacts.
    let (_, list) = app.get_json("/api/v1/public/notices").await;
    let text = list.to_string();
    for private in ["李明", "13800138000", "王芳", "wang.fang"] {
        assert!(!text.contains(private), "{private} is public");
    }

    // The bureau sees the objections, names opened and contacts masked; conclusion waits for
    // every objection to be resolved.
    let staff = app.sign_in_user(Role::Staff, "staff-after", "经办人乙").await.0;
    let leader = app.sign_in_user(Role::Leader, "leader-after", "分管领导乙").await.0;
    let (_, objections) = app.get_json_as(&staff, &format!("/api/v1/notices/{id}/objections")).await;
    let objections = objections.as_array().expect("list").clone();
    assert_eq!(objections.len(), 2);
    assert_eq!((&objections[0]["name"], &objections[0]["contact"]), (&json!("李明"), &json!("138****8000")));
    let (status, body) = app.post_json_as(&leader, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!((status, &body["code"]), (400, &json!("objections_unresolved")), "{body}");
    let objection_path = |o: &Value| format!("/api/v1/objections/{}", o["id"].as_str().expect("id"));
    let (status, body) =
        app.post_json_as(&staff, &format!("{}/investigate", objection_path(&objections[0])), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("investigating")), "{body}");
    let (status, body) = app
        .post_json_as(
            &staff,
            &format!("{}/resolve", objection_path(&objections[0])),
            &json!({"sustained": true, "findings": ""}),
        )
        .await;
    assert_eq!((status, codes(&body)), (400, vec![("findings".into(), "required".into())]), "{body}");
    let resolve = |sustained: bool, findings: &str| json!({"sustained": sustained, "findings": findings});
    let (status, _) = app
        .post_json_as(
            &staff,
            &format!("{}/resolve", objection_path(&objections[0])),
            &resolve(true, "经现场核查，实训场地与申报不符"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_json_as(
            &staff,
            &format!("{}/resolve", objection_path(&objections[1])),
            &resolve(false, "经核查，所述情况不属实"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) =
        app.post_json_as(&staff, &format!("{}/resolve", objection_path(&objections[1])), &resolve(true, "再改")).await;
    assert_eq!(status, 409, "a resolved objection stays resolved");

    // The objector looks the outcome up with the receipt and the contact they gave.
    let lookup = |receipt: &str, contact: &str| {
        app.client
            .post(app.url("/api/v1/public/objections/lookup"))
            .json(&json!({"receipt": receipt, "contact": contact}))
    };
    let response = lookup(&sustained, "13800138001").send().await.expect("send");
    assert_eq!(response.status().as_u16(), 404, "a wrong contact reveals nothing");
    let outcome: Value =
        lookup(&sustained.to_lowercase(), "13800138000").send().await.expect("send").json().await.expect("json");
    assert_eq!(
        (&outcome["status"], &outcome["findings"]),
        (&json!("sustained"), &json!("经现场核查，实训场地与申报不符"))
    );

    // Only a leader concludes; the sustained objection removes exactly one base.
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!(status, 403);
    let (status, concluded) = app.post_json_as(&leader, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!(status, 200, "{concluded}");
    assert_eq!(concluded["bases"].as_array().map(Vec::len), Some(2));
    assert_eq!(status_of(&app, &staff, &applications[0]).await, "rejected_after_objection");
    assert_eq!(status_of(&app, &staff, &applications[1]).await, "recognised");
    assert_eq!(status_of(&app, &staff, &applications[2]).await, "recognised");
    let (_, timeline) = app.get_json_as(&staff, &format!("/api/v1/applications/{}/timeline", applications[0])).await;
    let last = timeline.as_array().and_then(|t| t.last()).cloned().unwrap_or_default();
    assert!(last["note"].as_str().unwrap_or_default().contains(&sustained), "the objection is cited: {last}");
    let (status, _) = app.post_json_as(&leader, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!(status, 409);

    // The registry and the plaques: permanent numbers, SM2 signatures that verify offline
    // with the published key, and verification by number for anyone.
    let (_, registry) = app.get_json("/api/v1/public/bases?year=2025").await;
    let numbers: Vec<&str> = registry.as_array().expect("list").iter().filter_map(|b| b["number"].as_str()).collect();
    assert_eq!(numbers, ["QPJD-2025-001", "QPJD-2025-002"]);
    let (_, well_known) = app.get_json("/.well-known/skillbase-sm2.json").await;
    let public_key = well_known["public_key"].as_str().expect("key").to_owned();
    for number in &numbers {
        let (status, verified) = app.get_json(&format!("/api/v1/public/verify/{}", number.to_lowercase())).await;
        assert_eq!((status, &verified["verdict"]), (200, &json!("valid")), "{verified}");
        let plaque = &verified["plaque"];
        assert_eq!(plaque["public_key"], json!(public_key));
        let text = plaque["signed_text"].as_str().expect("text");
        assert!(text.contains(number) && text.contains("2025-02-07"), "{text}");
        let signature = plaque["signature"].as_str().expect("signature");
        skillbase_domain::anchor::verify_text(&public_key, text, signature).expect("the signature holds");
        let forged = text.replace("2025-02-07", "2025-01-07");
        assert!(skillbase_domain::anchor::verify_text(&public_key, &forged, signature).is_err());
        assert!(!verified.to_string().contains("13800138000"));
    }
    let (_, unknown) = app.get_json("/api/v1/public/verify/QPJD-2025-999").await;
    assert_eq!(unknown["verdict"], "unknown");
    // The base's own organisation reads its plaque; another organisation finds nothing.
    let base = concluded["bases"][0].as_str().expect("id");
    let owner = app.sign_in_again("org-2").await;
    let (status, plaque) = app.get_json_as(&owner, &format!("/api/v1/bases/{base}/plaque")).await;
    assert_eq!((status, &plaque["base"]["number"]), (200, &json!("QPJD-2025-001")), "{plaque}");
    let stranger = app.sign_in_again("org-1").await;
    let (status, _) = app.get_json_as(&stranger, &format!("/api/v1/bases/{base}/plaque")).await;
    assert_eq!(status, 404);
    let (_, batches) = app.get_json("/api/v1/batches").await;
    assert_eq!(batches[0]["status"], "done");
    let _ = dismissed;
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

async fn a_national_day_notice_closes_exactly_once_with_two_instances(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let batch = call(&app, &staff, 2024, ("2024-09-01", "2024-09-27")).await;
    let (proposal, _) = approved_list(&app, (&staff, &leader), &batch, 1).await;
    // Monday 09-30, then 10-08 … 10-11 after National Day.
    let (status, notice) = publish(&app, &staff, &proposal, "2024-09-30").await;
    assert_eq!(status, 201, "{notice}");
    assert_eq!(notice["last_day"], "2024-10-11", "{notice}");
    let id = notice["id"].as_str().expect("id").to_owned();
    // During the notice nobody recognises and nobody closes it.
    app.clock.set(at("2024-10-11T23:59:59+08:00"));
    let staff = app.sign_in_user(Role::Staff, "staff-2", "经办人").await.0;
    let leader = app.sign_in_user(Role::Leader, "leader-2", "领导").await.0;
    let (status, body) = app.post_json_as(&leader, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "{body}");
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/notices/{id}/close"), &json!({})).await;
    assert_eq!(status, 409);

    // After its last second, two instances (each with its own pool) run their job runners at
    // once: the notice is closed exactly once.
    app.clock.set(at("2024-10-12T00:00:01+08:00"));
    let other = App {
        db: Db::connect(&app.storage.settings().db_options().expect("options"), 5).await.expect("connect"),
        ..app.app().clone()
    };
    let mut tasks = Vec::new();
    for instance in [app.app().clone(), other] {
        tasks.push(tokio::spawn(async move {
            let runner = Runner::business(instance, RunnerConfig::default());
            for _ in 0..20 {
                if runner.run_once().await.expect("turn") == Turn::Idle {
                    break;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("runner");
    }
    let closes = app
        .app()
        .audit_entries(&skillbase_app::audit::AuditFilter {
            from_seq: 1,
            action: Some("notice.close"),
            actor: None,
            object_type: None,
            object_id: Some(id.as_str()),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(closes.len(), 1);
    let staff = app.sign_in_user(Role::Staff, "staff-3", "经办人").await.0;
    let (_, closed) = app.get_json_as(&staff, &format!("/api/v1/notices/{id}")).await;
    assert_eq!(closed["status"], "closed");
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/notices/{id}/close"), &json!({})).await;
    assert_eq!((status, &body["closed"]), (200, &json!(false)), "already closed: {body}");
    // Without objections the leader recognises the one base.
    let leader = app.sign_in_user(Role::Leader, "leader-3", "领导").await.0;
    let (status, concluded) = app.post_json_as(&leader, &format!("/api/v1/notices/{id}/conclude"), &json!({})).await;
    assert_eq!((status, concluded["bases"].as_array().map(Vec::len)), (200, Some(1)), "{concluded}");
    let (_, verified) = app.get_json("/api/v1/public/verify/QPJD-2024-001").await;
    assert_eq!(verified["verdict"], "valid");
}

async fn a_notice_in_a_year_without_calendar_is_refused(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let batch = call(&app, &staff, 2024, ("2024-09-01", "2024-09-27")).await;
    let (proposal, applications) = approved_list(&app, (&staff, &leader), &batch, 1).await;
    let (status, body) = publish(&app, &staff, &proposal, "2031-03-02").await;
    assert_eq!((status, &body["code"]), (422, &json!("calendar_year_unknown")), "{body}");
    assert_eq!(status_of(&app, &staff, &applications[0]).await, "approved", "nothing changed");
}

on_both_engines!(
    spring_festival_notice_objections_and_recognition,
    a_national_day_notice_closes_exactly_once_with_two_instances,
    a_notice_in_a_year_without_calendar_is_refused
);
