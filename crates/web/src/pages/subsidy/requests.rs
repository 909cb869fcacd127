//! Funding requests (资金申请): the list, the draft, and one request as an official 请示 with
//! its decisions.

use super::*;

// ---------------------------------------------------------------------------------------------
// 资金申请: the list and the draft

#[derive(Debug)]
pub(super) struct RequestRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) status: &'static str,
    pub(super) waiting: bool,
    pub(super) total: String,
    pub(super) bases: String,
    pub(super) count: usize,
    pub(super) drafted_by: String,
    pub(super) drafted_at: String,
}

pub(super) fn request_row(f: &FundingView, names: &HashMap<String, String>) -> RequestRow {
    RequestRow {
        id: f.id.to_string(),
        title: f.title.clone(),
        status: f.status.label(),
        waiting: matches!(f.status, FundingStatus::Draft | FundingStatus::Submitted),
        total: money(f.total.fen()),
        bases: f.items.iter().map(|(_, b)| b.name.as_str()).collect::<Vec<_>>().join("、"),
        count: f.items.len(),
        drafted_by: name_of(names, Some(f.drafted_by)),
        drafted_at: local_time(f.drafted_at),
    }
}

#[derive(Debug)]
pub(super) struct CandidateBox {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) recognised_on: String,
    pub(super) checked: bool,
}

#[derive(Template)]
#[template(path = "subsidy/requests.html")]
pub(super) struct RequestsPage {
    pub(super) page: Page,
    pub(super) rows: Vec<RequestRow>,
    /// Staff: the draft form.
    pub(super) drafting: bool,
    pub(super) candidates: Vec<CandidateBox>,
    pub(super) bases_error: Option<String>,
    pub(super) note: Reason,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// What a refused draft brings back.
#[derive(Debug, Default)]
pub(super) struct DraftAsPosted {
    pub(super) chosen: Vec<String>,
    pub(super) bases_error: Option<String>,
    pub(super) note: Reason,
    pub(super) errors: Vec<String>,
}

pub(super) async fn requests_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    as_posted: DraftAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = "/funds/requests".to_owned();
    let drafting = allowed(who, access::Action::ManageFunding);
    let loaded = async {
        let all = state.app.funding_requests(who).await?;
        let candidates = if drafting { state.app.funding_candidates(who).await? } else { Vec::new() };
        Ok::<_, AppError>((all, candidates, names(state).await?))
    };
    let (all, candidates, names) = or_error_page!(loaded.await, page);
    let mut rows: Vec<RequestRow> = all.iter().map(|f| request_row(f, &names)).collect();
    rows.sort_by_key(|r| !r.waiting);
    let template = RequestsPage {
        page: page.clone(),
        rows,
        drafting,
        candidates: candidates
            .into_iter()
            .map(|b| CandidateBox {
                checked: as_posted.chosen.contains(&b.id.to_string()),
                id: b.id.to_string(),
                name: b.name,
                number: b.number,
                recognised_on: b.recognised_on.to_string(),
            })
            .collect(),
        bases_error: as_posted.bases_error,
        note: as_posted.note,
        notice,
        errors: as_posted.errors,
    };
    respond(status, &page, &template)
}

/// `GET /funds/requests`: every funding request, those waiting first; staff draft a new one.
pub(super) async fn requests(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    requests_page(&state, page, &who, DraftAsPosted::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

/// `POST /funds/requests` (bases…, note): staff draft a request for the ticked bases.
pub(super) async fn draft(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let chosen: Vec<String> = fields.0.iter().filter(|(k, _)| k == "bases").map(|(_, v)| v.clone()).collect();
    let note = fields.get("note").unwrap_or_default().to_owned();
    match state.app.draft_funding_request(&who, &chosen, &note, &meta).await {
        Ok(id) => Redirect::to(&format!("/funds/requests/{id}?done=drafted")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let as_posted = DraftAsPosted {
                    bases_error: errors.take_under("bases"),
                    note: Reason::new(note, errors.take("note")),
                    errors: errors.rest(),
                    chosen,
                };
                requests_page(&state, page, &who, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// 请示: one funding request as an official document, and its decision

#[derive(Debug)]
pub(super) struct ItemRow {
    pub(super) position: usize,
    pub(super) base_id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) recognised_on: String,
    pub(super) amount: String,
}

#[derive(Debug)]
pub(super) struct HistoryLine {
    pub(super) what: String,
    pub(super) who: String,
    pub(super) at: String,
    /// The comment the decider gave, if any.
    pub(super) comment: String,
}

#[derive(Template)]
#[template(path = "subsidy/request.html")]
pub(super) struct RequestPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) addressee: &'static str,
    pub(super) issuer: &'static str,
    pub(super) dated: String,
    /// 文号, once endorsed and sent to the coordination group.
    pub(super) doc_number: Option<String>,
    /// 签发人: the leader who endorsed it.
    pub(super) signer: Option<String>,
    /// 联系人: the staff who drafted it.
    pub(super) contact: String,
    pub(super) status: &'static str,
    pub(super) note: String,
    pub(super) items: Vec<ItemRow>,
    pub(super) total: String,
    pub(super) total_capital: String,
    pub(super) history: Vec<HistoryLine>,
    pub(super) reason: String,
    /// Which decision this viewer may take now: the leader on a draft, the group on a submission.
    pub(super) leader_deciding: bool,
    pub(super) group_deciding: bool,
    /// The viewer drafted it (and may not decide it).
    pub(super) own: bool,
    pub(super) approve: Reason,
    pub(super) reject: Reason,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

#[derive(Debug, Default)]
pub(super) struct DecisionAsPosted {
    pub(super) approve: Reason,
    pub(super) reject: Reason,
    pub(super) errors: Vec<String>,
}

pub(super) async fn request_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    as_posted: DecisionAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/funds/requests/{id}");
    let loaded = async { Ok::<_, AppError>((state.app.funding_request(who, id).await?, names(state).await?)) };
    let (f, names) = or_error_page!(loaded.await, page);
    let mut history = vec![HistoryLine {
        what: "经办人拟定".to_owned(),
        who: name_of(&names, Some(f.drafted_by)),
        at: local_time(f.drafted_at),
        comment: f.note.clone(),
    }];
    // Every decision with its actor, time and comment (a later one never hides an earlier one).
    history.extend(f.decisions.iter().map(|d| HistoryLine {
        what: d.action.label().to_owned(),
        who: name_of(&names, Some(d.actor)),
        at: local_time(d.at),
        comment: d.comment.clone(),
    }));
    let deciding = allowed(who, access::Action::DecideFunding);
    let template = RequestPage {
        page: page.clone(),
        id: id.to_owned(),
        title: f.title.clone(),
        addressee: ADDRESSEE,
        issuer: ISSUER,
        dated: chinese_date(local_date(f.drafted_at)),
        doc_number: f.doc_number.map(|(year, seq)| skillbase_app::subsidy::document_number(year, seq)),
        signer: f.endorsed_by.map(|u| name_of(&names, Some(u))),
        contact: name_of(&names, Some(f.drafted_by)),
        status: f.status.label(),
        note: f.note.clone(),
        items: f
            .items
            .iter()
            .enumerate()
            .map(|(i, (item, base))| ItemRow {
                position: i + 1,
                base_id: base.id.to_string(),
                name: base.name.clone(),
                number: base.number.clone(),
                recognised_on: base.recognised_on.to_string(),
                amount: money(item.amount.fen()),
            })
            .collect(),
        total: money(f.total.fen()),
        total_capital: capital_amount(f.total.fen()),
        history,
        reason: f.reason.clone().unwrap_or_default(),
        leader_deciding: deciding && who.role == Role::Leader && f.status == FundingStatus::Draft,
        group_deciding: deciding && who.role == Role::Funding && f.status == FundingStatus::Submitted,
        own: f.drafted_by == who.user.id,
        approve: as_posted.approve,
        reject: as_posted.reject,
        notice,
        errors: as_posted.errors,
    };
    respond(status, &page, &template)
}

/// `GET /funds/requests/{id}`: the 请示, printable on A4, with its decision.
pub(super) async fn request(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    request_page(&state, page, &who, &id, DecisionAsPosted::default(), (done_notice(raw.as_deref()), StatusCode::OK))
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
    let answer = if approve { FundingAnswer::Yes } else { FundingAnswer::No };
    let text = fields.get("reason").unwrap_or_default().to_owned();
    match state.app.decide_funding(&who, &id, answer, &text, &meta).await {
        Ok((action, _)) => {
            let done = match action {
                FundingAction::Endorse => "endorsed",
                FundingAction::Return => "returned",
                FundingAction::Approve => "approved",
                FundingAction::Reject => "rejected",
            };
            Redirect::to(&format!("/funds/requests/{id}?done={done}")).into_response()
        }
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let input = Reason::new(text, errors.take("reason"));
                let mut as_posted = DecisionAsPosted { errors: Vec::new(), ..DecisionAsPosted::default() };
                if approve {
                    as_posted.approve = input;
                } else {
                    as_posted.reject = input;
                }
                as_posted.errors = errors.rest();
                request_page(&state, page, &who, &id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/requests/{id}/approve` (reason, optional): the leader's 同意并报协调小组, or
/// the coordination group's 批准.
pub(super) async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, true).await
}

/// `POST /funds/requests/{id}/reject` (reason): the leader's 退回, or the group's 不予批准.
pub(super) async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, false).await
}
