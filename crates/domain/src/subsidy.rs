//! The subsidy (C5, C6): funding requests to the coordination group, the grant of each
//! recognised base, disbursements, and the earmarked expense ledger.
//!
//! The ledger is append-only and double-entry: every entry moves an amount (integer fen) from
//! one account to another, and a correction is a reversal entry, never an edit. What a base may
//! still spend follows from the entries alone ([`Totals::of`]); [`check_expense`] and
//! [`check_disbursement`] say whether one more entry keeps the invariants:
//! disbursed ≤ granted, spent ≤ disbursed (the balance never below zero), one grant per base.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::fields::FieldError;
use crate::money::Money;
use crate::roles::Role;

// ---------------------------------------------------------------------------------------------
// Funding requests (C6): draft → submitted (the leader endorses) → approved | rejected (the
// coordination group); a leader may return a draft instead.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingStatus {
    /// Drafted by staff, waiting for the leader.
    Draft,
    /// Endorsed by the leader, sent to the coordination group.
    Submitted,
    /// Approved by the coordination group: each base's grant exists.
    Approved,
    /// Rejected by the coordination group, with a reason: the bases may be requested again.
    Rejected,
    /// Returned by the leader, with a reason: the bases may be requested again.
    Returned,
}

impl FundingStatus {
    pub const ALL: [FundingStatus; 5] = [
        FundingStatus::Draft,
        FundingStatus::Submitted,
        FundingStatus::Approved,
        FundingStatus::Rejected,
        FundingStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FundingStatus::Draft => "draft",
            FundingStatus::Submitted => "submitted",
            FundingStatus::Approved => "approved",
            FundingStatus::Rejected => "rejected",
            FundingStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<FundingStatus> {
        FundingStatus::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            FundingStatus::Draft => "待领导审核",
            FundingStatus::Submitted => "已报协调小组",
            FundingStatus::Approved => "协调小组已批准",
            FundingStatus::Rejected => "协调小组未批准",
            FundingStatus::Returned => "领导已退回",
        }
    }

    /// Does a request in this state still hold its bases (so no other request may list them)?
    pub fn holds_bases(self) -> bool {
        matches!(self, FundingStatus::Draft | FundingStatus::Submitted | FundingStatus::Approved)
    }
}

/// What happens to a funding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingAction {
    Endorse,
    Return,
    Approve,
    Reject,
}

impl FundingAction {
    pub fn label(self) -> &'static str {
        match self {
            FundingAction::Endorse => "领导审核同意并报协调小组",
            FundingAction::Return => "领导退回",
            FundingAction::Approve => "协调小组批准",
            FundingAction::Reject => "协调小组不予批准",
        }
    }

    /// As stored with a decision: `endorse`, `return`, `approve`, `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            FundingAction::Endorse => "endorse",
            FundingAction::Return => "return",
            FundingAction::Approve => "approve",
            FundingAction::Reject => "reject",
        }
    }

    pub fn parse(text: &str) -> Option<FundingAction> {
        [FundingAction::Endorse, FundingAction::Return, FundingAction::Approve, FundingAction::Reject]
            .into_iter()
            .find(|a| a.as_str() == text)
    }

    /// Must a reason be given?
    pub fn needs_reason(self) -> bool {
        matches!(self, FundingAction::Return | FundingAction::Reject)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FundingError {
    #[error("资金申请当前为「{}」，不能{}", .from.label(), .action.label())]
    NotFromHere { from: FundingStatus, action: FundingAction },
    #[error("无权执行：{}", .action.label())]
    NotYourRole { action: FundingAction },
}

/// The two answers of whoever decides a funding request: yes (the leader's 同意并报协调小组, the
/// coordination group's 批准) or no (the leader's 退回, the group's 不予批准).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FundingAnswer {
    Yes,
    No,
}

/// What `role`'s answer to a request in `from` means, and the state it leads to. The
/// coordination group approves or rejects; any other answer is a leader's, endorsing or
/// returning, so a role that decides nothing is refused as not theirs, and a leader answering a
/// request already sent on is told it is past that step.
pub fn funding_decision(
    role: Role,
    from: FundingStatus,
    answer: FundingAnswer,
) -> Result<(FundingAction, FundingStatus), FundingError> {
    let action = match (role, answer) {
        (Role::Funding, FundingAnswer::Yes) => FundingAction::Approve,
        (Role::Funding, FundingAnswer::No) => FundingAction::Reject,
        (_, FundingAnswer::Yes) => FundingAction::Endorse,
        (_, FundingAnswer::No) => FundingAction::Return,
    };
    funding_transition(from, action, role).map(|to| (action, to))
}

/// The funding request's life cycle.
pub fn funding_transition(
    from: FundingStatus,
    action: FundingAction,
    role: Role,
) -> Result<FundingStatus, FundingError> {
    use FundingAction as A;
    use FundingStatus as S;
    let (who, to) = match action {
        A::Endorse => (Role::Leader, (from == S::Draft).then_some(S::Submitted)),
        A::Return => (Role::Leader, (from == S::Draft).then_some(S::Returned)),
        A::Approve => (Role::Funding, (from == S::Submitted).then_some(S::Approved)),
        A::Reject => (Role::Funding, (from == S::Submitted).then_some(S::Rejected)),
    };
    if role != who {
        return Err(FundingError::NotYourRole { action });
    }
    to.ok_or(FundingError::NotFromHere { from, action })
}

// ---------------------------------------------------------------------------------------------
// The ledger

/// The kinds of entry. Each moves money between two accounts:
/// - `grant`: from the district pool's key-project line to the base's grant (what it may receive);
/// - `disbursement`: from the base's grant to its cash (what it has received);
/// - `expense`: from its cash to one expense category;
/// - `reversal`: the opposite of an earlier entry (a correction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Grant,
    Disbursement,
    Expense,
    Reversal,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Grant => "grant",
            EntryKind::Disbursement => "disbursement",
            EntryKind::Expense => "expense",
            EntryKind::Reversal => "reversal",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        [EntryKind::Grant, EntryKind::Disbursement, EntryKind::Expense, EntryKind::Reversal]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Grant => "核定资助",
            EntryKind::Disbursement => "拨付",
            EntryKind::Expense => "支出",
            EntryKind::Reversal => "冲销",
        }
    }
}

/// The district pool's key-project line (地方教育附加区级统筹, C6).
pub const POOL: &str = "pool";
/// What the base may receive.
pub const GRANT: &str = "grant";
/// What the base has received and not spent.
pub const CASH: &str = "cash";
/// The expense account of a category: `expense:<category id>`.
pub fn expense_account(category: &str) -> String {
    format!("expense:{category}")
}

/// One ledger entry: `amount` moves from `credit` to `debit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub kind: EntryKind,
    pub debit: String,
    pub credit: String,
    pub amount: Money,
    /// For a reversal: the entry it reverses.
    pub reverses: Option<i64>,
}

impl Entry {
    /// The entry that undoes this one.
    pub fn reversal(&self, seq: i64) -> Entry {
        Entry {
            seq,
            kind: EntryKind::Reversal,
            debit: self.credit.clone(),
            credit: self.debit.clone(),
            amount: self.amount,
            reverses: Some(self.seq),
        }
    }
}

/// What the entries of one base add up to, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub granted: i64,
    pub disbursed: i64,
    pub spent: i64,
    pub spent_by_category: BTreeMap<String, i64>,
    /// Received and not spent: disbursed − spent.
    pub balance: i64,
    /// Granted and not yet received: granted − disbursed.
    pub undisbursed: i64,
}

impl Totals {
    /// Sums account balances from the entries (each account's debits minus its credits).
    pub fn of(entries: &[Entry]) -> Totals {
        let mut accounts: BTreeMap<&str, i64> = BTreeMap::new();
        for e in entries {
            *accounts.entry(e.debit.as_str()).or_default() += e.amount.fen();
            *accounts.entry(e.credit.as_str()).or_default() -= e.amount.fen();
        }
        let get = |name: &str| accounts.get(name).copied().unwrap_or_default();
        let spent_by_category: BTreeMap<String, i64> = accounts
            .iter()
            .filter_map(|(name, amount)| name.strip_prefix("expense:").map(|c| (c.to_owned(), *amount)))
            .filter(|(_, amount)| *amount != 0)
            .collect();
        let spent: i64 = spent_by_category.values().sum();
        // The pool's account is credited by every grant (net of reversed grants).
        let granted = -get(POOL);
        let cash = get(CASH);
        let undisbursed = get(GRANT);
        Totals { granted, disbursed: granted - undisbursed, spent, spent_by_category, balance: cash, undisbursed }
    }

    /// The totals of several bases added up (reports across bases).
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Totals>) -> Totals {
        let mut sum = Totals::default();
        for t in all {
            sum.granted += t.granted;
            sum.disbursed += t.disbursed;
            sum.spent += t.spent;
            sum.balance += t.balance;
            sum.undisbursed += t.undisbursed;
            for (category, fen) in &t.spent_by_category {
                *sum.spent_by_category.entry(category.clone()).or_default() += fen;
            }
        }
        sum
    }

    /// The execution rate: spent / granted, in hundredths of a percent (7525 = 75.25 %).
    pub fn execution_basis_points(&self) -> i64 {
        if self.granted <= 0 { 0 } else { (self.spent * 10_000 + self.granted / 2) / self.granted }
    }
}

/// Why the ledger refuses an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("该基地已核定资助，不能重复资助")]
    AlreadyGranted,
    #[error("该基地尚未获批资助")]
    NotGranted,
    #[error("拨付金额 {amount} 超过尚未拨付的资助 {left}")]
    OverGrant { amount: Money, left: Money },
    #[error("支出金额 {amount} 超过可用余额 {left}")]
    Overdraw { amount: Money, left: Money },
    #[error("金额须大于零")]
    NotPositive,
    #[error("该笔记录已冲销或不能冲销")]
    NotReversible,
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::AlreadyGranted => "already_granted",
            LedgerError::NotGranted => "not_granted",
            LedgerError::OverGrant { .. } => "over_grant",
            LedgerError::Overdraw { .. } => "insufficient_balance",
            LedgerError::NotPositive => "amount_not_positive",
            LedgerError::NotReversible => "not_reversible",
        }
    }
}

fn positive(amount: Money) -> Result<(), LedgerError> {
    if amount.fen() > 0 { Ok(()) } else { Err(LedgerError::NotPositive) }
}

/// A grant may be entered once per base.
pub fn check_grant(entries: &[Entry], amount: Money) -> Result<(), LedgerError> {
    positive(amount)?;
    if entries.iter().any(|e| e.kind == EntryKind::Grant) {
        return Err(LedgerError::AlreadyGranted);
    }
    Ok(())
}

/// A disbursement never takes the total disbursed above the grant.
pub fn check_disbursement(entries: &[Entry], amount: Money) -> Result<(), LedgerError> {
    positive(amount)?;
    let totals = Totals::of(entries);
    if totals.granted <= 0 {
        return Err(LedgerError::NotGranted);
    }
    if amount.fen() > totals.undisbursed {
        return Err(LedgerError::OverGrant { amount, left: Money::from_fen(totals.undisbursed) });
    }
    Ok(())
}

/// An expense never takes the balance below zero.
pub fn check_expense(entries: &[Entry], amount: Money) -> Result<(), LedgerError> {
    positive(amount)?;
    let totals = Totals::of(entries);
    if amount.fen() > totals.balance {
        return Err(LedgerError::Overdraw { amount, left: Money::from_fen(totals.balance) });
    }
    Ok(())
}

/// The reversal of entry `seq`: never of a reversal, never twice, and never one that would
/// break an invariant (reversing a disbursement the base has already spent).
pub fn check_reversal(entries: &[Entry], seq: i64, next_seq: i64) -> Result<Entry, LedgerError> {
    let original =
        entries.iter().find(|e| e.seq == seq && e.kind != EntryKind::Reversal).ok_or(LedgerError::NotReversible)?;
    if entries.iter().any(|e| e.reverses == Some(seq)) {
        return Err(LedgerError::NotReversible);
    }
    let reversal = original.reversal(next_seq);
    let mut after = entries.to_vec();
    after.push(reversal.clone());
    let t = Totals::of(&after);
    if t.balance < 0 || t.undisbursed < 0 {
        return Err(LedgerError::Overdraw {
            amount: original.amount,
            left: Money::from_fen(Totals::of(entries).balance),
        });
    }
    Ok(reversal)
}

// ---------------------------------------------------------------------------------------------
// Expenses and their audit by staff

/// An expense's audit: recorded → approved | queried; queried → answered (the base) →
/// approved | queried; any but a reversed one may be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseStatus {
    Recorded,
    Approved,
    Queried,
    Answered,
    Reversed,
}

impl ExpenseStatus {
    pub const ALL: [ExpenseStatus; 5] = [
        ExpenseStatus::Recorded,
        ExpenseStatus::Approved,
        ExpenseStatus::Queried,
        ExpenseStatus::Answered,
        ExpenseStatus::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseStatus::Recorded => "recorded",
            ExpenseStatus::Approved => "approved",
            ExpenseStatus::Queried => "queried",
            ExpenseStatus::Answered => "answered",
            ExpenseStatus::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<ExpenseStatus> {
        ExpenseStatus::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExpenseStatus::Recorded => "待审核",
            ExpenseStatus::Approved => "审核通过",
            ExpenseStatus::Queried => "待说明",
            ExpenseStatus::Answered => "已说明，待复核",
            ExpenseStatus::Reversed => "已冲销",
        }
    }

    /// Staff approve it (recorded or answered).
    pub fn approve(self) -> Option<ExpenseStatus> {
        matches!(self, ExpenseStatus::Recorded | ExpenseStatus::Answered).then_some(ExpenseStatus::Approved)
    }

    /// Staff ask a question (recorded or answered).
    pub fn query(self) -> Option<ExpenseStatus> {
        matches!(self, ExpenseStatus::Recorded | ExpenseStatus::Answered).then_some(ExpenseStatus::Queried)
    }

    /// The base answers a question.
    pub fn answer(self) -> Option<ExpenseStatus> {
        (self == ExpenseStatus::Queried).then_some(ExpenseStatus::Answered)
    }

    /// A correction: the expense is reversed by a reversal entry.
    pub fn reverse(self) -> Option<ExpenseStatus> {
        (self != ExpenseStatus::Reversed).then_some(ExpenseStatus::Reversed)
    }
}

/// An expense as the base fills it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpenseInput {
    pub category: String,
    pub amount: String,
    pub spent_on: String,
    pub payee: String,
    pub description: String,
    /// 发票代码: 10 or 12 digits, only with an 8-digit number (a 全电发票 has none).
    pub invoice_code: String,
    /// 发票号码: 8 digits, or 20 for a 全电发票.
    pub invoice_number: String,
    /// The applicant confirms that an expense like an earlier one (same payee, amount and date)
    /// is not the same one recorded twice.
    pub confirm_duplicate: bool,
}

/// A checked expense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expense {
    pub category: String,
    pub amount: Money,
    pub spent_on: NaiveDate,
    pub payee: String,
    pub description: String,
    pub invoice: Invoice,
}

/// The invoice an expense is paid against: a 全电发票's 20-digit number alone, or an older
/// invoice's 8-digit number with its 10- or 12-digit code. Code and number together name one
/// invoice in the country, so no two live expenses may carry the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Invoice {
    code: Option<String>,
    number: String,
}

impl Invoice {
    /// Checks the code and number as typed (surrounding spaces ignored); every problem at once,
    /// on the fields `invoice_code` and `invoice_number`.
    pub fn parse(code: &str, number: &str) -> Result<Invoice, Vec<FieldError>> {
        let digits = |s: &str, lengths: &[usize]| s.bytes().all(|b| b.is_ascii_digit()) && lengths.contains(&s.len());
        let (code, number) = (code.trim(), number.trim());
        let mut errors = Vec::new();
        if number.is_empty() {
            errors.push(FieldError::new(
                "invoice_number",
                "required",
                "请填写发票号码（8 位数字，全电发票为 20 位数字）",
            ));
        } else if !digits(number, &[8, 20]) {
            errors.push(FieldError::new(
                "invoice_number",
                "invoice_number_invalid",
                "发票号码须为 8 位数字，全电发票为 20 位数字",
            ));
        }
        if !code.is_empty() && !digits(code, &[10, 12]) {
            errors.push(FieldError::new("invoice_code", "invoice_code_invalid", "发票代码须为 10 位或 12 位数字"));
        } else if errors.is_empty() {
            match (code.is_empty(), number.len()) {
                (true, 8) => errors.push(FieldError::new(
                    "invoice_code",
                    "invoice_code_required",
                    "8 位发票号码须同时填写发票代码（10 位或 12 位数字）",
                )),
                (false, 20) => errors.push(FieldError::new(
                    "invoice_code",
                    "invoice_code_unexpected",
                    "全电发票（20 位发票号码）没有发票代码，请留空",
                )),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(Invoice { code: (!code.is_empty()).then(|| code.to_owned()), number: number.to_owned() })
        } else {
            Err(errors)
        }
    }

    /// An invoice as stored (checked when it was recorded), or `None` if it no longer parses.
    pub fn stored(code: Option<&str>, number: &str) -> Option<Invoice> {
        Invoice::parse(code.unwrap_or_default(), number).ok()
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn number(&self) -> &str {
        &self.number
    }
}

impl std::fmt::Display for Invoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "发票代码 {code}、发票号码 {}", self.number),
            None => write!(f, "发票号码 {}", self.number),
        }
    }
}

/// An earlier, live (not reversed) expense that a new one may repeat: of this base or of
/// another (what is said of another base's is its date and amount only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierExpense {
    pub own_base: bool,
    pub spent_on: NaiveDate,
    pub amount: Money,
    pub payee: String,
    /// `None` for an expense recorded before invoices were asked for.
    pub invoice: Option<Invoice>,
    /// The SM3 content hash of its receipt file.
    pub receipt_hash: String,
}

impl EarlierExpense {
    fn named(&self) -> String {
        let whose = if self.own_base { "本基地" } else { "其他基地" };
        format!("{whose}一笔 {}、{} 的支出", self.spent_on, self.amount)
    }
}

/// The codes of [`check_not_repeated`]'s refusals: another record already holds what this one
/// claims (answered 409, not 400).
pub const REPEAT_CODES: [&str; 3] = ["duplicate_invoice", "duplicate_receipt", "possible_duplicate"];

/// Whether `expense`, with the receipt file of content hash `receipt_hash`, repeats an earlier
/// one: the same invoice (any base) or the same receipt file (any base) is refused; the same
/// payee, amount and date in the same base is only a warning, on the field `confirm_duplicate`,
/// unless the applicant `confirmed` that it is another expense. Each error names the earlier
/// expense by its date and amount.
pub fn check_not_repeated(
    expense: &Expense,
    receipt_hash: &str,
    earlier: &[EarlierExpense],
    confirmed: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(same) = earlier.iter().find(|e| e.invoice.as_ref() == Some(&expense.invoice)) {
        errors.push(FieldError::new(
            "invoice_number",
            "duplicate_invoice",
            format!("该发票（{}）已在{}中列支，同一张发票不能重复报销", expense.invoice, same.named()),
        ));
    }
    if let Some(same) = earlier.iter().find(|e| e.receipt_hash == receipt_hash) {
        errors.push(FieldError::new(
            "receipt",
            "duplicate_receipt",
            format!("同一票据文件已在{}中上传，同一票据不能重复报销", same.named()),
        ));
    }
    if errors.is_empty()
        && !confirmed
        && let Some(like) = earlier.iter().find(|e| {
            e.own_base && e.payee == expense.payee && e.amount == expense.amount && e.spent_on == expense.spent_on
        })
    {
        errors.push(FieldError::new(
            "confirm_duplicate",
            "possible_duplicate",
            format!("{}与本笔的收款方、金额和日期相同，可能是重复登记；如确属另一笔支出，请确认后再提交", like.named()),
        ));
    }
    errors
}

/// Checks an expense: a category of the policy's twelve (C5), a positive amount in yuan with
/// at most two decimals, a date between the recognition and today and not after a revocation,
/// a payee, a description and the invoice ([`Invoice::parse`]). Every problem at once, by field.
pub fn check_expense_input(
    input: &ExpenseInput,
    categories: &[&str],
    (recognised_on, today, revoked_on): (NaiveDate, NaiveDate, Option<NaiveDate>),
) -> Result<Expense, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !categories.contains(&input.category.as_str()) {
        errors.push(FieldError::new("category", "category_not_allowed", "支出类别须为政策规定的用途之一"));
    }
    let amount = match Money::parse(&input.amount) {
        Ok(m) if m.fen() > 0 => Some(m),
        Ok(_) => {
            errors.push(FieldError::new("amount", "amount_not_positive", "金额须大于零"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("amount", e.code(), e.to_string()));
            None
        }
    };
    let spent_on = match NaiveDate::parse_from_str(input.spent_on.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors.push(FieldError::new("spent_on", "date_in_future", "支出日期不能晚于今天"));
            None
        }
        Ok(d) if d < recognised_on => {
            errors.push(FieldError::new(
                "spent_on",
                "before_recognition",
                format!("支出日期不能早于认定日期 {recognised_on}"),
            ));
            None
        }
        Ok(d) if revoked_on.is_some_and(|r| d > r) => {
            errors.push(FieldError::new("spent_on", "after_revocation", "基地已核销，核销后的支出不能列支"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new("spent_on", "invalid_date", "请填写支出日期（YYYY-MM-DD）"));
            None
        }
    };
    let payee = input.payee.trim();
    if payee.is_empty() || payee.chars().count() > 100 {
        errors.push(FieldError::new("payee", "required", "请填写收款单位或个人（不超过 100 字）"));
    }
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        errors.push(FieldError::new("description", "required", "请填写支出内容（不超过 500 字）"));
    }
    let invoice = Invoice::parse(&input.invoice_code, &input.invoice_number).map_err(|e| errors.extend(e)).ok();
    match (amount, spent_on, invoice) {
        (Some(amount), Some(spent_on), Some(invoice)) if errors.is_empty() => Ok(Expense {
            category: input.category.clone(),
            amount,
            spent_on,
            payee: payee.to_owned(),
            description: description.to_owned(),
            invoice,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn entry(seq: i64, kind: EntryKind, (debit, credit): (&str, &str), fen: i64) -> Entry {
        Entry { seq, kind, debit: debit.into(), credit: credit.into(), amount: Money::from_fen(fen), reverses: None }
    }

    const GRANT_FEN: i64 = 20_000_000;

    #[test]
    fn the_funding_request_life_cycle() {
        use FundingAction as A;
        use FundingStatus as S;
        assert_eq!(funding_transition(S::Draft, A::Endorse, Role::Leader), Ok(S::Submitted));
        assert_eq!(funding_transition(S::Draft, A::Return, Role::Leader), Ok(S::Returned));
        assert_eq!(funding_transition(S::Submitted, A::Approve, Role::Funding), Ok(S::Approved));
        assert_eq!(funding_transition(S::Submitted, A::Reject, Role::Funding), Ok(S::Rejected));
        assert!(funding_transition(S::Draft, A::Approve, Role::Funding).is_err(), "the leader first");
        assert_eq!(
            funding_transition(S::Submitted, A::Approve, Role::Leader),
            Err(FundingError::NotYourRole { action: A::Approve })
        );
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert!(S::Approved.holds_bases() && !S::Rejected.holds_bases());
    }

    #[test]
    fn a_deciders_answer_means_the_action_of_their_role_and_step() {
        use FundingAction as A;
        use FundingAnswer::{No, Yes};
        use FundingStatus as S;
        assert_eq!(funding_decision(Role::Leader, S::Draft, Yes), Ok((A::Endorse, S::Submitted)));
        assert_eq!(funding_decision(Role::Leader, S::Draft, No), Ok((A::Return, S::Returned)));
        assert_eq!(funding_decision(Role::Funding, S::Submitted, Yes), Ok((A::Approve, S::Approved)));
        assert_eq!(funding_decision(Role::Funding, S::Submitted, No), Ok((A::Reject, S::Rejected)));
        // The leader past their step, the group before theirs: the state refuses (409).
        assert_eq!(
            funding_decision(Role::Leader, S::Submitted, Yes),
            Err(FundingError::NotFromHere { from: S::Submitted, action: A::Endorse })
        );
        assert_eq!(
            funding_decision(Role::Funding, S::Draft, No),
            Err(FundingError::NotFromHere { from: S::Draft, action: A::Reject })
        );
        // Anyone else decides nothing (403).
        for role in [Role::Staff, Role::Applicant, Role::Expert, Role::Sysadmin] {
            for answer in [Yes, No] {
                for from in S::ALL {
                    assert!(
                        matches!(funding_decision(role, from, answer), Err(FundingError::NotYourRole { .. })),
                        "{role} {from:?} {answer:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_ledger_adds_up_and_refuses_what_breaks_it() {
        let mut ledger = vec![];
        assert_eq!(check_disbursement(&ledger, Money::from_fen(1)), Err(LedgerError::NotGranted));
        check_grant(&ledger, Money::from_fen(GRANT_FEN)).expect("first grant");
        ledger.push(entry(1, EntryKind::Grant, (GRANT, POOL), GRANT_FEN));
        assert_eq!(check_grant(&ledger, Money::from_fen(GRANT_FEN)), Err(LedgerError::AlreadyGranted));
        assert!(matches!(check_expense(&ledger, Money::from_fen(1)), Err(LedgerError::Overdraw { .. })));
        check_disbursement(&ledger, Money::from_fen(12_000_000)).expect("within the grant");
        ledger.push(entry(2, EntryKind::Disbursement, (CASH, GRANT), 12_000_000));
        assert!(matches!(check_disbursement(&ledger, Money::from_fen(8_000_001)), Err(LedgerError::OverGrant { .. })));
        ledger.push(entry(3, EntryKind::Expense, (&expense_account("teacher_development"), CASH), 3_000_000));
        let t = Totals::of(&ledger);
        assert_eq!(
            (t.granted, t.disbursed, t.spent, t.balance, t.undisbursed),
            (GRANT_FEN, 12_000_000, 3_000_000, 9_000_000, 8_000_000)
        );
        assert_eq!(t.execution_basis_points(), 1500);
        assert!(matches!(check_expense(&ledger, Money::from_fen(9_000_001)), Err(LedgerError::Overdraw { .. })));
        // A reversal undoes an expense once; a reversal is never reversed; a spent
        // disbursement cannot be reversed.
        let reversal = check_reversal(&ledger, 3, 4).expect("reversible");
        assert_eq!((reversal.debit.as_str(), reversal.credit.as_str()), (CASH, "expense:teacher_development"));
        ledger.push(reversal);
        assert_eq!(Totals::of(&ledger).balance, 12_000_000);
        assert_eq!(check_reversal(&ledger, 3, 5), Err(LedgerError::NotReversible));
        assert_eq!(check_reversal(&ledger, 4, 5), Err(LedgerError::NotReversible));
        ledger.push(entry(5, EntryKind::Expense, (&expense_account("skill_competitions"), CASH), 11_000_000));
        assert!(check_reversal(&ledger, 2, 6).is_err(), "the disbursement is spent");
        assert_eq!(check_expense(&ledger, Money::ZERO), Err(LedgerError::NotPositive));
    }

    #[derive(Debug, Clone)]
    enum Step {
        Grant(i64),
        Disburse(i64),
        Spend(usize, i64),
        Reverse(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..30_000_000).prop_map(Step::Grant),
            (1i64..15_000_000).prop_map(Step::Disburse),
            (0usize..12, 1i64..8_000_000).prop_map(|(c, a)| Step::Spend(c, a)),
            (0usize..40).prop_map(Step::Reverse),
        ]
    }

    proptest! {
        /// Whatever is attempted, the entries the checks let through keep the invariants:
        /// balance ≥ 0, disbursed ≤ granted, at most one grant.
        #[test]
        fn any_sequence_keeps_the_invariants(steps in proptest::collection::vec(step(), 1..60)) {
            let mut ledger: Vec<Entry> = Vec::new();
            for s in steps {
                let seq = i64::try_from(ledger.len()).unwrap_or(0) + 1;
                let next = match s {
                    Step::Grant(fen) => check_grant(&ledger, Money::from_fen(fen)).ok()
                        .map(|()| entry(seq, EntryKind::Grant, (GRANT, POOL), fen)),
                    Step::Disburse(fen) => check_disbursement(&ledger, Money::from_fen(fen)).ok()
                        .map(|()| entry(seq, EntryKind::Disbursement, (CASH, GRANT), fen)),
                    Step::Spend(c, fen) => check_expense(&ledger, Money::from_fen(fen)).ok()
                        .map(|()| entry(seq, EntryKind::Expense, (&expense_account(&c.to_string()), CASH), fen)),
                    Step::Reverse(i) => ledger.get(i).and_then(|e| check_reversal(&ledger, e.seq, seq).ok()),
                };
                if let Some(e) = next {
                    ledger.push(e);
                }
                let t = Totals::of(&ledger);
                prop_assert!(t.balance >= 0);
                prop_assert!(t.disbursed <= t.granted && t.undisbursed >= 0);
                prop_assert!(ledger.iter().filter(|e| e.kind == EntryKind::Grant).count() <= 1);
                prop_assert_eq!(t.balance, t.disbursed - t.spent);
            }
        }
    }

    #[test]
    fn an_expense_is_checked_field_by_field() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let window = (day("2024-10-15"), day("2024-12-01"), None);
        let categories = ["teacher_development", "skill_competitions"];
        let good = ExpenseInput {
            category: "teacher_development".into(),
            amount: "12,000.50".into(),
            spent_on: "2024-11-02".into(),
            payee: "上海某培训中心".into(),
            description: "数控车工师资培训 10 人".into(),
            invoice_number: "24312000000012345678".into(),
            ..ExpenseInput::default()
        };
        let ok = check_expense_input(&good, &categories, window).expect("valid");
        assert_eq!(ok.amount.fen(), 1_200_050);
        let bad = ExpenseInput {
            category: "banquets".into(),
            amount: "12.345".into(),
            spent_on: "2024-10-14".into(),
            payee: " ".into(),
            description: String::new(),
            ..ExpenseInput::default()
        };
        let codes: Vec<&str> =
            check_expense_input(&bad, &categories, window).expect_err("invalid").iter().map(|e| e.code).collect();
        assert_eq!(codes[0], "category_not_allowed");
        assert!(codes.contains(&"before_recognition") && codes.contains(&"required"), "{codes:?}");
        let fields: Vec<String> =
            check_expense_input(&bad, &categories, window).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert!(fields.contains(&"invoice_number".to_owned()), "the invoice number is asked for: {fields:?}");
        let revoked = (day("2024-10-15"), day("2024-12-01"), Some(day("2024-11-01")));
        let after = check_expense_input(&good, &categories, revoked).expect_err("after revocation");
        assert_eq!(after[0].code, "after_revocation");
        use ExpenseStatus as E;
        assert_eq!(E::Recorded.query().and_then(E::answer).and_then(E::approve), Some(E::Approved));
        assert_eq!(E::Approved.query(), None);
        assert_eq!(E::Reversed.reverse(), None);
    }

    /// (field, code) of each problem of an invoice as typed.
    fn invoice_problems(code: &str, number: &str) -> Vec<(String, &'static str)> {
        Invoice::parse(code, number).err().unwrap_or_default().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn an_invoice_is_a_20_digit_number_or_an_8_digit_number_with_its_code() {
        // A 全电发票: 20 digits, no code. An older invoice: 8 digits with a code of 10 or 12.
        let full = Invoice::parse("", " 24312000000012345678 ").expect("全电发票");
        assert_eq!((full.code(), full.number()), (None, "24312000000012345678"));
        assert_eq!(full.to_string(), "发票号码 24312000000012345678");
        let paper = Invoice::parse("031001900104", "12345678").expect("12-digit code");
        assert_eq!((paper.code(), paper.number()), (Some("031001900104"), "12345678"));
        assert_eq!(paper.to_string(), "发票代码 031001900104、发票号码 12345678");
        assert!(Invoice::parse("3100194130", "00123456").is_ok(), "a 10-digit code");
        assert_eq!(Invoice::stored(Some("3100194130"), "00123456"), Invoice::parse("3100194130", "00123456").ok());

        let number = |code| vec![("invoice_number".to_owned(), code)];
        let code = |code| vec![("invoice_code".to_owned(), code)];
        assert_eq!(invoice_problems("", ""), number("required"));
        for wrong in ["1234567", "123456789", "2431200000001234567", "243120000000123456789", "1234567８", "1234 5678"]
        {
            assert_eq!(invoice_problems("3100194130", wrong), number("invoice_number_invalid"), "{wrong}");
        }
        for wrong in ["310019413", "31001941301", "3100194130123", "310019413O"] {
            assert_eq!(invoice_problems(wrong, "12345678"), code("invoice_code_invalid"), "{wrong}");
        }
        assert_eq!(invoice_problems("", "12345678"), code("invoice_code_required"));
        assert_eq!(invoice_problems("3100194130", "24312000000012345678"), code("invoice_code_unexpected"));
        // Both wrong at once: both said.
        assert_eq!(
            invoice_problems("12", "34"),
            vec![
                ("invoice_number".to_owned(), "invoice_number_invalid"),
                ("invoice_code".to_owned(), "invoice_code_invalid")
            ]
        );
        // The messages are Chinese, for the field they sit beside.
        let messages: Vec<String> =
            Invoice::parse("", "12345678").expect_err("no code").into_iter().map(|e| e.message).collect();
        assert_eq!(messages, ["8 位发票号码须同时填写发票代码（10 位或 12 位数字）"]);
    }

    #[test]
    fn the_same_invoice_or_file_is_refused_and_the_same_payment_is_asked_about() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let invoice = Invoice::parse("", "24312000000012345678").expect("invoice");
        let expense = Expense {
            category: "teacher_development".into(),
            amount: Money::from_fen(3_000_000),
            spent_on: day("2024-10-14"),
            payee: "上海某培训中心".into(),
            description: "师资培训".into(),
            invoice: invoice.clone(),
        };
        let earlier = |own_base, invoice: Option<Invoice>, hash: &str, payee: &str| EarlierExpense {
            own_base,
            spent_on: day("2024-10-12"),
            amount: Money::from_fen(3_000_000),
            payee: payee.into(),
            invoice,
            receipt_hash: hash.into(),
        };
        let codes = |errors: Vec<FieldError>| errors.into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>();
        assert!(check_not_repeated(&expense, "h-new", &[], false).is_empty());
        // The same invoice in another base: refused, naming the earlier expense's date and amount.
        let other_base = [earlier(false, Some(invoice.clone()), "h-old", "别的收款方")];
        let refused = check_not_repeated(&expense, "h-new", &other_base, true);
        assert_eq!(codes(refused.clone()), [("invoice_number".to_owned(), "duplicate_invoice")]);
        assert!(refused[0].message.contains("其他基地一笔 2024-10-12、¥30,000.00 的支出"));
        // Another invoice's number with a code is another invoice.
        let paper = [earlier(true, Invoice::stored(Some("3100194130"), "12345678"), "h-old", "x")];
        assert!(check_not_repeated(&expense, "h-new", &paper, false).is_empty());
        // The same file, even without an invoice (an expense from before invoices were asked for).
        let same_file = [earlier(true, None, "h-new", "别的收款方")];
        assert_eq!(
            codes(check_not_repeated(&expense, "h-new", &same_file, true)),
            [("receipt".to_owned(), "duplicate_receipt")]
        );
        // The same payee, amount and date in this base: asked about, unless confirmed.
        let mut like = earlier(true, None, "h-old", "上海某培训中心");
        like.spent_on = expense.spent_on;
        let warned = check_not_repeated(&expense, "h-new", std::slice::from_ref(&like), false);
        assert_eq!(codes(warned.clone()), [("confirm_duplicate".to_owned(), "possible_duplicate")]);
        assert!(
            warned[0].message.starts_with("本基地一笔 2024-10-14、¥30,000.00 的支出与本笔"),
            "{}",
            warned[0].message
        );
        assert!(check_not_repeated(&expense, "h-new", std::slice::from_ref(&like), true).is_empty());
        // Another base paying the same payee the same amount that day is its own business.
        like.own_base = false;
        assert!(check_not_repeated(&expense, "h-new", &[like], false).is_empty());
    }
}
