//! The open calls for applications (`/calls`) and starting an application.

use super::*;

// ---------------------------------------------------------------------------------------------
// Calls for applications

#[derive(Debug)]
pub(super) struct CallRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) year: i64,
    pub(super) opens: String,
    pub(super) closes: String,
    pub(super) quota: i64,
    pub(super) state: String,
    pub(super) accepting: bool,
    pub(super) can_apply: bool,
    pub(super) existing: Option<Existing>,
}

/// The organisation's live application in a call.
#[derive(Debug)]
pub(super) struct Existing {
    pub(super) id: String,
    pub(super) status: &'static str,
}

#[derive(Template)]
#[template(path = "applicant/calls.html")]
pub(super) struct CallsPage {
    pub(super) page: Page,
    pub(super) calls: Vec<CallRow>,
    pub(super) signed_out: bool,
    pub(super) error: Option<String>,
}

pub(super) async fn calls_page(
    state: &AppState,
    page: Page,
    who: Option<&Authenticated>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let batches = or_error_page!(state.app.batches(who).await, page);
    let applicant = who.filter(|w| w.role == Role::Applicant);
    let live = match applicant {
        Some(who) => match state.app.every_application(who, None, None).await {
            Ok(all) => all
                .into_iter()
                .filter(|a| !matches!(a.status, Status::Withdrawn | Status::NotAccepted | Status::Lapsed))
                .collect(),
            Err(error) => return error_page(page, error),
        },
        None => Vec::new(),
    };
    let now = state.app.now();
    let calls = batches
        .iter()
        .filter(|b| b.status != BatchStatus::Draft)
        .map(|b| {
            let window = b.window.state(now);
            let state = match (b.status, window) {
                (BatchStatus::Open, WindowState::Open) => "正在受理".to_owned(),
                (BatchStatus::Open, WindowState::NotYetOpen) => "尚未开始".to_owned(),
                (BatchStatus::Open | BatchStatus::Closed, _) => "已截止".to_owned(),
                (other, _) => format!("已截止（{}）", other.label()),
            };
            let existing = live
                .iter()
                .find(|a| a.batch_id == b.id)
                .map(|a| Existing { id: a.id.to_string(), status: a.status.applicant_label() });
            CallRow {
                id: b.id.to_string(),
                title: b.title.clone(),
                year: b.year,
                opens: cn_date(b.window.opens_on()),
                closes: cn_date(b.window.closes_on()),
                quota: b.quota,
                state,
                accepting: b.status == BatchStatus::Open && window == WindowState::Open,
                can_apply: applicant.is_some()
                    && existing.is_none()
                    && b.status == BatchStatus::Open
                    && window != WindowState::Closed,
                existing,
            }
        })
        .collect();
    let template = CallsPage { calls, signed_out: who.is_none(), error, page };
    respond(status, &template.page.clone(), &template)
}

/// `GET /calls`: the published calls for applications.
pub(super) async fn calls(State(state): State<AppState>, page: Page, MaybeSignedIn(who): MaybeSignedIn) -> Response {
    calls_page(&state, page, who.as_ref(), None, StatusCode::OK).await
}

/// `POST /applications` (batch): starts a draft in a call and opens its first step.
pub(super) async fn start(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(batch) = fields.get("batch").and_then(parse_id::<BatchId>) else {
        return calls_page(&state, page, Some(&who), Some("请选择申报批次".to_owned()), StatusCode::BAD_REQUEST).await;
    };
    let message = match state.app.create_application(&who, batch, &meta).await {
        Ok(id) => return Redirect::to(&format!("/applications/{id}/edit/profile")).into_response(),
        Err(AppError::Fields(errors)) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"),
        Err(AppError::Invalid { message, .. }) => message,
        Err(AppError::NotFound(what)) => what.to_owned(),
        Err(error) => return error_page(page, error),
    };
    calls_page(&state, page, Some(&who), Some(message), StatusCode::BAD_REQUEST).await
}
