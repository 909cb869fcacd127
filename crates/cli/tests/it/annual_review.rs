//! The annual review (C4.4) through the API and the jobs, on both engines: staff open the
//! campaign of 2024 for the three bases recognised in it; one base files a report pre-filled
//! from its records (corrected with a reason) and passes; one is ordered to rectify, misses the
//! deadline (escalated, never revoked by itself), answers and passes; one never files (flagged
//! overdue after the deadline), is proposed for revocation, the leader first rejects, then
//! approves — after which verification says revoked with the date, an expense dated after it is
//! refused, its balance is to be recovered and is paid back, and its training records stay
//! readable. Another organisation finds none of it; an expert is refused. A second test
//! checks the pre-filled figures against random records.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use skillbase_app::jobs::{Runner, RunnerConfig, Turn};
use skillbase_domain::roles::Role;

use crate::certification_api::resident_id;
use crate::helpers::{SignedIn, TestApp, at};
use crate::on_both_engines;
use crate::samples::codes;
use crate::subsidy::{disburse, granted, recognised_bases, spend};

on_both_engines!(a_campaign_passes_rectifies_and_revokes);
on_both_engines!(prefilled_figures_equal_the_records);

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("an id: {body}")).to_owned()
}

fn figure(report: &Value, key: &str) -> i64 {
    report["figures"]
        .as_array()
        .and_then(|f| f.iter().find(|l| l["key"] == key))
        .and_then(|l| l["value"].as_i64())
        .unwrap_or_else(|| panic!("figure {key} in {report}"))
}

async fn step(app: &TestApp, who: &SignedIn, report: &str, body: Value) -> (u16, Value) {
    app.post_json_as(who, &format!("/api/v1/annual-reports/{report}/decision"), &body).await
}

fn assessed() -> Value {
    json!({
        "corrections": [],
        "assessment": [
            {"clause": "C2.1.1", "standing": "kept"},
            {"clause": "C2.1.2", "standing": "changed", "note": "新增数控实训室 200 平方米"},
            {"clause": "C2.1.3", "standing": "kept"},
            {"clause": "C2.1.4", "standing": "kept", "note": "制度上墙照片已更新"}
        ],
        "plan": "2025 年开展数控车工中级、高级培训各两期"
    })
}

async fn put(app: &TestApp, who: &SignedIn, path: &str, body: &Value) -> (u16, Value) {
    let request = app.client.put(app.url(path)).json(body);
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

/// A fresh bureau account of `role` signed in now (the clock moves days in these tests, past
/// any session's idle timeout).
async fn bureau(app: &TestApp, role: Role) -> SignedIn {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    app.sign_in_user(role, &format!("{}-review-{n}", role.as_str()), role.label()).await.0
}

async fn run_jobs(app: &TestApp) {
    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    for _ in 0..200 {
        match runner.run_once().await.expect("runs") {
            Turn::Idle => return,
            Turn::Failed { id, .. } => panic!("job {id} failed"),
            _ => {}
        }
    }
    panic!("the jobs never went idle");
}

async fn notifications(app: &TestApp, who: &SignedIn) -> Vec<String> {
    let (status, list) = app.get_json_as(who, "/api/v1/notifications?limit=100").await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("array").iter().filter_map(|n| n["title"].as_str().map(str::to_owned)).collect()
}

async fn a_campaign_passes_rectifies_and_revokes(app: TestApp) {
    let cast = recognised_bases(&app, 3).await;
    let names: Vec<&str> = cast.bases.iter().map(|(b, _)| b.as_str()).collect();
    granted(&app, &cast, &names).await;
    let (status, paid) = disburse(&app, &cast.staff, names[2], "200000.00", "QP-2024-0001").await;
    assert_eq!(status, 201, "{paid}");
    let third = app.sign_in_again(&cast.bases[2].1).await;
    let (status, spent) = spend(&app, &third, names[2], ("teacher_development", "30000.00")).await;
    assert_eq!(status, 201, "{spent}");

    // The first base records a class of 2024 with three trainees, one from a supplier.
    let first = app.sign_in_again(&cast.bases[0].1).await;
    let path = |tail: &str| format!("/api/v1/bases/{}/{tail}", names[0]);
    let project = json!({"occupation": "6-31-01-02", "levels": ["4"], "criteria": ["key_industry"]});
    let (status, project) = app.post_json_as(&first, &path("projects"), &project).await;
    assert_eq!(status, 201, "{project}");
    let class = json!({"project": id_of(&project), "name": "数控车工中级班", "mode": "self_run", "starts_on": "2024-11-04",
                       "ends_on": "2024-11-29", "hours": 80, "place": "基地实训楼", "teachers": "张师傅", "innovations": []});
    let (status, class) = app.post_json_as(&first, &path("classes"), &class).await;
    assert_eq!(status, 201, "{class}");
    for n in 1..=3 {
        let (relation, category) = if n == 3 { ("upstream", "supply_chain") } else { ("own", "own_employee") };
        let mut trainee = json!({"name": format!("学员{n}"), "resident_id": resident_id(n), "relation": relation,
                                 "category": category});
        if n == 3 {
            trainee["employer"] = json!("上海某精密零件有限公司");
            trainee["employer_uscc"] = json!("91310118MA1G00011T");
        }
        let (status, trainee) = app.post_json_as(&first, &path("trainees"), &trainee).await;
        assert_eq!(status, 201, "{trainee}");
        let completion = if n == 1 { "completed" } else { "enrolled" };
        let enrolment = json!({"class": id_of(&class), "trainee": id_of(&trainee), "hours": 40, "completion": completion,
                               "outcome": if n == 1 { "passed" } else { "pending" }});
        let (status, enrolment) = app.post_json_as(&first, &path("enrolments"), &enrolment).await;
        assert_eq!(status, 201, "{enrolment}");
    }

    // 2025-01-06: staff open the review of 2024; a leader may not, nor may a year be opened twice.
    app.clock.set(at("2025-01-06T09:00:00+08:00"));
    let staff = bureau(&app, Role::Staff).await;
    let leader = bureau(&app, Role::Leader).await;
    let campaign = json!({"year": 2024, "cut_off": "2024-12-31", "days": 10});
    let (status, refused) = app.post_json_as(&leader, "/api/v1/annual-reviews", &campaign).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden_transition")), "{refused}");
    let (status, refused) = app
        .post_json_as(&staff, "/api/v1/annual-reviews", &json!({"year": 2024, "cut_off": "2025-02-01", "days": 2}))
        .await;
    assert_eq!(status, 400, "{refused}");
    let fields: Vec<String> = codes(&refused).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["cut_off", "days"], "{refused}");
    let (status, opened) = app.post_json_as(&staff, "/api/v1/annual-reviews", &campaign).await;
    assert_eq!((status, &opened["reports"], &opened["by_status"]["pending"]), (201, &json!(3), &json!(3)), "{opened}");
    // Ten working days from 2025-01-07: the 20th (no holiday in between).
    assert_eq!(opened["due_on"], "2025-01-20");
    let (status, again) = app.post_json_as(&staff, "/api/v1/annual-reviews", &campaign).await;
    assert_eq!((status, codes(&again)), (400, vec![("year".to_owned(), "campaign_exists".to_owned())]), "{again}");
    let campaign = id_of(&opened);
    let (_, listed) = app.get_json_as(&staff, &format!("/api/v1/annual-reviews/{campaign}/reports?limit=2")).await;
    assert_eq!((listed["total"].as_i64(), listed["items"].as_array().map(Vec::len)), (Some(3), Some(2)), "{listed}");

    // Each base sees its own report only; another's is not found; an expert is refused.
    let first = app.sign_in_again(&cast.bases[0].1).await;
    let second = app.sign_in_again(&cast.bases[1].1).await;
    let (_, mine) = app.get_json_as(&first, "/api/v1/annual-reports").await;
    assert_eq!(mine["total"], 1, "{mine}");
    let report_1 = mine["items"][0]["id"].as_str().expect("id").to_owned();
    let (_, theirs) = app.get_json_as(&second, "/api/v1/annual-reports").await;
    let report_2 = theirs["items"][0]["id"].as_str().expect("id").to_owned();
    let (status, _) = app.get_json_as(&second, &format!("/api/v1/annual-reports/{report_1}")).await;
    assert_eq!(status, 404, "another organisation's report is not found");
    let (status, _) = put(&app, &second, &format!("/api/v1/annual-reports/{report_1}"), &assessed()).await;
    assert_eq!(status, 404, "nor can it be written");
    let expert = app.sign_in_as(Role::Expert).await;
    let (status, _) = app.get_json_as(&expert, "/api/v1/annual-reports").await;
    assert_eq!(status, 403, "experts have no part in it");
    assert!(notifications(&app, &first).await.contains(&"请提交 2024 年度报告".to_owned()));

    // The figures come from the records.
    let (status, report) = app.get_json_as(&first, &format!("/api/v1/annual-reports/{report_1}")).await;
    assert_eq!((status, &report["live"], &report["status"]), (200, &json!(true), &json!("pending")), "{report}");
    assert_eq!(figure(&report, "trainees"), 3);
    assert_eq!(figure(&report, "trainees.own_employee"), 2);
    assert_eq!(figure(&report, "supply_chain"), 1);
    assert_eq!(figure(&report, "classes.self_run"), 1);
    assert_eq!(figure(&report, "classes.self_run.hours"), 80);
    assert_eq!(figure(&report, "completed"), 1);
    assert_eq!(figure(&report, "granted"), 20_000_000, "¥200,000.00 in fen");

    // Submitting without the self-assessment names what is missing; a correction needs a reason.
    let (status, refused) = step(&app, &first, &report_1, json!({"action": "submit"})).await;
    assert_eq!(status, 400, "{refused}");
    assert!(codes(&refused).iter().any(|(f, _)| f == "assessment.C2.1.1"), "{refused}");
    let mut content = assessed();
    content["corrections"] = json!([{"key": "trainees.own_employee", "value": "3", "reason": ""}]);
    let (status, refused) = put(&app, &first, &format!("/api/v1/annual-reports/{report_1}"), &content).await;
    assert_eq!(
        (status, codes(&refused)),
        (400, vec![("corrections.trainees.own_employee.reason".to_owned(), "required".to_owned())]),
        "{refused}"
    );
    content["corrections"] =
        json!([{"key": "trainees.own_employee", "value": "3", "reason": "一名学员漏登，已补登名册"}]);
    let (status, saved) = put(&app, &first, &format!("/api/v1/annual-reports/{report_1}"), &content).await;
    assert_eq!(status, 200, "{saved}");
    let corrected = saved["figures"].as_array().expect("figures").iter().find(|l| l["key"] == "trainees.own_employee");
    let corrected = corrected.expect("the line");
    assert_eq!((&corrected["value"], &corrected["corrected"]), (&json!(2), &json!(3)), "both values kept");
    let (status, submitted) = step(&app, &first, &report_1, json!({"action": "submit"})).await;
    assert_eq!((status, &submitted["status"], &submitted["live"]), (200, &json!("submitted"), &json!(false)));
    let (status, refused) = put(&app, &first, &format!("/api/v1/annual-reports/{report_1}"), &assessed()).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "filed is filed: {refused}");

    // Frozen once filed: a trainee added later changes the records, not the report.
    let late = json!({"name": "学员9", "resident_id": resident_id(9), "relation": "own", "category": "own_employee"});
    let (status, late) = app.post_json_as(&first, &path("trainees"), &late).await;
    assert_eq!(status, 201, "{late}");
    let enrolment = json!({"class": id_of(&class), "trainee": id_of(&late), "hours": 10});
    let (status, _) = app.post_json_as(&first, &path("enrolments"), &enrolment).await;
    assert_eq!(status, 201);
    let (_, report) = app.get_json_as(&staff, &format!("/api/v1/annual-reports/{report_1}")).await;
    assert_eq!(figure(&report, "trainees"), 3, "the figures as filed");

    // The base may not conclude its own report; staff pass it.
    let (status, refused) = step(&app, &first, &report_1, json!({"action": "pass"})).await;
    assert_eq!(status, 403, "{refused}");
    let (status, passed) = step(&app, &staff, &report_1, json!({"action": "pass", "comment": "培训开展正常"})).await;
    assert_eq!(
        (status, &passed["status"], &passed["base_status"]),
        (200, &json!("passed"), &json!("active")),
        "{passed}"
    );
    assert!(notifications(&app, &first).await.contains(&"2024 年度复核通过".to_owned()));

    // The second base files; staff order rectification: the base and its plaque say so.
    let (status, _) = put(&app, &second, &format!("/api/v1/annual-reports/{report_2}"), &assessed()).await;
    assert_eq!(status, 200);
    let (status, _) = step(&app, &second, &report_2, json!({"action": "submit"})).await;
    assert_eq!(status, 200);
    let (status, refused) =
        step(&app, &staff, &report_2, json!({"action": "rectify", "comment": "", "days": 200})).await;
    let fields: Vec<String> = codes(&refused).into_iter().map(|(f, _)| f).collect();
    assert_eq!((status, fields), (400, vec!["comment".to_owned(), "days".to_owned()]));
    let order = json!({"action": "rectify", "comment": "补充专职管理人员，更新制度上墙照片", "days": 5});
    let (status, rectifying) = step(&app, &staff, &report_2, order).await;
    assert_eq!(
        (status, &rectifying["status"], &rectifying["base_status"]),
        (200, &json!("rectifying"), &json!("rectifying"))
    );
    assert_eq!(rectifying["rectification_due"], "2025-01-13", "five working days from the 7th");
    let number_2 = rectifying["plaque_number"].as_str().expect("number").to_owned();
    let (_, verified) = app.get_json(&format!("/api/v1/public/verify/{number_2}")).await;
    assert_eq!(verified["verdict"], "rectifying", "{verified}");

    // 2025-01-21: both deadlines have passed. The jobs flag the third base's report as overdue
    // and escalate the rectification; neither revokes anything by itself.
    app.clock.set(at("2025-01-21T09:00:00+08:00"));
    run_jobs(&app).await;
    let staff = bureau(&app, Role::Staff).await;
    let (_, report_2_now) = app.get_json_as(&staff, &format!("/api/v1/annual-reports/{report_2}")).await;
    assert_eq!(
        (&report_2_now["status"], &report_2_now["escalated"]),
        (&json!("rectifying"), &json!(true)),
        "{report_2_now}"
    );
    let (_, pending) =
        app.get_json_as(&staff, &format!("/api/v1/annual-reviews/{campaign}/reports?status=pending")).await;
    assert_eq!(pending["total"], 1, "{pending}");
    assert_eq!(pending["items"][0]["overdue"], true, "{pending}");
    let report_3 = pending["items"][0]["id"].as_str().expect("id").to_owned();
    let third = app.sign_in_again(&cast.bases[2].1).await;
    let told = notifications(&app, &third).await;
    assert!(
        told.contains(&"2024 年度报告即将截止".to_owned()) && told.contains(&"2024 年度报告已逾期".to_owned()),
        "{told:?}"
    );
    let (_, campaign_now) = app.get_json_as(&staff, &format!("/api/v1/annual-reviews/{campaign}")).await;
    assert_eq!(campaign_now["overdue"], 1, "{campaign_now}");

    // The second base answers; staff pass it: its plaque is valid again.
    let second = app.sign_in_again(&cast.bases[1].1).await;
    let (status, answered) =
        step(&app, &second, &report_2, json!({"action": "answer", "comment": "已聘用专职管理人员 2 名，照片已更新"}))
            .await;
    assert_eq!((status, &answered["status"]), (200, &json!("answered")), "{answered}");
    let (status, passed) = step(&app, &staff, &report_2, json!({"action": "pass"})).await;
    assert_eq!((status, &passed["base_status"]), (200, &json!("active")), "{passed}");
    let (_, verified) = app.get_json(&format!("/api/v1/public/verify/{number_2}")).await;
    assert_eq!(verified["verdict"], "valid", "{verified}");

    // The campaign cannot end while a report is open.
    let (status, refused) =
        app.post_json_as(&staff, &format!("/api/v1/annual-reviews/{campaign}/close"), &json!({})).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "{refused}");

    // The third base: proposed for revocation; the leader rejects once (back to pending), then
    // approves a second proposal. A reason and a ground are required.
    let (status, refused) =
        step(&app, &staff, &report_3, json!({"action": "propose_revocation", "comment": "x"})).await;
    assert_eq!((status, codes(&refused)), (400, vec![("ground".to_owned(), "not_in_dictionary".to_owned())]));
    let proposal = json!({"action": "propose_revocation", "ground": "missed_report",
                          "comment": "逾期未提交 2024 年度报告，经电话催报仍未提交"});
    let (status, proposed) = step(&app, &staff, &report_3, proposal.clone()).await;
    assert_eq!((status, &proposed["status"]), (200, &json!("revocation_proposed")), "{proposed}");
    let (status, refused) = step(&app, &staff, &report_3, json!({"action": "approve_revocation"})).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("forbidden_transition")),
        "staff never approve: {refused}"
    );
    let leader = bureau(&app, Role::Leader).await;
    let (status, refused) = step(&app, &leader, &report_3, json!({"action": "reject_revocation"})).await;
    assert_eq!((status, codes(&refused)), (400, vec![("comment".to_owned(), "required".to_owned())]));
    let (status, rejected) =
        step(&app, &leader, &report_3, json!({"action": "reject_revocation", "comment": "再给一次补报机会"})).await;
    assert_eq!((status, &rejected["status"]), (200, &json!("pending")), "{rejected}");
    let (status, _) = step(&app, &staff, &report_3, proposal).await;
    assert_eq!(status, 200);
    let (status, revoked) =
        step(&app, &leader, &report_3, json!({"action": "approve_revocation", "comment": "同意核销"})).await;
    assert_eq!(
        (status, &revoked["status"], &revoked["base_status"]),
        (200, &json!("revoked"), &json!("revoked")),
        "{revoked}"
    );
    assert_eq!(revoked["revoked_on"], "2025-01-21");
    let steps: Vec<&str> =
        revoked["history"].as_array().expect("history").iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(
        steps,
        ["overdue", "propose_revocation", "reject_revocation", "propose_revocation", "approve_revocation"]
    );

    // What revocation changes at once.
    let number_3 = revoked["plaque_number"].as_str().expect("number").to_owned();
    let (_, verified) = app.get_json(&format!("/api/v1/public/verify/{number_3}")).await;
    assert_eq!(
        (&verified["verdict"], &verified["plaque"]["base"]["revoked_on"]),
        (&json!("revoked"), &json!("2025-01-21"))
    );
    let page = app.get(&format!("/verify/{number_3}")).await.text().await.expect("page");
    assert!(page.contains("已核销") && page.contains("2025年1月21日"), "the public page says revoked with the date");
    let (_, registry) = app.get_json("/api/v1/public/bases").await;
    let listed = registry.as_array().expect("bases").iter().find(|b| b["number"] == number_3.as_str()).cloned();
    assert_eq!(listed.map(|b| b["status"].clone()), Some(json!("revoked")), "{registry}");
    app.clock.set(at("2025-01-22T09:00:00+08:00"));
    let staff = bureau(&app, Role::Staff).await;
    let third = app.sign_in_again(&cast.bases[2].1).await;
    let (status, refused) = spend(&app, &third, names[2], ("teacher_development", "100.00")).await;
    assert_eq!(status, 400, "no expense dated after the revocation: {refused}");
    assert!(notifications(&app, &third).await.contains(&"基地认定已核销".to_owned()));
    let (status, trainees) = app.get_json_as(&third, &format!("/api/v1/bases/{}/trainees", names[2])).await;
    assert_eq!(status, 200, "the records stay readable: {trainees}");

    // The balance is to be recovered, and is, never more than owed.
    let (_, owed) = app.get_json_as(&staff, &format!("/api/v1/bases/{}/recovery", names[2])).await;
    assert_eq!((&owed["balance_fen"], &owed["outstanding_fen"]), (&json!(17_000_000), &json!(17_000_000)), "{owed}");
    let back = |amount: &str, voucher: &str| json!({"amount": amount, "paid_on": "2025-01-22", "voucher": voucher});
    let recoveries = format!("/api/v1/bases/{}/recoveries", names[2]);
    let (status, refused) = app.post_json_as(&staff, &recoveries, &back("170000.01", "JK-1")).await;
    assert_eq!((status, codes(&refused)), (400, vec![("amount".to_owned(), "over_outstanding".to_owned())]));
    let (status, refused) = app.post_json_as(&third, &recoveries, &back("1.00", "JK-1")).await;
    assert_eq!(status, 403, "the base does not record its own repayment: {refused}");
    let (status, paid) = app.post_json_as(&staff, &recoveries, &back("170000.00", "JK-1")).await;
    assert_eq!((status, &paid["outstanding_fen"]), (201, &json!(0)), "{paid}");

    // Every report concluded: the campaign ends; the summary workbook has a row per base.
    let (status, closed) =
        app.post_json_as(&staff, &format!("/api/v1/annual-reviews/{campaign}/close"), &json!({})).await;
    assert_eq!((status, &closed["status"]), (200, &json!("closed")), "{closed}");
    let response = app
        .client
        .get(app.url(&format!("/annual-reviews/{campaign}/summary.xlsx")))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .expect("summary");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("bytes");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = calamine::Reader::worksheet_range(&mut book, "年度复核汇总").expect("sheet");
    assert_eq!(sheet.height(), 4, "a header and three bases");
    let trainees_column: Vec<String> = sheet.rows().skip(1).map(|r| r[5].to_string()).collect();
    assert!(trainees_column.contains(&"3".to_owned()), "the first base's 3 trainees: {trainees_column:?}");

    // The pages: the report, its print view and the decision letter.
    for tail in ["", "/print", "/letter"] {
        let response = app
            .client
            .get(app.url(&format!("/annual-reports/{report_3}{tail}")))
            .header("cookie", &staff.cookie)
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200, "{tail}");
        let text = response.text().await.expect("text");
        assert!(text.contains("已核销") || text.contains("核销决定书"), "{tail}");
    }
}

/// Random training records: what the report pre-fills equals what an independent count of the
/// same records gives.
async fn prefilled_figures_equal_the_records(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = &cast.bases[0];
    let us = app.sign_in_again(org).await;
    let path = |tail: &str| format!("/api/v1/bases/{base}/{tail}");
    let project = json!({"occupation": "6-31-01-02", "levels": ["4"], "criteria": ["key_industry"]});
    let (status, project) = app.post_json_as(&us, &path("projects"), &project).await;
    assert_eq!(status, 201, "{project}");
    let project = id_of(&project);

    // (year of the class, mode, hours) × trainees (category, relation) × enrolments (class, completed).
    let categories = ["own_employee", "student", "graduate", "veteran", "migrant_worker", "unemployed"];
    let relations = ["own", "other", "downstream"];
    let modes = ["self_run", "targeted", "competition"];
    let strategy = (
        prop::collection::vec((0usize..2, 0usize..3, 1i64..60), 1..4),
        prop::collection::vec((0usize..categories.len(), 0usize..relations.len()), 1..7),
        prop::collection::vec((0usize..3, 0usize..7, any::<bool>()), 0..12),
    );
    let mut runner = TestRunner::deterministic();
    let (classes, trainees, enrolments) = strategy.new_tree(&mut runner).expect("values").current();

    let mut class_ids = Vec::new();
    for (n, (year, mode, hours)) in classes.iter().enumerate() {
        let starts = if *year == 0 { "2024-11-04" } else { "2025-02-03" };
        let mut body = json!({"project": project, "name": format!("班次{n}"), "mode": modes[*mode], "starts_on": starts,
                              "ends_on": starts, "hours": hours, "place": "实训楼", "teachers": "张师傅", "innovations": []});
        if modes[*mode] == "targeted" {
            body["target_group"] = json!("graduate");
        }
        let (status, class) = app.post_json_as(&us, &path("classes"), &body).await;
        assert_eq!(status, 201, "{class}");
        class_ids.push(id_of(&class));
    }
    let mut trainee_ids = Vec::new();
    for (n, (category, relation)) in trainees.iter().enumerate() {
        let mut body = json!({"name": format!("学员{n}"), "resident_id": resident_id(100 + n as u32),
                              "relation": relations[*relation], "category": categories[*category]});
        if relations[*relation] != "own" {
            body["employer"] = json!("上海某物流有限公司");
            body["employer_uscc"] = json!("91310118MA1G00011T");
        }
        let (status, trainee) = app.post_json_as(&us, &path("trainees"), &body).await;
        assert_eq!(status, 201, "{trainee}");
        trainee_ids.push(id_of(&trainee));
    }
    let mut enrolled = std::collections::BTreeSet::new();
    for (class, trainee, completed) in &enrolments {
        let (class, trainee) = (class % classes.len(), trainee % trainees.len());
        if !enrolled.insert((class, trainee)) {
            continue;
        }
        let hours = classes[class].2.min(10);
        let completion = if *completed { "completed" } else { "enrolled" };
        let body = json!({"class": class_ids[class], "trainee": trainee_ids[trainee], "hours": hours, "completion": completion});
        let (status, enrolment) = app.post_json_as(&us, &path("enrolments"), &body).await;
        assert_eq!(status, 201, "{enrolment}");
    }

    // The independent count: classes of 2024, their enrolments and distinct trainees.
    let of_2024: Vec<usize> = (0..classes.len()).filter(|&c| classes[c].0 == 0).collect();
    let in_2024: Vec<(usize, usize)> = enrolled.iter().copied().filter(|(c, _)| of_2024.contains(c)).collect();
    let people: std::collections::BTreeSet<usize> = in_2024.iter().map(|(_, t)| *t).collect();
    let completed = enrolments.iter().map(|(c, t, done)| ((c % classes.len(), t % trainees.len()), *done)).fold(
        std::collections::BTreeMap::new(),
        |mut first, (key, done)| {
            first.entry(key).or_insert(done);
            first
        },
    );

    app.clock.set(at("2025-01-06T09:00:00+08:00"));
    let staff = bureau(&app, Role::Staff).await;
    let (status, opened) = app
        .post_json_as(&staff, "/api/v1/annual-reviews", &json!({"year": 2024, "cut_off": "2024-12-31", "days": 10}))
        .await;
    assert_eq!(status, 201, "{opened}");
    let us = app.sign_in_again(org).await;
    let (_, mine) = app.get_json_as(&us, "/api/v1/annual-reports").await;
    let (_, report) =
        app.get_json_as(&us, &format!("/api/v1/annual-reports/{}", mine["items"][0]["id"].as_str().expect("id"))).await;

    assert_eq!(figure(&report, "trainees"), people.len() as i64, "{report}");
    for (i, category) in categories.iter().enumerate() {
        let expected = people.iter().filter(|&&t| trainees[t].0 == i).count() as i64;
        assert_eq!(figure(&report, &format!("trainees.{category}")), expected, "{category}");
    }
    let supply = people.iter().filter(|&&t| relations[trainees[t].1] == "downstream").count() as i64;
    assert_eq!(figure(&report, "supply_chain"), supply);
    for (m, mode) in modes.iter().enumerate() {
        let these: Vec<usize> = of_2024.iter().copied().filter(|&c| classes[c].1 == m).collect();
        assert_eq!(figure(&report, &format!("classes.{mode}")), these.len() as i64, "{mode}");
        let hours: i64 = these.iter().map(|&c| classes[c].2).sum();
        assert_eq!(figure(&report, &format!("classes.{mode}.hours")), hours, "{mode} hours");
    }
    assert_eq!(figure(&report, "enrolments"), in_2024.len() as i64);
    let done = in_2024.iter().filter(|key| completed.get(key).copied().unwrap_or(false)).count() as i64;
    assert_eq!(figure(&report, "completed"), done);
}
