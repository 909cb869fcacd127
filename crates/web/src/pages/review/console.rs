//! The review console of a call (评审): progress, the ranking, and drafting a recognition list.

use super::*;

// ---------------------------------------------------------------------------------------------
// 评审: the console of a call

#[derive(Debug)]
pub(super) struct ConsoleRow {
    pub(super) id: String,
    pub(super) organization: String,
    pub(super) status: &'static str,
    pub(super) drawn: usize,
    pub(super) declared: usize,
    pub(super) scored: usize,
    pub(super) overdue: usize,
    pub(super) mean: String,
    pub(super) outlier: bool,
}

#[derive(Debug)]
pub(super) struct OverdueRow {
    pub(super) id: String,
    pub(super) application_id: String,
    pub(super) expert: String,
    pub(super) organization: String,
    pub(super) status: &'static str,
    pub(super) due_on: String,
    pub(super) reminded_at: String,
}

#[derive(Debug)]
pub(super) struct RankRow {
    pub(super) application_id: String,
    pub(super) position: String,
    pub(super) organization: String,
    pub(super) uscc: String,
    pub(super) industry: String,
    pub(super) score: String,
    pub(super) scores: usize,
    pub(super) priority: &'static str,
    pub(super) outcome: &'static str,
    pub(super) proposed: bool,
    pub(super) reason: String,
}

pub(super) fn rank_row(line: &RankLine) -> RankRow {
    RankRow {
        application_id: line.application_id.to_string(),
        position: line.position.map_or_else(|| "—".to_owned(), |p| p.to_string()),
        organization: line.organization_name.clone(),
        uscc: line.organization_uscc.clone(),
        industry: line.industry.clone(),
        score: mean_text(line.mean_hundredths),
        scores: line.scores,
        priority: yes_no(line.priority_verified),
        outcome: line.outcome.label(),
        proposed: line.outcome == skillbase_domain::review::Outcome::Proposed,
        reason: line.reason.clone(),
    }
}

#[derive(Debug)]
pub(super) struct UnfinishedRow {
    pub(super) id: String,
    pub(super) organization: String,
    pub(super) status: &'static str,
}

#[derive(Debug)]
pub(super) struct ProposalRow {
    pub(super) id: String,
    pub(super) batch: String,
    pub(super) status: &'static str,
    pub(super) pending: bool,
    pub(super) drafted_by: String,
    pub(super) drafted_at: String,
    pub(super) decided_at: String,
    pub(super) proposed: usize,
    pub(super) lines: usize,
}

pub(super) fn proposal_row(p: &uc::ProposalView) -> ProposalRow {
    ProposalRow {
        id: p.id.to_string(),
        batch: p.batch_title.clone(),
        status: p.status.label(),
        pending: p.status == ProposalStatus::Pending,
        drafted_by: p.drafted_by_name.clone(),
        drafted_at: local_time(p.drafted_at),
        decided_at: p.decided_at.map(local_time).unwrap_or_default(),
        proposed: p.lines.iter().filter(|l| l.outcome == skillbase_domain::review::Outcome::Proposed).count(),
        lines: p.lines.len(),
    }
}

#[derive(Debug)]
pub(super) struct CallSummary {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) status: &'static str,
    pub(super) window: String,
    pub(super) quota: i64,
    pub(super) threshold: u32,
}

#[derive(Template)]
#[template(path = "review/console.html")]
pub(super) struct ConsolePage {
    pub(super) page: Page,
    /// The choice of a call.
    pub(super) calls: Input,
    pub(super) call: Option<CallSummary>,
    pub(super) rows: Vec<ConsoleRow>,
    pub(super) overdue: Vec<OverdueRow>,
    pub(super) ranking: Vec<RankRow>,
    pub(super) unfinished: Vec<UnfinishedRow>,
    pub(super) proposals: Vec<ProposalRow>,
    /// Staff: remind, draft.
    pub(super) organizing: bool,
    pub(super) draft: Reason,
    pub(super) draft_errors: Vec<String>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// What a refused post brings back to the console.
#[derive(Debug, Default)]
pub(super) struct ConsoleAsPosted {
    pub(super) draft: Reason,
    pub(super) draft_errors: Vec<String>,
    pub(super) errors: Vec<String>,
}

pub(super) async fn console_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    batch: Option<BatchId>,
    as_posted: ConsoleAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    let calls = or_error_page!(state.app.batches(Some(who)).await, page);
    // Without a choice: the latest call that was published.
    let chosen = match batch {
        Some(id) => match calls.iter().find(|b| b.id == id) {
            Some(b) => Some(b),
            None => return not_found(page),
        },
        None => calls.iter().find(|b| b.status != skillbase_domain::batch::BatchStatus::Draft),
    };
    let choices = calls
        .iter()
        .map(|b| Choice {
            value: b.id.to_string(),
            label: format!("{}（{}）", b.title, b.status.label()),
            selected: chosen.is_some_and(|c| c.id == b.id),
        })
        .collect();
    let organizing = allowed(who, access::Action::OrganizeReview);
    let ConsoleAsPosted { draft, draft_errors, errors } = as_posted;
    let mut template = ConsolePage {
        page: page.clone(),
        calls: Input::choose("batch", "申报批次", choices),
        call: None,
        rows: Vec::new(),
        overdue: Vec::new(),
        ranking: Vec::new(),
        unfinished: Vec::new(),
        proposals: Vec::new(),
        organizing,
        draft,
        draft_errors,
        notice,
        errors,
    };
    if let Some(call) = chosen {
        page.path = format!("/bureau/review?batch={}", call.id);
        template.page.path.clone_from(&page.path);
        let loaded = async {
            let received = state.app.every_application(who, Some(call.id), None).await?;
            let mut progress = Vec::new();
            for a in received.iter().filter(|a| a.status != Status::Draft) {
                progress.push(state.app.review_progress(who, a.id).await?);
            }
            let ranking = state.app.ranking(who, call.id).await?;
            let proposals = state.app.proposals(who, Some(call.id)).await?;
            Ok::<_, AppError>((progress, ranking, proposals))
        };
        let (progress, ranking, proposals) = or_error_page!(loaded.await, page);
        template.call = Some(CallSummary {
            id: call.id.to_string(),
            title: call.title.clone(),
            status: call.status.label(),
            window: format!("{} 至 {}", call.window.opens_on(), call.window.closes_on()),
            quota: call.quota,
            threshold: ranking.threshold,
        });
        for p in &progress {
            let a = &p.application;
            let count = |f: &dyn Fn(&AssignmentView) -> bool| p.assignments.iter().filter(|x| f(x)).count();
            template.rows.push(ConsoleRow {
                id: a.id.to_string(),
                organization: a.organization_name.clone(),
                status: a.status.staff_label(),
                drawn: p.assignments.len(),
                declared: count(&|x| x.declared_at.is_some()),
                scored: count(&|x| x.status == AssignmentStatus::Scored),
                overdue: count(&|x| x.overdue),
                mean: mean_text(p.aggregate.as_ref().map(|g| g.mean_hundredths)),
                outlier: p.assignments.iter().any(|x| x.outlier),
            });
            for x in p.assignments.iter().filter(|x| x.overdue) {
                template.overdue.push(OverdueRow {
                    id: x.id.to_string(),
                    application_id: a.id.to_string(),
                    expert: x.expert_name.clone(),
                    organization: a.organization_name.clone(),
                    status: x.status.label(),
                    due_on: x.due_on.to_string(),
                    reminded_at: x.reminded_at.map(local_time).unwrap_or_default(),
                });
            }
        }
        template.ranking = ranking.lines.iter().map(rank_row).collect();
        template.unfinished = ranking
            .unfinished
            .iter()
            .map(|(id, organization, status)| UnfinishedRow {
                id: id.to_string(),
                organization: organization.clone(),
                status: status.staff_label(),
            })
            .collect();
        template.proposals = proposals.iter().map(proposal_row).collect();
    }
    respond(status, &page, &template)
}

/// `GET /bureau/review?batch=`: a call's review at a glance.
pub(super) async fn console(
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
    let batch = match params.get("batch").unwrap_or_default() {
        "" => None,
        text => match text.parse::<BatchId>() {
            Ok(id) => Some(id),
            Err(_) => return not_found(page),
        },
    };
    let notice = done_notice(&params);
    console_page(&state, page, &who, batch, ConsoleAsPosted::default(), (notice, StatusCode::OK)).await
}

/// `POST /bureau/proposals` (batch, note): staff draft the recognition list from the ranking.
pub(super) async fn draft_proposal(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(batch) = fields.get("batch").unwrap_or_default().parse::<BatchId>() else { return not_found(page) };
    let note = fields.get("note").unwrap_or_default().to_owned();
    match state.app.draft_proposal(&who, batch, &note, &meta).await {
        Ok(id) => Redirect::to(&format!("/bureau/proposals/{id}?done=drafted")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let error = errors.take("note");
                let as_posted = ConsoleAsPosted {
                    draft: Reason::new(note, error),
                    draft_errors: errors.rest(),
                    ..Default::default()
                };
                console_page(&state, page, &who, Some(batch), as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}
