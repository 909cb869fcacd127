//! The public portal's pages. Identity screens (login, account, registration) are in
//! `identity`; what every page is built from (inputs, posts, refusals) in `kit`.

mod admin;
mod annual_review;
mod applicant;
mod application_view;
mod audit;
mod bureau;
mod disputes;
mod identity;
pub(crate) use identity::reauth_for_post;
pub(crate) mod kit;
mod notices;
mod program;
mod review;
mod subsidy;
mod tokens;
mod training;
mod workbench;

use askama::Template;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use skillbase_app::AppError;
use skillbase_app::auth::Authenticated;
use skillbase_domain::CalendarError;
use skillbase_domain::calendar::DayKind;
use std::convert::Infallible;

use axum::http::Method;
use axum::routing::{get, post};
use skillbase_domain::access::Action;

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, Texts};
use crate::routes::{Route, route};

/// What every page's frame needs: the language, its texts, the current path (for the language
/// switch to come back to) and who is signed in (for the header).
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub t: &'static Texts,
    pub path: String,
    pub viewer: Option<Viewer>,
    /// The page this request came from (the `Referer`'s path on this site), to go back to.
    pub back: Option<String>,
    /// The form this request posted (its action and fields, never the CSRF token), so that a
    /// post refused for want of a recent sign-in can be sent again, as typed, once the
    /// password is given (SEC-08).
    pub posted: Option<Posted>,
}

/// A form post kept across re-authentication.
#[derive(Debug, Clone)]
pub struct Posted {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// The signed-in user as the page frame shows them: the name, and the CSRF token the sign-out
/// button (and every other form) carries.
#[derive(Clone)]
pub struct Viewer {
    pub display_name: String,
    pub csrf_token: String,
    /// What the navigation offers is decided from the role by the policy.
    pub role: skillbase_domain::roles::Role,
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer").field("display_name", &self.display_name).finish_non_exhaustive()
    }
}

impl Viewer {
    fn of(who: &Authenticated) -> Viewer {
        Viewer {
            display_name: who.user.display_name.clone(),
            csrf_token: who.session.csrf_token.clone(),
            role: who.role,
        }
    }

    /// The left-hand navigation of this viewer's role (`kit::nav`).
    pub fn side_nav(&self, t: &'static Texts) -> Vec<kit::nav::NavLink> {
        kit::nav::side_nav(self.role, t)
    }

    /// The breadcrumbs to `path` (`kit::nav`).
    pub fn crumbs(&self, t: &'static Texts, path: &str) -> Vec<(kit::nav::NavLink, bool)> {
        kit::nav::crumbs(self.role, t, path)
    }

    /// Is `path` within the section `href` (for `aria-current` in the navigation)?
    pub fn is_within(&self, path: &str, href: &str) -> bool {
        kit::nav::is_within(path, href)
    }
}

impl Page {
    /// The frame in the default language, when the request is not at hand.
    pub fn plain() -> Page {
        Page::signed_out(Lang::Zh, "/")
    }

    /// The frame in `lang` at `path`, shown as to the public (no session is read).
    pub fn signed_out(lang: Lang, path: &str) -> Page {
        Page { lang, t: lang.texts(), path: path.to_owned(), viewer: None, back: None, posted: None }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await?;
        let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
        // The API has no page frame: no session lookup for its 404s.
        let viewer = if is_api(&path) { None } else { kit::signed_in(parts, state).await.as_ref().map(Viewer::of) };
        let back = same_site_referer(&parts.headers);
        Ok(Page { lang, t: lang.texts(), path, viewer, back, posted: None })
    }
}

/// The path (and query) of the `Referer` when it is a page of this site.
fn same_site_referer(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let (_, rest) = referer.split_once("://")?;
    let path = rest.strip_prefix(host)?;
    kit::safe_next(Some(path)).map(str::to_owned)
}

/// The bureau's pages are for staff and leaders. Anyone else the policy lets through (an
/// organisation reading its own applications, an expert reading assignments) finds nothing there:
/// they have pages of their own.
fn bureau_reader(who: &Authenticated) -> bool {
    matches!(who.role, skillbase_domain::roles::Role::Staff | skillbase_domain::roles::Role::Leader)
}

/// May this viewer do `action` (the policy's answer)? What a page offers is decided from it.
fn allowed(who: &Authenticated, action: Action) -> bool {
    matches!(skillbase_domain::access::decide(Some(who.role), action), skillbase_domain::access::Decision::Allow(_))
}

/// Renders a page with a status, or the error page if it cannot be rendered.
fn respond(status: StatusCode, page: &Page, template: &impl Template) -> Response {
    match render(template) {
        Ok(html) => (status, html).into_response(),
        Err(error) => PageError::from_app(page.clone(), error).into_response(),
    }
}

/// A page that shows a secret must not be kept by the browser or a proxy.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template.render().map(Html).map_err(AppError::internal)
}

/// The working-day calculator's form, as typed, with its outcome.
#[derive(Debug, Default)]
pub struct CalcForm {
    start: String,
    days: String,
    start_error: Option<&'static str>,
    days_error: Option<&'static str>,
    sentence: String,
    end: Option<String>,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    today: String,
    today_kind: String,
    form: CalcForm,
}

#[derive(Template)]
#[template(path = "calc_fragment.html")]
struct CalcFragment {
    form: CalcForm,
}

fn long_date(lang: Lang, date: NaiveDate) -> String {
    let zh = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];
    let weekday = date.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => format!("{}年{}月{}日 {}", date.year(), date.month(), date.day(), zh[weekday]),
        Lang::En => date.format("%A, %-d %B %Y").to_string(),
    }
}

fn day_kind_text(t: &Texts, kind: Result<DayKind, CalendarError>) -> String {
    match kind {
        Ok(DayKind::Workday) => t.day_workday.to_owned(),
        Ok(DayKind::Weekend) => t.day_weekend.to_owned(),
        Ok(DayKind::Holiday { name }) => format!("{}（{name}）", t.day_holiday),
        Ok(DayKind::AdjustedWorkday { name }) => format!("{}（{name}）", t.day_adjusted),
        Err(_) => t.day_unknown.to_owned(),
    }
}

async fn home_page(state: &AppState, page: Page, form: CalcForm) -> Result<HomePage, AppError> {
    let today = state.app.clock.today();
    let calendar = state.app.working_calendar().await?;
    Ok(HomePage {
        today: long_date(page.lang, today),
        today_kind: day_kind_text(page.t, calendar.day_kind(today)),
        page,
        form,
    })
}

/// The pages' routes, each with its policy action (see `routes`).
pub(crate) fn routes() -> Vec<Route> {
    use Action::*;
    let mut table = vec![
        route(Method::GET, "/", ReadPublic, get(home)),
        route(Method::GET, "/tools/working-days", ReadPublic, get(working_days)),
        route(Method::GET, "/lang/{code}", ReadPublic, get(switch_language)),
        route(Method::GET, "/login", SignIn, get(identity::login_form)),
        route(Method::POST, "/login", SignIn, post(identity::login)),
        route(Method::GET, "/login/totp", SignIn, get(identity::totp_form)),
        route(Method::POST, "/login/totp", SignIn, post(identity::totp_login)),
        route(Method::GET, "/logout", ManageOwnAccount, get(identity::logout_form)),
        route(Method::POST, "/logout", ManageOwnAccount, post(identity::logout)),
        route(Method::GET, "/account", ManageOwnAccount, get(identity::account)),
        route(Method::POST, "/account/totp", ManageOwnAccount, post(identity::totp_begin)),
        route(Method::POST, "/account/totp/confirm", ManageOwnAccount, post(identity::totp_confirm)),
        route(Method::GET, "/account/password", ManageOwnAccount, get(identity::password_form)),
        route(Method::POST, "/account/password", ManageOwnAccount, post(identity::change_password)),
        route(Method::GET, "/account/reauth", ManageOwnAccount, get(identity::reauth_form)),
        route(Method::POST, "/account/reauth", ManageOwnAccount, post(identity::reauth)),
        route(Method::GET, "/register", RegisterOrganization, get(identity::register_form)),
        route(Method::POST, "/register", RegisterOrganization, post(identity::register)),
        route(Method::GET, "/register/dispute", FileDispute, get(identity::dispute_form)),
        route(Method::POST, "/register/dispute", FileDispute, post(identity::file_dispute)),
        route(Method::GET, "/account/tokens", ManageOwnAccount, get(tokens::list)),
        route(Method::POST, "/account/tokens", ManageOwnAccount, post(tokens::create)),
        route(Method::POST, "/account/tokens/{id}/revoke", ManageOwnAccount, post(tokens::revoke)),
        route(Method::GET, "/admin/users", ManageAccounts, get(admin::users)),
        route(Method::GET, "/admin/organizations", ListOrganizations, get(admin::organizations)),
        route(Method::POST, "/admin/users", ManageAccounts, post(admin::create_user)),
        route(Method::POST, "/admin/users/{id}/disable", ManageAccounts, post(admin::disable_user)),
        route(Method::POST, "/admin/users/{id}/enable", ManageAccounts, post(admin::enable_user)),
        route(Method::POST, "/admin/users/{id}/role", ManageAccounts, post(admin::change_role)),
        route(Method::POST, "/admin/users/{id}/reset-password", ManageAccounts, post(admin::reset_password)),
        route(Method::POST, "/admin/users/{id}/reset-totp", ManageAccounts, post(admin::reset_totp)),
        route(Method::POST, "/admin/users/{id}/end-sessions", ManageAccounts, post(admin::end_sessions)),
        route(Method::GET, "/admin/security", ManageSecuritySettings, get(admin::security)),
        route(Method::POST, "/admin/security", ManageSecuritySettings, post(admin::change_security)),
        route(Method::POST, "/admin/security/unlock", UnlockAccounts, post(admin::unlock)),
        route(Method::GET, "/audit", ReadAudit, get(audit::list)),
        route(Method::GET, "/audit/verify", VerifyAudit, get(audit::verify)),
        route(Method::GET, "/workbench", ReadWorkbench, get(workbench::workbench)),
        route(Method::POST, "/workbench/messages/read", ManageOwnAccount, post(workbench::read_messages)),
        route(Method::GET, "/bureau", ReadWorkbench, get(workbench::bureau)),
        route(Method::GET, "/bureau/", ReadWorkbench, get(workbench::bureau)),
    ];
    table.extend(applicant::routes());
    table.extend(bureau::routes());
    table.extend(disputes::routes());
    table.extend(review::routes());
    table.extend(notices::routes());
    table.extend(subsidy::routes());
    table.extend(training::routes());
    table.extend(annual_review::routes());
    table.extend(program::routes());
    table
}

/// `GET /`: the public portal; someone signed in goes to their workbench.
pub async fn home(State(state): State<AppState>, page: Page) -> Response {
    if page.viewer.is_some() {
        return Redirect::to("/workbench").into_response();
    }
    match home_page(&state, page.clone(), CalcForm::default()).await.and_then(|p| render(&p)) {
        Ok(html) => html.into_response(),
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}

/// `GET /tools/working-days?start=&days=`: the calculator. htmx asks for the result fragment;
/// without JavaScript the whole page comes back with the form filled in.
pub async fn working_days(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let mut form = CalcForm {
        start: params.get("start").unwrap_or_default().to_owned(),
        days: params.get("days").unwrap_or_default().to_owned(),
        ..CalcForm::default()
    };
    let mut status = StatusCode::OK;
    match crate::api::calendar::parse_input(params.get("start"), params.get("days")) {
        Ok((start, days)) => match state.app.add_working_days(start, days).await {
            Ok(end) => {
                form.sentence = match page.lang {
                    Lang::Zh => format!("自 {start} 起第 {days} 个工作日为 "),
                    Lang::En => format!("Working day {days} counted from {start} is "),
                };
                form.end = Some(long_date(page.lang, end));
            }
            Err(AppError::Calendar(CalendarError::YearUnknown { .. })) => {
                form.error = Some(page.t.err_year_unknown);
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(error) => return PageError::from_app(page, error).into_response(),
        },
        Err(problems) => {
            for problem in problems {
                match problem.field.as_str() {
                    "start" => form.start_error = Some(page.t.err_date),
                    _ => form.days_error = Some(page.t.err_days),
                }
            }
            form.error = form.start_error.or(form.days_error);
            status = StatusCode::BAD_REQUEST;
        }
    }
    let rendered = if headers.contains_key("hx-request") {
        // htmx swaps only 2xx responses: the error is in the fragment itself.
        status = StatusCode::OK;
        render(&CalcFragment { form })
    } else {
        match home_page(&state, page.clone(), form).await {
            Ok(home) => render(&home),
            Err(error) => Err(error),
        }
    };
    match rendered {
        Ok(html) => (status, html).into_response(),
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}

/// `GET /lang/{code}?next=/path`: remembers the language and goes back.
pub async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    page: Page,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PageError::new(page, StatusCode::NOT_FOUND).into_response();
    };
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    // Only a local path: never an open redirect to another site.
    let next = kit::safe_next(params.get("next")).unwrap_or("/");
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response()
}

/// Anything not routed: a problem under `/api`, a page elsewhere.
pub async fn not_found(page: Page) -> Response {
    if is_api(&page.path) {
        crate::error::ApiError::not_found().into_response()
    } else {
        PageError::new(page, StatusCode::NOT_FOUND).into_response()
    }
}

pub async fn method_not_allowed(page: Page) -> Response {
    if is_api(&page.path) {
        crate::error::ApiError::method_not_allowed().into_response()
    } else {
        PageError::new(page, StatusCode::METHOD_NOT_ALLOWED).into_response()
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path.starts_with("/api?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_both_languages() {
        let date = NaiveDate::from_ymd_opt(2024, 10, 11).expect("date");
        assert_eq!(long_date(Lang::Zh, date), "2024年10月11日 星期五");
        assert_eq!(long_date(Lang::En, date), "Friday, 11 October 2024");
    }
}
