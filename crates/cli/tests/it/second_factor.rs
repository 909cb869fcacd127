//! The TOTP second factor: required for bureau accounts, bound with a confirmed code, asked at
//! every sign-in, never accepted twice, sealed at rest, reset by the system administrator.

use chrono::TimeDelta;
use serde_json::{Value, json};
use skillbase_domain::Clock;
use skillbase_domain::roles::Role;
use skillbase_domain::totp::TotpSecret;
use skillbase_store::users;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

async fn password_step(app: &TestApp, username: &str, password: &str) -> (u16, Value, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").split(';').next().expect("pair").to_owned());
    (status, response.json().await.expect("json"), cookie)
}

async fn code_step(app: &TestApp, cookie: &str, totp: &str) -> (u16, Value) {
    let (status, body, _) = code_step_with_cookie(app, cookie, totp).await;
    (status, body)
}

/// The code step, with the renewed session cookie it sets on success.
async fn code_step_with_cookie(app: &TestApp, cookie: &str, totp: &str) -> (u16, Value, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/totp"))
        .header("cookie", cookie)
        .json(&json!({"code": totp}))
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let renewed = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").split(';').next().expect("pair").to_owned());
    (status, response.json().await.expect("json"), renewed)
}

on_both_engines!(bureau_accounts_bind_and_use_a_second_factor);

async fn bureau_accounts_bind_and_use_a_second_factor(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (_, created) = app
        .post_json_as(
            &sysadmin,
            "/api/v1/users",
            &json!({"username": "zhao.staff", "display_name": "赵", "role": "staff"}),
        )
        .await;
    let id = created["user_id"].as_str().expect("id").to_owned();
    let first =
        app.login("zhao.staff", created["one_time_password"].as_str().expect("password"), None).await.expect("in");
    let (status, _) = app
        .post_json_as(
            &first,
            "/api/v1/me/password",
            &json!({"current_password": created["one_time_password"], "new_password": "Zhao-staff-2024x"}),
        )
        .await;
    assert_eq!(status, 204);

    // Binding: a wrong first code is refused, the right one binds.
    let (status, enrolment) = app.post_json_as(&first, "/api/v1/me/totp", &json!({})).await;
    assert_eq!(status, 200);
    assert!(enrolment["otpauth_uri"].as_str().expect("uri").starts_with("otpauth://totp/"));
    let secret = TotpSecret::from_base32(enrolment["secret"].as_str().expect("secret")).expect("base32");
    let (status, body) = app.post_json_as(&first, "/api/v1/me/totp/confirm", &json!({"code": "000000"})).await;
    assert_eq!((status, code(&body)), (400, "invalid_totp"));
    let now = app.clock.now().timestamp();
    let (status, _) = app.post_json_as(&first, "/api/v1/me/totp/confirm", &json!({"code": secret.code_at(now)})).await;
    assert_eq!(status, 204);
    let (status, body) = app.post_json_as(&first, "/api/v1/me/totp", &json!({})).await;
    assert_eq!((status, code(&body)), (403, "totp_already_enabled"), "a session cannot replace the factor");

    // The secret is sealed at rest.
    let stored = users::find_by_username(&app.app().db, "zhao.staff").await.expect("query").expect("user");
    let sealed = stored.totp_secret.expect("sealed");
    assert!(sealed.starts_with("sm4gcm:1:") && !sealed.contains(&secret.to_base32()), "{sealed}");

    // Signing in now takes two steps; the half-open session grants nothing.
    app.clock.advance(TimeDelta::seconds(30));
    let (status, answer, cookie) = password_step(&app, "zhao.staff", "Zhao-staff-2024x").await;
    assert_eq!((status, answer["totp_required"].as_bool()), (200, Some(true)), "{answer}");
    assert!(answer.get("csrf_token").is_none());
    let cookie = cookie.expect("cookie");
    let half = SignedIn { cookie: cookie.clone(), csrf: String::new() };
    assert_eq!(app.get_json_as(&half, "/api/v1/me").await.0, 401);
    let (status, body) = code_step(&app, &cookie, "123456").await;
    assert_eq!((status, code(&body)), (401, "invalid_totp"));
    let current = secret.code_at(app.clock.now().timestamp());
    let (status, body, renewed) = code_step_with_cookie(&app, &cookie, &current).await;
    assert_eq!(status, 200, "{body}");
    // The privilege changed: a new session id (SEC-05); the pending one is gone.
    let renewed = renewed.expect("a renewed session cookie");
    assert_ne!(renewed, cookie);
    assert_eq!(app.get_json_as(&half, "/api/v1/me").await.0, 401, "the pending cookie opens nothing");
    let full = SignedIn { cookie: renewed, csrf: body["csrf_token"].as_str().expect("csrf").to_owned() };
    assert_eq!(app.get_json_as(&full, "/api/v1/me").await.1["username"], "zhao.staff");

    // The same code never works twice.
    let (_, _, cookie) = password_step(&app, "zhao.staff", "Zhao-staff-2024x").await;
    let (status, body) = code_step(&app, &cookie.expect("cookie"), &current).await;
    assert_eq!((status, code(&body)), (401, "invalid_totp"), "replayed code");

    // Wrong codes count towards the lockout.
    let (_, _, cookie) = password_step(&app, "zhao.staff", "Zhao-staff-2024x").await;
    let cookie = cookie.expect("cookie");
    let mut last = (0, Value::Null);
    for _ in 0..4 {
        last = code_step(&app, &cookie, "999999").await;
    }
    assert_eq!((last.0, code(&last.1)), (403, "account_locked"), "five failures: one above, four here");

    // The system administrator unbinds a lost authenticator.
    let (status, _) = app.post_json_as(&sysadmin, &format!("/api/v1/users/{id}/reset-totp"), &json!({})).await;
    assert_eq!(status, 204);
    app.clock.advance(TimeDelta::minutes(15));
    let again = app.login("zhao.staff", "Zhao-staff-2024x", None).await.expect("no second step now");
    let (status, body) = app.get_json_as(&again, "/api/v1/organizations/00000000-0000-0000-0000-000000000000").await;
    assert_eq!((status, code(&body)), (403, "second_factor_required"), "and must bind again before working");

    let actions = skillbase_store::audit::actions_for(&app.app().db, "user", &id).await.expect("audit");
    for expected in
        ["user.totp_enrolment", "user.totp_enable", "auth.password_verified", "auth.login", "user.totp_reset"]
    {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
}
