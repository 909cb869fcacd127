//! The subsidy on the bureau's and the base's side (C5, C6): the funding requests to the
//! coordination group (staff draft, the leader endorses or returns, the coordination group
//! approves or rejects), each request as a printable 请示; a base's ledger with its grant,
//! disbursements, expenses by the policy's twelve categories, their receipts and staff's audit;
//! the fund reports on the page, printable and as Excel; and the zip dossier of a base for
//! auditors.
//!
//! As on the other bureau pages, every page works without script: actions are form posts with
//! the session's CSRF token (the expense form is multipart, for its receipt), answered with a
//! redirect (303, `?done=`) when they succeed and with the same page, what was typed kept and
//! each error beside its field (4xx), when refused.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use skillbase_app::AppError;
use skillbase_app::audit::AuditFilter;
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::notices::{BaseFilter, BaseView, ISSUER};
use skillbase_app::subsidy::{FundingView, LedgerView};
use skillbase_domain::access;
use skillbase_domain::clock::shanghai;
use skillbase_domain::money::Money;
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;
use skillbase_domain::subsidy::{EntryKind, ExpenseInput, FundingAction, FundingAnswer, FundingStatus, Totals};

use super::admin::local_time;
use super::feedback::{Errors, error_page, not_found, refusal};
use super::forms::{CSRF_FIELD, SignedInPost, Who, cross_origin, refused};
use super::{Page, allowed, respond};
use crate::AppState;
use crate::routes::{Route, route};
use crate::session::{CSRF_HEADER, Meta, constant_time_eq};

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{DecideFunding, ManageFunding, ReadBase, ReadFunds, RecordExpense};
    vec![
        route(Method::GET, "/funds/requests", ReadFunds, get(requests)),
        route(Method::POST, "/funds/requests", ManageFunding, post(draft)),
        route(Method::GET, "/funds/requests/{id}", ReadFunds, get(request)),
        route(Method::POST, "/funds/requests/{id}/approve", DecideFunding, post(approve)),
        route(Method::POST, "/funds/requests/{id}/reject", DecideFunding, post(reject)),
        route(Method::GET, "/funds/bases", ReadBase, get(bases)),
        route(Method::GET, "/funds/bases/{id}", ReadBase, get(base)),
        route(Method::POST, "/funds/bases/{id}/disbursements", ManageFunding, post(disburse)),
        route(Method::POST, "/funds/bases/{id}/expenses", RecordExpense, post(record_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/approve", ManageFunding, post(approve_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/query", ManageFunding, post(query_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/reverse", ManageFunding, post(reverse_expense)),
        route(Method::POST, "/funds/bases/{id}/expenses/{expense}/answer", RecordExpense, post(answer_expense)),
        route(Method::GET, "/funds/bases/{id}/receipts/{expense}", ReadBase, get(receipt)),
        route(Method::GET, "/funds/bases/{id}/dossier.zip", ReadFunds, get(dossier)),
        route(Method::GET, "/funds/reports", ReadFunds, get(reports)),
        route(Method::GET, "/funds/reports/bases.xlsx", ReadFunds, get(bases_xlsx)),
        route(Method::GET, "/funds/reports/categories.xlsx", ReadFunds, get(categories_xlsx)),
        route(Method::GET, "/funds/reports/requests.xlsx", ReadFunds, get(requests_xlsx)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The addressee of a 请示 (C6).
const ADDRESSEE: &str = "区企业职工职业培训工作协调小组";

/// The bureau's side of the funds (staff, leaders, the coordination group).
fn funds_reader(who: &Authenticated) -> bool {
    matches!(who.role, Role::Staff | Role::Leader | Role::Funding)
}

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(raw: Option<&str>) -> Option<&'static str> {
    let params = crate::query_params(raw).ok()?;
    Some(match params.get("done")? {
        "drafted" => "已拟定资金申请，待分管领导审核。",
        "endorsed" => "已审核同意，资金申请已报协调小组。",
        "returned" => "资金申请已退回经办人。",
        "approved" => "协调小组已批准，各基地的资助资金已核定。",
        "rejected" => "协调小组不予批准，已记录理由。",
        "disbursed" => "已登记拨付，基地已收到通知。",
        "recorded" => "已登记支出，待经办人审核。",
        "expense_approved" => "该笔支出已审核通过。",
        "queried" => "已提出问题，基地已收到通知。",
        "answered" => "已提交说明，待经办人复核。",
        "reversed" => "该笔支出已冲销，基地已收到通知。",
        _ => return None,
    })
}

/// Yuan with two decimals, as people read money: ¥200,000.00.
fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

/// Yuan with two decimals for a spreadsheet cell: 200000.00.
fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_yuan_string()
}

/// An execution rate in basis points as a percentage: 12.50%.
fn rate(basis_points: i64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// An amount in Chinese capital numerals (大写), as written on financial documents:
/// 400000.00 → 肆拾万元整, 200000.50 → 贰拾万元伍角, 1234.56 → 壹仟贰佰叁拾肆元伍角陆分,
/// 0.05 → 伍分.
pub(crate) fn capital_amount(fen: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let fen = fen.unsigned_abs();
    let (yuan, jiao, cents) = (fen / 100, (fen / 10) % 10, fen % 10);
    let digits: Vec<usize> = yuan.to_string().bytes().map(|b| usize::from(b - b'0')).collect();
    let mut integer = String::new();
    if yuan > 0 {
        let len = digits.len();
        let mut zero_pending = false;
        let mut group_has_digit = false;
        for (i, &d) in digits.iter().enumerate() {
            let position = len - 1 - i;
            if d == 0 {
                zero_pending = true;
            } else {
                if zero_pending && !integer.is_empty() {
                    integer.push('零');
                }
                zero_pending = false;
                group_has_digit = true;
                integer.push_str(DIGITS[d]);
                integer.push_str(UNITS[position % 4]);
            }
            if position.is_multiple_of(4) {
                if group_has_digit {
                    integer.push_str(GROUPS.get(position / 4).copied().unwrap_or(""));
                }
                group_has_digit = false;
            }
        }
        out.push_str(&integer);
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, c) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push_str(DIGITS[c as usize]);
            out.push('分');
        }
        (j, c) => {
            out.push_str(DIGITS[j as usize]);
            out.push('角');
            if c > 0 {
                out.push_str(DIGITS[c as usize]);
                out.push('分');
            }
        }
    }
    out
}

/// A reason (or a note, a question, an answer) typed into a small form, kept when refused.
#[derive(Debug, Default, Clone)]
struct ReasonInput {
    text: String,
    error: Option<String>,
}

/// The names of the users who acted, by id.
async fn names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(state.app.accounts().await?.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect())
}

fn name_of(names: &HashMap<String, String>, id: Option<impl ToString>) -> String {
    id.and_then(|id| names.get(&id.to_string()).cloned()).unwrap_or_default()
}

/// A workbook as a download, never cached.
fn xlsx_response(filename: &'static str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

// ---------------------------------------------------------------------------------------------
// 资金申请: the list and the draft

#[derive(Debug)]
struct RequestRow {
    id: String,
    title: String,
    status: &'static str,
    waiting: bool,
    total: String,
    bases: String,
    count: usize,
    drafted_by: String,
    drafted_at: String,
}

fn request_row(f: &FundingView, names: &HashMap<String, String>) -> RequestRow {
    RequestRow {
        id: f.row.id.clone(),
        title: f.row.title.clone(),
        status: f.status.label(),
        waiting: matches!(f.status, FundingStatus::Draft | FundingStatus::Submitted),
        total: money(f.row.total),
        bases: f.items.iter().map(|(_, b)| b.row.name.as_str()).collect::<Vec<_>>().join("、"),
        count: f.items.len(),
        drafted_by: name_of(names, Some(f.row.drafted_by)),
        drafted_at: local_time(f.row.drafted_at),
    }
}

#[derive(Debug)]
struct CandidateBox {
    id: String,
    name: String,
    number: String,
    recognised_on: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "subsidy/requests.html")]
struct RequestsPage {
    page: Page,
    rows: Vec<RequestRow>,
    /// Staff: the draft form.
    drafting: bool,
    candidates: Vec<CandidateBox>,
    bases_error: Option<String>,
    note: ReasonInput,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// What a refused draft brings back.
#[derive(Debug, Default)]
struct DraftTyped {
    chosen: Vec<String>,
    bases_error: Option<String>,
    note: ReasonInput,
    errors: Vec<String>,
}

async fn requests_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    typed: DraftTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = "/funds/requests".to_owned();
    let drafting = allowed(who, access::Action::ManageFunding);
    let loaded = async {
        let all = state.app.funding_requests(who).await?;
        let candidates = if drafting { state.app.funding_candidates(who).await? } else { Vec::new() };
        Ok::<_, AppError>((all, candidates, names(state).await?))
    };
    let (all, candidates, names) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let mut rows: Vec<RequestRow> = all.iter().map(|f| request_row(f, &names)).collect();
    rows.sort_by_key(|r| !r.waiting);
    let template = RequestsPage {
        page: page.clone(),
        rows,
        drafting,
        candidates: candidates
            .into_iter()
            .map(|b| CandidateBox {
                checked: typed.chosen.contains(&b.row.id),
                id: b.row.id,
                name: b.row.name,
                number: b.row.number,
                recognised_on: b.row.recognised_on,
            })
            .collect(),
        bases_error: typed.bases_error,
        note: typed.note,
        notice,
        errors: typed.errors,
    };
    respond(status, &page, &template)
}

/// `GET /funds/requests`: every funding request, those waiting first; staff draft a new one.
async fn requests(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    requests_page(&state, page, &who, DraftTyped::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

/// `POST /funds/requests` (bases…, note): staff draft a request for the ticked bases.
async fn draft(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let chosen: Vec<String> = fields.0.iter().filter(|(k, _)| k == "bases").map(|(_, v)| v.clone()).collect();
    let note = fields.get("note").unwrap_or_default().to_owned();
    match state.app.draft_funding_request(&who, &chosen, &note, &meta).await {
        Ok(id) => Redirect::to(&format!("/funds/requests/{id}?done=drafted")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let typed = DraftTyped {
                    bases_error: errors.take_under("bases"),
                    note: ReasonInput { error: errors.take("note"), text: note },
                    errors: errors.rest(),
                    chosen,
                };
                requests_page(&state, page, &who, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// 请示: one funding request as an official document, and its decision

#[derive(Debug)]
struct ItemRow {
    position: usize,
    base_id: String,
    name: String,
    number: String,
    recognised_on: String,
    amount: String,
}

#[derive(Debug)]
struct HistoryLine {
    what: String,
    who: String,
    at: String,
}

#[derive(Template)]
#[template(path = "subsidy/request.html")]
struct RequestPage {
    page: Page,
    id: String,
    title: String,
    addressee: &'static str,
    issuer: &'static str,
    dated: String,
    status: &'static str,
    note: String,
    items: Vec<ItemRow>,
    total: String,
    total_capital: String,
    history: Vec<HistoryLine>,
    reason: String,
    /// Which decision this viewer may take now: the leader on a draft, the group on a submission.
    leader_deciding: bool,
    group_deciding: bool,
    /// The viewer drafted it (and may not decide it).
    own: bool,
    approve: ReasonInput,
    reject: ReasonInput,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Debug, Default)]
struct DecisionTyped {
    approve: ReasonInput,
    reject: ReasonInput,
    errors: Vec<String>,
}

async fn request_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    typed: DecisionTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/funds/requests/{id}");
    let loaded = async { Ok::<_, AppError>((state.app.funding_request(who, id).await?, names(state).await?)) };
    let (f, names) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let mut history = vec![HistoryLine {
        what: "经办人拟定".to_owned(),
        who: name_of(&names, Some(f.row.drafted_by)),
        at: local_time(f.row.drafted_at),
    }];
    if let Some(at) = f.row.endorsed_at {
        history.push(HistoryLine {
            what: "分管领导审核同意，报协调小组".to_owned(),
            who: name_of(&names, f.row.endorsed_by),
            at: local_time(at),
        });
    }
    if let Some(at) = f.row.decided_at {
        history.push(HistoryLine {
            what: f.status.label().to_owned(),
            who: name_of(&names, f.row.decided_by),
            at: local_time(at),
        });
    }
    let deciding = allowed(who, access::Action::DecideFunding);
    let template = RequestPage {
        page: page.clone(),
        id: id.to_owned(),
        title: f.row.title.clone(),
        addressee: ADDRESSEE,
        issuer: ISSUER,
        dated: chinese_date(local_date(f.row.drafted_at)),
        status: f.status.label(),
        note: f.row.note.clone(),
        items: f
            .items
            .iter()
            .enumerate()
            .map(|(i, (item, base))| ItemRow {
                position: i + 1,
                base_id: base.row.id.clone(),
                name: base.row.name.clone(),
                number: base.row.number.clone(),
                recognised_on: base.row.recognised_on.clone(),
                amount: money(item.amount),
            })
            .collect(),
        total: money(f.row.total),
        total_capital: capital_amount(f.row.total),
        history,
        reason: f.row.reason.clone().unwrap_or_default(),
        leader_deciding: deciding && who.role == Role::Leader && f.status == FundingStatus::Draft,
        group_deciding: deciding && who.role == Role::Funding && f.status == FundingStatus::Submitted,
        own: f.row.drafted_by == who.user.id,
        approve: typed.approve,
        reject: typed.reject,
        notice,
        errors: typed.errors,
    };
    respond(status, &page, &template)
}

/// `GET /funds/requests/{id}`: the 请示, printable on A4, with its decision.
async fn request(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    request_page(&state, page, &who, &id, DecisionTyped::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

async fn decide(state: AppState, meta: RequestMeta, id: String, post: SignedInPost, approve: bool) -> Response {
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
                let input = ReasonInput { error: errors.take("reason"), text };
                let mut typed = DecisionTyped { errors: Vec::new(), ..DecisionTyped::default() };
                if approve {
                    typed.approve = input;
                } else {
                    typed.reject = input;
                }
                typed.errors = errors.rest();
                request_page(&state, page, &who, &id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/requests/{id}/approve` (reason, optional): the leader's 同意并报协调小组, or
/// the coordination group's 批准.
async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, true).await
}

/// `POST /funds/requests/{id}/reject` (reason): the leader's 退回, or the group's 不予批准.
async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    decide(state, meta, id, post, false).await
}

// ---------------------------------------------------------------------------------------------
// 我的基地: the bases a viewer reaches

#[derive(Debug)]
struct BaseLine {
    id: String,
    name: String,
    number: String,
    status: &'static str,
    recognised_on: String,
}

#[derive(Template)]
#[template(path = "subsidy/bases.html")]
struct BasesPage {
    page: Page,
    rows: Vec<BaseLine>,
    bureau: bool,
}

/// `GET /funds/bases`: the organisation's own bases (the bureau: every base).
async fn bases(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let found = match who.role {
        Role::Applicant => match who.user.organization_id {
            Some(org) => state.app.registry(&BaseFilter { organization_id: Some(org), ..BaseFilter::default() }).await,
            None => Ok(Vec::new()),
        },
        _ if funds_reader(&who) => state.app.registry(&BaseFilter::default()).await,
        _ => return not_found(page),
    };
    let found = match found {
        Ok(found) => found,
        Err(error) => return error_page(page, error),
    };
    let template = BasesPage {
        page: page.clone(),
        rows: found
            .into_iter()
            .map(|b| BaseLine {
                id: b.row.id,
                name: b.row.name,
                number: b.row.number,
                status: b.status.label(),
                recognised_on: b.row.recognised_on,
            })
            .collect(),
        bureau: funds_reader(&who),
    };
    respond(StatusCode::OK, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 基地资金台账: one base's grant, ledger, disbursements and expenses

#[derive(Debug)]
struct TotalsRow {
    granted: String,
    disbursed: String,
    undisbursed: String,
    spent: String,
    balance: String,
    rate: String,
}

fn totals_row(t: &Totals) -> TotalsRow {
    TotalsRow {
        granted: money(t.granted),
        disbursed: money(t.disbursed),
        undisbursed: money(t.undisbursed),
        spent: money(t.spent),
        balance: money(t.balance),
        rate: rate(t.execution_basis_points()),
    }
}

#[derive(Debug)]
struct CategoryRow {
    id: String,
    name: String,
    amount: String,
}

/// The policy's categories in its order, each with what was spent, then any other category
/// the entries name (a later policy version's).
fn category_rows(policy: &PolicyDocument, spent: &BTreeMap<String, i64>) -> Vec<(String, String, i64)> {
    let mut rows: Vec<(String, String, i64)> = policy
        .expense_categories()
        .iter()
        .map(|c| (c.id().to_owned(), c.name().to_owned(), spent.get(c.id()).copied().unwrap_or_default()))
        .collect();
    for (id, fen) in spent {
        if !rows.iter().any(|(known, _, _)| known == id) {
            rows.push((id.clone(), id.clone(), *fen));
        }
    }
    rows
}

#[derive(Debug)]
struct EntryLine {
    seq: i64,
    at: String,
    kind: &'static str,
    amount: String,
    memo: String,
    reverses: Option<i64>,
    reversed_by: Option<i64>,
}

#[derive(Debug)]
struct DisbursementLine {
    seq: i64,
    paid_on: String,
    amount: String,
    voucher: String,
}

#[derive(Debug)]
struct ExpenseLine {
    id: String,
    seq: i64,
    category: String,
    amount: String,
    spent_on: String,
    payee: String,
    description: String,
    receipt_name: String,
    receipt_href: String,
    status: &'static str,
    status_code: &'static str,
    question: String,
    answer: String,
    reversal_seq: Option<i64>,
    /// Staff may approve or query it (recorded or answered).
    reviewable: bool,
    /// Staff may reverse it.
    reversible: bool,
    /// The base may answer the question.
    answerable: bool,
    query: ReasonInput,
    reverse: ReasonInput,
    answer_input: ReasonInput,
    /// A form of this row was refused: it opens again.
    open: bool,
}

/// One input of a form as drawn by `subsidy/input.html`.
#[derive(Debug)]
struct Input {
    name: &'static str,
    label: &'static str,
    /// `text`, `date`, `textarea`, `select` or `file`.
    kind: &'static str,
    value: String,
    hint: Option<&'static str>,
    error: Option<String>,
    choices: Vec<Choice>,
    maxlength: Option<u16>,
    inputmode: Option<&'static str>,
    accept: Option<&'static str>,
    required: bool,
    autofocus: bool,
}

/// One option of a select.
#[derive(Debug)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

impl Input {
    fn new(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Input {
        Input {
            name,
            label,
            kind,
            value: value.to_owned(),
            hint: None,
            error: None,
            choices: Vec::new(),
            maxlength: None,
            inputmode: None,
            accept: None,
            required: true,
            autofocus: false,
        }
    }

    fn id(&self) -> String {
        format!("f-{}", self.name.replace('_', "-"))
    }

    fn described_by(&self) -> String {
        super::forms::described_by(&self.id(), self.hint.is_some(), self.error.is_some())
    }
}

/// Gives each input its error, and the cursor to the first one with an error.
fn place_errors(inputs: &mut [Input], errors: &mut Errors) {
    for input in inputs.iter_mut() {
        input.error = errors.take(input.name);
    }
    if let Some(first) = inputs.iter_mut().find(|i| i.error.is_some()) {
        first.autofocus = true;
    }
}

fn disbursement_inputs(today: NaiveDate, (paid_on, amount, voucher): (&str, &str, &str)) -> Vec<Input> {
    let paid_on = if paid_on.is_empty() { today.format("%Y-%m-%d").to_string() } else { paid_on.to_owned() };
    let mut date = Input::new("paid_on", "拨付日期", "date", &paid_on);
    date.hint = Some("YYYY-MM-DD，不能晚于今天");
    let mut money = Input::new("amount", "拨付金额（元）", "text", amount);
    money.hint = Some("最多两位小数，例如 120000.00；累计拨付不能超过核定的资助");
    money.inputmode = Some("decimal");
    money.maxlength = Some(20);
    let mut number = Input::new("voucher", "凭证号", "text", voucher);
    number.hint = Some("国库集中支付凭证号，每笔拨付一个");
    number.maxlength = Some(50);
    vec![date, money, number]
}

fn expense_inputs(policy: &PolicyDocument, today: NaiveDate, input: &ExpenseInput) -> Vec<Input> {
    let mut category = Input::new("category", "支出类别", "select", &input.category);
    category.hint = Some("资助资金专款专用，只能用于政策规定的十二类用途（实施意见第五条）");
    category.choices = policy
        .expense_categories()
        .iter()
        .map(|c| Choice { value: c.id().to_owned(), label: c.name().to_owned(), selected: c.id() == input.category })
        .collect();
    let mut amount = Input::new("amount", "金额（元）", "text", &input.amount);
    amount.hint = Some("最多两位小数；不能超过可用余额");
    amount.inputmode = Some("decimal");
    amount.maxlength = Some(20);
    let spent_on =
        if input.spent_on.is_empty() { today.format("%Y-%m-%d").to_string() } else { input.spent_on.clone() };
    let mut date = Input::new("spent_on", "支出日期", "date", &spent_on);
    date.hint = Some("YYYY-MM-DD，在认定日期之后、不晚于今天");
    let mut payee = Input::new("payee", "收款单位或个人", "text", &input.payee);
    payee.maxlength = Some(100);
    let mut description = Input::new("description", "支出内容", "textarea", &input.description);
    description.maxlength = Some(500);
    let mut receipt = Input::new("receipt", "票据", "file", "");
    receipt.hint = Some("发票或支付凭证：PDF、JPEG 或 PNG，不超过 20 MB");
    receipt.accept = Some(".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png");
    vec![category, amount, date, payee, description, receipt]
}

#[derive(Template)]
#[template(path = "subsidy/ledger.html")]
struct BasePage {
    page: Page,
    id: String,
    name: String,
    number: String,
    base_status: &'static str,
    recognised_on: String,
    policy: String,
    totals: TotalsRow,
    categories: Vec<CategoryRow>,
    entries: Vec<EntryLine>,
    disbursements: Vec<DisbursementLine>,
    expenses: Vec<ExpenseLine>,
    /// Staff: disburse, audit, reverse.
    staff: bool,
    /// The base itself: record expenses, answer questions.
    recording: bool,
    /// The bureau's readers: the dossier and the reports.
    reader: bool,
    disbursement: Vec<Input>,
    expense: Vec<Input>,
    disbursement_errors: Vec<String>,
    expense_errors: Vec<String>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// Which of a row's forms a refused post came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowForm {
    Query,
    Reverse,
    Answer,
}

/// What a refused post brings back to the base's page.
#[derive(Debug, Default)]
struct BaseTyped {
    disbursement: Option<(String, String, String, Errors)>,
    expense: Option<(ExpenseInput, Errors)>,
    row: Option<(String, RowForm, ReasonInput)>,
    errors: Vec<String>,
}

async fn base_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    typed: BaseTyped,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/funds/bases/{id}");
    let loaded = async {
        let ledger = state.app.ledger(who, id).await?;
        let policy = state.app.policy(&ledger.base.row.policy_id).await?;
        Ok::<_, AppError>((ledger, policy))
    };
    let (ledger, policy) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let today = state.app.clock.today();
    let staff = allowed(who, access::Action::ManageFunding);
    let recording = allowed(who, access::Action::RecordExpense);
    let category_name = |id: &str| policy.expense_category(id).map_or_else(|| id.to_owned(), |c| c.name().to_owned());
    let BaseTyped { disbursement, expense, row, errors } = typed;

    let mut disbursement_errors = Vec::new();
    let disbursement = match disbursement {
        Some((paid_on, amount, voucher, mut errors)) => {
            let mut inputs = disbursement_inputs(today, (&paid_on, &amount, &voucher));
            place_errors(&mut inputs, &mut errors);
            disbursement_errors = errors.rest();
            inputs
        }
        None => disbursement_inputs(today, ("", "", "")),
    };
    let mut expense_errors = Vec::new();
    let expense = match expense {
        Some((input, mut errors)) => {
            let mut inputs = expense_inputs(&policy, today, &input);
            place_errors(&mut inputs, &mut errors);
            expense_errors = errors.rest();
            inputs
        }
        None => expense_inputs(&policy, today, &ExpenseInput::default()),
    };
    let reversed_by: HashMap<i64, i64> =
        ledger.entries.iter().filter_map(|e| e.reverses.map(|original| (original, e.seq))).collect();
    let expenses = ledger
        .expenses
        .iter()
        .rev()
        .map(|e| {
            let mut line = ExpenseLine {
                id: e.row.id.clone(),
                seq: e.row.seq,
                category: category_name(&e.row.category),
                amount: money(e.row.amount),
                spent_on: e.row.spent_on.clone(),
                payee: e.row.payee.clone(),
                description: e.row.description.clone(),
                receipt_name: e.row.receipt.2.clone(),
                receipt_href: format!("/funds/bases/{id}/receipts/{}", e.row.id),
                status: e.status.label(),
                status_code: e.status.as_str(),
                question: e.row.question.clone().unwrap_or_default(),
                answer: e.row.answer.clone().unwrap_or_default(),
                reversal_seq: e.row.reversal_seq,
                reviewable: staff && e.status.approve().is_some(),
                reversible: staff && e.status.reverse().is_some(),
                answerable: recording && e.status.answer().is_some(),
                query: ReasonInput::default(),
                reverse: ReasonInput::default(),
                answer_input: ReasonInput::default(),
                open: false,
            };
            if let Some((expense, form, input)) = &row
                && *expense == e.row.id
            {
                line.open = true;
                match form {
                    RowForm::Query => line.query = input.clone(),
                    RowForm::Reverse => line.reverse = input.clone(),
                    RowForm::Answer => line.answer_input = input.clone(),
                }
            }
            line
        })
        .collect();
    let template = BasePage {
        page: page.clone(),
        id: id.to_owned(),
        name: ledger.base.row.name.clone(),
        number: ledger.base.row.number.clone(),
        base_status: ledger.base.status.label(),
        recognised_on: ledger.base.row.recognised_on.clone(),
        policy: format!("《{}》（{}）", policy.title(), policy.document_number()),
        totals: totals_row(&ledger.totals),
        categories: category_rows(&policy, &ledger.totals.spent_by_category)
            .into_iter()
            .map(|(id, name, fen)| CategoryRow { id, name, amount: money(fen) })
            .collect(),
        entries: ledger
            .entries
            .iter()
            .map(|e| EntryLine {
                seq: e.seq,
                at: local_time(e.at),
                kind: EntryKind::parse(&e.kind).map_or("—", EntryKind::label),
                amount: money(e.amount),
                memo: e.memo.clone(),
                reverses: e.reverses,
                reversed_by: reversed_by.get(&e.seq).copied(),
            })
            .collect(),
        disbursements: ledger
            .disbursements
            .iter()
            .map(|d| DisbursementLine {
                seq: d.seq,
                paid_on: d.paid_on.clone(),
                amount: money(d.amount),
                voucher: d.voucher.clone(),
            })
            .collect(),
        expenses,
        staff,
        recording,
        reader: allowed(who, access::Action::ReadFunds),
        disbursement,
        expense,
        disbursement_errors,
        expense_errors,
        notice,
        errors,
    };
    respond(status, &page, &template)
}

/// `GET /funds/bases/{id}`: the base's funds.
async fn base(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    base_page(&state, page, &who, &id, BaseTyped::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

/// `POST /funds/bases/{id}/disbursements` (paid_on, amount, voucher): staff record a payment.
async fn disburse(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let value = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let (paid_on, amount, voucher) = (value("paid_on"), value("amount"), value("voucher"));
    match state.app.record_disbursement(&who, &id, (&paid_on, &amount, &voucher), &meta).await {
        Ok(_) => Redirect::to(&format!("/funds/bases/{id}?done=disbursed#disbursements")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let typed =
                    BaseTyped { disbursement: Some((paid_on, amount, voucher, errors)), ..BaseTyped::default() };
                base_page(&state, page, &who, &id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/bases/{id}/expenses` (multipart: `csrf_token`, category, amount, spent_on,
/// payee, description and the file `receipt`): the base records an expense with its receipt.
async fn record_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    page: Page,
    headers: HeaderMap,
    Who(who): Who,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if cross_origin(&headers) {
        return refused(page, StatusCode::FORBIDDEN);
    }
    let Ok(mut multipart) = multipart else { return refused(page, StatusCode::BAD_REQUEST) };
    let mut csrf = None;
    let mut input = ExpenseInput::default();
    let mut receipt = None::<(String, Vec<u8>)>;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return refused(page, StatusCode::BAD_REQUEST),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "receipt" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                // A browser sends an empty part when no file was chosen.
                Ok(bytes) if filename.is_empty() && bytes.is_empty() => {}
                Ok(bytes) => receipt = Some((filename, bytes.to_vec())),
                Err(_) => return refused(page, StatusCode::BAD_REQUEST),
            }
            continue;
        }
        let Ok(text) = field.text().await else { return refused(page, StatusCode::BAD_REQUEST) };
        match name.as_str() {
            CSRF_FIELD => csrf = Some(text),
            "category" => input.category = text,
            "amount" => input.amount = text,
            "spent_on" => input.spent_on = text,
            "payee" => input.payee = text,
            "description" => input.description = text,
            _ => {}
        }
    }
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).or(csrf.as_deref()).unwrap_or("");
    if !constant_time_eq(sent.as_bytes(), who.session.csrf_token.as_bytes()) {
        return refused(page, StatusCode::FORBIDDEN);
    }
    match state.app.record_expense(&who, &id, &input, receipt, &meta).await {
        Ok(expense) => Redirect::to(&format!("/funds/bases/{id}?done=recorded#expense-{expense}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let typed = BaseTyped { expense: Some((input, errors)), ..BaseTyped::default() };
                base_page(&state, page, &who, &id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// The actions on one expense, each a small form on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpenseAct {
    Approve,
    Query,
    Reverse,
    Answer,
}

async fn act_on_expense(
    state: AppState,
    meta: RequestMeta,
    (id, expense): (String, String),
    post: SignedInPost,
    act: ExpenseAct,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    // The expense must be one of this base's (the page it is shown on).
    if let Err(error) = state.app.expense(&who, &id, &expense).await {
        return error_page(page, error);
    }
    let (field, text) = match act {
        ExpenseAct::Approve => ("", String::new()),
        ExpenseAct::Query => ("question", fields.get("question").unwrap_or_default().to_owned()),
        ExpenseAct::Reverse => ("reason", fields.get("reason").unwrap_or_default().to_owned()),
        ExpenseAct::Answer => ("answer", fields.get("answer").unwrap_or_default().to_owned()),
    };
    let outcome = match act {
        ExpenseAct::Approve => {
            state.app.review_expense(&who, &expense, true, "", &meta).await.map(|_| "expense_approved")
        }
        ExpenseAct::Query => state.app.review_expense(&who, &expense, false, &text, &meta).await.map(|_| "queried"),
        ExpenseAct::Reverse => state.app.reverse_expense(&who, &expense, &text, &meta).await.map(|_| "reversed"),
        ExpenseAct::Answer => state.app.answer_expense(&who, &expense, &text, &meta).await.map(|()| "answered"),
    };
    match outcome {
        Ok(done) => Redirect::to(&format!("/funds/bases/{id}?done={done}#expense-{expense}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, mut errors)) => {
                let mut typed = BaseTyped::default();
                let form = match act {
                    ExpenseAct::Approve | ExpenseAct::Query => RowForm::Query,
                    ExpenseAct::Reverse => RowForm::Reverse,
                    ExpenseAct::Answer => RowForm::Answer,
                };
                let mut error = if field.is_empty() { None } else { errors.take(field) };
                // A refusal of the reversal itself (the ledger would break) belongs to its form.
                if act == ExpenseAct::Reverse {
                    error = error.or_else(|| errors.take("expense"));
                }
                typed.row = Some((expense, form, ReasonInput { text, error }));
                typed.errors = errors.rest();
                base_page(&state, page, &who, &id, typed, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/bases/{id}/expenses/{expense}/approve`: staff's 审核通过.
async fn approve_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Approve).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/query` (question): staff's 提出问题.
async fn query_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Query).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/reverse` (reason): staff's 冲销.
async fn reverse_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Reverse).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/answer` (answer): the base's 说明.
async fn answer_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Answer).await
}

/// `GET /funds/bases/{id}/receipts/{expense}`: an expense's receipt, always as a download.
async fn receipt(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, expense)): Path<(String, String)>,
) -> Response {
    if let Err(error) = state.app.expense(&who, &id, &expense).await {
        return error_page(page, error);
    }
    match state.app.expense_receipt(&who, &expense).await {
        Ok((kind, name, bytes)) => crate::api::applications::download_response(&kind, &name, bytes),
        Err(error) => error_page(page, error),
    }
}

// ---------------------------------------------------------------------------------------------
// 资金报表: per base, per category, per request — on the page (printable) and as Excel

/// What every report is made from.
struct ReportData {
    overview: Vec<(BaseView, Totals)>,
    sum: Totals,
    /// (id, name, spent across bases) in the policy's order.
    categories: Vec<(String, String, i64)>,
    requests: Vec<FundingView>,
}

async fn report_data(state: &AppState, who: &Authenticated) -> Result<ReportData, AppError> {
    let overview = state.app.fund_overview(who).await?;
    let sum = Totals::sum(overview.iter().map(|(_, t)| t));
    // The categories of the policy version the bases were recognised under (else the one in
    // force today).
    let policy = match overview.first() {
        Some((base, _)) => state.app.policy(&base.row.policy_id).await?,
        None => state.app.policy_in_force(state.app.clock.today()).await?.1,
    };
    let categories = category_rows(&policy, &sum.spent_by_category);
    let requests = state.app.funding_requests(who).await?;
    Ok(ReportData { overview, sum, categories, requests })
}

/// Granted by a request: its total once the coordination group approved it.
fn granted_by(f: &FundingView) -> i64 {
    if f.status == FundingStatus::Approved { f.row.total } else { 0 }
}

const BASE_HEADER: [&str; 8] =
    ["牌匾编号", "基地名称", "状态", "核定资助（元）", "已拨付（元）", "已支出（元）", "余额（元）", "执行率"];
const CATEGORY_HEADER: [&str; 3] = ["序号", "支出类别", "已支出（元）"];
const REQUEST_HEADER: [&str; 8] =
    ["标题", "状态", "基地数", "基地", "申请金额（元）", "批准金额（元）", "拟定时间", "决定时间"];

fn base_cells(base: Option<&BaseView>, t: &Totals) -> Vec<String> {
    vec![
        base.map_or_else(String::new, |b| b.row.number.clone()),
        base.map_or_else(|| "合计".to_owned(), |b| b.row.name.clone()),
        base.map_or_else(String::new, |b| b.status.label().to_owned()),
        yuan(t.granted),
        yuan(t.disbursed),
        yuan(t.spent),
        yuan(t.balance),
        rate(t.execution_basis_points()),
    ]
}

fn category_cells(data: &ReportData) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = data
        .categories
        .iter()
        .enumerate()
        .map(|(i, (_, name, fen))| vec![(i + 1).to_string(), name.clone(), yuan(*fen)])
        .collect();
    rows.push(vec![String::new(), "合计".to_owned(), yuan(data.sum.spent)]);
    rows
}

fn request_cells(f: &FundingView) -> Vec<String> {
    vec![
        f.row.title.clone(),
        f.status.label().to_owned(),
        f.items.len().to_string(),
        f.items.iter().map(|(_, b)| b.row.name.as_str()).collect::<Vec<_>>().join("、"),
        yuan(f.row.total),
        yuan(granted_by(f)),
        local_time(f.row.drafted_at),
        f.row.decided_at.map(local_time).unwrap_or_default(),
    ]
}

fn request_total_cells(data: &ReportData) -> Vec<String> {
    let count: usize = data.requests.iter().map(|f| f.items.len()).sum();
    vec![
        "合计".to_owned(),
        String::new(),
        count.to_string(),
        String::new(),
        yuan(data.requests.iter().map(|f| f.row.total).sum()),
        yuan(data.requests.iter().map(granted_by).sum()),
        String::new(),
        String::new(),
    ]
}

#[derive(Template)]
#[template(path = "subsidy/reports.html")]
struct ReportsPage {
    page: Page,
    dated: String,
    bases: Vec<(String, Vec<String>)>,
    base_total: Vec<String>,
    base_header: [&'static str; 8],
    categories: Vec<Vec<String>>,
    requests: Vec<(String, Vec<String>)>,
    request_total: Vec<String>,
    request_header: [&'static str; 8],
}

/// `GET /funds/reports`: the three reports, printable on A4.
async fn reports(State(state): State<AppState>, mut page: Page, Who(who): Who) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    page.path = "/funds/reports".to_owned();
    let data = match report_data(&state, &who).await {
        Ok(data) => data,
        Err(error) => return error_page(page, error),
    };
    // Money on the page reads as yuan with separators; the cells keep two decimals.
    let on_page = |mut cells: Vec<String>, money_columns: std::ops::Range<usize>| {
        for i in money_columns {
            if let Some(cell) = cells.get_mut(i)
                && let Ok(m) = Money::parse(cell)
            {
                *cell = m.to_string();
            }
        }
        cells
    };
    let template = ReportsPage {
        page: page.clone(),
        dated: chinese_date(state.app.clock.today()),
        bases: data.overview.iter().map(|(b, t)| (b.row.id.clone(), on_page(base_cells(Some(b), t), 3..7))).collect(),
        base_total: on_page(base_cells(None, &data.sum), 3..7),
        base_header: BASE_HEADER,
        categories: category_cells(&data).into_iter().map(|c| on_page(c, 2..3)).collect(),
        requests: data.requests.iter().map(|f| (f.row.id.clone(), on_page(request_cells(f), 4..6))).collect(),
        request_total: on_page(request_total_cells(&data), 4..6),
        request_header: REQUEST_HEADER,
    };
    respond(StatusCode::OK, &page, &template)
}

/// One report as a workbook, its export audited.
async fn report_xlsx(
    state: AppState,
    meta: RequestMeta,
    page: Page,
    who: Authenticated,
    (what, filename, sheet): (&'static str, &'static str, &'static str),
    make: impl FnOnce(&ReportData) -> (Vec<&'static str>, Vec<Vec<String>>),
) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    let data = match report_data(&state, &who).await {
        Ok(data) => data,
        Err(error) => return error_page(page, error),
    };
    let (header, rows) = make(&data);
    let bytes = match crate::xlsx::sheet(sheet, &header, &rows) {
        Ok(bytes) => bytes,
        Err(error) => return error_page(page, AppError::internal(error)),
    };
    if let Err(error) = state.app.record_export(&who, what, rows.len(), &meta).await {
        return error_page(page, error);
    }
    xlsx_response(filename, bytes)
}

/// `GET /funds/reports/bases.xlsx`
async fn bases_xlsx(State(state): State<AppState>, Meta(meta): Meta, page: Page, Who(who): Who) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_bases", "fund-bases.xlsx", "基地资金"), |data| {
        let mut rows: Vec<Vec<String>> = data.overview.iter().map(|(b, t)| base_cells(Some(b), t)).collect();
        rows.push(base_cells(None, &data.sum));
        (BASE_HEADER.to_vec(), rows)
    })
    .await
}

/// `GET /funds/reports/categories.xlsx`
async fn categories_xlsx(State(state): State<AppState>, Meta(meta): Meta, page: Page, Who(who): Who) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_categories", "fund-categories.xlsx", "支出类别"), |data| {
        (CATEGORY_HEADER.to_vec(), category_cells(data))
    })
    .await
}

/// `GET /funds/reports/requests.xlsx`
async fn requests_xlsx(State(state): State<AppState>, Meta(meta): Meta, page: Page, Who(who): Who) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_requests", "fund-requests.xlsx", "资金申请"), |data| {
        let mut rows: Vec<Vec<String>> = data.requests.iter().map(request_cells).collect();
        rows.push(request_total_cells(data));
        (REQUEST_HEADER.to_vec(), rows)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 审计资料包: a base's dossier for auditors

#[derive(Debug, Serialize)]
struct ApprovalOut {
    id: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    note: String,
    total: String,
    total_fen: i64,
    total_capital: String,
    /// This base's line.
    amount: String,
    amount_fen: i64,
    policy_id: String,
    drafted_by: String,
    drafted_at: String,
    endorsed_by: Option<String>,
    endorsed_at: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    reason: Option<String>,
    bases: Vec<ApprovalBase>,
    /// Each step as the audit trail recorded it.
    decisions: Vec<AuditOut>,
}

#[derive(Debug, Serialize)]
struct ApprovalBase {
    base_id: String,
    name: String,
    number: String,
    amount: String,
}

#[derive(Debug, Serialize)]
struct AuditOut {
    seq: i64,
    at: String,
    actor: Option<String>,
    actor_role: Option<String>,
    client_ip: Option<String>,
    request_id: Option<String>,
    action: String,
    object_type: String,
    object_id: Option<String>,
    detail: serde_json::Value,
    prev_hash: String,
    hash: String,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).to_rfc3339()
}

/// Every audit record whose object is (`kind`, `id`), in chain order.
async fn audit_of(state: &AppState, kind: &str, id: &str) -> Result<Vec<AuditOut>, AppError> {
    let mut out = Vec::new();
    let mut from_seq = 1;
    loop {
        let filter = AuditFilter {
            from_seq,
            object_type: Some(kind),
            object_id: Some(id),
            limit: 500,
            ..AuditFilter::default()
        };
        let page = state.app.audit_entries(&filter).await?;
        let full = page.len() == 500;
        for stored in page {
            let r = stored.record;
            from_seq = r.seq + 1;
            out.push(AuditOut {
                seq: r.seq,
                at: DateTime::from_timestamp_millis(r.at).map(rfc3339).unwrap_or_default(),
                actor: r.actor,
                actor_role: r.actor_role,
                client_ip: r.client_ip,
                request_id: r.request_id,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
                prev_hash: stored.prev_hash,
                hash: stored.hash,
            });
        }
        if !full {
            return Ok(out);
        }
    }
}

/// A name safe inside a zip: no directory, no control character.
fn zip_name(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "receipt".to_owned() } else { cleaned }
}

const LEDGER_HEADER: [&str; 10] =
    ["序号", "记账时间", "类型", "借方", "贷方", "金额（元）", "冲销序号", "关联类型", "关联编号", "摘要"];
const EXPENSE_HEADER: [&str; 12] = [
    "序号",
    "支出类别",
    "金额（元）",
    "支出日期",
    "收款单位或个人",
    "支出内容",
    "票据",
    "审核状态",
    "问题",
    "说明",
    "冲销序号",
    "登记时间",
];

fn ledger_sheet(ledger: &LedgerView) -> Vec<Vec<String>> {
    ledger
        .entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                local_time(e.at),
                EntryKind::parse(&e.kind).map_or_else(|| e.kind.clone(), |k| k.label().to_owned()),
                e.debit.clone(),
                e.credit.clone(),
                yuan(e.amount),
                e.reverses.map(|s| s.to_string()).unwrap_or_default(),
                e.ref_type.clone(),
                e.ref_id.clone(),
                e.memo.clone(),
            ]
        })
        .collect()
}

fn expense_sheet(ledger: &LedgerView, policy: &PolicyDocument) -> Vec<Vec<String>> {
    ledger
        .expenses
        .iter()
        .map(|e| {
            vec![
                e.row.seq.to_string(),
                policy
                    .expense_category(&e.row.category)
                    .map_or_else(|| e.row.category.clone(), |c| c.name().to_owned()),
                yuan(e.row.amount),
                e.row.spent_on.clone(),
                e.row.payee.clone(),
                e.row.description.clone(),
                format!("receipts/{}-{}", e.row.seq, zip_name(&e.row.receipt.2)),
                e.status.label().to_owned(),
                e.row.question.clone().unwrap_or_default(),
                e.row.answer.clone().unwrap_or_default(),
                e.row.reversal_seq.map(|s| s.to_string()).unwrap_or_default(),
                local_time(e.row.recorded_at),
            ]
        })
        .collect()
}

/// The dossier's files, in order: (name, bytes).
async fn dossier_files(state: &AppState, who: &Authenticated, id: &str) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let ledger = state.app.ledger(who, id).await?;
    let policy = state.app.policy(&ledger.base.row.policy_id).await?;
    let names = names(state).await?;
    let mut files = Vec::new();
    let ledger_xlsx =
        crate::xlsx::sheet("资金台账", &LEDGER_HEADER, &ledger_sheet(&ledger)).map_err(AppError::internal)?;
    files.push(("ledger.xlsx".to_owned(), ledger_xlsx));
    let expenses_xlsx = crate::xlsx::sheet("支出明细", &EXPENSE_HEADER, &expense_sheet(&ledger, &policy))
        .map_err(AppError::internal)?;
    files.push(("expenses.xlsx".to_owned(), expenses_xlsx));
    for e in &ledger.expenses {
        let (_, name, bytes) = state.app.expense_receipt(who, &e.row.id).await?;
        files.push((format!("receipts/{}-{}", e.row.seq, zip_name(&name)), bytes));
    }
    let mut approvals = Vec::new();
    for f in state.app.funding_requests(who).await? {
        let Some((mine, _)) = f.items.iter().find(|(_, b)| b.row.id == id) else { continue };
        approvals.push(ApprovalOut {
            id: f.row.id.clone(),
            title: f.row.title.clone(),
            status: f.status.as_str(),
            status_label: f.status.label(),
            note: f.row.note.clone(),
            total: yuan(f.row.total),
            total_fen: f.row.total,
            total_capital: capital_amount(f.row.total),
            amount: yuan(mine.amount),
            amount_fen: mine.amount,
            policy_id: mine.policy_id.clone(),
            drafted_by: name_of(&names, Some(f.row.drafted_by)),
            drafted_at: rfc3339(f.row.drafted_at),
            endorsed_by: f.row.endorsed_by.map(|u| name_of(&names, Some(u))),
            endorsed_at: f.row.endorsed_at.map(rfc3339),
            decided_by: f.row.decided_by.map(|u| name_of(&names, Some(u))),
            decided_at: f.row.decided_at.map(rfc3339),
            reason: f.row.reason.clone(),
            bases: f
                .items
                .iter()
                .map(|(item, b)| ApprovalBase {
                    base_id: b.row.id.clone(),
                    name: b.row.name.clone(),
                    number: b.row.number.clone(),
                    amount: yuan(item.amount),
                })
                .collect(),
            decisions: audit_of(state, "funding_request", &f.row.id).await?,
        });
    }
    files.push(("approvals.json".to_owned(), serde_json::to_vec_pretty(&approvals).map_err(AppError::internal)?));
    let audit = audit_of(state, "base", id).await?;
    files.push(("audit.json".to_owned(), serde_json::to_vec_pretty(&audit).map_err(AppError::internal)?));
    Ok(files)
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, AppError> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).map_err(AppError::internal)?;
        writer.write_all(bytes).map_err(AppError::internal)?;
    }
    Ok(writer.finish().map_err(AppError::internal)?.into_inner())
}

/// `GET /funds/bases/{id}/dossier.zip`: ledger.xlsx, expenses.xlsx, receipts/, approvals.json
/// and audit.json of one base, for auditors; the export is audited. The audit records of the
/// base are read here for the bureau's readers (ReadFunds) only: this is the bureau's file on the
/// base, not the audit trail at large.
async fn dossier(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
) -> Response {
    if !(funds_reader(&who) && allowed(&who, access::Action::ReadFunds)) {
        return not_found(page);
    }
    let files = match dossier_files(&state, &who, &id).await {
        Ok(files) => files,
        Err(error) => return error_page(page, error),
    };
    let bytes = match zip_of(&files) {
        Ok(bytes) => bytes,
        Err(error) => return error_page(page, error),
    };
    if let Err(error) = state.app.record_export_of(&who, ("base_dossier", Some(&id)), ("zip", files.len()), &meta).await
    {
        return error_page(page, error);
    }
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"dossier-{}.zip\"", zip_name(&id))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_chinese_capital_numerals() {
        let capital = |yuan: &str| capital_amount(Money::parse(yuan).expect("money").fen());
        assert_eq!(capital("400000.00"), "肆拾万元整");
        assert_eq!(capital("200000.50"), "贰拾万元伍角");
        assert_eq!(capital("1234.56"), "壹仟贰佰叁拾肆元伍角陆分");
        assert_eq!(capital("0.05"), "伍分");
        assert_eq!(capital("0.50"), "伍角");
        assert_eq!(capital("0"), "零元整");
        assert_eq!(capital("10"), "壹拾元整");
        assert_eq!(capital("100.05"), "壹佰元零伍分");
        assert_eq!(capital("1010000"), "壹佰零壹万元整");
        assert_eq!(capital("20001000"), "贰仟万零壹仟元整");
        assert_eq!(capital("100000001"), "壹亿零壹元整");
        assert_eq!(capital("101000000"), "壹亿零壹佰万元整");
    }

    #[test]
    fn rates_and_zip_names_read_plainly() {
        assert_eq!(rate(1250), "12.50%");
        assert_eq!(rate(0), "0.00%");
        assert_eq!(zip_name("../发票.pdf"), "_发票.pdf");
        assert_eq!(zip_name("a\r\nb.pdf"), "a__b.pdf");
        assert_eq!(zip_name(""), "receipt");
    }
}
