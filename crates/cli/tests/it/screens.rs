//! The identity screens as a person without JavaScript uses them: plain form posts, pages back,
//! cookies carried by hand — on both engines.

use chrono::TimeDelta;
use serde_json::json;
use skillbase_domain::totp::TotpSecret;
use skillbase_store::audit;

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use crate::on_both_engines;
use crate::page_client::{Cookie, csrf_of, get, post, post_from};

const USCC: &str = "91310118MA1G00011T";
const USERNAME: &str = "qingpu-hr";
const PASSWORD: &str = "Qingpu-base-2024";

/// No inline script or style: the pages work under `script-src 'self'; style-src 'self'`.
fn assert_csp_clean(html: &str) {
    assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="), "{html}");
    assert!(!html.contains(" onclick=") && !html.contains(" onsubmit="), "{html}");
}

async fn register_by_api(app: &TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&json!({
            "uscc": USCC, "name": "上海青浦技能实训有限公司", "kind": "enterprise",
            "contact_name": "王经理", "contact_phone": "13800138000", "contact_email": null,
            "username": USERNAME, "password": PASSWORD
        }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
}

/// Signs in through the login form; returns the session cookie and the page's CSRF token.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let answer = post(app, "/login", None, &[("username", username), ("password", password)]).await;
    assert_eq!(answer.status, 303, "{}", answer.html);
    let cookie = answer.session_cookie();
    let account = get(app, "/account", Cookie(Some(&cookie))).await;
    assert_eq!(account.status, 200);
    (cookie.clone(), csrf_of(&account.html))
}

fn registration_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("uscc", USCC),
        ("name", "上海青浦技能实训有限公司"),
        ("kind", "vocational_college"),
        ("contact_name", "王经理"),
        ("contact_phone", "13800138000"),
        ("contact_email", "hr@example.com"),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("password_repeat", PASSWORD),
    ];
    for (name, value) in overrides {
        if let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = value;
        }
    }
    fields
}

on_both_engines!(
    identity_pages_render_in_chinese,
    login_succeeds_fails_and_locks,
    logout_needs_the_session_s_csrf_token,
    password_change_shows_field_errors_then_succeeds,
    registration_shows_field_errors_then_succeeds,
    cross_origin_form_posts_are_refused,
    identity_pages_in_english,
    second_factor_through_the_pages,
);

async fn identity_pages_render_in_chinese(app: TestApp) {
    // The home page leads to registration and to the login page; nothing links to a dead page.
    let home = get(&app, "/", None).await;
    assert!(home.html.contains(r#"href="/register""#) && !home.html.contains(r#"href="/apply""#), "{}", home.html);
    assert!(home.html.contains(r#"<a href="/login">登录</a>"#), "signed out: 登录 in the header");

    let login = get(&app, "/login", None).await;
    assert_eq!(login.status, 200);
    let html = &login.html;
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("<h1 id=\"page-title\">登录</h1>"), "{html}");
    assert!(html.contains(r#"<label for="f-username">用户名</label>"#), "{html}");
    assert!(html.contains(r#"<label for="f-password">密码</label>"#), "{html}");
    assert!(html.contains(r#"autocomplete="current-password""#));
    assert!(html.contains(r#"method="post" action="/login""#));
    assert!(!html.contains("csrf_token"), "no session, no token");
    assert_csp_clean(html);

    let register = get(&app, "/register", None).await;
    assert_eq!(register.status, 200);
    let html = &register.html;
    assert!(html.contains("申报单位注册"), "{html}");
    for label in ["统一社会信用代码", "单位名称", "单位类型", "联系人姓名", "联系人手机号码", "电子邮箱", "确认密码"]
    {
        assert!(html.contains(label), "{label} missing");
    }
    for (value, label) in
        [("enterprise", "企业"), ("vocational_college", "职业院校"), ("social_organization", "社会组织")]
    {
        assert!(html.contains(&format!(r#"<option value="{value}">{label}</option>"#)), "{value}: {html}");
    }
    assert!(html.contains(r#"<legend>单位信息</legend>"#));
    assert!(html.contains(r#"aria-describedby="f-uscc-hint""#), "hints are tied to their inputs");
    assert_csp_clean(html);

    // Signed out, the account pages lead to the login page and back.
    for path in ["/account", "/account/password", "/logout"] {
        let answer = get(&app, path, None).await;
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(answer.location.as_str(), format!("/login?next={path}"), "{path}");
    }
    let login = get(&app, "/login?next=%2Faccount%2Fpassword", None).await;
    assert!(login.html.contains(r#"<input type="hidden" name="next" value="/account/password">"#), "{}", login.html);
    let evil = get(&app, "/login?next=%2F%2Fevil.example", None).await;
    assert!(!evil.html.contains(r#"name="next""#), "an unsafe next is dropped");

    // Signed in: 我的账户, and the header shows the name and 退出.
    register_by_api(&app).await;
    let (cookie, csrf) = sign_in(&app, USERNAME, PASSWORD).await;
    let account = get(&app, "/account", Cookie(Some(&cookie))).await;
    let html = &account.html;
    assert!(html.contains("我的账户") && html.contains(USERNAME) && html.contains("王经理"), "{html}");
    assert!(html.contains("<dd>申报单位</dd>"), "the role's label: {html}");
    assert!(html.contains("所属单位编号"), "an applicant has an organisation");
    assert!(html.contains(r#"href="/account/password""#));
    assert!(html.contains(r#"<form class="nav-logout" method="post" action="/logout">"#), "{html}");
    assert!(html.contains(">退出</button>") && !html.contains(r#"<a href="/login">登录</a>"#));
    assert_eq!(csrf.len(), 64);
    assert_csp_clean(html);
    // Every page's header knows the user, public pages included.
    assert_eq!(
        get(&app, "/", Cookie(Some(&cookie))).await.location,
        "/workbench",
        "the home page leads to the workbench"
    );
    let home = get(&app, "/notices", Cookie(Some(&cookie))).await;
    assert!(home.html.contains("王经理") && home.html.contains(&csrf), "{}", home.html);
    // Already signed in: the login page goes on.
    let login = get(&app, "/login", Cookie(Some(&cookie))).await;
    assert_eq!((login.status, login.location.as_str()), (303, "/workbench"));
    let password = get(&app, "/account/password", Cookie(Some(&cookie))).await;
    assert_eq!(password.status, 200);
    assert!(password.html.contains("修改密码") && password.html.contains(&csrf));
    assert!(password.html.contains(r#"autocomplete="new-password""#));
    assert!(password.html.contains("至少 12 个字符"), "the policy is stated: {}", password.html);
    let logout = get(&app, "/logout", Cookie(Some(&cookie))).await;
    assert_eq!(logout.status, 200);
    assert!(logout.html.contains("确定要退出登录吗"));
}

async fn login_succeeds_fails_and_locks(app: TestApp) {
    register_by_api(&app).await;

    // Empty fields are caught without an attempt.
    let answer = post(&app, "/login", None, &[("username", ""), ("password", "")]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains("请输入用户名") && answer.html.contains("请输入密码"), "{}", answer.html);
    assert!(answer.html.contains(r#"aria-describedby="f-username-error""#), "{}", answer.html);

    for attempt in 1..=4 {
        let answer = post(
            &app,
            "/login",
            None,
            &[("username", USERNAME), ("password", "Wrong-password-1"), ("next", "/account")],
        )
        .await;
        assert_eq!(answer.status, 401, "attempt {attempt}");
        let html = &answer.html;
        assert!(html.contains("用户名或密码不正确"), "{html}");
        assert!(html.contains(&format!(r#"value="{USERNAME}""#)), "the username is kept: {html}");
        assert!(!html.contains("Wrong-password-1"), "the password is never sent back");
        assert!(html.contains(r#"role="alert""#) && html.contains(r#"aria-invalid="true""#));
        assert!(html.contains(r#"aria-describedby="login-error""#), "{html}");
        assert!(html.contains(r#"name="next" value="/account""#), "next survives a failure");
    }
    let locked = post(&app, "/login", None, &[("username", USERNAME), ("password", "Wrong-password-1")]).await;
    assert_eq!(locked.status, 403);
    assert!(locked.html.contains("锁定") && locked.html.contains("15 分钟"), "{}", locked.html);
    assert_eq!(locked.headers["retry-after"], "900");
    // Locked: even the right password is refused.
    let refused = post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD)]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.html.contains("锁定"));

    app.clock.advance(TimeDelta::minutes(15));
    let answer =
        post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD), ("next", "/account?tab=1")]).await;
    assert_eq!((answer.status, answer.location.as_str()), (303, "/account?tab=1"));
    let cookie = answer.session_cookie();
    assert_eq!(get(&app, "/account", Cookie(Some(&cookie))).await.status, 200);

    // Never a redirect to another site.
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let answer =
            post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!((answer.status, answer.location.as_str()), (303, "/workbench"), "{next}");
    }
    // `next` may also come in the query, as the sign-in redirect gives it.
    let answer =
        post(&app, "/login?next=%2Faccount%2Fpassword", None, &[("username", USERNAME), ("password", PASSWORD)]).await;
    assert_eq!(answer.location.as_str(), "/account/password");

    // An account whose password must be changed goes to 修改密码 first, whatever `next` says.
    let answer =
        post(&app, "/login", None, &[("username", "admin"), ("password", ADMIN_PASSWORD), ("next", "/")]).await;
    assert_eq!((answer.status, answer.location.as_str()), (303, "/account/password"));

    let actions = audit::actions_for(&app.app().db, "username", USERNAME).await.expect("audit");
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!((count("auth.login_failed"), count("auth.lockout"), count("auth.login_refused_locked")), (5, 1, 1));
}

async fn logout_needs_the_session_s_csrf_token(app: TestApp) {
    register_by_api(&app).await;
    let (cookie, csrf) = sign_in(&app, USERNAME, PASSWORD).await;

    let missing = post(&app, "/logout", Cookie(Some(&cookie)), &[]).await;
    assert_eq!(missing.status, 403);
    assert!(missing.html.contains("无法完成请求") && missing.html.contains("刷新页面"), "{}", missing.html);
    let wrong = "0".repeat(64);
    assert_eq!(post(&app, "/logout", Cookie(Some(&cookie)), &[("csrf_token", &wrong)]).await.status, 403);
    assert_eq!(get(&app, "/account", Cookie(Some(&cookie))).await.status, 200, "still signed in");

    let answer = post(&app, "/logout", Cookie(Some(&cookie)), &[("csrf_token", &csrf)]).await;
    assert_eq!((answer.status, answer.location.as_str()), (303, "/"));
    let cleared = answer.headers["set-cookie"].to_str().expect("ascii");
    assert!(cleared.starts_with("skillbase_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    // The session is over on the server, whatever the browser kept.
    let after = get(&app, "/account", Cookie(Some(&cookie))).await;
    assert_eq!(after.status, 303);
    let home = get(&app, "/", Cookie(Some(&cookie))).await;
    assert!(home.html.contains(r#"<a href="/login">登录</a>"#), "signed out in the header");

    let user = app.app().db.clone();
    let id = skillbase_store::users::find_by_username(&user, USERNAME).await.expect("find").expect("user").id;
    let actions = audit::actions_for(&user, "user", &id.to_string()).await.expect("audit");
    assert_eq!(actions, ["auth.login", "auth.logout"]);
}

/// The password form's fields, with the CSRF token or without.
fn change<'a>(current: &'a str, new: &'a str, repeat: &'a str, csrf: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("current_password", current), ("new_password", new), ("new_password_repeat", repeat)];
    fields.extend(csrf.map(|csrf| ("csrf_token", csrf)));
    fields
}

async fn password_change_shows_field_errors_then_succeeds(app: TestApp) {
    register_by_api(&app).await;
    let (cookie, csrf) = sign_in(&app, USERNAME, PASSWORD).await;
    let (other, _) = sign_in(&app, USERNAME, PASSWORD).await;
    let token = Some(csrf.as_str());

    let no_token = change(PASSWORD, "Brand-new-pass-2024", "Brand-new-pass-2024", None);
    assert_eq!(post(&app, "/account/password", Cookie(Some(&cookie)), &no_token).await.status, 403);

    // The two new fields differ: caught before the use case runs.
    let answer = post(
        &app,
        "/account/password",
        Cookie(Some(&cookie)),
        &change(PASSWORD, "Brand-new-pass-2024", "Brand-new-pass-2025", token),
    )
    .await;
    assert_eq!(answer.status, 400);
    let html = &answer.html;
    assert!(html.contains(r#"id="f-new-password-repeat-error""#) && html.contains("两次输入的新密码不一致"), "{html}");
    assert!(html.contains(r#"aria-describedby="f-new-password-repeat-error""#), "{html}");
    assert!(!html.contains("Brand-new-pass"), "passwords are never sent back");
    assert!(html.contains(r##"<a href="#f-new-password-repeat">"##), "the summary links to the field: {html}");

    let answer = post(
        &app,
        "/account/password",
        Cookie(Some(&cookie)),
        &change("Wrong-current-1", "Brand-new-pass-2024", "Brand-new-pass-2024", token),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains(r#"id="f-current-password-error""#) && answer.html.contains("当前密码不正确"));

    let answer =
        post(&app, "/account/password", Cookie(Some(&cookie)), &change(PASSWORD, "short", "short", token)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains(r#"id="f-new-password-error""#) && answer.html.contains("密码至少需要 12 个字符"));
    let answer = post(&app, "/account/password", Cookie(Some(&cookie)), &change("", "", "", token)).await;
    assert!(answer.html.contains("请输入当前密码") && answer.html.contains("请输入新密码"), "{}", answer.html);

    let id = skillbase_store::users::find_by_username(&app.app().db, USERNAME).await.expect("find").expect("user").id;
    let actions = audit::actions_for(&app.app().db, "user", &id.to_string()).await.expect("audit");
    assert!(!actions.iter().any(|a| a == "user.password_change"), "nothing changed yet: {actions:?}");

    let answer = post(
        &app,
        "/account/password",
        Cookie(Some(&cookie)),
        &change(PASSWORD, "Brand-new-pass-2024", "Brand-new-pass-2024", token),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.html);
    assert!(answer.html.contains("密码已修改") && answer.html.contains(r#"role="status""#), "{}", answer.html);
    assert_eq!(get(&app, "/account", Cookie(Some(&cookie))).await.status, 200, "this session goes on");
    assert_eq!(get(&app, "/account", Cookie(Some(&other))).await.status, 303, "the other one ended");
    assert_eq!(post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD)]).await.status, 401);
    sign_in(&app, USERNAME, "Brand-new-pass-2024").await;
}

async fn registration_shows_field_errors_then_succeeds(app: TestApp) {
    let bad = registration_form(&[
        ("uscc", "91310118MA1G00011X"),
        ("contact_phone", "12345"),
        ("password", "short"),
        ("password_repeat", "short"),
    ]);
    let answer = post(&app, "/register", None, &bad).await;
    assert_eq!(answer.status, 400);
    let html = &answer.html;
    for (id, message) in [
        ("f-uscc-error", "校验位不符"),
        ("f-contact-phone-error", "11 位手机号码"),
        ("f-password-error", "密码至少需要 12 个字符"),
    ] {
        let at = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("{id} missing: {html}"));
        assert!(html[at..].split("</p>").next().expect("error").contains(message), "{id}: {html}");
    }
    assert!(html.contains(r#"aria-describedby="f-uscc-hint f-uscc-error""#), "{html}");
    assert!(html.contains(r#"class="error-summary" role="alert""#) && html.contains(r##"<a href="#f-uscc">"##));
    assert!(html.contains("autofocus"), "the cursor goes to the first error");
    // What was typed is kept, except the password.
    assert!(html.contains(r#"value="91310118MA1G00011X""#) && html.contains(r#"value="上海青浦技能实训有限公司""#));
    assert!(html.contains(r#"<option value="vocational_college" selected>"#), "{html}");
    assert!(html.contains(r#"value="hr@example.com""#) && !html.contains(r#"value="short""#));
    // The name is fine: it has no error.
    assert!(!html.contains(r#"id="f-name-error""#));

    let mismatch = registration_form(&[("password_repeat", "Qingpu-base-2025")]);
    let answer = post(&app, "/register", None, &mismatch).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains(r#"id="f-password-repeat-error""#) && answer.html.contains("两次输入的密码不一致"));

    let answer = post(&app, "/register", None, &registration_form(&[])).await;
    assert_eq!(answer.status, 200, "{}", answer.html);
    assert!(answer.html.contains("注册成功") && answer.html.contains(USCC), "{}", answer.html);
    assert!(answer.html.contains(r#"href="/login""#));
    sign_in(&app, USERNAME, PASSWORD).await;

    // A USCC already registered: the claim form (归属争议) with what was typed, not a dead end.
    let answer = post(&app, "/register", None, &registration_form(&[("username", "another-hr")])).await;
    assert_eq!(answer.status, 409);
    assert!(answer.html.contains(r#"id="uscc-taken""#) && answer.html.contains("归属争议"), "{}", answer.html);
    assert!(answer.html.contains(r#"action="/register/dispute" enctype="multipart/form-data""#));
    assert!(answer.html.contains(r#"value="another-hr""#) && answer.html.contains(r#"name="licence""#));
    let answer = post(&app, "/register", None, &registration_form(&[("uscc", "91350100M000100Y43")])).await;
    assert!(answer.html.contains(r#"id="f-username-error""#) && answer.html.contains("该用户名已被使用"));

    let organization = audit::actions_for(&app.app().db, "username", USERNAME).await.expect("audit");
    assert!(organization.is_empty(), "no failed logins on the way: {organization:?}");
}

async fn cross_origin_form_posts_are_refused(app: TestApp) {
    register_by_api(&app).await;
    let evil = Some("https://evil.example");
    let login = [("username", USERNAME), ("password", PASSWORD)];
    let answer = post_from(&app, "/login", None, &login, evil).await;
    assert_eq!(answer.status, 403);
    assert!(answer.headers.get("set-cookie").is_none(), "no session for a cross-site post");
    assert!(answer.html.contains("无法完成请求"));
    let fields = registration_form(&[("uscc", "91350100M000100Y43"), ("username", "evil-hr")]);
    assert_eq!(post_from(&app, "/register", None, &fields, evil).await.status, 403);
    assert_eq!(post_from(&app, "/register", None, &fields, Some("null")).await.status, 403);
    assert!(skillbase_store::users::find_by_username(&app.app().db, "evil-hr").await.expect("find").is_none());

    // The platform's own pages post with its own origin.
    let own = app.base.clone();
    let answer = post_from(&app, "/login", None, &login, Some(&own)).await;
    assert_eq!(answer.status, 303);
    let cookie = answer.session_cookie();
    let csrf = csrf_of(&get(&app, "/account", Cookie(Some(&cookie))).await.html);

    // Signed in, the token is not enough from another site, and the origin not enough without it.
    let answer = post_from(&app, "/logout", Cookie(Some(&cookie)), &[("csrf_token", &csrf)], evil).await;
    assert_eq!(answer.status, 403);
    assert_eq!(post_from(&app, "/logout", Cookie(Some(&cookie)), &[], Some(&own)).await.status, 403);
    assert_eq!(get(&app, "/account", Cookie(Some(&cookie))).await.status, 200, "still signed in");
    // Signed in, even the anonymous forms need the token.
    assert_eq!(post(&app, "/login", Cookie(Some(&cookie)), &login).await.status, 403);
    // Not a form.
    let response = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/json")
        .body(r#"{"username":"qingpu-hr"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 415);
}

async fn identity_pages_in_english(app: TestApp) {
    let en = Some("lang=en");
    let login = get(&app, "/login", Cookie(en)).await;
    assert!(
        login.html.contains(r#"<html lang="en">"#)
            && login.html.contains(r#"<label for="f-username">Username</label>"#)
    );
    assert!(login.html.contains(">Sign in</button>"), "{}", login.html);
    register_by_api(&app).await;

    let cookie = |session: &str| format!("lang=en; {session}");
    let wrong = [("username", USERNAME), ("password", "Wrong-password-1")];
    let post_en = |fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move { post(app, "/login", Cookie(en), &fields).await }
    };
    for _ in 1..=4 {
        let answer = post_en(wrong.to_vec()).await;
        assert_eq!(answer.status, 401);
        assert!(answer.html.contains("Incorrect username or password"), "{}", answer.html);
    }
    let locked = post_en(wrong.to_vec()).await;
    assert_eq!(locked.status, 403);
    assert!(locked.html.contains("the account is locked. Try again in 15 minutes"), "{}", locked.html);

    let register = get(&app, "/register", Cookie(en)).await;
    assert!(register.html.contains("Register your organisation") && register.html.contains("Vocational college"));
    let fields = registration_form(&[("uscc", "91310118MA1G00011X"), ("username", "other-hr")]);
    let answer = post(&app, "/register", Cookie(en), &fields).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains("check character does not match") && answer.html.contains("There is a problem"));

    app.clock.advance(TimeDelta::minutes(15));
    let (session, _) = sign_in(&app, USERNAME, PASSWORD).await;
    let account = get(&app, "/account", Cookie(Some(&cookie(&session)))).await;
    assert!(account.html.contains("My account") && account.html.contains("<dd>Applicant organisation</dd>"));
    assert!(account.html.contains(">Sign out</button>"), "{}", account.html);
}

/// The 6-digit code that is not `code`.
fn other_code(code: &str) -> String {
    let number: u32 = code.parse().expect("digits");
    format!("{:06}", (number + 1) % 1_000_000)
}

async fn second_factor_through_the_pages(app: TestApp) {
    register_by_api(&app).await;
    let (cookie, csrf) = sign_in(&app, USERNAME, PASSWORD).await;
    let account = get(&app, "/account", Cookie(Some(&cookie))).await;
    assert!(account.html.contains("动态口令（TOTP）") && account.html.contains("未绑定"), "{}", account.html);
    assert!(account.html.contains(r#"<form method="post" action="/account/totp">"#));
    assert!(!account.html.contains("须先绑定"), "optional for an applicant");

    assert_eq!(post(&app, "/account/totp", Cookie(Some(&cookie)), &[]).await.status, 403, "CSRF token required");
    let setup = post(&app, "/account/totp", Cookie(Some(&cookie)), &[("csrf_token", &csrf)]).await;
    assert_eq!(setup.status, 200, "{}", setup.html);
    assert_eq!(setup.headers["cache-control"], "no-store", "a page with a secret is not kept");
    let start = setup.html.find(r#"id="totp-secret">"#).expect("secret shown") + r#"id="totp-secret">"#.len();
    let shown = setup.html[start..].split('<').next().expect("secret");
    let secret = TotpSecret::from_base32(&shown.replace(' ', "")).expect("base32");
    assert!(setup.html.contains("otpauth://totp/"), "{}", setup.html);
    // The QR code beside the key reads back, as a phone's camera would, as the key's address.
    let link = setup.html.split(r#"<a href="otpauth://"#).nth(1).expect("the key's link");
    let uri =
        format!("otpauth://{}", link.split('"').next().expect("href")).replace("&#38;", "&").replace("&amp;", "&");
    let scanned = read_qr(&setup.html, "totp-qr");
    assert_eq!(scanned, uri);
    assert!(scanned.contains(&format!("secret={}", shown.replace(' ', ""))), "{scanned}");
    assert!(setup.html.contains(r#"autocomplete="one-time-code""#) && setup.html.contains(r#"inputmode="numeric""#));

    let now = || app.app().now().timestamp();
    let wrong = other_code(&secret.code_at(now()));
    let answer =
        post(&app, "/account/totp/confirm", Cookie(Some(&cookie)), &[("csrf_token", &csrf), ("code", &wrong)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.html.contains(r#"id="f-code-error""#) && answer.html.contains("动态口令不正确"), "{}", answer.html);
    let right = secret.code_at(now());
    let answer =
        post(&app, "/account/totp/confirm", Cookie(Some(&cookie)), &[("csrf_token", &csrf), ("code", &right)]).await;
    assert_eq!(answer.status, 200, "{}", answer.html);
    assert!(answer.html.contains("动态口令已绑定"));
    let account = get(&app, "/account", Cookie(Some(&cookie))).await;
    assert!(account.html.contains("已绑定") && !account.html.contains(r#"action="/account/totp""#));
    post(&app, "/logout", Cookie(Some(&cookie)), &[("csrf_token", &csrf)]).await;

    // From now on the password alone opens nothing: the code is asked next.
    let answer =
        post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD), ("next", "/account")]).await;
    assert_eq!((answer.status, answer.location.as_str()), (303, "/login/totp?next=%2Faccount"));
    let pending = answer.session_cookie();
    assert_eq!(get(&app, "/account", Cookie(Some(&pending))).await.status, 303, "not signed in yet");
    let form = get(&app, "/login/totp?next=%2Faccount", Cookie(Some(&pending))).await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("动态口令验证") && form.html.contains(r#"name="next" value="/account""#));
    // Without a pending sign-in, a code leads back to the password.
    let lapsed = post(&app, "/login/totp", None, &[("code", "123456")]).await;
    assert_eq!(lapsed.status, 401);
    assert!(lapsed.html.contains("登录已超时") && lapsed.html.contains(r#"action="/login""#), "{}", lapsed.html);

    app.clock.advance(TimeDelta::seconds(30));
    let wrong = other_code(&secret.code_at(now()));
    let answer = post(&app, "/login/totp", Cookie(Some(&pending)), &[("code", &wrong), ("next", "/account")]).await;
    assert_eq!(answer.status, 401);
    assert!(answer.html.contains("动态口令不正确") && answer.html.contains(r#"aria-invalid="true""#));
    let answer = post(&app, "/login/totp", Cookie(Some(&pending)), &[("code", "")]).await;
    assert_eq!(answer.status, 400);
    let right = secret.code_at(now());
    let answer = post(&app, "/login/totp", Cookie(Some(&pending)), &[("code", &right), ("next", "/account")]).await;
    assert_eq!((answer.status, answer.location.as_str()), (303, "/account"));
    // The session id is renewed with the second factor (SEC-05): the pending cookie is dead.
    let signed_in = answer.session_cookie();
    assert_ne!(signed_in, pending);
    assert_eq!(get(&app, "/account", Cookie(Some(&signed_in))).await.status, 200, "signed in");
    assert_eq!(get(&app, "/account", Cookie(Some(&pending))).await.status, 303, "the pending cookie opens nothing");
    // A code is good once.
    let again = post(&app, "/login", None, &[("username", USERNAME), ("password", PASSWORD)]).await;
    let answer = post(&app, "/login/totp", Cookie(Some(&again.session_cookie())), &[("code", &right)]).await;
    assert_eq!(answer.status, 401);

    // A bureau account without a second factor is told to bind one.
    let answer = post(&app, "/login", None, &[("username", "admin"), ("password", ADMIN_PASSWORD)]).await;
    let admin = answer.session_cookie();
    let csrf = csrf_of(&get(&app, "/account/password", Cookie(Some(&admin))).await.html);
    let new = "Brand-new-pass-2024";
    let changed =
        post(&app, "/account/password", Cookie(Some(&admin)), &change(ADMIN_PASSWORD, new, new, Some(&csrf))).await;
    assert_eq!(changed.status, 200, "{}", changed.html);
    let account = get(&app, "/account", Cookie(Some(&admin))).await;
    assert!(account.html.contains("须先绑定动态口令"), "{}", account.html);
}

/// Reads the QR code drawn as the SVG `id` (white background, one black `<rect>` per run of dark
/// modules): rasterised four pixels a module and decoded with an independent QR reader.
pub(crate) fn read_qr(html: &str, id: &str) -> String {
    let svg =
        html.split(&format!(r#"<svg id="{id}""#)).nth(1).expect("the QR code").split("</svg>").next().expect("svg");
    let size: usize =
        svg.split("viewBox=\"0 0 ").nth(1).and_then(|v| v.split(' ').next()).expect("size").parse().expect("n");
    let number = |rect: &str, name: &str| -> usize {
        rect.split(&format!(r#" {name}=""#)).nth(1).and_then(|v| v.split('"').next()).expect(name).parse().expect(name)
    };
    let mut dark = vec![false; size * size];
    for rect in svg.split("<rect").skip(2) {
        let (x, y, w) = (number(rect, "x"), number(rect, "y"), number(rect, "width"));
        for cell in &mut dark[y * size + x..y * size + x + w] {
            *cell = true;
        }
    }
    const SCALE: usize = 4;
    let pixels = size * SCALE;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
        if dark[(y / SCALE) * size + x / SCALE] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code found");
    grids[0].decode().expect("the QR code decodes").1
}
