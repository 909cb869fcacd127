//! The subsidy (C5, C6): funding requests (staff draft, a leader who did not draft endorses,
//! the coordination group approves or rejects), one grant per base, disbursements, and the
//! earmarked expense ledger with staff's audit of each expense.
//!
//! Every ledger write takes the base's row lock, reads the base's entries, asks
//! `domain::subsidy` whether one more entry keeps the invariants, and appends it with its
//! record and audit in one transaction: two expenses at once cannot overdraw.

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::attachment::{self, ContentHash};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{BaseId, DisbursementId, ExpenseId, FundingRequestId, NotificationId};
use skillbase_domain::money::Money;
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::subsidy::{
    self, CASH, Entry, EntryKind, ExpenseInput, ExpenseStatus, FundingAction, FundingAnswer, FundingStatus, GRANT,
    POOL, Totals,
};
use skillbase_store::applications as app_store;
use skillbase_store::notices as bases_store;
use skillbase_store::subsidy as store;
use skillbase_store::{StoreError, Tx};

use crate::access::{authorize, ensure_not_drafter};
use crate::applications::bounded_text;
use crate::auth::{Authenticated, RequestMeta};
use crate::notices::BaseView;
use crate::{App, AppError, FieldError, Result, named};

/// A funding request with its bases, read as the request itself.
#[derive(Debug, Clone)]
pub struct FundingView {
    request: store::FundingRequest,
    /// Each item with its base.
    pub items: Vec<(store::FundingItem, BaseView)>,
    /// Every decision on it so far, in order, each with its actor, time and comment.
    pub decisions: Vec<store::FundingDecision>,
}
reads_as_record!(FundingView, request: store::FundingRequest);

/// A base's ledger: its entries and what they add up to.
#[derive(Debug, Clone)]
pub struct LedgerView {
    pub base: BaseView,
    pub entries: Vec<store::LedgerRow>,
    pub totals: Totals,
    pub disbursements: Vec<store::Disbursement>,
    pub expenses: Vec<ExpenseView>,
}

/// An expense of a base.
pub type ExpenseView = store::Expense;

fn corrupt(what: &str) -> AppError {
    AppError::internal(StoreError::Corrupt(what.to_owned()))
}

fn domain_entries(rows: &[store::LedgerRow]) -> Vec<Entry> {
    rows.iter().map(store::LedgerRow::entry).collect()
}

fn ledger_error(e: subsidy::LedgerError, field: &'static str) -> AppError {
    AppError::Fields(vec![FieldError::new(field, e.code(), e.to_string())])
}

/// An expense refused by the unique indexes: another base recorded the same invoice or receipt
/// file at the same moment (the use case's own check names the earlier expense otherwise).
fn repeated_elsewhere(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { constraint } if constraint == "expenses_invoice_key" => {
            AppError::Fields(vec![FieldError::new(
                "invoice_number",
                "duplicate_invoice",
                "该发票刚在另一笔支出中列支，同一张发票不能重复报销",
            )])
        }
        StoreError::Conflict { constraint } if constraint == "expenses_receipt_hash_key" => {
            AppError::Fields(vec![FieldError::new(
                "receipt",
                "duplicate_receipt",
                "同一票据文件刚在另一笔支出中上传，同一票据不能重复报销",
            )])
        }
        other => other.into(),
    }
}

/// Staff draft requests, record payments, audit and reverse expenses.
fn fund_manager(who: &Authenticated) -> Result<()> {
    authorize(who, Action::ManageFunding, Object::Any).map(drop)
}

/// Staff, leaders and the coordination group read the funds.
fn funds_reader(who: &Authenticated) -> Result<()> {
    authorize(who, Action::ReadFunds, Object::Any).map(drop)
}

/// The base's own organisation records its expenses and answers for them.
fn base_itself(who: &Authenticated, base: &BaseView) -> Result<()> {
    authorize(who, Action::RecordExpense, Object::OfOrganization(base.organization_id)).map(drop)
}

impl App {
    // ------------------------------------------------------------ funding requests

    /// Recognised, active bases no request holds yet and without a grant.
    pub async fn funding_candidates(&self, who: &Authenticated) -> Result<Vec<BaseView>> {
        funds_reader(who)?;
        let held: Vec<BaseId> = store::holders(&self.db).await?.into_iter().map(|(base, _, _)| base).collect();
        Ok(self
            .registry(&bases_store::BaseFilter { status: Some(BaseStatus::Active.as_str()), ..Default::default() })
            .await?
            .into_iter()
            .filter(|b| !held.contains(&b.id))
            .collect())
    }

    /// Staff draft a request to the coordination group for `bases`, each for the subsidy of the
    /// policy version it was recognised under.
    pub async fn draft_funding_request(
        &self,
        who: &Authenticated,
        bases: &[String],
        note: &str,
        meta: &RequestMeta,
    ) -> Result<String> {
        fund_manager(who)?;
        let note = bounded_text("note", note, 1000, false)?;
        if bases.is_empty() {
            return Err(AppError::Fields(vec![FieldError::new("bases", "required", "请至少选择一个基地")]));
        }
        let mut items = Vec::new();
        let mut total = Money::ZERO;
        for (i, id) in bases.iter().enumerate() {
            let base = self.base(who, id).await.map_err(|_| {
                AppError::Fields(vec![FieldError::new(format!("bases[{i}]"), "unknown_base", "基地不存在")])
            })?;
            if base.status != BaseStatus::Active {
                return Err(AppError::Fields(vec![FieldError::new(
                    format!("bases[{i}]"),
                    "base_not_active",
                    format!("「{}」当前为「{}」，不能申请资助", base.name, base.status.label()),
                )]));
            }
            let amount = self.policy(&base.policy_id).await?.subsidy();
            total = total.checked_add(amount).ok_or_else(|| corrupt("total"))?;
            items.push((base, amount));
        }
        let id = self.new_id::<FundingRequestId>();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let held = store::held_bases(&mut tx).await?;
        for (i, (base, _)) in items.iter().enumerate() {
            if held.contains(&base.id) {
                return Err(AppError::Fields(vec![FieldError::new(
                    format!("bases[{i}]"),
                    "already_requested",
                    format!("「{}」已在其他资金申请中，不能重复申请", base.name),
                )]));
            }
        }
        store::insert_request(
            &mut tx,
            &store::FundingRequest {
                id,
                status: FundingStatus::Draft,
                title: format!("关于申请{}资助资金的请示", crate::notices::PLAQUE_TITLE),
                note: note.clone(),
                total,
                drafted_by: who.user.id,
                drafted_at: now,
                endorsed_by: None,
                endorsed_at: None,
                doc_number: None,
                decided_by: None,
                decided_at: None,
                reason: None,
                version: 1,
            },
        )
        .await?;
        for (base, amount) in &items {
            store::insert_item(
                &mut tx,
                &store::FundingItem {
                    request_id: id,
                    base_id: base.id,
                    amount: *amount,
                    policy_id: base.policy_id.clone(),
                },
            )
            .await?;
        }
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "funding.draft",
            ("funding_request", Some(&id.to_string())),
            json!({ "bases": bases, "total_fen": total.fen(), "note": note, "clause": "C6" }),
        )
        .await?;
        tx.commit().await?;
        Ok(id.to_string())
    }

    pub async fn funding_requests(&self, who: &Authenticated) -> Result<Vec<FundingView>> {
        funds_reader(who)?;
        // Every request's decisions in one read, not one per request.
        let mut decisions = store::all_decisions(&self.db).await?;
        let mut out = Vec::new();
        for row in store::requests(&self.db).await? {
            let of_row = decisions.remove(&row.id).unwrap_or_default();
            out.push(self.funding_view(who, row, of_row).await?);
        }
        Ok(out)
    }

    pub async fn funding_request(&self, who: &Authenticated, id: &str) -> Result<FundingView> {
        funds_reader(who)?;
        let id = named(id, "资金申请不存在")?;
        let row = store::request(&self.db, id).await?.ok_or(AppError::NotFound("资金申请不存在"))?;
        let decisions = store::decisions(&self.db, row.id).await?;
        self.funding_view(who, row, decisions).await
    }

    async fn funding_view(
        &self,
        who: &Authenticated,
        request: store::FundingRequest,
        decisions: Vec<store::FundingDecision>,
    ) -> Result<FundingView> {
        let mut items = Vec::new();
        for item in store::items(&self.db, request.id).await? {
            let base = self.base(who, &item.base_id.to_string()).await?;
            items.push((item, base));
        }
        Ok(FundingView { request, items, decisions })
    }

    /// The leader endorses or returns a draft (never its drafter); the coordination group
    /// approves or rejects a submitted request. Approval grants each base its subsidy, once.
    /// Which of these `answer` means follows from the decider's role and the request's state
    /// ([`subsidy::funding_decision`]); it is returned with the new state.
    pub async fn decide_funding(
        &self,
        who: &Authenticated,
        id: &str,
        answer: FundingAnswer,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<(FundingAction, FundingStatus)> {
        let request = self.funding_request(who, id).await?;
        let (action, to) = subsidy::funding_decision(who.role, request.status, answer).map_err(|e| match e {
            subsidy::FundingError::NotFromHere { .. } => AppError::WrongState { message: e.to_string() },
            subsidy::FundingError::NotYourRole { .. } => {
                AppError::Forbidden { code: "forbidden_transition", message: e.to_string() }
            }
        })?;
        if let Err(conflict) = ensure_not_drafter(request.drafted_by, who) {
            // Separation of duties (SEC-13): refused, and the attempt is on the record.
            let mut tx = self.db.begin().await?;
            self.audit(
                &mut tx,
                meta,
                Some((&who.user, who.role)),
                "funding.refused_own",
                ("funding_request", Some(id)),
                json!({ "attempted": format!("{action:?}"), "code": conflict.code() }),
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden { code: conflict.code(), message: conflict.to_string() });
        }
        // Approving pays out public money: only after a recent sign-in (SEC-08).
        if action == FundingAction::Approve {
            self.require_recent_authentication(who)?;
        }
        let reason = bounded_text("reason", reason, 1000, action.needs_reason())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !store::change_request(
            &mut tx,
            request.id,
            (request.status, to, request.version),
            who.user.id,
            (!reason.is_empty()).then_some(reason.as_str()),
            now,
        )
        .await?
        {
            return Err(AppError::Conflict { constraint: "funding_requests_version".into() });
        }
        store::insert_decision(&mut tx, request.id, action, who.user.id, &reason, now).await?;
        // Sent to the coordination group: the 请示 gets its document number (文号) of the year.
        let doc_number = if action == FundingAction::Endorse {
            let year = i64::from(shanghai_date(now).year());
            store::assign_doc_number(&mut tx, request.id, year).await?.map(|seq| document_number(year, seq))
        } else {
            None
        };
        if to == FundingStatus::Approved {
            for (item, base) in &request.items {
                store::lock_base(&mut tx, base.id).await?;
                let entries = domain_entries(&store::entries_in(&mut tx, base.id).await?);
                subsidy::check_grant(&entries, item.amount).map_err(|e| ledger_error(e, "bases"))?;
                if !store::insert_grant(&mut tx, base.id, request.id, item.amount, now).await? {
                    return Err(ledger_error(subsidy::LedgerError::AlreadyGranted, "bases"));
                }
                let seq = next_seq(&entries);
                store::insert_entry(
                    &mut tx,
                    &store::LedgerRow {
                        base_id: base.id,
                        seq,
                        kind: EntryKind::Grant,
                        debit: GRANT.to_owned(),
                        credit: POOL.to_owned(),
                        amount: item.amount,
                        reverses: None,
                        ref_type: "funding_request".to_owned(),
                        ref_id: id.to_owned(),
                        memo: format!("区企业职工职业培训工作协调小组批准（{}）", request.title),
                        at: now,
                        recorded_by: Some(who.user.id),
                    },
                )
                .await?;
                self.audit(
                    &mut tx,
                    meta,
                    Some((&who.user, who.role)),
                    "ledger.grant",
                    ("base", Some(&base.id.to_string())),
                    json!({ "request": id, "amount_fen": item.amount, "seq": seq, "policy": item.policy_id, "clause": "C5" }),
                )
                .await?;
                self.notify_base(&mut tx, base, "资助资金已获批", &format!("协调小组已批准资助 {} 元。", item.amount))
                    .await?;
            }
        }
        let event = match action {
            FundingAction::Endorse => "funding.endorse",
            FundingAction::Return => "funding.return",
            FundingAction::Approve => "funding.approve",
            FundingAction::Reject => "funding.reject",
        };
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            event,
            ("funding_request", Some(id)),
            json!({
                "from": request.status.as_str(), "to": to.as_str(), "reason": reason, "total_fen": request.total,
                "doc_number": doc_number,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok((action, to))
    }

    // ------------------------------------------------------------ the ledger

    /// A base's ledger (the bureau, or the base's own organisation).
    pub async fn ledger(&self, who: &Authenticated, base: &str) -> Result<LedgerView> {
        let base = self.base(who, base).await?;
        let entries = store::entries(&self.db, base.id).await?;
        let totals = Totals::of(&domain_entries(&entries));
        Ok(LedgerView {
            disbursements: store::disbursements(&self.db, base.id).await?,
            expenses: store::expenses(&self.db, Some(base.id)).await?,
            base,
            entries,
            totals,
        })
    }

    /// Every base's totals (reports across bases).
    pub async fn fund_overview(&self, who: &Authenticated) -> Result<Vec<(BaseView, Totals)>> {
        funds_reader(who)?;
        let all = store::all_entries(&self.db).await?;
        let mut out = Vec::new();
        for base in self.registry(&bases_store::BaseFilter::default()).await? {
            let mine: Vec<Entry> = all.iter().filter(|e| e.base_id == base.id).map(store::LedgerRow::entry).collect();
            let totals = Totals::of(&mine);
            out.push((base, totals));
        }
        Ok(out)
    }

    /// Staff record a payment to a base: never more than what is left of its grant.
    pub async fn record_disbursement(
        &self,
        who: &Authenticated,
        base: &str,
        (paid_on, amount, voucher): (&str, &str, &str),
        meta: &RequestMeta,
    ) -> Result<i64> {
        fund_manager(who)?;
        self.require_recent_authentication(who)?;
        let base = self.base(who, base).await?;
        let today = shanghai_date(self.now());
        let mut errors = Vec::new();
        let paid_on = match NaiveDate::parse_from_str(paid_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                errors.push(FieldError::new("paid_on", "date_in_future", "拨付日期不能晚于今天"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new("paid_on", "invalid_date", "请填写拨付日期（YYYY-MM-DD）"));
                None
            }
        };
        let amount = match Money::parse(amount) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new("amount", e.code(), e.to_string()));
                None
            }
        };
        let voucher = voucher.trim();
        if voucher.is_empty() || voucher.chars().count() > 50 {
            errors.push(FieldError::new("voucher", "required", "请填写凭证号（不超过 50 字）"));
        }
        let (Some(paid_on), Some(amount)) = (paid_on, amount) else { return Err(AppError::Fields(errors)) };
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::lock_base(&mut tx, base.id).await?;
        let entries = domain_entries(&store::entries_in(&mut tx, base.id).await?);
        subsidy::check_disbursement(&entries, amount).map_err(|e| ledger_error(e, "amount"))?;
        let seq = next_seq(&entries);
        let id = self.new_id::<DisbursementId>();
        let inserted = store::insert_disbursement(
            &mut tx,
            &store::Disbursement {
                id,
                base_id: base.id,
                seq,
                paid_on,
                amount,
                voucher: voucher.to_owned(),
                recorded_by: who.user.id,
                recorded_at: now,
            },
        )
        .await;
        match inserted {
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Fields(vec![FieldError::new("voucher", "voucher_exists", "该凭证号已登记过")]));
            }
            other => other?,
        }
        store::insert_entry(
            &mut tx,
            &store::LedgerRow {
                base_id: base.id,
                seq,
                kind: EntryKind::Disbursement,
                debit: CASH.to_owned(),
                credit: GRANT.to_owned(),
                amount,
                reverses: None,
                ref_type: "disbursement".to_owned(),
                ref_id: id.to_string(),
                memo: format!("拨付，凭证号 {voucher}"),
                at: now,
                recorded_by: Some(who.user.id),
            },
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "ledger.disburse",
            ("base", Some(&base.id.to_string())),
            json!({ "disbursement": id.to_string(), "amount_fen": amount.fen(), "paid_on": paid_on, "voucher": voucher, "seq": seq }),
        )
        .await?;
        self.notify_base(&mut tx, &base, "资助资金已拨付", &format!("已拨付 {amount} 元（凭证号 {voucher}）。"))
            .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The base records an expense with its receipt: an allowed category, within the balance.
    pub async fn record_expense(
        &self,
        who: &Authenticated,
        base: &str,
        input: &ExpenseInput,
        receipt: Option<(String, Vec<u8>)>,
        meta: &RequestMeta,
    ) -> Result<String> {
        let base = self.base(who, base).await?;
        base_itself(who, &base)?;
        let policy = self.policy(&base.policy_id).await?;
        let categories: Vec<&str> = policy.expense_categories().iter().map(|c| c.id()).collect();
        let today = shanghai_date(self.now());
        let mut tx = self.db.begin().await?;
        store::lock_base(&mut tx, base.id).await?;
        let revoked_on = store::revoked_on(&mut tx, base.id).await?;
        let entries = domain_entries(&store::entries_in(&mut tx, base.id).await?);
        let checked = subsidy::check_expense_input(input, &categories, (base.recognised_on, today, revoked_on));
        let mut problems: Vec<FieldError> = match &checked {
            Ok(_) => Vec::new(),
            Err(errors) => errors.clone(),
        };
        // Over the balance is said together with every other problem of the form.
        if let Ok(amount) = Money::parse(&input.amount)
            && amount.fen() > 0
            && let Err(e) = subsidy::check_expense(&entries, amount)
        {
            problems.push(FieldError::new("amount", e.code(), e.to_string()));
        }
        let (name, bytes) = receipt.unwrap_or_default();
        let bytes = bytes::Bytes::from(bytes);
        if bytes.is_empty() {
            problems.push(FieldError::new("receipt", "required", "请上传票据（PDF、JPEG 或 PNG）"));
        }
        // The same invoice or receipt file as a live expense of any base is refused; the same
        // payee, amount and date as one of this base's is asked about first. Said after every
        // other problem of the form, so that those decide the status (400, not 409).
        let mut like_confirmed = None;
        if let Ok(expense) = &checked
            && !bytes.is_empty()
        {
            let hash = crate::files::hash_of(bytes.clone()).await;
            let earlier: Vec<subsidy::EarlierExpense> = store::expenses_like(
                &mut tx,
                base.id,
                (&expense.invoice, hash.as_str()),
                (&expense.payee, expense.amount, expense.spent_on),
            )
            .await?
            .into_iter()
            .map(|e| subsidy::EarlierExpense {
                own_base: e.base_id == base.id,
                spent_on: e.spent_on,
                amount: e.amount,
                payee: e.payee,
                invoice: e.invoice,
                receipt_hash: e.receipt.0,
            })
            .collect();
            for error in subsidy::check_not_repeated(expense, hash.as_str(), &earlier, false) {
                if error.code == "possible_duplicate" && input.confirm_duplicate {
                    like_confirmed = Some(error.message);
                } else {
                    problems.push(error);
                }
            }
        }
        let expense = match checked {
            Ok(expense) if problems.is_empty() => expense,
            _ => return Err(AppError::Fields(problems)),
        };
        let upload = attachment::check_upload(&name, &bytes, policy.max_attachment_bytes())
            .map_err(|e| AppError::Fields(vec![FieldError::new("receipt", e.code(), e.to_string())]))?;
        let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
        let seq = next_seq(&entries);
        let id = self.new_id::<ExpenseId>();
        let now = self.now();
        store::insert_expense(
            &mut tx,
            &store::Expense {
                id,
                base_id: base.id,
                seq,
                category: expense.category.clone(),
                amount: expense.amount,
                spent_on: expense.spent_on,
                payee: expense.payee.clone(),
                description: expense.description.clone(),
                receipt: (hash.as_str().to_owned(), upload.kind.as_str().to_owned(), upload.display_name),
                invoice: Some(expense.invoice.clone()),
                status: ExpenseStatus::Recorded,
                question: None,
                answer: None,
                reviewed_by: None,
                reviewed_at: None,
                reversal_seq: None,
                recorded_by: who.user.id,
                recorded_at: now,
                version: 1,
            },
        )
        .await
        .map_err(repeated_elsewhere)?;
        store::insert_entry(
            &mut tx,
            &store::LedgerRow {
                base_id: base.id,
                seq,
                kind: EntryKind::Expense,
                debit: subsidy::expense_account(&expense.category),
                credit: CASH.to_owned(),
                amount: expense.amount,
                reverses: None,
                ref_type: "expense".to_owned(),
                ref_id: id.to_string(),
                memo: expense.description.clone(),
                at: now,
                recorded_by: Some(who.user.id),
            },
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "ledger.expense",
            ("base", Some(&base.id.to_string())),
            json!({
                "expense": id.to_string(), "category": expense.category, "amount_fen": expense.amount.fen(),
                "spent_on": expense.spent_on, "payee": expense.payee, "seq": seq, "receipt": hash.as_str(),
                "invoice_code": expense.invoice.code(), "invoice_number": expense.invoice.number(),
                "confirmed_not_duplicate": like_confirmed,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(id.to_string())
    }

    async fn expense_of(&self, who: &Authenticated, id: &str) -> Result<(ExpenseView, BaseView)> {
        let expense =
            store::expense(&self.db, named(id, "支出不存在")?).await?.ok_or(AppError::NotFound("支出不存在"))?;
        let base = self.base(who, &expense.base_id.to_string()).await.map_err(|_| AppError::NotFound("支出不存在"))?;
        Ok((expense, base))
    }

    /// One expense of `base` (the bureau, or the base's own organisation); another base's
    /// expense is "not found".
    pub async fn expense(&self, who: &Authenticated, base: &str, id: &str) -> Result<ExpenseView> {
        let (expense, owner) = self.expense_of(who, id).await?;
        if owner.id.to_string() != base {
            return Err(AppError::NotFound("支出不存在"));
        }
        Ok(expense)
    }

    /// An expense's receipt (the bureau, or the base's own organisation).
    pub async fn expense_receipt(&self, who: &Authenticated, id: &str) -> Result<(String, String, Vec<u8>)> {
        let (expense, _) = self.expense_of(who, id).await?;
        let (hash, kind, name) = expense.receipt;
        let content = ContentHash::parse(&hash).ok_or_else(|| corrupt(&hash))?;
        let bytes = self.files.get(&content).await.map_err(AppError::internal)?;
        Ok((kind, name, bytes))
    }

    /// Staff approve an expense, or query it with a question the base answers.
    pub async fn review_expense(
        &self,
        who: &Authenticated,
        id: &str,
        approve: bool,
        question: &str,
        meta: &RequestMeta,
    ) -> Result<ExpenseStatus> {
        fund_manager(who)?;
        let (expense, base) = self.expense_of(who, id).await?;
        let to = if approve { expense.status.approve() } else { expense.status.query() };
        let to = to.ok_or_else(|| AppError::WrongState {
            message: format!(
                "支出当前为「{}」，不能{}",
                expense.status.label(),
                if approve { "审核通过" } else { "提出问题" }
            ),
        })?;
        let question = bounded_text("question", question, 500, !approve)?;
        let change = store::ExpenseChange {
            question: (!approve).then_some(question.as_str()),
            reviewed_by: Some(who.user.id),
            ..Default::default()
        };
        let mut tx = self.db.begin().await?;
        self.change_expense(&mut tx, &expense, to, &change).await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            if approve { "expense.approve" } else { "expense.query" },
            ("base", Some(&base.id.to_string())),
            json!({ "expense": id, "question": question, "amount_fen": expense.amount }),
        )
        .await?;
        if !approve {
            self.notify_base(&mut tx, &base, "支出需说明", &format!("经办人对一笔支出提出问题：{question}")).await?;
        }
        tx.commit().await?;
        Ok(to)
    }

    /// The base answers staff's question about an expense.
    pub async fn answer_expense(&self, who: &Authenticated, id: &str, answer: &str, meta: &RequestMeta) -> Result<()> {
        let (expense, base) = self.expense_of(who, id).await?;
        base_itself(who, &base)?;
        let to = expense.status.answer().ok_or_else(|| AppError::WrongState {
            message: format!("支出当前为「{}」，无需说明", expense.status.label()),
        })?;
        let answer = bounded_text("answer", answer, 1000, true)?;
        let mut tx = self.db.begin().await?;
        self.change_expense(
            &mut tx,
            &expense,
            to,
            &store::ExpenseChange { answer: Some(&answer), ..Default::default() },
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "expense.answer",
            ("base", Some(&base.id.to_string())),
            json!({ "expense": id, "answer": answer }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Staff correct an expense by reversing it: a reversal entry, never an edit.
    pub async fn reverse_expense(
        &self,
        who: &Authenticated,
        id: &str,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<i64> {
        fund_manager(who)?;
        let (expense, base) = self.expense_of(who, id).await?;
        let to =
            expense.status.reverse().ok_or_else(|| AppError::WrongState { message: "该支出已冲销".into() })?;
        let reason = bounded_text("reason", reason, 500, true)?;
        let mut tx = self.db.begin().await?;
        store::lock_base(&mut tx, base.id).await?;
        let entries = domain_entries(&store::entries_in(&mut tx, base.id).await?);
        let seq = next_seq(&entries);
        let reversal = subsidy::check_reversal(&entries, expense.seq, seq).map_err(|e| ledger_error(e, "expense"))?;
        store::insert_entry(
            &mut tx,
            &store::LedgerRow {
                base_id: base.id,
                seq,
                kind: EntryKind::Reversal,
                debit: reversal.debit.clone(),
                credit: reversal.credit.clone(),
                amount: reversal.amount,
                reverses: reversal.reverses,
                ref_type: "expense".to_owned(),
                ref_id: id.to_owned(),
                memo: format!("冲销：{reason}"),
                at: self.now(),
                recorded_by: Some(who.user.id),
            },
        )
        .await?;
        self.change_expense(
            &mut tx,
            &expense,
            to,
            &store::ExpenseChange { reversal_seq: Some(seq), reviewed_by: Some(who.user.id), ..Default::default() },
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "ledger.reverse",
            ("base", Some(&base.id.to_string())),
            json!({ "expense": id, "reverses": expense.seq, "seq": seq, "amount_fen": expense.amount, "reason": reason }),
        )
        .await?;
        self.notify_base(&mut tx, &base, "支出已冲销", &format!("一笔 {} 元的支出已冲销：{reason}", expense.amount))
            .await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn change_expense(
        &self,
        tx: &mut Tx,
        expense: &ExpenseView,
        to: ExpenseStatus,
        change: &store::ExpenseChange<'_>,
    ) -> Result<()> {
        let changed =
            store::change_expense(tx, expense.id, (expense.status, to, expense.version), change, self.now()).await?;
        if changed { Ok(()) } else { Err(AppError::Conflict { constraint: "expenses_version".into() }) }
    }

    /// An in-app notification to the base's organisation.
    pub(crate) async fn notify_base(&self, tx: &mut Tx, base: &BaseView, title: &str, body: &str) -> Result<()> {
        app_store::insert_notification(
            tx,
            &app_store::Notification {
                id: self.new_id::<NotificationId>(),
                organization_id: base.organization_id,
                application_id: Some(base.application_id),
                at: self.now(),
                title: title.to_owned(),
                body: body.to_owned(),
                read_at: None,
            },
        )
        .await?;
        Ok(())
    }
}

/// A 请示's document number as printed: 青人社〔2026〕3号.
#[must_use]
pub fn document_number(year: i64, seq: i64) -> String {
    format!("青人社〔{year}〕{seq}号")
}

fn next_seq(entries: &[Entry]) -> i64 {
    entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1
}
