//! Funding requests and their items, grants, the ledger, disbursements and expenses.
//!
//! The ledger is append-only (triggers refuse UPDATE and DELETE). Writers of one base's ledger
//! take the base's row lock first ([`lock_base`]), so two expenses at once are decided one after
//! the other against the same balance.

use chrono::{DateTime, Utc};
use skillbase_domain::ids::UserId;

use crate::{Db, Result, StoreError, Tx, from_millis, millis};

fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

// ---------------------------------------------------------------- funding requests

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRequest {
    pub id: String,
    pub status: String,
    pub title: String,
    pub note: String,
    pub total: i64,
    pub drafted_by: UserId,
    pub drafted_at: DateTime<Utc>,
    pub endorsed_by: Option<UserId>,
    pub endorsed_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub version: i64,
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
}

impl TryFrom<FundingRow> for FundingRequest {
    type Error = StoreError;
    fn try_from(r: FundingRow) -> Result<Self> {
        Ok(FundingRequest {
            id: r.id,
            status: r.status,
            title: r.title,
            note: r.note,
            total: r.total,
            drafted_by: parse_id(&r.drafted_by)?,
            drafted_at: from_millis(r.drafted_at)?,
            endorsed_by: r.endorsed_by.as_deref().map(parse_id).transpose()?,
            endorsed_at: r.endorsed_at.map(from_millis).transpose()?,
            decided_by: r.decided_by.as_deref().map(parse_id).transpose()?,
            decided_at: r.decided_at.map(from_millis).transpose()?,
            reason: r.reason,
            version: r.version,
        })
    }
}

macro_rules! funding_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, status, title, note, total, drafted_by, drafted_at, endorsed_by, endorsed_at, decided_by,
                    decided_at, reason, version
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
    .bind(&r.id)
    .bind(&r.status)
    .bind(&r.title)
    .bind(&r.note)
    .bind(r.total)
    .bind(r.drafted_by.to_string())
    .bind(millis(r.drafted_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn request(db: &Db, id: &str) -> Result<Option<FundingRequest>> {
    let row: Option<FundingRow> =
        on_pool!(db, |c| sqlx::query_as(funding_select!("WHERE id = $1")).bind(id).fetch_optional(c).await)?;
    row.map(FundingRequest::try_from).transpose()
}

pub async fn requests(db: &Db) -> Result<Vec<FundingRequest>> {
    let rows: Vec<FundingRow> =
        on_pool!(db, |c| sqlx::query_as(funding_select!("ORDER BY drafted_at DESC, id DESC LIMIT 500"))
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(FundingRequest::try_from).collect()
}

/// Compare-and-set of a request's status, recording who endorsed (`submitted`) or decided.
pub async fn change_request(
    tx: &mut Tx,
    id: &str,
    (from, to, version): (&str, &str, i64),
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
    .bind(id)
    .bind(from)
    .bind(to)
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
    /// `endorse`, `return`, `approve` or `reject`.
    pub action: String,
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
    request: &str,
    action: &str,
    actor: UserId,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO funding_decisions (request_id, seq, action, actor, at, comment)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM funding_decisions WHERE request_id = $1"
    )
    .bind(request)
    .bind(action)
    .bind(actor.to_string())
    .bind(millis(at))
    .bind(comment)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A request's decisions, in order.
pub async fn decisions(db: &Db, request: &str) -> Result<Vec<FundingDecision>> {
    let rows: Vec<DecisionRow> = on_pool!(db, |c| {
        sqlx::query_as(
        "SELECT request_id, seq, action, actor, at, comment FROM funding_decisions WHERE request_id = $1 ORDER BY seq"
    )
    .bind(request)
    .fetch_all(c)
    .await
    })?;
    rows.into_iter().map(FundingDecision::try_from).collect()
}

/// Every request's decisions, in order, by request: one read for a list of requests.
pub async fn all_decisions(db: &Db) -> Result<std::collections::HashMap<String, Vec<FundingDecision>>> {
    let rows: Vec<DecisionRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT request_id, seq, action, actor, at, comment FROM funding_decisions ORDER BY request_id, seq"
    )
    .fetch_all(c)
    .await)?;
    let mut by_request: std::collections::HashMap<String, Vec<FundingDecision>> = std::collections::HashMap::new();
    for row in rows {
        let request = row.request_id.clone();
        by_request.entry(request).or_default().push(FundingDecision::try_from(row)?);
    }
    Ok(by_request)
}

impl TryFrom<DecisionRow> for FundingDecision {
    type Error = StoreError;
    fn try_from(r: DecisionRow) -> Result<Self> {
        Ok(FundingDecision {
            seq: r.seq,
            action: r.action,
            actor: parse_id(&r.actor)?,
            at: from_millis(r.at)?,
            comment: r.comment,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingItem {
    pub request_id: String,
    pub base_id: String,
    pub amount: i64,
    pub policy_id: String,
}

pub async fn insert_item(tx: &mut Tx, i: &FundingItem) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO funding_items (request_id, base_id, amount, policy_id) VALUES ($1, $2, $3, $4)"
    )
    .bind(&i.request_id)
    .bind(&i.base_id)
    .bind(i.amount)
    .bind(&i.policy_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn items(db: &Db, request: &str) -> Result<Vec<FundingItem>> {
    let rows: Vec<(String, String, i64, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT request_id, base_id, amount, policy_id FROM funding_items WHERE request_id = $1 ORDER BY base_id"
    )
    .bind(request)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(request_id, base_id, amount, policy_id)| FundingItem { request_id, base_id, amount, policy_id })
        .collect())
}

/// The bases already held by a request that is neither rejected nor returned (inside the
/// drafting transaction).
pub async fn held_bases(tx: &mut Tx) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT i.base_id FROM funding_items i JOIN funding_requests r ON r.id = i.request_id
         WHERE r.status IN ('draft', 'submitted', 'approved')"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(b,)| b).collect())
}

/// The request (and its status) holding each base, for the bureau's list.
pub async fn holders(db: &Db) -> Result<Vec<(String, String, String)>> {
    let rows: Vec<(String, String, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT i.base_id, r.id, r.status FROM funding_items i JOIN funding_requests r ON r.id = i.request_id
         WHERE r.status IN ('draft', 'submitted', 'approved')"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows)
}

/// Records the one grant of a base; `false` if it already has one.
pub async fn insert_grant(tx: &mut Tx, base: &str, request: &str, amount: i64, at: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO grants (base_id, request_id, amount, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (base_id) DO NOTHING"
    )
    .bind(base)
    .bind(request)
    .bind(amount)
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- the ledger

/// Takes the base's row lock for the rest of the transaction (PostgreSQL; SQLite's writers are
/// serial already).
pub async fn lock_base(tx: &mut Tx, base: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE bases SET version = version WHERE id = $1")
        .bind(base)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub base_id: String,
    pub seq: i64,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount: i64,
    pub reverses: Option<i64>,
    pub ref_type: String,
    pub ref_id: String,
    pub memo: String,
    pub at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

type EntryRow = (String, i64, String, String, String, i64, Option<i64>, String, String, String, i64, Option<String>);

fn entry_from(row: EntryRow) -> Result<LedgerRow> {
    let (base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, by) = row;
    Ok(LedgerRow {
        base_id,
        seq,
        kind,
        debit,
        credit,
        amount,
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
    .bind(&e.base_id)
    .bind(e.seq)
    .bind(&e.kind)
    .bind(&e.debit)
    .bind(&e.credit)
    .bind(e.amount)
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

/// A base's entries in order (inside the writing transaction, after [`lock_base`]).
pub async fn entries_in(tx: &mut Tx, base: &str) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, recorded_by
         FROM ledger_entries WHERE base_id = $1 ORDER BY seq"
    )
    .bind(base)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(entry_from).collect()
}

pub async fn entries(db: &Db, base: &str) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, recorded_by
         FROM ledger_entries WHERE base_id = $1 ORDER BY seq"
    )
    .bind(base)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(entry_from).collect()
}

/// Every base's entries (for reports across bases), by base and sequence.
pub async fn all_entries(db: &Db) -> Result<Vec<LedgerRow>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT base_id, seq, kind, debit, credit, amount, reverses, ref_type, ref_id, memo, at, recorded_by
         FROM ledger_entries ORDER BY base_id, seq LIMIT 200000"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(entry_from).collect()
}

// ---------------------------------------------------------------- disbursements

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    pub id: String,
    pub base_id: String,
    pub seq: i64,
    pub paid_on: String,
    pub amount: i64,
    pub voucher: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

pub async fn insert_disbursement(tx: &mut Tx, d: &Disbursement) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO disbursements (id, base_id, seq, paid_on, amount, voucher, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&d.id)
    .bind(&d.base_id)
    .bind(d.seq)
    .bind(&d.paid_on)
    .bind(d.amount)
    .bind(&d.voucher)
    .bind(d.recorded_by.to_string())
    .bind(millis(d.recorded_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type DisbursementRow = (String, String, i64, String, i64, String, String, i64);

pub async fn disbursements(db: &Db, base: &str) -> Result<Vec<Disbursement>> {
    let rows: Vec<DisbursementRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, base_id, seq, paid_on, amount, voucher, recorded_by, recorded_at FROM disbursements
         WHERE base_id = $1 ORDER BY seq"
    )
    .bind(base)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id, base_id, seq, paid_on, amount, voucher, by, at)| {
            Ok(Disbursement {
                id,
                base_id,
                seq,
                paid_on,
                amount,
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
    pub id: String,
    pub base_id: String,
    pub seq: i64,
    pub category: String,
    pub amount: i64,
    pub spent_on: String,
    pub payee: String,
    pub description: String,
    /// (SM3 content hash, kind, display name) of the receipt.
    pub receipt: (String, String, String),
    pub status: String,
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
            id: r.id,
            base_id: r.base_id,
            seq: r.seq,
            category: r.category,
            amount: r.amount,
            spent_on: r.spent_on,
            payee: r.payee,
            description: r.description,
            receipt: (r.receipt_hash, r.receipt_kind, r.receipt_name),
            status: r.status,
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
                    receipt_name, status, question, answer, reviewed_by, reviewed_at, reversal_seq, recorded_by,
                    recorded_at, version
             FROM expenses ",
            $tail
        )
    };
}

pub async fn insert_expense(tx: &mut Tx, e: &Expense) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO expenses (id, base_id, seq, category, amount, spent_on, payee, description, receipt_hash,
                               receipt_kind, receipt_name, status, recorded_by, recorded_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)"
    )
    .bind(&e.id)
    .bind(&e.base_id)
    .bind(e.seq)
    .bind(&e.category)
    .bind(e.amount)
    .bind(&e.spent_on)
    .bind(&e.payee)
    .bind(&e.description)
    .bind(&e.receipt.0)
    .bind(&e.receipt.1)
    .bind(&e.receipt.2)
    .bind(&e.status)
    .bind(e.recorded_by.to_string())
    .bind(millis(e.recorded_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn expense(db: &Db, id: &str) -> Result<Option<Expense>> {
    let row: Option<ExpenseRow> =
        on_pool!(db, |c| sqlx::query_as(expense_select!("WHERE id = $1")).bind(id).fetch_optional(c).await)?;
    row.map(Expense::try_from).transpose()
}

pub async fn expenses(db: &Db, base: Option<&str>) -> Result<Vec<Expense>> {
    let rows: Vec<ExpenseRow> = on_pool!(db, |c| sqlx::query_as(expense_select!(
        "WHERE ($1 IS NULL OR base_id = $1) ORDER BY base_id, seq LIMIT 20000"
    ))
    .bind(base)
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
    id: &str,
    (from, to, version): (&str, &str, i64),
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
    .bind(id)
    .bind(from)
    .bind(to)
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
pub async fn revoked_on(tx: &mut Tx, base: &str) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_tx!(tx, |c| sqlx::query_as("SELECT revoked_on FROM bases WHERE id = $1")
        .bind(base)
        .fetch_optional(c)
        .await)?;
    Ok(row.and_then(|(d,)| d))
}
