//! The system administrator's account duties, unlocking by the security administrator, and
//! object-level access to organisations (SEC-11) — on both engines.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;
use skillbase_store::audit;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;

async fn post_as(app: &TestApp, who: &SignedIn, path: &str, body: Value) -> (u16, Value) {
    app.post_json_as(who, path, &body).await
}

async fn login(app: &TestApp, username: &str, password: &str) -> Result<SignedIn, (u16, Value)> {
    app.login(username, password, None).await
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

on_both_engines!(
    the_sysadmin_manages_accounts,
    the_security_administrator_unlocks,
    applicants_reach_only_their_own_organisation,
    colleagues_join_by_invitation,
    the_security_administrator_tightens_the_settings,
);

async fn the_sysadmin_manages_accounts(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, created) = post_as(
        &app,
        &sysadmin,
        "/api/v1/users",
        json!({"username": "li.staff", "display_name": "李经办", "role": "staff"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let staff_id = created["user_id"].as_str().expect("id").to_owned();
    let one_time = created["one_time_password"].as_str().expect("password").to_owned();

    for (body, field_code) in [
        (json!({"username": "li.staff", "display_name": "重名", "role": "staff"}), "username_taken"),
        (json!({"username": "applicant1", "display_name": "单位", "role": "applicant"}), "role_applicant"),
        (json!({"username": "x", "display_name": "", "role": "staff"}), "username_invalid"),
        (json!({"username": "root2", "display_name": "根", "role": "root"}), "role_invalid"),
    ] {
        let (status, answer) = post_as(&app, &sysadmin, "/api/v1/users", body).await;
        assert_eq!((status, code(&answer)), (400, field_code), "{answer}");
    }

    // The one-time password works once, and must be changed before anything else.
    let staff = login(&app, "li.staff", &one_time).await.expect("signs in");
    let (status, me) = app.get_json_as(&staff, "/api/v1/me").await;
    assert_eq!((status, me["must_change_password"].as_bool()), (200, Some(true)));
    let (status, body) = app.get_json_as(&staff, "/api/v1/organizations/00000000-0000-0000-0000-000000000000").await;
    assert_eq!((status, code(&body)), (403, "password_change_required"));
    let (status, _) = post_as(
        &app,
        &staff,
        "/api/v1/me/password",
        json!({"current_password": one_time, "new_password": "Li-staff-pass-2024"}),
    )
    .await;
    assert_eq!(status, 204);
    // A bureau account binds its second factor before working.
    let (status, body) = app.get_json_as(&staff, "/api/v1/organizations/00000000-0000-0000-0000-000000000000").await;
    assert_eq!((status, code(&body)), (403, "second_factor_required"));
    let secret = app.bind_totp(&staff).await;
    let (status, _) = app.get_json_as(&staff, "/api/v1/organizations/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(status, 404, "past the policy now");

    // A role change takes effect on the next request.
    let (status, _) =
        post_as(&app, &sysadmin, &format!("/api/v1/users/{staff_id}/role"), json!({"role": "leader"})).await;
    assert_eq!(status, 204);
    assert_eq!(app.get_json_as(&staff, "/api/v1/me").await.1["role"], "leader");

    // Separation of duties: one administrator role never becomes another; nobody changes their own.
    let auditor = app.sign_in_as(Role::Auditor).await;
    let (_, me) = app.get_json_as(&auditor, "/api/v1/me").await;
    let auditor_id = me["id"].as_str().expect("id").to_owned();
    let (status, body) =
        post_as(&app, &sysadmin, &format!("/api/v1/users/{auditor_id}/role"), json!({"role": "secadmin"})).await;
    assert_eq!((status, code(&body)), (403, "sod_administrator_role_switch"));
    let (_, me) = app.get_json_as(&sysadmin, "/api/v1/me").await;
    let own = me["id"].as_str().expect("id").to_owned();
    let (status, body) = post_as(&app, &sysadmin, &format!("/api/v1/users/{own}/role"), json!({"role": "staff"})).await;
    assert_eq!((status, code(&body)), (403, "own_account"));

    // Disabling ends the sessions at once and refuses logins; enabling restores.
    let (status, _) = post_as(&app, &sysadmin, &format!("/api/v1/users/{staff_id}/disable"), json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(app.get_json_as(&staff, "/api/v1/me").await.0, 401);
    let (status, body) = app.login("li.staff", "Li-staff-pass-2024", Some(&secret)).await.expect_err("refused");
    assert_eq!((status, code(&body)), (401, "invalid_credentials"), "a disabled account looks like a wrong password");
    let (status, _) = post_as(&app, &sysadmin, &format!("/api/v1/users/{staff_id}/enable"), json!({})).await;
    assert_eq!(status, 204);
    let staff = app.login("li.staff", "Li-staff-pass-2024", Some(&secret)).await.expect("signs in again");

    // A reset gives a new one-time password and ends the sessions.
    let (status, reset) =
        post_as(&app, &sysadmin, &format!("/api/v1/users/{staff_id}/reset-password"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(app.get_json_as(&staff, "/api/v1/me").await.0, 401);
    assert!(app.login("li.staff", "Li-staff-pass-2024", Some(&secret)).await.is_err());
    let again = app
        .login("li.staff", reset["one_time_password"].as_str().expect("password"), Some(&secret))
        .await
        .expect("signs in");
    assert_eq!(app.get_json_as(&again, "/api/v1/me").await.1["must_change_password"], true);

    // Unknown ids are 404; the list shows the accounts.
    let (status, _) = post_as(&app, &sysadmin, "/api/v1/users/not-an-id/disable", json!({})).await;
    assert_eq!(status, 404);
    let (status, list) = app.get_json_as(&sysadmin, "/api/v1/users").await;
    assert_eq!(status, 200);
    assert!(list.as_array().expect("list").iter().any(|u| u["username"] == "li.staff" && u["role"] == "leader"));

    let actions = audit::actions_for(&app.app().db, "user", &staff_id).await.expect("audit");
    for expected in ["user.create", "user.role_change", "user.disable", "user.enable", "user.password_reset"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
}

async fn the_security_administrator_unlocks(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (_, created) = post_as(
        &app,
        &sysadmin,
        "/api/v1/users",
        json!({"username": "wang.leader", "display_name": "王领导", "role": "leader"}),
    )
    .await;
    let id = created["user_id"].as_str().expect("id").to_owned();
    let password = created["one_time_password"].as_str().expect("password").to_owned();
    for _ in 0..5 {
        let _ = login(&app, "wang.leader", "Wrong-password-99").await;
    }
    let (status, body) = login(&app, "wang.leader", &password).await.expect_err("locked");
    assert_eq!((status, code(&body)), (403, "account_locked"));

    // Only the security administrator unlocks.
    let (status, _) = post_as(&app, &sysadmin, &format!("/api/v1/users/{id}/unlock"), json!({})).await;
    assert_eq!(status, 403);
    let secadmin = app.sign_in_as(Role::Secadmin).await;
    let (status, _) = post_as(&app, &secadmin, &format!("/api/v1/users/{id}/unlock"), json!({})).await;
    assert_eq!(status, 204);
    login(&app, "wang.leader", &password).await.expect("unlocked");
    assert!(audit::actions_for(&app.app().db, "user", &id).await.expect("audit").contains(&"user.unlock".to_owned()));
}

async fn applicants_reach_only_their_own_organisation(app: TestApp) {
    let mut ids = Vec::new();
    for (uscc, username) in [("91310118MA1G00011T", "org-a"), ("52310118MJ0000AA5B", "org-b")] {
        let response = app
            .client
            .post(app.url("/api/v1/organizations"))
            .json(&json!({
                "uscc": uscc, "name": format!("{username} 单位"), "kind": "enterprise", "contact_name": "联系人",
                "contact_phone": "13800138000", "username": username, "password": "Org-pass-2024-x"
            }))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.expect("json");
        ids.push(body["organization_id"].as_str().expect("id").to_owned());
    }
    let a = login(&app, "org-a", "Org-pass-2024-x").await.expect("signs in");
    let (status, own) = app.get_json_as(&a, &format!("/api/v1/organizations/{}", ids[0])).await;
    assert_eq!((status, own["uscc"].as_str()), (200, Some("91310118MA1G00011T")));
    // Another organisation's id is indistinguishable from an id that does not exist.
    let (status, other) = app.get_json_as(&a, &format!("/api/v1/organizations/{}", ids[1])).await;
    assert_eq!((status, code(&other)), (404, "not_found"));
    let (status, _) = app.get_json_as(&a, "/api/v1/organizations/01234567-89ab-7def-8123-456789abcdef").await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json_as(&a, "/api/v1/organizations/%27%20OR%201=1").await;
    assert_eq!(status, 404);

    let staff = app.sign_in_as(Role::Staff).await;
    let (status, b) = app.get_json_as(&staff, &format!("/api/v1/organizations/{}", ids[1])).await;
    assert_eq!((status, b["name"].as_str()), (200, Some("org-b 单位")));
    let expert = app.sign_in_as(Role::Expert).await;
    assert_eq!(app.get_json_as(&expert, &format!("/api/v1/organizations/{}", ids[0])).await.0, 403);

    // The list of organisations: the sysadmin's console and the API; never an applicant's.
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, list) = app.get_json_as(&sysadmin, "/api/v1/organizations").await;
    assert_eq!(status, 200);
    let names: Vec<_> =
        list.as_array().expect("list").iter().map(|o| (o["name"].clone(), o["accounts"].clone())).collect();
    assert_eq!(names, [(json!("org-a 单位"), json!(1)), (json!("org-b 单位"), json!(1))]);
    let page =
        app.client.get(app.url("/admin/organizations")).header("cookie", &sysadmin.cookie).send().await.expect("send");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("org-b 单位") && html.contains("52310118MJ0000AA5B") && html.contains("<caption>"), "{html}");
    assert_eq!(app.get_json_as(&a, "/api/v1/organizations").await.0, 403);
    // A console that is not theirs: a refusal page in their language, in their own frame.
    let refused = app
        .client
        .get(app.url("/admin/organizations"))
        .header("cookie", format!("{}; lang=en", a.cookie))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status().as_u16(), 403);
    let html = refused.text().await.expect("html");
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Not allowed"), "{html}");
}

async fn register(app: &TestApp, uscc: &str, username: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&json!({
            "uscc": uscc, "name": format!("{username} 单位"), "kind": "vocational_college", "contact_name": "联系人",
            "contact_phone": "13900139000", "username": username, "password": "Org-pass-2024-x"
        }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    response.json::<Value>().await.expect("json")["organization_id"].as_str().expect("id").to_owned()
}

async fn accept(app: &TestApp, code: &str, username: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/invitations/accept"))
        .json(&json!({"code": code, "username": username, "display_name": "同事", "password": "Colleague-2024-x"}))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn colleagues_join_by_invitation(app: TestApp) {
    let org_a = register(&app, "91310118MA1G00011T", "first-a").await;
    let org_b = register(&app, "52310118MJ0000AA5B", "first-b").await;
    let first = login(&app, "first-a", "Org-pass-2024-x").await.expect("signs in");

    let (status, invitation) =
        post_as(&app, &first, &format!("/api/v1/organizations/{org_a}/invitations"), json!({"note": "张老师"})).await;
    assert_eq!(status, 201, "{invitation}");
    let code_text = invitation["code"].as_str().expect("code").to_owned();
    let (status, _) =
        post_as(&app, &first, &format!("/api/v1/organizations/{org_b}/invitations"), json!({"note": "x"})).await;
    assert_eq!(status, 404, "only into one's own organisation");

    let (status, joined) = accept(&app, &code_text, "colleague-a").await;
    assert_eq!(status, 201, "{joined}");
    assert_eq!(joined["organization_id"], org_a.as_str());
    let colleague = login(&app, "colleague-a", "Colleague-2024-x").await.expect("signs in");
    let (_, me) = app.get_json_as(&colleague, "/api/v1/me").await;
    assert_eq!((me["role"].as_str(), me["organization_id"].as_str()), (Some("applicant"), Some(org_a.as_str())));

    let (status, body) = accept(&app, &code_text, "colleague-b").await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (400, Some("invitation_invalid")), "used once");
    let (_, late) =
        post_as(&app, &first, &format!("/api/v1/organizations/{org_a}/invitations"), json!({"note": "李"})).await;
    app.clock.advance(chrono::TimeDelta::days(7));
    let (status, body) = accept(&app, late["code"].as_str().expect("code"), "colleague-c").await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (400, Some("invitation_invalid")), "expired");

    let actions = audit::actions_for(&app.app().db, "organization", &org_a).await.expect("audit");
    assert_eq!(actions, ["organization.register", "organization.invite", "organization.join", "organization.invite"]);
}

async fn the_security_administrator_tightens_the_settings(app: TestApp) {
    let secadmin = app.sign_in_as(Role::Secadmin).await;
    let (status, current) = app.get_json_as(&secadmin, "/api/v1/security-settings").await;
    assert_eq!(status, 200);
    assert_eq!((current["password_min_length"].as_i64(), current["max_failed_logins"].as_i64()), (Some(12), Some(5)));

    let put = |body: Value| {
        let app = &app;
        let secadmin = &secadmin;
        async move {
            let response = app
                .client
                .put(app.url("/api/v1/security-settings"))
                .header("cookie", &secadmin.cookie)
                .header("x-csrf-token", &secadmin.csrf)
                .json(&body)
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let mut weak = current.clone();
    weak["password_min_length"] = json!(6);
    weak["lockout_minutes"] = json!(0);
    let (status, body) = put(weak).await;
    assert_eq!(status, 400);
    let fields: Vec<_> = body["errors"].as_array().expect("errors").iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, ["password_min_length", "lockout_minutes"]);

    let mut strict = current.clone();
    strict["password_min_length"] = json!(14);
    strict["max_failed_logins"] = json!(3);
    strict["idle_timeout_minutes"] = json!(10);
    let (status, _) = put(strict).await;
    assert_eq!(status, 204);

    // In force at once: a 13-character password is now too short …
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&json!({
            "uscc": "91310118MA1G00011T", "name": "单位", "kind": "enterprise", "contact_name": "联系人",
            "contact_phone": "13800138000", "username": "strict-org", "password": "Thirteen-ch1x"
        }))
        .send()
        .await
        .expect("send");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "password_too_short", "{body}");
    // … three failures lock …
    for _ in 0..2 {
        assert_eq!(login(&app, "nobody-here", "Wrong-password-1").await.expect_err("refused").0, 401);
    }
    assert_eq!(login(&app, "nobody-here", "Wrong-password-1").await.expect_err("refused").0, 403);
    // … and ten idle minutes end a session.
    app.clock.advance(chrono::TimeDelta::minutes(11));
    assert_eq!(app.get_json_as(&secadmin, "/api/v1/me").await.0, 401);

    let actions = audit::actions_for(&app.app().db, "security_settings", "1").await.expect("audit");
    assert_eq!(actions, ["security.settings_change"]);
}

on_both_engines!(the_sysadmin_ends_an_accounts_sessions);

/// SEC-07: the system administrator ends every session of an account at once; its next request
/// is unauthenticated, and it can sign in again.
async fn the_sysadmin_ends_an_accounts_sessions(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let applicant = app.register_applicant("91310118MA1G00011T", "qingpu-hr").await;
    let second_device = app.sign_in_again("qingpu-hr").await;
    let (_, me) = app.get_json_as(&applicant, "/api/v1/me").await;
    let id = me["id"].as_str().expect("id").to_owned();

    let (status, body) = post_as(&app, &applicant, &format!("/api/v1/users/{id}/end-sessions"), json!({})).await;
    assert_eq!(status, 403, "only the administrator: {body}");
    let (status, body) = post_as(&app, &sysadmin, &format!("/api/v1/users/{id}/end-sessions"), json!({})).await;
    assert_eq!((status, &body["sessions_ended"]), (200, &json!(2)), "{body}");
    assert_eq!(app.get_json_as(&applicant, "/api/v1/me").await.0, 401);
    assert_eq!(app.get_json_as(&second_device, "/api/v1/me").await.0, 401);
    assert_eq!(app.get_json_as(&sysadmin, "/api/v1/me").await.0, 200, "the administrator's own session is untouched");
    let again = app.sign_in_again("qingpu-hr").await;
    assert_eq!(app.get_json_as(&again, "/api/v1/me").await.0, 200);
    let actions = skillbase_store::audit::actions_for(&app.app().db, "user", &id).await.expect("audit");
    assert!(actions.iter().any(|a| a == "user.sessions_end"), "{actions:?}");
}
