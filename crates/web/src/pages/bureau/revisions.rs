//! An application's revisions (修订记录), field by field.

use super::*;

// ---------------------------------------------------------------------------------------------
// 修订记录

#[derive(Debug)]
pub(super) struct ValueView {
    pub(super) text: String,
    pub(super) href: Option<String>,
}

#[derive(Debug)]
pub(super) struct ChangeRow {
    pub(super) section: &'static str,
    pub(super) field: String,
    pub(super) before: ValueView,
    pub(super) after: ValueView,
}

#[derive(Debug)]
pub(super) struct RevisionView {
    pub(super) number: i64,
    pub(super) submitted_at: String,
    pub(super) changes: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "bureau/revisions.html")]
pub(super) struct RevisionsPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) organization: String,
    pub(super) revisions: Vec<RevisionView>,
}

/// A value of the form's JSON as people read it: files by name, money in 元, levels by name.
pub(super) fn value_view(field: &str, value: &Value, files: &Files) -> ValueView {
    let text = match value {
        Value::Null => "（空）".to_owned(),
        Value::Bool(b) => yes_no(*b).to_owned(),
        Value::Number(n) if field.ends_with(".value") => {
            n.as_i64().map_or(n.to_string(), |f| Money::from_fen(f).to_string())
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if let Ok(id) = s.parse::<AttachmentId>() {
                let link = files.link(id);
                return ValueView { text: link.name, href: Some(link.href) };
            }
            match SkillLevel::parse(s) {
                Some(level) if field.contains(".levels[") => level.label().to_owned(),
                _ if s.is_empty() => "（空）".to_owned(),
                _ => s.clone(),
            }
        }
        other => other.to_string(),
    };
    ValueView { text, href: None }
}

/// `GET /bureau/applications/{id}/revisions`: each submitted revision and what changed from the
/// one before.
pub(super) async fn revisions(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let loaded = async {
        let a = state.app.application(&who, id).await?;
        let all = state.app.revisions(&who, id).await?;
        // A revision names the files it was submitted with, removed or replaced since.
        let attachments = state.app.attachment_history(&who, id).await?;
        Ok::<_, AppError>((a, all, attachments))
    };
    let (a, all, attachments) = or_error_page!(loaded.await, page);
    let files = Files::new(id, &attachments);
    let mut views = Vec::new();
    let mut previous: Option<&ApplicationForm> = None;
    for (row, form) in &all {
        let changes = previous
            .map(|p| p.changes_to(form))
            .unwrap_or_default()
            .into_iter()
            .map(|c| ChangeRow {
                section: section_of(&c.field).unwrap_or(""),
                before: value_view(&c.field, &c.before, &files),
                after: value_view(&c.field, &c.after, &files),
                field: c.field,
            })
            .collect();
        views.push(RevisionView { number: row.number, submitted_at: local_time(row.submitted_at), changes });
        previous = Some(form);
    }
    // Newest first: what staff compare is usually the last resubmission.
    views.reverse();
    let template =
        RevisionsPage { page: page.clone(), id: id.to_string(), organization: a.organization_name, revisions: views };
    respond(StatusCode::OK, &page, &template)
}
