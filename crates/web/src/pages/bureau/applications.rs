//! The applications received (申报受理), filtered by call and status, newest first, a page at
//! a time with the total.

use super::*;

// ---------------------------------------------------------------------------------------------
// 申报受理: the list

#[derive(Debug)]
pub(super) struct ApplicationRow {
    pub(super) id: String,
    pub(super) organization: String,
    pub(super) uscc: String,
    pub(super) batch: String,
    pub(super) status: &'static str,
    pub(super) waiting: bool,
    pub(super) submitted_at: String,
    pub(super) supplement_due_on: Option<String>,
    pub(super) revisions: i64,
}

#[derive(Template)]
#[template(path = "bureau/applications.html")]
pub(super) struct ApplicationsPage {
    pub(super) page: Page,
    /// The filters: the call and the status.
    pub(super) filters: Vec<Input>,
    pub(super) rows: Vec<ApplicationRow>,
    pub(super) pager: Pager,
    pub(super) filtered: bool,
}

pub(super) fn waiting(status: Status) -> bool {
    matches!(status, Status::Submitted | Status::Resubmitted)
}

/// `GET /bureau/applications?batch=&status=&after=`: what was submitted, newest first, those
/// waiting for acceptance marked; a page at a time (the list projection: no form is read).
pub(super) async fn applications(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let batch_text = params.get("batch").unwrap_or_default().trim().to_owned();
    let status_text = params.get("status").unwrap_or_default().trim().to_owned();
    let mut batch_error = None;
    let mut status_error = None;
    let batch = match batch_text.as_str() {
        "" => None,
        text => match text.parse::<BatchId>() {
            Ok(id) => Some(id),
            Err(_) => {
                batch_error = Some("请从列表中选择申报批次".to_owned());
                None
            }
        },
    };
    let status = match status_text.as_str() {
        "" => None,
        text => match Status::parse(text).filter(|s| *s != Status::Draft) {
            Some(status) => Some(status),
            None => {
                status_error = Some("请从列表中选择申报状态".to_owned());
                None
            }
        },
    };
    let calls = or_error_page!(state.app.batches(Some(&who)).await, page);
    if batch.is_some_and(|id| !calls.iter().any(|b| b.id == id)) {
        batch_error = Some("申报批次不存在".to_owned());
    }
    let invalid = batch_error.is_some() || status_error.is_some();
    let found = if invalid {
        skillbase_app::Page { items: Vec::new(), total: 0, next: None }
    } else {
        let request = page_request(&params);
        or_error_page!(state.app.application_list(&who, (batch, status), &request).await, page)
    };
    let pager = Pager::of(&found, "/bureau/applications", &params);
    let rows = found
        .items
        .iter()
        .map(|a| ApplicationRow {
            id: a.id.to_string(),
            organization: a.organization_name.clone(),
            uscc: a.organization_uscc.clone(),
            batch: a.batch_title.clone(),
            status: a.status.staff_label(),
            waiting: waiting(a.status),
            submitted_at: a.submitted_at.map(local_time).unwrap_or_default(),
            supplement_due_on: a.supplement_due_on.map(|d| d.to_string()).filter(|_| a.status == Status::Returned),
            revisions: a.revisions,
        })
        .collect();
    let mut batch_options = vec![(String::new(), "全部批次".to_owned())];
    batch_options.extend(calls.iter().map(|b| (b.id.to_string(), b.title.clone())));
    let mut status_options = vec![(String::new(), "全部状态".to_owned())];
    status_options.extend(
        Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Draft)
            .map(|s| (s.as_str().to_owned(), s.staff_label().to_owned())),
    );
    let template = ApplicationsPage {
        page: page.clone(),
        filters: vec![
            Input::choose("batch", "申报批次", choices(batch_options, &batch_text)).with_error(batch_error),
            Input::choose("status", "申报状态", choices(status_options, &status_text)).with_error(status_error),
        ],
        rows,
        pager,
        filtered: batch.is_some() || status.is_some(),
    };
    respond(if invalid { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page, &template)
}
