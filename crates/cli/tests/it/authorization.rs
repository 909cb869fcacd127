//! The route × role matrix (SEC-09/SEC-10): every route, asked by the public and by each of the
//! eight roles, answers exactly as the policy table says — on both engines.

use serde_json::json;
use skillbase_domain::access::{Decision, Rule, decide, rule};
use skillbase_domain::roles::Role;

use crate::helpers::TestApp;
use crate::on_both_engines;

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
