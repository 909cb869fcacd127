//! The identity screens: 登录, 退出, 我的账户, 修改密码, 申报单位注册. Each form works without
//! JavaScript: a post answers with the page again (field errors beside their inputs, what was
//! typed kept, passwords never) or with a redirect.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use skillbase_app::AppError;
use skillbase_app::auth::{Authenticated, LoggedIn, Registration};
use skillbase_domain::password::PasswordPolicy;

use super::kit::{
    Choice, Control, Form, FormPost, Group, Input, MultipartPost, QrRun, SignedInPost, Who, or_error_page, qr_runs,
    safe_next,
};
use super::{Page, Posted, no_store, respond};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, Texts};
use crate::session::{Meta, clear_session_cookie, session_cookie, session_token};

// ---------------------------------------------------------------------------------------------
// 登录

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    form: Form,
    /// Where to go after signing in (already checked to be a local path).
    next: Option<String>,
    /// Why the last attempt failed (wrong credentials, locked).
    message: Option<String>,
}

/// The id of the login form's message, which also describes both inputs.
const LOGIN_ERROR_ID: &str = "login-error";

fn login_form_fields(t: &'static Texts, username: &str) -> Form {
    Form::new(vec![Group {
        legend: None,
        fields: vec![
            Input::new("username", t.username, Control::Text)
                .value(username)
                .autocomplete("username")
                .verbatim("none")
                .maxlength(64),
            Input::new("password", t.password, Control::Password).autocomplete("current-password").maxlength(128),
        ],
    }])
}

/// `GET /login?next=/path`. Someone already signed in goes straight on.
pub async fn login_form(page: Page, RawQuery(query): RawQuery) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let next = safe_next(params.get("next")).map(str::to_owned);
    if page.viewer.is_some() {
        return Redirect::to(next.as_deref().unwrap_or("/workbench")).into_response();
    }
    let mut form = login_form_fields(page.t, "");
    if let Some(field) = form.groups.first_mut().and_then(|g| g.fields.first_mut()) {
        field.autofocus = true;
    }
    respond(StatusCode::OK, &page.clone(), &LoginPage { page, form, next, message: None })
}

/// `path?next=…` when there is somewhere to go back to.
fn with_next(path: &str, next: Option<&str>) -> String {
    match next {
        Some(next) => format!("{path}?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default()),
        None => path.to_owned(),
    }
}

/// Where a completed sign-in goes: 修改密码 when the password must be changed first, else
/// `next`, else the workbench.
async fn after_sign_in(state: &AppState, logged_in: &LoggedIn, next: Option<&str>) -> Result<String, AppError> {
    let user = &logged_in.user;
    let policy = state.app.auth_settings().await?.password_policy;
    let expired = policy.expired(logged_in.role, user.password_changed_at, state.app.now());
    Ok(if user.must_change_password || expired {
        "/account/password".to_owned()
    } else {
        next.unwrap_or("/workbench").to_owned()
    })
}

/// The lockout message: the use case's own words in Chinese, the same in English.
fn locked_message(lang: Lang, error: &AppError, retry_after_secs: u32) -> String {
    match lang {
        Lang::Zh => error.to_string(),
        Lang::En => lang.texts().login_locked.replace("{minutes}", &retry_after_secs.div_ceil(60).to_string()),
    }
}

/// `POST /login`: signs in and goes to `next` (or 我的账户), or to 修改密码 when the password must
/// be changed first. A failure shows the form again with the username as typed: 401 for wrong
/// credentials, 403 once the username is locked.
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    RawQuery(query): RawQuery,
    post: FormPost,
) -> Response {
    let FormPost { page, fields, .. } = post;
    let t = page.t;
    let query = crate::query_params(query.as_deref()).unwrap_or_default();
    let next = safe_next(fields.get("next").or(query.get("next"))).map(str::to_owned);
    let username = fields.get("username").unwrap_or_default().trim().to_owned();
    let password = fields.get("password").unwrap_or_default();

    let mut form = login_form_fields(t, &username);
    if username.is_empty() {
        form.set_error("username", t.err_username_required.to_owned());
    }
    if password.is_empty() {
        form.set_error("password", t.err_password_required.to_owned());
    }
    if form.has_errors() {
        form.focus_first_error();
        return respond(StatusCode::BAD_REQUEST, &page.clone(), &LoginPage { page, form, next, message: None });
    }

    let (status, message, retry_after) = match state.app.login(&username, password, &meta).await {
        Ok(logged_in) => {
            let cookie = session_cookie(logged_in.session_token.expose_secret(), state.secure_cookies);
            let to = if logged_in.second_factor_required {
                // The session grants nothing until the code is given.
                with_next("/login/totp", next.as_deref())
            } else {
                match after_sign_in(&state, &logged_in, next.as_deref()).await {
                    Ok(to) => to,
                    Err(error) => return PageError::from_app(page, error).into_response(),
                }
            };
            return ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response();
        }
        Err(AppError::Unauthenticated { .. }) => (StatusCode::UNAUTHORIZED, t.login_failed.to_owned(), None),
        Err(error @ AppError::Locked { retry_after_secs }) => {
            (StatusCode::FORBIDDEN, locked_message(page.lang, &error, retry_after_secs), Some(retry_after_secs))
        }
        Err(error) => return PageError::from_app(page, error).into_response(),
    };
    for field in form.groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
        field.form_error = Some(LOGIN_ERROR_ID);
    }
    // The username was right more often than not: the cursor goes to the password.
    if let Some(password) = form.groups.iter_mut().flat_map(|g| g.fields.iter_mut()).find(|f| f.name == "password") {
        password.autofocus = true;
    }
    let mut response = respond(status, &page.clone(), &LoginPage { page, form, next, message: Some(message) });
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// 动态口令 (the second step of signing in)

#[derive(Template)]
#[template(path = "login_totp.html")]
struct TotpLoginPage {
    page: Page,
    form: Form,
    next: Option<String>,
    message: Option<String>,
}

fn code_field(t: &'static Texts) -> Input {
    Input::new("code", t.totp_code, Control::Text)
        .hint(t.totp_code_hint)
        .autocomplete("one-time-code")
        .inputmode("numeric")
        .verbatim("none")
        .maxlength(6)
}

fn code_form(t: &'static Texts) -> Form {
    Form::new(vec![Group { legend: None, fields: vec![code_field(t)] }])
}

/// `GET /login/totp?next=/path`: the code, after the password was right. (Without a pending
/// sign-in, posting the form leads back to the password.)
pub async fn totp_form(page: Page, RawQuery(query): RawQuery) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let next = safe_next(params.get("next")).map(str::to_owned);
    if page.viewer.is_some() {
        return Redirect::to(next.as_deref().unwrap_or("/workbench")).into_response();
    }
    let mut form = code_form(page.t);
    if let Some(field) = form.groups.first_mut().and_then(|g| g.fields.first_mut()) {
        field.autofocus = true;
    }
    respond(StatusCode::OK, &page.clone(), &TotpLoginPage { page, form, next, message: None })
}

/// `POST /login/totp`: completes the sign-in, or asks again (401), or — after five wrong codes,
/// or when the pending sign-in has lapsed — goes back to the password form.
pub async fn totp_login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    post: FormPost,
) -> Response {
    let FormPost { page, fields, .. } = post;
    let t = page.t;
    let query = crate::query_params(query.as_deref()).unwrap_or_default();
    let next = safe_next(fields.get("next").or(query.get("next"))).map(str::to_owned);
    let code = fields.get("code").unwrap_or_default().trim();
    let mut form = code_form(t);
    if code.is_empty() {
        form.set_error("code", t.err_totp_required.to_owned());
        form.focus_first_error();
        return respond(StatusCode::BAD_REQUEST, &page.clone(), &TotpLoginPage { page, form, next, message: None });
    }
    let token = session_token(&headers, state.secure_cookies).unwrap_or_default();
    let (status, message, retry_after) = match state.app.complete_second_factor(token, code, &meta).await {
        Ok(logged_in) => {
            return match after_sign_in(&state, &logged_in, next.as_deref()).await {
                Ok(to) => {
                    // A new session id now that the second factor is in.
                    let cookie = session_cookie(logged_in.session_token.expose_secret(), state.secure_cookies);
                    ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response()
                }
                Err(error) => PageError::from_app(page, error).into_response(),
            };
        }
        Err(AppError::Unauthenticated { code: "no_pending_login", .. }) => {
            (StatusCode::UNAUTHORIZED, t.totp_expired.to_owned(), None)
        }
        Err(AppError::Unauthenticated { .. }) => {
            for field in form.groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
                field.form_error = Some(LOGIN_ERROR_ID);
                field.autofocus = true;
            }
            let message = Some(t.totp_failed.to_owned());
            return respond(StatusCode::UNAUTHORIZED, &page.clone(), &TotpLoginPage { page, form, next, message });
        }
        Err(error @ AppError::Locked { retry_after_secs }) => {
            (StatusCode::FORBIDDEN, locked_message(page.lang, &error, retry_after_secs), Some(retry_after_secs))
        }
        Err(error) => return PageError::from_app(page, error).into_response(),
    };
    // Back to the password: the pending sign-in is over.
    let form = login_form_fields(t, "");
    let mut response = respond(status, &page.clone(), &LoginPage { page, form, next, message: Some(message) });
    let headers = response.headers_mut();
    if let Ok(clear) = HeaderValue::from_str(&clear_session_cookie(state.secure_cookies)) {
        headers.insert(header::SET_COOKIE, clear);
    }
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// 退出

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    page: Page,
}

/// `GET /logout`: a page with the sign-out button (where a link or a sign-in redirect leads).
pub async fn logout_form(page: Page) -> Response {
    respond(StatusCode::OK, &page.clone(), &LogoutPage { page })
}

/// `POST /logout` (with the session's CSRF token): ends the session and goes home.
pub async fn logout(State(state): State<AppState>, Meta(meta): Meta, post: FormPost) -> Response {
    let Some(who) = post.who else {
        // Already signed out (the policy guard normally answers first).
        return Redirect::to("/").into_response();
    };
    match state.app.logout(&who, &meta).await {
        Ok(()) => {
            ([(header::SET_COOKIE, clear_session_cookie(state.secure_cookies))], Redirect::to("/")).into_response()
        }
        Err(error) => PageError::from_app(post.page, error).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// 我的账户

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    username: String,
    display_name: String,
    role: &'static str,
    organization_id: Option<String>,
    must_change_password: bool,
    totp_enabled: bool,
    /// A bureau account without a second factor: nothing else works until it is bound.
    totp_missing: bool,
}

/// `GET /account`.
pub async fn account(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let user = &who.user;
    let (totp_missing, expired) = or_error_page!(state.app.obligations(&who).await, page);
    let template = AccountPage {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: page.t.role_label(who.role),
        organization_id: user.organization_id.map(|o| o.to_string()),
        must_change_password: user.must_change_password || expired,
        totp_enabled: user.totp_enabled,
        totp_missing,
        page: page.clone(),
    };
    respond(StatusCode::OK, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 绑定动态口令

#[derive(Template)]
#[template(path = "totp_setup.html")]
struct TotpSetupPage {
    page: Page,
    /// The new key, grouped by four for typing (shown once, right after it is made).
    secret: Option<String>,
    otpauth_uri: Option<String>,
    /// The key as a QR code for the authenticator app to scan: (size in modules, dark runs).
    qr: Option<(usize, Vec<QrRun>)>,
    form: Form,
    done: bool,
}

/// `POST /account/totp` (with the CSRF token): makes a new key and shows it, with the form for
/// the first code.
pub async fn totp_begin(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.begin_totp_enrolment(&who, &meta).await {
        Ok((secret, uri)) => {
            let grouped = secret.as_bytes().chunks(4).map(String::from_utf8_lossy).collect::<Vec<_>>().join(" ");
            let mut form = code_form(page.t);
            form.groups.iter_mut().flat_map(|g| g.fields.iter_mut()).for_each(|f| f.autofocus = true);
            let qr = or_error_page!(qr_runs(&uri), page);
            let template = TotpSetupPage {
                secret: Some(grouped),
                otpauth_uri: Some(uri),
                qr: Some(qr),
                form,
                done: false,
                page: page.clone(),
            };
            no_store(respond(StatusCode::OK, &page, &template))
        }
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}

/// `POST /account/totp/confirm` (with the CSRF token): the first code binds the key.
pub async fn totp_confirm(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let code = fields.get("code").unwrap_or_default().trim();
    let mut form = code_form(t);
    if code.is_empty() {
        form.set_error("code", t.err_totp_required.to_owned());
    } else {
        match state.app.confirm_totp(&who, code, &meta).await {
            Ok(()) => {
                let template =
                    TotpSetupPage { secret: None, otpauth_uri: None, qr: None, form, done: true, page: page.clone() };
                return respond(StatusCode::OK, &page, &template);
            }
            Err(AppError::Fields(errors)) => form.set_errors(t, errors),
            Err(error) => return PageError::from_app(page, error).into_response(),
        }
    }
    form.focus_first_error();
    let template = TotpSetupPage { secret: None, otpauth_uri: None, qr: None, form, done: false, page: page.clone() };
    respond(StatusCode::BAD_REQUEST, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 修改密码

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    form: Form,
    must_change_password: bool,
    changed: bool,
}

/// The password policy in force (the security administrator may have changed it).
async fn password_policy(state: &AppState) -> Result<PasswordPolicy, AppError> {
    Ok(state.app.auth_settings().await?.password_policy)
}

fn password_hint(policy: &PasswordPolicy, t: &Texts) -> String {
    t.password_hint
        .replace("{min}", &policy.min_length.to_string())
        .replace("{classes}", &policy.min_classes.to_string())
}

fn password_fields(policy: &PasswordPolicy, t: &'static Texts) -> Form {
    Form::new(vec![Group {
        legend: None,
        fields: vec![
            Input::new("current_password", t.current_password, Control::Password).autocomplete("current-password"),
            Input::new("new_password", t.new_password, Control::Password)
                .autocomplete("new-password")
                .hint(password_hint(policy, t)),
            Input::new("new_password_repeat", t.new_password_repeat, Control::Password).autocomplete("new-password"),
        ],
    }])
}

/// Must the password be changed before anything else?
async fn must_change(state: &AppState, who: &Authenticated) -> Result<bool, AppError> {
    let (_, expired) = state.app.obligations(who).await?;
    Ok(who.user.must_change_password || expired)
}

/// `GET /account/password`.
pub async fn password_form(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let (policy, must_change_password) = match (password_policy(&state).await, must_change(&state, &who).await) {
        (Ok(policy), Ok(must_change)) => (policy, must_change),
        (Err(error), _) | (_, Err(error)) => return PageError::from_app(page, error).into_response(),
    };
    let form = password_fields(&policy, page.t);
    let template = PasswordPage { form, must_change_password, changed: false, page: page.clone() };
    respond(StatusCode::OK, &page, &template)
}

/// `POST /account/password` (with the CSRF token): current, new and repeated new password.
pub async fn change_password(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let current = fields.get("current_password").unwrap_or_default();
    let new = fields.get("new_password").unwrap_or_default();
    let repeat = fields.get("new_password_repeat").unwrap_or_default();
    let policy = or_error_page!(password_policy(&state).await, page);
    let mut form = password_fields(&policy, t);
    if current.is_empty() {
        form.set_error("current_password", t.err_current_required.to_owned());
    }
    if new.is_empty() {
        form.set_error("new_password", t.err_new_required.to_owned());
    } else if new != repeat {
        form.set_error("new_password_repeat", t.err_passwords_differ.to_owned());
    }
    if !form.has_errors() {
        match state.app.change_password(&who, current, &SecretString::from(new.to_owned()), &meta).await {
            Ok(()) => {
                let template = PasswordPage { form, must_change_password: false, changed: true, page: page.clone() };
                return respond(StatusCode::OK, &page, &template);
            }
            Err(AppError::Fields(errors)) => form.set_errors(t, errors),
            Err(error) => return PageError::from_app(page, error).into_response(),
        }
    }
    form.focus_first_error();
    let must_change_password = or_error_page!(must_change(&state, &who).await, page);
    let template = PasswordPage { form, must_change_password, changed: false, page: page.clone() };
    respond(StatusCode::BAD_REQUEST, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 申报单位注册

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    form: Form,
}

#[derive(Template)]
#[template(path = "registered.html")]
struct RegisteredPage {
    page: Page,
    name: String,
    uscc: String,
    username: String,
}

/// The registration form, filled in with `value(name)`.
fn registration_fields<'a>(policy: &PasswordPolicy, t: &'static Texts, value: impl Fn(&str) -> &'a str) -> Form {
    let kinds = vec![
        Choice { value: "enterprise".to_owned(), label: t.kind_enterprise.to_owned(), selected: false },
        Choice { value: "vocational_college".to_owned(), label: t.kind_vocational_college.to_owned(), selected: false },
        Choice {
            value: "social_organization".to_owned(),
            label: t.kind_social_organization.to_owned(),
            selected: false,
        },
    ];
    Form::new(vec![
        Group {
            legend: Some(t.register_organization),
            fields: vec![
                Input::new("uscc", t.uscc, Control::Text)
                    .value(value("uscc"))
                    .hint(t.uscc_hint)
                    .verbatim("characters")
                    .maxlength(18),
                Input::new("name", t.org_name, Control::Text)
                    .value(value("name"))
                    .autocomplete("organization")
                    .maxlength(100),
                Input::new("kind", t.org_kind, Control::Select { choices: kinds, placeholder: true })
                    .value(value("kind")),
            ],
        },
        Group {
            legend: Some(t.register_contact),
            fields: vec![
                Input::new("contact_name", t.contact_name, Control::Text)
                    .value(value("contact_name"))
                    .autocomplete("name")
                    .maxlength(50),
                Input::new("contact_phone", t.contact_phone, Control::Tel)
                    .value(value("contact_phone"))
                    .hint(t.contact_phone_hint)
                    .autocomplete("tel-national")
                    .inputmode("numeric")
                    .maxlength(11),
                Input::new("contact_email", t.contact_email, Control::Email)
                    .value(value("contact_email"))
                    .autocomplete("email")
                    .verbatim("none")
                    .maxlength(254)
                    .optional(),
            ],
        },
        Group {
            legend: Some(t.register_account),
            fields: vec![
                Input::new("username", t.username, Control::Text)
                    .value(value("username"))
                    .hint(t.username_hint)
                    .autocomplete("username")
                    .verbatim("none")
                    .maxlength(32),
                Input::new("password", t.password, Control::Password)
                    .hint(password_hint(policy, t))
                    .autocomplete("new-password")
                    .maxlength(128),
                Input::new("password_repeat", t.password_repeat, Control::Password)
                    .autocomplete("new-password")
                    .maxlength(128),
            ],
        },
    ])
}

/// `GET /register`.
pub async fn register_form(State(state): State<AppState>, page: Page) -> Response {
    let policy = or_error_page!(password_policy(&state).await, page);
    let form = registration_fields(&policy, page.t, |_| "");
    respond(StatusCode::OK, &page.clone(), &RegisterPage { page, form })
}

/// `POST /register`: registers the organisation and its first account, or shows the form again
/// with every field's error and what was typed (but not the password).
pub async fn register(State(state): State<AppState>, Meta(meta): Meta, post: FormPost) -> Response {
    let FormPost { page, fields, .. } = post;
    let t = page.t;
    let value = |name: &str| fields.get(name).unwrap_or_default();
    let policy = or_error_page!(password_policy(&state).await, page);
    let mut form = registration_fields(&policy, t, value);
    let password = value("password");
    if password != value("password_repeat") {
        form.set_error("password_repeat", t.err_password_repeat.to_owned());
    } else {
        let email = value("contact_email").trim();
        let registration = Registration {
            uscc: value("uscc").trim().to_owned(),
            name: value("name").to_owned(),
            kind: value("kind").to_owned(),
            contact_name: value("contact_name").to_owned(),
            contact_phone: value("contact_phone").to_owned(),
            contact_email: (!email.is_empty()).then(|| email.to_owned()),
            username: value("username").to_owned(),
            password: SecretString::from(password.to_owned()),
        };
        match state.app.register_organization(&registration, &meta).await {
            Ok(registered) => {
                let template = RegisteredPage {
                    name: registration.name.trim().to_owned(),
                    uscc: registered.uscc.to_string(),
                    username: registration.username.trim().to_owned(),
                    page: page.clone(),
                };
                return respond(StatusCode::OK, &page, &template);
            }
            // The USCC is taken: the rightful holder may claim it (归属争议) with its licence,
            // on the dispute form, filled in with what was typed.
            Err(AppError::Fields(errors)) if errors.iter().any(|e| e.code == "uscc_taken") => {
                let form = dispute_fields(&policy, t, value);
                let template = DisputePage { form, taken: true, page: page.clone() };
                return respond(StatusCode::CONFLICT, &page, &template);
            }
            Err(AppError::Fields(errors)) => form.set_errors(t, errors),
            Err(error) => return PageError::from_app(page, error).into_response(),
        }
    }
    form.focus_first_error();
    respond(StatusCode::BAD_REQUEST, &page.clone(), &RegisterPage { page, form })
}

// ---------------------------------------------------------------------------------------------
// 归属争议: a USCC someone else registered first, claimed with the business licence

#[derive(Template)]
#[template(path = "register_dispute.html")]
struct DisputePage {
    page: Page,
    form: Form,
    /// Shown after a registration refused because the USCC is taken.
    taken: bool,
}

#[derive(Template)]
#[template(path = "register_dispute_filed.html")]
struct DisputeFiledPage {
    page: Page,
    name: String,
    uscc: String,
    username: String,
}

/// What a business licence may be: PDF, JPEG or PNG.
const LICENCE_TYPES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

/// The registration form with the business licence.
fn dispute_fields<'a>(policy: &PasswordPolicy, t: &'static Texts, value: impl Fn(&str) -> &'a str) -> Form {
    let mut form = registration_fields(policy, t, value);
    form.groups.push(Group {
        legend: Some("营业执照"),
        fields: vec![
            Input::new("licence", "营业执照扫描件或照片", Control::File { accept: Some(LICENCE_TYPES) })
                .hint("PDF、JPG 或 PNG 文件，须清晰显示统一社会信用代码和单位名称"),
        ],
    });
    form
}

/// `GET /register/dispute?uscc=`: the claim form.
pub async fn dispute_form(State(state): State<AppState>, page: Page, RawQuery(query): RawQuery) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let policy = or_error_page!(password_policy(&state).await, page);
    let uscc = params.get("uscc").unwrap_or_default().to_owned();
    let form = dispute_fields(&policy, page.t, |name| if name == "uscc" { uscc.as_str() } else { "" });
    respond(StatusCode::OK, &page.clone(), &DisputePage { page, form, taken: false })
}

/// `POST /register/dispute` (multipart, with the licence): files the dispute, or shows the
/// form again with every field's error and what was typed (not the password, not the file).
pub async fn file_dispute(State(state): State<AppState>, Meta(meta): Meta, mut post: MultipartPost) -> Response {
    let page = post.page.clone();
    let t = page.t;
    let licence = post.take_file("licence");
    let too_large = post.too_large_refusal(&state, "licence").await;
    let fields = std::mem::take(&mut post.fields);
    let value = |name: &str| fields.get(name).unwrap_or_default();
    let policy = or_error_page!(password_policy(&state).await, page);
    let mut form = dispute_fields(&policy, t, value);
    let password = value("password");
    let outcome = if let Some(refusal) = too_large {
        Err(refusal)
    } else if password != value("password_repeat") {
        form.set_error("password_repeat", t.err_password_repeat.to_owned());
        Ok(None)
    } else {
        let email = value("contact_email").trim();
        let registration = Registration {
            uscc: value("uscc").trim().to_owned(),
            name: value("name").to_owned(),
            kind: value("kind").to_owned(),
            contact_name: value("contact_name").to_owned(),
            contact_phone: value("contact_phone").to_owned(),
            contact_email: (!email.is_empty()).then(|| email.to_owned()),
            username: value("username").to_owned(),
            password: SecretString::from(password.to_owned()),
        };
        state.app.file_dispute(&registration, licence, &meta).await.map(Some)
    };
    let status = match outcome {
        Ok(Some(_)) => {
            let template = DisputeFiledPage {
                name: value("name").trim().to_owned(),
                uscc: value("uscc").trim().to_owned(),
                username: value("username").trim().to_owned(),
                page: page.clone(),
            };
            return respond(StatusCode::CREATED, &page, &template);
        }
        Ok(None) => StatusCode::BAD_REQUEST,
        Err(AppError::Fields(errors)) => {
            let status = crate::error::classify(&AppError::Fields(errors.clone())).0;
            form.set_errors(t, errors);
            status
        }
        Err(error) => return PageError::from_app(page, error).into_response(),
    };
    form.focus_first_error();
    respond(status, &page.clone(), &DisputePage { page, form, taken: false })
}

// ---------------------------------------------------------------------------------------------
// 重新验证身份 (SEC-08)

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    page: Page,
    next: String,
    error: Option<String>,
    /// A form post waiting for the password: sent again, as typed, once it is given.
    pending: Option<Posted>,
}

/// The password was given: the post that waited for it, to send again as typed.
#[derive(Template)]
#[template(path = "reauth_resume.html")]
struct ResumePage {
    page: Page,
    pending: Posted,
}

/// The prefix of a waiting post's fields in the re-authentication form.
const PENDING: &str = "pending.";

/// A post refused for want of a recent sign-in: the password is asked for on this page (401),
/// and what was posted travels with it as hidden fields.
pub(crate) fn reauth_for_post(mut page: Page) -> Response {
    let pending = page.posted.take();
    let next = reauth_next(page.back.as_deref());
    let template = ReauthPage { next, error: None, pending, page: page.clone() };
    no_store(respond(StatusCode::UNAUTHORIZED, &page, &template))
}

/// The waiting post a re-authentication form carries, if any.
fn pending_of(fields: &crate::Params) -> Option<Posted> {
    let action = safe_next(fields.get("pending_action"))?.to_owned();
    let fields = fields
        .0
        .iter()
        .filter_map(|(name, value)| name.strip_prefix(PENDING).map(|name| (name.to_owned(), value.clone())))
        .collect();
    Some(Posted { action, fields })
}

fn reauth_next(next: Option<&str>) -> String {
    safe_next(next).unwrap_or("/").to_owned()
}

/// `GET /account/reauth?next=/path`: type the password again before paying out or issuing
/// plaques.
pub async fn reauth_form(page: Page, RawQuery(query): RawQuery) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let template = ReauthPage { next: reauth_next(params.get("next")), error: None, pending: None, page: page.clone() };
    no_store(respond(StatusCode::OK, &page, &template))
}

/// `POST /account/reauth` (password, next): back to `next` once the password is right.
pub async fn reauth(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let next = reauth_next(fields.get("next"));
    let pending = pending_of(&fields);
    match state.app.reauthenticate(&who, fields.get("password").unwrap_or_default(), &meta).await {
        Ok(()) => match pending {
            Some(pending) => no_store(respond(StatusCode::OK, &page, &ResumePage { pending, page: page.clone() })),
            None => Redirect::to(&next).into_response(),
        },
        Err(AppError::Fields(errors)) => {
            let error = errors.into_iter().next().map(|e| e.message);
            let template = ReauthPage { next, error, pending, page: page.clone() };
            respond(StatusCode::BAD_REQUEST, &page, &template)
        }
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}
