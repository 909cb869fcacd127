//! The bases a viewer reaches (我的基地) and one base's ledger (基地资金台账): the grant,
//! disbursements, expenses with their receipts, and staff's audit of them.

use super::*;

// ---------------------------------------------------------------------------------------------
// 我的基地: the bases a viewer reaches

#[derive(Debug)]
pub(super) struct BaseLine {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) status: &'static str,
    pub(super) recognised_on: String,
}

#[derive(Template)]
#[template(path = "subsidy/bases.html")]
pub(super) struct BasesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<BaseLine>,
    pub(super) bureau: bool,
}

/// `GET /funds/bases`: the organisation's own bases (the bureau: every base).
pub(super) async fn bases(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let found = match who.role {
        Role::Applicant => match who.user.organization_id {
            Some(org) => state.app.registry(&BaseFilter { organization_id: Some(org), ..BaseFilter::default() }).await,
            None => Ok(Vec::new()),
        },
        _ if funds_reader(&who) => state.app.registry(&BaseFilter::default()).await,
        _ => return not_found(page),
    };
    let found = or_error_page!(found, page);
    let template = BasesPage {
        page: page.clone(),
        rows: found
            .into_iter()
            .map(|b| BaseLine {
                id: b.id.to_string(),
                name: b.name,
                number: b.number,
                status: b.status.label(),
                recognised_on: b.recognised_on.to_string(),
            })
            .collect(),
        bureau: funds_reader(&who),
    };
    respond(StatusCode::OK, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 基地资金台账: one base's grant, ledger, disbursements and expenses

#[derive(Debug)]
pub(super) struct TotalsRow {
    pub(super) granted: String,
    pub(super) disbursed: String,
    pub(super) undisbursed: String,
    pub(super) spent: String,
    pub(super) balance: String,
    pub(super) rate: String,
}

pub(super) fn totals_row(t: &Totals) -> TotalsRow {
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
pub(super) struct CategoryRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) amount: String,
}

/// The policy's categories in its order, each with what was spent, then any other category
/// the entries name (a later policy version's).
pub(super) fn category_rows(policy: &PolicyDocument, spent: &BTreeMap<String, i64>) -> Vec<(String, String, i64)> {
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
pub(super) struct EntryLine {
    pub(super) seq: i64,
    pub(super) at: String,
    pub(super) kind: &'static str,
    pub(super) amount: String,
    pub(super) memo: String,
    pub(super) reverses: Option<i64>,
    pub(super) reversed_by: Option<i64>,
}

#[derive(Debug)]
pub(super) struct DisbursementLine {
    pub(super) seq: i64,
    pub(super) paid_on: String,
    pub(super) amount: String,
    pub(super) voucher: String,
}

#[derive(Debug)]
pub(super) struct ExpenseLine {
    pub(super) id: String,
    pub(super) seq: i64,
    pub(super) category: String,
    pub(super) amount: String,
    pub(super) spent_on: String,
    pub(super) payee: String,
    pub(super) description: String,
    pub(super) receipt_name: String,
    pub(super) receipt_href: String,
    /// The invoice's code and number as said (empty for an expense from before invoices).
    pub(super) invoice: String,
    pub(super) status: &'static str,
    pub(super) status_code: &'static str,
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) reversal_seq: Option<i64>,
    /// Staff may approve or query it (recorded or answered).
    pub(super) reviewable: bool,
    /// Staff may reverse it.
    pub(super) reversible: bool,
    /// The base may answer the question.
    pub(super) answerable: bool,
    pub(super) query: Reason,
    pub(super) reverse: Reason,
    pub(super) answer_input: Reason,
    /// A form of this row was refused: it opens again.
    pub(super) open: bool,
}

/// What a receipt may be.
pub(super) const RECEIPT_TYPES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

pub(super) fn disbursement_inputs(today: NaiveDate, (paid_on, amount, voucher): (&str, &str, &str)) -> Vec<Input> {
    let paid_on = if paid_on.is_empty() { today.format("%Y-%m-%d").to_string() } else { paid_on.to_owned() };
    vec![
        Input::new("paid_on", "拨付日期", Control::Date).value(&paid_on).hint("YYYY-MM-DD，不能晚于今天"),
        Input::text("amount", "拨付金额（元）")
            .value(amount)
            .hint("最多两位小数，例如 120000.00；累计拨付不能超过核定的资助")
            .inputmode("decimal")
            .maxlength(20),
        Input::text("voucher", "凭证号").value(voucher).hint("国库集中支付凭证号，每笔拨付一个").maxlength(50),
    ]
}

/// The expense form as typed; with `ask_confirm` (an earlier expense of the same payee, amount
/// and date was found, or the applicant has already confirmed) the box confirming it is another.
pub(super) fn expense_inputs(
    policy: &PolicyDocument,
    today: NaiveDate,
    input: &ExpenseInput,
    ask_confirm: bool,
) -> Vec<Input> {
    let categories = policy.expense_categories().iter().map(|c| (c.id().to_owned(), c.name().to_owned())).collect();
    let spent_on =
        if input.spent_on.is_empty() { today.format("%Y-%m-%d").to_string() } else { input.spent_on.clone() };
    let mut inputs = vec![
        Input::select("category", "支出类别", categories)
            .value(&input.category)
            .hint("资助资金专款专用，只能用于政策规定的十二类用途（实施意见第五条）"),
        Input::text("amount", "金额（元）")
            .value(&input.amount)
            .hint("最多两位小数；不能超过可用余额")
            .inputmode("decimal")
            .maxlength(20),
        Input::new("spent_on", "支出日期", Control::Date)
            .value(&spent_on)
            .hint("YYYY-MM-DD，在认定日期之后、不晚于今天"),
        Input::text("payee", "收款单位或个人").value(&input.payee).maxlength(100),
        Input::new("description", "支出内容", Control::Area { rows: 3 }).value(&input.description).maxlength(500),
        Input::text("invoice_number", "发票号码")
            .value(&input.invoice_number)
            .hint("8 位数字；全电发票为 20 位数字。同一张发票只能列支一次")
            .inputmode("numeric")
            .maxlength(20),
        Input::text("invoice_code", "发票代码")
            .value(&input.invoice_code)
            .hint("10 位或 12 位数字，8 位发票号码须填写；全电发票没有发票代码，留空")
            .inputmode("numeric")
            .maxlength(12)
            .optional(),
        Input::new("receipt", "票据", Control::File { accept: Some(RECEIPT_TYPES) })
            .hint("发票的 PDF、JPEG 或 PNG 文件，不超过 20 MB；同一文件只能列支一次"),
    ];
    if ask_confirm {
        inputs.push(
            Input::new(
                "confirm_duplicate",
                "我已核对：这是另一笔支出，不是重复登记",
                Control::Check { checked: input.confirm_duplicate },
            )
            .hint("勾选后请重新选择票据文件再提交：上一次选择的文件不会保留")
            .unmarked(),
        );
    }
    inputs
}

#[derive(Template)]
#[template(path = "subsidy/ledger.html")]
pub(super) struct BasePage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) base_status: &'static str,
    pub(super) recognised_on: String,
    pub(super) policy: String,
    pub(super) totals: TotalsRow,
    pub(super) categories: Vec<CategoryRow>,
    pub(super) entries: Vec<EntryLine>,
    pub(super) disbursements: Vec<DisbursementLine>,
    pub(super) expenses: Vec<ExpenseLine>,
    /// Staff: disburse, audit, reverse.
    pub(super) staff: bool,
    /// The base itself: record expenses, answer questions.
    pub(super) recording: bool,
    /// The bureau's readers: the dossier and the reports.
    pub(super) reader: bool,
    pub(super) disbursement: Vec<Input>,
    pub(super) expense: Vec<Input>,
    pub(super) disbursement_errors: Vec<String>,
    pub(super) expense_errors: Vec<String>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// Which of a row's forms a refused post came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowForm {
    Query,
    Reverse,
    Answer,
}

/// What a refused post brings back to the base's page.
#[derive(Debug, Default)]
pub(super) struct BaseAsPosted {
    pub(super) disbursement: Option<(String, String, String, Errors)>,
    pub(super) expense: Option<(ExpenseInput, Errors)>,
    pub(super) row: Option<(String, RowForm, Reason)>,
    pub(super) errors: Vec<String>,
}

pub(super) async fn base_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    as_posted: BaseAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/funds/bases/{id}");
    let loaded = async {
        let ledger = state.app.ledger(who, id).await?;
        let policy = state.app.policy(&ledger.base.policy_id).await?;
        Ok::<_, AppError>((ledger, policy))
    };
    let (ledger, policy) = or_error_page!(loaded.await, page);
    let today = state.app.clock.today();
    let staff = allowed(who, access::Action::ManageFunding);
    let recording = allowed(who, access::Action::RecordExpense);
    let category_name = |id: &str| policy.expense_category(id).map_or_else(|| id.to_owned(), |c| c.name().to_owned());
    let BaseAsPosted { disbursement, expense, row, errors } = as_posted;

    let mut disbursement_errors = Vec::new();
    let disbursement = match disbursement {
        Some((paid_on, amount, voucher, mut errors)) => {
            let mut inputs = disbursement_inputs(today, (&paid_on, &amount, &voucher));
            errors.place(&mut inputs);
            disbursement_errors = errors.rest();
            inputs
        }
        None => disbursement_inputs(today, ("", "", "")),
    };
    let mut expense_errors = Vec::new();
    let expense = match expense {
        Some((input, mut errors)) => {
            let ask_confirm = input.confirm_duplicate || errors.fields.iter().any(|(f, _)| f == "confirm_duplicate");
            let mut inputs = expense_inputs(&policy, today, &input, ask_confirm);
            errors.place(&mut inputs);
            expense_errors = errors.rest();
            inputs
        }
        None => expense_inputs(&policy, today, &ExpenseInput::default(), false),
    };
    let reversed_by: HashMap<i64, i64> =
        ledger.entries.iter().filter_map(|e| e.reverses.map(|original| (original, e.seq))).collect();
    let expenses = ledger
        .expenses
        .iter()
        .rev()
        .map(|e| {
            let mut line = ExpenseLine {
                id: e.id.to_string(),
                seq: e.seq,
                category: category_name(&e.category),
                amount: money(e.amount.fen()),
                spent_on: e.spent_on.to_string(),
                payee: e.payee.clone(),
                description: e.description.clone(),
                receipt_name: e.receipt.2.clone(),
                receipt_href: format!("/funds/bases/{id}/receipts/{}", e.id),
                invoice: e.invoice.as_ref().map(ToString::to_string).unwrap_or_default(),
                status: e.status.label(),
                status_code: e.status.as_str(),
                question: e.question.clone().unwrap_or_default(),
                answer: e.answer.clone().unwrap_or_default(),
                reversal_seq: e.reversal_seq,
                reviewable: staff && e.status.approve().is_some(),
                reversible: staff && e.status.reverse().is_some(),
                answerable: recording && e.status.answer().is_some(),
                query: Reason::default(),
                reverse: Reason::default(),
                answer_input: Reason::default(),
                open: false,
            };
            if let Some((expense, form, input)) = &row
                && *expense == e.id.to_string()
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
        name: ledger.base.name.clone(),
        number: ledger.base.number.clone(),
        base_status: ledger.base.status.label(),
        recognised_on: ledger.base.recognised_on.to_string(),
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
                kind: e.kind.label(),
                amount: money(e.amount.fen()),
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
                paid_on: d.paid_on.to_string(),
                amount: money(d.amount.fen()),
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
pub(super) async fn base(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    base_page(&state, page, &who, &id, BaseAsPosted::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

/// `POST /funds/bases/{id}/disbursements` (paid_on, amount, voucher): staff record a payment.
pub(super) async fn disburse(
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
                let as_posted =
                    BaseAsPosted { disbursement: Some((paid_on, amount, voucher, errors)), ..BaseAsPosted::default() };
                base_page(&state, page, &who, &id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/bases/{id}/expenses` (multipart: `csrf_token`, category, amount, spent_on,
/// payee, description, invoice_number, invoice_code, the file `receipt`, and `confirm_duplicate`
/// once asked): the base records an expense with its receipt. The same invoice or file as an
/// earlier expense is refused beside its field; the same payee, amount and date as one of the
/// base's comes back with the box to tick (and the file to choose again).
pub(super) async fn record_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let too_large = post.too_large_refusal(&state, "receipt").await;
    let receipt = post.take_file("receipt");
    let field = |name: &str| post.fields.get(name).unwrap_or_default().to_owned();
    let input = ExpenseInput {
        category: field("category"),
        amount: field("amount"),
        spent_on: field("spent_on"),
        payee: field("payee"),
        description: field("description"),
        invoice_code: field("invoice_code"),
        invoice_number: field("invoice_number"),
        confirm_duplicate: post.fields.get("confirm_duplicate").is_some_and(|v| v == "1"),
    };
    let cut = too_large.is_some();
    let outcome = match too_large {
        Some(refusal) => Err(refusal),
        None => state.app.record_expense(&who, &id, &input, receipt, &meta).await,
    };
    match outcome {
        Ok(expense) => Redirect::to(&format!("/funds/bases/{id}?done=recorded#expense-{expense}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let status = if cut { StatusCode::PAYLOAD_TOO_LARGE } else { status };
                let as_posted = BaseAsPosted { expense: Some((input, errors)), ..BaseAsPosted::default() };
                base_page(&state, page, &who, &id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// The actions on one expense, each a small form on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExpenseAct {
    Approve,
    Query,
    Reverse,
    Answer,
}

pub(super) async fn act_on_expense(
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
                let mut as_posted = BaseAsPosted::default();
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
                as_posted.row = Some((expense, form, Reason::new(text, error)));
                as_posted.errors = errors.rest();
                base_page(&state, page, &who, &id, as_posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /funds/bases/{id}/expenses/{expense}/approve`: staff's 审核通过.
pub(super) async fn approve_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Approve).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/query` (question): staff's 提出问题.
pub(super) async fn query_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Query).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/reverse` (reason): staff's 冲销.
pub(super) async fn reverse_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Reverse).await
}

/// `POST /funds/bases/{id}/expenses/{expense}/answer` (answer): the base's 说明.
pub(super) async fn answer_expense(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(ids): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    act_on_expense(state, meta, ids, post, ExpenseAct::Answer).await
}

/// `GET /funds/bases/{id}/receipts/{expense}`: an expense's receipt, always as a download.
pub(super) async fn receipt(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, expense)): Path<(String, String)>,
) -> Response {
    if let Err(error) = state.app.expense(&who, &id, &expense).await {
        return error_page(page, error);
    }
    match state.app.expense_receipt(&who, &expense).await {
        Ok((kind, name, bytes)) => stored_file(&kind, &name, bytes),
        Err(error) => error_page(page, error),
    }
}
