//! The administrators' consoles: 账户管理 for the system administrator (`/admin/users`) and
//! 安全设置 for the security administrator (`/admin/security`, with unlocking a username). Each
//! action is a plain form post answered with the page again, saying what happened; a one-time
//! password is shown on that answer only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use skillbase_app::AppError;
use skillbase_app::admin::NewAccount;
use skillbase_app::auth::Authenticated;
use skillbase_domain::access::{Action, Decision, Scope, decide};
use skillbase_domain::clock::shanghai;
use skillbase_domain::ids::UserId;
use skillbase_domain::roles::Role;
use skillbase_domain::security::BOUNDS;
use skillbase_domain::security::SecuritySettings;

use super::kit::{Choice, Control, Form, Group, Input, SignedInPost, Who, or_error_page};
use super::{Page, no_store, respond};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Texts;
use crate::session::Meta;

/// An instant as people in Shanghai read it: `2024-09-27 10:00`.
pub(super) fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// A console in the navigation.
#[derive(Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The consoles a role may use, as the policy decides (never a list of roles here). A console
/// for the whole bureau (`Scope::All`) is not offered to a role that reaches only its own
/// records through the same action (the applicant reads its applications elsewhere).
pub(super) fn consoles(role: Role, t: &'static Texts) -> Vec<NavLink> {
    [
        ("/admin/users", Action::ManageAccounts, t.nav_users),
        ("/admin/organizations", Action::ListOrganizations, t.nav_organizations),
        ("/admin/security", Action::ManageSecuritySettings, t.nav_security),
        ("/audit", Action::ReadAudit, t.nav_audit),
        ("/applications", Action::DraftApplication, t.nav_applications),
        ("/bureau/applications", Action::ReadApplication, t.nav_review),
        ("/bureau/batches", Action::ManageBatches, t.nav_batches),
        ("/admin/policies", Action::ManagePolicies, t.nav_policies),
        ("/bureau/experts", Action::ManageExperts, t.nav_experts),
        ("/bureau/review", Action::ReadReview, t.nav_review_console),
        ("/bureau/proposals", Action::ApproveProposal, t.nav_proposals),
        ("/bureau/notices", Action::ReadNotices, t.nav_bureau_notices),
        ("/expert", Action::ScoreAssignment, t.nav_my_reviews),
        ("/funds/requests", Action::ReadFunds, t.nav_funds),
        ("/funds/bases", Action::RecordExpense, t.nav_my_bases),
        ("/training", Action::ReadTraining, t.nav_training),
        ("/annual-reviews", Action::ReadAnnualReview, t.nav_annual_review),
        ("/bureau/certification", Action::DecideCertification, t.nav_certification),
        ("/bureau/disputes", Action::ResolveDisputes, t.nav_disputes),
    ]
    .into_iter()
    .filter(|(href, action, _)| match decide(Some(role), *action) {
        Decision::Allow(scope) => !href.starts_with("/bureau/") || scope == Some(Scope::All),
        _ => false,
    })
    .map(|(href, _, label)| NavLink { href, label })
    .collect()
}

/// A use case's refusal, in the page's language: field errors (each), a separation-of-duties
/// or own-account refusal, a missing account. `None` for anything else (an error page).
fn refusal(t: &Texts, error: AppError) -> Result<(StatusCode, Vec<String>), AppError> {
    let (status, _) = crate::error::classify(&error);
    let messages = match error {
        AppError::Fields(errors) => errors.into_iter().map(|e| t.field_error(e.code, e.message)).collect(),
        AppError::Forbidden { code, message } => vec![t.field_error(code, message)],
        AppError::NotFound(_) => vec![t.account_not_found.to_owned()],
        error => return Err(error),
    };
    Ok((status, messages))
}

// ---------------------------------------------------------------------------------------------
// 账户管理

/// One account as the table shows it.
#[derive(Debug)]
struct AccountRow {
    id: String,
    username: String,
    display_name: String,
    role_label: &'static str,
    /// The choice of the roles it may be given (all but 申报单位), its own selected; none for an
    /// applicant account, whose role is bound to its organisation.
    role: Option<Input>,
    disabled: bool,
    must_change_password: bool,
    totp_enabled: bool,
    /// The administrator's own account: not disabled or re-roled from here.
    own: bool,
}

/// A one-time password just made, shown this once.
#[derive(Debug)]
struct OneTime {
    username: String,
    password: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    page: Page,
    accounts: Vec<AccountRow>,
    form: Form,
    notice: Option<String>,
    one_time: Option<OneTime>,
    errors: Vec<String>,
}

/// What the last post did.
#[derive(Debug, Default)]
struct Outcome {
    notice: Option<String>,
    one_time: Option<OneTime>,
    errors: Vec<String>,
}

fn role_choices(t: &'static Texts, selected: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .filter(|role| *role != Role::Applicant)
        .map(|role| Choice {
            value: role.as_str().to_owned(),
            label: t.role_label(role).to_owned(),
            selected: Some(role) == selected,
        })
        .collect()
}

fn account_form(t: &'static Texts, value: impl Fn(&str) -> String) -> Form {
    Form::new(vec![Group {
        legend: None,
        fields: vec![
            Input::new("username", t.username, Control::Text)
                .value(&value("username"))
                .hint(t.username_hint)
                .verbatim("none")
                .maxlength(32),
            Input::new("display_name", t.account_display_name, Control::Text)
                .value(&value("display_name"))
                .autocomplete("off")
                .maxlength(50),
            Input::new("role", t.account_role, Control::Select { choices: role_choices(t, None), placeholder: true })
                .value(&value("role")),
        ],
    }])
}

async fn users_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    form: Form,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let t = page.t;
    let users = or_error_page!(state.app.accounts().await, page);
    let accounts = users
        .iter()
        .map(|user| {
            let role = Some(user.role);
            AccountRow {
                id: user.id.to_string(),
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                role_label: role.map_or("", |r| t.role_label(r)),
                role: match role {
                    Some(Role::Applicant) | None => None,
                    Some(role) => Some(
                        Input::choose(
                            "role",
                            format!("{} {}", t.user_new_role, user.username),
                            role_choices(t, Some(role)),
                        )
                        .cell()
                        .with_id(format!("role-{}", user.id)),
                    ),
                },
                disabled: user.disabled,
                must_change_password: user.must_change_password,
                totp_enabled: user.totp_enabled,
                own: user.id == who.user.id,
            }
        })
        .collect();
    let one_time = outcome.one_time.is_some();
    let template = UsersPage {
        page: page.clone(),
        accounts,
        form,
        notice: outcome.notice,
        one_time: outcome.one_time,
        errors: outcome.errors,
    };
    let response = respond(status, &page, &template);
    if one_time { no_store(response) } else { response }
}

fn empty_account_form(t: &'static Texts) -> Form {
    account_form(t, |_| String::new())
}

/// `GET /admin/users`.
pub async fn users(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let form = empty_account_form(page.t);
    users_page(&state, page, &who, form, Outcome::default(), StatusCode::OK).await
}

/// `POST /admin/users` (username, display_name, role): creates the account and shows its
/// one-time password once.
pub async fn create_user(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let value = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let mut form = account_form(t, value);
    let role = match value("role").parse::<Role>() {
        Ok(role) if role != Role::Applicant => role,
        _ => {
            form.set_error("role", t.err_role_required.to_owned());
            // The use case refuses an applicant account before writing anything, and says
            // what else is wrong: every mistake is shown at once.
            Role::Applicant
        }
    };
    {
        let new = NewAccount { username: value("username"), display_name: value("display_name"), role };
        match state.app.create_account(&who, &new, &meta).await {
            Ok((_, password)) => {
                let username = new.username.trim().to_owned();
                let outcome = Outcome {
                    notice: Some(t.user_created.replace("{username}", &username)),
                    one_time: Some(OneTime { username, password: password.expose_secret().to_owned() }),
                    errors: Vec::new(),
                };
                return users_page(&state, page, &who, empty_account_form(t), outcome, StatusCode::OK).await;
            }
            Err(AppError::Fields(errors)) => form.set_errors(t, errors),
            Err(error) => return PageError::from_app(page, error).into_response(),
        }
    }
    form.focus_first_error();
    users_page(&state, page, &who, form, Outcome::default(), StatusCode::BAD_REQUEST).await
}

/// What a row's button asks for.
#[derive(Debug, Clone, Copy)]
enum RowAction {
    Disable,
    Enable,
    ChangeRole,
    ResetPassword,
    ResetTotp,
    EndSessions,
}

/// Runs one row action and answers with the page, saying what happened or why not.
async fn row_action(
    state: AppState,
    meta: skillbase_app::auth::RequestMeta,
    id: String,
    post: SignedInPost,
    action: RowAction,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let Ok(id) = id.parse::<UserId>() else {
        return PageError::new(page, StatusCode::NOT_FOUND).into_response();
    };
    let username = match state.app.accounts().await {
        Ok(users) => users.into_iter().find(|u| u.id == id).map(|u| u.username),
        Err(error) => return PageError::from_app(page, error).into_response(),
    };
    let Some(username) = username else {
        let outcome = Outcome { errors: vec![t.account_not_found.to_owned()], ..Outcome::default() };
        return users_page(&state, page, &who, empty_account_form(t), outcome, StatusCode::NOT_FOUND).await;
    };
    let app = &state.app;
    let done: Result<Outcome, AppError> = match action {
        RowAction::Disable => app.set_account_disabled(&who, id, true, &meta).await.map(|()| t.user_disabled),
        RowAction::Enable => app.set_account_disabled(&who, id, false, &meta).await.map(|()| t.user_enabled),
        RowAction::ChangeRole => match fields.get("role").and_then(|r| r.parse::<Role>().ok()) {
            Some(role) => app.change_role(&who, id, role, &meta).await.map(|()| t.user_role_changed),
            None => {
                Err(AppError::Fields(vec![skillbase_app::FieldError::new("role", "role_invalid", t.err_role_required)]))
            }
        },
        RowAction::ResetTotp => app.reset_totp(&who, id, &meta).await.map(|()| t.user_totp_reset),
        RowAction::EndSessions => app.end_sessions(&who, id, &meta).await.map(|_| t.user_sessions_ended),
        RowAction::ResetPassword => match app.reset_password(&who, id, &meta).await {
            Ok(password) => {
                let outcome = Outcome {
                    notice: Some(t.user_password_reset.replace("{username}", &username)),
                    one_time: Some(OneTime {
                        username: username.clone(),
                        password: password.expose_secret().to_owned(),
                    }),
                    errors: Vec::new(),
                };
                return users_page(&state, page, &who, empty_account_form(t), outcome, StatusCode::OK).await;
            }
            Err(error) => Err(error),
        },
    }
    .map(|text| Outcome { notice: Some(text.replace("{username}", &username)), ..Outcome::default() });
    let (outcome, status) = match done {
        Ok(outcome) => (outcome, StatusCode::OK),
        Err(error) => match refusal(t, error) {
            Ok((status, errors)) => (Outcome { errors, ..Outcome::default() }, status),
            Err(error) => return PageError::from_app(page, error).into_response(),
        },
    };
    users_page(&state, page, &who, empty_account_form(t), outcome, status).await
}

/// `POST /admin/users/{id}/disable`.
pub async fn disable_user(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::Disable).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable_user(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::Enable).await
}

/// `POST /admin/users/{id}/role` (role).
pub async fn change_role(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::ChangeRole).await
}

/// `POST /admin/users/{id}/reset-password`: shows the new one-time password once.
pub async fn reset_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::ResetPassword).await
}

/// `POST /admin/users/{id}/reset-totp`.
pub async fn reset_totp(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::ResetTotp).await
}

/// `POST /admin/users/{id}/end-sessions`: every session of the account ends now.
pub async fn end_sessions(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    row_action(state, meta, id, post, RowAction::EndSessions).await
}

// ---------------------------------------------------------------------------------------------
// 安全设置

fn setting_label(t: &'static Texts, name: &str) -> &'static str {
    match name {
        "password_min_length" => t.set_password_min_length,
        "password_min_classes" => t.set_password_min_classes,
        "password_max_age_days" => t.set_password_max_age_days,
        "max_failed_logins" => t.set_max_failed_logins,
        "lockout_minutes" => t.set_lockout_minutes,
        "idle_timeout_minutes" => t.set_idle_timeout_minutes,
        _ => t.set_session_lifetime_hours,
    }
}

fn range_text(t: &Texts, min: i64, max: i64) -> String {
    t.setting_range.replace("{min}", &min.to_string()).replace("{max}", &max.to_string())
}

/// The settings form, filled with `value(name)`.
fn setting_fields(t: &'static Texts, value: impl Fn(&str) -> String) -> Vec<Input> {
    BOUNDS
        .iter()
        .map(|&(name, min, max)| {
            Input::number(name, setting_label(t, name), (min, max)).value(&value(name)).hint(range_text(t, min, max))
        })
        .collect()
}

fn current_value(settings: &SecuritySettings, name: &str) -> String {
    match name {
        "password_min_length" => settings.password_min_length.to_string(),
        "password_min_classes" => settings.password_min_classes.to_string(),
        "password_max_age_days" => settings.password_max_age_days.to_string(),
        "max_failed_logins" => settings.max_failed_logins.to_string(),
        "lockout_minutes" => settings.lockout_minutes.to_string(),
        "idle_timeout_minutes" => settings.idle_timeout_minutes.to_string(),
        _ => settings.session_lifetime_hours.to_string(),
    }
}

#[derive(Template)]
#[template(path = "admin_security.html")]
struct SecurityPage {
    page: Page,
    fields: Vec<Input>,
    require_second_factor: bool,
    saved: bool,
    /// The unlock form (a username).
    form: Form,
    unlocked: Option<String>,
    /// May this account unlock usernames (the policy's `UnlockAccounts`)?
    may_unlock: bool,
}

impl SecurityPage {
    fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

fn unlock_form(t: &'static Texts, username: &str) -> Form {
    Form::new(vec![Group {
        legend: None,
        fields: vec![
            Input::new("username", t.username, Control::Text)
                .value(username)
                .hint(t.unlock_hint)
                .verbatim("none")
                .maxlength(64),
        ],
    }])
}

fn may_unlock(who: &Authenticated) -> bool {
    matches!(decide(Some(who.role), Action::UnlockAccounts), Decision::Allow(_))
}

/// The settings form with the settings in force.
async fn settings_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    form: Form,
    unlocked: Option<String>,
    status: StatusCode,
) -> Response {
    let settings = or_error_page!(state.app.security_settings().await, page);
    let template = SecurityPage {
        fields: setting_fields(page.t, |name| current_value(&settings, name)),
        require_second_factor: settings.require_second_factor,
        saved: false,
        form,
        unlocked,
        may_unlock: may_unlock(who),
        page: page.clone(),
    };
    respond(status, &page, &template)
}

/// `GET /admin/security`.
pub async fn security(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let form = unlock_form(page.t, "");
    settings_page(&state, page, &who, form, None, StatusCode::OK).await
}

/// `POST /admin/security`: every setting at once; each out of its bounds is said beside it.
pub async fn change_security(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let mut inputs = setting_fields(t, |name| fields.get(name).unwrap_or_default().trim().to_owned());
    let require_second_factor = fields.get("require_second_factor").is_some();
    let number =
        |name: &str| -> Option<i64> { inputs.iter().find(|f| f.name == name).and_then(|f| f.value.parse().ok()) };
    let parsed = (|| {
        Some(SecuritySettings {
            password_min_length: usize::try_from(number("password_min_length")?).ok()?,
            password_min_classes: usize::try_from(number("password_min_classes")?).ok()?,
            password_max_age_days: u32::try_from(number("password_max_age_days")?).ok()?,
            max_failed_logins: number("max_failed_logins")?,
            lockout_minutes: number("lockout_minutes")?,
            idle_timeout_minutes: number("idle_timeout_minutes")?,
            session_lifetime_hours: number("session_lifetime_hours")?,
            require_second_factor,
        })
    })();
    let mut saved = false;
    match parsed {
        None => {
            // Not a whole number (or a negative count): said beside each such field, and beside
            // each number out of its bounds too, so that one post shows every mistake.
            for field in &mut inputs {
                let (min, max) = field.range().unwrap_or_default();
                if !field.value.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)) {
                    field.error = Some(range_text(t, min, max));
                }
            }
        }
        Some(settings) => match state.app.change_security_settings(&who, &settings, &meta).await {
            Ok(()) => saved = true,
            Err(AppError::Fields(errors)) => {
                for error in errors {
                    if let Some(field) = inputs.iter_mut().find(|f| f.name == error.field) {
                        let text = if error.code == "setting_out_of_range" {
                            let (min, max) = field.range().unwrap_or_default();
                            range_text(t, min, max)
                        } else {
                            t.field_error(error.code, error.message)
                        };
                        field.error.get_or_insert(text);
                    }
                }
            }
            Err(error) => return PageError::from_app(page, error).into_response(),
        },
    }
    if let Some(first) = inputs.iter_mut().find(|f| f.error.is_some()) {
        first.autofocus = true;
    }
    let status = if saved { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let template = SecurityPage {
        fields: inputs,
        require_second_factor,
        saved,
        form: unlock_form(t, ""),
        unlocked: None,
        may_unlock: may_unlock(&who),
        page: page.clone(),
    };
    respond(status, &page, &template)
}

/// `POST /admin/security/unlock` (username): lifts the lock after repeated failed sign-ins.
pub async fn unlock(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let username = fields.get("username").unwrap_or_default().trim().to_owned();
    let mut form = unlock_form(t, &username);
    if username.is_empty() {
        form.set_error("username", t.err_username_required.to_owned());
    } else {
        let found = match state.app.accounts().await {
            Ok(users) => users.into_iter().find(|u| u.username == username),
            Err(error) => return PageError::from_app(page, error).into_response(),
        };
        match found {
            None => form.set_error("username", t.account_not_found.to_owned()),
            Some(user) => match state.app.unlock_account(&who, user.id, &meta).await {
                Ok(()) => {
                    let unlocked = Some(t.unlocked.replace("{username}", &username));
                    return settings_page(&state, page, &who, unlock_form(t, ""), unlocked, StatusCode::OK).await;
                }
                Err(error) => match refusal(t, error) {
                    Ok((_, errors)) => errors.into_iter().for_each(|e| form.set_error("username", e)),
                    Err(error) => return PageError::from_app(page, error).into_response(),
                },
            },
        }
    }
    form.focus_first_error();
    settings_page(&state, page, &who, form, None, StatusCode::BAD_REQUEST).await
}

// ---------------------------------------------------------------------------------------------
// 申报单位

#[derive(Debug)]
struct OrganizationRow {
    uscc: String,
    name: String,
    kind: &'static str,
    accounts: i64,
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct OrganizationsPage {
    page: Page,
    rows: Vec<OrganizationRow>,
}

/// `GET /admin/organizations`: every registered organisation.
pub async fn organizations(State(state): State<AppState>, page: Page) -> Response {
    let t = page.t;
    match state.app.organizations().await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|(org, accounts)| OrganizationRow {
                    kind: match org.kind.as_str() {
                        "enterprise" => t.kind_enterprise,
                        "vocational_college" => t.kind_vocational_college,
                        _ => t.kind_social_organization,
                    },
                    uscc: org.uscc,
                    name: org.name,
                    accounts,
                })
                .collect();
            respond(StatusCode::OK, &page, &OrganizationsPage { page: page.clone(), rows })
        }
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}
