//! Expert review through the API, on both engines: experts tied to an applicant in each listed
//! way are never drawn (and every draw repeats from its stored seed), a declared conflict brings
//! a replacement, scoring is blind and aggregates by the rule, a reopened score sends the
//! application back to review, priority applicants rank first, and a drafter never approves
//! their own recognition list.

use chrono::TimeDelta;
use serde_json::{Value, json};
use skillbase_app::jobs::{Runner, RunnerConfig};
use skillbase_domain::review::{self, ExpertProfile};
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::samples::{OTHER_USCC, codes, eligible_application, open_call, qingpu_uscc};

/// The rubric's criteria with their maximum points, in its order.
const RUBRIC: [(&str, u32); 5] = [("subject", 20), ("site", 25), ("team", 25), ("rules", 10), ("projects", 20)];

/// A score sheet adding up to `total`, every criterion within its points and with a comment.
pub(crate) fn sheet(total: u32) -> Value {
    let mut left = total;
    let items: Vec<Value> = RUBRIC
        .iter()
        .map(|(criterion, max)| {
            let points = left.min(*max);
            left -= points;
            json!({"criterion": criterion, "points": points, "comment": format!("{criterion}：材料齐全")})
        })
        .collect();
    json!({ "items": items })
}

/// An expert account with a profile in `industries`.
pub(crate) async fn expert(app: &TestApp, staff: &SignedIn, username: &str, profile: Value) -> (SignedIn, String) {
    let (session, id) = app.sign_in_user(Role::Expert, username, username).await;
    let mut body =
        json!({"name": username, "title": "高级工程师", "employer_name": "其他单位", "industries": ["digital"]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), profile.as_object()) {
        body.extend(extra.clone());
    }
    let request = app.client.put(app.url(&format!("/api/v1/experts/{id}"))).json(&body);
    let (status, _, saved) = app.send_as(staff, request).await;
    assert_eq!(status, 200, "{saved}");
    (session, id)
}

pub(crate) async fn start_review(app: &TestApp, staff: &SignedIn, application: &str, experts: u32) -> Vec<Value> {
    let (status, body) = app
        .post_json_as(staff, &format!("/api/v1/applications/{application}/review"), &json!({"experts": experts}))
        .await;
    assert_eq!(status, 201, "{body}");
    body.as_array().expect("assignments").clone()
}

fn ids(list: &[Value], key: &str) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|a| a[key].as_str().expect("id").to_owned()).collect();
    out.sort();
    out
}

pub(crate) async fn status_of(app: &TestApp, who: &SignedIn, application: &str) -> String {
    let (status, body) = app.get_json_as(who, &format!("/api/v1/applications/{application}")).await;
    assert_eq!(status, 200, "{body}");
    body["status"].as_str().expect("status").to_owned()
}

async fn tied_experts_are_never_drawn(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicants: Vec<String> = (1..=3).map(qingpu_uscc).collect();
    let mut applications = Vec::new();
    for (i, uscc) in applicants.iter().enumerate() {
        applications.push(eligible_application(&app, &staff, &batch, (uscc, &format!("org-{i}")), false).await.1);
    }
    let first = &applicants[0];
    // One expert tied to the first applicant in each way, one tied to every applicant through
    // their listed supplier, one of another industry, and five free ones.
    let mut tied = Vec::new();
    tied.push(expert(&app, &staff, "employee", json!({"employer_uscc": first})).await.1);
    tied.push(
        expert(
            &app,
            &staff,
            "former",
            json!({"past_employers": [{"uscc": first, "name": "申报单位", "until": "2022-03-31"}]}),
        )
        .await
        .1,
    );
    tied.push(
        expert(
            &app,
            &staff,
            "declared",
            json!({"declared_ties": [{"uscc": first, "name": "申报单位", "reason": "亲属任职"}]}),
        )
        .await
        .1,
    );
    let supplier = expert(&app, &staff, "supplier", json!({"employer_uscc": OTHER_USCC})).await.1;
    let elsewhere = expert(&app, &staff, "health-only", json!({"industries": ["health"]})).await.1;
    let mut free = Vec::new();
    for i in 0..5 {
        free.push(expert(&app, &staff, &format!("free-{i}"), json!({})).await.1);
    }
    free.sort();

    // The first applicant can only get the five free experts.
    let drawn = start_review(&app, &staff, &applications[0], 5).await;
    assert_eq!(ids(&drawn, "expert_id"), free);
    // The others may get the three tied only to the first, never the supplier's or another
    // industry's expert; and each draw is stored so that it repeats exactly.
    let mut seeds = Vec::new();
    for application in &applications {
        if application != &applications[0] {
            let drawn = start_review(&app, &staff, application, 5).await;
            for expert in ids(&drawn, "expert_id") {
                assert!(expert != supplier && expert != elsewhere, "{expert} drawn for {application}");
            }
        }
        let (status, progress) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/review")).await;
        assert_eq!(status, 200, "{progress}");
        let draw = &progress["draws"][0];
        let candidates: Vec<String> = serde_json::from_value(draw["candidates"].clone()).expect("list");
        assert!(!candidates.contains(&supplier) && !candidates.contains(&elsewhere));
        if application == &applications[0] {
            assert!(tied.iter().all(|t| !candidates.contains(t)), "{candidates:?}");
        } else {
            assert!(tied.iter().all(|t| candidates.contains(t)), "{candidates:?}");
        }
        // Anyone can repeat the draw from the stored seed and candidates.
        let seed: u64 = draw["seed"].as_str().expect("seed").parse().expect("u64");
        let pool: Vec<ExpertProfile> = candidates
            .iter()
            .map(|id| ExpertProfile {
                id: id.clone(),
                industries: vec!["digital".into()],
                employer: None,
                past_employers: vec![],
                declared_ties: vec![],
            })
            .collect();
        let applicant = review::Applicant {
            uscc: skillbase_domain::Uscc::parse(&qingpu_uscc(99)).expect("uscc"),
            industry: "digital".into(),
            supply_chain: vec![],
        };
        let today = chrono::NaiveDate::from_ymd_opt(2024, 9, 27).expect("date");
        let again = review::draw(seed, &pool, &applicant, &[], today, 5, 3).expect("draws");
        assert_eq!(json!(again.drawn), draw["drawn"], "the stored draw repeats");
        seeds.push(seed);
        assert_eq!(status_of(&app, &staff, application).await, "in_review");
    }
    seeds.dedup();
    assert_eq!(seeds.len(), 3, "each draw has its own seed");
    // Each draw is in the audit trail with its seed and candidates.
    let records = app
        .app()
        .audit_entries(&skillbase_app::audit::AuditFilter {
            from_seq: 1,
            action: Some("review.draw"),
            actor: None,
            object_type: None,
            object_id: None,
            limit: 100,
        })
        .await
        .expect("audit");
    assert_eq!(records.len(), 3);
    assert!(records[0].record.detail.contains("\"seed\""), "{}", records[0].record.detail);

    // The expert pool refuses bad input field by field, and a non-expert account.
    let (_, some_id) = app.sign_in_user(Role::Expert, "typo", "typo").await;
    let request = app.client.put(app.url(&format!("/api/v1/experts/{some_id}"))).json(&json!({
        "name": "", "title": "教授", "employer_uscc": "91310118MA1G00011X", "industries": ["space"],
        "past_employers": [{"uscc": first, "until": "2030-01-01"}]
    }));
    let (status, _, refused) = app.send_as(&staff, request).await;
    let found = codes(&refused);
    assert_eq!(status, 400, "{refused}");
    for expected in [
        ("name", "required"),
        ("employer_uscc", "uscc_check"),
        ("industries[0]", "unknown_industry"),
        ("past_employers[0].until", "date_in_future"),
    ] {
        assert!(found.contains(&(expected.0.into(), expected.1.into())), "{expected:?} not in {found:?}");
    }
    let (_, pool) = app.get_json_as(&staff, "/api/v1/experts").await;
    assert!(pool.as_array().expect("pool").iter().all(|e| e["username"] != "typo"), "nothing saved");
    let leader_id = app.sign_in_user(Role::Leader, "a-leader", "领导").await.1;
    let request = app
        .client
        .put(app.url(&format!("/api/v1/experts/{leader_id}")))
        .json(&json!({"name": "x", "title": "y", "industries": ["digital"]}));
    let (status, _, refused) = app.send_as(&staff, request).await;
    assert_eq!((status, codes(&refused)), (400, vec![("user".into(), "not_an_expert".into())]));
}

async fn conflicts_replacements_and_blind_scoring(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let (applicant, application) =
        eligible_application(&app, &staff, &batch, (&qingpu_uscc(1), "org-one"), false).await;
    let mut experts = Vec::new();
    for i in 0..6 {
        experts.push(expert(&app, &staff, &format!("expert-{i}"), json!({})).await);
    }
    // Drawing fewer than the policy's minimum is refused; an applicant cannot start a review.
    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/applications/{application}/review"), &json!({"experts": 2})).await;
    assert_eq!((status, codes(&body)), (400, vec![("experts".into(), "experts_out_of_range".into())]), "{body}");
    let (status, _) =
        app.post_json_as(&applicant, &format!("/api/v1/applications/{application}/review"), &json!({})).await;
    assert_eq!(status, 403);
    let drawn = start_review(&app, &staff, &application, 5).await;
    // From Saturday 09-28: 09-29 (调休), 09-30, then 10-08, 10-09, 10-10 after National Day.
    assert!(drawn.iter().all(|a| a["due_on"] == "2024-10-10"), "{drawn:?}");
    let session_of = |expert_id: &str| -> SignedIn {
        experts.iter().find(|(_, id)| id == expert_id).expect("one of ours").0.clone()
    };
    let left_out: Vec<&(SignedIn, String)> =
        experts.iter().filter(|(_, id)| !drawn.iter().any(|a| a["expert_id"] == json!(id))).collect();
    assert_eq!(left_out.len(), 1);

    // An expert sees their own assignments only, and nothing of the application before declaring.
    let first = drawn[0]["id"].as_str().expect("id").to_owned();
    let first_expert = session_of(drawn[0]["expert_id"].as_str().expect("id"));
    let (_, mine) = app.get_json_as(&first_expert, "/api/v1/assignments").await;
    assert_eq!(ids(mine.as_array().expect("list"), "id"), vec![first.clone()]);
    let (status, body) = app.get_json_as(&first_expert, &format!("/api/v1/assignments/{first}/application")).await;
    assert_eq!((status, &body["code"]), (409, &json!("declaration_required")), "{body}");
    let second = drawn[1]["id"].as_str().expect("id").to_owned();
    let (status, _) = app.get_json_as(&first_expert, &format!("/api/v1/assignments/{second}")).await;
    assert_eq!(status, 404, "another expert's assignment does not exist for them");
    let (_, notes) = app.get_json_as(&first_expert, "/api/v1/me/notifications").await;
    assert_eq!(notes[0]["link"], json!(format!("/expert/assignments/{first}")), "{notes}");

    // A conflict needs a reason; declaring one withdraws the expert and draws the one left.
    let (status, body) = app
        .post_json_as(&first_expert, &format!("/api/v1/assignments/{first}/conflict"), &json!({"conflict": true}))
        .await;
    assert_eq!((status, codes(&body)), (400, vec![("reason".into(), "required".into())]), "{body}");
    let (status, declared) = app
        .post_json_as(
            &first_expert,
            &format!("/api/v1/assignments/{first}/conflict"),
            &json!({"conflict": true, "reason": "曾为该单位提供咨询服务"}),
        )
        .await;
    assert_eq!((status, &declared["status"]), (200, &json!("declined_conflict")), "{declared}");
    let replacement = declared["replacement"].as_str().expect("a replacement").to_owned();
    let (_, replacement_row) = app.get_json_as(&staff, &format!("/api/v1/assignments/{replacement}")).await;
    assert_eq!(replacement_row["expert_id"], json!(left_out[0].1));
    let (status, _) = app.get_json_as(&first_expert, &format!("/api/v1/assignments/{first}/application")).await;
    assert_eq!(status, 409, "a conflicted expert never sees the application");

    // The five remaining declare no conflict and score; the first sheet is refused whole.
    let (_, all) = app.get_json_as(&staff, &format!("/api/v1/assignments?application={application}")).await;
    let active: Vec<(String, SignedIn)> = all
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["status"] == "assigned")
        .map(|a| (a["id"].as_str().expect("id").to_owned(), session_of(a["expert_id"].as_str().expect("id"))))
        .collect();
    assert_eq!(active.len(), 5);
    let totals = [80, 96, 78, 82, 40];
    for (i, ((assignment, who), total)) in active.iter().zip(totals).enumerate() {
        let path = format!("/api/v1/assignments/{assignment}");
        let (status, body) = app.post_json_as(who, &format!("{path}/scores"), &sheet(total)).await;
        assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "scoring before declaring: {body}");
        let (status, _) = app.post_json_as(who, &format!("{path}/conflict"), &json!({"conflict": false})).await;
        assert_eq!(status, 200);
        let (status, opened) = app.get_json_as(who, &format!("{path}/application")).await;
        assert_eq!((status, &opened["id"]), (200, &json!(application)), "{opened}");
        if i == 0 {
            let mut over = sheet(total);
            over["items"][0]["points"] = json!(21);
            over["items"][2]["comment"] = json!(" ");
            let (status, body) = app.post_json_as(who, &format!("{path}/scores"), &over).await;
            assert_eq!(status, 400, "{body}");
            let found = codes(&body);
            assert!(found.contains(&("items[0].points".into(), "points_out_of_range".into())), "{found:?}");
            assert!(found.contains(&("items[2].comment".into(), "required".into())), "{found:?}");
            let (_, still) = app.get_json_as(who, &path).await;
            assert_eq!((&still["status"], &still["total"]), (&json!("accepted"), &Value::Null));
        }
        // Blind: nobody else's total before one's own is in; every earlier one after.
        let (_, before) = app.get_json_as(who, &format!("{path}/scores")).await;
        assert_eq!(before["others"], json!([]), "{before}");
        let (status, scored) = app.post_json_as(who, &format!("{path}/scores"), &sheet(total)).await;
        assert_eq!((status, &scored["total"]), (200, &json!(total)), "{scored}");
        let (_, after) = app.get_json_as(who, &format!("{path}/scores")).await;
        assert_eq!(after["others"].as_array().map(Vec::len), Some(i), "{after}");
        assert_eq!(after["items"][0]["criterion"], "subject");
        let expected = if i < 4 { "in_review" } else { "scored" };
        assert_eq!(status_of(&app, &staff, &application).await, expected, "after {} scores", i + 1);
    }
    // Five scores: the highest and lowest are dropped, both flagged; the mean is 80.00.
    let (_, progress) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/review")).await;
    assert_eq!(progress["aggregate"]["mean"], "80.00", "{progress}");
    assert_eq!(progress["aggregate"]["counted"], 3);
    let flagged: Vec<i64> = progress["assignments"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["outlier"] == true)
        .map(|a| a["total"].as_i64().expect("total"))
        .collect();
    assert_eq!(flagged, [96, 40]);
    // The applicant reads 评审中 and never a score.
    let (_, theirs) = app.get_json_as(&applicant, &format!("/api/v1/applications/{application}")).await;
    assert_eq!(theirs["status_label"], "评审中");
    // Each step that left it at 评审中 was told in its own words.
    let (_, notes) = app.get_json_as(&applicant, "/api/v1/notifications").await;
    let titles: Vec<&str> = notes.as_array().expect("list").iter().filter_map(|n| n["title"].as_str()).collect();
    assert!(titles.contains(&"申报通过资格审查") && titles.contains(&"申报进入专家评审"), "{titles:?}");
    assert!(!titles.contains(&"申报评审中"), "{titles:?}");
    let (status, _) = app.get_json_as(&applicant, &format!("/api/v1/applications/{application}/review")).await;
    assert_eq!(status, 403);

    // Staff reopen the low score (a reason is required); the application is back in review
    // until the expert submits again.
    let (low, low_expert) = &active[4];
    let (status, _) =
        app.post_json_as(&staff, &format!("/api/v1/assignments/{low}/reopen"), &json!({"reason": ""})).await;
    assert_eq!(status, 400);
    let (status, body) = app
        .post_json_as(
            &staff,
            &format!("/api/v1/assignments/{low}/reopen"),
            &json!({"reason": "评分与评语不符，请复核"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(status_of(&app, &staff, &application).await, "in_review");
    let (status, _) = app.post_json_as(low_expert, &format!("/api/v1/assignments/{low}/scores"), &sheet(79)).await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&app, &staff, &application).await, "scored");
    let (_, progress) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/review")).await;
    // 80, 96, 78, 82, 79: drop 96 and 78; mean of 80, 82, 79 = 80.33.
    assert_eq!(progress["aggregate"]["mean"], "80.33", "{progress}");
    let (_, timeline) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/timeline")).await;
    let actions: Vec<&str> = timeline.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        &actions[actions.len() - 4..],
        ["start_review", "complete_scoring", "reopen_scoring", "complete_scoring"]
    );

    // A conflict found later: staff withdraw an expert who scored; nobody is left to draw, but
    // four scores remain (at least the minimum), so scoring stays complete without theirs.
    let (high, _) = &active[1];
    let (status, body) = app
        .post_json_as(
            &staff,
            &format!("/api/v1/assignments/{high}/withdraw"),
            &json!({"reason": "发现其配偶在申报单位任职"}),
        )
        .await;
    assert_eq!((status, &body["replacement"]), (200, &Value::Null), "{body}");
    assert_eq!(status_of(&app, &staff, &application).await, "scored");
    let (_, progress) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/review")).await;
    // 80, 78, 82, 79 (four: none dropped) = 79.75.
    assert_eq!(progress["aggregate"]["mean"], "79.75", "{progress}");
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

/// Three experts score an application with `total` each.
pub(crate) async fn score_all(
    app: &TestApp,
    staff: &SignedIn,
    experts: &[(SignedIn, String)],
    application: &str,
    total: u32,
) {
    let drawn = start_review(app, staff, application, 3).await;
    for a in &drawn {
        let who = &experts.iter().find(|(_, id)| a["expert_id"] == json!(id)).expect("ours").0;
        let path = format!("/api/v1/assignments/{}", a["id"].as_str().expect("id"));
        let (status, _) = app.post_json_as(who, &format!("{path}/conflict"), &json!({"conflict": false})).await;
        assert_eq!(status, 200);
        let (status, body) = app.post_json_as(who, &format!("{path}/scores"), &sheet(total)).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn ranking_proposal_and_approval(app: TestApp) {
    let (staff, staff_id) = app.sign_in_user(Role::Staff, "drafter", "经办人甲").await;
    let batch = open_call(&app, &staff).await;
    let (_, priority) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(1), "org-priority"), true).await;
    let (_, strong) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(2), "org-strong"), false).await;
    let (_, weak) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(3), "org-weak"), false).await;
    let mut experts = Vec::new();
    for i in 0..3 {
        experts.push(expert(&app, &staff, &format!("panel-{i}"), json!({})).await);
    }
    score_all(&app, &staff, &experts, &priority, 70).await;
    // While one application is still in review the ranking is not final.
    let (_, ranking) = app.get_json_as(&staff, &format!("/api/v1/batches/{batch}/ranking")).await;
    assert_eq!(ranking["unfinished"].as_array().map(Vec::len), Some(2), "{ranking}");
    score_all(&app, &staff, &experts, &strong, 85).await;
    score_all(&app, &staff, &experts, &weak, 55).await;

    // Verified priority ranks first although it scored lower; below 60 is not ranked.
    let (status, ranking) = app.get_json_as(&staff, &format!("/api/v1/batches/{batch}/ranking")).await;
    assert_eq!(status, 200, "{ranking}");
    let lines: Vec<(&str, Option<i64>, &str)> = ranking["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (l["application_id"].as_str().unwrap_or(""), l["position"].as_i64(), l["outcome"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        lines,
        [
            (priority.as_str(), Some(1), "proposed"),
            (strong.as_str(), Some(2), "proposed"),
            (weak.as_str(), None, "below_threshold"),
        ]
    );
    assert!(ranking["lines"][0]["reason"].as_str().expect("reason").contains("C2.1.P"), "{ranking}");
    assert!(ranking["lines"][2]["reason"].as_str().expect("reason").contains("低于分数线 60 分"));

    // The list is drafted once the call has closed.
    let draft = |note: &str| json!({"batch_id": batch, "note": note});
    let (status, body) = app.post_json_as(&staff, "/api/v1/proposals", &draft("")).await;
    assert_eq!((status, &body["code"]), (400, &json!("batch_still_open")), "{body}");
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/batches/{batch}/close"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, proposal) = app.post_json_as(&staff, "/api/v1/proposals", &draft("经评审委员会评审")).await;
    assert_eq!((status, &proposal["status"]), (201, &json!("pending")), "{proposal}");
    let proposal_id = proposal["id"].as_str().expect("id").to_owned();
    assert_eq!(status_of(&app, &staff, &priority).await, "proposed");
    assert_eq!(status_of(&app, &staff, &weak).await, "scored");
    let (status, body) = app.post_json_as(&staff, "/api/v1/proposals", &draft("")).await;
    assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "one list at a time: {body}");
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/proposals/{proposal_id}/approve"), &json!({})).await;
    assert_eq!(status, 403, "staff do not approve");

    // The drafter, made a leader, still cannot approve their own list: 403 and an audit record.
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, body) =
        app.post_json_as(&sysadmin, &format!("/api/v1/users/{staff_id}/role"), &json!({"role": "leader"})).await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/proposals/{proposal_id}/approve"), &json!({})).await;
    assert_eq!((status, &body["code"]), (403, &json!("sod_own_proposal")), "{body}");
    let refused = app
        .app()
        .audit_entries(&skillbase_app::audit::AuditFilter {
            from_seq: 1,
            action: Some("proposal.refused_own"),
            actor: None,
            object_type: None,
            object_id: None,
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(refused.len(), 1);
    assert_eq!(status_of(&app, &staff, &priority).await, "proposed", "nothing changed");

    // Another leader sends it back (a reason is required); staff draft again; it is approved.
    let leader = app.sign_in_user(Role::Leader, "leader-two", "分管领导乙").await.0;
    let path = format!("/api/v1/proposals/{proposal_id}");
    let (status, _) = app.post_json_as(&leader, &format!("{path}/send-back"), &json!({"reason": " "})).await;
    assert_eq!(status, 400);
    let (status, body) =
        app.post_json_as(&leader, &format!("{path}/send-back"), &json!({"reason": "请补充评审意见"})).await;
    assert_eq!((status, &body["status"]), (200, &json!("sent_back")), "{body}");
    assert_eq!(status_of(&app, &staff, &priority).await, "scored");
    let (status, second) =
        app.post_json_as(&app.sign_in_as(Role::Staff).await, "/api/v1/proposals", &draft("已补充")).await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["id"].as_str().expect("id");
    let (status, body) =
        app.post_json_as(&leader, &format!("/api/v1/proposals/{second_id}/approve"), &json!({"note": "同意"})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");
    assert_eq!(status_of(&app, &leader, &priority).await, "approved");
    assert_eq!(status_of(&app, &leader, &strong).await, "approved");
    assert_eq!(status_of(&app, &leader, &weak).await, "not_selected");
    let (status, body) = app.post_json_as(&leader, &format!("/api/v1/proposals/{second_id}/approve"), &json!({})).await;
    assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "{body}");
    let (_, batches) = app.get_json("/api/v1/batches").await;
    assert_eq!(batches[0]["status"], "reviewing");
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

async fn experts_are_reminded_of_their_deadline(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let (_, application) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(1), "org-one"), false).await;
    for i in 0..3 {
        expert(&app, &staff, &format!("slow-{i}"), json!({})).await;
    }
    let drawn = start_review(&app, &staff, &application, 3).await;
    let assignment = drawn[0]["id"].as_str().expect("id").to_owned();
    let username = |a: &Value| -> String {
        // Expert accounts are named after their profile.
        a["expert_name"].as_str().expect("name").to_owned()
    };
    // Staff remind by hand.
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/assignments/{assignment}/remind"), &json!({})).await;
    assert_eq!(status, 204);
    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    // On the deadline's morning each expert is told; after it, those who owe a score again.
    app.clock.set(crate::helpers::at("2024-10-10T09:00:01+08:00"));
    while runner.run_once().await.expect("runs") != skillbase_app::jobs::Turn::Idle {}
    let expert = app.sign_in_again(&username(&drawn[0])).await;
    let (_, notes) = app.get_json_as(&expert, "/api/v1/me/notifications").await;
    let titles: Vec<&str> = notes.as_array().expect("list").iter().filter_map(|n| n["title"].as_str()).collect();
    assert_eq!(titles, ["评审今日到期", "评审催办", "新的评审任务"], "{notes}");
    app.clock.advance(TimeDelta::hours(15));
    while runner.run_once().await.expect("runs") != skillbase_app::jobs::Turn::Idle {}
    let expert = app.sign_in_again(&username(&drawn[0])).await;
    let (_, mine) = app.get_json_as(&expert, &format!("/api/v1/assignments/{assignment}")).await;
    assert_eq!(mine["overdue"], true);
    let (_, notes) = app.get_json_as(&expert, "/api/v1/me/notifications").await;
    assert_eq!(notes[0]["title"], "评审已逾期", "{notes}");

    // SEC-07: an expert whose role is taken away cannot score on their very next request.
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, body) = app
        .post_json_as(
            &sysadmin,
            &format!("/api/v1/users/{}/role", drawn[0]["expert_id"].as_str().expect("id")),
            &json!({"role": "funding"}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (status, _) = app
        .post_json_as(&expert, &format!("/api/v1/assignments/{assignment}/conflict"), &json!({"conflict": false}))
        .await;
    assert_eq!(status, 403);
}

/// The last scores owed arriving at once: scoring completes exactly once (the application's
/// row lock orders them on PostgreSQL; SQLite's writers are serial).
async fn simultaneous_last_scores_complete_scoring_once(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let (_, application) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(1), "org-one"), false).await;
    let mut experts = Vec::new();
    for i in 0..3 {
        experts.push(expert(&app, &staff, &format!("rush-{i}"), json!({})).await);
    }
    let drawn = start_review(&app, &staff, &application, 3).await;
    let mut ready = Vec::new();
    for a in &drawn {
        let who = experts.iter().find(|(_, id)| a["expert_id"] == json!(id)).expect("ours").0.clone();
        let path = format!("/api/v1/assignments/{}", a["id"].as_str().expect("id"));
        let (status, _) = app.post_json_as(&who, &format!("{path}/conflict"), &json!({"conflict": false})).await;
        assert_eq!(status, 200);
        ready.push((who, format!("{path}/scores")));
    }
    let body = sheet(75);
    let (a, b, c) = tokio::join!(
        app.post_json_as(&ready[0].0, &ready[0].1, &body),
        app.post_json_as(&ready[1].0, &ready[1].1, &body),
        app.post_json_as(&ready[2].0, &ready[2].1, &body),
    );
    assert_eq!((a.0, b.0, c.0), (200, 200, 200), "{a:?} {b:?} {c:?}");
    assert_eq!(status_of(&app, &staff, &application).await, "scored");
    let (_, timeline) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}/timeline")).await;
    let completions = timeline.as_array().expect("events").iter().filter(|e| e["action"] == "complete_scoring").count();
    assert_eq!(completions, 1);
}

on_both_engines!(
    tied_experts_are_never_drawn,
    conflicts_replacements_and_blind_scoring,
    ranking_proposal_and_approval,
    experts_are_reminded_of_their_deadline,
    simultaneous_last_scores_complete_scoring_once
);
