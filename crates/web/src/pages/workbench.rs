//! 工作台: where every signed-in role lands (after sign-in, and on `/`). Each to-do of the
//! role (`app::workbench`) is a card with its count, its first lines and a link to the list;
//! below them, the role's consoles (for the administrators and the auditor, that is the page).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use skillbase_app::workbench::Item;

use super::kit::nav::NavLink;
use super::kit::{SignedInPost, Who, error_page, or_error_page};
use super::{Page, respond};
use crate::AppState;

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    page: Page,
    items: Vec<Item>,
    consoles: Vec<NavLink>,
    role: &'static str,
    csrf: String,
}

/// `GET /workbench`
pub(super) async fn workbench(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let items = or_error_page!(state.app.workbench(&who).await, page);
    let consoles = super::kit::nav::consoles(who.role, page.t);
    let role = who.role.label();
    let csrf = who.session.csrf_token.clone();
    respond(StatusCode::OK, &page.clone(), &WorkbenchPage { page, items, consoles, role, csrf })
}

/// `POST /workbench/messages/read`: marks every message of one's own read.
pub(super) async fn read_messages(State(state): State<AppState>, post: SignedInPost) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.mark_messages_read(&who).await {
        Ok(_) => Redirect::to("/workbench").into_response(),
        Err(error) => error_page(page, error),
    }
}

/// `GET /bureau` and `GET /bureau/`: the bureau's entrance is the workbench.
pub(super) async fn bureau() -> Response {
    Redirect::to("/workbench").into_response()
}
