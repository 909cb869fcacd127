//! Personal API tokens: shown once, hashed at rest, no CSRF needed, revocable, expiring.

use chrono::TimeDelta;
use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::TestApp;
use crate::on_both_engines;

async fn bearer_get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

on_both_engines!(tokens_authenticate_scripts_until_revoked_or_expired);

async fn tokens_authenticate_scripts_until_revoked_or_expired(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let (status, created) =
        app.post_json_as(&staff, "/api/v1/tokens", &json!({"name": "nightly export", "expires_in_days": 30})).await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("sbt_") && token.len() > 40);

    // Bearer works without cookie or CSRF token.
    let (status, me) = bearer_get(&app, &token, "/api/v1/me").await;
    assert_eq!((status, me["username"].as_str()), (200, Some("test-staff")));
    let response = app
        .client
        .post(app.url("/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": "wrong", "new_password": "Another-pass-2024"}))
        .send()
        .await
        .expect("send");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "current_password_wrong", "past the CSRF check: {body}");

    // The list never shows a token's value; the database keeps only its hash.
    let (status, list) = app.get_json_as(&staff, "/api/v1/tokens").await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], "nightly export");
    assert!(!list.to_string().contains(&token));
    assert!(list[0]["last_used_at"].is_string());
    let stored = match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => {
            sqlx::query_scalar::<_, String>("SELECT token_hash FROM api_tokens").fetch_one(pool).await.expect("row")
        }
        skillbase_store::Db::Postgres(pool) => {
            sqlx::query_scalar::<_, String>("SELECT token_hash FROM api_tokens").fetch_one(pool).await.expect("row")
        }
    };
    assert!(!stored.contains(&token[4..]), "only a hash is stored");

    // Bad input; someone else's token id; revocation.
    let (status, body) = app.post_json_as(&staff, "/api/v1/tokens", &json!({"name": "", "expires_in_days": 999})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"].as_array().expect("errors").len(), 2);
    let id = created["id"].as_str().expect("id");
    let leader = app.sign_in_as(Role::Leader).await;
    let (status, _) = app.post_json_as(&leader, &format!("/api/v1/tokens/{id}/revoke"), &json!({})).await;
    assert_eq!(status, 404, "not the leader's token");
    assert_eq!(bearer_get(&app, &token, "/api/v1/me").await.0, 200);
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/tokens/{id}/revoke"), &json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(bearer_get(&app, &token, "/api/v1/me").await.0, 401);

    // Expiry.
    let (_, short) =
        app.post_json_as(&staff, "/api/v1/tokens", &json!({"name": "one day", "expires_in_days": 1})).await;
    let short = short["token"].as_str().expect("token").to_owned();
    assert_eq!(bearer_get(&app, &short, "/api/v1/me").await.0, 200);
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(bearer_get(&app, &short, "/api/v1/me").await.0, 401);
    assert_eq!(bearer_get(&app, "sbt_made_up", "/api/v1/me").await.0, 401);

    let actions: Vec<String> =
        skillbase_store::audit::actions_for(&app.app().db, "api_token", id).await.expect("audit");
    assert_eq!(actions, ["token.create", "token.revoke"]);
}
