//! Skill-level certification through the API, on both engines (C3.3): a base files to certify
//! an occupation, staff recommend and a leader approves; a session of it gets results, is
//! submitted, returned, resubmitted and published, which issues a signed certificate to the
//! candidate who passed and none to the one who did not; anyone verifies it by number and
//! name (a wrong name learns nothing); revoking it takes staff and a leader and shows at once.
//! Another organisation finds none of it; an expert is refused.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::{ROLE_PASSWORD, SignedIn, TestApp};
use crate::on_both_engines;
use crate::samples::codes;
use crate::subsidy::recognised_bases;

on_both_engines!(a_certificate_from_filing_to_revocation);

/// A valid resident ID number (GB 11643), different for each `n`.
pub(crate) fn resident_id(n: u32) -> String {
    let body = format!("310118199203{:02}{:03}", n % 28 + 1, n % 900 + 100);
    "0123456789X"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|id| skillbase_domain::resident_id::ResidentId::parse(id).is_ok())
        .expect("one check character fits")
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("an id: {body}")).to_owned()
}

async fn decide(app: &TestApp, who: &SignedIn, path: &str, action: &str, comment: &str) -> (u16, Value) {
    app.post_json_as(who, path, &json!({"action": action, "comment": comment})).await
}

/// Checks the signature with the published key through an independent SM2 implementation
/// (the `gmssl` package from PyPI), when it is installed.
fn independently_verified(public_key: &str, text: &str, signature: &str) {
    let probe = std::process::Command::new("python3").args(["-c", "import gmssl.sm2"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::helpers::skip("the independent SM2 implementation is not installed (pip install gmssl)");
        return;
    }
    let script = "import sys\nfrom gmssl import sm2\nkey, sig, text = sys.argv[1], sys.argv[2], sys.argv[3]\n\
                  k = sm2.CryptSM2(private_key=None, public_key=key[2:] if key.startswith('04') else key)\n\
                  sys.exit(0 if k.verify_with_sm3(sig, text.encode('utf-8')) else 1)\n";
    let ok = std::process::Command::new("python3")
        .args(["-c", script, public_key, signature, text])
        .status()
        .expect("python runs");
    assert!(ok.success(), "gmssl rejects the certificate's signature");
    let tampered = text.replace("学员1", "学员9");
    let bad = std::process::Command::new("python3")
        .args(["-c", script, public_key, signature, &tampered])
        .status()
        .expect("python runs");
    assert!(!bad.success(), "gmssl accepts a tampered text: the check cannot fail");
}

async fn a_certificate_from_filing_to_revocation(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (base, org) = &cast.bases[0];
    let us = app.sign_in_again(org).await;
    let them = app.sign_in_again(&cast.bases[1].1).await;
    let path = |tail: &str| format!("/api/v1/bases/{base}/{tail}");

    // Three trainees: two own employees, one student.
    let mut numbers = Vec::new();
    for (n, category) in [(1, "own_employee"), (2, "own_employee"), (3, "student")] {
        let body =
            json!({"name": format!("学员{n}"), "resident_id": resident_id(n), "relation": "own", "category": category});
        let (status, trainee) = app.post_json_as(&us, &path("trainees"), &body).await;
        assert_eq!(status, 201, "{trainee}");
        numbers.push(resident_id(n));
    }
    let session_body = |level: &str, assessors: Vec<&str>| {
        json!({"occupation": "6-31-01-02", "level": level, "held_on": "2024-10-14", "place": "基地实训楼 201",
               "assessors": assessors, "self_evaluation": true})
    };
    let three = vec!["张考评", "李考评", "王考评"];

    // Without an approved filing no session is held.
    let (status, refused) =
        app.post_json_as(&us, &path("certification-sessions"), &session_body("3", three.clone())).await;
    assert_eq!((status, codes(&refused)), (400, vec![("level".to_owned(), "not_approved".to_owned())]), "{refused}");

    // The filing: refused by field when empty; filed; staff recommend, the leader approves.
    let (status, refused) = app.post_json_as(&us, &path("certification-filings"), &json!({})).await;
    assert_eq!(status, 400, "{refused}");
    let fields: Vec<String> = codes(&refused).into_iter().map(|(f, _)| f).collect();
    assert!(fields.contains(&"occupation".to_owned()) && fields.contains(&"levels".to_owned()), "{fields:?}");
    let filing = json!({"occupation": "6-31-01-02", "levels": ["4", "3"], "note": "考评员 6 名，题库齐备"});
    let (status, filing) = app.post_json_as(&us, &path("certification-filings"), &filing).await;
    assert_eq!((status, &filing["status"]), (201, &json!("submitted")), "{filing}");
    let filing = format!("/api/v1/certification-filings/{}/decision", id_of(&filing));
    let (status, refused) = decide(&app, &us, &filing, "approve", "").await;
    assert_eq!(status, 403, "the base decides nothing: {refused}");
    let (status, refused) = decide(&app, &cast.leader, &filing, "approve", "").await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "staff first: {refused}");
    let (status, refused) = decide(&app, &cast.staff, &filing, "approve", "").await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden_transition")), "{refused}");
    let (status, recommended) = decide(&app, &cast.staff, &filing, "recommend", "材料齐全").await;
    assert_eq!((status, &recommended["status"]), (200, &json!("recommended")), "{recommended}");
    let (status, approved) = decide(&app, &cast.leader, &filing, "approve", "同意").await;
    assert_eq!((status, &approved["status"], &approved["in_force"]), (200, &json!("approved"), &json!(true)));
    assert_eq!((&approved["valid_from"], &approved["valid_until"]), (&json!("2024-10-14"), &json!("2027-10-13")));
    let steps: Vec<&str> =
        approved["history"].as_array().expect("history").iter().filter_map(|d| d["action"].as_str()).collect();
    assert_eq!(steps, ["submit", "recommend", "approve"]);
    assert_eq!(approved["history"][2]["comment"], "同意");

    // A session: a level not approved, too few assessors; then one that is right.
    let (status, refused) =
        app.post_json_as(&us, &path("certification-sessions"), &session_body("2", three.clone())).await;
    assert_eq!((status, codes(&refused)), (400, vec![("level".to_owned(), "not_approved".to_owned())]), "{refused}");
    let (status, refused) =
        app.post_json_as(&us, &path("certification-sessions"), &session_body("3", vec!["张考评", "李考评"])).await;
    assert_eq!(codes(&refused), vec![("assessors".to_owned(), "too_few_assessors".to_owned())], "{status} {refused}");
    let (status, session) = app.post_json_as(&us, &path("certification-sessions"), &session_body("3", three)).await;
    assert_eq!((status, &session["status"]), (201, &json!("draft")), "{session}");
    let session = id_of(&session);
    let results = format!("/api/v1/certification-sessions/{session}/results");
    let decision = format!("/api/v1/certification-sessions/{session}/decision");

    // Results: by resident ID of a trainee of the base; scores out of 100 with one decimal.
    let (status, refused) = decide(&app, &us, &decision, "submit", "").await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("session_incomplete")), "{refused}");
    let score = |n: usize, theory: &str, practical: &str| json!({"resident_id": numbers[n], "theory": theory, "practical": practical});
    let (status, passed) = app.post_json_as(&us, &results, &score(0, "85.5", "90")).await;
    assert_eq!((status, &passed["passed"], &passed["theory"]), (201, &json!(true), &json!("85.5")), "{passed}");
    let (status, failed) = app.post_json_as(&us, &results, &score(1, "59.9", "95")).await;
    assert_eq!((status, &failed["passed"]), (201, &json!(false)), "{failed}");
    let removed = app.client.delete(app.url(&format!("{results}/{}", id_of(&failed))));
    let (status, _, _) = app.send_as(&us, removed).await;
    assert_eq!(status, 204, "a result removed while the session is a draft");
    let (_, listed) = app.get_json_as(&us, &results).await;
    assert_eq!(listed["total"], 1, "{listed}");
    let (status, failed) = app.post_json_as(&us, &results, &score(1, "59.9", "95")).await;
    assert_eq!((status, &failed["passed"]), (201, &json!(false)), "{failed}");
    let (status, refused) = app.post_json_as(&us, &results, &score(2, "90", "90")).await;
    assert_eq!(codes(&refused), vec![("resident_id".to_owned(), "not_own_employee".to_owned())], "{status} {refused}");
    let (status, refused) =
        app.post_json_as(&us, &results, &json!({"resident_id": numbers[0], "theory": "100.5", "practical": ""})).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        codes(&refused),
        vec![("theory".to_owned(), "invalid_score".to_owned()), ("practical".to_owned(), "required".to_owned())]
    );
    let (status, refused) = app
        .post_json_as(&us, &results, &json!({"resident_id": resident_id(40), "theory": "90", "practical": "90"}))
        .await;
    assert_eq!(codes(&refused), vec![("resident_id".to_owned(), "unknown_trainee".to_owned())], "{status} {refused}");
    let (_, listed) = app.get_json_as(&us, &results).await;
    assert_eq!(listed["total"], 2, "{listed}");
    assert!(!listed.to_string().contains(&numbers[0]), "no full ID number in a list");

    // Submitted, returned with a reason, resubmitted, published by staff.
    let (status, refused) = decide(&app, &cast.staff, &decision, "publish", "").await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "{refused}");
    let (status, submitted) = decide(&app, &us, &decision, "submit", "").await;
    assert_eq!((status, &submitted["status"]), (200, &json!("submitted")), "{submitted}");
    let (status, refused) = app.post_json_as(&us, &results, &score(1, "60", "95")).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "no change once submitted: {refused}");
    let (status, refused) = decide(&app, &cast.staff, &decision, "return", "").await;
    assert_eq!(codes(&refused), vec![("comment".to_owned(), "required".to_owned())], "{status} {refused}");
    let (status, returned) = decide(&app, &cast.staff, &decision, "return", "请补充考评现场照片").await;
    assert_eq!((status, &returned["status"]), (200, &json!("returned")));
    let (status, _) = decide(&app, &us, &decision, "submit", "").await;
    assert_eq!(status, 200);
    let (status, _) = app.post_json_as(&cast.staff, "/api/v1/me/reauth", &json!({"password": ROLE_PASSWORD})).await;
    assert_eq!(status, 204, "a fresh password before certificates are signed");
    let (status, published) = decide(&app, &cast.staff, &decision, "publish", "").await;
    assert_eq!(
        (status, &published["status"], &published["passed"]),
        (200, &json!("published"), &json!(1)),
        "{published}"
    );
    let steps: Vec<&str> =
        published["history"].as_array().expect("history").iter().filter_map(|d| d["action"].as_str()).collect();
    assert_eq!(steps, ["create", "submit", "return", "submit", "publish"]);

    // One certificate, to the candidate who passed.
    let (_, certificates) = app.get_json_as(&us, &path("certificates")).await;
    assert_eq!(certificates["total"], 1, "{certificates}");
    let issued = &certificates["items"][0];
    assert_eq!(
        (&issued["number"], &issued["holder"], &issued["level"]),
        (&json!("QPZS-2024-000001"), &json!("学员1"), &json!("3"))
    );
    assert!(issued["resident_id"].as_str().is_some_and(|m| m.contains("**********")), "{issued}");
    let number = issued["number"].as_str().expect("number").to_owned();
    let certificate = id_of(issued);

    // Anyone verifies by number and name; the signature checks offline with the published key.
    let verify = |name: &str| format!("/api/v1/public/verify/{number}?name={}", urlencode(name));
    let (status, valid) = app.get_json(&verify("学员1")).await;
    assert_eq!((status, &valid["verdict"]), (200, &json!("valid")), "{valid}");
    let shown = &valid["certificate"];
    assert_eq!((&shown["holder"], &shown["level_label"]), (&json!("学员1"), &json!("三级/高级工")));
    let (key, text, signature) = (
        shown["public_key"].as_str().expect("key"),
        shown["signed_text"].as_str().expect("text"),
        shown["signature"].as_str().expect("signature"),
    );
    assert!(text.contains(&number) && text.contains("学员1") && !text.contains(&numbers[0]), "{text}");
    skillbase_domain::anchor::verify_text(key, text, signature).expect("the signature checks");
    assert!(skillbase_domain::anchor::verify_text(key, &text.replace("三级", "二级"), signature).is_err());
    independently_verified(key, text, signature);
    let (status, wrong) = app.get_json(&verify("学员2")).await;
    assert_eq!((status, &wrong["verdict"], &wrong["certificate"]), (200, &json!("name_mismatch"), &Value::Null));
    assert!(!wrong.to_string().contains("学员1") && !wrong.to_string().contains("****"), "nothing leaks: {wrong}");
    let (_, unknown) = app.get_json("/api/v1/public/verify/QPZS-2024-999999?name=学员1").await;
    assert_eq!((&unknown["verdict"], &unknown["certificate"]), (&json!("unknown"), &Value::Null));

    // The public page asks for the name, then says the same.
    let (status, asking) = verify_page(&app, &number, String::new()).await;
    assert!(status == 200 && asking.contains("请输入持证人姓名") && !asking.contains("学员1"), "{status}");
    let (status, shown) = verify_page(&app, &number, format!("?name={}", urlencode("学员1"))).await;
    assert!(status == 200 && shown.contains("verdict-valid") && shown.contains("三级/高级工"), "{status}");
    let (status, wrong) = verify_page(&app, &number, format!("?name={}", urlencode("学员2"))).await;
    assert!(status == 200 && wrong.contains("verdict-name_mismatch") && !wrong.contains("学员1"), "{status}");
    let response = app
        .client
        .get(app.url(&format!("/verify?number={}&name={}", number.to_lowercase(), urlencode("学员1"))))
        .send()
        .await
        .expect("send");
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.starts_with(&format!("/verify/{number}?name=")), "the form goes on with the name: {location}");
    let (_, carried) =
        verify_page(&app, &number, location.trim_start_matches(&format!("/verify/{number}")).to_owned()).await;
    assert!(carried.contains("verdict-valid"), "the name is carried on");

    // Revocation: staff propose with the facts, a leader approves; it shows at once.
    let decision = format!("/api/v1/certificates/{certificate}/decision");
    let (status, refused) = decide(&app, &cast.leader, &decision, "approve_revocation", "").await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "{refused}");
    let (status, refused) = decide(&app, &cast.staff, &decision, "propose_revocation", " ").await;
    assert_eq!(codes(&refused), vec![("comment".to_owned(), "required".to_owned())], "{status} {refused}");
    let (status, proposed) = decide(&app, &cast.staff, &decision, "propose_revocation", "经查考评成绩系伪造").await;
    assert_eq!((status, &proposed["status"]), (200, &json!("revocation_proposed")), "{proposed}");
    let (_, still) = app.get_json(&verify("学员1")).await;
    assert_eq!(still["verdict"], "valid", "valid until a leader decides");
    let (status, revoked) = decide(&app, &cast.leader, &decision, "approve_revocation", "").await;
    assert_eq!((status, &revoked["status"], &revoked["revoked_on"]), (200, &json!("revoked"), &json!("2024-10-14")));
    let (_, now) = app.get_json(&verify("学员1")).await;
    assert_eq!(
        (&now["verdict"], &now["certificate"]["revoked_on"]),
        (&json!("revoked"), &json!("2024-10-14")),
        "{now}"
    );

    // Another organisation finds none of it; an expert is refused; staff read every base's.
    let (status, _) = app.get_json_as(&them, &path("certificates")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json_as(&them, &format!("/api/v1/certificates/{certificate}")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json_as(&them, &format!("/api/v1/certification-sessions/{session}")).await;
    assert_eq!(status, 404);
    let expert = app.sign_in_as(Role::Expert).await;
    let (status, _) = app.get_json_as(&expert, &path("certification-sessions")).await;
    assert_eq!(status, 403);
    let (status, listed) = app.get_json_as(&cast.staff, &path("certification-sessions?status=published")).await;
    assert_eq!((status, &listed["total"]), (200, &json!(1)), "{listed}");

    // Every step is on the audit trail.
    let auditor = app.sign_in_as(Role::Auditor).await;
    let (_, trail) = app.get_json_as(&auditor, "/api/v1/audit?limit=500").await;
    let trail = trail.to_string();
    for event in [
        "certification.filing_create",
        "certification.filing_decide",
        "certification.session_create",
        "certification.result_put",
        "certification.session_decide",
        "certification.certificate_issue",
        "certification.certificate_decide",
    ] {
        assert!(trail.contains(event), "{event} audited");
    }
    assert!(!trail.contains(&numbers[0]), "no full ID number in the audit trail");
}

/// The public verification page of `number` with `query`: status and HTML.
async fn verify_page(app: &TestApp, number: &str, query: String) -> (u16, String) {
    let response = app.get(&format!("/verify/{number}{query}")).await;
    (response.status().as_u16(), response.text().await.expect("page"))
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
