//! One application's review: drawing experts, reminders, reopening and withdrawing.

use super::*;

// ---------------------------------------------------------------------------------------------
// One application's review

#[derive(Debug)]
pub(super) struct SheetRow {
    pub(super) name: String,
    pub(super) max: u32,
    pub(super) points: u32,
    pub(super) comment: String,
}

pub(super) fn sheet_rows(sheet: &[ScoreItem], policy: &PolicyDocument) -> Vec<SheetRow> {
    sheet
        .iter()
        .map(|item| {
            let rubric = policy.rubric_item(&item.criterion);
            SheetRow {
                name: rubric.map_or_else(|| item.criterion.clone(), |r| r.name().to_owned()),
                max: rubric.map_or(0, |r| r.points()),
                points: item.points,
                comment: item.comment.clone(),
            }
        })
        .collect()
}

#[derive(Debug)]
pub(super) struct AssignmentRow {
    pub(super) id: String,
    pub(super) expert: String,
    pub(super) status: &'static str,
    pub(super) due_on: String,
    pub(super) overdue: bool,
    pub(super) total: Option<i64>,
    pub(super) outlier: bool,
    pub(super) dropped: bool,
    pub(super) declared_at: String,
    pub(super) submitted_at: String,
    pub(super) reminded_at: String,
    pub(super) conflict_reason: Option<String>,
    pub(super) reopened_reason: Option<String>,
    pub(super) sheet: Vec<SheetRow>,
    pub(super) may_reopen: bool,
    pub(super) may_withdraw: bool,
    pub(super) may_remind: bool,
    pub(super) reopen: Reason,
    pub(super) withdraw: Reason,
}

#[derive(Debug)]
pub(super) struct DrawRow {
    pub(super) reason: &'static str,
    pub(super) seed: String,
    pub(super) wanted: i64,
    pub(super) drawn_at: String,
    pub(super) drawn_by: String,
    pub(super) policy: String,
    pub(super) candidates: Vec<String>,
    pub(super) excluded: Vec<String>,
    pub(super) drawn: Vec<String>,
}

#[derive(Debug)]
pub(super) struct AggregateView {
    pub(super) mean: String,
    pub(super) counted: usize,
    pub(super) median: String,
    pub(super) scores: usize,
}

#[derive(Template)]
#[template(path = "review/application.html")]
pub(super) struct ReviewPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) batch_id: String,
    pub(super) organization: String,
    pub(super) uscc: String,
    pub(super) batch: String,
    pub(super) status: &'static str,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
    /// 抽取评审专家: the number and the deadline.
    pub(super) start: Option<Vec<Input>>,
    /// 补抽: the deadline of the one more.
    pub(super) more: Option<Vec<Input>>,
    pub(super) assignments: Vec<AssignmentRow>,
    pub(super) draws: Vec<DrawRow>,
    /// Draws short of experts still open: how many were drawn and why not more.
    pub(super) shortfalls: Vec<String>,
    pub(super) aggregate: Option<AggregateView>,
    pub(super) minimum: usize,
    pub(super) outlier_points: u32,
}

/// What a refused post brings back to the application's review page.
#[derive(Debug, Default)]
pub(super) struct ReviewAsPosted {
    pub(super) start: Option<Vec<Input>>,
    pub(super) more: Option<Vec<Input>>,
    /// (assignment, `reopen` or `withdraw`, what was typed).
    pub(super) reason: Option<(AssignmentId, &'static str, Reason)>,
    pub(super) errors: Vec<String>,
}

pub(super) fn start_inputs(experts: &str, days: &str, minimum: u32) -> Vec<Input> {
    let number = Input::number("experts", "抽取专家人数", (i64::from(minimum), i64::from(MAX_EXPERTS)))
        .value(experts)
        .hint("从专家库中该申报所属重点产业、且无利益冲突的在库专家中随机抽取。");
    let due = Input::number("days", "评审期限（工作日）", bounds(&uc::REVIEW_DAYS))
        .value(days)
        .hint("自次日起按工作日计算，期限届满当日 24 时截止。");
    vec![number, due]
}

pub(super) fn more_inputs(days: &str) -> Vec<Input> {
    let due = Input::number("more_days", "补抽专家的评审期限（工作日）", bounds(&uc::REVIEW_DAYS))
        .value(days)
        .hint("补抽一名无利益冲突的专家（例如撤换后无人可补时）。");
    vec![due]
}

pub(super) async fn review_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ApplicationId,
    as_posted: ReviewAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/bureau/applications/{id}/review");
    let loaded = async {
        let progress = state.app.review_progress(who, id).await?;
        let policy = state.app.policy_for(&progress.application).await?;
        let pool = state.app.experts().await?;
        let accounts = state.app.accounts().await?;
        Ok::<_, AppError>((progress, policy, pool, accounts))
    };
    let (progress, policy, pool, accounts) = or_error_page!(loaded.await, page);
    let a: &ApplicationView = &progress.application;
    let organizing = allowed(who, access::Action::OrganizeReview);
    let reviewing = under_review(a.status);
    let names: HashMap<String, String> = pool.iter().map(|e| (e.user_id.to_string(), e.name.clone())).collect();
    let people: HashMap<UserId, String> = accounts.into_iter().map(|u| (u.id, u.display_name)).collect();
    let name_of = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    let list = |json: &str| -> Vec<String> {
        serde_json::from_str::<Vec<String>>(json).unwrap_or_default().iter().map(name_of).collect()
    };
    let ReviewAsPosted { start, more, reason, errors } = as_posted;
    let typed_reason = |assignment: AssignmentId, kind: &str| match &reason {
        Some((x, k, input)) if *x == assignment && *k == kind => input.clone(),
        _ => Reason::default(),
    };
    let may_start = organizing && transition(a.status, Action::StartReview, Actor::Person(Role::Staff)).is_ok();
    let default_experts = policy.experts_per_application().to_string();
    let template = ReviewPage {
        page: page.clone(),
        id: id.to_string(),
        batch_id: a.batch_id.to_string(),
        organization: a.organization_name.clone(),
        uscc: a.organization_uscc.clone(),
        batch: a.batch_title.clone(),
        status: a.status.staff_label(),
        notice,
        errors,
        start: may_start.then(|| {
            start.unwrap_or_else(|| {
                start_inputs(&default_experts, &DEFAULT_REVIEW_DAYS.to_string(), policy.min_experts())
            })
        }),
        more: (organizing && reviewing).then(|| more.unwrap_or_else(|| more_inputs(&DEFAULT_REVIEW_DAYS.to_string()))),
        assignments: progress
            .assignments
            .iter()
            .map(|x| AssignmentRow {
                id: x.id.to_string(),
                expert: x.expert_name.clone(),
                status: x.status.label(),
                due_on: x.due_on.to_string(),
                overdue: x.overdue,
                total: x.total.filter(|_| x.status == AssignmentStatus::Scored),
                outlier: x.outlier,
                dropped: x.dropped,
                declared_at: x.declared_at.map(local_time).unwrap_or_default(),
                submitted_at: x.submitted_at.map(local_time).unwrap_or_default(),
                reminded_at: x.reminded_at.map(local_time).unwrap_or_default(),
                conflict_reason: x.conflict_reason.clone().filter(|r| !r.is_empty()),
                reopened_reason: x.reopened_reason.clone().filter(|r| !r.is_empty()),
                sheet: if x.status == AssignmentStatus::Scored { sheet_rows(&x.sheet, &policy) } else { Vec::new() },
                may_reopen: organizing && reviewing && x.status == AssignmentStatus::Scored,
                may_withdraw: organizing && reviewing && x.status.is_active(),
                may_remind: organizing
                    && reviewing
                    && matches!(x.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted),
                reopen: typed_reason(x.id, "reopen"),
                withdraw: typed_reason(x.id, "withdraw"),
            })
            .collect(),
        draws: progress
            .draws
            .iter()
            .map(|d| DrawRow {
                reason: if d.reason == "initial" { "首次抽取" } else { "补抽" },
                seed: d.seed.clone(),
                wanted: d.wanted,
                drawn_at: local_time(d.drawn_at),
                drawn_by: d
                    .drawn_by
                    .map_or_else(|| "系统".to_owned(), |u| people.get(&u).cloned().unwrap_or_else(|| u.to_string())),
                policy: d.policy_id.clone(),
                candidates: list(&d.candidates),
                excluded: list(&d.excluded),
                drawn: list(&d.drawn),
            })
            .collect(),
        shortfalls: progress.shortfalls.iter().filter(|s| s.is_open()).map(|s| s.message.clone()).collect(),
        aggregate: progress.aggregate.as_ref().map(|g| AggregateView {
            mean: mean_text(Some(g.mean_hundredths)),
            counted: g.counted,
            median: mean_text(Some(g.median_hundredths)),
            scores: progress.assignments.iter().filter(|x| x.status == AssignmentStatus::Scored).count(),
        }),
        minimum: progress.minimum,
        outlier_points: progress.outlier_points,
    };
    respond(status, &page, &template)
}

/// `GET /bureau/applications/{id}/review`.
pub(super) async fn application_review(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    review_page(&state, page, &who, id, ReviewAsPosted::default(), (notice_of(raw.as_deref()), StatusCode::OK)).await
}

pub(super) fn review_done(id: ApplicationId, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/bureau/applications/{id}/review?done={what}{anchor}")).into_response()
}

/// Answers a refused action with the review page, or an error page for what it cannot say.
pub(super) async fn review_refused(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: ApplicationId,
    error: AppError,
    fill: impl FnOnce(&mut Errors) -> ReviewAsPosted,
) -> Response {
    match refusal(error) {
        Ok((status, mut errors)) => {
            let mut as_posted = fill(&mut errors);
            as_posted.errors.extend(errors.rest());
            review_page(state, page, who, id, as_posted, (None, status)).await
        }
        Err(error) => error_page(page, error),
    }
}

/// `POST /bureau/applications/{id}/review` (experts, days): draws the panel.
pub(super) async fn start_review(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let experts = fields.get("experts").unwrap_or_default().trim().to_owned();
    let days = fields.get("days").unwrap_or_default().trim().to_owned();
    let mut local = Errors::default();
    let wanted = whole_number(&experts, "experts", "请填写专家人数（整数）", &mut local);
    let within = whole_number(&days, "days", "请填写评审期限（整数个工作日）", &mut local);
    let outcome = match (wanted, within) {
        (Some(wanted), Some(within)) => {
            state.app.start_review(&who, id, Some(wanted), Some(within), &meta).await.map(|_| ())
        }
        _ => Err(AppError::Fields(
            local.fields.into_iter().map(|(f, m)| FieldError::new(f, "not_a_number", m)).collect(),
        )),
    };
    match outcome {
        Ok(()) => review_done(id, "drawn", "#assignments"),
        Err(error) => {
            let minimum = match state.app.application(&who, id).await {
                Ok(a) => match state.app.policy_for(&a).await {
                    Ok(policy) => policy.min_experts(),
                    Err(error) => return error_page(page, error),
                },
                Err(error) => return error_page(page, error),
            };
            review_refused(&state, page, &who, id, error, |errors| {
                let mut inputs = start_inputs(&experts, &days, minimum);
                errors.place(&mut inputs);
                ReviewAsPosted { start: Some(inputs), ..ReviewAsPosted::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/review/more` (more_days): 补抽 one expert.
pub(super) async fn draw_more(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<ApplicationId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let days = fields.get("more_days").unwrap_or_default().trim().to_owned();
    let mut local = Errors::default();
    let outcome = match whole_number(&days, "more_days", "请填写评审期限（整数个工作日）", &mut local) {
        Some(d) if uc::REVIEW_DAYS.contains(&d) => state.app.draw_more(&who, id, Some(d), &meta).await.map(|_| ()),
        Some(_) => Err(AppError::Fields(vec![FieldError::new(
            "more_days",
            "days_out_of_range",
            format!("评审期限应为 {} 至 {} 个工作日", uc::REVIEW_DAYS.start(), uc::REVIEW_DAYS.end()),
        )])),
        None => Err(AppError::Fields(
            local.fields.into_iter().map(|(f, m)| FieldError::new(f, "not_a_number", m)).collect(),
        )),
    };
    match outcome {
        Ok(()) => review_done(id, "more", "#assignments"),
        Err(error) => {
            review_refused(&state, page, &who, id, error, |errors| {
                let mut inputs = more_inputs(&days);
                // The use case names the panel's size `experts`: for one more it is the pool.
                if let Some(e) = errors.take("experts") {
                    errors.general.push(e);
                }
                if let Some(e) = errors.take("days") {
                    errors.fields.push(("more_days".to_owned(), e));
                }
                errors.place(&mut inputs);
                ReviewAsPosted { more: Some(inputs), ..ReviewAsPosted::default() }
            })
            .await
        }
    }
}

/// What staff do to one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Reopen,
    Withdraw,
    Remind,
}

pub(super) async fn on_assignment(
    state: AppState,
    meta: RequestMeta,
    id: String,
    post: SignedInPost,
    step: Step,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<AssignmentId>() else { return not_found(page) };
    let current = or_error_page!(state.app.assignment(&who, id).await, page);
    let application = current.application_id;
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let outcome = match step {
        Step::Reopen => state.app.reopen_score(&who, id, &reason, &meta).await,
        Step::Withdraw => state.app.withdraw_expert(&who, id, &reason, &meta).await.map(|_| ()),
        Step::Remind => state.app.remind_expert(&who, id, &meta).await,
    };
    let from_console = step == Step::Remind && fields.get("from") == Some("console");
    match outcome {
        Ok(()) => {
            let what = match step {
                Step::Reopen => "reopened",
                Step::Withdraw => "withdrawn",
                Step::Remind => "reminded",
            };
            if from_console {
                return match state.app.application(&who, application).await {
                    Ok(a) => Redirect::to(&format!("/bureau/review?batch={}&done={what}#overdue", a.batch_id))
                        .into_response(),
                    Err(error) => error_page(page, error),
                };
            }
            review_done(application, what, &format!("#assignment-{id}"))
        }
        Err(error) if from_console => match refusal(error) {
            Ok((status, errors)) => {
                let batch = match state.app.application(&who, application).await {
                    Ok(a) => a.batch_id,
                    Err(error) => return error_page(page, error),
                };
                let as_posted = ConsoleAsPosted { errors: errors.rest(), ..ConsoleAsPosted::default() };
                console_page(&state, page, &who, Some(batch), as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
        Err(error) => {
            review_refused(&state, page, &who, application, error, |errors| {
                let kind = match step {
                    Step::Reopen => "reopen",
                    _ => "withdraw",
                };
                let error = errors.take("reason");
                ReviewAsPosted { reason: Some((id, kind, Reason::new(reason, error))), ..ReviewAsPosted::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/assignments/{id}/reopen` (reason): the expert scores again.
pub(super) async fn reopen(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Reopen).await
}

/// `POST /bureau/assignments/{id}/withdraw` (reason): the expert is withdrawn for a conflict.
pub(super) async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Withdraw).await
}

/// `POST /bureau/assignments/{id}/remind` (from = console or empty): 催办.
pub(super) async fn remind(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Remind).await
}
