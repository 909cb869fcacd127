//! The expert's workspace (我的评审任务): the declaration before access, and the score sheet.

use super::*;

// ---------------------------------------------------------------------------------------------
// 我的评审任务 (the expert)

#[derive(Debug)]
pub(super) struct MyRow {
    pub(super) id: String,
    pub(super) batch: String,
    pub(super) organization: String,
    pub(super) status: &'static str,
    pub(super) due_on: String,
    pub(super) overdue: bool,
    pub(super) open: bool,
}

#[derive(Debug)]
pub(super) struct NoteRow {
    pub(super) at: String,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) link: Option<String>,
}

#[derive(Template)]
#[template(path = "review/expert_home.html")]
pub(super) struct ExpertHomePage {
    pub(super) page: Page,
    pub(super) rows: Vec<MyRow>,
    pub(super) notifications: Vec<NoteRow>,
    pub(super) notice: Option<&'static str>,
}

/// `GET /expert`: my assignments, those waiting for me first, and my notifications.
pub(super) async fn expert_home(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    if who.role != Role::Expert {
        return not_found(page);
    }
    let loaded = async {
        let mine = state.app.assignments(&who, None, None).await?;
        let mut work = Vec::new();
        for a in &mine {
            work.push(state.app.expert_assignment(&who, a.id).await?);
        }
        Ok::<_, AppError>((work, state.app.user_notifications(&who).await?))
    };
    let (mut work, notes) = or_error_page!(loaded.await, page);
    let open =
        |w: &ExpertAssignment| matches!(w.assignment.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted);
    work.sort_by(|a, b| open(b).cmp(&open(a)).then_with(|| a.assignment.due_on.cmp(&b.assignment.due_on)));
    let rows = work
        .iter()
        .map(|w| MyRow {
            id: w.assignment.id.to_string(),
            batch: w.batch_title.clone(),
            organization: w.organization_name.clone(),
            status: w.assignment.status.label(),
            due_on: w.assignment.due_on.to_string(),
            overdue: w.assignment.overdue,
            open: open(w),
        })
        .collect();
    let notifications = notes
        .into_iter()
        .map(|n| NoteRow {
            at: local_time(n.at),
            title: n.title,
            body: n.body,
            link: safe_next(Some(n.link.as_str())).map(str::to_owned),
        })
        .collect();
    let template = ExpertHomePage { page: page.clone(), rows, notifications, notice: notice_of(raw.as_deref()) };
    respond(StatusCode::OK, &page, &template)
}

/// The application as the expert reads it: compact, every id in the policy's words, every file
/// a download through the assignment.
#[derive(Debug)]
pub(super) struct ReadApplication {
    pub(super) profile: Vec<Fact>,
    pub(super) sites: Vec<SiteView>,
    pub(super) team: Vec<Fact>,
    pub(super) rule_documents: Vec<RuleDocumentView>,
    pub(super) claims: Vec<ClaimView>,
    pub(super) projects: Vec<ProjectView>,
    pub(super) trainees: Vec<Fact>,
    pub(super) commitment_letter: Option<FileLink>,
    pub(super) files: Vec<FileLink>,
}

pub(super) fn read_application(work: &ExpertAssignment, a: &ApplicationView) -> ReadApplication {
    let policy = &work.policy;
    let names: HashMap<AttachmentId, &str> = work.attachments.iter().map(|f| (f.id, f.display_name.as_str())).collect();
    let base = format!("/expert/assignments/{}/attachments", work.assignment.id);
    let link = |id: AttachmentId| FileLink {
        name: names.get(&id).map_or_else(|| "（附件不存在）".to_owned(), |n| (*n).to_owned()),
        href: format!("{base}/{id}"),
    };
    let view = form_view(&a.form, policy, &link);
    let kind = policy.kind(&a.organization_kind).map_or_else(|| a.organization_kind.clone(), |k| k.name().to_owned());
    let joined = |parts: Vec<String>| parts.join("；");
    let experts =
        joined(view.experts.iter().map(|e| format!("{}（{}，{}）", e.name, e.title, e.qualification)).collect());
    let companies = joined(view.supply_chain.iter().map(|c| format!("{}（{}）", c.name, c.relation)).collect());
    ReadApplication {
        profile: std::iter::once(fact("单位类型", kind)).chain(view.profile).collect(),
        sites: view.sites,
        team: view.team.into_iter().chain([fact("行业领域专家", experts)]).collect(),
        rule_documents: view.rule_documents,
        claims: view.priority_claims,
        projects: view.projects,
        trainees: view.trainees.into_iter().chain([fact("产业链上下游企业", companies)]).collect(),
        commitment_letter: view.commitment_letter,
        files: work.attachments.iter().map(|f| link(f.id)).collect(),
    }
}

/// One criterion of the score sheet as typed.
#[derive(Debug)]
pub(super) struct ScoreRow {
    pub(super) index: usize,
    pub(super) criterion: String,
    pub(super) name: String,
    pub(super) clause: String,
    pub(super) max: u32,
    pub(super) points: String,
    pub(super) comment: String,
    pub(super) points_error: Option<String>,
    pub(super) comment_error: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct DeclareForm {
    /// `no`, `yes` or empty.
    pub(super) choice: String,
    pub(super) reason: String,
    pub(super) choice_error: Option<String>,
    pub(super) reason_error: Option<String>,
}

impl DeclareForm {
    pub(super) fn choice_input(&self) -> Input {
        let options = vec![("no", "本人与该申报单位无利益冲突"), ("yes", "存在利益冲突，申请回避")];
        let mut input = Input::radios("conflict", "声明", options).value(&self.choice).with_id("f-conflict");
        input.error.clone_from(&self.choice_error);
        input
    }

    pub(super) fn reason_input(&self) -> Input {
        Reason::new(self.reason.clone(), self.reason_error.clone())
            .area("reason", "f-reason", "", "利益冲突的情况（申请回避时必填）", 2, 500)
            .unmarked()
    }
}

#[derive(Debug)]
pub(super) struct Submitted {
    pub(super) rows: Vec<SheetRow>,
    pub(super) total: i64,
    pub(super) others: Vec<u32>,
}

#[derive(Template)]
#[template(path = "review/expert_assignment.html")]
pub(super) struct AssignmentPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) batch: String,
    pub(super) organization: String,
    pub(super) status: &'static str,
    pub(super) due_on: String,
    pub(super) overdue: bool,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
    pub(super) declare: Option<DeclareForm>,
    pub(super) application: Option<ReadApplication>,
    pub(super) score: Option<Vec<ScoreRow>>,
    pub(super) submitted: Option<Submitted>,
    pub(super) reopened_reason: Option<String>,
    pub(super) declined: bool,
    pub(super) max_comment: usize,
}

/// What a refused post brings back to the expert's page.
#[derive(Debug, Default)]
pub(super) struct AssignmentAsPosted {
    pub(super) declare: Option<DeclareForm>,
    pub(super) score: Option<Vec<ScoreRow>>,
    pub(super) errors: Vec<String>,
}

pub(super) fn score_rows(policy: &PolicyDocument, sheet: &[ScoreItem]) -> Vec<ScoreRow> {
    policy
        .rubric()
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let before = sheet.iter().find(|s| s.criterion == r.id());
            ScoreRow {
                index,
                criterion: r.id().to_owned(),
                name: r.name().to_owned(),
                clause: policy.clause(r.clause()).map_or_else(|| r.clause().to_owned(), |c| c.citation().to_owned()),
                max: r.points(),
                points: before.map(|s| s.points.to_string()).unwrap_or_default(),
                comment: before.map(|s| s.comment.clone()).unwrap_or_default(),
                points_error: None,
                comment_error: None,
            }
        })
        .collect()
}

pub(super) async fn assignment_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: AssignmentId,
    as_posted: AssignmentAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/expert/assignments/{id}");
    let work = or_error_page!(state.app.expert_assignment(who, id).await, page);
    let x = &work.assignment;
    let AssignmentAsPosted { declare, score, errors } = as_posted;
    let template = AssignmentPage {
        page: page.clone(),
        id: id.to_string(),
        batch: work.batch_title.clone(),
        organization: work.organization_name.clone(),
        status: x.status.label(),
        due_on: x.due_on.to_string(),
        overdue: x.overdue,
        notice,
        errors,
        declare: (x.status == AssignmentStatus::Assigned).then(|| declare.unwrap_or_default()),
        application: work.application.as_ref().map(|a| read_application(&work, a)),
        score: (x.status == AssignmentStatus::Accepted)
            .then(|| score.unwrap_or_else(|| score_rows(&work.policy, &x.sheet))),
        submitted: (x.status == AssignmentStatus::Scored).then(|| Submitted {
            rows: sheet_rows(&x.sheet, &work.policy),
            total: x.total.unwrap_or_default(),
            others: work.others.clone(),
        }),
        reopened_reason: x.reopened_reason.clone().filter(|r| !r.is_empty() && x.status == AssignmentStatus::Accepted),
        declined: x.status == AssignmentStatus::DeclinedConflict,
        max_comment: MAX_COMMENT_CHARS,
    };
    respond(status, &page, &template)
}

/// `GET /expert/assignments/{id}`: the declaration first; then the materials and the sheet.
pub(super) async fn expert_assignment(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<AssignmentId>,
    RawQuery(raw): RawQuery,
) -> Response {
    if who.role != Role::Expert {
        return not_found(page);
    }
    assignment_page(&state, page, &who, id, AssignmentAsPosted::default(), (notice_of(raw.as_deref()), StatusCode::OK))
        .await
}

/// `POST /expert/assignments/{id}/declare` (conflict = no | yes, reason).
pub(super) async fn declare(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<AssignmentId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let choice = fields.get("conflict").unwrap_or_default().to_owned();
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let outcome = match choice.as_str() {
        "no" => state.app.declare(&who, id, false, "", &meta).await,
        "yes" => state.app.declare(&who, id, true, &reason, &meta).await,
        _ => Err(AppError::Fields(vec![FieldError::new("conflict", "required", "请选择是否存在利益冲突")])),
    };
    match outcome {
        Ok(_) if choice == "yes" => Redirect::to("/expert?done=declined").into_response(),
        Ok(_) => Redirect::to(&format!("/expert/assignments/{id}?done=declared")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let form = DeclareForm {
                    choice_error: errors.take("conflict"),
                    reason_error: errors.take("reason"),
                    choice,
                    reason,
                };
                let as_posted =
                    AssignmentAsPosted { declare: Some(form), errors: errors.rest(), ..AssignmentAsPosted::default() };
                assignment_page(&state, page, &who, id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /expert/assignments/{id}/score` (items[i].criterion, items[i].points,
/// items[i].comment, in the rubric's order).
pub(super) async fn score(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<AssignmentId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let work = or_error_page!(state.app.expert_assignment(&who, id).await, page);
    let mut rows = score_rows(&work.policy, &[]);
    let mut local = Errors::default();
    let mut items = Vec::new();
    for row in &mut rows {
        let i = row.index;
        let get = |name: &str| fields.get(&format!("items[{i}].{name}")).unwrap_or_default().to_owned();
        row.points = get("points").trim().to_owned();
        row.comment = get("comment");
        let message = format!("「{}」的得分应为 0 至 {} 的整数", row.name, row.max);
        if let Some(points) = whole_number(&row.points, &format!("items[{i}].points"), &message, &mut local) {
            items.push(ScoreItem { criterion: row.criterion.clone(), points, comment: row.comment.clone() });
        }
    }
    let outcome = if local.fields.is_empty() {
        state.app.submit_score(&who, id, &items, &meta).await.map(|_| ())
    } else {
        // Whatever else is wrong is said at once, with nothing saved.
        let mut all: Vec<FieldError> =
            local.fields.into_iter().map(|(f, m)| FieldError::new(f, "not_a_number", m)).collect();
        for row in &rows {
            if row.comment.trim().is_empty() {
                all.push(FieldError::new(format!("items[{}].comment", row.index), "required", "请填写评分意见"));
            }
        }
        Err(AppError::Fields(all))
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/expert/assignments/{id}?done=scored#submitted")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                // The use case is given every row, in the rubric's order: its `items[i]` is row i.
                for row in &mut rows {
                    row.points_error = errors.take(&format!("items[{}].points", row.index));
                    row.comment_error = errors.take(&format!("items[{}].comment", row.index));
                    if let Some(e) = errors.take(&format!("items[{}].criterion", row.index)) {
                        row.points_error.get_or_insert(e);
                    }
                }
                let as_posted =
                    AssignmentAsPosted { score: Some(rows), errors: errors.rest(), ..AssignmentAsPosted::default() };
                assignment_page(&state, page, &who, id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `GET /expert/assignments/{id}/attachments/{attachment}`: a file of the assigned application,
/// once the expert declared no conflict; always as a download.
pub(super) async fn download(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    if who.role != Role::Expert {
        return not_found(page);
    }
    let (Ok(id), Ok(attachment)) = (id.parse::<AssignmentId>(), attachment.parse::<AttachmentId>()) else {
        return not_found(page);
    };
    match state.app.assigned_attachment(&who, id, attachment).await {
        Ok((row, bytes)) => stored_file(&row.kind, &row.display_name, bytes),
        Err(error) => error_page(page, error),
    }
}
