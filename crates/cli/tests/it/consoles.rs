//! The consoles as people without JavaScript use them — 个人 API 令牌, 账户管理, 安全设置,
//! 审计日志: plain form posts with the session cookie and the CSRF field, pages back — on both
//! engines.

use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Cookie, get, post};

/// The text of the element with this id (`id="…">TEXT<`).
fn text_of(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}">"#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in:\n{html}")) + marker.len();
    html[start..].split('<').next().expect("text").to_owned()
}

/// No inline script or style: the pages work under `script-src 'self'; style-src 'self'`.
fn assert_csp_clean(html: &str) {
    assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="), "{html}");
    assert!(!html.contains(" onclick=") && !html.contains(" onsubmit="), "{html}");
}

async fn user_id(app: &TestApp, username: &str) -> String {
    let users = app.app().accounts().await.expect("accounts");
    users.into_iter().find(|u| u.username == username).expect("account").id.to_string()
}

on_both_engines!(
    consoles_render_in_chinese_for_their_roles_only,
    a_token_made_on_the_page_works_as_bearer_and_is_shown_once,
    the_sysadmin_creates_an_account_whose_one_time_password_signs_in,
    separation_of_duties_is_said_on_the_page,
    the_secadmin_changes_a_setting_and_unlocks,
    the_auditor_searches_verifies_and_exports,
    console_posts_without_the_csrf_token_are_refused,
);

async fn consoles_render_in_chinese_for_their_roles_only(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let secadmin = app.sign_in_as(Role::Secadmin).await;
    let auditor = app.sign_in_as(Role::Auditor).await;
    let staff = app.sign_in_as(Role::Staff).await;
    let consoles = [
        ("/admin/users", &sysadmin, "账户管理", r#"<caption>全部账户</caption>"#),
        ("/admin/security", &secadmin, "安全设置", r#"<label for="f-lockout-minutes">锁定时长（分钟）</label>"#),
        ("/audit", &auditor, "审计日志", "导出 Excel"),
        ("/account/tokens", &staff, "个人 API 令牌", r#"<label for="f-name">用途</label>"#),
    ];
    for (path, who, title, marker) in consoles {
        let page = get(&app, path, who).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        let html = &page.html;
        assert!(html.contains(r#"<html lang="zh-CN">"#), "{path}");
        assert!(html.contains(&format!(r#"<h1 id="page-title">{title}</h1>"#)), "{path}: {html}");
        assert!(html.contains(marker), "{path}: {marker} missing in {html}");
        assert_csp_clean(html);
    }
    // And in English, on request.
    for (path, who, title) in [
        ("/admin/users", &sysadmin, "Accounts"),
        ("/admin/security", &secadmin, "Security settings"),
        ("/audit", &auditor, "Audit log"),
        ("/account/tokens", &staff, "Personal API tokens"),
    ] {
        let english = SignedIn { cookie: format!("{}; lang=en", who.cookie), csrf: who.csrf.clone() };
        let page = get(&app, path, &english).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.html.contains(r#"<html lang="en">"#), "{path}");
        assert!(page.html.contains(&format!(r#"<h1 id="page-title">{title}</h1>"#)), "{path}: {}", page.html);
    }
    // The navigation offers each role its own console and no other.
    let nav = |html: &str| {
        ["/admin/users", "/admin/security", "/audit"]
            .into_iter()
            .filter(|href| html.contains(&format!(r#"<li class="nav-console"><a href="{href}""#)))
            .collect::<Vec<_>>()
    };
    assert_eq!(nav(&get(&app, "/account", &sysadmin).await.html), ["/admin/users"]);
    assert_eq!(nav(&get(&app, "/account", &secadmin).await.html), ["/admin/security"]);
    assert_eq!(nav(&get(&app, "/account", &auditor).await.html), ["/audit"]);
    assert!(nav(&get(&app, "/account", &staff).await.html).is_empty());
    // 我的账户 leads to the tokens.
    assert!(get(&app, "/account", &staff).await.html.contains(r#"href="/account/tokens""#));

    // Another role is refused with the 403 page.
    for (path, who) in [
        ("/admin/users", &auditor),
        ("/admin/users", &secadmin),
        ("/admin/security", &sysadmin),
        ("/audit", &sysadmin),
        ("/audit/verify", &staff),
        ("/audit", &staff),
    ] {
        let page = get(&app, path, who).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.html.contains(r#"<html lang="zh-CN">"#), "{path}: a page, not a problem");
    }
    let refused =
        post(&app, "/admin/users", &auditor, &[("username", "x"), ("display_name", "x"), ("role", "staff")]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(post(&app, "/admin/security/unlock", &sysadmin, &[("username", "test-staff")]).await.status, 403);
}

async fn a_token_made_on_the_page_works_as_bearer_and_is_shown_once(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    // A bad number of days is said beside the field, with what was typed kept.
    let bad = post(&app, "/account/tokens", &staff, &[("name", "报送脚本"), ("expires_in_days", "400")]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains(r#"id="f-expires-in-days-error""#), "{}", bad.html);
    assert!(bad.html.contains(r#"aria-invalid="true""#) && bad.html.contains(r#"value="报送脚本""#));

    let made = post(&app, "/account/tokens", &staff, &[("name", "报送脚本"), ("expires_in_days", "30")]).await;
    assert_eq!(made.status, 200, "{}", made.html);
    assert_eq!(made.headers["cache-control"], "no-store");
    assert!(made.html.contains("离开本页后将不再显示"), "the warning: {}", made.html);
    let token = text_of(&made.html, "token-value");
    assert!(token.starts_with("sbt_"), "{token}");
    assert_csp_clean(&made.html);

    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("send");
    assert_eq!(me.status().as_u16(), 200);

    // Listed afterwards (name, dates), its value never again.
    let list = get(&app, "/account/tokens", &staff).await;
    assert!(list.html.contains("<th scope=\"row\">报送脚本</th>"), "{}", list.html);
    assert!(!list.html.contains(&token), "shown once only");
    assert!(list.html.contains("<caption>我的令牌</caption>"));

    // Revoked with its row's button, it stops working.
    let marker = r#"action="/account/tokens/"#;
    let start = list.html.find(marker).expect("revoke form") + r#"action=""#.len();
    let action = list.html[start..].split('"').next().expect("action").to_owned();
    let revoked = post(&app, &action, &staff, &[]).await;
    assert_eq!(revoked.status, 200, "{}", revoked.html);
    assert!(revoked.html.contains("令牌已撤销"));
    let me = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("send");
    assert_eq!(me.status().as_u16(), 401);
    let again = post(&app, &action, &staff, &[]).await;
    assert_eq!(again.status, 404);
    assert!(again.html.contains("令牌不存在或已撤销"));
}

async fn the_sysadmin_creates_an_account_whose_one_time_password_signs_in(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let bad =
        post(&app, "/admin/users", &sysadmin, &[("username", "Zhang San"), ("display_name", "张三"), ("role", "")])
            .await;
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains(r#"id="f-username-error""#) && bad.html.contains(r#"id="f-role-error""#), "{}", bad.html);

    let fields = [("username", "zhang.san"), ("display_name", "张三"), ("role", "staff")];
    let created = post(&app, "/admin/users", &sysadmin, &fields).await;
    assert_eq!(created.status, 200, "{}", created.html);
    assert_eq!(created.headers["cache-control"], "no-store");
    assert!(created.html.contains("此密码仅显示这一次"));
    let password = text_of(&created.html, "one-time-password");
    assert!(created.html.contains("<th scope=\"row\">zhang.san</th>"), "listed");
    app.login("zhang.san", &password, None).await.expect("the one-time password signs in");
    assert!(!get(&app, "/admin/users", &sysadmin).await.html.contains(&password), "shown once");

    // 重置密码 gives a new one-time password; the old one no longer works.
    let id = user_id(&app, "zhang.san").await;
    let reset = post(&app, &format!("/admin/users/{id}/reset-password"), &sysadmin, &[]).await;
    assert_eq!(reset.status, 200, "{}", reset.html);
    let new_password = text_of(&reset.html, "one-time-password");
    assert_ne!(new_password, password);
    assert!(app.login("zhang.san", &password, None).await.is_err());
    app.login("zhang.san", &new_password, None).await.expect("the new one signs in");

    // 停用, 启用, 更改角色.
    let disabled = post(&app, &format!("/admin/users/{id}/disable"), &sysadmin, &[]).await;
    assert_eq!(disabled.status, 200);
    assert!(disabled.html.contains("已停用账户 zhang.san"), "{}", disabled.html);
    assert!(app.login("zhang.san", &new_password, None).await.is_err());
    assert_eq!(post(&app, &format!("/admin/users/{id}/enable"), &sysadmin, &[]).await.status, 200);
    let changed = post(&app, &format!("/admin/users/{id}/role"), &sysadmin, &[("role", "leader")]).await;
    assert_eq!(changed.status, 200, "{}", changed.html);
    let users = app.app().accounts().await.expect("accounts");
    assert_eq!(users.iter().find(|u| u.username == "zhang.san").expect("account").role.as_str(), "leader");
    assert_eq!(post(&app, &format!("/admin/users/{id}/reset-totp"), &sysadmin, &[]).await.status, 200);
    // 结束全部会话: the account's open session stops working.
    let session = app.login("zhang.san", &new_password, None).await.expect("signs in");
    let ended = post(&app, &format!("/admin/users/{id}/end-sessions"), &sysadmin, &[]).await;
    assert!(ended.status == 200 && ended.html.contains("已结束账户 zhang.san 的全部会话"), "{}", ended.html);
    assert_eq!(app.get_json_as(&session, "/api/v1/me").await.0, 401);
}

async fn separation_of_duties_is_said_on_the_page(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    app.sign_in_as(Role::Auditor).await;
    let auditor = user_id(&app, "test-auditor").await;
    let refused = post(&app, &format!("/admin/users/{auditor}/role"), &sysadmin, &[("role", "secadmin")]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("不得由审计管理员改为安全管理员"), "{}", refused.html);
    assert!(refused.html.contains(r#"role="alert""#) && refused.html.contains("<caption>全部账户</caption>"));
    let users = app.app().accounts().await.expect("accounts");
    assert_eq!(users.iter().find(|u| u.username == "test-auditor").expect("account").role.as_str(), "auditor");

    // Nor can the administrator disable their own account (refused by the use case).
    let own = user_id(&app, "test-sysadmin").await;
    let refused = post(&app, &format!("/admin/users/{own}/disable"), &sysadmin, &[]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("不能停用自己的账户"), "{}", refused.html);
}

const SETTINGS: [(&str, &str); 8] = [
    ("password_min_length", "12"),
    ("password_min_classes", "3"),
    ("password_max_age_days", "90"),
    ("max_failed_logins", "5"),
    ("lockout_minutes", "30"),
    ("idle_timeout_minutes", "30"),
    ("session_lifetime_hours", "12"),
    ("require_second_factor", "1"),
];

async fn the_secadmin_changes_a_setting_and_unlocks(app: TestApp) {
    let secadmin = app.sign_in_as(Role::Secadmin).await;
    let form = get(&app, "/admin/security", &secadmin).await;
    assert!(form.html.contains(r#"type="number" inputmode="numeric" min="5" max="1440""#), "{}", form.html);
    assert!(form.html.contains(r#"name="require_second_factor" type="checkbox" value="1" checked"#));

    let saved = post(&app, "/admin/security", &secadmin, &SETTINGS).await;
    assert_eq!(saved.status, 200, "{}", saved.html);
    assert!(saved.html.contains("安全设置已保存"));
    assert_eq!(app.app().security_settings().await.expect("settings").lockout_minutes, 30);

    let mut bad = SETTINGS;
    bad[0].1 = "6";
    bad[3].1 = "many";
    let refused = post(&app, "/admin/security", &secadmin, &bad).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains(r#"id="f-max-failed-logins-error""#), "{}", refused.html);
    let html = &refused.html;
    assert!(html.contains(r#"id="f-password-min-length-error""#) && html.contains("8 至 64 之间的整数"), "{html}");
    assert!(
        html.contains(
            r#"aria-describedby="f-password-min-length-hint f-password-min-length-error" aria-invalid="true""#
        )
    );
    assert_eq!(app.app().security_settings().await.expect("settings").password_min_length, 12, "unchanged");

    let unlocked = post(&app, "/admin/security/unlock", &secadmin, &[("username", "test-secadmin")]).await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.html);
    assert!(unlocked.html.contains("已解除用户名 test-secadmin 的登录锁定"));
    let unknown = post(&app, "/admin/security/unlock", &secadmin, &[("username", "nobody")]).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.html.contains(r#"id="f-username-error""#));
}

async fn the_auditor_searches_verifies_and_exports(app: TestApp) {
    let auditor = app.sign_in_as(Role::Auditor).await;
    let page = get(&app, "/audit", &auditor).await;
    assert_eq!(page.status, 200);
    let html = &page.html;
    assert!(html.contains("<code>auth.login</code>") && html.contains("<th scope=\"row\">1</th>"), "{html}");
    assert!(html.contains(r#"<th scope="col">序号</th>"#) && html.contains("<caption>"));
    assert!(html.contains(r#"href="/api/v1/audit/export.xlsx""#), "{html}");
    assert!(html.contains(r#"<form method="get" action="/audit/verify">"#));
    // Read as people read it: the action in Chinese, the actor by name, the object with a link to
    // its own history, and the raw record one click away.
    assert!(html.contains("<td>登录成功</td>") && html.contains("<summary>原始记录</summary>"), "{html}");
    let (status, me) = app.get_json_as(&auditor, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let name = me["display_name"].as_str().expect("a name");
    assert!(html.contains(name), "the actor by name: {html}");
    assert!(
        html.contains(r#"href="/audit?object_type=user&#38;object_id="#)
            || html.contains("href=\"/audit?object_type=user&amp;object_id="),
        "{html}"
    );
    assert_csp_clean(html);

    let filtered = get(&app, "/audit?action=user.totp_enable&from=1", &auditor).await;
    assert!(!filtered.html.contains("<code>auth.login</code>"), "filtered: {}", filtered.html);
    assert!(filtered.html.contains(r#"href="/api/v1/audit/export.xlsx?action=user.totp_enable""#), "{}", filtered.html);
    let export = get(&app, "/api/v1/audit/export.xlsx?action=auth.login", &auditor).await;
    assert_eq!(export.status, 200);

    let verify = get(&app, "/audit/verify", &auditor).await;
    assert_eq!(verify.status, 200);
    assert!(verify.html.contains("审计日志完整"), "{}", verify.html);
}

async fn console_posts_without_the_csrf_token_are_refused(app: TestApp) {
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let staff = app.sign_in_as(Role::Staff).await;
    let fields = [("username", "li.si"), ("display_name", "李四"), ("role", "staff")];
    let refused = post(&app, "/admin/users", Cookie(Some(&sysadmin.cookie)), &fields).await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("页面已过期"), "{}", refused.html);
    assert!(app.app().accounts().await.expect("accounts").iter().all(|u| u.username != "li.si"));
    let wrong = [("csrf_token", "not-the-token"), ("name", "x"), ("expires_in_days", "30")];
    assert_eq!(post(&app, "/account/tokens", Cookie(Some(&staff.cookie)), &wrong).await.status, 403);
    let (status, tokens) = app.get_json_as(&staff, "/api/v1/tokens").await;
    assert_eq!((status, tokens), (200, serde_json::json!([])), "no token was made");
}
