//! The public notice (公示) as an official document with the objection form and its receipt,
//! and the lookup of an objection's outcome (异议办理结果查询).

use super::*;

// ---------------------------------------------------------------------------------------------
// 公示 (public)

#[derive(Debug)]
pub(super) struct NoticeRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) period: String,
    pub(super) status: &'static str,
    pub(super) open: bool,
    pub(super) entries: usize,
}

pub(super) fn notice_row(n: &NoticeView) -> NoticeRow {
    NoticeRow {
        id: n.id.to_string(),
        title: n.title.clone(),
        period: period_text(n),
        status: n.status.label(),
        open: n.status == NoticeStatus::Open,
        entries: n.entries.len(),
    }
}

#[derive(Template)]
#[template(path = "notices/list.html")]
pub(super) struct NoticesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<NoticeRow>,
}

/// `GET /notices`: the published notices, newest first.
pub(super) async fn public_notices(State(state): State<AppState>, page: Page) -> Response {
    match state.app.notices(None).await {
        Ok(found) => {
            let template = NoticesPage { page: page.clone(), rows: found.iter().map(notice_row).collect() };
            respond(StatusCode::OK, &page, &template)
        }
        Err(error) => error_page(page, error),
    }
}

/// One line of a notice's list of bases.
#[derive(Debug)]
pub(super) struct EntryRow {
    pub(super) application_id: String,
    pub(super) position: i64,
    pub(super) organization: String,
    pub(super) kind: String,
    pub(super) industry: String,
    pub(super) projects: Vec<String>,
    pub(super) priority: String,
}

pub(super) fn entry_rows(n: &NoticeView) -> Vec<EntryRow> {
    n.entries
        .iter()
        .map(|e| EntryRow {
            application_id: e.application_id.to_string(),
            position: e.position,
            organization: e.organization_name.clone(),
            kind: e.kind.clone(),
            industry: e.industry.clone(),
            projects: serde_json::from_str(&e.projects).unwrap_or_default(),
            priority: if e.priority.is_empty() { "—".to_owned() } else { e.priority.clone() },
        })
        .collect()
}

/// What the notice says, for the public page and the bureau's.
#[derive(Debug)]
pub(super) struct NoticeDoc {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) status: &'static str,
    pub(super) period: String,
    /// 2024年9月30日: the publish date, signed under the issuer.
    pub(super) dated: String,
    pub(super) last_day: String,
    pub(super) issuer: &'static str,
    /// Where objections on paper go (the configured address and telephone).
    pub(super) contact: Option<String>,
    pub(super) entries: Vec<EntryRow>,
    pub(super) accepting: bool,
}

pub(super) fn notice_doc(n: &NoticeView, now: chrono::DateTime<chrono::Utc>, contact: Option<&str>) -> NoticeDoc {
    NoticeDoc {
        id: n.id.to_string(),
        title: n.title.clone(),
        status: n.status.label(),
        period: period_text(n),
        dated: chinese_date(n.period.publish_on),
        last_day: chinese_date(n.period.last_day),
        issuer: ISSUER,
        contact: contact.map(str::to_owned),
        entries: entry_rows(n),
        accepting: n.period.phase(now) == Phase::Open,
    }
}

/// The objection form as typed.
#[derive(Debug)]
pub(super) struct ObjectionForm {
    pub(super) inputs: Vec<Input>,
    pub(super) errors: Vec<String>,
}

impl ObjectionForm {
    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.inputs.iter().any(|i| i.error.is_some())
    }
}

pub(super) fn objection_form(n: &NoticeView, as_posted: &ObjectionInput) -> ObjectionForm {
    let mut entries = vec![(String::new(), "请选择".to_owned())];
    entries.extend(n.entries.iter().map(|e| (e.application_id.to_string(), e.organization_name.clone())));
    ObjectionForm {
        inputs: vec![
            Input::text("name", "姓名")
                .value(&as_posted.name)
                .hint("请填写真实姓名；以单位名义提出的，填写经办人姓名。")
                .maxlength(30)
                .autocomplete("name"),
            Input::text("contact", "联系方式")
                .value(&as_posted.contact)
                .hint("11 位手机号码或电子邮箱，用于核实情况和查询办理结果。")
                .maxlength(100)
                .autocomplete("tel"),
            Input::text("organization", "单位名称")
                .value(&as_posted.organization)
                .hint("以单位名义提出异议的，填写单位全称。")
                .optional()
                .maxlength(100)
                .autocomplete("organization"),
            Input::select("concerning", "异议涉及的拟认定基地", entries)
                .without_placeholder()
                .value(&as_posted.concerning),
            Input::new("facts", "异议事实和理由", Control::Area { rows: 6 })
                .value(&as_posted.facts)
                .hint("请写明具体事实和理由（10 至 2000 字）。")
                .maxlength(2000),
            Input::new("file", "证明材料", Control::File { accept: Some(OBJECTION_FILE_TYPES) })
                .hint("可选。PDF、JPEG 或 PNG，不超过 20 MB。")
                .optional(),
        ],
        errors: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
pub(super) struct NoticePage {
    pub(super) page: Page,
    pub(super) doc: NoticeDoc,
    pub(super) form: ObjectionForm,
    /// Said when a post was refused as a whole (the notice has ended).
    pub(super) closed_message: Option<String>,
}

pub(super) fn notice_page(
    state: &AppState,
    page: Page,
    n: &NoticeView,
    form: ObjectionForm,
    closed: Option<String>,
    status: StatusCode,
) -> Response {
    let template = NoticePage {
        page: page.clone(),
        doc: notice_doc(n, state.app.now(), state.app.objection_contact.as_deref()),
        form,
        closed_message: closed,
    };
    respond(status, &page, &template)
}

/// `GET /notices/{id}`: the notice as an official document, and the objection form while it
/// accepts objections.
pub(super) async fn public_notice(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    match state.app.notice(None, &id).await {
        Ok(n) => {
            let form = objection_form(&n, &ObjectionInput::default());
            notice_page(&state, page, &n, form, None, StatusCode::OK)
        }
        Err(error) => error_page(page, error),
    }
}

#[derive(Template)]
#[template(path = "notices/receipt.html")]
pub(super) struct ReceiptPage {
    pub(super) page: Page,
    pub(super) receipt: String,
    pub(super) notice_id: String,
    pub(super) notice_title: String,
}

/// `POST /notices/{id}/objections` (multipart: name, contact, organization, concerning, facts,
/// an optional file): the receipt to keep, or the form again with each error beside its field.
pub(super) async fn file_objection(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    mut post: MultipartPost,
) -> Response {
    let too_large = post.too_large_refusal(&state, "file").await;
    let file = post.take_file("file");
    let MultipartPost { page, fields, .. } = post;
    let field = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let as_posted = ObjectionInput {
        name: field("name"),
        contact: field("contact"),
        organization: field("organization"),
        concerning: field("concerning"),
        facts: field("facts"),
    };
    let mut page = page;
    page.path = format!("/notices/{id}");
    let cut = too_large.is_some();
    let outcome = match too_large {
        Some(refusal) => Err(refusal),
        None => state.app.file_objection(&id, &as_posted, file, &meta).await,
    };
    let (status, errors, code) = match outcome {
        Ok(receipt) => {
            let title = match state.app.notice(None, &id).await {
                Ok(n) => n.title.clone(),
                Err(error) => return error_page(page, error),
            };
            let template = ReceiptPage { page: page.clone(), receipt, notice_id: id, notice_title: title };
            return no_store(respond(StatusCode::OK, &page, &template));
        }
        Err(error) => or_error_page!(refusal(error), page),
    };
    let status = if cut { StatusCode::PAYLOAD_TOO_LARGE } else { status };
    let n = or_error_page!(state.app.notice(None, &id).await, page);
    let mut form = objection_form(&n, &as_posted);
    if code == "notice_closed" {
        return notice_page(&state, page, &n, form, errors.rest().into_iter().next(), status);
    }
    form.errors = place_errors(&mut form.inputs, errors);
    no_store(notice_page(&state, page, &n, form, None, status))
}

// ---------------------------------------------------------------------------------------------
// 异议办理结果查询 (public)

#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) receipt: String,
    pub(super) status: &'static str,
    pub(super) concerning: String,
    pub(super) received_at: String,
    pub(super) findings: Option<String>,
}

#[derive(Template)]
#[template(path = "notices/lookup.html")]
pub(super) struct LookupPage {
    pub(super) page: Page,
    pub(super) inputs: Vec<Input>,
    pub(super) errors: Vec<String>,
    pub(super) not_found: Option<String>,
    pub(super) outcome: Option<Outcome>,
}

pub(super) fn lookup_inputs(receipt: &str, contact: &str) -> Vec<Input> {
    vec![
        Input::text("receipt", "回执编号")
            .value(receipt)
            .hint("提出异议时页面显示的编号，例如 YY2024-8M3K2Q7T。")
            .maxlength(20),
        Input::text("contact", "联系方式").value(contact).hint("提出异议时填写的手机号码或电子邮箱。").maxlength(100),
    ]
}

/// `GET /objections/lookup`: the form.
pub(super) async fn lookup_form(page: Page) -> Response {
    let template = LookupPage {
        page: page.clone(),
        inputs: lookup_inputs("", ""),
        errors: Vec::new(),
        not_found: None,
        outcome: None,
    };
    respond(StatusCode::OK, &page, &template)
}

/// `POST /objections/lookup` (receipt, contact): the outcome, or 未查到 for a wrong pair.
pub(super) async fn lookup(State(state): State<AppState>, post: FormPost) -> Response {
    let FormPost { page, fields, .. } = post;
    let receipt = fields.get("receipt").unwrap_or_default().trim().to_owned();
    let contact = fields.get("contact").unwrap_or_default().trim().to_owned();
    let mut inputs = lookup_inputs(&receipt, &contact);
    let mut errors = Errors::default();
    if receipt.is_empty() {
        errors.fields.push(("receipt".into(), "请填写回执编号".into()));
    }
    if contact.is_empty() {
        errors.fields.push(("contact".into(), "请填写提出异议时的联系方式".into()));
    }
    if !errors.fields.is_empty() {
        let rest = place_errors(&mut inputs, errors);
        let template = LookupPage { page: page.clone(), inputs, errors: rest, not_found: None, outcome: None };
        return respond(StatusCode::BAD_REQUEST, &page, &template);
    }
    // The contact is not written back into the page once it has been looked up.
    let inputs = lookup_inputs(&receipt, "");
    match state.app.lookup_objection(&receipt, &contact).await {
        Ok(o) => {
            let outcome = Outcome {
                receipt: o.receipt,
                status: o.status.label(),
                concerning: o.concerning,
                received_at: local_time(o.received_at),
                findings: o.findings,
            };
            let template =
                LookupPage { page: page.clone(), inputs, errors: Vec::new(), not_found: None, outcome: Some(outcome) };
            no_store(respond(StatusCode::OK, &page, &template))
        }
        Err(AppError::NotFound(message)) => {
            let template = LookupPage {
                page: page.clone(),
                inputs,
                errors: Vec::new(),
                not_found: Some(message.to_owned()),
                outcome: None,
            };
            respond(StatusCode::NOT_FOUND, &page, &template)
        }
        Err(error) => error_page(page, error),
    }
}
