//! Every route, with the policy action it performs. The router is built from this table only,
//! so a route cannot exist without a declared action; `enforce` consults the policy before the
//! handler runs (deny by default), and the route × role test walks the same table.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use skillbase_domain::access::{self, Action, Decision, Rule};

use crate::error::{ApiError, PageError};
use crate::session::{ClientIp, client_ip, session_token};
use crate::{AppState, api, assets, health, metrics, openapi, pages};

/// One route: where, how, what it does, and its handler.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
    pub handler: MethodRouter<AppState>,
}

pub(crate) fn route(method: Method, path: &'static str, action: Action, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, action, handler }
}

/// The whole table: the pages (`pages::routes`) and everything else.
pub fn table() -> Vec<Route> {
    let mut table = pages::routes();
    table.extend(other_routes());
    table
}

fn other_routes() -> Vec<Route> {
    use Action::*;
    vec![
        route(Method::GET, "/static/app.css", ReadPublic, get(assets::app_css)),
        route(Method::GET, "/static/htmx.min.js", ReadPublic, get(assets::htmx_js)),
        route(Method::GET, "/healthz", ReadPublic, get(health::healthz)),
        route(Method::GET, "/readyz", ReadPublic, get(health::readyz)),
        route(Method::GET, "/metrics", ReadPublic, get(metrics::render)),
        route(Method::GET, "/api/openapi.json", ReadPublic, get(openapi::document)),
        route(Method::GET, "/.well-known/skillbase-sm2.json", ReadPublic, get(api::audit::public_key)),
        route(Method::GET, "/api/v1/calendar/add-working-days", ReadPublic, get(api::calendar::add_working_days)),
        route(Method::POST, "/api/v1/organizations", RegisterOrganization, post(api::auth::register)),
        route(Method::GET, "/api/v1/organizations", ListOrganizations, get(api::users::organizations)),
        route(Method::POST, "/api/v1/organization-disputes", FileDispute, post(api::disputes::file_dispute)),
        route(Method::GET, "/api/v1/organization-disputes", ResolveDisputes, get(api::disputes::list_disputes)),
        route(Method::GET, "/api/v1/organization-disputes/{id}", ResolveDisputes, get(api::disputes::dispute)),
        route(
            Method::GET,
            "/api/v1/organization-disputes/{id}/licence",
            ResolveDisputes,
            get(api::disputes::dispute_licence),
        ),
        route(
            Method::POST,
            "/api/v1/organization-disputes/{id}/resolve",
            ResolveDisputes,
            post(api::disputes::resolve_dispute),
        ),
        route(Method::POST, "/api/v1/auth/login", SignIn, post(api::auth::login)),
        route(Method::POST, "/api/v1/auth/totp", SignIn, post(api::auth::login_totp)),
        route(Method::POST, "/api/v1/auth/logout", ManageOwnAccount, post(api::auth::logout)),
        route(Method::POST, "/api/v1/me/totp", ManageOwnAccount, post(api::auth::begin_totp)),
        route(Method::GET, "/api/v1/tokens", ManageOwnAccount, get(api::tokens::list)),
        route(Method::POST, "/api/v1/tokens", ManageOwnAccount, post(api::tokens::create)),
        route(Method::POST, "/api/v1/tokens/{id}/revoke", ManageOwnAccount, post(api::tokens::revoke)),
        route(Method::POST, "/api/v1/me/totp/confirm", ManageOwnAccount, post(api::auth::confirm_totp)),
        route(Method::GET, "/api/v1/me", ManageOwnAccount, get(api::auth::me)),
        route(Method::POST, "/api/v1/me/password", ManageOwnAccount, post(api::auth::change_password)),
        route(Method::POST, "/api/v1/me/reauth", ManageOwnAccount, post(api::auth::reauthenticate)),
        route(Method::GET, "/api/v1/organizations/{id}", ReadOrganization, get(api::users::organization)),
        route(Method::POST, "/api/v1/organizations/{id}/invitations", InviteColleague, post(api::users::invite)),
        route(Method::POST, "/api/v1/invitations/accept", AcceptInvitation, post(api::users::accept)),
        route(Method::GET, "/api/v1/users", ManageAccounts, get(api::users::list)),
        route(Method::POST, "/api/v1/users", ManageAccounts, post(api::users::create)),
        route(Method::POST, "/api/v1/users/{id}/disable", ManageAccounts, post(api::users::disable)),
        route(Method::POST, "/api/v1/users/{id}/enable", ManageAccounts, post(api::users::enable)),
        route(Method::POST, "/api/v1/users/{id}/role", ManageAccounts, post(api::users::change_role)),
        route(Method::POST, "/api/v1/users/{id}/reset-password", ManageAccounts, post(api::users::reset_password)),
        route(Method::POST, "/api/v1/users/{id}/reset-totp", ManageAccounts, post(api::users::reset_totp)),
        route(Method::POST, "/api/v1/users/{id}/end-sessions", ManageAccounts, post(api::users::end_sessions)),
        route(Method::POST, "/api/v1/users/{id}/unlock", UnlockAccounts, post(api::users::unlock)),
        route(Method::GET, "/api/v1/security-settings", ManageSecuritySettings, get(api::users::security_settings)),
        route(
            Method::PUT,
            "/api/v1/security-settings",
            ManageSecuritySettings,
            put(api::users::change_security_settings),
        ),
        route(Method::GET, "/api/v1/policies", ReadPublic, get(api::applications::policies)),
        route(Method::POST, "/api/v1/policies", ManagePolicies, post(api::applications::load_policy)),
        route(Method::GET, "/api/v1/batches", ReadPublic, get(api::applications::batches)),
        route(Method::POST, "/api/v1/batches", ManageBatches, post(api::applications::create_batch)),
        route(Method::POST, "/api/v1/batches/{id}/publish", ManageBatches, post(api::applications::publish_batch)),
        route(Method::POST, "/api/v1/batches/{id}/close", ManageBatches, post(api::applications::close_batch)),
        route(Method::GET, "/api/v1/applications", ReadApplication, get(api::applications::list)),
        route(Method::POST, "/api/v1/applications", DraftApplication, post(api::applications::create)),
        route(Method::GET, "/api/v1/applications/{id}", ReadApplication, get(api::applications::get)),
        route(Method::PUT, "/api/v1/applications/{id}", DraftApplication, put(api::applications::save)),
        route(Method::POST, "/api/v1/applications/{id}/submit", DraftApplication, post(api::applications::submit)),
        route(Method::POST, "/api/v1/applications/{id}/withdraw", DraftApplication, post(api::applications::withdraw)),
        route(Method::POST, "/api/v1/applications/{id}/accept", DecideAcceptance, post(api::applications::accept)),
        route(
            Method::POST,
            "/api/v1/applications/{id}/return",
            DecideAcceptance,
            post(api::applications::return_for_supplement),
        ),
        route(Method::POST, "/api/v1/applications/{id}/reject", DecideAcceptance, post(api::applications::reject)),
        route(Method::GET, "/api/v1/applications/{id}/timeline", ReadApplication, get(api::applications::timeline)),
        route(Method::GET, "/api/v1/applications/{id}/revisions", ReadApplication, get(api::applications::revisions)),
        route(
            Method::GET,
            "/api/v1/applications/{id}/eligibility",
            ReadApplication,
            get(api::applications::eligibility),
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/eligibility/conclude",
            DecideAcceptance,
            post(api::applications::conclude),
        ),
        route(
            Method::POST,
            "/api/v1/applications/{id}/eligibility/{clause}",
            DecideAcceptance,
            post(api::applications::decide),
        ),
        route(
            Method::GET,
            "/api/v1/applications/{id}/attachments",
            ReadApplication,
            get(api::applications::attachments),
        ),
        route(Method::POST, "/api/v1/applications/{id}/attachments", DraftApplication, post(api::applications::upload)),
        route(
            Method::DELETE,
            "/api/v1/applications/{id}/attachments/{attachment}",
            DraftApplication,
            axum::routing::delete(api::applications::remove_attachment),
        ),
        route(
            Method::PUT,
            "/api/v1/applications/{id}/attachments/{attachment}",
            DraftApplication,
            put(api::applications::replace_attachment),
        ),
        route(Method::GET, "/api/v1/attachments/{id}", ReadApplication, get(api::applications::download)),
        route(Method::GET, "/api/v1/notifications", ReadNotifications, get(api::applications::notifications)),
        route(
            Method::POST,
            "/api/v1/notifications/read",
            ReadNotifications,
            post(api::applications::read_notifications),
        ),
        route(Method::GET, "/api/v1/me/notifications", ManageOwnAccount, get(api::review::my_notifications)),
        route(Method::GET, "/api/v1/experts", ManageExperts, get(api::review::experts)),
        route(Method::PUT, "/api/v1/experts/{id}", ManageExperts, put(api::review::save_expert)),
        route(Method::POST, "/api/v1/applications/{id}/review", OrganizeReview, post(api::review::start_review)),
        route(Method::GET, "/api/v1/applications/{id}/review", ReadReview, get(api::review::review)),
        route(Method::POST, "/api/v1/applications/{id}/review/draw", OrganizeReview, post(api::review::draw_more)),
        route(Method::GET, "/api/v1/assignments", ReadAssignments, get(api::review::assignments)),
        route(Method::GET, "/api/v1/assignments/{id}", ReadAssignments, get(api::review::assignment)),
        route(
            Method::GET,
            "/api/v1/assignments/{id}/application",
            ScoreAssignment,
            get(api::review::assigned_application),
        ),
        route(
            Method::GET,
            "/api/v1/assignments/{id}/attachments/{attachment}",
            ScoreAssignment,
            get(api::review::assigned_attachment),
        ),
        route(Method::POST, "/api/v1/assignments/{id}/conflict", ScoreAssignment, post(api::review::declare)),
        route(Method::GET, "/api/v1/assignments/{id}/scores", ReadAssignments, get(api::review::scores)),
        route(Method::POST, "/api/v1/assignments/{id}/scores", ScoreAssignment, post(api::review::submit_score)),
        route(Method::POST, "/api/v1/assignments/{id}/reopen", OrganizeReview, post(api::review::reopen)),
        route(Method::POST, "/api/v1/assignments/{id}/withdraw", OrganizeReview, post(api::review::withdraw)),
        route(Method::POST, "/api/v1/assignments/{id}/remind", OrganizeReview, post(api::review::remind)),
        route(Method::GET, "/api/v1/batches/{id}/ranking", ReadReview, get(api::review::ranking)),
        route(Method::GET, "/api/v1/proposals", ReadReview, get(api::review::proposals)),
        route(Method::POST, "/api/v1/proposals", OrganizeReview, post(api::review::draft_proposal)),
        route(Method::GET, "/api/v1/proposals/{id}", ReadReview, get(api::review::proposal)),
        route(Method::POST, "/api/v1/proposals/{id}/approve", ApproveProposal, post(api::review::approve)),
        route(Method::POST, "/api/v1/proposals/{id}/send-back", ApproveProposal, post(api::review::send_back)),
        route(Method::GET, "/api/v1/public/notices", ReadPublic, get(api::notices::public_notices)),
        route(Method::GET, "/api/v1/public/notices/{id}", ReadPublic, get(api::notices::public_notice)),
        route(
            Method::POST,
            "/api/v1/public/notices/{id}/objections",
            FileObjection,
            post(api::notices::file_objection),
        ),
        route(Method::POST, "/api/v1/public/objections/lookup", FileObjection, post(api::notices::lookup_objection)),
        route(Method::GET, "/api/v1/public/bases", ReadPublic, get(api::notices::registry)),
        route(Method::GET, "/api/v1/public/verify/{number}", ReadPublic, get(api::notices::verify)),
        route(Method::GET, "/api/v1/notices", ReadNotices, get(api::notices::notices)),
        route(Method::POST, "/api/v1/notices", PublishNotice, post(api::notices::publish)),
        route(Method::GET, "/api/v1/notices/{id}", ReadNotices, get(api::notices::notice)),
        route(Method::POST, "/api/v1/notices/{id}/close", PublishNotice, post(api::notices::close)),
        route(Method::POST, "/api/v1/notices/{id}/conclude", ConcludeNotice, post(api::notices::conclude)),
        route(Method::GET, "/api/v1/notices/{id}/objections", ReadNotices, get(api::notices::objections)),
        route(Method::POST, "/api/v1/objections/{id}/investigate", HandleObjections, post(api::notices::investigate)),
        route(Method::POST, "/api/v1/objections/{id}/resolve", HandleObjections, post(api::notices::resolve)),
        route(Method::GET, "/api/v1/bases", ReadBase, get(api::notices::bases)),
        route(Method::GET, "/api/v1/bases/{id}", ReadBase, get(api::notices::base)),
        route(Method::GET, "/api/v1/bases/{id}/plaque", ReadBase, get(api::notices::plaque)),
        route(Method::GET, "/api/v1/funding-requests", ReadFunds, get(api::subsidy::requests)),
        route(Method::POST, "/api/v1/funding-requests", ManageFunding, post(api::subsidy::draft)),
        route(Method::GET, "/api/v1/funding-requests/candidates", ReadFunds, get(api::subsidy::candidates)),
        route(Method::GET, "/api/v1/funding-requests/{id}", ReadFunds, get(api::subsidy::request)),
        route(Method::POST, "/api/v1/funding-requests/{id}/approve", DecideFunding, post(api::subsidy::approve)),
        route(Method::POST, "/api/v1/funding-requests/{id}/reject", DecideFunding, post(api::subsidy::reject)),
        route(Method::GET, "/api/v1/bases/{id}/ledger", ReadBase, get(api::subsidy::ledger)),
        route(Method::POST, "/api/v1/bases/{id}/disbursements", ManageFunding, post(api::subsidy::disburse)),
        route(Method::POST, "/api/v1/bases/{id}/expenses", RecordExpense, post(api::subsidy::record_expense)),
        route(Method::GET, "/api/v1/expenses/{id}/receipt", ReadBase, get(api::subsidy::receipt)),
        route(Method::POST, "/api/v1/expenses/{id}/approve", ManageFunding, post(api::subsidy::approve_expense)),
        route(Method::POST, "/api/v1/expenses/{id}/query", ManageFunding, post(api::subsidy::query_expense)),
        route(Method::POST, "/api/v1/expenses/{id}/answer", RecordExpense, post(api::subsidy::answer_expense)),
        route(Method::POST, "/api/v1/expenses/{id}/reverse", ManageFunding, post(api::subsidy::reverse_expense)),
        route(Method::GET, "/api/v1/reports/funds", ReadFunds, get(api::subsidy::report)),
        route(Method::GET, "/api/v1/bases/{id}/training", ReadTraining, get(api::training::overview)),
        route(Method::GET, "/api/v1/bases/{id}/projects", ReadTraining, get(api::training::projects)),
        route(Method::POST, "/api/v1/bases/{id}/projects", RecordTraining, post(api::training::create_project)),
        route(Method::GET, "/api/v1/bases/{id}/classes", ReadTraining, get(api::training::classes)),
        route(Method::POST, "/api/v1/bases/{id}/classes", RecordTraining, post(api::training::create_class)),
        route(Method::GET, "/api/v1/bases/{id}/classes/{class}", ReadTraining, get(api::training::class)),
        route(Method::GET, "/api/v1/bases/{id}/trainees", ReadTraining, get(api::training::trainees)),
        route(Method::POST, "/api/v1/bases/{id}/trainees", RecordTraining, post(api::training::create_trainee)),
        route(Method::POST, "/api/v1/bases/{id}/trainees/search", ReadTraining, post(api::training::search_trainees)),
        route(Method::POST, "/api/v1/bases/{id}/trainees/import", RecordTraining, post(api::training::import_trainees)),
        route(Method::GET, "/api/v1/bases/{id}/imports/{import}", RecordTraining, get(api::training::import_status)),
        route(
            Method::GET,
            "/api/v1/bases/{id}/trainees/import/template",
            ReadTraining,
            get(api::training::trainees_template),
        ),
        route(Method::POST, "/api/v1/bases/{id}/classes/import", RecordTraining, post(api::training::import_classes)),
        route(
            Method::GET,
            "/api/v1/bases/{id}/classes/import/template",
            ReadTraining,
            get(api::training::classes_template),
        ),
        route(
            Method::POST,
            "/api/v1/bases/{id}/enrolments/import",
            RecordTraining,
            post(api::training::import_enrolments),
        ),
        route(
            Method::GET,
            "/api/v1/bases/{id}/enrolments/import/template",
            ReadTraining,
            get(api::training::enrolments_template),
        ),
        route(Method::GET, "/api/v1/bases/{id}/trainees/{trainee}", ReadTraining, get(api::training::trainee)),
        route(Method::POST, "/api/v1/bases/{id}/trainees/{trainee}/reveal", ReadTraining, post(api::training::reveal)),
        route(Method::GET, "/api/v1/bases/{id}/enrolments", ReadTraining, get(api::training::enrolments)),
        route(Method::POST, "/api/v1/bases/{id}/enrolments", RecordTraining, post(api::training::enrol)),
        route(
            Method::PUT,
            "/api/v1/bases/{id}/enrolments/{enrolment}",
            RecordTraining,
            put(api::training::update_enrolment),
        ),
        route(Method::GET, "/api/v1/bases/{id}/apprenticeships", ReadTraining, get(api::training::apprenticeships)),
        route(
            Method::POST,
            "/api/v1/bases/{id}/apprenticeships",
            RecordTraining,
            post(api::training::create_apprenticeship),
        ),
        route(
            Method::GET,
            "/api/v1/bases/{id}/apprenticeships/{pair}/agreement",
            ReadTraining,
            get(api::training::agreement),
        ),
        route(Method::GET, "/api/v1/bases/{id}/certification-filings", ReadTraining, get(api::certification::filings)),
        route(
            Method::POST,
            "/api/v1/bases/{id}/certification-filings",
            RecordTraining,
            post(api::certification::create_filing),
        ),
        route(Method::GET, "/api/v1/certification-filings/{filing}", ReadTraining, get(api::certification::filing)),
        route(
            Method::POST,
            "/api/v1/certification-filings/{filing}/decision",
            DecideCertification,
            post(api::certification::decide_filing),
        ),
        route(
            Method::GET,
            "/api/v1/bases/{id}/certification-sessions",
            ReadTraining,
            get(api::certification::sessions),
        ),
        route(
            Method::POST,
            "/api/v1/bases/{id}/certification-sessions",
            RecordTraining,
            post(api::certification::create_session),
        ),
        route(Method::GET, "/api/v1/certification-sessions/{session}", ReadTraining, get(api::certification::session)),
        route(
            Method::POST,
            "/api/v1/certification-sessions/{session}/decision",
            ReadTraining,
            post(api::certification::decide_session),
        ),
        route(
            Method::GET,
            "/api/v1/certification-sessions/{session}/results",
            ReadTraining,
            get(api::certification::results),
        ),
        route(
            Method::POST,
            "/api/v1/certification-sessions/{session}/results",
            RecordTraining,
            post(api::certification::put_result),
        ),
        route(
            Method::DELETE,
            "/api/v1/certification-sessions/{session}/results/{result}",
            RecordTraining,
            axum::routing::delete(api::certification::remove_result),
        ),
        route(Method::GET, "/api/v1/bases/{id}/certificates", ReadTraining, get(api::certification::certificates)),
        route(Method::GET, "/api/v1/certificates/{certificate}", ReadTraining, get(api::certification::certificate)),
        route(
            Method::POST,
            "/api/v1/certificates/{certificate}/decision",
            DecideCertification,
            post(api::certification::decide_certificate),
        ),
        route(Method::GET, "/api/v1/bases/{id}/competitions", ReadTraining, get(api::training::competitions)),
        route(Method::POST, "/api/v1/bases/{id}/competitions", RecordTraining, post(api::training::create_competition)),
        route(
            Method::GET,
            "/api/v1/bases/{id}/competitions/{competition}",
            ReadTraining,
            get(api::training::competition),
        ),
        route(
            Method::POST,
            "/api/v1/bases/{id}/competitions/{competition}/entries",
            RecordTraining,
            post(api::training::add_entry),
        ),
        route(Method::GET, "/api/v1/bases/{id}/incentives", ReadTraining, get(api::incentives::incentives)),
        route(Method::POST, "/api/v1/bases/{id}/incentives", RecordTraining, post(api::incentives::create_incentive)),
        route(Method::GET, "/api/v1/bases/{id}/incentives/summary", ReadTraining, get(api::incentives::summary)),
        route(Method::GET, "/api/v1/bases/{id}/incentives/{incentive}", ReadTraining, get(api::incentives::incentive)),
        route(
            Method::GET,
            "/api/v1/bases/{id}/incentives/{incentive}/document",
            ReadTraining,
            get(api::incentives::document),
        ),
        route(Method::GET, "/api/v1/reports/program", ReadProgram, get(api::program::program)),
        route(Method::GET, "/api/v1/public/program", ReadPublic, get(api::program::public_program)),
        route(Method::GET, "/api/v1/annual-reviews", RunAnnualReview, get(api::annual_review::campaigns)),
        route(Method::POST, "/api/v1/annual-reviews", RunAnnualReview, post(api::annual_review::open_campaign)),
        route(Method::GET, "/api/v1/annual-reviews/{campaign}", RunAnnualReview, get(api::annual_review::campaign)),
        route(
            Method::POST,
            "/api/v1/annual-reviews/{campaign}/close",
            RunAnnualReview,
            post(api::annual_review::close_campaign),
        ),
        route(
            Method::GET,
            "/api/v1/annual-reviews/{campaign}/reports",
            RunAnnualReview,
            get(api::annual_review::campaign_reports),
        ),
        route(Method::GET, "/api/v1/annual-reports", ReadAnnualReview, get(api::annual_review::reports)),
        route(Method::GET, "/api/v1/annual-reports/{report}", ReadAnnualReview, get(api::annual_review::report)),
        route(Method::PUT, "/api/v1/annual-reports/{report}", FileAnnualReport, put(api::annual_review::save_report)),
        route(
            Method::POST,
            "/api/v1/annual-reports/{report}/decision",
            ReadAnnualReview,
            post(api::annual_review::decide_report),
        ),
        route(Method::GET, "/api/v1/bases/{id}/recovery", ReadBase, get(api::annual_review::recovery)),
        route(Method::POST, "/api/v1/bases/{id}/recoveries", ManageFunding, post(api::annual_review::record_recovery)),
        route(Method::GET, "/api/v1/audit", ReadAudit, get(api::audit::list)),
        route(Method::GET, "/api/v1/audit/verify", VerifyAudit, get(api::audit::verify)),
        route(Method::GET, "/api/v1/audit/export.xlsx", ReadAudit, get(api::audit::export)),
    ]
}

/// The policy check in front of every handler. A signed-in user found here travels on to the
/// handler in the request's extensions, so the session is read once.
pub async fn enforce(State((state, action)): State<(AppState, Action)>, mut request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let ip = client_ip(request.headers(), peer, &state.trusted_proxies);
    if let Some(ip) = ip {
        request.extensions_mut().insert(ClientIp(ip));
        let kind = crate::limits::Request::of(request.method(), request.uri().path());
        if let Err(wait) = state.limits.check(action, kind, ip) {
            if !api {
                let mut response = refusal_page(request, &state, StatusCode::TOO_MANY_REQUESTS).await;
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.into());
                return response;
            }
            let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "请求过于频繁，请稍后再试");
            error.retry_after = Some(wait);
            return error.into_response();
        }
    }
    if access::rule(action) == Rule::Public {
        return next.run(request).await;
    }
    let next_path = request.uri().path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    let deny = |status: StatusCode, code: &str, message: &str| -> Response {
        if api {
            ApiError::new(status, code, message).into_response()
        } else if status == StatusCode::UNAUTHORIZED {
            // People are sent to the login page and brought back afterwards.
            let next: String = url_escape(&next_path);
            axum::response::Redirect::to(&format!("/login?next={next}")).into_response()
        } else if code == "password_change_required" {
            axum::response::Redirect::to("/account/password").into_response()
        } else if code == "second_factor_required" {
            axum::response::Redirect::to("/account").into_response()
        } else {
            PageError::new(crate::pages::Page::plain(), status).into_response()
        }
    };
    let bearer = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let token = session_token(request.headers(), state.secure_cookies).unwrap_or_default().to_owned();
    let found = match (&bearer, token.is_empty()) {
        // A personal API token (scripts, other systems).
        (Some(bearer), _) => state.app.authenticate_token(bearer).await,
        (None, false) => state.app.authenticate(&token).await,
        (None, true) => Ok(None),
    };
    let who = match found {
        Ok(who) => who,
        Err(error) => return ApiError::from(error).into_response(),
    };
    match access::decide(who.as_ref().map(|w| w.role), action) {
        Decision::Allow(scope) => {
            if let Some(who) = who {
                let (second_factor_missing, expired) = match state.app.obligations(&who).await {
                    Ok(obligations) => obligations,
                    Err(error) => return ApiError::from(error).into_response(),
                };
                if (who.user.must_change_password || expired) && action != Action::ManageOwnAccount {
                    return deny(StatusCode::FORBIDDEN, "password_change_required", "请先修改密码");
                }
                if second_factor_missing && action != Action::ManageOwnAccount {
                    return deny(StatusCode::FORBIDDEN, "second_factor_required", "请先绑定动态口令（TOTP）验证器");
                }
                request.extensions_mut().insert(who);
            }
            if let Some(scope) = scope {
                request.extensions_mut().insert(scope);
            }
            next.run(request).await
        }
        Decision::SignInRequired => deny(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录，或登录已过期"),
        // A person is told on a page in their language, with their own header.
        Decision::Deny if !api => refusal_page(request, &state, StatusCode::FORBIDDEN).await,
        Decision::Deny => deny(StatusCode::FORBIDDEN, "forbidden", "您的角色无权进行此操作"),
    }
}

/// The error page for `request`, framed for whoever sent it.
async fn refusal_page(request: Request, state: &AppState, status: StatusCode) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, _) = request.into_parts();
    let page = match crate::pages::Page::from_request_parts(&mut parts, state).await {
        Ok(page) => page,
        Err(never) => match never {},
    };
    PageError::new(page, status).into_response()
}

/// Percent-encodes everything but unreserved characters (for a `next=` parameter).
pub(crate) fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
