//! Public notice (公示), objections (异议) and recognition (认定授牌) as pages.
//!
//! The public side needs no account: the notices with their entries and the objection form
//! while a notice accepts objections (multipart, an optional file), the receipt, the lookup of an
//! outcome by receipt and contact, the registry of bases and the verification of a plaque. Only
//! notice fields and base facts are shown there — never an objector's name or contact.
//!
//! The bureau's side: the notices and the publish form, one notice with its objections (staff
//! take them up and resolve them with findings, close the notice once ended; the leader
//! concludes it), the objection's file (always a download), and each recognised base's plaque
//! as a printable A4 landscape page and as a one-page PDF.
//!
//! As on the other pages, every page works without script: a post that succeeds is answered
//! with a redirect (303, `?done=`) to the page it changed, a refused one with the same page, what
//! was typed kept and each error beside its field (4xx). The texts are Chinese only for now.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use skillbase_app::AppError;
use skillbase_app::auth::Authenticated;
use skillbase_app::notices::{BaseFilter, BaseView, ISSUER, NoticeView, ObjectionView, PLAQUE_TITLE, Plaque};
use skillbase_domain::access;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::ProposalId;
use skillbase_domain::notice::{BaseStatus, NoticeStatus, ObjectionInput, ObjectionStatus, Phase, Verdict};
use skillbase_domain::review::ProposalStatus;

use super::admin::local_time;
use super::feedback::{Errors, error_page, not_found, refusal_with_code as refusal};
use super::forms::{CSRF_FIELD, FormPost, SignedInPost, Who, cross_origin, refused};
use super::{Page, allowed, bureau_reader, no_store, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::{CSRF_HEADER, Meta, constant_time_eq};
use crate::{AppState, Params};

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{
        ConcludeNotice, FileObjection, HandleObjections, PublishNotice, ReadBase, ReadNotices, ReadPublic,
    };
    vec![
        route(Method::GET, "/notices", ReadPublic, get(public_notices)),
        route(Method::GET, "/notices/{id}", ReadPublic, get(public_notice)),
        route(Method::POST, "/notices/{id}/objections", FileObjection, post(file_objection)),
        route(Method::GET, "/objections/lookup", ReadPublic, get(lookup_form)),
        route(Method::POST, "/objections/lookup", FileObjection, post(lookup)),
        route(Method::GET, "/bases", ReadPublic, get(registry)),
        route(Method::GET, "/verify", ReadPublic, get(verify_form)),
        route(Method::GET, "/verify/{number}", ReadPublic, get(verify)),
        route(Method::GET, "/bureau/notices", ReadNotices, get(bureau_notices)),
        route(Method::POST, "/bureau/notices", PublishNotice, post(publish)),
        route(Method::GET, "/bureau/notices/{id}", ReadNotices, get(bureau_notice)),
        route(Method::POST, "/bureau/notices/{id}/close", PublishNotice, post(close)),
        route(Method::POST, "/bureau/notices/{id}/conclude", ConcludeNotice, post(conclude)),
        route(
            Method::POST,
            "/bureau/notices/{id}/objections/{objection}/investigate",
            HandleObjections,
            post(investigate),
        ),
        route(Method::POST, "/bureau/notices/{id}/objections/{objection}/resolve", HandleObjections, post(resolve)),
        route(Method::GET, "/bureau/notices/{id}/objections/{objection}/file", ReadNotices, get(objection_file)),
        route(Method::GET, "/bureau/bases/{id}/plaque", ReadBase, get(plaque)),
        route(Method::GET, "/bureau/bases/{id}/plaque.pdf", ReadBase, get(plaque_pdf)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "published" => "公示已发布。公示期内公众可在公示页面提出异议；期满后系统自动结束公示。",
        "investigating" => "已受理该异议，进入调查核实。",
        "resolved" => "已办结该异议，异议人可凭回执查询办理结果。",
        "closed" => "公示已结束。",
        "concluded" => "已认定。各基地的牌匾编号已生成，可打印牌匾。",
        _ => return None,
    })
}

fn notice_of(raw: Option<&str>) -> Option<&'static str> {
    crate::query_params(raw).ok().as_ref().and_then(done_notice)
}

/// 2024年10月15日.
fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn chinese_day(text: &str) -> String {
    parse_date(text).map_or_else(|| text.to_owned(), chinese_date)
}

/// 公示期：2024年9月30日至2024年10月11日（5个工作日）.
fn period_text(n: &NoticeView) -> String {
    format!(
        "公示期：{}至{}（{}个工作日）",
        chinese_date(n.period.first_day),
        chinese_date(n.period.last_day),
        n.row.working_days
    )
}

/// One option of a select.
#[derive(Debug)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

/// One field of a form as the templates draw it: its label, hint, error and value.
#[derive(Debug)]
struct Input {
    name: &'static str,
    label: &'static str,
    /// `text`, `email`, `tel`, `date`, `number`, `select`, `textarea`, `file`.
    kind: &'static str,
    value: String,
    hint: Option<&'static str>,
    error: Option<String>,
    options: Vec<Choice>,
    required: bool,
    maxlength: Option<u16>,
    autocomplete: &'static str,
    autofocus: bool,
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
            options: Vec::new(),
            required: true,
            maxlength: None,
            autocomplete: "off",
            autofocus: false,
        }
    }

    fn hint(mut self, hint: &'static str) -> Input {
        self.hint = Some(hint);
        self
    }

    fn optional(mut self) -> Input {
        self.required = false;
        self
    }

    fn maxlength(mut self, maxlength: u16) -> Input {
        self.maxlength = Some(maxlength);
        self
    }

    fn autocomplete(mut self, autocomplete: &'static str) -> Input {
        self.autocomplete = autocomplete;
        self
    }

    fn select(mut self, options: Vec<(String, String)>) -> Input {
        self.options = choices(options, &self.value);
        self
    }

    fn id(&self) -> String {
        format!("f-{}", self.name.replace('_', "-"))
    }

    fn described_by(&self) -> String {
        super::forms::described_by(&self.id(), self.hint.is_some(), self.error.is_some())
    }
}

/// Gives each input its error, the first one with an error the focus; what is left over.
fn place_errors(inputs: &mut [Input], mut errors: Errors) -> Vec<String> {
    for input in inputs.iter_mut() {
        input.error = errors.take(input.name);
    }
    if let Some(first) = inputs.iter_mut().find(|i| i.error.is_some()) {
        first.autofocus = true;
    }
    errors.rest()
}

/// The policies' words for industries and kinds of organisation, by id.
#[derive(Debug, Default)]
struct Words {
    industries: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    names: HashMap<String, String>,
}

impl Words {
    async fn load(state: &AppState) -> Result<Words, AppError> {
        let mut words = Words::default();
        let policies = state.app.policies().await?;
        for (_, doc) in &policies {
            for term in doc.industries().iter().chain(doc.applicant_kinds()) {
                words.names.entry(term.id().to_owned()).or_insert_with(|| term.name().to_owned());
            }
        }
        // The filters offer the newest version's terms.
        if let Some((_, doc)) = policies.last() {
            words.industries = doc.industries().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect();
            words.kinds = doc.applicant_kinds().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect();
        }
        Ok(words)
    }

    fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// 公示 (public)

#[derive(Debug)]
struct NoticeRow {
    id: String,
    title: String,
    period: String,
    status: &'static str,
    open: bool,
    entries: usize,
}

fn notice_row(n: &NoticeView) -> NoticeRow {
    NoticeRow {
        id: n.row.id.clone(),
        title: n.row.title.clone(),
        period: period_text(n),
        status: n.status.label(),
        open: n.status == NoticeStatus::Open,
        entries: n.entries.len(),
    }
}

#[derive(Template)]
#[template(path = "notices/list.html")]
struct NoticesPage {
    page: Page,
    rows: Vec<NoticeRow>,
}

/// `GET /notices`: the published notices, newest first.
async fn public_notices(State(state): State<AppState>, page: Page) -> Response {
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
struct EntryRow {
    application_id: String,
    position: i64,
    organization: String,
    kind: String,
    industry: String,
    projects: Vec<String>,
    priority: String,
}

fn entry_rows(n: &NoticeView) -> Vec<EntryRow> {
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
struct NoticeDoc {
    id: String,
    title: String,
    status: &'static str,
    period: String,
    /// 2024年9月30日: the publish date, signed under the issuer.
    dated: String,
    last_day: String,
    issuer: &'static str,
    entries: Vec<EntryRow>,
    accepting: bool,
}

fn notice_doc(n: &NoticeView, now: chrono::DateTime<chrono::Utc>) -> NoticeDoc {
    NoticeDoc {
        id: n.row.id.clone(),
        title: n.row.title.clone(),
        status: n.status.label(),
        period: period_text(n),
        dated: chinese_date(n.period.publish_on),
        last_day: chinese_date(n.period.last_day),
        issuer: ISSUER,
        entries: entry_rows(n),
        accepting: n.period.phase(now) == Phase::Open,
    }
}

/// The objection form as typed.
#[derive(Debug)]
struct ObjectionForm {
    inputs: Vec<Input>,
    errors: Vec<String>,
}

impl ObjectionForm {
    fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.inputs.iter().any(|i| i.error.is_some())
    }
}

fn objection_form(n: &NoticeView, typed: &ObjectionInput) -> ObjectionForm {
    let mut entries = vec![(String::new(), "请选择".to_owned())];
    entries.extend(n.entries.iter().map(|e| (e.application_id.to_string(), e.organization_name.clone())));
    ObjectionForm {
        inputs: vec![
            Input::new("name", "姓名", "text", &typed.name)
                .hint("请填写真实姓名；以单位名义提出的，填写经办人姓名。")
                .maxlength(30)
                .autocomplete("name"),
            Input::new("contact", "联系方式", "text", &typed.contact)
                .hint("11 位手机号码或电子邮箱，用于核实情况和查询办理结果。")
                .maxlength(100)
                .autocomplete("tel"),
            Input::new("organization", "单位名称", "text", &typed.organization)
                .hint("以单位名义提出异议的，填写单位全称。")
                .optional()
                .maxlength(100)
                .autocomplete("organization"),
            Input::new("concerning", "异议涉及的拟认定基地", "select", &typed.concerning).select(entries),
            Input::new("facts", "异议事实和理由", "textarea", &typed.facts)
                .hint("请写明具体事实和理由（10 至 2000 字）。")
                .maxlength(2000),
            Input::new("file", "证明材料", "file", "").hint("可选。PDF、JPEG 或 PNG，不超过 20 MB。").optional(),
        ],
        errors: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
struct NoticePage {
    page: Page,
    doc: NoticeDoc,
    form: ObjectionForm,
    /// Said when a post was refused as a whole (the notice has ended).
    closed_message: Option<String>,
}

fn notice_page(
    state: &AppState,
    page: Page,
    n: &NoticeView,
    form: ObjectionForm,
    closed: Option<String>,
    status: StatusCode,
) -> Response {
    let template = NoticePage { page: page.clone(), doc: notice_doc(n, state.app.now()), form, closed_message: closed };
    respond(status, &page, &template)
}

/// `GET /notices/{id}`: the notice as an official document, and the objection form while it
/// accepts objections.
async fn public_notice(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
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
struct ReceiptPage {
    page: Page,
    receipt: String,
    notice_id: String,
    notice_title: String,
}

/// `POST /notices/{id}/objections` (multipart: name, contact, organization, concerning, facts,
/// an optional file): the receipt to keep, or the form again with each error beside its field.
async fn file_objection(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    page: Page,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if cross_origin(&headers) {
        return refused(page, StatusCode::FORBIDDEN);
    }
    let Ok(mut multipart) = multipart else { return refused(page, StatusCode::BAD_REQUEST) };
    let mut typed = ObjectionInput::default();
    let mut csrf = None;
    let mut file = None::<(String, Vec<u8>)>;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return refused(page, StatusCode::BAD_REQUEST),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_none() {
                let filename = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((filename, bytes.to_vec())),
                    Err(_) => return refused(page, StatusCode::BAD_REQUEST),
                }
            }
            continue;
        }
        let Ok(text) = field.text().await else { return refused(page, StatusCode::BAD_REQUEST) };
        match name.as_str() {
            CSRF_FIELD => csrf = Some(text),
            "name" => typed.name = text,
            "contact" => typed.contact = text,
            "organization" => typed.organization = text,
            "concerning" => typed.concerning = text,
            "facts" => typed.facts = text,
            _ => {}
        }
    }
    // Someone signed in posts with their session's token, as on every other form.
    if let Some(viewer) = &page.viewer {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).or(csrf.as_deref()).unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), viewer.csrf_token.as_bytes()) {
            return refused(page, StatusCode::FORBIDDEN);
        }
    }
    let mut page = page;
    page.path = format!("/notices/{id}");
    let file = file.filter(|(name, bytes)| !(name.is_empty() && bytes.is_empty()));
    let outcome = state.app.file_objection(&id, &typed, file, &meta).await;
    let (status, errors, code) = match outcome {
        Ok(receipt) => {
            let title = match state.app.notice(None, &id).await {
                Ok(n) => n.row.title,
                Err(error) => return error_page(page, error),
            };
            let template = ReceiptPage { page: page.clone(), receipt, notice_id: id, notice_title: title };
            return no_store(respond(StatusCode::OK, &page, &template));
        }
        Err(error) => match refusal(error) {
            Ok(refused) => refused,
            Err(error) => return error_page(page, error),
        },
    };
    let n = match state.app.notice(None, &id).await {
        Ok(n) => n,
        Err(error) => return error_page(page, error),
    };
    let mut form = objection_form(&n, &typed);
    if code == Some("notice_closed") {
        return notice_page(&state, page, &n, form, errors.rest().into_iter().next(), status);
    }
    form.errors = place_errors(&mut form.inputs, errors);
    no_store(notice_page(&state, page, &n, form, None, status))
}

// ---------------------------------------------------------------------------------------------
// 异议办理结果查询 (public)

#[derive(Debug)]
struct Outcome {
    receipt: String,
    status: &'static str,
    concerning: String,
    received_at: String,
    findings: Option<String>,
}

#[derive(Template)]
#[template(path = "notices/lookup.html")]
struct LookupPage {
    page: Page,
    inputs: Vec<Input>,
    errors: Vec<String>,
    not_found: Option<String>,
    outcome: Option<Outcome>,
}

fn lookup_inputs(receipt: &str, contact: &str) -> Vec<Input> {
    vec![
        Input::new("receipt", "回执编号", "text", receipt)
            .hint("提出异议时页面显示的编号，例如 YY2024-8M3K2Q7T。")
            .maxlength(20),
        Input::new("contact", "联系方式", "text", contact).hint("提出异议时填写的手机号码或电子邮箱。").maxlength(100),
    ]
}

/// `GET /objections/lookup`: the form.
async fn lookup_form(page: Page) -> Response {
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
async fn lookup(State(state): State<AppState>, post: FormPost) -> Response {
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

// ---------------------------------------------------------------------------------------------
// 基地名录 (public)

#[derive(Debug)]
struct BaseRow {
    number: String,
    name: String,
    kind: String,
    industry: String,
    recognised_on: String,
    status: &'static str,
    revoked: bool,
}

fn base_row(b: &BaseView, words: &Words) -> BaseRow {
    BaseRow {
        number: b.row.number.clone(),
        name: b.row.name.clone(),
        kind: words.name(&b.row.kind),
        industry: words.name(&b.row.industry),
        recognised_on: chinese_day(&b.row.recognised_on),
        status: b.status.label(),
        revoked: b.status == BaseStatus::Revoked,
    }
}

#[derive(Template)]
#[template(path = "notices/registry.html")]
struct RegistryPage {
    page: Page,
    filters: Vec<Input>,
    rows: Vec<BaseRow>,
    filtered: bool,
}

/// `GET /bases?industry=&kind=&year=&status=`: every recognised base; revoked ones say so.
async fn registry(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let words = match Words::load(&state).await {
        Ok(words) => words,
        Err(error) => return error_page(page, error),
    };
    let value = |name: &str| params.get(name).unwrap_or_default().trim().to_owned();
    let (industry, kind, year, status) = (value("industry"), value("kind"), value("year"), value("status"));
    let mut errors = Errors::default();
    if !industry.is_empty() && !words.industries.iter().any(|(id, _)| *id == industry) {
        errors.fields.push(("industry".into(), "请从列表中选择重点产业".into()));
    }
    if !kind.is_empty() && !words.kinds.iter().any(|(id, _)| *id == kind) {
        errors.fields.push(("kind".into(), "请从列表中选择单位类型".into()));
    }
    let year_number = match year.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(y) if skillbase_domain::batch::PROGRAMME_YEARS.contains(&y) => Some(y),
            _ => {
                errors.fields.push(("year".into(), "请填写 2023 年以后的认定年度，例如 2024".into()));
                None
            }
        },
    };
    if !status.is_empty() && BaseStatus::parse(&status).is_none() {
        errors.fields.push(("status".into(), "请从列表中选择状态".into()));
    }
    let any = |label: &str| (String::new(), label.to_owned());
    let mut industries = vec![any("全部产业")];
    industries.extend(words.industries.iter().cloned());
    let mut kinds = vec![any("全部类型")];
    kinds.extend(words.kinds.iter().cloned());
    let mut statuses = vec![any("全部状态")];
    statuses.extend(BaseStatus::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().to_owned())));
    let mut filters = vec![
        Input::new("industry", "重点产业", "select", &industry).select(industries).optional(),
        Input::new("kind", "单位类型", "select", &kind).select(kinds).optional(),
        Input::new("year", "认定年度", "number", &year).optional(),
        Input::new("status", "状态", "select", &status).select(statuses).optional(),
    ];
    let invalid = !errors.fields.is_empty();
    let rows = if invalid {
        Vec::new()
    } else {
        let filter = BaseFilter {
            industry: (!industry.is_empty()).then_some(industry.as_str()),
            kind: (!kind.is_empty()).then_some(kind.as_str()),
            year: year_number,
            status: (!status.is_empty()).then_some(status.as_str()),
            organization_id: None,
        };
        match state.app.registry(&filter).await {
            Ok(found) => found.iter().map(|b| base_row(b, &words)).collect(),
            Err(error) => return error_page(page, error),
        }
    };
    let _ = place_errors(&mut filters, errors);
    let filtered = !(industry.is_empty() && kind.is_empty() && year.is_empty() && status.is_empty());
    let template = RegistryPage { page: page.clone(), filters, rows, filtered };
    respond(if invalid { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 牌匾查验 (public)

#[derive(Template)]
#[template(path = "notices/verify_form.html")]
struct VerifyFormPage {
    page: Page,
    input: Input,
}

fn number_input(value: &str) -> Input {
    Input::new("number", "牌匾编号", "text", value).hint("牌匾上的编号，例如 QPJD-2024-001。").maxlength(20)
}

/// `GET /verify` (and `?number=`, the form sent without script): the form, or on to the answer.
async fn verify_form(page: Page, RawQuery(raw): RawQuery) -> Response {
    let params = crate::query_params(raw.as_deref()).unwrap_or_default();
    let number = params.get("number").unwrap_or_default().trim().to_uppercase();
    if !number.is_empty() {
        if number.len() <= 20 && number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Redirect::to(&format!("/verify/{number}")).into_response();
        }
        let mut input = number_input(&number);
        input.error = Some("牌匾编号由字母、数字和连字符组成，例如 QPJD-2024-001".to_owned());
        input.autofocus = true;
        let template = VerifyFormPage { page: page.clone(), input };
        return respond(StatusCode::BAD_REQUEST, &page, &template);
    }
    let template = VerifyFormPage { page: page.clone(), input: number_input("") };
    respond(StatusCode::OK, &page, &template)
}

/// What a verification shows: nothing personal.
#[derive(Debug)]
struct VerifyView {
    number: String,
    /// 有效 | 整改中 | 已核销 | 未查到, in big words.
    word: &'static str,
    /// `valid` …, for the style.
    code: &'static str,
    sentence: &'static str,
    base: Option<PlaqueFacts>,
}

#[derive(Debug)]
struct PlaqueFacts {
    name: String,
    number: String,
    recognised_on: String,
    status: &'static str,
    signed_text: String,
    signature: String,
    public_key: String,
}

fn plaque_facts(p: &Plaque) -> PlaqueFacts {
    PlaqueFacts {
        name: p.base.row.name.clone(),
        number: p.base.row.number.clone(),
        recognised_on: chinese_date(p.statement.recognised_on),
        status: p.base.status.label(),
        signed_text: p.statement.message(),
        signature: p.signature.clone(),
        public_key: p.public_key.clone(),
    }
}

#[derive(Template)]
#[template(path = "notices/verify.html")]
struct VerifyPage {
    page: Page,
    v: VerifyView,
    input: Input,
}

/// `GET /verify/{number}`: valid, rectifying, revoked or unknown, with the signed statement.
async fn verify(State(state): State<AppState>, page: Page, Path(number): Path<String>) -> Response {
    let (verdict, plaque) = match state.app.verify_plaque(&number).await {
        Ok(found) => found,
        Err(error) => return error_page(page, error),
    };
    let shown: String = number.trim().to_uppercase().chars().take(40).collect();
    let word = match verdict {
        Verdict::Valid => "有效",
        Verdict::Rectifying => "整改中",
        Verdict::Revoked => "已核销",
        Verdict::Unknown => "未查到",
    };
    let v = VerifyView {
        number: shown.clone(),
        word,
        code: crate::api::notices::verdict_code(verdict),
        sentence: verdict.label(),
        base: plaque.as_ref().map(plaque_facts),
    };
    let status = if verdict == Verdict::Unknown { StatusCode::NOT_FOUND } else { StatusCode::OK };
    let template = VerifyPage { page: page.clone(), v, input: number_input(&shown) };
    respond(status, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 公示管理 (bureau)

#[derive(Debug)]
struct PublishForm {
    inputs: Vec<Input>,
    /// Approved lists without a notice yet.
    available: bool,
}

impl PublishForm {
    fn has_errors(&self) -> bool {
        self.inputs.iter().any(|i| i.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "notices/bureau_list.html")]
struct BureauNoticesPage {
    page: Page,
    rows: Vec<NoticeRow>,
    form: Option<PublishForm>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

async fn publish_form(
    state: &AppState,
    who: &Authenticated,
    notices: &[NoticeView],
    proposal: &str,
    publish_on: &str,
) -> Result<PublishForm, AppError> {
    let noticed: Vec<ProposalId> = notices.iter().map(|n| n.row.proposal_id).collect();
    let open: Vec<(String, String)> = state
        .app
        .proposals(who, None)
        .await?
        .into_iter()
        .filter(|p| p.status == ProposalStatus::Approved && !noticed.contains(&p.row.id))
        .map(|p| {
            let proposed = p.lines.iter().filter(|l| l.outcome == skillbase_domain::review::Outcome::Proposed).count();
            (p.row.id.to_string(), format!("{}（拟认定 {proposed} 家）", p.row.batch_title))
        })
        .collect();
    let available = !open.is_empty();
    let mut options = vec![(String::new(), "请选择已审批的认定名单".to_owned())];
    options.extend(open);
    Ok(PublishForm {
        inputs: vec![
            Input::new("proposal_id", "认定名单", "select", proposal).select(options),
            Input::new("publish_on", "公示日期", "date", publish_on)
                .hint("自当日起公示（非工作日则自下一个工作日起），公示期按工作日计算。"),
        ],
        available,
    })
}

async fn bureau_notices_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    typed: Option<(String, String, Errors)>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = "/bureau/notices".to_owned();
    let found = match state.app.notices(Some(who)).await {
        Ok(found) => found,
        Err(error) => return error_page(page, error),
    };
    let mut errors = Vec::new();
    let form = if allowed(who, access::Action::PublishNotice) {
        let today = shanghai_date(state.app.now()).format("%Y-%m-%d").to_string();
        let (proposal, publish_on, refused) = typed.unwrap_or((String::new(), today, Errors::default()));
        match publish_form(state, who, &found, &proposal, &publish_on).await {
            Ok(mut form) => {
                errors = place_errors(&mut form.inputs, refused);
                Some(form)
            }
            Err(error) => return error_page(page, error),
        }
    } else {
        None
    };
    let template =
        BureauNoticesPage { page: page.clone(), rows: found.iter().map(notice_row).collect(), form, notice, errors };
    respond(status, &page, &template)
}

/// `GET /bureau/notices`: every notice with its status, and the publish form for staff.
async fn bureau_notices(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    bureau_notices_page(&state, page, &who, None, notice_of(raw.as_deref()), StatusCode::OK).await
}

/// `POST /bureau/notices` (proposal_id, publish_on): publishes the notice of an approved list.
async fn publish(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let proposal = fields.get("proposal_id").unwrap_or_default().trim().to_owned();
    let publish_on = fields.get("publish_on").unwrap_or_default().trim().to_owned();
    let outcome = match proposal.parse::<ProposalId>() {
        Ok(id) => state.app.publish_notice(&who, id, &publish_on, &meta).await,
        Err(_) => Err(AppError::Fields(vec![skillbase_app::FieldError::new(
            "proposal_id",
            "unknown_proposal",
            "请选择已审批的认定名单",
        )])),
    };
    match outcome {
        Ok(id) => Redirect::to(&format!("/bureau/notices/{id}?done=published")).into_response(),
        Err(AppError::NotFound(_)) => {
            let errors = Errors::field("proposal_id", "认定名单不存在");
            bureau_notices_page(&state, page, &who, Some((proposal, publish_on, errors)), None, StatusCode::BAD_REQUEST)
                .await
        }
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                bureau_notices_page(&state, page, &who, Some((proposal, publish_on, errors)), None, status).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

#[derive(Debug)]
struct ObjectionRow {
    id: String,
    receipt: String,
    concerning: String,
    name: String,
    contact: String,
    organization: String,
    facts: String,
    file: Option<String>,
    received_at: String,
    status: &'static str,
    resolved: bool,
    findings: String,
    may_investigate: bool,
    may_resolve: bool,
    /// The resolve form as typed after a refusal.
    decision: String,
    typed_findings: String,
    decision_error: Option<String>,
    findings_error: Option<String>,
}

#[derive(Debug)]
struct PlaqueLink {
    name: String,
    number: String,
    href: String,
}

#[derive(Template)]
#[template(path = "notices/bureau_notice.html")]
struct BureauNoticePage {
    page: Page,
    doc: NoticeDoc,
    status: &'static str,
    objections: Vec<ObjectionRow>,
    may_close: bool,
    may_conclude: bool,
    /// Why the leader cannot conclude yet (shown to the leader).
    conclude_blocked: Option<&'static str>,
    plaques: Vec<PlaqueLink>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// A refused resolve: which objection, what was typed, the errors.
struct ResolveTyped {
    objection: String,
    decision: String,
    findings: String,
    errors: Errors,
}

async fn bureau_notice_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: &str,
    typed: Option<ResolveTyped>,
    (notice, errors, status): (Option<&'static str>, Vec<String>, StatusCode),
) -> Response {
    page.path = format!("/bureau/notices/{id}");
    let loaded = async {
        let n = state.app.notice(Some(who), id).await?;
        let objections = state.app.objections(who, id).await?;
        Ok::<_, AppError>((n, objections))
    };
    let (n, objections) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let concluded = n.status == NoticeStatus::Concluded;
    let handles = allowed(who, access::Action::HandleObjections) && !concluded;
    let mut errors = errors;
    let mut typed = typed;
    let rows: Vec<ObjectionRow> = objections
        .iter()
        .map(|o: &ObjectionView| {
            let mut row = ObjectionRow {
                id: o.row.id.clone(),
                receipt: o.row.receipt.clone(),
                concerning: o.concerning.clone(),
                name: o.name.clone(),
                contact: o.row.contact_masked.clone(),
                organization: o.row.organization.clone().unwrap_or_default(),
                facts: o.row.facts.clone(),
                file: o.row.attachment.as_ref().map(|(_, _, name)| name.clone()),
                received_at: local_time(o.row.received_at),
                status: o.status.label(),
                resolved: o.status.is_resolved(),
                findings: o.row.findings.clone().unwrap_or_default(),
                may_investigate: handles && o.status == ObjectionStatus::Received,
                may_resolve: handles && !o.status.is_resolved(),
                decision: String::new(),
                typed_findings: String::new(),
                decision_error: None,
                findings_error: None,
            };
            if let Some(t) = typed.as_mut().filter(|t| t.objection == o.row.id) {
                row.decision = t.decision.clone();
                row.typed_findings = t.findings.clone();
                row.decision_error = t.errors.take("decision");
                row.findings_error = t.errors.take("findings");
            }
            row
        })
        .collect();
    if let Some(t) = typed {
        errors.extend(t.errors.rest());
    }
    let unresolved = objections.iter().any(|o| !o.status.is_resolved());
    let stored_open = matches!(NoticeStatus::parse(&n.row.status), Some(NoticeStatus::Scheduled | NoticeStatus::Open));
    let over = n.period.phase(state.app.now()) == Phase::Over;
    let leader = allowed(who, access::Action::ConcludeNotice);
    let conclude_blocked = if !leader || concluded {
        None
    } else if !over {
        Some("公示期满后方可认定。")
    } else if unresolved {
        Some("尚有异议未办结，全部办结后方可认定。")
    } else {
        None
    };
    let plaques = if concluded {
        match state.app.registry(&BaseFilter::default()).await {
            Ok(bases) => bases
                .into_iter()
                .filter(|b| b.row.notice_id == n.row.id)
                .map(|b| PlaqueLink {
                    href: format!("/bureau/bases/{}/plaque", b.row.id),
                    name: b.row.name,
                    number: b.row.number,
                })
                .collect(),
            Err(error) => return error_page(page, error),
        }
    } else {
        Vec::new()
    };
    let template = BureauNoticePage {
        page: page.clone(),
        doc: notice_doc(&n, state.app.now()),
        status: n.status.label(),
        objections: rows,
        may_close: allowed(who, access::Action::PublishNotice) && over && stored_open,
        may_conclude: leader && !concluded && over && !unresolved,
        conclude_blocked,
        plaques,
        notice,
        errors,
    };
    no_store(respond(status, &page, &template))
}

/// `GET /bureau/notices/{id}`: the notice, its objections and what may be done now.
async fn bureau_notice(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    bureau_notice_page(&state, page, &who, &id, None, (notice_of(raw.as_deref()), Vec::new(), StatusCode::OK)).await
}

/// After an action on a notice: its page with `?done=`, or the page with the refusal.
async fn after(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: &str,
    outcome: Result<&'static str, AppError>,
) -> Response {
    match outcome {
        Ok(done) => Redirect::to(&format!("/bureau/notices/{id}?done={done}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                bureau_notice_page(state, page, who, id, None, (None, errors.rest(), status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /bureau/notices/{id}/close`: 结束公示 once its last day has passed.
async fn close(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let outcome = state.app.close_notice(Some(&who), &id, &meta).await.map(|_| "closed");
    after(&state, page, &who, &id, outcome).await
}

/// `POST /bureau/notices/{id}/conclude`: the leader's 认定.
async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let outcome = state.app.conclude_notice(&who, &id, &meta).await.map(|_| "concluded");
    after(&state, page, &who, &id, outcome).await
}

/// Is this objection one of this notice's? (A path naming another notice finds nothing.)
async fn belongs(state: &AppState, who: &Authenticated, id: &str, objection: &str) -> Result<bool, AppError> {
    Ok(state.app.objections(who, id).await?.iter().any(|o| o.row.id == objection))
}

/// `POST /bureau/notices/{id}/objections/{objection}/investigate`: 受理调查.
async fn investigate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, objection)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    let outcome = state.app.decide_objection(&who, &objection, None, "", &meta).await.map(|_| "investigating");
    after(&state, page, &who, &id, outcome).await
}

/// `POST /bureau/notices/{id}/objections/{objection}/resolve` (decision = sustained | dismissed,
/// findings): 办结 with findings.
async fn resolve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, objection)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    let decision = fields.get("decision").unwrap_or_default().to_owned();
    let findings = fields.get("findings").unwrap_or_default().to_owned();
    let sustained = match decision.as_str() {
        "sustained" => Some(true),
        "dismissed" => Some(false),
        _ => None,
    };
    let outcome = match sustained {
        Some(sustained) => state.app.decide_objection(&who, &objection, Some(sustained), &findings, &meta).await,
        None => {
            let mut errors = vec![skillbase_app::FieldError::new("decision", "required", "请选择异议是否成立")];
            if findings.trim().is_empty() {
                errors.push(skillbase_app::FieldError::new("findings", "required", "请填写调查核实情况"));
            }
            Err(AppError::Fields(errors))
        }
    };
    match outcome {
        Ok(_) => Redirect::to(&format!("/bureau/notices/{id}?done=resolved")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors, _)) => {
                let typed = ResolveTyped { objection, decision, findings, errors };
                bureau_notice_page(&state, page, &who, &id, Some(typed), (None, Vec::new(), status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `GET /bureau/notices/{id}/objections/{objection}/file`: the objection's file, always as a
/// download, the user's file name only in an RFC 6266 `filename*`.
async fn objection_file(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, objection)): Path<(String, String)>,
) -> Response {
    match belongs(&state, &who, &id, &objection).await {
        Ok(true) => {}
        Ok(false) => return not_found(page),
        Err(error) => return error_page(page, error),
    }
    match state.app.objection_file(&who, &objection).await {
        Ok((kind, name, bytes)) => {
            let mime =
                skillbase_domain::attachment::FileKind::parse(&kind).map_or("application/octet-stream", |k| k.mime());
            download(bytes, mime, &name)
        }
        Err(error) => error_page(page, error),
    }
}

/// Bytes as a download (`attachment`), never rendered inline.
fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let disposition = format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

// ---------------------------------------------------------------------------------------------
// 牌匾 (bureau and the base's own organisation)

/// The absolute address of the public verification page of `number`: this request's host, over
/// HTTPS when the platform is reached over TLS.
fn verify_url(state: &AppState, headers: &HeaderMap, number: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255)
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/verify/{number}")
}

/// A QR code's dark modules as runs of one row: (x, y, width), in modules, with the quiet zone.
#[derive(Debug)]
struct QrRun {
    x: usize,
    y: usize,
    w: usize,
}

/// The QR code of `text`: its size in modules (with a quiet zone of 4) and its dark runs.
fn qr_runs(text: &str) -> Result<(usize, Vec<QrRun>), AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let mut runs = Vec::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                runs.push(QrRun { x: start + quiet, y: y + quiet, w: x - start });
            } else {
                x += 1;
            }
        }
    }
    Ok((width + 2 * quiet, runs))
}

#[derive(Template)]
#[template(path = "notices/plaque.html")]
struct PlaquePage {
    page: Page,
    id: String,
    issuer: &'static str,
    title: &'static str,
    name: String,
    number: String,
    date: String,
    status: &'static str,
    active: bool,
    url: String,
    qr_size: usize,
    qr: Vec<QrRun>,
    signature: String,
    public_key: String,
}

/// `GET /bureau/bases/{id}/plaque`: the plaque as a printable A4 landscape page.
async fn plaque(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match state.app.plaque(&who, &id).await {
        Ok(p) => p,
        Err(error) => return error_page(page, error),
    };
    let url = verify_url(&state, &headers, &p.base.row.number);
    let (qr_size, qr) = match qr_runs(&url) {
        Ok(qr) => qr,
        Err(error) => return error_page(page, error),
    };
    let template = PlaquePage {
        page: page.clone(),
        id,
        issuer: ISSUER,
        title: PLAQUE_TITLE,
        name: p.base.row.name.clone(),
        number: p.base.row.number.clone(),
        date: chinese_date(p.statement.recognised_on),
        status: p.base.status.label(),
        active: p.base.status == BaseStatus::Active,
        url,
        qr_size,
        qr,
        signature: p.signature.clone(),
        public_key: p.public_key.clone(),
    };
    respond(StatusCode::OK, &page, &template)
}

/// `GET /bureau/bases/{id}/plaque.pdf`: the same plaque as a one-page A4 landscape PDF.
async fn plaque_pdf(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match state.app.plaque(&who, &id).await {
        Ok(p) => p,
        Err(error) => return error_page(page, error),
    };
    let url = verify_url(&state, &headers, &p.base.row.number);
    let (size, runs) = match qr_runs(&url) {
        Ok(qr) => qr,
        Err(error) => return error_page(page, error),
    };
    let sheet = PdfPlaque {
        issuer: ISSUER,
        title: PLAQUE_TITLE,
        name: &p.base.row.name,
        number: &p.base.row.number,
        date: &chinese_date(p.statement.recognised_on),
        url: &url,
        signature: &p.signature,
        qr: (size, &runs),
    };
    let bytes = sheet.render();
    let mut response = download(bytes, "application/pdf", &format!("{}.pdf", p.base.row.number));
    // The file name is the plaque number: plain ASCII.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", p.base.row.number)) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// What the PDF plaque shows.
struct PdfPlaque<'a> {
    issuer: &'a str,
    title: &'a str,
    name: &'a str,
    number: &'a str,
    date: &'a str,
    url: &'a str,
    signature: &'a str,
    qr: (usize, &'a [QrRun]),
}

/// The width of `text` in the Adobe-GB1 font at `size` points: CJK glyphs are square, the
/// proportional Latin ones (CIDs 1–95) are given 500/1000 in `/W`.
fn text_width(text: &str, size: f32) -> f32 {
    let units: f32 = text.chars().map(|c| if c.is_ascii() { 500.0 } else { 1000.0 }).sum();
    units * size / 1000.0
}

/// `text` as a PDF hex string of UCS-2 big-endian code units (the `UniGB-UCS2-H` encoding).
fn ucs2_hex(text: &str) -> String {
    let mut out = String::with_capacity(2 + text.len() * 4);
    out.push('<');
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

impl PdfPlaque<'_> {
    /// One A4 landscape page; Chinese text in the viewer's STSong-Light (Adobe-GB1), not
    /// embedded.
    fn render(&self) -> Vec<u8> {
        use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
        use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

        const W: f32 = 841.89;
        const H: f32 = 595.28;
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let page_id = Ref::new(3);
        let font = Ref::new(4);
        let cid_font = Ref::new(5);
        let descriptor = Ref::new(6);
        let content_id = Ref::new(7);
        let info = Ref::new(8);
        let font_name = Name(b"F1");

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids([page_id]).count(1);
        let mut page = pdf.page(page_id);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, W, H)).contents(content_id);
        page.resources().fonts().pair(font_name, font);
        page.finish();
        pdf.type0_font(font)
            .base_font(Name(b"STSong-Light"))
            .encoding_predefined(Name(b"UniGB-UCS2-H"))
            .descendant_font(cid_font);
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type0)
            .base_font(Name(b"STSong-Light"))
            .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"GB1"), supplement: 2 })
            .font_descriptor(descriptor)
            .default_width(1000.0);
        cid.widths().same(1, 95, 500.0);
        cid.finish();
        pdf.font_descriptor(descriptor)
            .name(Name(b"STSong-Light"))
            .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
            .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
            .italic_angle(0.0)
            .ascent(880.0)
            .descent(-120.0)
            .cap_height(880.0)
            .stem_v(93.0);
        pdf.document_info(info)
            .title(TextStr(&format!("{} {}", self.number, self.name)))
            .subject(TextStr(self.number))
            .author(TextStr(self.issuer))
            .producer(TextStr("skillbase"));

        // Frame and QR code: filled shapes.
        let mut content = Content::new();
        content.set_fill_rgb(0.69, 0.086, 0.11);
        content.rect(28.0, 28.0, W - 56.0, H - 56.0).set_line_width(6.0).set_stroke_rgb(0.69, 0.086, 0.11).stroke();
        content.rect(40.0, 40.0, W - 80.0, H - 80.0).set_line_width(1.5).stroke();
        let (size, runs) = self.qr;
        let module = 110.0 / size as f32;
        let (qx, qy) = (W - 60.0 - 110.0, 70.0);
        content.set_fill_gray(1.0).rect(qx, qy, 110.0, 110.0).fill_nonzero();
        content.set_fill_gray(0.0);
        for run in runs {
            let x = qx + run.x as f32 * module;
            let y = qy + 110.0 - (run.y + 1) as f32 * module;
            content.rect(x, y, run.w as f32 * module, module);
        }
        content.fill_nonzero();
        let mut bytes = content.finish().as_slice().to_vec();

        // Text: hex strings of UCS-2 code units, each line placed on its own.
        let mut text = String::from("\nBT\n");
        let mut line = |s: &str, size: f32, x: Option<f32>, y: f32, rgb: (f32, f32, f32)| {
            // A long name is set smaller so that it stays inside the frame.
            let size = if x.is_none() { size.min((W - 160.0) / text_width(s, 1.0).max(1.0)) } else { size };
            let x = x.unwrap_or((W - text_width(s, size)) / 2.0);
            text.push_str(&format!(
                "{} {} {} rg /F1 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm {} Tj\n",
                rgb.0,
                rgb.1,
                rgb.2,
                ucs2_hex(s)
            ));
        };
        let red = (0.69, 0.086, 0.11);
        let black = (0.0, 0.0, 0.0);
        line(self.issuer, 22.0, None, H - 120.0, black);
        line(self.title, 44.0, None, H - 215.0, red);
        line(self.name, 28.0, None, H - 300.0, black);
        line(&format!("牌匾编号：{}", self.number), 18.0, None, H - 360.0, black);
        line(&format!("认定日期：{}", self.date), 18.0, None, H - 392.0, black);
        line("扫码核验", 10.0, Some(qx + 35.0), qy - 14.0, black);
        line(&format!("核验：{}", self.url), 8.0, Some(60.0), 78.0, black);
        line(&format!("SM2 签名：{}", self.signature), 6.0, Some(60.0), 64.0, black);
        text.push_str("ET\n");
        bytes.extend_from_slice(text.as_bytes());
        pdf.stream(content_id, &bytes);
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_text_as_the_documents_write_them() {
        let date = NaiveDate::from_ymd_opt(2024, 10, 15).expect("date");
        assert_eq!(chinese_date(date), "2024年10月15日");
        assert_eq!(ucs2_hex("青A"), "<9752 0041>".replace(' ', ""));
        assert!((text_width("青A", 10.0) - 15.0).abs() < f32::EPSILON);
    }

    #[test]
    fn a_plaque_pdf_is_one_page_with_its_number() {
        let (size, runs) = qr_runs("http://127.0.0.1:8080/verify/QPJD-2024-001").expect("qr");
        assert!(size > 21 && !runs.is_empty());
        let pdf = PdfPlaque {
            issuer: ISSUER,
            title: PLAQUE_TITLE,
            name: "上海某某科技有限公司",
            number: "QPJD-2024-001",
            date: "2024年10月15日",
            url: "http://127.0.0.1:8080/verify/QPJD-2024-001",
            signature: "ab",
            qr: (size, &runs),
        }
        .render();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/UniGB-UCS2-H") && text.contains("/STSong-Light") && text.contains("(GB1)"));
        assert!(text.contains("QPJD-2024-001"));
        assert_eq!(text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(), 1, "one page");
    }
}
