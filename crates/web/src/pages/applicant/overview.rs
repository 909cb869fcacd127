//! The overview of one application, its submission and withdrawal.

use super::*;

// ---------------------------------------------------------------------------------------------
// The overview, submission and withdrawal

#[derive(Debug)]
pub(super) struct CheckStep {
    pub(super) slug: &'static str,
    pub(super) title: &'static str,
    pub(super) items: Vec<Line>,
}

#[derive(Debug)]
pub(super) struct ReturnLine {
    pub(super) what: String,
    pub(super) reason: String,
    pub(super) href: Option<String>,
}

#[derive(Debug)]
pub(super) struct ReturnInfo {
    pub(super) due: Option<String>,
    pub(super) items: Vec<ReturnLine>,
}

#[derive(Debug)]
pub(super) struct EligibilityRow {
    pub(super) clause: String,
    pub(super) result: &'static str,
    pub(super) class: &'static str,
    pub(super) explanation: String,
}

#[derive(Debug)]
pub(super) struct EventRow {
    pub(super) at: String,
    pub(super) action: String,
    pub(super) status: String,
    pub(super) note: String,
}

#[derive(Template)]
#[template(path = "applicant/overview.html")]
pub(super) struct OverviewPage {
    pub(super) page: Page,
    pub(super) app: Summary,
    pub(super) applicant: bool,
    pub(super) editable: bool,
    pub(super) can_submit: bool,
    pub(super) resubmit: bool,
    pub(super) can_withdraw: bool,
    pub(super) checklist: Vec<CheckStep>,
    pub(super) complete: bool,
    pub(super) returned: Option<ReturnInfo>,
    pub(super) eligibility: Vec<EligibilityRow>,
    pub(super) timeline: Vec<EventRow>,
    pub(super) files: Vec<FileRow>,
    pub(super) upload: Option<UploadBox>,
    pub(super) notice: Option<&'static str>,
    pub(super) error: Option<String>,
    pub(super) submit_errors: Vec<Line>,
    pub(super) withdraw: Reason,
}

/// What an overview says besides the application itself.
#[derive(Debug, Default)]
pub(super) struct Extra {
    pub(super) notice: Option<&'static str>,
    pub(super) error: Option<String>,
    pub(super) submit_errors: Vec<FieldError>,
    pub(super) withdraw: Reason,
    pub(super) upload_error: Option<String>,
}

/// The reasons of the last return for supplement (the timeline event's `items` and `due_on`).
pub(super) fn return_info(id: ApplicationId, detail: &str, ctx: &Ctx) -> ReturnInfo {
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let items = detail["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let field = item["field"].as_str().unwrap_or_default();
                    let detail = item["detail"].as_str().unwrap_or_default();
                    let step = Step::of_field(field);
                    let part = if detail.is_empty() { field } else { detail };
                    ReturnLine {
                        what: step.map_or_else(|| field.to_owned(), |s| format!("{}（{part}）", s.title())),
                        reason: item["reason"].as_str().unwrap_or_default().to_owned(),
                        href: fix_href(id, field, &ctx.view.form, &ctx.policy),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let due = detail["due_on"].as_str().map(|d| format!("{} 24 时", cn_date_text(d)));
    ReturnInfo { due, items }
}

pub(super) async fn overview_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    ctx: Ctx,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let id = ctx.view.id;
    let applicant = who.role == Role::Applicant;
    let editable = ctx.view.status.is_editable();
    let missing = if editable { or_error_page!(state.app.missing_parts(&ctx.view).await, page) } else { Vec::new() };
    let events = or_error_page!(state.app.timeline(who, id).await, page);
    let judged = !matches!(ctx.view.status, Status::Draft | Status::Submitted | Status::Returned | Status::Resubmitted);
    let trace = if judged { or_error_page!(state.app.eligibility_trace(who, id).await, page) } else { Vec::new() };
    let checklist: Vec<CheckStep> = if editable {
        Step::ALL
            .into_iter()
            .map(|step| CheckStep {
                slug: step.slug(),
                title: step.title(),
                items: missing
                    .iter()
                    .filter(|m| Step::of_field(&m.field) == Some(step))
                    .map(|m| Line {
                        message: m.message.clone(),
                        href: fix_href(id, &m.field, &ctx.view.form, &ctx.policy),
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let eligibility = trace
        .into_iter()
        .map(|t| {
            let title = ctx.policy.clause(&t.item.clause).map(|c| c.title().to_owned()).unwrap_or_default();
            let passed = match t.item.decided.as_deref() {
                Some("pass") => Some(true),
                Some("fail") => Some(false),
                _ => None,
            };
            EligibilityRow {
                clause: format!("{}（{title}）", t.citation),
                result: match passed {
                    Some(true) => "符合",
                    Some(false) => "不符合",
                    None => "审查中",
                },
                class: match passed {
                    Some(true) => "result-pass",
                    Some(false) => "result-fail",
                    None => "",
                },
                // Never the bureau's own wording or reasons: the applicant's explanation only.
                explanation: t.result.applicant_explanation,
            }
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| {
            let action = application::Action::parse(&e.action);
            EventRow {
                at: local_time(e.at),
                action: action.map_or_else(|| e.action.clone(), |a| a.label().to_owned()),
                status: Status::parse(&e.to_status).map_or_else(String::new, |s| status_label(who, s).to_owned()),
                note: e.note.clone(),
            }
        })
        .collect();
    let last_return = events.iter().rev().find(|e| e.action == application::Action::Return.as_str());
    let returned =
        last_return.filter(|_| ctx.view.status == Status::Returned).map(|e| return_info(id, &e.detail, &ctx));
    let submit_errors = extra
        .submit_errors
        .iter()
        .map(|e| Line { message: e.message.clone(), href: fix_href(id, &e.field, &ctx.view.form, &ctx.policy) })
        .collect();
    let can_withdraw = applicant
        && application::transition(
            ctx.view.status,
            application::Action::Withdraw,
            application::Actor::Person(Role::Applicant),
        )
        .is_ok();
    let template = OverviewPage {
        app: summary_of(who, &ctx.view),
        applicant,
        editable: editable && applicant,
        can_submit: editable && applicant,
        resubmit: ctx.view.status == Status::Returned,
        can_withdraw,
        complete: checklist.iter().all(|c| c.items.is_empty()),
        checklist,
        returned,
        eligibility,
        timeline,
        files: file_rows(id, &ctx.files, (editable && applicant).then_some(format!("/applications/{id}").as_str())),
        upload: (editable && applicant)
            .then(|| UploadBox::new(id, format!("/applications/{id}"), &ctx.policy, extra.upload_error)),
        notice: extra.notice,
        error: extra.error,
        submit_errors,
        withdraw: extra.withdraw,
        page,
    };
    respond(status, &template.page.clone(), &template)
}

/// `GET /applications/{id}`.
pub(super) async fn overview(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
    RawQuery(query): RawQuery,
) -> Response {
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let notice = match params.get("done") {
        Some("submitted") => Some("申报已提交，区人社局受理后会通知您。"),
        Some("withdrawn") => Some("申报已撤回。"),
        Some("saved") => Some("已保存。请核对申报材料清单，齐全后即可提交。"),
        _ if params.get("uploaded").is_some() => Some("文件已上传。"),
        _ if params.get("removed").is_some() => Some("附件已删除。"),
        _ if params.get("replaced").is_some() => Some("附件已替换，申报表中引用它的地方已改为新文件。"),
        _ => None,
    };
    overview_page(&state, page, &who, ctx, Extra { notice, ..Extra::default() }, StatusCode::OK).await
}

/// `POST /applications/{id}/submit`: submits (or, after a return, resubmits); a refusal lists
/// every missing part, each linking to where it is filled in.
pub(super) async fn submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let (extra, status) = match state.app.submit_application(&who, id, &meta).await {
        Ok(_) => return Redirect::to(&format!("/applications/{id}?done=submitted")).into_response(),
        Err(AppError::Fields(errors)) => (Extra { submit_errors: errors, ..Extra::default() }, StatusCode::BAD_REQUEST),
        Err(AppError::WrongState { message }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid { message, .. }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::BAD_REQUEST)
        }
        Err(AppError::Conflict { .. }) => {
            (Extra { error: Some(CONFLICT.to_owned()), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(error) => return error_page(page, error),
    };
    match context(&state, &who, id).await {
        Ok(ctx) => overview_page(&state, page, &who, ctx, extra, status).await,
        Err(error) => error_page(page, error),
    }
}

/// `POST /applications/{id}/withdraw` (reason, optional).
pub(super) async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let (extra, status) = match state.app.withdraw_application(&who, id, &reason, &meta).await {
        Ok(_) => return Redirect::to(&format!("/applications/{id}?done=withdrawn")).into_response(),
        Err(AppError::Fields(errors)) => {
            let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；");
            (Extra { withdraw: Reason::new(reason, Some(message)), ..Extra::default() }, StatusCode::BAD_REQUEST)
        }
        Err(AppError::WrongState { message }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid { message, .. }) => {
            (Extra { error: Some(message), ..Extra::default() }, StatusCode::BAD_REQUEST)
        }
        Err(AppError::Conflict { .. }) => {
            (Extra { error: Some(CONFLICT.to_owned()), ..Extra::default() }, StatusCode::CONFLICT)
        }
        Err(error) => return error_page(page, error),
    };
    match context(&state, &who, id).await {
        Ok(ctx) => overview_page(&state, page, &who, ctx, extra, status).await,
        Err(error) => error_page(page, error),
    }
}
