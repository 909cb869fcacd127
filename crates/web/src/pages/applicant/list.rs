//! The organisation's applications (`/applications`) and its notifications.

use super::*;
use crate::pages::kit::{Pager, page_request};

// ---------------------------------------------------------------------------------------------
// The organisation's applications and notifications

#[derive(Debug)]
pub(super) struct ApplicationRow {
    pub(super) id: String,
    pub(super) batch_title: String,
    pub(super) status: &'static str,
    pub(super) updated: String,
    pub(super) due: Option<String>,
    pub(super) editable: bool,
}

#[derive(Template)]
#[template(path = "applicant/list.html")]
pub(super) struct ListPage {
    pub(super) page: Page,
    pub(super) rows: Vec<ApplicationRow>,
    pub(super) unread: i64,
}

/// `GET /applications`.
pub(super) async fn list(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    // An organisation's own applications are few (one live per call): all of them, none cut.
    let all = or_error_page!(state.app.every_application(&who, None, None).await, page);
    let unread = or_error_page!(state.app.unread_notifications(&who).await, page);
    let rows = all
        .iter()
        .map(|a| ApplicationRow {
            id: a.id.to_string(),
            batch_title: a.batch_title.clone(),
            status: status_label(&who, a.status),
            updated: local_time(a.updated_at),
            due: (a.status == Status::Returned)
                .then(|| a.supplement_due_on.map(|d| format!("{} 24 时", cn_date(d))))
                .flatten(),
            editable: a.status.is_editable(),
        })
        .collect();
    let template = ListPage { rows, unread, page };
    respond(StatusCode::OK, &template.page.clone(), &template)
}

#[derive(Debug)]
pub(super) struct NotificationRow {
    pub(super) at: String,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) href: Option<String>,
    pub(super) unread: bool,
}

#[derive(Template)]
#[template(path = "applicant/notifications.html")]
pub(super) struct NotificationsPage {
    pub(super) page: Page,
    pub(super) rows: Vec<NotificationRow>,
    /// Unread over all pages.
    pub(super) unread: i64,
    pub(super) pager: Pager,
}

/// `GET /notifications?after=`: newest first, a page at a time with the total.
pub(super) async fn notifications(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = crate::query_params(raw.as_deref()).unwrap_or_default();
    let found = match state.app.notifications(&who, &page_request(&query)).await {
        Ok(found) => found,
        // An account bound to no organisation has no notifications to show.
        Err(AppError::Forbidden { .. }) => return not_found(page),
        Err(error) => return error_page(page, error),
    };
    let unread = or_error_page!(state.app.unread_notifications(&who).await, page);
    let pager = Pager::of(&found, "/notifications", &query);
    let rows: Vec<NotificationRow> = found
        .items
        .into_iter()
        .map(|n| NotificationRow {
            at: local_time(n.at),
            title: n.title,
            body: n.body,
            href: n.application_id.map(|a| format!("/applications/{a}")),
            unread: n.read_at.is_none(),
        })
        .collect();
    let template = NotificationsPage { rows, unread, pager, page };
    respond(StatusCode::OK, &template.page.clone(), &template)
}

/// `POST /notifications/read`: marks every notification read.
pub(super) async fn read_notifications(State(state): State<AppState>, post: SignedInPost) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.mark_notifications_read(&who).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(AppError::Forbidden { .. }) => not_found(page),
        Err(error) => error_page(page, error),
    }
}
