//! Funding requests and their items, grants, the ledger, disbursements and expenses.
//!
//! The ledger is append-only (triggers refuse UPDATE and DELETE). Writers of one base's ledger
//! take the base's row lock first ([`lock_base`]), so two expenses at once are decided one after
//! the other against the same balance.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::ids::{BaseId, DisbursementId, ExpenseId, FundingRequestId, UserId};
use skillbase_domain::money::Money;
use skillbase_domain::subsidy::{Entry, EntryKind, ExpenseStatus, FundingAction, FundingStatus, Invoice};

use crate::{Db, Result, StoreError, Tx, day, from_millis, millis, parse_as, parse_day, parse_id};

// ---------------------------------------------------------------- funding requests

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRequest {
    pub id: FundingRequestId,
    pub status: FundingStatus,
    pub title: String,
    pub note: String,
    pub total: Money,
    pub drafted_by: UserId,
    pub drafted_at: DateTime<Utc>,
    pub endorsed_by: Option<UserId>,
    pub endorsed_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub version: i64,
    /// The document number (文号) given when endorsed: its year and sequence number.
    pub doc_number: Option<(i64, i64)>,
}

#[derive(sqlx::FromRow)]
struct FundingRow {
    id: String,
    status: String,
    title: String,
    note: String,
    total: i64,
    drafted_by: String,
    drafted_at: i64,
    endorsed_by: Option<String>,
    endorsed_at: Option<i64>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    reason: Option<String>,
    version: i64,
    doc_year: Option<i64>,
    doc_seq: Option<i64>,
}

impl TryFrom<FundingRow> for FundingRequest {
    type Error = StoreError;
    fn try_from(r: FundingRow) -> Result<Self> {
        Ok(FundingRequest {
            id: parse_id(&r.id)?,
            status: parse_as(&r.status, FundingStatus::parse)?,
            title: r.title,
            note: r.note,
            total: Money::from_fen(r.total),
            drafted_by: parse_id(&r.drafted_by)?,
            drafted_at: from_millis(r.drafted_at)?,
            endorsed_by: r.endorsed_by.as_deref().map(parse_id).transpose()?,
            endorsed_at: r.endorsed_at.map(from_millis).transpose()?,
            decided_by: r.decided_by.as_deref().map(parse_id).transpose()?,
            decided_at: r.decided_at.map(from_millis).transpose()?,
            reason: r.reason,
            version: r.version,
            doc_number: r.doc_year.zip(r.doc_seq),
        })
    }
}

macro_rules! funding_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, status, title, note, total, drafted_by, drafted_at, endorsed_by, endorsed_at, decided_by,
                    decided_at, reason, version, doc_year, doc_seq
             FROM funding_requests ",
            $tail
        )
    };
}

pub async fn insert_request(tx: &mut Tx, r: &FundingRequest) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO funding_requests (id, status, title, note, total, drafted_by, drafted_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1)"
    )
    .bind(r.id.to_string())
    .bind(r.status.as_str())
    .bind(&r.title)
    .bind(&r.note)
    .bind(r.total.fen())
    .bind(r.drafted_by.to_string())
    .bind(millis(r.drafted_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn request(db: &Db, id: FundingRequestId) -> Result<Option<FundingRequest>> {
    let row: Option<FundingRow> = on_pool!(db, |c| sqlx::query_as(funding_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(FundingRequest::try_from).transpose()
}

/// Every funding request, the newest first. All of them: a request covers the bases of a
/// recognition, a few a year, so the list is small by nature and is never cut.
pub async fn requests(db: &Db) -> Result<Vec<FundingRequest>> {
    let rows: Vec<FundingRow> =
        on_pool!(db, |c| sqlx::query_as(funding_select!("ORDER BY drafted_at DESC, id DESC")).fetch_all(c).await)?;
    rows.into_iter().map(FundingRequest::try_from).collect()
}

/// Gives an endorsed request the next document number (文号) of `year`, once; the number.
/// Two at once: the unique index `funding_requests_doc_number_key` refuses the second.
pub async fn assign_doc_number(tx: &mut Tx, id: FundingRequestId, year: i64) -> Result<Option<i64>> {
    let seq: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "UPDATE funding_requests SET doc_year = $2,
                doc_seq = (SELECT CAST(COALESCE(MAX(doc_seq), 0) + 1 AS BIGINT) FROM funding_requests WHERE doc_year = $2)
         WHERE id = $1 AND doc_seq IS NULL
         RETURNING doc_seq"
    )
    .bind(id.to_string())
    .bind(year)
    .fetch_optional(c)
    .await
    })?;
    Ok(seq)
}

/// Compare-and-set of a request's status, recording who endorsed (`submitted`) or decided.
pub async fn change_request(
    tx: &mut Tx,
    id: FundingRequestId,
    (from, to, version): (FundingStatus, FundingStatus, i64),
    by: UserId,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE funding_requests SET status = $3, version = version + 1,
                endorsed_by = CASE WHEN $3 = 'submitted' THEN $5 ELSE endorsed_by END,
                endorsed_at = CASE WHEN $3 = 'submitted' THEN $6 ELSE endorsed_at END,
                decided_by = CASE WHEN $3 = 'submitted' THEN decided_by ELSE $5 END,
                decided_at = CASE WHEN $3 = 'submitted' THEN decided_at ELSE $6 END,
                reason = COALESCE($7, reason)
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(id.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(version)
    .bind(by.to_string())
    .bind(millis(at))
    .bind(reason)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One decision on a funding request: who, when, what, and the comment given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingDecision {
    pub seq: i64,
    pub action: FundingAction,
    pub actor: UserId,
    pub at: DateTime<Utc>,
    pub comment: String,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    request_id: String,
    seq: i64,
    action: String,
    actor: String,
    at: i64,
    comment: String,
}

/// Records a decision, after the request's others (in the transaction that changes its state).
pub async fn insert_decision(
    tx: &mut Tx,
    request: FundingRequestId,
    action: FundingAction,
    actor: UserId,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO funding_decisions (request_id, seq, action, actor, at, comment)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM funding_decisions WHERE request_id = $1"
    )
    .bind(request.to_string())
    .bind(action.as_str())
    .bind(actor.to_string())
    .bind(millis(at))
    .bind(comment)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

macro_rules! decision_select {
    ($tail:literal) => {
        concat!("SELECT request_id, seq, action, actor, at, comment FROM funding_decisions ", $tail)
    };
}

/// A request's decisions, in order.
pub async fn decisions(db: &Db, request: FundingRequestId) -> Result<Vec<FundingDecision>> {
    let rows: Vec<DecisionRow> =
        on_pool!(db, |c| sqlx::query_as(decision_select!("WHERE request_id = $1 ORDER BY seq"))
            .bind(request.to_string())
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(FundingDecision::try_from).collect()
}

/// Every request's decisions, in order, by request: one read for a list of requests.
pub async fn all_decisions(db: &Db) -> Result<HashMap<FundingRequestId, Vec<FundingDecision>>> {
    let rows: Vec<DecisionRow> =
        on_pool!(db, |c| sqlx::query_as(decision_select!("ORDER BY request_id, seq")).fetch_all(c).await)?;
    let mut by_request: HashMap<FundingRequestId, Vec<FundingDecision>> = HashMap::new();
    for row in rows {
        let request = parse_id(&row.request_id)?;
        by_request.entry(request).or_default().push(FundingDecision::try_from(row)?);
    }
    Ok(by_request)
}

impl TryFrom<DecisionRow> for FundingDecision {
    type Error = StoreError;
    fn try_from(r: DecisionRow) -> Result<Self> {
        Ok(FundingDecision {
            seq: r.seq,
            action: parse_as(&r.action, FundingAction::parse)?,
            actor: parse_id(&r.actor)?,
            at: from_millis(r.at)?,
            comment: r.comment,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingItem {
    pub request_id: FundingRequestId,
    pub base_id: BaseId,
    pub amount: Money,
    pub policy_id: String,
}

pub async fn insert_item(tx: &mut Tx, i: &FundingItem) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO funding_items (request_id, base_id, amount, policy_id) VALUES ($1, $2, $3, $4)"
    )
    .bind(i.request_id.to_string())
    .bind(i.base_id.to_string())
    .bind(i.amount.fen())
    .bind(&i.policy_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn items(db: &Db, request: FundingRequestId) -> Result<Vec<FundingItem>> {
    let rows: Vec<(String, String, i64, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT request_id, base_id, amount, policy_id FROM funding_items WHERE request_id = $1 ORDER BY base_id"
    )
    .bind(request.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(request, base, amount, policy_id)| {
            Ok(FundingItem {
                request_id: parse_id(&request)?,
                base_id: parse_id(&base)?,
                amount: Money::from_fen(amount),
                policy_id,
            })
        })
        .collect()
}

/// The bases already held by a request that is neither rejected nor returned (inside the
/// drafting transaction).
pub async fn held_bases(tx: &mut Tx) -> Result<Vec<BaseId>> {
    let rows: Vec<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT i.base_id FROM funding_items i JOIN funding_requests r ON r.id = i.request_id
         WHERE r.status IN ('draft', 'submitted', 'approved')"
    )
    .fetch_all(c)
    .await)?;
    rows.iter().map(|(b,)| parse_id(b)).collect()
}

/// The request (and its status) holding each base, for the bureau's list.
pub async fn holders(db: &Db) -> Result<Vec<(BaseId, FundingRequestId, FundingStatus)>> {
    let rows: Vec<(String, String, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT i.base_id, r.id, r.status FROM funding_items i JOIN funding_requests r ON r.id = i.request_id
         WHERE r.status IN ('draft', 'submitted', 'approved')"
    )
    .fetch_all(c)
    .await)?;
    rows.iter()
        .map(|(base, request, status)| {
            Ok((parse_id(base)?, parse_id(request)?, parse_as(status, FundingStatus::parse)?))
        })
        .collect()
}

/// Records the one grant of a base; `false` if it already has one.
pub async fn insert_grant(
    tx: &mut Tx,
    base: BaseId,
    request: FundingRequestId,
    amount: Money,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO grants (base_id, request_id, amount, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (base_id) DO NOTHING"
    )
    .bind(base.to_string())
    .bind(request.to_string())
    .bind(amount.fen())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- the ledger

/// Takes the base's row lock for the rest of the transaction (PostgreSQL; SQLite's writers are
/// serial already).
pub async fn lock_base(tx: &mut Tx, base: BaseId) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE bases SET version = version WHERE id = $1")
        .bind(base.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub base_id: BaseId,
    pub seq: i64,
    pub kind: EntryKind,
    pub debit: String,
    pub credit: String,
    pub amount: Money,
    pub reverses: Option<i64>,
    pub ref_type: String,
    pub ref_id: String,
    pub memo: String,
    pub at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

type EntryRow = (String, i64, String, String, String, i64, Option<i64>, String, String, String, i64, Option<String>);

impl LedgerRow {
    /// The entry as the ledger's rules read it.
    pub fn entry(&self) -> Entry {
        Entry {
            seq: self.seq,
            kind: self.kind,
            debit: self.debit.clone(),
            credit: self.credit.clone(),
            amount: self.amount,
            reverses: self.reverses,
        }
    }
}

fn entry_from(row: EntryRow) -> Result<LedgerRow> {
    let (base, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, by) = row;
    Ok(LedgerRow {
        base_id: parse_id(&base)?,
        seq,
        kind: parse_as(&kind, EntryKind::parse)?,
        debit,
        credit,
        amount: Money::from_fen(amount),
        reverses,
        ref_type,
        ref_id,
        memo,
        at: from_millis(at)?,
        recorded_by: by.as_deref().map(parse_id).transpose()?,
    })
}

pub async fn insert_entry(tx: &mut Tx, e: &LedgerRow) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO ledger_entries (base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at,
                                     recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(e.base_id.to_string())
    .bind(e.seq)
    .bind(e.kind.as_str())
    .bind(&e.debit)
    .bind(&e.credit)
    .bind(e.amount.fen())
    .bind(e.reverses)
    .bind(&e.ref_type)
    .bind(&e.ref_id)
    .bind(&e.memo)
    .bind(millis(e.at))
    .bind(e.recorded_by.map(|u| u.to_string()))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! entry_select {
    ($tail:literal) => {
        concat!(
            "SELECT base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, recorded_by
             FROM ledger_entries ",
            $tail
        )
    };
}

/// A base's entries in order (inside the writing transaction, after [`lock_base`]).
pub async fn entries_in(tx: &mut Tx, base: BaseId) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> = on_tx!(tx, |c| sqlx::query_as(entry_select!("WHERE base_id = $1 ORDER BY seq"))
        .bind(base.to_string())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(entry_from).collect()
}

pub async fn entries(db: &Db, base: BaseId) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(entry_select!("WHERE base_id = $1 ORDER BY seq"))
        .bind(base.to_string())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(entry_from).collect()
}

/// Every base's entries (for reports across bases), by base and sequence: every one, since a
/// report's sums must hold all of them.
pub async fn all_entries(db: &Db) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> =
        on_pool!(db, |c| sqlx::query_as(entry_select!("ORDER BY base_id, seq")).fetch_all(c).await)?;
    rows.into_iter().map(entry_from).collect()
}

// ---------------------------------------------------------------- disbursements

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    pub id: DisbursementId,
    pub base_id: BaseId,
    pub seq: i64,
    pub paid_on: NaiveDate,
    pub amount: Money,
    pub voucher: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

pub async fn insert_disbursement(tx: &mut Tx, d: &Disbursement) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO disbursements (id, base_id, seq, paid_on, amount, voucher, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(d.id.to_string())
    .bind(d.base_id.to_string())
    .bind(d.seq)
    .bind(day(d.paid_on))
    .bind(d.amount.fen())
    .bind(&d.voucher)
    .bind(d.recorded_by.to_string())
    .bind(millis(d.recorded_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type DisbursementRow = (String, String, i64, String, i64, String, String, i64);

pub async fn disbursements(db: &Db, base: BaseId) -> Result<Vec<Disbursement>> {
    let rows: Vec<DisbursementRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, base_id, seq, paid_on, amount, voucher, recorded_by, recorded_at FROM disbursements
         WHERE base_id = $1 ORDER BY seq"
    )
    .bind(base.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id, base, seq, paid_on, amount, voucher, by, at)| {
            Ok(Disbursement {
                id: parse_id(&id)?,
                base_id: parse_id(&base)?,
                seq,
                paid_on: parse_day(&paid_on)?,
                amount: Money::from_fen(amount),
                voucher,
                recorded_by: parse_id(&by)?,
                recorded_at: from_millis(at)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- expenses

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expense {
    pub id: ExpenseId,
    pub base_id: BaseId,
    pub seq: i64,
    pub category: String,
    pub amount: Money,
    pub spent_on: NaiveDate,
    pub payee: String,
    pub description: String,
    /// (SM3 content hash, kind, display name) of the receipt.
    pub receipt: (String, String, String),
    /// `None` for an expense recorded before invoices were asked for.
    pub invoice: Option<Invoice>,
    pub status: ExpenseStatus,
    pub question: Option<String>,
    pub answer: Option<String>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reversal_seq: Option<i64>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ExpenseRow {
    id: String,
    base_id: String,
    seq: i64,
    category: String,
    amount: i64,
    spent_on: String,
    payee: String,
    description: String,
    receipt_hash: String,
    receipt_kind: String,
    receipt_name: String,
    invoice_code: Option<String>,
    invoice_number: Option<String>,
    status: String,
    question: Option<String>,
    answer: Option<String>,
    reviewed_by: Option<String>,
    reviewed_at: Option<i64>,
    reversal_seq: Option<i64>,
    recorded_by: String,
    recorded_at: i64,
    version: i64,
}

impl TryFrom<ExpenseRow> for Expense {
    type Error = StoreError;
    fn try_from(r: ExpenseRow) -> Result<Self> {
        Ok(Expense {
            id: parse_id(&r.id)?,
            base_id: parse_id(&r.base_id)?,
            seq: r.seq,
            category: r.category,
            amount: Money::from_fen(r.amount),
            spent_on: parse_day(&r.spent_on)?,
            payee: r.payee,
            description: r.description,
            receipt: (r.receipt_hash, r.receipt_kind, r.receipt_name),
            invoice: r
                .invoice_number
                .map(|number| {
                    Invoice::stored(r.invoice_code.as_deref(), &number)
                        .ok_or_else(|| StoreError::Corrupt(format!("invoice {number}")))
                })
                .transpose()?,
            status: parse_as(&r.status, ExpenseStatus::parse)?,
            question: r.question,
            answer: r.answer,
            reviewed_by: r.reviewed_by.as_deref().map(parse_id).transpose()?,
            reviewed_at: r.reviewed_at.map(from_millis).transpose()?,
            reversal_seq: r.reversal_seq,
            recorded_by: parse_id(&r.recorded_by)?,
            recorded_at: from_millis(r.recorded_at)?,
            version: r.version,
        })
    }
}

macro_rules! expense_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, base_id, seq, category, amount, spent_on, payee, description, receipt_hash, receipt_kind,
                    receipt_name, invoice_code, invoice_number, status, question, answer, reviewed_by, reviewed_at,
                    reversal_seq, recorded_by, recorded_at, version
             FROM expenses ",
            $tail
        )
    };
}

pub async fn insert_expense(tx: &mut Tx, e: &Expense) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO expenses (id, base_id, seq, category, amount, spent_on, payee, description, receipt_hash,
                               receipt_kind, receipt_name, status, recorded_by, recorded_at, version, invoice_code,
                               invoice_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16)"
    )
    .bind(e.id.to_string())
    .bind(e.base_id.to_string())
    .bind(e.seq)
    .bind(&e.category)
    .bind(e.amount.fen())
    .bind(day(e.spent_on))
    .bind(&e.payee)
    .bind(&e.description)
    .bind(&e.receipt.0)
    .bind(&e.receipt.1)
    .bind(&e.receipt.2)
    .bind(e.status.as_str())
    .bind(e.recorded_by.to_string())
    .bind(millis(e.recorded_at))
    .bind(e.invoice.as_ref().and_then(Invoice::code))
    .bind(e.invoice.as_ref().map(Invoice::number))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn expense(db: &Db, id: ExpenseId) -> Result<Option<Expense>> {
    let row: Option<ExpenseRow> = on_pool!(db, |c| sqlx::query_as(expense_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Expense::try_from).transpose()
}

/// The expenses of a base (of every base with `None`), by base and sequence: every one, since
/// the ledger's pages, reports and dossiers account for all of them.
pub async fn expenses(db: &Db, base: Option<BaseId>) -> Result<Vec<Expense>> {
    let rows: Vec<ExpenseRow> =
        on_pool!(db, |c| sqlx::query_as(expense_select!("WHERE ($1 IS NULL OR base_id = $1) ORDER BY base_id, seq"))
            .bind(base.map(|b| b.to_string()))
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(Expense::try_from).collect()
}

/// The live (not reversed) expenses a new one of `base` may repeat: of any base, the same
/// invoice or the same receipt file; of `base`, the same payee, amount and date. Read in the
/// transaction that records the new one, after the base's row lock.
pub async fn expenses_like(
    tx: &mut Tx,
    base: BaseId,
    (invoice, receipt_hash): (&Invoice, &str),
    (payee, amount, spent_on): (&str, Money, NaiveDate),
) -> Result<Vec<Expense>> {
    let rows: Vec<ExpenseRow> = on_tx!(tx, |c| sqlx::query_as(expense_select!(
        "WHERE status <> 'reversed'
           AND ((invoice_number = $1 AND COALESCE(invoice_code, '') = $2)
                OR receipt_hash = $3
                OR (base_id = $4 AND spent_on = $5 AND amount = $6 AND payee = $7))
         ORDER BY recorded_at, id LIMIT 50"
    ))
    .bind(invoice.number())
    .bind(invoice.code().unwrap_or_default())
    .bind(receipt_hash)
    .bind(base.to_string())
    .bind(day(spent_on))
    .bind(amount.fen())
    .bind(payee)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(Expense::try_from).collect()
}

/// What an expense's change writes besides its status.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExpenseChange<'a> {
    pub question: Option<&'a str>,
    pub answer: Option<&'a str>,
    pub reviewed_by: Option<UserId>,
    pub reversal_seq: Option<i64>,
}

/// Compare-and-set of an expense's status.
pub async fn change_expense(
    tx: &mut Tx,
    id: ExpenseId,
    (from, to, version): (ExpenseStatus, ExpenseStatus, i64),
    change: &ExpenseChange<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE expenses SET status = $3, version = version + 1,
                question = COALESCE($5, question),
                answer = COALESCE($6, answer),
                reviewed_by = COALESCE($7, reviewed_by),
                reviewed_at = CASE WHEN $7 IS NULL THEN reviewed_at ELSE $8 END,
                reversal_seq = COALESCE($9, reversal_seq)
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(id.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(version)
    .bind(change.question)
    .bind(change.answer)
    .bind(change.reviewed_by.map(|u| u.to_string()))
    .bind(millis(at))
    .bind(change.reversal_seq)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The day the base was revoked, if it was.
pub async fn revoked_on(tx: &mut Tx, base: BaseId) -> Result<Option<NaiveDate>> {
    let row: Option<(Option<String>,)> = on_tx!(tx, |c| sqlx::query_as("SELECT revoked_on FROM bases WHERE id = $1")
        .bind(base.to_string())
        .fetch_optional(c)
        .await)?;
    row.and_then(|(d,)| d).as_deref().map(parse_day).transpose()
}
