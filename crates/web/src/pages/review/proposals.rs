//! Recognition lists (认定名单): the leader's approval or send-back.

use super::*;

// ---------------------------------------------------------------------------------------------
// 认定名单

#[derive(Template)]
#[template(path = "review/proposals.html")]
pub(super) struct ProposalsPage {
    pub(super) page: Page,
    pub(super) rows: Vec<ProposalRow>,
    pub(super) leader: bool,
}

/// `GET /bureau/proposals`: every recognition list, the pending ones first.
pub(super) async fn proposals(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let mut found = or_error_page!(state.app.proposals(&who, None).await, page);
    found.sort_by_key(|p| p.status != ProposalStatus::Pending);
    let template = ProposalsPage {
        page: page.clone(),
        rows: found.iter().map(proposal_row).collect(),
        leader: allowed(&who, access::Action::ApproveProposal),
    };
    respond(StatusCode::OK, &page, &template)
}

#[derive(Template)]
#[template(path = "review/proposal.html")]
pub(super) struct ProposalPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) batch_id: String,
    pub(super) summary: ProposalRow,
    pub(super) note: String,
    pub(super) decision_note: String,
    pub(super) decided_by: String,
    pub(super) policy: String,
    pub(super) lines: Vec<RankRow>,
    /// A leader, and the list waits for a decision.
    pub(super) deciding: bool,
    pub(super) approve: Reason,
    pub(super) send_back: Reason,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

#[derive(Debug, Default)]
pub(super) struct ProposalAsPosted {
    pub(super) approve: Reason,
    pub(super) send_back: Reason,
    pub(super) errors: Vec<String>,
}

pub(super) async fn proposal_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ProposalId,
    as_posted: ProposalAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/bureau/proposals/{id}");
    let loaded = async { Ok::<_, AppError>((state.app.proposal(who, id).await?, state.app.accounts().await?)) };
    let (p, accounts) = or_error_page!(loaded.await, page);
    let decided_by = p
        .decided_by
        .and_then(|u| accounts.iter().find(|a| a.id == u).map(|a| a.display_name.clone()))
        .unwrap_or_default();
    let template = ProposalPage {
        page: page.clone(),
        id: id.to_string(),
        batch_id: p.batch_id.to_string(),
        summary: proposal_row(&p),
        note: p.note.clone(),
        decision_note: p.decision_note.clone().unwrap_or_default(),
        decided_by,
        policy: p.policy_id.clone(),
        lines: p.lines.iter().map(rank_row).collect(),
        deciding: allowed(who, access::Action::ApproveProposal) && p.status == ProposalStatus::Pending,
        approve: as_posted.approve,
        send_back: as_posted.send_back,
        notice,
        errors: as_posted.errors,
    };
    respond(status, &page, &template)
}

/// `GET /bureau/proposals/{id}`: the list line by line, each with its reason.
pub(super) async fn proposal(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ProposalId>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    proposal_page(&state, page, &who, id, ProposalAsPosted::default(), (notice_of(raw.as_deref()), StatusCode::OK))
        .await
}

pub(super) async fn decide(
    state: AppState,
    meta: RequestMeta,
    id: String,
    post: SignedInPost,
    approve: bool,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ProposalId>() else { return not_found(page) };
    let text = fields.get(if approve { "note" } else { "reason" }).unwrap_or_default().to_owned();
    let outcome = if approve {
        state.app.approve_proposal(&who, id, &text, &meta).await
    } else {
        state.app.send_back_proposal(&who, id, &text, &meta).await
    };
    match outcome {
        Ok(()) => {
            Redirect::to(&format!("/bureau/proposals/{id}?done={}", if approve { "approved" } else { "sent_back" }))
                .into_response()
        }
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let mut as_posted = ProposalAsPosted::default();
                if approve {
                    as_posted.approve = Reason::new(text, errors.take("note"));
                } else {
                    as_posted.send_back = Reason::new(text, errors.take("reason"));
                }
                as_posted.errors = errors.rest();
                proposal_page(&state, page, &who, id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /bureau/proposals/{id}/approve` (note): 审批通过.
pub(super) async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, true).await
}

/// `POST /bureau/proposals/{id}/send-back` (reason): 退回.
pub(super) async fn send_back(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, false).await
}
