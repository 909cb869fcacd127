//! Applications end to end through the API: a call opens, an organisation drafts, uploads,
//! submits; staff return it for supplement, it is fixed and resubmitted, accepted, and its
//! eligibility decided clause by clause — on both engines. Plus the refusals that must leave a
//! draft as it was, idempotent retries, data scope, and the lapse job.

use chrono::TimeDelta;
use serde_json::{Value, json};
use skillbase_app::jobs::{Runner, RunnerConfig};
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp, at};
use crate::on_both_engines;
use crate::samples::{EXE, OTHER_USCC, PDF, PNG, USCC, codes, complete_form, open_call, upload};

async fn put_form(app: &TestApp, who: &SignedIn, application: &str, form: &Value) -> (u16, Value) {
    let request =
        app.client.put(app.url(&format!("/api/v1/applications/{application}"))).json(&json!({ "form": form }));
    let (status, _, body) = app.send_as(who, request).await;
    (status, body)
}

async fn create_application(
    app: &TestApp,
    who: &SignedIn,
    batch: &str,
    key: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app.client.post(app.url("/api/v1/applications")).json(&json!({ "batch_id": batch }));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    app.send_as(who, request).await
}

async fn status_of(app: &TestApp, who: &SignedIn, application: &str) -> Value {
    let (status, body) = app.get_json_as(who, &format!("/api/v1/applications/{application}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn from_draft_to_eligible(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;

    // The portal lists the call for everyone.
    let (status, calls) = app.get_json("/api/v1/batches").await;
    assert_eq!(status, 200);
    assert_eq!(calls.as_array().map(Vec::len), Some(1), "{calls}");

    // A retried create with the same Idempotency-Key answers the same, and makes one draft.
    let (status, headers, created) = create_application(&app, &applicant, &batch, Some("create-1")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["status_label"], "草稿");
    assert!(headers.get("idempotency-replayed").is_none());
    let (status, headers, again) = create_application(&app, &applicant, &batch, Some("create-1")).await;
    assert_eq!((status, &again["id"]), (201, &created["id"]));
    assert_eq!(headers["idempotency-replayed"], "true");
    // Without the key a second live application in the same call is refused.
    let (status, _, second) = create_application(&app, &applicant, &batch, None).await;
    assert_eq!((status, codes(&second)), (400, vec![("batch".into(), "application_exists".into())]), "{second}");
    // The same key for a different request is refused.
    let (status, _, reused) = create_application(&app, &applicant, "not-a-batch", Some("create-1")).await;
    assert_eq!((status, &reused["code"]), (422, &json!("idempotency_key_reused")));

    // Submitting the empty draft names every missing part at once, and changes nothing.
    let (status, refused) =
        app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 400, "{refused}");
    let fields: Vec<String> = codes(&refused).into_iter().map(|(f, _)| f).collect();
    for expected in ["profile.industry", "sites", "team.department", "projects", "commitment_letter"] {
        assert!(fields.iter().any(|f| f == expected), "{expected} not in {fields:?}");
    }
    assert_eq!(status_of(&app, &applicant, &id).await["status"], "draft");

    // A disguised program is refused, and so is a malformed value; the saved draft stays.
    let (status, body) =
        app.upload_as(&applicant, &format!("/api/v1/applications/{id}/attachments"), "营业执照.pdf", EXE).await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "type_not_allowed".into())]), "{body}");
    let form = complete_form(&app, &applicant, &id).await;
    let (status, saved) = put_form(&app, &applicant, &id, &form).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["missing"], json!([]), "{saved}");
    // As stored, with every default spelled out.
    let form = status_of(&app, &applicant, &id).await["form"].clone();
    let mut bad = form.clone();
    bad["profile"]["industry"] = json!("mining");
    bad["sites"][0]["photos"] = json!(["0190c1c2-0000-7000-8000-000000000000"]);
    let (status, body) = put_form(&app, &applicant, &id, &bad).await;
    assert_eq!(
        (status, codes(&body)),
        (
            400,
            vec![
                ("profile.industry".into(), "unknown_industry".into()),
                ("sites[0].photos[0]".into(), "unknown_attachment".into())
            ]
        ),
        "{body}"
    );
    let (status, body) =
        put_form(&app, &applicant, &id, &json!({"profile": {"industry": "digital"}, "status": "approved"})).await;
    assert_eq!((status, &body["code"]), (400, &json!("invalid_body")), "{body}");
    assert_eq!(status_of(&app, &applicant, &id).await["form"], form, "the draft is as it was saved");

    // Submit; a retry with the same key replays the first answer.
    let submit = |key: &'static str| {
        app.client.post(app.url(&format!("/api/v1/applications/{id}/submit"))).header("idempotency-key", key)
    };
    let (status, _, submitted) = app.send_as(&applicant, submit("submit-1")).await;
    assert_eq!((status, &submitted["status_label"]), (200, &json!("已提交")), "{submitted}");
    let (status, headers, replay) = app.send_as(&applicant, submit("submit-1")).await;
    assert_eq!(
        (status, &replay, &headers["idempotency-replayed"]),
        (200, &submitted, &"true".parse().expect("header"))
    );
    // Once submitted, the form cannot be changed.
    let (status, body) = put_form(&app, &applicant, &id, &form).await;
    assert_eq!((status, &body["code"]), (400, &json!("not_editable")), "{body}");

    // Another organisation cannot see it; staff can, in the bureau's words.
    let other = app.register_applicant(OTHER_USCC, "other-org").await;
    let (status, _) = app.get_json_as(&other, &format!("/api/v1/applications/{id}")).await;
    assert_eq!(status, 404);
    let (_, others) = app.get_json_as(&other, "/api/v1/applications").await;
    assert_eq!(others, json!([]));
    let seen = status_of(&app, &staff, &id).await;
    assert_eq!((&seen["status"], &seen["status_label"]), (&json!("submitted"), &json!("待受理")));
    // Applicants cannot accept.
    let (status, _) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/accept"), &json!({})).await;
    assert_eq!(status, 403);

    // 补正: today is Friday 2024-09-27; counting from the next day, five working days are
    // 09-29 (a Sunday made a working day, 调休), 09-30, 10-08, 10-09 and 10-10 — Saturday 09-28
    // and the National Day week do not count.
    let items = json!({"items": [{"field": "sites[0].photos", "reason": "场地照片不清晰，请重新拍摄"}]});
    let (status, returned) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/return"), &items).await;
    assert_eq!(status, 200, "{returned}");
    assert_eq!(returned["supplement_due_on"], "2024-10-10");
    let (_, notes) = app.get_json_as(&applicant, "/api/v1/notifications").await;
    assert_eq!(notes[0]["title"], "申报需补正", "{notes}");
    assert!(notes[0]["body"].as_str().expect("body").contains("2024-10-10"), "{notes}");
    let mine = status_of(&app, &applicant, &id).await;
    assert_eq!((&mine["status_label"], &mine["supplement_due_on"]), (&json!("需补正"), &json!("2024-10-10")));

    // The organisation fixes the photo and resubmits; the revision shows the change.
    let mut fixed = form.clone();
    let new_photo = upload(&app, &applicant, &id, "场地-清晰.jpg", b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00").await;
    fixed["sites"][0]["photos"] = json!([new_photo]);
    let (status, body) = put_form(&app, &applicant, &id, &fixed).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("resubmitted")), "{body}");
    let (_, revisions) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/revisions")).await;
    assert_eq!(revisions.as_array().map(Vec::len), Some(2), "{revisions}");
    assert_eq!(revisions[1]["changes"][0]["field"], "sites[0].photos[0]", "{revisions}");
    assert_eq!(revisions[1]["changes"][0]["after"], json!(new_photo));

    // 受理; the rules then give each clause a result citing it.
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/accept"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("accepted")), "{body}");
    let (_, trace) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/eligibility")).await;
    let clauses: Vec<(&str, &str)> = trace
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["clause"].as_str().unwrap_or(""), i["computed"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        clauses,
        [
            ("C2.1.0", "confirm"), // an enterprise: is it a *key* enterprise? staff decide
            ("C2.1.1", "pass"),
            ("C2.1.2", "pass"),
            ("C2.1.3", "pass"),
            ("C2.1.4", "pass"),
            ("C2.1.P", "pass"),
            ("C2.2", "pass"),
            ("C2.3", "pass"),
        ]
    );
    assert!(trace[0]["explanation"].as_str().expect("text").contains("第二条第（一）款"), "{trace}");
    // The applicant reads the applicant's words, not the staff's notes.
    let (_, theirs) = app.get_json_as(&applicant, &format!("/api/v1/applications/{id}/eligibility")).await;
    assert_eq!(theirs[0]["explanation"], "");
    assert!(theirs[0]["applicant_explanation"].as_str().expect("text").contains("区人社局确认"));

    // Concluding before every clause is decided is refused; deciding against the rules needs a reason.
    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/applications/{id}/eligibility/conclude"), &json!({})).await;
    assert_eq!((status, &body["code"]), (400, &json!("eligibility_undecided")), "{body}");
    let (status, body) = app
        .post_json_as(&staff, &format!("/api/v1/applications/{id}/eligibility/C2.1.2"), &json!({"pass": false}))
        .await;
    assert_eq!((status, codes(&body)), (400, vec![("reason".into(), "required".into())]));
    for item in trace.as_array().expect("items") {
        let clause = item["clause"].as_str().expect("clause");
        let reason = if clause == "C2.1.0" { "经核实，系区重点企业名录内企业" } else { "" };
        let (status, body) = app
            .post_json_as(
                &staff,
                &format!("/api/v1/applications/{id}/eligibility/{clause}"),
                &json!({"pass": true, "reason": reason}),
            )
            .await;
        assert_eq!(status, 204, "{clause}: {body}");
    }
    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/applications/{id}/eligibility/conclude"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("eligible")), "{body}");

    // The timeline tells the story, in order.
    let (_, timeline) = app.get_json_as(&applicant, &format!("/api/v1/applications/{id}/timeline")).await;
    let actions: Vec<&str> =
        timeline.as_array().expect("events").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, ["submit", "return", "resubmit", "accept", "confirm_eligible"]);
    assert_eq!(timeline[1]["detail"]["items"][0]["reason"], "场地照片不清晰，请重新拍摄");

    // Every change is in the audit trail, and the chain is intact.
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(report.intact, "{report:?}");
}

async fn outside_the_window_nothing_is_lost(app: TestApp) {
    app.clock.set(at("2024-10-31T23:45:00+08:00"));
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (status, _, created) = create_application(&app, &applicant, &batch, None).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &applicant, &id).await;
    assert_eq!(put_form(&app, &applicant, &id, &form).await.0, 200);
    let form = status_of(&app, &applicant, &id).await["form"].clone();

    // 23:59:59 on the closing day is still inside; one second later is not.
    app.clock.set(at("2024-10-31T23:59:59+08:00"));
    let (_, calls) = app.get_json("/api/v1/batches").await;
    assert_eq!(calls[0]["accepting"], true);
    app.clock.set(at("2024-11-01T00:00:00+08:00"));
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(
        (status, codes(&body).first().cloned()),
        (400, Some(("batch".into(), "batch_not_accepting".into()))),
        "{body}"
    );
    assert!(body["detail"].as_str().expect("detail").contains("草稿已保存"), "{body}");
    let after = status_of(&app, &applicant, &id).await;
    assert_eq!((&after["status"], &after["form"]), (&json!("draft"), &form));
}

async fn a_returned_application_lapses_by_itself(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (_, _, created) = create_application(&app, &applicant, &batch, None).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &applicant, &id).await;
    put_form(&app, &applicant, &id, &form).await;
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, returned) = app
        .post_json_as(
            &staff,
            &format!("/api/v1/applications/{id}/return"),
            &json!({"items": [{"field": "team", "reason": "请补充专家资格证书"}], "days": 3}),
        )
        .await;
    // From Saturday 09-28: 09-29 (调休), 09-30, then 10-08 after National Day.
    assert_eq!((status, &returned["supplement_due_on"]), (200, &json!("2024-10-08")), "{returned}");

    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    // On the last day nothing happens.
    app.clock.set(at("2024-10-08T23:59:59+08:00"));
    runner.run_once().await.expect("runs");
    let applicant = app.sign_in_again("qingpu-hr").await;
    assert_eq!(status_of(&app, &applicant, &id).await["status"], "returned");
    // After it, the job lapses the application and tells the organisation.
    app.clock.advance(TimeDelta::seconds(2));
    runner.run_once().await.expect("runs");
    let lapsed = status_of(&app, &applicant, &id).await;
    assert_eq!((&lapsed["status"], &lapsed["status_label"]), (&json!("lapsed"), &json!("补正逾期，申报已终止")));
    let (_, notes) = app.get_json_as(&applicant, "/api/v1/notifications").await;
    assert!(notes[0]["body"].as_str().expect("body").contains("2024-10-08"), "{notes}");
    // A lapsed application is final; the organisation may start a new one in the same call.
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "{body}");
    let (status, _, again) = create_application(&app, &applicant, &batch, None).await;
    assert_eq!(status, 201, "{again}");
}

async fn staff_refuse_and_applicants_withdraw(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (_, _, created) = create_application(&app, &applicant, &batch, None).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &applicant, &id).await;
    put_form(&app, &applicant, &id, &form).await;
    app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;

    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/applications/{id}/reject"), &json!({"reason": ""})).await;
    assert_eq!((status, codes(&body)), (400, vec![("reason".into(), "required".into())]));
    let (status, body) = app
        .post_json_as(
            &staff,
            &format!("/api/v1/applications/{id}/reject"),
            &json!({"reason": "申报单位注册地不在本区"}),
        )
        .await;
    assert_eq!((status, &body["status"]), (200, &json!("not_accepted")), "{body}");
    // A final state: nothing more happens to it.
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/accept"), &json!({})).await;
    assert_eq!((status, &body["code"]), (409, &json!("invalid_state")), "{body}");
    let (status, _) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/withdraw"), &json!({})).await;
    assert_eq!(status, 409);

    // A new application in the same call may be withdrawn by its organisation.
    let (_, _, second) = create_application(&app, &applicant, &batch, None).await;
    let second = second["id"].as_str().expect("id").to_owned();
    let (status, body) = app
        .post_json_as(
            &applicant,
            &format!("/api/v1/applications/{second}/withdraw"),
            &json!({"reason": "材料准备不足"}),
        )
        .await;
    assert_eq!((status, &body["status_label"]), (200, &json!("已撤回")), "{body}");
}

on_both_engines!(
    from_draft_to_eligible,
    outside_the_window_nothing_is_lost,
    a_returned_application_lapses_by_itself,
    staff_refuse_and_applicants_withdraw
);

async fn uploads_are_checked_stored_and_served_safely(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (_, _, created) = create_application(&app, &applicant, &batch, None).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/applications/{id}/attachments");

    // Above the ordinary body limit, within the policy's 20 MB: accepted.
    let mut big = PDF.to_vec();
    big.resize(3 * 1024 * 1024, b' ');
    let (status, body) = app.upload_as(&applicant, &path, "场地设备清单.pdf", &big).await;
    assert_eq!((status, &body["size"]), (201, &json!(3 * 1024 * 1024)), "{body}");
    // One byte over 20 MB: refused with the limit named.
    let mut too_big = PDF.to_vec();
    too_big.resize(20 * 1024 * 1024 + 1, b' ');
    let (status, body) = app.upload_as(&applicant, &path, "大文件.pdf", &too_big).await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "too_large".into())]), "{body}");
    // A PNG named .pdf, and an HTML page named .pdf.
    let (status, body) = app.upload_as(&applicant, &path, "照片.pdf", PNG).await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "type_mismatch".into())]), "{body}");
    let (status, body) = app.upload_as(&applicant, &path, "x.pdf", b"<html><script>alert(1)</script></html>").await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "type_not_allowed".into())]), "{body}");

    // Hostile names are stored harmlessly; downloads are attachments, never rendered.
    let (status, stored) = app.upload_as(&applicant, &path, "../../etc/passwd.pdf", PDF).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["name"], "passwd.pdf");
    let response = app
        .client
        .get(app.url(stored["download"].as_str().expect("link")))
        .header("cookie", &applicant.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''passwd.pdf"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PDF);

    // Another organisation cannot fetch it, nor list the application's files.
    let other = app.register_applicant(OTHER_USCC, "other-org").await;
    let (status, _) = app.get_json_as(&other, stored["download"].as_str().expect("link")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json_as(&other, &path).await;
    assert_eq!(status, 404);
    // Staff do not see a draft's files (the bureau sees what was submitted).
    let (status, _) = app.get_json_as(&staff, &path).await;
    assert_eq!(status, 404);
}

on_both_engines!(uploads_are_checked_stored_and_served_safely);

/// An application is judged under the policy version in force on the day it was submitted; a
/// version loaded later changes nothing already submitted.
async fn each_application_keeps_the_policy_of_its_submission_day(app: TestApp) {
    // Late on the eve of the new version's first day (sessions stay fresh across midnight).
    app.clock.set(at("2024-09-27T23:40:00+08:00"));
    let staff = app.sign_in_as(Role::Staff).await;
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let batch = open_call(&app, &staff).await;
    let v2 = skillbase_domain::policy::PolicyDocument::builtin()
        .source()
        .replacen("version = 1", "version = 2", 1)
        .replacen("effective_from = \"2023-06-14\"", "effective_from = \"2024-09-28\"", 1);
    // Staff may not load policy versions; the system administrator may.
    let (status, _) = app.post_json_as(&staff, "/api/v1/policies", &json!({ "source": v2 })).await;
    assert_eq!(status, 403);
    let (status, body) = app.post_json_as(&sysadmin, "/api/v1/policies", &json!({ "source": "code = [" })).await;
    assert_eq!((status, &body["errors"][0]["field"]), (400, &json!("file")), "{body}");
    assert!(body["detail"].as_str().expect("detail").starts_with("第 1 行"), "{body}");
    let (status, body) = app.post_json_as(&sysadmin, "/api/v1/policies", &json!({ "source": v2 })).await;
    assert_eq!((status, &body["id"]), (201, &json!("qingpu-2023-17@2")), "{body}");

    let first = app.register_applicant(USCC, "qingpu-hr").await;
    let (_, _, created) = create_application(&app, &first, &batch, None).await;
    let early = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &first, &early).await;
    put_form(&app, &first, &early, &form).await;
    let (status, body) = app.post_json_as(&first, &format!("/api/v1/applications/{early}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");

    app.clock.set(at("2024-09-28T00:00:05+08:00"));
    let second = app.register_applicant(OTHER_USCC, "other-org").await;
    let (_, _, created) = create_application(&app, &second, &batch, None).await;
    let late = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &second, &late).await;
    put_form(&app, &second, &late, &form).await;
    let (status, body) = app.post_json_as(&second, &format!("/api/v1/applications/{late}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(status_of(&app, &staff, &early).await["policy_id"], "qingpu-2023-17@1");
    assert_eq!(status_of(&app, &staff, &late).await["policy_id"], "qingpu-2023-17@2");
    // Acceptance records the judging version in the trace of each clause.
    app.post_json_as(&staff, &format!("/api/v1/applications/{early}/accept"), &json!({})).await;
    let (_, trace) = app.get_json_as(&staff, &format!("/api/v1/applications/{early}/eligibility")).await;
    assert_eq!(trace[0]["policy_id"], "qingpu-2023-17@1", "{trace}");
}

on_both_engines!(each_application_keeps_the_policy_of_its_submission_day);

/// Two staff members act on one application at the same moment: exactly one change wins, the
/// other is told the application moved (409), and the timeline has one event.
async fn simultaneous_decisions_do_not_both_win(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-hr").await;
    let (_, _, created) = create_application(&app, &applicant, &batch, None).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &applicant, &id).await;
    put_form(&app, &applicant, &id, &form).await;
    let (status, _) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 200);

    let (accept_path, reject_path) =
        (format!("/api/v1/applications/{id}/accept"), format!("/api/v1/applications/{id}/reject"));
    let (empty, reason) = (json!({}), json!({"reason": "重复申报"}));
    let accept = app.post_json_as(&staff, &accept_path, &empty);
    let refuse = app.post_json_as(&staff, &reject_path, &reason);
    let ((a, _), (r, _)) = tokio::join!(accept, refuse);
    let mut statuses = [a, r];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "exactly one decision wins");
    let (_, timeline) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/timeline")).await;
    assert_eq!(timeline.as_array().map(Vec::len), Some(2), "submit and one decision: {timeline}");
}

on_both_engines!(simultaneous_decisions_do_not_both_win);

/// Replaces a file of an application through the API: `PUT` with the new file as
/// `multipart/form-data` (field `file`).
async fn replace_file(
    app: &TestApp,
    who: &SignedIn,
    (application, attachment): (&str, &str),
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let boundary = "skillbase-replace-boundary-Xx91";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = app
        .client
        .put(app.url(&format!("/api/v1/applications/{application}/attachments/{attachment}")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

async fn remove_file(app: &TestApp, who: &SignedIn, (application, attachment): (&str, &str)) -> (u16, Value) {
    let request = app.client.delete(app.url(&format!("/api/v1/applications/{application}/attachments/{attachment}")));
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

/// The ids of the application's present files.
async fn file_ids(app: &TestApp, who: &SignedIn, application: &str) -> Vec<String> {
    let (status, files) = app.get_json_as(who, &format!("/api/v1/applications/{application}/attachments")).await;
    assert_eq!(status, 200, "{files}");
    files.as_array().expect("files").iter().filter_map(|f| f["id"].as_str().map(str::to_owned)).collect()
}

async fn audited(app: &TestApp, action: &str, application: &str) -> Vec<Value> {
    let records = app
        .app()
        .audit_entries(&skillbase_app::audit::AuditFilter {
            from_seq: 1,
            action: Some(action),
            object_id: Some(application),
            limit: 20,
            ..Default::default()
        })
        .await
        .expect("audit");
    records.iter().map(|r| serde_json::from_str(&r.record.detail).expect("json")).collect()
}

/// Issue 17, item 6: while the application is a draft or returned for supplement, its own
/// organisation removes and replaces files (the form follows: a removed file's field is
/// emptied, a replaced one's points at the new file; both audited); once submitted, both are
/// refused with a clear message; another organisation finds nothing, staff may not; and the
/// submitted revision still names, and still downloads, the file it was sent with.
async fn files_are_removed_and_replaced_while_the_applicant_may_edit(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let applicant = app.register_applicant(USCC, "qingpu-files").await;
    let (_, _, created) = create_application(&app, &applicant, &batch, None).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &applicant, &id).await;
    let (status, body) = put_form(&app, &applicant, &id, &form).await;
    assert_eq!(status, 200, "{body}");
    let text = |v: &Value| v.as_str().expect("an id").to_owned();
    let (photo, wall, letter) = (
        text(&form["sites"][0]["photos"][0]),
        text(&form["rule_documents"][0]["wall_photo"]),
        text(&form["commitment_letter"]),
    );

    // A draft: the site photo removed leaves the form and the list.
    let (status, body) = remove_file(&app, &applicant, (&id, &photo)).await;
    assert_eq!(status, 204, "{body}");
    let stored = status_of(&app, &applicant, &id).await;
    assert_eq!(stored["form"]["sites"][0]["photos"], json!([]), "{stored}");
    assert!(!file_ids(&app, &applicant, &id).await.contains(&photo));
    let (status, _) = remove_file(&app, &applicant, (&id, &photo)).await;
    assert_eq!(status, 404, "removed already");
    // The letter replaced: the form names the new file, the list has it instead.
    let signed = [PDF, b"% signed and stamped\n".as_slice()].concat();
    let (status, new_letter) = replace_file(&app, &applicant, (&id, &letter), "承诺书-盖章.pdf", &signed).await;
    assert_eq!((status, &new_letter["name"]), (200, &json!("承诺书-盖章.pdf")), "{new_letter}");
    let submitted_letter = text(&new_letter["id"]);
    assert_eq!(status_of(&app, &applicant, &id).await["form"]["commitment_letter"], json!(submitted_letter));
    let files = file_ids(&app, &applicant, &id).await;
    assert!(files.contains(&submitted_letter) && !files.contains(&letter), "{files:?}");
    // A photo is replaced by an image only; a bad file as by any upload.
    let (status, body) = replace_file(&app, &applicant, (&id, &wall), "上墙.pdf", PDF).await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "photo_required".into())]), "{body}");
    let (status, body) = replace_file(&app, &applicant, (&id, &wall), "上墙.png", EXE).await;
    assert_eq!((status, codes(&body)), (400, vec![("file".into(), "type_not_allowed".into())]), "{body}");
    assert_eq!(status_of(&app, &applicant, &id).await["form"]["rule_documents"][0]["wall_photo"], json!(wall));
    // Audited, each with the fields that referred to the file.
    let removed = audited(&app, "application.attachment_remove", &id).await;
    assert_eq!((removed.len(), &removed[0]["fields"]), (1, &json!(["sites[0].photos[0]"])), "{removed:?}");
    let replaced = audited(&app, "application.attachment_replace", &id).await;
    assert_eq!(
        (&replaced[0]["attachment"], &replaced[0]["replacement"], &replaced[0]["fields"]),
        (&json!(letter), &json!(submitted_letter), &json!(["commitment_letter"])),
        "{replaced:?}"
    );

    // Another organisation finds nothing; staff may not change an applicant's files.
    let other = app.register_applicant(OTHER_USCC, "other-files").await;
    assert_eq!(remove_file(&app, &other, (&id, &wall)).await.0, 404);
    assert_eq!(replace_file(&app, &other, (&id, &wall), "x.png", PNG).await.0, 404);
    let (_, _, theirs) = create_application(&app, &other, &batch, None).await;
    let their_file = upload(&app, &other, theirs["id"].as_str().expect("id"), "他们的.pdf", PDF).await;
    assert_eq!(remove_file(&app, &applicant, (&id, &their_file)).await.0, 404, "a file of another application");
    assert_eq!(remove_file(&app, &staff, (&id, &wall)).await.0, 403);

    // Submitted: a new photo in the form, then removing or replacing is refused.
    let new_photo = upload(&app, &applicant, &id, "场地-新.png", PNG).await;
    let mut current = status_of(&app, &applicant, &id).await["form"].clone();
    current["sites"][0]["photos"] = json!([new_photo]);
    let (status, body) = put_form(&app, &applicant, &id, &current).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("submitted")), "{body}");
    let (status, body) = remove_file(&app, &applicant, (&id, &submitted_letter)).await;
    assert_eq!((status, &body["code"]), (400, &json!("not_editable")), "{body}");
    assert!(body["detail"].as_str().unwrap_or_default().contains("不能删除附件"), "{body}");
    let (status, body) = replace_file(&app, &applicant, (&id, &submitted_letter), "又一版.pdf", PDF).await;
    assert_eq!((status, &body["code"]), (400, &json!("not_editable")), "{body}");
    assert!(file_ids(&app, &applicant, &id).await.contains(&submitted_letter));

    // Returned for supplement: the letter replaced again, and the new photo removed and
    // uploaded anew; resubmitted.
    let items = json!({"items": [{"field": "commitment_letter", "reason": "承诺书未盖章"}]});
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/return"), &items).await;
    assert_eq!(status, 200, "{body}");
    let second = [PDF, b"% second version\n".as_slice()].concat();
    let (status, body) = replace_file(&app, &applicant, (&id, &submitted_letter), "承诺书-第二版.pdf", &second).await;
    assert_eq!(status, 200, "{body}");
    let second_letter = text(&body["id"]);
    let (status, _) = remove_file(&app, &applicant, (&id, &new_photo)).await;
    assert_eq!(status, 204);
    let (status, refused) =
        app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!(status, 400, "the removed photo is missing: {refused}");
    assert!(codes(&refused).iter().any(|(field, _)| field.starts_with("sites")), "{refused}");
    let clear = upload(&app, &applicant, &id, "场地-清晰.png", PNG).await;
    let mut current = status_of(&app, &applicant, &id).await["form"].clone();
    current["sites"][0]["photos"] = json!([clear]);
    assert_eq!(put_form(&app, &applicant, &id, &current).await.0, 200);
    let (status, body) = app.post_json_as(&applicant, &format!("/api/v1/applications/{id}/submit"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("resubmitted")), "{body}");

    // The first revision still names what it was sent with, and it still downloads.
    let (_, revisions) = app.get_json_as(&applicant, &format!("/api/v1/applications/{id}/revisions")).await;
    assert_eq!(revisions[0]["form"]["commitment_letter"], json!(submitted_letter), "{revisions}");
    assert_eq!(revisions[0]["form"]["sites"][0]["photos"], json!([new_photo]));
    assert_eq!(revisions[1]["form"]["commitment_letter"], json!(second_letter));
    for (who, file, bytes) in [(&applicant, &submitted_letter, &signed), (&staff, &submitted_letter, &signed)] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/attachments/{file}")))
            .header("cookie", &who.cookie)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    }
    let files = file_ids(&app, &staff, &id).await;
    assert!(files.contains(&second_letter) && !files.contains(&submitted_letter), "{files:?}");
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

on_both_engines!(files_are_removed_and_replaced_while_the_applicant_may_edit);
