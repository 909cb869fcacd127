//! 归属争议 (issue #17 item 13): a USCC registered first by someone else is claimed with the
//! business licence and resolved by staff — transferred or refused — through the API and the
//! pages, on both engines.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;
use skillbase_store::audit;

use crate::helpers::{ROLE_PASSWORD, SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, FilePart, get, post, post_multipart};
use crate::samples::{EXE, OTHER_USCC, PDF, USCC, codes};

on_both_engines!(
    a_taken_uscc_is_claimed_and_transferred,
    a_claim_is_refused_and_nothing_changes,
    a_claim_is_filed_and_resolved_on_the_pages,
);

const CLAIMANT_PASSWORD: &str = "Rightful-holder-2024";

/// The claim's fields: the registration the rightful holder would have made.
fn claim<'a>(uscc: &'a str, username: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("uscc", uscc),
        ("name", "上海青浦精密制造股份有限公司"),
        ("kind", "enterprise"),
        ("contact_name", "李主任"),
        ("contact_phone", "13900139000"),
        ("contact_email", "hr@precision.example.com"),
        ("username", username),
        ("password", CLAIMANT_PASSWORD),
        ("password_repeat", CLAIMANT_PASSWORD),
    ]
}

fn licence(bytes: &[u8]) -> FilePart<'_> {
    FilePart { field: "licence", filename: "营业执照.pdf", content_type: "application/pdf", bytes }
}

fn json_of(answer: &Answer) -> Value {
    serde_json::from_str(&answer.html).unwrap_or(Value::Null)
}

async fn file_by_api(app: &TestApp, uscc: &str, username: &str, bytes: &[u8]) -> (u16, Value) {
    let answer =
        post_multipart(app, "/api/v1/organization-disputes", None, &claim(uscc, username), licence(bytes)).await;
    (answer.status, json_of(&answer))
}

async fn notifications(app: &TestApp, who: &SignedIn) -> String {
    let (status, body) = app.get_json_as(who, "/api/v1/notifications").await;
    assert_eq!(status, 200, "{body}");
    body.to_string()
}

/// Nobody but staff finds the dispute, its list or its licence.
async fn only_staff_see(app: &TestApp, id: &str, others: &[&SignedIn]) {
    for path in [
        "/api/v1/organization-disputes".to_owned(),
        format!("/api/v1/organization-disputes/{id}"),
        format!("/api/v1/organization-disputes/{id}/licence"),
        format!("/bureau/disputes/{id}"),
        format!("/bureau/disputes/{id}/licence"),
    ] {
        let anonymous = app.get(&path).await;
        assert_ne!(anonymous.status().as_u16(), 200, "{path} for the public");
        for who in others {
            let answer = get(app, &path, *who).await;
            assert!(matches!(answer.status, 403 | 404), "{path}: {} {}", answer.status, answer.html);
            assert!(!answer.html.contains("精密制造") && answer.bytes != PDF, "{path} leaks the claim");
        }
    }
}

async fn a_taken_uscc_is_claimed_and_transferred(app: TestApp) {
    let squatter = app.register_applicant(USCC, "first-comer").await;
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;

    // Registering the same USCC is refused, and the answer says how to claim it.
    let body = json!({
        "uscc": USCC, "name": "上海青浦精密制造股份有限公司", "kind": "enterprise", "contact_name": "李主任",
        "contact_phone": "13900139000", "username": "precision-hr", "password": CLAIMANT_PASSWORD
    });
    let response = app.client.post(app.url("/api/v1/organizations")).json(&body).send().await.expect("send");
    assert_eq!(response.status().as_u16(), 400);
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(codes(&problem), [("uscc".to_owned(), "uscc_taken".to_owned())]);
    assert!(problem.to_string().contains("归属争议"), "{problem}");

    // A claim needs a licence that is a PDF or an image, and a USCC that is in fact taken.
    let answer = post_multipart(
        &app,
        "/api/v1/organization-disputes",
        None,
        &claim(USCC, "precision-hr"),
        FilePart { field: "licence", filename: "", content_type: "application/octet-stream", bytes: b"" },
    )
    .await;
    assert_eq!((answer.status, codes(&json_of(&answer))), (400, vec![("licence".into(), "licence_required".into())]));
    assert_eq!(answer.content_type, "application/problem+json");
    let (status, problem) = file_by_api(&app, USCC, "precision-hr", EXE).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(codes(&problem)[0].0, "licence", "{problem}");
    let (status, problem) = file_by_api(&app, OTHER_USCC, "precision-hr", PDF).await;
    assert_eq!((status, codes(&problem)), (400, vec![("uscc".into(), "uscc_not_registered".into())]), "{problem}");
    let (status, problem) = file_by_api(&app, USCC, "first-comer", PDF).await;
    assert_eq!((status, codes(&problem)), (400, vec![("username".into(), "username_taken".into())]), "{problem}");

    let (status, filed) = file_by_api(&app, USCC, "precision-hr", PDF).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["status"], "filed");
    let id = filed["id"].as_str().expect("id").to_owned();
    // The first registrant is told.
    assert!(notifications(&app, &squatter).await.contains("归属争议"));
    // The claimant has no account until the organisation is transferred.
    assert!(app.login("precision-hr", CLAIMANT_PASSWORD, None).await.is_err());

    // Staff see both parties and read the licence as it was sent.
    let (status, list) = app.get_json_as(&staff, "/api/v1/organization-disputes?status=filed").await;
    assert_eq!((status, list["total"].as_i64()), (200, Some(1)), "{list}");
    let (status, dispute) = app.get_json_as(&staff, &format!("/api/v1/organization-disputes/{id}")).await;
    assert_eq!(status, 200, "{dispute}");
    assert_eq!(dispute["claimant"]["name"], "上海青浦精密制造股份有限公司");
    assert_eq!(dispute["holder_at_filing"]["name"], "申报单位first-comer");
    assert_eq!(dispute["claimant_username"], "precision-hr");
    let download = get(&app, &format!("/api/v1/organization-disputes/{id}/licence"), &staff).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, PDF);
    assert!(download.disposition.starts_with("attachment"), "{}", download.disposition);
    only_staff_see(&app, &id, &[&squatter, &leader, &sysadmin]).await;

    // A decision needs a reason and a known decision; only staff decide.
    let path = format!("/api/v1/organization-disputes/{id}/resolve");
    let (status, problem) = app.post_json_as(&staff, &path, &json!({"decision": "transfer", "reason": " "})).await;
    assert_eq!((status, codes(&problem)), (400, vec![("reason".into(), "reason_required".into())]), "{problem}");
    let (status, problem) = app.post_json_as(&staff, &path, &json!({"decision": "give", "reason": "x"})).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("unknown_decision")), "{problem}");
    let (status, _) = app.post_json_as(&leader, &path, &json!({"decision": "transfer", "reason": "x"})).await;
    assert_eq!(status, 403);

    let reason = "营业执照原件核对一致，统一社会信用代码属申请方";
    let (status, resolved) = app.post_json_as(&staff, &path, &json!({"decision": "transfer", "reason": reason})).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!((resolved["status"].as_str(), resolved["reason"].as_str()), (Some("transferred"), Some(reason)));
    assert_eq!(resolved["organization"]["name"], "上海青浦精密制造股份有限公司");
    // Resolved once only.
    let (status, problem) = app.post_json_as(&staff, &path, &json!({"decision": "refuse", "reason": "再议"})).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("invalid_state")), "{problem}");

    // The first registrant's session ended and its account is disabled; the claimant's account
    // now belongs to the organisation, with the password it chose.
    let (status, _) = app.get_json_as(&squatter, "/api/v1/me").await;
    assert_eq!(status, 401);
    assert!(app.login("first-comer", ROLE_PASSWORD, None).await.is_err());
    let rightful = app.login("precision-hr", CLAIMANT_PASSWORD, None).await.expect("the claimant signs in");
    let (status, me) = app.get_json_as(&rightful, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let organization = me["organization_id"].as_str().expect("bound to the organisation").to_owned();
    assert_eq!(dispute["organization_id"].as_str(), Some(organization.as_str()));
    assert!(notifications(&app, &rightful).await.contains("转归"));

    // Every step is in the audit trail, on the dispute.
    let actions = audit::actions_for(&app.app().db, "organization_dispute", &id).await.expect("audit");
    assert_eq!(actions, ["organization.dispute_file", "organization.dispute_resolve"]);
}

async fn a_claim_is_refused_and_nothing_changes(app: TestApp) {
    let holder = app.register_applicant(USCC, "true-holder").await;
    let staff = app.sign_in_as(Role::Staff).await;
    let (status, filed) = file_by_api(&app, USCC, "pretender", PDF).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/organization-disputes/{id}/resolve");
    let reason = "所附营业执照的统一社会信用代码与争议代码不符";
    let (status, resolved) = app.post_json_as(&staff, &path, &json!({"decision": "refuse", "reason": reason})).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "refused");
    assert_eq!(resolved["organization"]["name"], "申报单位true-holder");
    assert!(resolved["claimant_user_id"].is_null());

    // The holder keeps its account and is told; the claimant never gets one.
    let (status, _) = app.get_json_as(&holder, "/api/v1/me").await;
    assert_eq!(status, 200);
    let told = notifications(&app, &holder).await;
    assert!(told.contains("驳回") && told.contains(reason), "{told}");
    assert!(app.login("pretender", CLAIMANT_PASSWORD, None).await.is_err());
    let (status, list) = app.get_json_as(&staff, "/api/v1/organization-disputes").await;
    assert_eq!((status, list["items"][0]["status"].as_str()), (200, Some("refused")), "{list}");
    let (_, open) = app.get_json_as(&staff, "/api/v1/organization-disputes?status=filed").await;
    assert_eq!(open["total"], 0);
    let actions = audit::actions_for(&app.app().db, "organization_dispute", &id).await.expect("audit");
    assert_eq!(actions, ["organization.dispute_file", "organization.dispute_resolve"]);
}

async fn a_claim_is_filed_and_resolved_on_the_pages(app: TestApp) {
    let squatter = app.register_applicant(USCC, "first-comer").await;
    let staff = app.sign_in_as(Role::Staff).await;

    // The page's registration with a taken USCC leads to the claim form.
    let answer = post(&app, "/register", None, &claim(USCC, "precision-hr")).await;
    assert_eq!(answer.status, 409, "{}", answer.html);
    assert!(answer.html.contains(r#"id="uscc-taken""#) && answer.html.contains(r#"action="/register/dispute""#));

    // Without a licence: the error in Chinese beside the file input, what was typed kept.
    let none = FilePart { field: "licence", filename: "", content_type: "application/octet-stream", bytes: b"" };
    let answer = post_multipart(&app, "/register/dispute", None, &claim(USCC, "precision-hr"), none).await;
    assert_eq!(answer.status, 400, "{}", answer.html);
    assert!(
        answer.html.contains(r#"id="f-licence-error""#) && answer.html.contains("请上传营业执照"),
        "{}",
        answer.html
    );
    assert!(answer.html.contains(r#"value="上海青浦精密制造股份有限公司""#));
    let mut mismatch = claim(USCC, "precision-hr");
    mismatch.retain(|(name, _)| *name != "password_repeat");
    mismatch.push(("password_repeat", "Something-else-2024"));
    let answer = post_multipart(&app, "/register/dispute", None, &mismatch, licence(PDF)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains(r#"id="f-password-repeat-error""#));

    let answer = post_multipart(&app, "/register/dispute", None, &claim(USCC, "precision-hr"), licence(PDF)).await;
    assert_eq!(answer.status, 201, "{}", answer.html);
    assert!(answer.html.contains("归属争议已提交") && answer.html.contains(USCC));

    // Staff find it, with both parties and the licence link.
    let list = get(&app, "/bureau/disputes", &staff).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert!(list.html.contains("申报单位first-comer") && list.html.contains("上海青浦精密制造股份有限公司"));
    let (_, found) = app.get_json_as(&staff, "/api/v1/organization-disputes").await;
    let id = found["items"][0]["id"].as_str().expect("id").to_owned();
    assert!(list.html.contains(&format!(r#"href="/bureau/disputes/{id}""#)));
    let one = get(&app, &format!("/bureau/disputes/{id}"), &staff).await;
    assert_eq!(one.status, 200);
    assert!(one.html.contains(r#"id="licence-link""#) && one.html.contains(r#"name="decision""#));
    let licence_page = get(&app, &format!("/bureau/disputes/{id}/licence"), &staff).await;
    assert_eq!((licence_page.status, licence_page.bytes.as_slice()), (200, PDF));
    let squatter_view = get(&app, &format!("/bureau/disputes/{id}"), &squatter).await;
    assert!(matches!(squatter_view.status, 403 | 404), "{}", squatter_view.status);

    // The decision form: a reason is required (in Chinese, beside its input), then it is taken.
    let resolve = format!("/bureau/disputes/{id}/resolve");
    let answer = post(&app, &resolve, &staff, &[("decision", "transfer"), ("reason", "")]).await;
    assert_eq!(answer.status, 400, "{}", answer.html);
    assert!(answer.html.contains(r#"id="f-reason-error""#) && answer.html.contains("请填写处理理由"));
    let answer = post(&app, &resolve, &staff, &[("decision", "transfer"), ("reason", "营业执照核对一致")]).await;
    assert_eq!(answer.status, 303, "{}", answer.html);
    let one = get(&app, &format!("/bureau/disputes/{id}"), &staff).await;
    assert!(one.html.contains("已转归申请方") && one.html.contains("营业执照核对一致"), "{}", one.html);
    assert!(!one.html.contains(r#"name="decision""#), "a resolved dispute offers no decision");
    assert!(app.login("precision-hr", CLAIMANT_PASSWORD, None).await.is_ok());
}
