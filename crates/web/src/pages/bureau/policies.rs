//! Policy versions (政策版本).

use super::*;

// ---------------------------------------------------------------------------------------------
// 政策版本

#[derive(Debug)]
pub(super) struct PolicyRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) document_number: String,
    pub(super) effective_from: String,
    pub(super) fingerprint: String,
    pub(super) loaded_by: String,
    pub(super) loaded_at: String,
}

#[derive(Template)]
#[template(path = "bureau/policies.html")]
pub(super) struct PoliciesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<PolicyRow>,
    pub(super) source: String,
    pub(super) error: Option<String>,
    pub(super) errors: Vec<String>,
    pub(super) notice: Option<&'static str>,
}

pub(super) async fn policies_page(
    state: &AppState,
    mut page: Page,
    source: String,
    mut errors: Errors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = "/admin/policies".to_owned();
    let loaded = async { Ok::<_, AppError>((state.app.policies().await?, state.app.accounts().await?)) };
    let (versions, users) = or_error_page!(loaded.await, page);
    let names: HashMap<String, String> =
        users.into_iter().map(|u| (u.id.to_string(), format!("{}（{}）", u.display_name, u.username))).collect();
    let rows = versions
        .into_iter()
        .rev()
        .map(|(row, doc)| PolicyRow {
            title: doc.title().to_owned(),
            document_number: doc.document_number().to_owned(),
            effective_from: row.effective_from,
            fingerprint: row.fingerprint,
            loaded_by: match row.loaded_by {
                None => "随系统内置".to_owned(),
                Some(id) => names.get(&id).cloned().unwrap_or(id),
            },
            loaded_at: local_time(row.loaded_at),
            id: row.id,
        })
        .collect();
    let error = errors.take("file").or_else(|| errors.take("source"));
    let template = PoliciesPage { page: page.clone(), rows, source, error, errors: errors.rest(), notice };
    respond(status, &page, &template)
}

/// `GET /admin/policies`: the stored versions and a form to load a new one.
pub(super) async fn policies(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    policies_page(&state, page, String::new(), Errors::default(), notice, StatusCode::OK).await
}

/// `POST /admin/policies` (source: the TOML text). A malformed file is refused with its line
/// and the reason, and the text stays in the box.
pub(super) async fn load_policy(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    // Browsers send line breaks in a textarea as CRLF; the file is kept as written.
    let source = fields.get("source").unwrap_or_default().replace("\r\n", "\n");
    let outcome = if source.trim().is_empty() {
        Err(AppError::Fields(vec![FieldError::new("source", "required", "请粘贴政策文件（TOML）的全文")]))
    } else {
        state.app.load_policy(Some(&who), &source, &meta).await
    };
    match outcome {
        Ok(_) => Redirect::to("/admin/policies?done=loaded").into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => policies_page(&state, page, source, errors, None, status).await,
            Err(error) => error_page(page, error),
        },
    }
}
