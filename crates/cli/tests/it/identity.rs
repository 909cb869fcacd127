//! Registration, signing in and out, lockout, sessions, password change — on both engines.

use chrono::TimeDelta;
use serde_json::{Value, json};
use skillbase_store::audit;

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use crate::on_both_engines;

const USCC: &str = "91310118MA1G00011T";
const PASSWORD: &str = "Qingpu-base-2024";

/// A signed-in client: the session cookie and the CSRF token.
struct Session {
    cookie: String,
    csrf: String,
    body: Value,
}

async fn post(
    app: &TestApp,
    path: &str,
    body: &Value,
    session: Option<&Session>,
    csrf: bool,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = app.client.post(app.url(path)).json(body);
    if let Some(session) = session {
        request = request.header("cookie", &session.cookie);
        if csrf {
            request = request.header("x-csrf-token", &session.csrf);
        }
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), headers)
}

async fn me(app: &TestApp, session: &Session) -> (u16, Value) {
    let response = app.client.get(app.url("/api/v1/me")).header("cookie", &session.cookie).send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn try_login(
    app: &TestApp,
    username: &str,
    password: &str,
) -> Result<Session, (u16, Value, reqwest::header::HeaderMap)> {
    let (status, body, headers) =
        post(app, "/api/v1/auth/login", &json!({"username": username, "password": password}), None, false).await;
    if status != 200 {
        return Err((status, body, headers));
    }
    let set_cookie = headers["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax") && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    Ok(Session { cookie, csrf: body["csrf_token"].as_str().expect("csrf").to_owned(), body })
}

async fn login(app: &TestApp, username: &str, password: &str) -> Session {
    try_login(app, username, password)
        .await
        .unwrap_or_else(|(status, body, _)| panic!("login {username}: {status} {body}"))
}

fn registration() -> Value {
    json!({
        "uscc": USCC, "name": "上海青浦技能实训有限公司", "kind": "enterprise",
        "contact_name": "王经理", "contact_phone": "13800138000", "contact_email": "hr@example.com",
        "username": "qingpu-hr", "password": PASSWORD
    })
}

async fn register(app: &TestApp) -> Value {
    let (status, body, _) = post(app, "/api/v1/organizations", &registration(), None, false).await;
    assert_eq!(status, 201, "{body}");
    body
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

on_both_engines!(
    an_organisation_registers_and_signs_in,
    registration_refuses_bad_and_duplicate_input,
    five_failures_lock_a_username_known_or_not,
    sessions_end_when_idle_or_too_old,
    the_first_password_must_be_changed_and_is_checked,
);

async fn an_organisation_registers_and_signs_in(app: TestApp) {
    let registered = register(&app).await;
    assert_eq!(registered["uscc"], USCC);

    let session = login(&app, "qingpu-hr", PASSWORD).await;
    assert_eq!(session.body["user"]["role"], "applicant");
    assert_eq!(session.body["user"]["role_label"], "申报单位");
    assert_eq!(session.body["user"]["organization_id"], registered["organization_id"]);
    let (status, account) = me(&app, &session).await;
    assert_eq!(status, 200);
    assert_eq!(account["username"], "qingpu-hr");
    assert_eq!(account["must_change_password"], false);

    // A change of role takes effect on the next request (SEC-07).
    raw_update(&app, "UPDATE users SET role = 'staff' WHERE username = 'qingpu-hr'").await;
    assert_eq!(me(&app, &session).await.1["role"], "staff");
    raw_update(&app, "UPDATE users SET role = 'applicant' WHERE username = 'qingpu-hr'").await;

    // Writes need the CSRF token: a cross-site form cannot sign the user out.
    let (status, body, _) = post(&app, "/api/v1/auth/logout", &json!({}), Some(&session), false).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_failed")));
    let (status, _, headers) = post(&app, "/api/v1/auth/logout", &json!({}), Some(&session), true).await;
    assert_eq!(status, 204);
    assert!(headers["set-cookie"].to_str().expect("ascii").contains("Max-Age=0"));
    // The session is over on the server, whatever the client kept.
    let (status, body) = me(&app, &session).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")));

    let user_id = registered["user_id"].as_str().expect("id");
    let actions = audit::actions_for(&app.app().db, "user", user_id).await.expect("audit");
    assert_eq!(actions, ["auth.login", "auth.logout"]);
    let org = registered["organization_id"].as_str().expect("id");
    assert_eq!(audit::actions_for(&app.app().db, "organization", org).await.expect("audit"), ["organization.register"]);
    assert!(app.app().verify_audit().await.expect("verify").intact);
}

async fn raw_update(app: &TestApp, sql: &'static str) {
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        skillbase_store::Db::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
    }
    .expect("raw SQL");
}

async fn registration_refuses_bad_and_duplicate_input(app: TestApp) {
    let mut bad = registration();
    bad["uscc"] = json!("91310118MA1G00011X");
    bad["kind"] = json!("company");
    bad["contact_phone"] = json!("12345");
    bad["contact_email"] = json!("not-an-email");
    bad["username"] = json!("张三");
    bad["password"] = json!("short");
    let (status, body, _) = post(&app, "/api/v1/organizations", &bad, None, false).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        codes(&body),
        [
            ("uscc".into(), "uscc_check".into()),
            ("kind".into(), "kind_invalid".into()),
            ("contact_phone".into(), "phone_invalid".into()),
            ("contact_email".into(), "email_invalid".into()),
            ("username".into(), "username_invalid".into()),
            ("password".into(), "password_too_short".into()),
        ]
    );

    register(&app).await;
    let (status, body, _) = post(&app, "/api/v1/organizations", &registration(), None, false).await;
    assert_eq!((status, codes(&body)), (400, vec![("uscc".into(), "uscc_taken".into())]), "{body}");
    let mut same_user = registration();
    same_user["uscc"] = json!("91350100M000100Y43");
    let (status, body, _) = post(&app, "/api/v1/organizations", &same_user, None, false).await;
    assert_eq!((status, codes(&body)), (400, vec![("username".into(), "username_taken".into())]), "{body}");

    // Not JSON, or not declared as JSON.
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.json::<Value>().await.expect("json")["code"], "invalid_json");
    let response = app.client.post(app.url("/api/v1/organizations")).body("uscc=1").send().await.expect("send");
    assert_eq!(response.status().as_u16(), 415);
    let response =
        app.client.post(app.url("/api/v1/organizations")).json(&json!({"uscc": 5})).send().await.expect("send");
    assert_eq!(response.json::<Value>().await.expect("json")["code"], "invalid_body");
}

async fn five_failures_lock_a_username_known_or_not(app: TestApp) {
    register(&app).await;
    for username in ["qingpu-hr", "nobody-by-this-name"] {
        for attempt in 1..=4 {
            let (status, body, _) = try_login(&app, username, "Wrong-password-1").await.err().expect("refused");
            assert_eq!(
                (status, body["code"].as_str()),
                (401, Some("invalid_credentials")),
                "{username} attempt {attempt}"
            );
            assert_eq!(body["detail"], "用户名或密码不正确", "the same answer whether or not the account exists");
        }
        let (status, body, headers) = try_login(&app, username, "Wrong-password-1").await.err().expect("refused");
        assert_eq!((status, body["code"].as_str()), (403, Some("account_locked")), "{username}");
        assert!(body["detail"].as_str().expect("detail").contains("锁定"), "{body}");
        assert_eq!(headers["retry-after"], "900");
    }
    // Locked: even the right password is refused until the lock expires.
    let (status, _, _) = try_login(&app, "qingpu-hr", PASSWORD).await.err().expect("still locked");
    assert_eq!(status, 403);
    app.clock.advance(TimeDelta::minutes(15));
    let session = login(&app, "qingpu-hr", PASSWORD).await;
    assert_eq!(me(&app, &session).await.0, 200);

    // Each attempt is in the audit trail.
    let actions = audit::actions_for(&app.app().db, "username", "qingpu-hr").await.expect("audit");
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count("auth.login_failed"), 5, "{actions:?}");
    assert_eq!(count("auth.lockout"), 1);
    assert_eq!(count("auth.login_refused_locked"), 1);
    let unknown = audit::actions_for(&app.app().db, "username", "nobody-by-this-name").await.expect("audit");
    assert_eq!(unknown.len(), 6, "{unknown:?}");
}

async fn sessions_end_when_idle_or_too_old(app: TestApp) {
    register(&app).await;
    let idle = login(&app, "qingpu-hr", PASSWORD).await;
    app.clock.advance(TimeDelta::minutes(29));
    assert_eq!(me(&app, &idle).await.0, 200, "used within 30 minutes");
    app.clock.advance(TimeDelta::minutes(29));
    assert_eq!(me(&app, &idle).await.0, 200, "each use restarts the idle timer");
    app.clock.advance(TimeDelta::minutes(31));
    assert_eq!(me(&app, &idle).await.0, 401, "idle for 31 minutes");

    let busy = login(&app, "qingpu-hr", PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(TimeDelta::minutes(20));
        assert_eq!(me(&app, &busy).await.0, 200);
    }
    app.clock.advance(TimeDelta::minutes(20));
    assert_eq!(me(&app, &busy).await.0, 401, "12 hours after login, however busy");
}

async fn the_first_password_must_be_changed_and_is_checked(app: TestApp) {
    let first = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(first.body["user"]["must_change_password"], true);
    assert_eq!(first.body["user"]["role"], "sysadmin");
    let second = login(&app, "admin", ADMIN_PASSWORD).await;

    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body, _) =
        post(&app, "/api/v1/me/password", &change("wrong", "Brand-new-pass-2024"), Some(&first), true).await;
    assert_eq!((status, codes(&body)), (400, vec![("current_password".into(), "current_password_wrong".into())]));
    let (status, body, _) = post(&app, "/api/v1/me/password", &change(ADMIN_PASSWORD, "abc"), Some(&first), true).await;
    assert_eq!((status, codes(&body)), (400, vec![("new_password".into(), "password_too_short".into())]));
    let (status, body, _) =
        post(&app, "/api/v1/me/password", &change(ADMIN_PASSWORD, "P@ssw0rd1234"), Some(&first), true).await;
    assert_eq!((status, codes(&body)), (400, vec![("new_password".into(), "password_common".into())]));
    let (status, _, _) =
        post(&app, "/api/v1/me/password", &change(ADMIN_PASSWORD, "Brand-new-pass-2024"), Some(&first), false).await;
    assert_eq!(status, 403, "CSRF token required");
    let (status, body, _) =
        post(&app, "/api/v1/me/password", &change(ADMIN_PASSWORD, "Brand-new-pass-2024"), Some(&first), true).await;
    assert_eq!(status, 204, "{body}");

    assert_eq!(me(&app, &first).await.1["must_change_password"], false);
    assert_eq!(me(&app, &second).await.0, 401, "other sessions end with the old password");
    assert!(try_login(&app, "admin", ADMIN_PASSWORD).await.is_err());
    login(&app, "admin", "Brand-new-pass-2024").await;
}
