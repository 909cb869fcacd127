//! 归属争议 for staff: the disputes over a 统一社会信用代码 (`/bureau/disputes`, open ones
//! first by default), one dispute with both parties and the business licence, and the decision
//! form — transfer the organisation to the claimant, or refuse — with its reason.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use skillbase_app::AppError;
use skillbase_app::disputes::DisputeRecord;
use skillbase_app::disputes::DisputeView;
use skillbase_domain::access::Action;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::dispute::{DisputeDecision, DisputeStatus};
use skillbase_domain::ids::DisputeId;

use super::kit::{
    Choice, Control, Form, Group, Input, Pager, PathId, SignedInPost, Who, error_page, page_request, stored_file,
};
use super::{Page, respond};
use crate::AppState;
use crate::routes::{Route, route};
use axum::http::Method;
use axum::routing::{get, post};

pub(super) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/bureau/disputes", Action::ResolveDisputes, get(list)),
        route(Method::GET, "/bureau/disputes/{id}", Action::ResolveDisputes, get(one)),
        route(Method::GET, "/bureau/disputes/{id}/licence", Action::ResolveDisputes, get(licence)),
        route(Method::POST, "/bureau/disputes/{id}/resolve", Action::ResolveDisputes, post(resolve)),
    ]
}

fn kind_label(page: &Page, kind: &str) -> &'static str {
    match kind {
        "enterprise" => page.t.kind_enterprise,
        "vocational_college" => page.t.kind_vocational_college,
        _ => page.t.kind_social_organization,
    }
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&skillbase_domain::clock::shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

struct Row {
    id: String,
    uscc: String,
    status: &'static str,
    holder: String,
    claimant: String,
    filed_at: String,
}

fn row(d: &DisputeRecord) -> Row {
    Row {
        id: d.id.to_string(),
        uscc: d.uscc.clone(),
        status: d.status.label(),
        holder: d.holder_name.clone(),
        claimant: d.claimant_name.clone(),
        filed_at: local(d.filed_at),
    }
}

#[derive(Template)]
#[template(path = "bureau/disputes.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    pager: Pager,
    /// The status shown: `filed` by default, `all`, or another status code.
    shown: String,
    filters: Vec<(String, &'static str)>,
}

/// `GET /bureau/disputes?status=`: the open disputes by default.
pub async fn list(State(state): State<AppState>, Who(who): Who, page: Page, RawQuery(query): RawQuery) -> Response {
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let shown = params.get("status").filter(|s| !s.is_empty()).unwrap_or("filed").to_owned();
    let status = if shown == "all" { None } else { DisputeStatus::parse(&shown).or(Some(DisputeStatus::Filed)) };
    let request = page_request(&params);
    let found = match state.app.disputes(&who, status, &request).await {
        Ok(found) => found,
        Err(error) => return error_page(page, error),
    };
    let pager = Pager::of(&found, &page.path, &params);
    let mut filters: Vec<(String, &'static str)> =
        DisputeStatus::ALL.iter().map(|s| (s.code().to_owned(), s.label())).collect();
    filters.push(("all".to_owned(), "全部"));
    let rows = found.items.iter().map(row).collect();
    respond(StatusCode::OK, &page.clone(), &ListPage { page, rows, pager, shown, filters })
}

struct Party {
    name: String,
    kind: &'static str,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
}

#[derive(Template)]
#[template(path = "bureau/dispute.html")]
struct OnePage {
    page: Page,
    id: String,
    uscc: String,
    status: &'static str,
    open: bool,
    filed_at: String,
    claimant: Party,
    username: String,
    holder: Party,
    now: Party,
    licence_name: String,
    resolved_at: String,
    reason: String,
    form: Form,
}

fn decision_form(decision: &str, reason: &str) -> Form {
    let choices = DisputeDecision::ALL
        .iter()
        .map(|d| Choice { value: d.code().to_owned(), label: d.label().to_owned(), selected: d.code() == decision })
        .collect();
    Form::new(vec![Group {
        legend: Some("处理决定"),
        fields: vec![
            Input::new("decision", "决定", Control::Radios { choices }).hint(
                "转归：原注册账户停用、未使用的邀请作废，为申请方开立账户，单位信息改为申请方所填；驳回：不作变更",
            ),
            Input::new("reason", "处理理由", Control::Area { rows: 3 }).value(reason).maxlength(500),
        ],
    }])
}

fn one_page(page: Page, v: &DisputeView, form: Form) -> OnePage {
    let o = &v.organization;
    OnePage {
        id: v.id.to_string(),
        uscc: v.uscc.clone(),
        status: v.status.label(),
        open: v.status == DisputeStatus::Filed,
        filed_at: local(v.filed_at),
        claimant: Party {
            name: v.claimant_name.clone(),
            kind: kind_label(&page, &v.claimant_kind),
            contact_name: v.contact_name.clone(),
            contact_phone: v.contact_phone.clone(),
            contact_email: v.contact_email.clone().unwrap_or_default(),
        },
        username: v.username.clone(),
        holder: Party {
            name: v.holder_name.clone(),
            kind: kind_label(&page, &o.kind),
            contact_name: v.holder_contact_name.clone(),
            contact_phone: v.holder_contact_phone.clone(),
            contact_email: String::new(),
        },
        now: Party {
            name: o.name.clone(),
            kind: kind_label(&page, &o.kind),
            contact_name: o.contact_name.clone(),
            contact_phone: o.contact_phone.clone(),
            contact_email: o.contact_email.clone().unwrap_or_default(),
        },
        licence_name: v.licence_name.clone(),
        resolved_at: v.resolved_at.map(local).unwrap_or_default(),
        reason: v.reason.clone().unwrap_or_default(),
        form,
        page,
    }
}

/// `GET /bureau/disputes/{id}`.
pub async fn one(State(state): State<AppState>, Who(who): Who, page: Page, PathId(id): PathId<DisputeId>) -> Response {
    match state.app.dispute(&who, id).await {
        Ok(view) => {
            let template = one_page(page.clone(), &view, decision_form("", ""));
            respond(StatusCode::OK, &page, &template)
        }
        Err(error) => error_page(page, error),
    }
}

/// `GET /bureau/disputes/{id}/licence`: the business licence, as an attachment.
pub async fn licence(
    State(state): State<AppState>,
    Who(who): Who,
    page: Page,
    PathId(id): PathId<DisputeId>,
) -> Response {
    match state.app.dispute_licence(&who, id).await {
        Ok((name, kind, bytes)) => stored_file(&kind, &name, bytes),
        Err(error) => error_page(page, error),
    }
}

/// `POST /bureau/disputes/{id}/resolve`: the decision and its reason; back to the dispute.
pub async fn resolve(
    State(state): State<AppState>,
    meta: crate::session::Meta,
    PathId(id): PathId<DisputeId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let decision = fields.get("decision").unwrap_or_default().to_owned();
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let outcome = match DisputeDecision::parse(&decision) {
        Some(d) => state.app.resolve_dispute(&who, id, d, &reason, &meta.0).await.map(|_| ()),
        None => Err(AppError::Fields(vec![skillbase_app::FieldError::new(
            "decision",
            "decision_required",
            "请选择转归或驳回",
        )])),
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/bureau/disputes/{id}")).into_response(),
        Err(error) => {
            let (status, _) = crate::error::classify(&error);
            let mut form = decision_form(&decision, &reason);
            match error {
                AppError::Fields(errors) => form.set_errors(page.t, errors),
                AppError::WrongState { message } | AppError::Forbidden { message, .. } => form.errors.push(message),
                AppError::Conflict { .. } => form.errors.push("该归属争议刚被他人处理过，请查看最新状态。".to_owned()),
                error => return error_page(page, error),
            }
            form.focus_first_error();
            match state.app.dispute(&who, id).await {
                Ok(view) => {
                    let template = one_page(page.clone(), &view, form);
                    respond(status, &page, &template)
                }
                Err(error) => error_page(page, error),
            }
        }
    }
}
