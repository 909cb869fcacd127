//! The subsidy: `/api/v1/funding-requests` (+ `/approve`, `/reject`), the candidates,
//! `/api/v1/bases/{id}/disbursements`, `/expenses`, `/ledger`, `/api/v1/expenses/{id}/…` and
//! `/api/v1/reports/funds`. Amounts are strings of yuan with two decimals (`"200000.00"`) and
//! integers of fen (`*_fen`), never floating point.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use skillbase_app::subsidy::{ExpenseView, FundingView, LedgerView};
use skillbase_domain::money::Money;
use skillbase_domain::subsidy::{ExpenseInput, FundingAnswer, Totals};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&skillbase_domain::clock::shanghai()).to_rfc3339()
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_yuan_string()
}

// ---------------------------------------------------------------- funding requests

#[derive(Debug, Serialize, ToSchema)]
pub struct FundingItemOut {
    pub base_id: String,
    pub base_name: String,
    pub number: String,
    pub amount: String,
    pub amount_fen: i64,
    /// The policy version the base was recognised under (the amount's source).
    pub policy_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundingRequestOut {
    pub id: String,
    pub title: String,
    /// draft | submitted | approved | rejected | returned.
    pub status: String,
    pub status_label: String,
    pub note: String,
    pub total: String,
    pub total_fen: i64,
    pub drafted_by: String,
    pub drafted_at: String,
    pub endorsed_at: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    pub items: Vec<FundingItemOut>,
    /// Every decision so far, in order, each with its actor, time and comment.
    pub decisions: Vec<FundingDecisionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundingDecisionOut {
    /// endorse | return | approve | reject.
    pub action: String,
    pub actor: String,
    pub at: String,
    pub comment: String,
}

fn funding_out(f: &FundingView) -> FundingRequestOut {
    FundingRequestOut {
        id: f.id.to_string(),
        title: f.title.clone(),
        status: f.status.as_str().to_owned(),
        status_label: f.status.label().to_owned(),
        note: f.note.clone(),
        total: yuan(f.total.fen()),
        total_fen: f.total.fen(),
        drafted_by: f.drafted_by.to_string(),
        drafted_at: local(f.drafted_at),
        endorsed_at: f.endorsed_at.map(local),
        decided_at: f.decided_at.map(local),
        reason: f.reason.clone(),
        items: f
            .items
            .iter()
            .map(|(item, base)| FundingItemOut {
                base_id: base.id.to_string(),
                base_name: base.name.clone(),
                number: base.number.clone(),
                amount: yuan(item.amount.fen()),
                amount_fen: item.amount.fen(),
                policy_id: item.policy_id.clone(),
            })
            .collect(),
        decisions: f
            .decisions
            .iter()
            .map(|d| FundingDecisionOut {
                action: d.action.as_str().to_owned(),
                actor: d.actor.to_string(),
                at: local(d.at),
                comment: d.comment.clone(),
            })
            .collect(),
    }
}

/// Funding requests, the newest first (staff, leaders, the coordination group).
#[utoipa::path(get, path = "/api/v1/funding-requests", tag = "subsidy", responses((status = 200, body = Vec<FundingRequestOut>)))]
pub async fn requests(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Json<Vec<FundingRequestOut>>, ApiError> {
    Ok(Json(state.app.funding_requests(&who).await?.iter().map(funding_out).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub base_id: String,
    pub name: String,
    pub number: String,
    pub recognised_on: String,
}

/// Recognised, active bases that no request holds yet (staff, leaders, the coordination group).
#[utoipa::path(get, path = "/api/v1/funding-requests/candidates", tag = "subsidy", responses((status = 200, body = Vec<CandidateOut>)))]
pub async fn candidates(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Json<Vec<CandidateOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .funding_candidates(&who)
            .await?
            .into_iter()
            .map(|b| CandidateOut {
                base_id: b.id.to_string(),
                name: b.name,
                number: b.number,
                recognised_on: b.recognised_on.to_string(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFundingBody {
    pub base_ids: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Draft a funding request to the coordination group (staff), each base for the subsidy of the
/// policy version it was recognised under. A base already held by another request is refused.
#[utoipa::path(post, path = "/api/v1/funding-requests", tag = "subsidy", request_body = NewFundingBody, responses((status = 201, body = FundingRequestOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn draft(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<NewFundingBody>,
) -> Result<(StatusCode, Json<FundingRequestOut>), ApiError> {
    let id = state.app.draft_funding_request(&who, &body.base_ids, &body.note, &meta).await?;
    Ok((StatusCode::CREATED, Json(funding_out(&state.app.funding_request(&who, &id).await?))))
}

/// One funding request.
#[utoipa::path(get, path = "/api/v1/funding-requests/{id}", tag = "subsidy", params(("id" = String, Path)), responses((status = 200, body = FundingRequestOut)))]
pub async fn request(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<FundingRequestOut>, ApiError> {
    Ok(Json(funding_out(&state.app.funding_request(&who, &id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingDecisionBody {
    /// Required when rejecting or returning.
    #[serde(default)]
    pub reason: String,
}

/// Approve: the leader endorses a draft (never its drafter) and sends it to the coordination
/// group; the coordination group approves a submitted request, which grants each base its
/// subsidy (once per base, ever).
#[utoipa::path(post, path = "/api/v1/funding-requests/{id}/approve", tag = "subsidy", params(("id" = String, Path)), request_body = FundingDecisionBody, responses((status = 200, body = FundingRequestOut), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FundingDecisionBody>,
) -> Result<Json<FundingRequestOut>, ApiError> {
    state.app.decide_funding(&who, &id, FundingAnswer::Yes, &body.reason, &meta).await?;
    Ok(Json(funding_out(&state.app.funding_request(&who, &id).await?)))
}

/// Reject with a reason: the leader returns a draft, the coordination group rejects a
/// submitted request; its bases may be requested again.
#[utoipa::path(post, path = "/api/v1/funding-requests/{id}/reject", tag = "subsidy", params(("id" = String, Path)), request_body = FundingDecisionBody, responses((status = 200, body = FundingRequestOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FundingDecisionBody>,
) -> Result<Json<FundingRequestOut>, ApiError> {
    state.app.decide_funding(&who, &id, FundingAnswer::No, &body.reason, &meta).await?;
    Ok(Json(funding_out(&state.app.funding_request(&who, &id).await?)))
}

// ---------------------------------------------------------------- the ledger

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsOut {
    pub granted: String,
    pub granted_fen: i64,
    pub disbursed: String,
    pub disbursed_fen: i64,
    pub spent: String,
    pub spent_fen: i64,
    /// Received and not spent.
    pub balance: String,
    pub balance_fen: i64,
    /// Granted and not yet paid.
    pub undisbursed_fen: i64,
    /// Spent in fen, by expense category id.
    #[schema(value_type = Object)]
    pub spent_by_category_fen: std::collections::BTreeMap<String, i64>,
    /// Spent / granted, in hundredths of a percent (7525 = 75.25 %).
    pub execution_basis_points: i64,
}

pub(crate) fn totals_out(t: &Totals) -> TotalsOut {
    TotalsOut {
        granted: yuan(t.granted),
        granted_fen: t.granted,
        disbursed: yuan(t.disbursed),
        disbursed_fen: t.disbursed,
        spent: yuan(t.spent),
        spent_fen: t.spent,
        balance: yuan(t.balance),
        balance_fen: t.balance,
        undisbursed_fen: t.undisbursed,
        spent_by_category_fen: t.spent_by_category.clone(),
        execution_basis_points: t.execution_basis_points(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryOut {
    pub seq: i64,
    /// grant | disbursement | expense | reversal.
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount: String,
    pub amount_fen: i64,
    pub reverses: Option<i64>,
    pub ref_type: String,
    pub ref_id: String,
    pub memo: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseOut {
    pub id: String,
    pub seq: i64,
    pub category: String,
    pub amount: String,
    pub amount_fen: i64,
    pub spent_on: String,
    pub payee: String,
    pub description: String,
    pub receipt_name: String,
    /// 发票代码 (none for a 全电发票, or for an expense recorded before invoices were asked for).
    pub invoice_code: Option<String>,
    /// 发票号码 (none for an expense recorded before invoices were asked for).
    pub invoice_number: Option<String>,
    /// recorded | approved | queried | answered | reversed.
    pub status: String,
    pub status_label: String,
    pub question: Option<String>,
    pub answer: Option<String>,
    pub reversal_seq: Option<i64>,
}

fn expense_out(e: &ExpenseView) -> ExpenseOut {
    ExpenseOut {
        id: e.id.to_string(),
        seq: e.seq,
        category: e.category.clone(),
        amount: yuan(e.amount.fen()),
        amount_fen: e.amount.fen(),
        spent_on: e.spent_on.to_string(),
        payee: e.payee.clone(),
        description: e.description.clone(),
        receipt_name: e.receipt.2.clone(),
        invoice_code: e.invoice.as_ref().and_then(|i| i.code()).map(str::to_owned),
        invoice_number: e.invoice.as_ref().map(|i| i.number().to_owned()),
        status: e.status.as_str().to_owned(),
        status_label: e.status.label().to_owned(),
        question: e.question.clone(),
        answer: e.answer.clone(),
        reversal_seq: e.reversal_seq,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisbursementOut {
    pub id: String,
    pub seq: i64,
    pub paid_on: String,
    pub amount: String,
    pub amount_fen: i64,
    pub voucher: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerOut {
    pub base_id: String,
    pub base_name: String,
    pub number: String,
    pub totals: TotalsOut,
    pub entries: Vec<LedgerEntryOut>,
    pub disbursements: Vec<DisbursementOut>,
    pub expenses: Vec<ExpenseOut>,
}

fn ledger_out(l: &LedgerView) -> LedgerOut {
    LedgerOut {
        base_id: l.base.id.to_string(),
        base_name: l.base.name.clone(),
        number: l.base.number.clone(),
        totals: totals_out(&l.totals),
        entries: l
            .entries
            .iter()
            .map(|e| LedgerEntryOut {
                seq: e.seq,
                kind: e.kind.as_str().to_owned(),
                debit: e.debit.clone(),
                credit: e.credit.clone(),
                amount: yuan(e.amount.fen()),
                amount_fen: e.amount.fen(),
                reverses: e.reverses,
                ref_type: e.ref_type.clone(),
                ref_id: e.ref_id.clone(),
                memo: e.memo.clone(),
                at: local(e.at),
            })
            .collect(),
        disbursements: l
            .disbursements
            .iter()
            .map(|d| DisbursementOut {
                id: d.id.to_string(),
                seq: d.seq,
                paid_on: d.paid_on.to_string(),
                amount: yuan(d.amount.fen()),
                amount_fen: d.amount.fen(),
                voucher: d.voucher.clone(),
            })
            .collect(),
        expenses: l.expenses.iter().map(expense_out).collect(),
    }
}

/// A base's ledger: entries, totals, disbursements and expenses (the bureau, the coordination
/// group, or the base's own organisation).
#[utoipa::path(get, path = "/api/v1/bases/{id}/ledger", tag = "subsidy", params(("id" = String, Path)), responses((status = 200, body = LedgerOut)))]
pub async fn ledger(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<LedgerOut>, ApiError> {
    Ok(Json(ledger_out(&state.app.ledger(&who, &id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisbursementBody {
    /// YYYY-MM-DD.
    pub paid_on: String,
    /// Yuan, at most two decimals ("120000.00").
    pub amount: String,
    /// The payment voucher number (one per payment).
    pub voucher: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// The ledger entry's sequence number.
    pub seq: i64,
}

/// Record a payment to a base (staff): never more than what is left of its grant; a voucher is
/// recorded once.
#[utoipa::path(post, path = "/api/v1/bases/{id}/disbursements", tag = "subsidy", params(("id" = String, Path)), request_body = DisbursementBody, responses((status = 201, body = Recorded), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn disburse(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DisbursementBody>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let seq = state.app.record_disbursement(&who, &id, (&body.paid_on, &body.amount, &body.voucher), &meta).await?;
    Ok((StatusCode::CREATED, Json(Recorded { seq })))
}

/// Record an expense (the base; `multipart/form-data` with the fields `category`, `amount`,
/// `spent_on`, `payee`, `description`, `invoice_number` (8 digits, or 20 for a 全电发票),
/// `invoice_code` (10 or 12 digits, with an 8-digit number only), optionally
/// `confirm_duplicate` (`true`), and the receipt as the file `receipt`). Refused (400) when the
/// category is not one of the policy's twelve, the amount exceeds the balance or the invoice is
/// malformed; refused (409) with code `duplicate_invoice` when a live expense of any base has
/// the same invoice, `duplicate_receipt` when one has the same receipt file, and
/// `possible_duplicate` when one of this base has the same payee, amount and date, unless
/// `confirm_duplicate` is `true`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/expenses", tag = "subsidy", params(("id" = String, Path)), responses((status = 201, body = ExpenseOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn record_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<ExpenseOut>), ApiError> {
    let (input, receipt) = expense_form(multipart).await?;
    let expense = state.app.record_expense(&who, &id, &input, receipt, &meta).await?;
    let ledger = state.app.ledger(&who, &id).await?;
    let created = ledger.expenses.iter().find(|e| e.id.to_string() == expense).ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(expense_out(created))))
}

/// The fields of an expense form and its receipt file.
pub(crate) async fn expense_form(
    mut multipart: Multipart,
) -> Result<(ExpenseInput, Option<(String, Vec<u8>)>), ApiError> {
    let unreadable =
        || ApiError::fields(vec![FieldProblem::new("receipt", "file_missing", "上传内容无法读取，请重新提交")]);
    let mut input = ExpenseInput::default();
    let mut receipt = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "receipt" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            receipt = Some((filename, bytes.to_vec()));
            continue;
        }
        let text = field.text().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "category" => input.category = text,
            "amount" => input.amount = text,
            "spent_on" => input.spent_on = text,
            "payee" => input.payee = text,
            "description" => input.description = text,
            "invoice_code" => input.invoice_code = text,
            "invoice_number" => input.invoice_number = text,
            "confirm_duplicate" => input.confirm_duplicate = matches!(text.trim(), "true" | "1"),
            _ => {}
        }
    }
    Ok((input, receipt))
}

/// An expense's receipt (always as an attachment).
#[utoipa::path(get, path = "/api/v1/expenses/{id}/receipt", tag = "subsidy", params(("id" = String, Path)), responses((status = 200, content_type = "application/octet-stream")))]
pub async fn receipt(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (kind, name, bytes) = state.app.expense_receipt(&who, &id).await?;
    Ok(crate::download::stored_file(&kind, &name, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpenseState {
    pub status: String,
    pub status_label: String,
}

fn expense_state(s: skillbase_domain::subsidy::ExpenseStatus) -> Json<ExpenseState> {
    Json(ExpenseState { status: s.as_str().to_owned(), status_label: s.label().to_owned() })
}

/// Approve an expense (staff).
#[utoipa::path(post, path = "/api/v1/expenses/{id}/approve", tag = "subsidy", params(("id" = String, Path)), responses((status = 200, body = ExpenseState)))]
pub async fn approve_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<ExpenseState>, ApiError> {
    Ok(expense_state(state.app.review_expense(&who, &id, true, "", &meta).await?))
}

/// Query an expense with a question the base answers (staff).
#[utoipa::path(post, path = "/api/v1/expenses/{id}/query", tag = "subsidy", params(("id" = String, Path)), request_body = TextBody, responses((status = 200, body = ExpenseState)))]
pub async fn query_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<Json<ExpenseState>, ApiError> {
    Ok(expense_state(state.app.review_expense(&who, &id, false, &body.text, &meta).await?))
}

/// Answer staff's question about an expense (the base).
#[utoipa::path(post, path = "/api/v1/expenses/{id}/answer", tag = "subsidy", params(("id" = String, Path)), request_body = TextBody, responses((status = 204)))]
pub async fn answer_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<StatusCode, ApiError> {
    state.app.answer_expense(&who, &id, &body.text, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Correct an expense by a reversal entry (staff), with the reason.
#[utoipa::path(post, path = "/api/v1/expenses/{id}/reverse", tag = "subsidy", params(("id" = String, Path)), request_body = TextBody, responses((status = 200, body = Recorded)))]
pub async fn reverse_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<Json<Recorded>, ApiError> {
    Ok(Json(Recorded { seq: state.app.reverse_expense(&who, &id, &body.text, &meta).await? }))
}

// ---------------------------------------------------------------- reports

#[derive(Debug, Serialize, ToSchema)]
pub struct BaseFundsOut {
    pub base_id: String,
    pub name: String,
    pub number: String,
    pub totals: TotalsOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundsReportOut {
    pub bases: Vec<BaseFundsOut>,
    /// Spent in fen by expense category id, across bases.
    #[schema(value_type = Object)]
    pub by_category_fen: std::collections::BTreeMap<String, i64>,
    pub totals: TotalsOut,
}

/// The fund report: each base's grant, disbursed, spent by category, balance and execution
/// rate, and the sums across bases (staff, leaders, the coordination group).
#[utoipa::path(get, path = "/api/v1/reports/funds", tag = "subsidy", responses((status = 200, body = FundsReportOut)))]
pub async fn report(State(state): State<AppState>, SignedIn(who): SignedIn) -> Result<Json<FundsReportOut>, ApiError> {
    let overview = state.app.fund_overview(&who).await?;
    let sum = Totals::sum(overview.iter().map(|(_, t)| t));
    Ok(Json(FundsReportOut {
        bases: overview
            .iter()
            .map(|(b, t)| BaseFundsOut {
                base_id: b.id.to_string(),
                name: b.name.clone(),
                number: b.number.clone(),
                totals: totals_out(t),
            })
            .collect(),
        by_category_fen: sum.spent_by_category.clone(),
        totals: totals_out(&sum),
    }))
}
