//! The route × role matrix (SEC-09/SEC-10): every route, asked by the public and by each of the
//! eight roles, answers exactly as the policy table says — on both engines. And past the route
//! guard, each data scope of the table judged against the record asked for: another
//! organisation's application, base or expense, another expert's assignment, another account's
//! token are "not found", like records that do not exist; one's own, and the bureau's "all",
//! are found.

use serde_json::json;
use skillbase_domain::access::{Decision, Rule, decide, rule};
use skillbase_domain::roles::Role;

use crate::helpers::{ROLE_PASSWORD, SignedIn, TestApp};
use crate::on_both_engines;
use crate::subsidy::{disburse, granted, recognised_bases, spend};

struct Client {
    role: Option<Role>,
    cookie: Option<String>,
    csrf: Option<String>,
}

async fn account(app: &TestApp, role: Role) -> Client {
    let signed_in = app.sign_in_as(role).await;
    Client { role: Some(role), cookie: Some(signed_in.cookie), csrf: Some(signed_in.csrf) }
}

/// The status and, for a problem answer, its code.
async fn ask(app: &TestApp, client: &Client, method: &axum::http::Method, path: &str) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("method");
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(cookie) = &client.cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(csrf) = &client.csrf {
        request = request.header("x-csrf-token", csrf);
    }
    if method == reqwest::Method::POST {
        request = request.json(&json!({}));
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    // Pages send people without a session to the login page.
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if status == 303 && location.starts_with("/login") {
        return (401, "unauthenticated".to_owned());
    }
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    let code = body["code"].as_str().unwrap_or("");
    // A page's refusal is an HTML page; its status says it all.
    let code = if code.is_empty() && status == 403 { "forbidden" } else { code };
    (status, code.to_owned())
}

/// The answers the policy guard gives; anything else comes from past the guard.
const GUARD_CODES: [&str; 4] = ["unauthenticated", "forbidden", "password_change_required", "second_factor_required"];

on_both_engines!(every_route_answers_every_role_as_the_policy_says);

async fn every_route_answers_every_role_as_the_policy_says(app: TestApp) {
    let mut clients = vec![Client { role: None, cookie: None, csrf: None }];
    for role in Role::ALL {
        clients.push(account(&app, role).await);
    }
    let table = skillbase_web::routes::table();
    // Signing out ends the session: those cells are asked last.
    let (last, first): (Vec<_>, Vec<_>) = table.iter().partition(|r| r.path == "/api/v1/auth/logout");
    let mut cells = 0;
    for route in first.into_iter().chain(last) {
        // An id that exists nowhere: allowed roles get past the policy (then 404), others do not.
        let path = route
            .path
            .replace("{code}", "en")
            .replace("{id}", &app.app().new_id::<skillbase_domain::ids::UserId>().to_string());
        for client in &clients {
            let (status, code) = ask(&app, client, &route.method, &path).await;
            let who = client.role.map_or("public", Role::as_str);
            match decide(client.role, route.action) {
                // A public page may send people on by itself (e.g. to /login): only no error.
                Decision::Allow(_) if rule(route.action) == Rule::Public => {
                    assert!(status < 500, "{who} {} {path}: {status}", route.method)
                }
                Decision::Allow(_) => assert!(
                    !GUARD_CODES.contains(&code.as_str()) && status < 500,
                    "{who} may {:?} {} {path} but got {status} {code}",
                    route.action,
                    route.method
                ),
                Decision::SignInRequired => {
                    assert_eq!((status, code.as_str()), (401, "unauthenticated"), "{who} {} {path}", route.method)
                }
                Decision::Deny => {
                    assert_eq!((status, code.as_str()), (403, "forbidden"), "{who} {} {path}", route.method)
                }
            }
            cells += 1;
        }
    }
    assert_eq!(cells, table.len() * (Role::ALL.len() + 1), "every route × every role and the public");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_api_route_is_in_the_policy_table() {
    let app = TestApp::sqlite().await.expect("sqlite");
    let (_, document) = app.get_json("/api/openapi.json").await;
    let table = skillbase_web::routes::table();
    let paths = document["paths"].as_object().expect("paths");
    for (path, operations) in paths {
        for method in operations.as_object().expect("operations").keys() {
            let declared = table.iter().any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method));
            assert!(declared, "{method} {path} is documented but has no policy entry");
        }
    }
    // And every API route in the table is documented.
    for route in table.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let documented = paths.get(route.path).and_then(|ops| ops.get(route.method.as_str().to_lowercase())).is_some();
        assert!(documented, "{} {} is not in the OpenAPI document", route.method, route.path);
    }
}

/// The status of a GET as `who` (a file or JSON).
async fn get_status(app: &TestApp, who: &SignedIn, path: &str) -> u16 {
    app.send_as(who, app.client.get(app.url(path))).await.0
}

/// The status of a POST as `who`, with `body`.
async fn post_status(app: &TestApp, who: &SignedIn, path: &str, body: serde_json::Value) -> u16 {
    app.post_json_as(who, path, &body).await.0
}

/// The id of the first item of a list the API answers.
async fn first_id(app: &TestApp, who: &SignedIn, path: &str) -> String {
    let (status, list) = app.get_json_as(who, path).await;
    assert_eq!(status, 200, "{path}: {list}");
    list[0]["id"].as_str().unwrap_or_else(|| panic!("{path}: {list}")).to_owned()
}

on_both_engines!(records_outside_the_readers_scope_are_not_found);

async fn records_outside_the_readers_scope_are_not_found(app: TestApp) {
    // Two organisations recognised through the whole programme, scored by three experts; the
    // second one's base is granted, paid and has spent.
    let cast = recognised_bases(&app, 2).await;
    let ((ours, _), (theirs, their_org)) = (&cast.bases[0], &cast.bases[1]);
    granted(&app, &cast, &[theirs]).await;
    let (status, body) = disburse(&app, &cast.staff, theirs, "50000.00", "PZ-2024-0101").await;
    assert_eq!(status, 201, "{body}");
    let them = app.sign_in_again(their_org).await;
    let (status, expense) = spend(&app, &them, theirs, ("teacher_development", "1000.00")).await;
    assert_eq!(status, 201, "{expense}");
    let expense = expense["id"].as_str().expect("id").to_owned();
    let their_application = first_id(&app, &them, "/api/v1/applications").await;
    let (_, me) = app.get_json_as(&them, "/api/v1/me").await;
    let their_organization = me["organization_id"].as_str().expect("organisation").to_owned();
    let us = app.sign_in_again(&cast.bases[0].1).await;
    let our_application = first_id(&app, &us, "/api/v1/applications").await;

    // Own organisation: the first organisation finds its own records, and none of the second's.
    assert_eq!(get_status(&app, &us, &format!("/api/v1/applications/{our_application}")).await, 200);
    assert_eq!(get_status(&app, &us, &format!("/api/v1/bases/{ours}")).await, 200);
    for path in [
        format!("/api/v1/applications/{their_application}"),
        format!("/api/v1/applications/{their_application}/timeline"),
        format!("/api/v1/applications/{their_application}/attachments"),
        format!("/api/v1/bases/{theirs}"),
        format!("/api/v1/bases/{theirs}/ledger"),
        format!("/api/v1/bases/{theirs}/plaque"),
        format!("/api/v1/expenses/{expense}/receipt"),
        format!("/api/v1/organizations/{their_organization}"),
    ] {
        assert_eq!(get_status(&app, &us, &path).await, 404, "GET {path}");
    }
    let (status, _) = spend(&app, &us, theirs, ("teacher_development", "1.00")).await;
    assert_eq!(status, 404, "an expense on another organisation's base");
    for (path, body) in [
        (format!("/api/v1/expenses/{expense}/answer"), json!({"text": "已说明"})),
        (format!("/api/v1/applications/{their_application}/withdraw"), json!({"reason": "撤回"})),
        (format!("/api/v1/organizations/{their_organization}/invitations"), json!({"note": "同事"})),
    ] {
        assert_eq!(post_status(&app, &us, &path, body).await, 404, "POST {path}");
    }
    assert_eq!(get_status(&app, &them, &format!("/api/v1/expenses/{expense}/receipt")).await, 200);

    // Assigned: an expert finds their own assignments, and none of another expert's.
    let panel = app.login("panel-0", ROLE_PASSWORD, None).await.expect("the expert signs in");
    let other = app.login("panel-1", ROLE_PASSWORD, None).await.expect("another expert signs in");
    let assignment = first_id(&app, &panel, "/api/v1/assignments").await;
    assert_eq!(get_status(&app, &panel, &format!("/api/v1/assignments/{assignment}")).await, 200);
    for path in [
        format!("/api/v1/assignments/{assignment}"),
        format!("/api/v1/assignments/{assignment}/scores"),
        format!("/api/v1/assignments/{assignment}/application"),
    ] {
        assert_eq!(get_status(&app, &other, &path).await, 404, "GET {path}");
    }
    let path = format!("/api/v1/assignments/{assignment}/conflict");
    assert_eq!(post_status(&app, &other, &path, json!({"conflict": false})).await, 404, "POST {path}");
    let (_, theirs_listed) = app.get_json_as(&other, "/api/v1/assignments").await;
    assert!(
        theirs_listed.as_array().expect("list").iter().all(|a| a["id"] != json!(assignment)),
        "another expert's assignment is not listed: {theirs_listed}"
    );

    // Own account: a token is revoked by its owner only.
    let (status, token) =
        app.post_json_as(&us, "/api/v1/tokens", &json!({"name": "导出脚本", "expires_in_days": 30})).await;
    assert_eq!(status, 201, "{token}");
    let token = token["id"].as_str().expect("id").to_owned();
    assert_eq!(post_status(&app, &them, &format!("/api/v1/tokens/{token}/revoke"), json!({})).await, 404);
    assert_eq!(post_status(&app, &us, &format!("/api/v1/tokens/{token}/revoke"), json!({})).await, 204);

    // All: the bureau reaches both organisations' records and every assignment.
    for path in [
        format!("/api/v1/applications/{our_application}"),
        format!("/api/v1/applications/{their_application}"),
        format!("/api/v1/bases/{theirs}/ledger"),
        format!("/api/v1/expenses/{expense}/receipt"),
        format!("/api/v1/organizations/{their_organization}"),
        format!("/api/v1/assignments/{assignment}"),
    ] {
        assert_eq!(get_status(&app, &cast.staff, &path).await, 200, "staff GET {path}");
    }
    assert_eq!(get_status(&app, &cast.funding, &format!("/api/v1/bases/{theirs}")).await, 200, "the group reads bases");
}
