//! Uploads (multipart, through the kit) and downloads of an application's files.

use super::*;

// ---------------------------------------------------------------------------------------------
// Uploads and downloads

/// Where an upload form came from: a page of this application (the overview or a step).
pub(super) fn back_path(id: ApplicationId, back: Option<&str>) -> (String, Option<Step>) {
    let base = format!("/applications/{id}");
    let path = safe_next(back).and_then(|b| b.split(['?', '#']).next()).unwrap_or("");
    if path == base || path.starts_with(&format!("{base}/")) {
        let step = path.strip_prefix(&format!("{base}/edit/")).and_then(Step::parse);
        return (path.to_owned(), step);
    }
    (base, None)
}

/// `POST /applications/{id}/attachments` (multipart: `csrf_token`, `back`, `file`): stores the
/// file and goes back to the page it came from; a refused file is said on that page (400), and
/// nothing is stored.
pub(super) async fn upload(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let too_large = post.too_large_refusal(&state, "file").await;
    let file = post.take_file("file");
    let back = post.fields.get("back").map(str::to_owned);
    let (back, step) = back_path(id, back.as_deref());
    let status = if too_large.is_some() { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
    let refusal = match (too_large, file) {
        (Some(AppError::Fields(errors)), _) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"),
        (_, Some((name, bytes))) => match state.app.upload_attachment(&who, id, &name, bytes, &meta).await {
            Ok(_) => return Redirect::to(&format!("{back}?uploaded=1")).into_response(),
            Err(AppError::Fields(errors)) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"),
            Err(AppError::Invalid { message, .. }) => message,
            Err(error) => return error_page(page, error),
        },
        (_, None) => "请选择要上传的文件".to_owned(),
    };
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    match step {
        Some(step) if ctx.view.status.is_editable() => {
            let raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
            let messages = StepMessages { upload_error: Some(refusal), ..StepMessages::default() };
            step_page(&state, page, &who, &ctx, step, &raw, messages, status).await
        }
        _ => {
            let extra = Extra { upload_error: Some(refusal), ..Extra::default() };
            overview_page(&state, page, &who, ctx, extra, status).await
        }
    }
}

/// `GET /applications/{id}/attachments/{attachment}`: the file, always as a download.
pub(super) async fn download(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    let (Some(id), Some(attachment)) = (parse_id::<ApplicationId>(&id), parse_id::<AttachmentId>(&attachment)) else {
        return not_found(page);
    };
    match state.app.attachment_content(&who, attachment).await {
        Ok((row, bytes)) if row.application_id == id => stored_file(&row.kind, &row.display_name, bytes),
        Ok(_) => not_found(page),
        Err(error) => error_page(page, error),
    }
}

/// The application and file a remove or replace form names (`None`: the path names none).
fn named_file(id: &str, attachment: &str) -> Option<(ApplicationId, AttachmentId)> {
    Some((parse_id(id)?, parse_id(attachment)?))
}

/// A refused remove or replace, said on the page the form came from (a step of the form, or the
/// overview); what only an error page can say (not found) is one.
async fn file_refused(
    state: &AppState,
    (page, who): (Page, &Authenticated),
    (id, back): (ApplicationId, Option<&str>),
    error: AppError,
) -> Response {
    let (status, message) = match error {
        AppError::Fields(errors) => {
            let (status, _) = crate::error::classify(&AppError::Fields(errors.clone()));
            (status, errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("；"))
        }
        error @ (AppError::Invalid { .. } | AppError::Conflict { .. }) => {
            let (status, _) = crate::error::classify(&error);
            let message = match error {
                AppError::Conflict { .. } => CONFLICT.to_owned(),
                other => other.to_string(),
            };
            (status, message)
        }
        error => return error_page(page, error),
    };
    let (_, step) = back_path(id, back);
    let ctx = or_error_page!(context(state, who, id).await, page);
    match step {
        Some(step) if ctx.view.status.is_editable() => {
            let raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
            let messages = StepMessages { error: Some(message), ..StepMessages::default() };
            step_page(state, page, who, &ctx, step, &raw, messages, status).await
        }
        _ => overview_page(state, page, who, ctx, Extra { error: Some(message), ..Extra::default() }, status).await,
    }
}

/// `POST /applications/{id}/attachments/{attachment}/remove` (`csrf_token`, `back`): removes a
/// file while the application may be edited, and goes back to the page it came from.
pub(super) async fn remove(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, attachment)): Path<(String, String)>,
    SignedInPost { page, who, fields }: SignedInPost,
) -> Response {
    let Some((id, attachment)) = named_file(&id, &attachment) else {
        return not_found(page);
    };
    let back = fields.get("back").map(str::to_owned);
    match state.app.remove_attachment(&who, id, attachment, &meta).await {
        Ok(()) => Redirect::to(&format!("{}?removed=1", back_path(id, back.as_deref()).0)).into_response(),
        Err(error) => file_refused(&state, (page, &who), (id, back.as_deref()), error).await,
    }
}

/// `POST /applications/{id}/attachments/{attachment}/replace` (multipart: `csrf_token`, `back`,
/// `file`): replaces a file by a new one while the application may be edited; the form refers
/// to the new one wherever it referred to the old.
pub(super) async fn replace(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, attachment)): Path<(String, String)>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let Some((id, attachment)) = named_file(&id, &attachment) else {
        return not_found(page);
    };
    let too_large = post.too_large_refusal(&state, "file").await;
    let file = post.take_file("file");
    let back = post.fields.get("back").map(str::to_owned);
    let outcome = match (too_large, file) {
        (Some(refusal), _) => Err(refusal),
        (None, Some((name, bytes))) => {
            state.app.replace_attachment(&who, (id, attachment), (&name, bytes), &meta).await
        }
        (None, None) => Err(AppError::Fields(vec![FieldError::new("file", "file_missing", "请选择用来替换的文件")])),
    };
    match outcome {
        Ok(_) => Redirect::to(&format!("{}?replaced=1", back_path(id, back.as_deref()).0)).into_response(),
        Err(error) => file_refused(&state, (page, &who), (id, back.as_deref()), error).await,
    }
}
