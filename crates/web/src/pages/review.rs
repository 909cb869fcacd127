//! Expert review (C4.2) on the bureau's and the experts' side: the expert pool, the review
//! console of a call (progress, overdue assignments, the ranking, the recognition list), one
//! application's review (the draw, each expert's sheet, reopening, withdrawal, reminders, the
//! stored draws), the recognition lists a leader approves or sends back, and the expert's own
//! assignments: the declaration before access, the materials, the score sheet.
//!
//! As on the other bureau pages, every page works without script: actions are form posts with
//! the session's CSRF token, answered with a redirect (303, `?done=`) when they succeed and with
//! the same page, what was typed kept and each error beside its field (4xx), when refused.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use skillbase_app::applications::ApplicationView;
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::review::{
    self as uc, AssignmentView, DEFAULT_REVIEW_DAYS, ExpertAssignment, ExpertInput, MAX_EXPERTS, PastEmployerEntry,
    RankLine, TieEntry,
};
use skillbase_app::{AppError, FieldError};
use skillbase_domain::access;
use skillbase_domain::application::{Action, Actor, Status, transition};
use skillbase_domain::ids::{ApplicationId, AssignmentId, AttachmentId, BatchId, ProposalId, UserId};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::review::{AssignmentStatus, MAX_COMMENT_CHARS, ProposalStatus, ScoreItem};
use skillbase_domain::roles::Role;

use super::admin::local_time;
use super::feedback::{Errors, error_page, not_found, refusal};
use super::forms::{SignedInPost, Who, safe_next};
use super::widgets::{Choice, Input, place_errors};
use super::{Page, allowed, bureau_reader, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{
        ApproveProposal, ManageExperts, OrganizeReview, ReadAssignments, ReadReview, ScoreAssignment,
    };
    vec![
        route(Method::GET, "/bureau/experts", ManageExperts, get(experts)),
        route(Method::POST, "/bureau/experts/{id}", ManageExperts, post(save_expert)),
        route(Method::GET, "/bureau/review", ReadReview, get(console)),
        route(Method::GET, "/bureau/applications/{id}/review", ReadReview, get(application_review)),
        route(Method::POST, "/bureau/applications/{id}/review", OrganizeReview, post(start_review)),
        route(Method::POST, "/bureau/applications/{id}/review/more", OrganizeReview, post(draw_more)),
        route(Method::POST, "/bureau/assignments/{id}/reopen", OrganizeReview, post(reopen)),
        route(Method::POST, "/bureau/assignments/{id}/withdraw", OrganizeReview, post(withdraw)),
        route(Method::POST, "/bureau/assignments/{id}/remind", OrganizeReview, post(remind)),
        route(Method::GET, "/bureau/proposals", ReadReview, get(proposals)),
        route(Method::POST, "/bureau/proposals", OrganizeReview, post(draft_proposal)),
        route(Method::GET, "/bureau/proposals/{id}", ReadReview, get(proposal)),
        route(Method::POST, "/bureau/proposals/{id}/approve", ApproveProposal, post(approve)),
        route(Method::POST, "/bureau/proposals/{id}/send-back", ApproveProposal, post(send_back)),
        route(Method::GET, "/expert", ReadAssignments, get(expert_home)),
        route(Method::GET, "/expert/assignments/{id}", ReadAssignments, get(expert_assignment)),
        route(Method::POST, "/expert/assignments/{id}/declare", ScoreAssignment, post(declare)),
        route(Method::POST, "/expert/assignments/{id}/score", ScoreAssignment, post(score)),
        route(Method::GET, "/expert/assignments/{id}/attachments/{attachment}", ReadAssignments, get(download)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "saved" => "已保存专家信息。",
        "drawn" => "已抽取评审专家，专家已收到通知。",
        "more" => "已补抽一名评审专家，专家已收到通知。",
        "reopened" => "已退回该专家的评分，专家已收到通知。",
        "withdrawn" => "已撤换该专家；如有符合条件的专家，系统已自动补抽。",
        "reminded" => "已催办，专家已收到通知。",
        "drafted" => "已拟定认定名单，待分管领导审批。",
        "approved" => "认定名单已审批通过。",
        "sent_back" => "认定名单已退回经办人。",
        "declared" => "已声明无利益冲突。现可查阅申报材料并评分。",
        "declined" => "已声明存在利益冲突并回避，系统将另行抽取专家。",
        "scored" => "评分已提交。",
        _ => return None,
    })
}

fn notice_of(raw: Option<&str>) -> Option<&'static str> {
    crate::query_params(raw).ok().as_ref().and_then(done_notice)
}

/// A reason (or a note) typed into a small form, kept when refused.
#[derive(Debug, Default, Clone)]
struct ReasonInput {
    reason: String,
    error: Option<String>,
}

fn yes_no(value: bool) -> &'static str {
    if value { "是" } else { "否" }
}

/// A whole number typed into a form, or the field's error.
fn whole_number(text: &str, field: &str, message: &str, errors: &mut Errors) -> Option<u32> {
    match text.trim().parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.fields.push((field.to_owned(), message.to_owned()));
            None
        }
    }
}

/// The mean of a panel as people read it: 80.33 分.
fn mean_text(hundredths: Option<i64>) -> String {
    hundredths.map_or_else(|| "—".to_owned(), |h| format!("{} 分", uc::points(h)))
}

/// Reviews in progress: the application is in review or scored (its experts may still act).
fn under_review(status: Status) -> bool {
    matches!(status, Status::InReview | Status::Scored)
}

// ---------------------------------------------------------------------------------------------
// 专家库

#[derive(Debug)]
struct ExpertRow {
    user_id: String,
    name: String,
    username: String,
    title: String,
    employer: String,
    industries: String,
    active: bool,
    disabled: bool,
}

#[derive(Debug)]
struct IndustryBox {
    id: String,
    name: String,
    checked: bool,
}

/// One row of past employers (USCC, name, last day) or of declared ties (USCC, name, reason).
#[derive(Debug, Default, Clone)]
struct TieRow {
    index: usize,
    uscc: String,
    name: String,
    third: String,
    uscc_error: Option<String>,
    third_error: Option<String>,
}

#[derive(Debug)]
struct ExpertForm {
    user_id: String,
    account: String,
    is_new: bool,
    version: String,
    inputs: Vec<Input>,
    industries: Vec<IndustryBox>,
    industries_error: Option<String>,
    past: Vec<TieRow>,
    ties: Vec<TieRow>,
    rows_error: Option<String>,
    active: bool,
}

impl ExpertForm {
    fn has_errors(&self) -> bool {
        self.industries_error.is_some()
            || self.rows_error.is_some()
            || self.inputs.iter().any(|i| i.error.is_some())
            || self.past.iter().chain(&self.ties).any(|r| r.uscc_error.is_some() || r.third_error.is_some())
    }

    /// Every error, for the summary above the form: (the input's id, the message).
    fn summary(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> =
            self.inputs.iter().filter_map(|i| i.error.clone().map(|e| (i.id(), e))).collect();
        if let Some(e) = &self.industries_error {
            all.push(("f-industries".to_owned(), e.clone()));
        }
        for (prefix, rows) in [("past", &self.past), ("tie", &self.ties)] {
            for r in rows {
                if let Some(e) = &r.uscc_error {
                    all.push((format!("{prefix}-{}-uscc", r.index), e.clone()));
                }
                if let Some(e) = &r.third_error {
                    all.push((format!("{prefix}-{}-third", r.index), e.clone()));
                }
            }
        }
        if let Some(e) = &self.rows_error {
            all.push(("f-ties".to_owned(), e.clone()));
        }
        all
    }
}

#[derive(Template)]
#[template(path = "review/experts.html")]
struct ExpertsPage {
    page: Page,
    rows: Vec<ExpertRow>,
    accounts: Vec<Choice>,
    form: Option<ExpertForm>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// How many blank rows the form offers beyond those filled in.
const BLANK_ROWS: usize = 2;

fn tie_rows(filled: Vec<(String, String, String)>, max: usize) -> Vec<TieRow> {
    let blank = (filled.len() + BLANK_ROWS).min(max).max(filled.len());
    let mut rows: Vec<TieRow> = filled
        .into_iter()
        .enumerate()
        .map(|(index, (uscc, name, third))| TieRow { index, uscc, name, third, ..TieRow::default() })
        .collect();
    while rows.len() < blank {
        rows.push(TieRow { index: rows.len(), ..TieRow::default() });
    }
    rows
}

fn expert_form(user: UserId, account: String, input: &ExpertInput, policy: &PolicyDocument) -> ExpertForm {
    let mut name = Input::new("name", "姓名", "text", &input.name);
    name.maxlength = Some(50);
    let mut title = Input::new("title", "职称或职业资格", "text", &input.title);
    title.maxlength = Some(50);
    title.hint = Some("例如：高级工程师、一级/高级技师");
    let mut employer = Input::new("employer_name", "工作单位", "text", &input.employer_name);
    employer.maxlength = Some(100);
    employer.required = false;
    let mut uscc = Input::new("employer_uscc", "工作单位统一社会信用代码", "text", &input.employer_uscc);
    uscc.maxlength = Some(18);
    uscc.required = false;
    uscc.hint = Some("18 位；用于回避本单位的申报。退休等无工作单位的可不填。");
    ExpertForm {
        user_id: user.to_string(),
        account,
        is_new: input.version.is_none(),
        version: input.version.map(|v| v.to_string()).unwrap_or_default(),
        inputs: vec![name, title, employer, uscc],
        industries: policy
            .industries()
            .iter()
            .map(|i| IndustryBox {
                id: i.id().to_owned(),
                name: i.name().to_owned(),
                checked: input.industries.iter().any(|x| x == i.id()),
            })
            .collect(),
        industries_error: None,
        past: tie_rows(
            input.past_employers.iter().map(|p| (p.uscc.clone(), p.name.clone(), p.until.clone())).collect(),
            20,
        ),
        ties: tie_rows(
            input.declared_ties.iter().map(|t| (t.uscc.clone(), t.name.clone(), t.reason.clone())).collect(),
            50,
        ),
        rows_error: None,
        active: input.active,
    }
}

async fn experts_page(
    state: &AppState,
    mut page: Page,
    selected: Option<UserId>,
    form: Option<ExpertForm>,
    (notice, errors, status): (Option<&'static str>, Vec<String>, StatusCode),
) -> Response {
    page.path = "/bureau/experts".to_owned();
    let loaded = async {
        let pool = state.app.experts().await?;
        let accounts = state.app.expert_accounts().await?;
        let policy = state.app.policy_in_force(state.app.clock.today()).await?.1;
        Ok::<_, AppError>((pool, accounts, policy))
    };
    let (pool, accounts, policy) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let industry_names = |ids: &[String]| {
        ids.iter().map(|id| policy.industry(id).map_or(id.as_str(), |i| i.name())).collect::<Vec<_>>().join("、")
    };
    let rows = pool
        .iter()
        .map(|e| ExpertRow {
            user_id: e.row.user_id.to_string(),
            name: e.row.name.clone(),
            username: e.row.username.clone(),
            title: e.row.title.clone(),
            employer: match (&e.row.employer_name, &e.row.employer_uscc) {
                (name, Some(uscc)) if !name.is_empty() => format!("{name}（{uscc}）"),
                (_, Some(uscc)) => uscc.clone(),
                (name, None) if !name.is_empty() => name.clone(),
                _ => "—".to_owned(),
            },
            industries: industry_names(&e.industries),
            active: e.row.active,
            disabled: e.row.disabled,
        })
        .collect();
    let in_pool: HashMap<UserId, &str> = pool.iter().map(|e| (e.row.user_id, e.row.name.as_str())).collect();
    let label = |id: &UserId, username: &str, display: &str| match in_pool.get(id) {
        Some(_) => format!("{display}（{username}）"),
        None => format!("{display}（{username}，未建档）"),
    };
    let mut choices = vec![Choice { value: String::new(), label: "请选择专家账户".to_owned(), selected: false }];
    choices.extend(accounts.iter().map(|(id, username, display)| Choice {
        value: id.to_string(),
        label: label(id, username, display),
        selected: Some(*id) == selected,
    }));
    let form = match (form, selected) {
        (Some(form), _) => Some(form),
        (None, Some(user)) => match accounts.iter().find(|(id, _, _)| *id == user) {
            None => return not_found(page),
            Some((id, username, display)) => {
                let input = match pool.iter().find(|e| e.row.user_id == user) {
                    Some(e) => ExpertInput {
                        name: e.row.name.clone(),
                        title: e.row.title.clone(),
                        employer_name: e.row.employer_name.clone(),
                        employer_uscc: e.row.employer_uscc.clone().unwrap_or_default(),
                        industries: e.industries.clone(),
                        past_employers: e.past_employers.clone(),
                        declared_ties: e.declared_ties.clone(),
                        active: e.row.active,
                        version: Some(e.row.version),
                    },
                    None => ExpertInput { name: display.clone(), active: true, ..ExpertInput::default() },
                };
                Some(expert_form(*id, label(id, username, display), &input, &policy))
            }
        },
        (None, None) => None,
    };
    let template = ExpertsPage { page: page.clone(), rows, accounts: choices, form, notice, errors };
    respond(status, &page, &template)
}

/// `GET /bureau/experts?user=`: the pool, and the profile of the chosen expert account.
async fn experts(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let selected = match params.get("user").unwrap_or_default() {
        "" => None,
        text => match text.parse::<UserId>() {
            Ok(id) => Some(id),
            Err(_) => return not_found(page),
        },
    };
    experts_page(&state, page, selected, None, (done_notice(&params), Vec::new(), StatusCode::OK)).await
}

/// The rows `prefix[i].a`, `prefix[i].b`, `prefix[i].c` as posted, in order, up to `max`.
fn posted_rows(fields: &Params, prefix: &str, (a, b, c): (&str, &str, &str), max: usize) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    for i in 0..max {
        let get = |name: &str| fields.get(&format!("{prefix}[{i}].{name}")).map(str::to_owned);
        let (x, y, z) = (get(a), get(b), get(c));
        if x.is_none() && y.is_none() && z.is_none() {
            break;
        }
        rows.push([x.unwrap_or_default(), y.unwrap_or_default(), z.unwrap_or_default()]);
    }
    rows
}

/// `POST /bureau/experts/{id}` (name, title, employer_name, employer_uscc, industries…,
/// past_employers[i].uscc/name/until, declared_ties[i].uscc/name/reason, active, version).
async fn save_expert(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(user) = id.parse::<UserId>() else { return not_found(page) };
    let value = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let past = posted_rows(&fields, "past_employers", ("uscc", "name", "until"), 20);
    let ties = posted_rows(&fields, "declared_ties", ("uscc", "name", "reason"), 50);
    let version = value("version");
    let input = ExpertInput {
        name: value("name"),
        title: value("title"),
        employer_name: value("employer_name"),
        employer_uscc: value("employer_uscc"),
        industries: fields.0.iter().filter(|(k, _)| k == "industries").map(|(_, v)| v.clone()).collect(),
        past_employers: past
            .iter()
            .map(|[uscc, name, until]| PastEmployerEntry {
                uscc: uscc.clone(),
                name: name.clone(),
                until: until.clone(),
            })
            .collect(),
        declared_ties: ties
            .iter()
            .map(|[uscc, name, reason]| TieEntry { uscc: uscc.clone(), name: name.clone(), reason: reason.clone() })
            .collect(),
        active: fields.get("active").is_some(),
        version: version.trim().parse::<i64>().ok(),
    };
    let (status, mut errors) = match state.app.save_expert(&who, user, &input, &meta).await {
        Ok(()) => return Redirect::to(&format!("/bureau/experts?done=saved#expert-{user}")).into_response(),
        Err(error) => match refusal(error) {
            Ok(refused) => refused,
            Err(error) => return error_page(page, error),
        },
    };
    let loaded = async {
        let accounts = state.app.expert_accounts().await?;
        let policy = state.app.policy_in_force(state.app.clock.today()).await?.1;
        Ok::<_, AppError>((accounts, policy))
    };
    let (accounts, policy) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let Some((_, username, display)) = accounts.iter().find(|(id, _, _)| *id == user) else {
        return not_found(page);
    };
    let mut form = expert_form(user, format!("{display}（{username}）"), &input, &policy);
    form.version = version;
    // The rows as posted (blank ones included: the errors' indexes are theirs).
    form.past = past
        .into_iter()
        .enumerate()
        .map(|(index, [uscc, name, until])| TieRow {
            index,
            uscc_error: errors.take(&format!("past_employers[{index}].uscc")),
            third_error: errors.take(&format!("past_employers[{index}].until")),
            uscc,
            name,
            third: until,
        })
        .collect();
    form.ties = ties
        .into_iter()
        .enumerate()
        .map(|(index, [uscc, name, reason])| TieRow {
            index,
            uscc_error: errors.take(&format!("declared_ties[{index}].uscc")),
            uscc,
            name,
            third: reason,
            ..TieRow::default()
        })
        .collect();
    if form.past.is_empty() {
        form.past = tie_rows(Vec::new(), 20);
    }
    if form.ties.is_empty() {
        form.ties = tie_rows(Vec::new(), 50);
    }
    place_errors(&mut form.inputs, &mut errors);
    form.industries_error = errors.take_under("industries");
    form.rows_error = errors.take("declared_ties");
    experts_page(&state, page, Some(user), Some(form), (None, errors.rest(), status)).await
}

// ---------------------------------------------------------------------------------------------
// 评审: the console of a call

#[derive(Debug)]
struct ConsoleRow {
    id: String,
    organization: String,
    status: &'static str,
    drawn: usize,
    declared: usize,
    scored: usize,
    overdue: usize,
    mean: String,
    outlier: bool,
}

#[derive(Debug)]
struct OverdueRow {
    id: String,
    application_id: String,
    expert: String,
    organization: String,
    status: &'static str,
    due_on: String,
    reminded_at: String,
}

#[derive(Debug)]
struct RankRow {
    application_id: String,
    position: String,
    organization: String,
    uscc: String,
    industry: String,
    score: String,
    scores: usize,
    priority: &'static str,
    outcome: &'static str,
    proposed: bool,
    reason: String,
}

fn rank_row(line: &RankLine) -> RankRow {
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
struct UnfinishedRow {
    id: String,
    organization: String,
    status: &'static str,
}

#[derive(Debug)]
struct ProposalRow {
    id: String,
    batch: String,
    status: &'static str,
    pending: bool,
    drafted_by: String,
    drafted_at: String,
    decided_at: String,
    proposed: usize,
    lines: usize,
}

fn proposal_row(p: &uc::ProposalView) -> ProposalRow {
    ProposalRow {
        id: p.row.id.to_string(),
        batch: p.row.batch_title.clone(),
        status: p.status.label(),
        pending: p.status == ProposalStatus::Pending,
        drafted_by: p.row.drafted_by_name.clone(),
        drafted_at: local_time(p.row.drafted_at),
        decided_at: p.row.decided_at.map(local_time).unwrap_or_default(),
        proposed: p.lines.iter().filter(|l| l.outcome == skillbase_domain::review::Outcome::Proposed).count(),
        lines: p.lines.len(),
    }
}

#[derive(Debug)]
struct CallSummary {
    id: String,
    title: String,
    status: &'static str,
    window: String,
    quota: i64,
    threshold: u32,
}

#[derive(Template)]
#[template(path = "review/console.html")]
struct ConsolePage {
    page: Page,
    calls: Vec<Choice>,
    call: Option<CallSummary>,
    rows: Vec<ConsoleRow>,
    overdue: Vec<OverdueRow>,
    ranking: Vec<RankRow>,
    unfinished: Vec<UnfinishedRow>,
    proposals: Vec<ProposalRow>,
    /// Staff: remind, draft.
    organizing: bool,
    draft: ReasonInput,
    draft_errors: Vec<String>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// What a refused post brings back to the console.
#[derive(Debug, Default)]
struct ConsoleTyped {
    draft: ReasonInput,
    draft_errors: Vec<String>,
    errors: Vec<String>,
}

async fn console_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    batch: Option<BatchId>,
    typed: ConsoleTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    let calls = match state.app.batches(Some(who)).await {
        Ok(calls) => calls,
        Err(error) => return error_page(page, error),
    };
    // Without a choice: the latest call that was published.
    let chosen = match batch {
        Some(id) => match calls.iter().find(|b| b.row.id == id) {
            Some(b) => Some(b),
            None => return not_found(page),
        },
        None => calls.iter().find(|b| b.status != skillbase_domain::batch::BatchStatus::Draft),
    };
    let choices = calls
        .iter()
        .map(|b| Choice {
            value: b.row.id.to_string(),
            label: format!("{}（{}）", b.row.title, b.status.label()),
            selected: chosen.is_some_and(|c| c.row.id == b.row.id),
        })
        .collect();
    let organizing = allowed(who, access::Action::OrganizeReview);
    let ConsoleTyped { draft, draft_errors, errors } = typed;
    let mut template = ConsolePage {
        page: page.clone(),
        calls: choices,
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
        page.path = format!("/bureau/review?batch={}", call.row.id);
        template.page.path.clone_from(&page.path);
        let loaded = async {
            let received = state.app.applications(who, Some(call.row.id), None).await?;
            let mut progress = Vec::new();
            for a in received.iter().filter(|a| a.status != Status::Draft) {
                progress.push(state.app.review_progress(who, a.row.id).await?);
            }
            let ranking = state.app.ranking(who, call.row.id).await?;
            let proposals = state.app.proposals(who, Some(call.row.id)).await?;
            Ok::<_, AppError>((progress, ranking, proposals))
        };
        let (progress, ranking, proposals) = match loaded.await {
            Ok(loaded) => loaded,
            Err(error) => return error_page(page, error),
        };
        template.call = Some(CallSummary {
            id: call.row.id.to_string(),
            title: call.row.title.clone(),
            status: call.status.label(),
            window: format!("{} 至 {}", call.row.opens_on, call.row.closes_on),
            quota: call.row.quota,
            threshold: ranking.threshold,
        });
        for p in &progress {
            let a = &p.application;
            let count = |f: &dyn Fn(&AssignmentView) -> bool| p.assignments.iter().filter(|x| f(x)).count();
            template.rows.push(ConsoleRow {
                id: a.row.id.to_string(),
                organization: a.row.organization_name.clone(),
                status: a.status.staff_label(),
                drawn: p.assignments.len(),
                declared: count(&|x| x.row.declared_at.is_some()),
                scored: count(&|x| x.status == AssignmentStatus::Scored),
                overdue: count(&|x| x.overdue),
                mean: mean_text(p.aggregate.as_ref().map(|g| g.mean_hundredths)),
                outlier: p.assignments.iter().any(|x| x.outlier),
            });
            for x in p.assignments.iter().filter(|x| x.overdue) {
                template.overdue.push(OverdueRow {
                    id: x.row.id.to_string(),
                    application_id: a.row.id.to_string(),
                    expert: x.row.expert_name.clone(),
                    organization: a.row.organization_name.clone(),
                    status: x.status.label(),
                    due_on: x.row.due_on.clone(),
                    reminded_at: x.row.reminded_at.map(local_time).unwrap_or_default(),
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
async fn console(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
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
    console_page(&state, page, &who, batch, ConsoleTyped::default(), (notice, StatusCode::OK)).await
}

/// `POST /bureau/proposals` (batch, note): staff draft the recognition list from the ranking.
async fn draft_proposal(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(batch) = fields.get("batch").unwrap_or_default().parse::<BatchId>() else { return not_found(page) };
    let note = fields.get("note").unwrap_or_default().to_owned();
    match state.app.draft_proposal(&who, batch, &note, &meta).await {
        Ok(id) => Redirect::to(&format!("/bureau/proposals/{id}?done=drafted")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let error = errors.take("note");
                let typed = ConsoleTyped {
                    draft: ReasonInput { reason: note, error },
                    draft_errors: errors.rest(),
                    ..Default::default()
                };
                console_page(&state, page, &who, Some(batch), typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// One application's review

#[derive(Debug)]
struct SheetRow {
    name: String,
    max: u32,
    points: u32,
    comment: String,
}

fn sheet_rows(sheet: &[ScoreItem], policy: &PolicyDocument) -> Vec<SheetRow> {
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
struct AssignmentRow {
    id: String,
    expert: String,
    status: &'static str,
    due_on: String,
    overdue: bool,
    total: Option<i64>,
    outlier: bool,
    dropped: bool,
    declared_at: String,
    submitted_at: String,
    reminded_at: String,
    conflict_reason: Option<String>,
    reopened_reason: Option<String>,
    sheet: Vec<SheetRow>,
    may_reopen: bool,
    may_withdraw: bool,
    may_remind: bool,
    reopen: ReasonInput,
    withdraw: ReasonInput,
}

#[derive(Debug)]
struct DrawRow {
    reason: &'static str,
    seed: String,
    wanted: i64,
    drawn_at: String,
    drawn_by: String,
    policy: String,
    candidates: Vec<String>,
    excluded: Vec<String>,
    drawn: Vec<String>,
}

#[derive(Debug)]
struct AggregateView {
    mean: String,
    counted: usize,
    median: String,
    scores: usize,
}

#[derive(Template)]
#[template(path = "review/application.html")]
struct ReviewPage {
    page: Page,
    id: String,
    batch_id: String,
    organization: String,
    uscc: String,
    batch: String,
    status: &'static str,
    notice: Option<&'static str>,
    errors: Vec<String>,
    /// 抽取评审专家: the number and the deadline.
    start: Option<Vec<Input>>,
    /// 补抽: the deadline of the one more.
    more: Option<Vec<Input>>,
    assignments: Vec<AssignmentRow>,
    draws: Vec<DrawRow>,
    aggregate: Option<AggregateView>,
    minimum: usize,
    outlier_points: u32,
}

/// What a refused post brings back to the application's review page.
#[derive(Debug, Default)]
struct ReviewTyped {
    start: Option<Vec<Input>>,
    more: Option<Vec<Input>>,
    /// (assignment, `reopen` or `withdraw`, what was typed).
    reason: Option<(AssignmentId, &'static str, ReasonInput)>,
    errors: Vec<String>,
}

fn start_inputs(experts: &str, days: &str, minimum: u32) -> Vec<Input> {
    let mut number = Input::number("experts", "抽取专家人数", experts, (i64::from(minimum), i64::from(MAX_EXPERTS)));
    number.hint = Some("从专家库中该申报所属重点产业、且无利益冲突的在库专家中随机抽取。");
    let mut due = Input::number("days", "评审期限（工作日）", days, review_days());
    due.hint = Some("自次日起按工作日计算，期限届满当日 24 时截止。");
    vec![number, due]
}

/// The review deadlines staff may give (the domain's).
fn review_days() -> (i64, i64) {
    (i64::from(*uc::REVIEW_DAYS.start()), i64::from(*uc::REVIEW_DAYS.end()))
}

fn more_inputs(days: &str) -> Vec<Input> {
    let mut due = Input::number("more_days", "补抽专家的评审期限（工作日）", days, review_days());
    due.hint = Some("补抽一名无利益冲突的专家（例如撤换后无人可补时）。");
    vec![due]
}

async fn review_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ApplicationId,
    typed: ReviewTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/bureau/applications/{id}/review");
    let loaded = async {
        let progress = state.app.review_progress(who, id).await?;
        let policy = state.app.policy_for(&progress.application.row).await?;
        let pool = state.app.experts().await?;
        let accounts = state.app.accounts().await?;
        Ok::<_, AppError>((progress, policy, pool, accounts))
    };
    let (progress, policy, pool, accounts) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let a: &ApplicationView = &progress.application;
    let organizing = allowed(who, access::Action::OrganizeReview);
    let reviewing = under_review(a.status);
    let names: HashMap<String, String> = pool.iter().map(|e| (e.row.user_id.to_string(), e.row.name.clone())).collect();
    let people: HashMap<UserId, String> = accounts.into_iter().map(|u| (u.id, u.display_name)).collect();
    let name_of = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    let list = |json: &str| -> Vec<String> {
        serde_json::from_str::<Vec<String>>(json).unwrap_or_default().iter().map(name_of).collect()
    };
    let ReviewTyped { start, more, reason, errors } = typed;
    let typed_reason = |assignment: AssignmentId, kind: &str| match &reason {
        Some((x, k, input)) if *x == assignment && *k == kind => input.clone(),
        _ => ReasonInput::default(),
    };
    let may_start = organizing && transition(a.status, Action::StartReview, Actor::Person(Role::Staff)).is_ok();
    let default_experts = policy.experts_per_application().to_string();
    let template = ReviewPage {
        page: page.clone(),
        id: id.to_string(),
        batch_id: a.row.batch_id.to_string(),
        organization: a.row.organization_name.clone(),
        uscc: a.row.organization_uscc.clone(),
        batch: a.row.batch_title.clone(),
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
                id: x.row.id.to_string(),
                expert: x.row.expert_name.clone(),
                status: x.status.label(),
                due_on: x.row.due_on.clone(),
                overdue: x.overdue,
                total: x.row.total.filter(|_| x.status == AssignmentStatus::Scored),
                outlier: x.outlier,
                dropped: x.dropped,
                declared_at: x.row.declared_at.map(local_time).unwrap_or_default(),
                submitted_at: x.row.submitted_at.map(local_time).unwrap_or_default(),
                reminded_at: x.row.reminded_at.map(local_time).unwrap_or_default(),
                conflict_reason: x.row.conflict_reason.clone().filter(|r| !r.is_empty()),
                reopened_reason: x.row.reopened_reason.clone().filter(|r| !r.is_empty()),
                sheet: if x.status == AssignmentStatus::Scored { sheet_rows(&x.sheet, &policy) } else { Vec::new() },
                may_reopen: organizing && reviewing && x.status == AssignmentStatus::Scored,
                may_withdraw: organizing && reviewing && x.status.is_active(),
                may_remind: organizing
                    && reviewing
                    && matches!(x.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted),
                reopen: typed_reason(x.row.id, "reopen"),
                withdraw: typed_reason(x.row.id, "withdraw"),
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
async fn application_review(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    review_page(&state, page, &who, id, ReviewTyped::default(), (notice_of(raw.as_deref()), StatusCode::OK)).await
}

fn review_done(id: ApplicationId, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/bureau/applications/{id}/review?done={what}{anchor}")).into_response()
}

/// Answers a refused action with the review page, or an error page for what it cannot say.
async fn review_refused(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: ApplicationId,
    error: AppError,
    fill: impl FnOnce(&mut Errors) -> ReviewTyped,
) -> Response {
    match refusal(error) {
        Ok((status, mut errors)) => {
            let mut typed = fill(&mut errors);
            typed.errors.extend(errors.rest());
            review_page(state, page, who, id, typed, (None, status)).await
        }
        Err(error) => error_page(page, error),
    }
}

/// `POST /bureau/applications/{id}/review` (experts, days): draws the panel.
async fn start_review(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
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
                Ok(a) => match state.app.policy_for(&a.row).await {
                    Ok(policy) => policy.min_experts(),
                    Err(error) => return error_page(page, error),
                },
                Err(error) => return error_page(page, error),
            };
            review_refused(&state, page, &who, id, error, |errors| {
                let mut inputs = start_inputs(&experts, &days, minimum);
                place_errors(&mut inputs, errors);
                ReviewTyped { start: Some(inputs), ..ReviewTyped::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/review/more` (more_days): 补抽 one expert.
async fn draw_more(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let days = fields.get("more_days").unwrap_or_default().trim().to_owned();
    let mut local = Errors::default();
    let outcome = match whole_number(&days, "more_days", "请填写评审期限（整数个工作日）", &mut local) {
        Some(d) if uc::REVIEW_DAYS.contains(&d) => state.app.draw_more(&who, id, Some(d), &meta).await.map(|_| ()),
        Some(_) => Err(AppError::Fields(vec![FieldError::new(
            "more_days",
            "days_out_of_range",
            format!("评审期限应为 {} 至 {} 个工作日", review_days().0, review_days().1),
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
                place_errors(&mut inputs, errors);
                ReviewTyped { more: Some(inputs), ..ReviewTyped::default() }
            })
            .await
        }
    }
}

/// What staff do to one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Reopen,
    Withdraw,
    Remind,
}

async fn on_assignment(state: AppState, meta: RequestMeta, id: String, post: SignedInPost, step: Step) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<AssignmentId>() else { return not_found(page) };
    let current = match state.app.assignment(&who, id).await {
        Ok(current) => current,
        Err(error) => return error_page(page, error),
    };
    let application = current.row.application_id;
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
                    Ok(a) => Redirect::to(&format!("/bureau/review?batch={}&done={what}#overdue", a.row.batch_id))
                        .into_response(),
                    Err(error) => error_page(page, error),
                };
            }
            review_done(application, what, &format!("#assignment-{id}"))
        }
        Err(error) if from_console => match refusal(error) {
            Ok((status, errors)) => {
                let batch = match state.app.application(&who, application).await {
                    Ok(a) => a.row.batch_id,
                    Err(error) => return error_page(page, error),
                };
                let typed = ConsoleTyped { errors: errors.rest(), ..ConsoleTyped::default() };
                console_page(&state, page, &who, Some(batch), typed, (None, status)).await
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
                ReviewTyped { reason: Some((id, kind, ReasonInput { reason, error })), ..ReviewTyped::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/assignments/{id}/reopen` (reason): the expert scores again.
async fn reopen(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Reopen).await
}

/// `POST /bureau/assignments/{id}/withdraw` (reason): the expert is withdrawn for a conflict.
async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Withdraw).await
}

/// `POST /bureau/assignments/{id}/remind` (from = console or empty): 催办.
async fn remind(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    on_assignment(state, meta, id, post, Step::Remind).await
}

// ---------------------------------------------------------------------------------------------
// 认定名单

#[derive(Template)]
#[template(path = "review/proposals.html")]
struct ProposalsPage {
    page: Page,
    rows: Vec<ProposalRow>,
    leader: bool,
}

/// `GET /bureau/proposals`: every recognition list, the pending ones first.
async fn proposals(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let mut found = match state.app.proposals(&who, None).await {
        Ok(found) => found,
        Err(error) => return error_page(page, error),
    };
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
struct ProposalPage {
    page: Page,
    id: String,
    batch_id: String,
    summary: ProposalRow,
    note: String,
    decision_note: String,
    decided_by: String,
    policy: String,
    lines: Vec<RankRow>,
    /// A leader, and the list waits for a decision.
    deciding: bool,
    approve: ReasonInput,
    send_back: ReasonInput,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Debug, Default)]
struct ProposalTyped {
    approve: ReasonInput,
    send_back: ReasonInput,
    errors: Vec<String>,
}

async fn proposal_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ProposalId,
    typed: ProposalTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/bureau/proposals/{id}");
    let loaded = async { Ok::<_, AppError>((state.app.proposal(who, id).await?, state.app.accounts().await?)) };
    let (p, accounts) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let decided_by = p
        .row
        .decided_by
        .and_then(|u| accounts.iter().find(|a| a.id == u).map(|a| a.display_name.clone()))
        .unwrap_or_default();
    let template = ProposalPage {
        page: page.clone(),
        id: id.to_string(),
        batch_id: p.row.batch_id.to_string(),
        summary: proposal_row(&p),
        note: p.row.note.clone(),
        decision_note: p.row.decision_note.clone().unwrap_or_default(),
        decided_by,
        policy: p.row.policy_id.clone(),
        lines: p.lines.iter().map(rank_row).collect(),
        deciding: allowed(who, access::Action::ApproveProposal) && p.status == ProposalStatus::Pending,
        approve: typed.approve,
        send_back: typed.send_back,
        notice,
        errors: typed.errors,
    };
    respond(status, &page, &template)
}

/// `GET /bureau/proposals/{id}`: the list line by line, each with its reason.
async fn proposal(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let Ok(id) = id.parse::<ProposalId>() else { return not_found(page) };
    proposal_page(&state, page, &who, id, ProposalTyped::default(), (notice_of(raw.as_deref()), StatusCode::OK)).await
}

async fn decide(state: AppState, meta: RequestMeta, id: String, post: SignedInPost, approve: bool) -> Response {
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
                let mut typed = ProposalTyped::default();
                if approve {
                    typed.approve = ReasonInput { error: errors.take("note"), reason: text };
                } else {
                    typed.send_back = ReasonInput { error: errors.take("reason"), reason: text };
                }
                typed.errors = errors.rest();
                proposal_page(&state, page, &who, id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /bureau/proposals/{id}/approve` (note): 审批通过.
async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, true).await
}

/// `POST /bureau/proposals/{id}/send-back` (reason): 退回.
async fn send_back(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, false).await
}

// ---------------------------------------------------------------------------------------------
// 我的评审任务 (the expert)

#[derive(Debug)]
struct MyRow {
    id: String,
    batch: String,
    organization: String,
    status: &'static str,
    due_on: String,
    overdue: bool,
    open: bool,
}

#[derive(Debug)]
struct NoteRow {
    at: String,
    title: String,
    body: String,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "review/expert_home.html")]
struct ExpertHomePage {
    page: Page,
    rows: Vec<MyRow>,
    notifications: Vec<NoteRow>,
    notice: Option<&'static str>,
}

/// `GET /expert`: my assignments, those waiting for me first, and my notifications.
async fn expert_home(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    if who.role != Role::Expert {
        return not_found(page);
    }
    let loaded = async {
        let mine = state.app.assignments(&who, None, None).await?;
        let mut work = Vec::new();
        for a in &mine {
            work.push(state.app.expert_assignment(&who, a.row.id).await?);
        }
        Ok::<_, AppError>((work, state.app.user_notifications(&who).await?))
    };
    let (mut work, notes) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let open =
        |w: &ExpertAssignment| matches!(w.assignment.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted);
    work.sort_by(|a, b| open(b).cmp(&open(a)).then_with(|| a.assignment.row.due_on.cmp(&b.assignment.row.due_on)));
    let rows = work
        .iter()
        .map(|w| MyRow {
            id: w.assignment.row.id.to_string(),
            batch: w.batch_title.clone(),
            organization: w.organization_name.clone(),
            status: w.assignment.status.label(),
            due_on: w.assignment.row.due_on.clone(),
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

#[derive(Debug, Clone)]
struct FileLink {
    name: String,
    href: String,
}

#[derive(Debug)]
struct ReadFact {
    label: &'static str,
    value: String,
}

fn read_fact(label: &'static str, value: impl Into<String>) -> ReadFact {
    ReadFact { label, value: value.into() }
}

#[derive(Debug)]
struct ReadSite {
    name: String,
    address: String,
    area_m2: u32,
    equipment: String,
    photos: Vec<FileLink>,
}

#[derive(Debug)]
struct ReadDocument {
    kind: String,
    document: Option<FileLink>,
    wall_photo: Option<FileLink>,
}

#[derive(Debug)]
struct ReadClaim {
    basis: String,
    description: String,
    certificate: Option<FileLink>,
}

#[derive(Debug)]
struct ReadProject {
    code: String,
    occupation: String,
    levels: String,
    criteria: String,
    annual_capacity: u32,
    description: String,
}

/// The application as the expert reads it: compact, every id in the policy's words, every file
/// a download through the assignment.
#[derive(Debug)]
struct ReadApplication {
    profile: Vec<ReadFact>,
    sites: Vec<ReadSite>,
    team: Vec<ReadFact>,
    rule_documents: Vec<ReadDocument>,
    claims: Vec<ReadClaim>,
    projects: Vec<ReadProject>,
    trainees: Vec<ReadFact>,
    commitment_letter: Option<FileLink>,
    files: Vec<FileLink>,
}

fn or_blank(text: &str) -> String {
    if text.trim().is_empty() { "（未填写）".to_owned() } else { text.to_owned() }
}

fn read_application(work: &ExpertAssignment, a: &ApplicationView) -> ReadApplication {
    let policy = &work.policy;
    let names: HashMap<AttachmentId, &str> = work.attachments.iter().map(|f| (f.id, f.display_name.as_str())).collect();
    let base = format!("/expert/assignments/{}/attachments", work.assignment.row.id);
    let link = |id: AttachmentId| FileLink {
        name: names.get(&id).map_or_else(|| "（附件不存在）".to_owned(), |n| (*n).to_owned()),
        href: format!("{base}/{id}"),
    };
    let form = &a.form;
    let p = &form.profile;
    let kind =
        policy.kind(&a.row.organization_kind).map_or_else(|| a.row.organization_kind.clone(), |k| k.name().to_owned());
    ReadApplication {
        profile: vec![
            read_fact("单位类型", kind),
            read_fact(
                "所属重点产业",
                policy.industry(&p.industry).map_or_else(|| or_blank(&p.industry), |i| i.name().to_owned()),
            ),
            read_fact("注册地行政区划代码", or_blank(&p.registered_division)),
            read_fact("技能人才实训组织实施经验", or_blank(&p.training_experience)),
            read_fact("愿意为区域技能人才提供实训条件", yes_no(p.open_to_region)),
        ],
        sites: form
            .sites
            .iter()
            .map(|s| ReadSite {
                name: or_blank(&s.name),
                address: or_blank(&s.address),
                area_m2: s.area_m2,
                equipment: s
                    .equipment
                    .iter()
                    .map(|e| format!("{} × {}（{}）", or_blank(&e.name), e.quantity, e.value))
                    .collect::<Vec<_>>()
                    .join("；"),
                photos: s.photos.iter().map(|id| link(*id)).collect(),
            })
            .collect(),
        team: vec![
            read_fact("专门负责部门", or_blank(&form.team.department)),
            read_fact("专职人员", format!("{} 人", form.team.full_time_staff)),
            read_fact(
                "行业领域专家",
                form.team
                    .experts
                    .iter()
                    .map(|e| format!("{}（{}，{}）", or_blank(&e.name), e.title, e.qualification))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ],
        rule_documents: form
            .rule_documents
            .iter()
            .map(|d| ReadDocument {
                kind: policy.rule_document(&d.kind).map_or_else(|| d.kind.clone(), |k| k.name().to_owned()),
                document: d.document.map(link),
                wall_photo: d.wall_photo.map(link),
            })
            .collect(),
        claims: form
            .priority_claims
            .iter()
            .map(|c| ReadClaim {
                basis: policy.priority_basis(&c.basis).map_or_else(|| c.basis.clone(), |b| b.name().to_owned()),
                description: c.description.clone(),
                certificate: c.certificate.map(link),
            })
            .collect(),
        projects: form
            .projects
            .iter()
            .map(|p| ReadProject {
                code: p.occupation.as_str().to_owned(),
                occupation: p.occupation.name().to_owned(),
                levels: p.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、"),
                criteria: p
                    .criteria
                    .iter()
                    .map(|c| policy.project_criterion(c).map_or_else(|| c.clone(), |k| k.name().to_owned()))
                    .collect::<Vec<_>>()
                    .join("；"),
                annual_capacity: p.annual_capacity,
                description: p.description.clone(),
            })
            .collect(),
        trainees: vec![
            read_fact("本单位技能岗位从业人员", format!("{} 人", form.trainees.own_staff)),
            read_fact("院校学生", format!("{} 人", form.trainees.students)),
            read_fact(
                "产业链上下游企业",
                form.trainees
                    .supply_chain
                    .iter()
                    .map(|c| format!("{}（{}）", c.name, c.relation.label()))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ],
        commitment_letter: form.commitment_letter.map(link),
        files: work.attachments.iter().map(|f| link(f.id)).collect(),
    }
}

/// One criterion of the score sheet as typed.
#[derive(Debug)]
struct ScoreRow {
    index: usize,
    criterion: String,
    name: String,
    clause: String,
    max: u32,
    points: String,
    comment: String,
    points_error: Option<String>,
    comment_error: Option<String>,
}

#[derive(Debug, Default)]
struct DeclareForm {
    /// `no`, `yes` or empty.
    choice: String,
    reason: String,
    choice_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Debug)]
struct Submitted {
    rows: Vec<SheetRow>,
    total: i64,
    others: Vec<u32>,
}

#[derive(Template)]
#[template(path = "review/expert_assignment.html")]
struct AssignmentPage {
    page: Page,
    id: String,
    batch: String,
    organization: String,
    status: &'static str,
    due_on: String,
    overdue: bool,
    notice: Option<&'static str>,
    errors: Vec<String>,
    declare: Option<DeclareForm>,
    application: Option<ReadApplication>,
    score: Option<Vec<ScoreRow>>,
    submitted: Option<Submitted>,
    reopened_reason: Option<String>,
    declined: bool,
    max_comment: usize,
}

/// What a refused post brings back to the expert's page.
#[derive(Debug, Default)]
struct AssignmentTyped {
    declare: Option<DeclareForm>,
    score: Option<Vec<ScoreRow>>,
    errors: Vec<String>,
}

fn score_rows(policy: &PolicyDocument, sheet: &[ScoreItem]) -> Vec<ScoreRow> {
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

async fn assignment_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: AssignmentId,
    typed: AssignmentTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/expert/assignments/{id}");
    let work = match state.app.expert_assignment(who, id).await {
        Ok(work) => work,
        Err(error) => return error_page(page, error),
    };
    let x = &work.assignment;
    let AssignmentTyped { declare, score, errors } = typed;
    let template = AssignmentPage {
        page: page.clone(),
        id: id.to_string(),
        batch: work.batch_title.clone(),
        organization: work.organization_name.clone(),
        status: x.status.label(),
        due_on: x.row.due_on.clone(),
        overdue: x.overdue,
        notice,
        errors,
        declare: (x.status == AssignmentStatus::Assigned).then(|| declare.unwrap_or_default()),
        application: work.application.as_ref().map(|a| read_application(&work, a)),
        score: (x.status == AssignmentStatus::Accepted)
            .then(|| score.unwrap_or_else(|| score_rows(&work.policy, &x.sheet))),
        submitted: (x.status == AssignmentStatus::Scored).then(|| Submitted {
            rows: sheet_rows(&x.sheet, &work.policy),
            total: x.row.total.unwrap_or_default(),
            others: work.others.clone(),
        }),
        reopened_reason: x
            .row
            .reopened_reason
            .clone()
            .filter(|r| !r.is_empty() && x.status == AssignmentStatus::Accepted),
        declined: x.status == AssignmentStatus::DeclinedConflict,
        max_comment: MAX_COMMENT_CHARS,
    };
    respond(status, &page, &template)
}

/// `GET /expert/assignments/{id}`: the declaration first; then the materials and the sheet.
async fn expert_assignment(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if who.role != Role::Expert {
        return not_found(page);
    }
    let Ok(id) = id.parse::<AssignmentId>() else { return not_found(page) };
    assignment_page(&state, page, &who, id, AssignmentTyped::default(), (notice_of(raw.as_deref()), StatusCode::OK))
        .await
}

/// `POST /expert/assignments/{id}/declare` (conflict = no | yes, reason).
async fn declare(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<AssignmentId>() else { return not_found(page) };
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
                let typed =
                    AssignmentTyped { declare: Some(form), errors: errors.rest(), ..AssignmentTyped::default() };
                assignment_page(&state, page, &who, id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /expert/assignments/{id}/score` (items[i].criterion, items[i].points,
/// items[i].comment, in the rubric's order).
async fn score(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<AssignmentId>() else { return not_found(page) };
    let work = match state.app.expert_assignment(&who, id).await {
        Ok(work) => work,
        Err(error) => return error_page(page, error),
    };
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
                let typed = AssignmentTyped { score: Some(rows), errors: errors.rest(), ..AssignmentTyped::default() };
                assignment_page(&state, page, &who, id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `GET /expert/assignments/{id}/attachments/{attachment}`: a file of the assigned application,
/// once the expert declared no conflict; always as a download.
async fn download(
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
        Ok((row, bytes)) => crate::api::applications::file_response(&row, bytes),
        Err(error) => error_page(page, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_a_field_and_its_items_are_taken_together() {
        let mut errors = Errors {
            fields: vec![
                ("industries[1]".to_owned(), "不是政策所列重点产业".to_owned()),
                ("industries_other".to_owned(), "x".to_owned()),
                ("industries".to_owned(), "必选".to_owned()),
            ],
            general: Vec::new(),
        };
        assert_eq!(errors.take_under("industries").as_deref(), Some("不是政策所列重点产业；必选"));
        assert_eq!(errors.rest(), ["x"]);
    }

    #[test]
    fn blank_rows_follow_the_filled_ones() {
        let rows = tie_rows(vec![("a".into(), "b".into(), "c".into())], 20);
        assert_eq!(rows.len(), 1 + BLANK_ROWS);
        assert_eq!((rows[0].uscc.as_str(), rows[2].index), ("a", 2));
        assert_eq!(tie_rows(Vec::new(), 1).len(), 1);
    }

    #[test]
    fn a_mean_reads_in_points() {
        assert_eq!(mean_text(Some(8033)), "80.33 分");
        assert_eq!(mean_text(None), "—");
    }
}
