//! The bureau's side of applications: calls for applications, the applications received,
//! acceptance (受理), return for supplement (补正), refusal, the eligibility check, and policy
//! versions for the system administrator.
//!
//! Every page works without script: filters are GET forms, actions are form posts carrying the
//! session's CSRF token. A post that succeeds is answered with a redirect (303) to the page it
//! changed, so reloading does not post again; one that is refused is answered with the same page,
//! what was typed kept and each error beside its field (4xx). The texts are Chinese only for now.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::Value;
use skillbase_app::applications::{Attachment, ClauseDecision, ReturnItem, TraceItem};
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::batches::NewBatch;
use skillbase_app::{AppError, FieldError};
use skillbase_domain::access;
use skillbase_domain::application::form::{ApplicationForm, SkillLevel};
use skillbase_domain::application::{Action, Actor, Status, transition};
use skillbase_domain::attachment::FileKind;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::eligibility::{self, Outcome};
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId};
use skillbase_domain::money::Money;
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::roles::Role;

use super::admin::local_time;
use super::kit::{Choice, Control, Input, choices, stored_file};
use super::kit::{Errors, error_page, not_found, refusal};
use super::kit::{SignedInPost, Who};
use super::{Page, allowed, bureau_reader, respond};
use crate::error::PageError;
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

pub(super) fn routes() -> Vec<Route> {
    use skillbase_domain::access::Action::{DecideAcceptance, ManageBatches, ManagePolicies, ReadApplication};
    vec![
        route(Method::GET, "/bureau/batches", ManageBatches, get(batches)),
        route(Method::POST, "/bureau/batches", ManageBatches, post(create_batch)),
        route(Method::POST, "/bureau/batches/{id}/publish", ManageBatches, post(publish_batch)),
        route(Method::POST, "/bureau/batches/{id}/close", ManageBatches, post(close_batch)),
        route(Method::GET, "/bureau/applications", ReadApplication, get(applications)),
        route(Method::GET, "/bureau/applications/{id}", ReadApplication, get(application)),
        route(Method::GET, "/bureau/applications/{id}/revisions", ReadApplication, get(revisions)),
        route(Method::GET, "/bureau/applications/{id}/attachments/{attachment}", ReadApplication, get(download)),
        route(Method::POST, "/bureau/applications/{id}/accept", DecideAcceptance, post(accept)),
        route(Method::POST, "/bureau/applications/{id}/return", DecideAcceptance, post(return_for_supplement)),
        route(Method::POST, "/bureau/applications/{id}/reject", DecideAcceptance, post(reject)),
        route(Method::POST, "/bureau/applications/{id}/eligibility/conclude", DecideAcceptance, post(conclude)),
        route(Method::POST, "/bureau/applications/{id}/eligibility/{clause}", DecideAcceptance, post(decide_clause)),
        route(Method::GET, "/admin/policies", ManagePolicies, get(policies)),
        route(Method::POST, "/admin/policies", ManagePolicies, post(load_policy)),
    ]
}

// ---------------------------------------------------------------------------------------------
// What the pages share

/// Would the life cycle let staff do `action` now?
fn staff_may(status: Status, action: Action) -> bool {
    transition(status, action, Actor::Person(Role::Staff)).is_ok()
}

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(params: &Params) -> Option<&'static str> {
    Some(match params.get("done")? {
        "created" => "已创建申报批次（未发布）。发布后申报单位即可在开放期内申报。",
        "published" => "申报批次已发布。",
        "closed" => "申报批次已截止。",
        "accepted" => "已受理。资格审查表已按政策生成，请逐条确认。申报单位已收到通知。",
        "returned" => "已退回补正。申报单位已收到通知，补正期限见下。",
        "rejected" => "已决定不予受理。申报单位已收到通知。",
        "decided" => "已保存该条款的审查意见。",
        "concluded" => "资格审查已完成，结果见申报状态。申报单位已收到通知。",
        "loaded" => "已载入新的政策版本。",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// 申报批次

#[derive(Debug)]
struct BatchRow {
    id: String,
    title: String,
    year: i64,
    opens_on: String,
    closes_on: String,
    quota: i64,
    policy: String,
    status: &'static str,
    /// Applications received, by status: 「待受理 2、已受理 1」.
    counts: String,
    may_publish: bool,
    may_close: bool,
}

#[derive(Debug)]
struct BatchForm {
    inputs: Vec<Input>,
    policies: Vec<Choice>,
    policy_error: Option<String>,
}

impl BatchForm {
    fn has_errors(&self) -> bool {
        self.policy_error.is_some() || self.inputs.iter().any(|i| i.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "bureau/batches.html")]
struct BatchesPage {
    page: Page,
    rows: Vec<BatchRow>,
    form: BatchForm,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

/// The versions for a select, with a first choice meaning "in force on the opening date".
async fn policy_labels(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    Ok(state
        .app
        .policies()
        .await?
        .into_iter()
        .map(|(row, doc)| {
            let label =
                format!("{}（第 {} 版，{} 起施行）", doc.document_number(), doc.version(), doc.effective_from());
            (row.id, label)
        })
        .collect())
}

fn batch_form(input: &NewBatch, policies: Vec<(String, String)>) -> BatchForm {
    let year = Input::number("year", "年度", (2023, 2100)).value(&input.year);
    let title = Input::text("title", "批次名称")
        .value(&input.title)
        .hint("例如：2024年度技能人才培育实训基地申报")
        .maxlength(100);
    let opens = Input::new("opens_on", "开始日期", Control::Date)
        .value(&input.opens_on)
        .hint("自当日 0 时起接受提交（北京时间）");
    let closes = Input::new("closes_on", "截止日期", Control::Date).value(&input.closes_on).hint("至当日 24 时止");
    let quota = Input::number("quota", "拟认定名额", (1, 100)).value(&input.quota);
    let mut options = vec![(String::new(), "按开始日期自动选择当日生效的版本".to_owned())];
    options.extend(policies);
    BatchForm {
        inputs: vec![year, title, opens, closes, quota],
        policies: choices(options, &input.policy_id),
        policy_error: None,
    }
}

async fn batches_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    form: Option<BatchForm>,
    notice: Option<&'static str>,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let calls = state.app.batches(Some(who)).await?;
        let received = state.app.applications(who, None, None).await?;
        let policies = policy_labels(state).await?;
        Ok::<_, AppError>((calls, received, policies))
    };
    let (calls, received, policies) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let mut counts: HashMap<BatchId, Vec<(Status, usize)>> = HashMap::new();
    for a in &received {
        let per = counts.entry(a.row.batch_id).or_default();
        match per.iter_mut().find(|(s, _)| *s == a.status) {
            Some((_, n)) => *n += 1,
            None => per.push((a.status, 1)),
        }
    }
    let policy_names: HashMap<&str, &str> = policies.iter().map(|(id, label)| (id.as_str(), label.as_str())).collect();
    let rows = calls
        .iter()
        .map(|b| {
            let mut per = counts.remove(&b.row.id).unwrap_or_default();
            per.sort_by_key(|(s, _)| Status::ALL.iter().position(|x| x == s));
            let counts = per.iter().map(|(s, n)| format!("{} {n}", s.staff_label())).collect::<Vec<_>>().join("、");
            BatchRow {
                id: b.row.id.to_string(),
                title: b.row.title.clone(),
                year: b.row.year,
                opens_on: b.row.opens_on.clone(),
                closes_on: b.row.closes_on.clone(),
                quota: b.row.quota,
                policy: policy_names.get(b.row.policy_id.as_str()).map_or(b.row.policy_id.clone(), |l| (*l).to_owned()),
                status: b.status.label(),
                counts: if counts.is_empty() { "—".to_owned() } else { counts },
                may_publish: b.status.publish().is_some(),
                may_close: b.status.close().is_some(),
            }
        })
        .collect();
    let form = form.unwrap_or_else(|| {
        let year = shanghai_date(state.app.now()).format("%Y").to_string();
        batch_form(&NewBatch { year, quota: "10".to_owned(), ..NewBatch::default() }, policies)
    });
    let template = BatchesPage { page: page.clone(), rows, form, notice, errors };
    respond(status, &page, &template)
}

/// `GET /bureau/batches`: the calls and a form to open one.
async fn batches(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    batches_page(&state, page, &who, None, notice, Vec::new(), StatusCode::OK).await
}

/// `POST /bureau/batches` (year, title, opens_on, closes_on, quota, policy_id).
async fn create_batch(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let value = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = NewBatch {
        year: value("year"),
        title: value("title"),
        opens_on: value("opens_on"),
        closes_on: value("closes_on"),
        quota: value("quota"),
        policy_id: value("policy_id"),
    };
    let (status, mut errors) = match state.app.create_batch(&who, &input, &meta).await {
        Ok(_) => return Redirect::to("/bureau/batches?done=created").into_response(),
        Err(error) => match refusal(error) {
            Ok(refused) => refused,
            Err(error) => return error_page(page, error),
        },
    };
    let policies = match policy_labels(&state).await {
        Ok(policies) => policies,
        Err(error) => return error_page(page, error),
    };
    let mut form = batch_form(&input, policies);
    errors.place(&mut form.inputs);
    form.policy_error = errors.take("policy_id");
    let mut page = page;
    page.path = "/bureau/batches".to_owned();
    batches_page(&state, page, &who, Some(form), None, errors.rest(), status).await
}

async fn move_batch(state: AppState, meta: RequestMeta, id: String, post: SignedInPost, publish: bool) -> Response {
    let SignedInPost { mut page, who, .. } = post;
    page.path = "/bureau/batches".to_owned();
    let Ok(id) = id.parse::<BatchId>() else { return not_found(page) };
    let moved = if publish {
        state.app.publish_batch(&who, id, &meta).await
    } else {
        state.app.close_batch(&who, id, &meta).await
    };
    match moved {
        Ok(_) => Redirect::to(if publish { "/bureau/batches?done=published" } else { "/bureau/batches?done=closed" })
            .into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => batches_page(&state, page, &who, None, None, errors.rest(), status).await,
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /bureau/batches/{id}/publish`.
async fn publish_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    move_batch(state, meta, id, post, true).await
}

/// `POST /bureau/batches/{id}/close`: closes an open call before its closing date.
async fn close_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    move_batch(state, meta, id, post, false).await
}

// ---------------------------------------------------------------------------------------------
// 申报受理: the list

#[derive(Debug)]
struct ApplicationRow {
    id: String,
    organization: String,
    uscc: String,
    batch: String,
    status: &'static str,
    waiting: bool,
    submitted_at: String,
    supplement_due_on: Option<String>,
    revisions: i64,
}

#[derive(Template)]
#[template(path = "bureau/applications.html")]
struct ApplicationsPage {
    page: Page,
    batches: Vec<Choice>,
    statuses: Vec<Choice>,
    batch_error: Option<String>,
    status_error: Option<String>,
    rows: Vec<ApplicationRow>,
    filtered: bool,
}

fn waiting(status: Status) -> bool {
    matches!(status, Status::Submitted | Status::Resubmitted)
}

/// `GET /bureau/applications?batch=&status=`: what was submitted, waiting for acceptance first.
async fn applications(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let batch_text = params.get("batch").unwrap_or_default().trim().to_owned();
    let status_text = params.get("status").unwrap_or_default().trim().to_owned();
    let mut batch_error = None;
    let mut status_error = None;
    let batch = match batch_text.as_str() {
        "" => None,
        text => match text.parse::<BatchId>() {
            Ok(id) => Some(id),
            Err(_) => {
                batch_error = Some("请从列表中选择申报批次".to_owned());
                None
            }
        },
    };
    let status = match status_text.as_str() {
        "" => None,
        text => match Status::parse(text).filter(|s| *s != Status::Draft) {
            Some(status) => Some(status),
            None => {
                status_error = Some("请从列表中选择申报状态".to_owned());
                None
            }
        },
    };
    let calls = match state.app.batches(Some(&who)).await {
        Ok(calls) => calls,
        Err(error) => return error_page(page, error),
    };
    if batch.is_some_and(|id| !calls.iter().any(|b| b.row.id == id)) {
        batch_error = Some("申报批次不存在".to_owned());
    }
    let invalid = batch_error.is_some() || status_error.is_some();
    let mut found = if invalid {
        Vec::new()
    } else {
        match state.app.applications(&who, batch, status).await {
            Ok(found) => found,
            Err(error) => return error_page(page, error),
        }
    };
    // Waiting for acceptance first, oldest first (first come, first served); the rest as the
    // store gives them, most recently changed first.
    found.sort_by(|a, b| {
        waiting(b.status).cmp(&waiting(a.status)).then_with(|| {
            if waiting(a.status) { a.row.submitted_at.cmp(&b.row.submitted_at) } else { std::cmp::Ordering::Equal }
        })
    });
    let rows = found
        .iter()
        .map(|a| ApplicationRow {
            id: a.row.id.to_string(),
            organization: a.row.organization_name.clone(),
            uscc: a.row.organization_uscc.clone(),
            batch: a.row.batch_title.clone(),
            status: a.status.staff_label(),
            waiting: waiting(a.status),
            submitted_at: a.row.submitted_at.map(local_time).unwrap_or_default(),
            supplement_due_on: a.row.supplement_due_on.clone().filter(|_| a.status == Status::Returned),
            revisions: a.row.revisions,
        })
        .collect();
    let mut batch_options = vec![(String::new(), "全部批次".to_owned())];
    batch_options.extend(calls.iter().map(|b| (b.row.id.to_string(), b.row.title.clone())));
    let mut status_options = vec![(String::new(), "全部状态".to_owned())];
    status_options.extend(
        Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Draft)
            .map(|s| (s.as_str().to_owned(), s.staff_label().to_owned())),
    );
    let template = ApplicationsPage {
        page: page.clone(),
        batches: choices(batch_options, &batch_text),
        statuses: choices(status_options, &status_text),
        batch_error,
        status_error,
        rows,
        filtered: batch.is_some() || status.is_some(),
    };
    respond(if invalid { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// One application

/// The form's top-level sections, as the return form offers them and the revisions name them.
const SECTIONS: [(&str, &str); 8] = [
    ("profile", "建设主体"),
    ("sites", "实训场地设备"),
    ("team", "师资管理团队"),
    ("rule_documents", "规范管理制度"),
    ("priority_claims", "优先认定"),
    ("projects", "培育项目"),
    ("trainees", "培育对象"),
    ("commitment_letter", "承诺书"),
];

/// The section a field path belongs to (`sites[0].photos` → 实训场地设备).
fn section_of(path: &str) -> Option<&'static str> {
    let top = path.split(['.', '[']).next().unwrap_or(path);
    SECTIONS.iter().find(|(key, _)| *key == top).map(|(_, label)| *label)
}

/// A return item's 材料或栏目 as people read it: a section's name with its path, or the text.
/// A return item as staff read it: 实训场地设备（场地照片）.
fn item_label(item: &ReturnItem) -> String {
    match (section_of(&item.field), item.detail.is_empty()) {
        (Some(label), false) => format!("{label}（{}）", item.detail),
        _ => field_label(&item.field),
    }
}

fn field_label(field: &str) -> String {
    match section_of(field) {
        Some(label) if field.contains(['.', '[']) => format!("{label}（{field}）"),
        Some(label) => label.to_owned(),
        None => field.to_owned(),
    }
}

#[derive(Debug)]
struct Fact {
    label: &'static str,
    value: String,
}

fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    Fact { label, value: value.into() }
}

#[derive(Debug, Clone)]
struct FileLink {
    name: String,
    href: String,
}

#[derive(Debug)]
struct EquipmentView {
    name: String,
    quantity: u32,
    value: String,
}

#[derive(Debug)]
struct SiteView {
    name: String,
    address: String,
    area_m2: u32,
    equipment: Vec<EquipmentView>,
    photos: Vec<FileLink>,
}

#[derive(Debug)]
struct ExpertView {
    name: String,
    title: String,
    qualification: String,
}

#[derive(Debug)]
struct RuleDocumentView {
    kind: String,
    document: Option<FileLink>,
    wall_photo: Option<FileLink>,
}

#[derive(Debug)]
struct ClaimView {
    basis: String,
    description: String,
    certificate: Option<FileLink>,
}

#[derive(Debug)]
struct ProjectView {
    code: String,
    occupation: String,
    levels: String,
    criteria: String,
    annual_capacity: u32,
    description: String,
}

#[derive(Debug)]
struct CompanyView {
    name: String,
    uscc: String,
    relation: &'static str,
}

/// The whole form, read-only, every id turned into the policy's words.
#[derive(Debug)]
struct FormView {
    profile: Vec<Fact>,
    sites: Vec<SiteView>,
    team: Vec<Fact>,
    experts: Vec<ExpertView>,
    rule_documents: Vec<RuleDocumentView>,
    priority_claims: Vec<ClaimView>,
    projects: Vec<ProjectView>,
    trainees: Vec<Fact>,
    supply_chain: Vec<CompanyView>,
    commitment_letter: Option<FileLink>,
}

fn yes_no(value: bool) -> &'static str {
    if value { "是" } else { "否" }
}

fn or_blank(text: &str) -> String {
    if text.trim().is_empty() { "（未填写）".to_owned() } else { text.to_owned() }
}

/// Links to an application's files by id.
struct Files {
    application: String,
    names: HashMap<AttachmentId, String>,
}

impl Files {
    fn new(application: ApplicationId, attachments: &[Attachment]) -> Files {
        Files {
            application: application.to_string(),
            names: attachments.iter().map(|a| (a.id, a.display_name.clone())).collect(),
        }
    }

    fn href(&self, id: AttachmentId) -> String {
        format!("/bureau/applications/{}/attachments/{id}", self.application)
    }

    fn link(&self, id: AttachmentId) -> FileLink {
        let name = self.names.get(&id).cloned().unwrap_or_else(|| "（附件不存在）".to_owned());
        FileLink { name, href: self.href(id) }
    }
}

fn form_view(form: &ApplicationForm, policy: &PolicyDocument, files: &Files) -> FormView {
    let p = &form.profile;
    let industry = policy.industry(&p.industry).map_or_else(|| or_blank(&p.industry), |i| i.name().to_owned());
    FormView {
        profile: vec![
            fact("所属重点产业", industry),
            fact("注册地行政区划代码", or_blank(&p.registered_division)),
            fact("技能人才实训组织实施经验", or_blank(&p.training_experience)),
            fact("愿意为区域技能人才提供实训条件", yes_no(p.open_to_region)),
        ],
        sites: form
            .sites
            .iter()
            .map(|s| SiteView {
                name: or_blank(&s.name),
                address: or_blank(&s.address),
                area_m2: s.area_m2,
                equipment: s
                    .equipment
                    .iter()
                    .map(|e| EquipmentView {
                        name: or_blank(&e.name),
                        quantity: e.quantity,
                        value: e.value.to_string(),
                    })
                    .collect(),
                photos: s.photos.iter().map(|id| files.link(*id)).collect(),
            })
            .collect(),
        team: vec![
            fact("专门负责部门", or_blank(&form.team.department)),
            fact("专职人员", format!("{} 人", form.team.full_time_staff)),
        ],
        experts: form
            .team
            .experts
            .iter()
            .map(|e| ExpertView {
                name: or_blank(&e.name),
                title: e.title.clone(),
                qualification: e.qualification.clone(),
            })
            .collect(),
        rule_documents: form
            .rule_documents
            .iter()
            .map(|d| RuleDocumentView {
                kind: policy.rule_document(&d.kind).map_or_else(|| d.kind.clone(), |k| k.name().to_owned()),
                document: d.document.map(|id| files.link(id)),
                wall_photo: d.wall_photo.map(|id| files.link(id)),
            })
            .collect(),
        priority_claims: form
            .priority_claims
            .iter()
            .map(|c| ClaimView {
                basis: policy.priority_basis(&c.basis).map_or_else(|| c.basis.clone(), |b| b.name().to_owned()),
                description: c.description.clone(),
                certificate: c.certificate.map(|id| files.link(id)),
            })
            .collect(),
        projects: form
            .projects
            .iter()
            .map(|p| ProjectView {
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
            fact("本单位技能岗位从业人员", format!("{} 人", form.trainees.own_staff)),
            fact("院校学生", format!("{} 人", form.trainees.students)),
        ],
        supply_chain: form
            .trainees
            .supply_chain
            .iter()
            .map(|c| CompanyView {
                name: c.name.clone(),
                uscc: c.uscc.as_str().to_owned(),
                relation: c.relation.label(),
            })
            .collect(),
        commitment_letter: form.commitment_letter.map(|id| files.link(id)),
    }
}

#[derive(Debug)]
struct AttachmentRow {
    name: String,
    kind: &'static str,
    size: String,
    uploaded_at: String,
    href: String,
}

fn size_text(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = bytes * 10 / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else if bytes >= 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{bytes} 字节")
    }
}

#[derive(Debug)]
struct ItemView {
    field: String,
    reason: String,
}

#[derive(Debug)]
struct EventRow {
    at: String,
    actor: String,
    action: String,
    to: String,
    note: String,
    items: Vec<ItemView>,
    due_on: Option<String>,
}

/// One timeline event (the store's record, taken apart: its type is the store's).
struct EventParts {
    at: chrono::DateTime<chrono::Utc>,
    by_system: bool,
    actor_name: Option<String>,
    action: String,
    to_status: String,
    note: String,
    detail: String,
}

fn event_row(e: EventParts) -> EventRow {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let items: Vec<ReturnItem> = serde_json::from_value(detail["items"].clone()).unwrap_or_default();
    let action = Action::parse(&e.action);
    EventRow {
        at: local_time(e.at),
        actor: e.actor_name.unwrap_or_else(|| if e.by_system { "系统".to_owned() } else { "—".to_owned() }),
        action: action.map_or(e.action.clone(), |a| a.label().to_owned()),
        to: Status::parse(&e.to_status).map_or(e.to_status.clone(), |s| s.staff_label().to_owned()),
        note: e.note,
        items: items.into_iter().map(|i| ItemView { field: item_label(&i), reason: i.reason }).collect(),
        due_on: detail["due_on"].as_str().map(str::to_owned),
    }
}

/// Staff's answer to one clause, as typed (kept when refused).
#[derive(Debug, Default, Clone)]
struct ClauseInput {
    /// `pass`, `fail` or empty.
    decision: String,
    reason: String,
    error: Option<String>,
    decision_error: Option<String>,
}

#[derive(Debug)]
struct ClauseRow {
    clause: String,
    anchor: String,
    citation: String,
    title: String,
    /// Does the clause decide eligibility (C2.1.P only grants priority)?
    condition: bool,
    computed: &'static str,
    computed_class: &'static str,
    evidence: Vec<String>,
    explanation: String,
    decided: Option<&'static str>,
    decided_reason: String,
    decided_at: String,
    input: ClauseInput,
}

fn clause_row(item: TraceItem, policy: &PolicyDocument, typed: Option<&(String, ClauseInput)>) -> ClauseRow {
    let clause = item.item.clause.clone();
    let computed = outcome(&item.item.computed);
    let decided = item.item.decided.as_deref().map(|d| if d == "pass" { "通过" } else { "不通过" });
    let input = match typed {
        Some((c, input)) if *c == clause => input.clone(),
        _ => ClauseInput {
            // What is on record, else what the rules found (nothing for an open item).
            decision: item.item.decided.clone().unwrap_or_else(|| match computed {
                Some(Outcome::Pass) => "pass".to_owned(),
                Some(Outcome::Fail) => "fail".to_owned(),
                _ => String::new(),
            }),
            ..ClauseInput::default()
        },
    };
    ClauseRow {
        anchor: format!("clause-{}", clause.replace('.', "-")),
        title: policy.clause(&clause).map(|c| c.title().to_owned()).unwrap_or_default(),
        condition: eligibility::is_condition(&clause),
        computed: computed.map_or("", Outcome::label),
        computed_class: match computed {
            Some(Outcome::Pass) => "outcome-pass",
            Some(Outcome::Fail) => "outcome-fail",
            _ => "outcome-confirm",
        },
        citation: item.citation,
        evidence: item.result.evidence,
        explanation: item.result.explanation,
        decided,
        decided_reason: item.item.reason.unwrap_or_default(),
        decided_at: item.item.decided_at.map(local_time).unwrap_or_default(),
        input,
        clause,
    }
}

/// An outcome from its stored spelling.
fn outcome(stored: &str) -> Option<Outcome> {
    [Outcome::Pass, Outcome::Fail, Outcome::Confirm].into_iter().find(|o| o.as_str() == stored)
}

/// How many (材料或栏目, 补正理由) rows the return form offers; empty rows are ignored.
const RETURN_ROWS: usize = 5;

#[derive(Debug, Default, Clone)]
struct ReturnRow {
    index: usize,
    item: String,
    reason: String,
    item_error: Option<String>,
    reason_error: Option<String>,
    sections: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Debug)]
struct ReturnForm {
    rows: Vec<ReturnRow>,
    days: String,
    days_error: Option<String>,
    errors: Vec<String>,
}

impl ReturnForm {
    fn new(days: u32) -> ReturnForm {
        ReturnForm {
            rows: (0..RETURN_ROWS).map(|i| return_row(i, "", "", "")).collect(),
            days: days.to_string(),
            days_error: None,
            errors: Vec::new(),
        }
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || self.days_error.is_some()
            || self.rows.iter().any(|r| r.item_error.is_some() || r.reason_error.is_some())
    }
}

fn return_row(index: usize, section: &str, item: &str, reason: &str) -> ReturnRow {
    ReturnRow {
        index,
        item: item.to_owned(),
        reason: reason.to_owned(),
        item_error: None,
        reason_error: None,
        sections: SECTIONS.iter().map(|(key, label)| (*key, *label, *key == section)).collect(),
    }
}

#[derive(Debug, Default)]
struct RejectForm {
    reason: String,
    error: Option<String>,
}

/// An action offered on the page: its form, and whether the applicant will be notified
/// (PRODUCT.md §9 item 9: staff see it before they act).
#[derive(Debug)]
struct ActionBlock<T> {
    form: T,
    notifies: bool,
}

impl<T> ActionBlock<T> {
    fn new(form: T, action: Action) -> ActionBlock<T> {
        ActionBlock { form, notifies: action.notifies_applicant() }
    }
}

/// What a refused post brings back to the page.
#[derive(Debug, Default)]
struct Typed {
    return_form: Option<ReturnForm>,
    reject: Option<RejectForm>,
    clause: Option<(String, ClauseInput)>,
    /// Refusals of an action with no field (a state that moved on, an undecided clause).
    errors: Vec<String>,
    conclude_error: Option<String>,
}

#[derive(Template)]
#[template(path = "bureau/application.html")]
struct ApplicationPage {
    page: Page,
    id: String,
    overview: Vec<Fact>,
    status: &'static str,
    supplement_due_on: Option<String>,
    notice: Option<&'static str>,
    errors: Vec<String>,
    form: FormView,
    attachments: Vec<AttachmentRow>,
    events: Vec<EventRow>,
    clauses: Vec<ClauseRow>,
    /// The actions the life cycle allows staff now, each saying whether the applicant is told.
    accept: Option<ActionBlock<()>>,
    return_form: Option<ActionBlock<ReturnForm>>,
    reject: Option<ActionBlock<RejectForm>>,
    /// The eligibility forms are open (accepted, and the viewer is staff).
    deciding: bool,
    conclude_notifies: bool,
    conclude_error: Option<String>,
    revisions: i64,
}

impl ApplicationPage {
    fn any_action(&self) -> bool {
        self.accept.is_some() || self.return_form.is_some() || self.reject.is_some()
    }
}

async fn application_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: ApplicationId,
    typed: Typed,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = format!("/bureau/applications/{id}");
    let loaded = async {
        let a = state.app.application(who, id).await?;
        let attachments = state.app.attachments(who, id).await?;
        let events = state.app.timeline(who, id).await?;
        let trace = state.app.eligibility_trace(who, id).await?;
        let policy = state.app.policy_for(&a.row).await?;
        Ok::<_, AppError>((a, attachments, events, trace, policy))
    };
    let (a, attachments, events, trace, policy) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let files = Files::new(id, &attachments);
    let r = &a.row;
    let kind = policy.kind(&r.organization_kind).map_or_else(|| r.organization_kind.clone(), |k| k.name().to_owned());
    let overview = vec![
        fact("申报单位", r.organization_name.clone()),
        fact("统一社会信用代码", r.organization_uscc.clone()),
        fact("单位类型", kind),
        fact("申报批次", r.batch_title.clone()),
        fact("提交时间", r.submitted_at.map(local_time).unwrap_or_default()),
        fact("适用政策", format!("{}（第 {} 版）", policy.document_number(), policy.version())),
    ];
    let staff = allowed(who, access::Action::DecideAcceptance);
    let can = |action: Action| staff && staff_may(a.status, action);
    let Typed { return_form, reject, clause, errors, conclude_error } = typed;
    let return_form = can(Action::Return).then(|| {
        let form = return_form.unwrap_or_else(|| ReturnForm::new(policy.supplement_working_days()));
        ActionBlock::new(form, Action::Return)
    });
    let reject =
        can(Action::RefuseAcceptance).then(|| ActionBlock::new(reject.unwrap_or_default(), Action::RefuseAcceptance));
    let template = ApplicationPage {
        page: page.clone(),
        id: id.to_string(),
        overview,
        status: a.status.staff_label(),
        supplement_due_on: r.supplement_due_on.clone().filter(|_| a.status == Status::Returned),
        notice,
        errors,
        form: form_view(&a.form, &policy, &files),
        attachments: attachments
            .iter()
            .map(|f| AttachmentRow {
                name: f.display_name.clone(),
                kind: FileKind::parse(&f.kind).map_or("", FileKind::label),
                size: size_text(f.size),
                uploaded_at: local_time(f.uploaded_at),
                href: files.href(f.id),
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| {
                event_row(EventParts {
                    at: e.at,
                    by_system: e.actor_id.is_none(),
                    actor_name: e.actor_name,
                    action: e.action,
                    to_status: e.to_status,
                    note: e.note,
                    detail: e.detail,
                })
            })
            .collect(),
        clauses: trace.into_iter().map(|item| clause_row(item, &policy, clause.as_ref())).collect(),
        accept: can(Action::Accept).then(|| ActionBlock::new((), Action::Accept)),
        return_form,
        reject,
        deciding: can(Action::ConfirmEligible),
        conclude_notifies: Action::ConfirmEligible.notifies_applicant(),
        conclude_error,
        revisions: r.revisions,
    };
    respond(status, &page, &template)
}

/// `GET /bureau/applications/{id}`: the application, its files, its timeline, the eligibility
/// table, and what staff may do now.
async fn application(
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
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    application_page(&state, page, &who, id, Typed::default(), notice, StatusCode::OK).await
}

/// After a successful action: back to the application (303), saying what was done.
fn done(id: ApplicationId, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/bureau/applications/{id}?done={what}{anchor}")).into_response()
}

/// Answers a refused action with the page, or an error page for what the page cannot say.
async fn refused(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    id: ApplicationId,
    error: AppError,
    fill: impl FnOnce(&mut Errors) -> Typed,
) -> Response {
    match refusal(error) {
        Ok((status, mut errors)) => {
            let mut typed = fill(&mut errors);
            typed.errors.extend(errors.rest());
            application_page(state, page, who, id, typed, None, status).await
        }
        Err(error) => error_page(page, error),
    }
}

/// `POST /bureau/applications/{id}/accept`: 受理; the eligibility rules then run.
async fn accept(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    match state.app.accept_application(&who, id, &meta).await {
        Ok(_) => done(id, "accepted", "#eligibility"),
        Err(error) => refused(&state, page, &who, id, error, |_| Typed::default()).await,
    }
}

/// `POST /bureau/applications/{id}/return`: rows `section_N`, `item_N`, `reason_N` and `days`.
async fn return_for_supplement(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let mut rows = Vec::new();
    let mut items = Vec::new();
    // The row each sent item came from, to put the use case's `items[k]` errors back beside it.
    let mut sent = Vec::new();
    for i in 0..RETURN_ROWS {
        let get = |name: &str| fields.get(&format!("{name}_{i}")).unwrap_or_default().trim().to_owned();
        let (section, item, reason) = (get("section"), get("item"), get("reason"));
        let mut row = return_row(i, &section, &item, &reason);
        if !(section.is_empty() && item.is_empty() && reason.is_empty()) {
            let label = SECTIONS.iter().find(|(key, _)| *key == section).map(|(_, label)| *label);
            if label.is_none() && !section.is_empty() {
                row.item_error = Some("请从列表中选择栏目".to_owned());
            }
            // A chosen section is stored as its key (the applicant's page links to that step), the
            // material within it as the detail; free text alone is the field itself.
            let (field, detail) = match label {
                Some(_) => (section.clone(), item.clone()),
                None => (item.clone(), String::new()),
            };
            sent.push(i);
            items.push(ReturnItem { field, reason, detail });
        }
        rows.push(row);
    }
    let days_text = fields.get("days").unwrap_or_default().trim().to_owned();
    // Not a whole number: the use case's range check says what is expected.
    let days = if days_text.is_empty() { None } else { Some(days_text.parse::<u32>().unwrap_or(0)) };
    let mut form = ReturnForm { rows, days: days_text, days_error: None, errors: Vec::new() };
    let local = form.has_errors();
    let outcome = if local {
        Err(AppError::Fields(Vec::new()))
    } else {
        state.app.return_application(&who, id, &items, days, &meta).await.map(|_| ())
    };
    match outcome {
        Ok(()) => done(id, "returned", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, move |errors| {
                for (k, row) in sent.iter().enumerate() {
                    let row = &mut form.rows[*row];
                    if let Some(e) = errors.take(&format!("items[{k}].field")) {
                        row.item_error.get_or_insert(e);
                    }
                    if let Some(e) = errors.take(&format!("items[{k}].reason")) {
                        row.reason_error.get_or_insert(e);
                    }
                }
                form.days_error = errors.take("days");
                form.errors.extend(errors.take("items"));
                Typed { return_form: Some(form), ..Typed::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/reject` (reason): 不予受理.
async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    match state.app.refuse_application(&who, id, &reason, &meta).await {
        Ok(_) => done(id, "rejected", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let error = errors.take("reason");
                Typed { reject: Some(RejectForm { reason, error }), ..Typed::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/eligibility/{clause}` (decision = pass | fail, reason).
async fn decide_clause(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, clause)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let decision = fields.get("decision").unwrap_or_default().to_owned();
    let reason = fields.get("reason").unwrap_or_default().to_owned();
    let anchor = format!("#clause-{}", clause.replace('.', "-"));
    let pass = match decision.as_str() {
        "pass" => Some(true),
        "fail" => Some(false),
        _ => None,
    };
    let outcome = match pass {
        Some(pass) => {
            let decision = ClauseDecision { clause: clause.clone(), pass, reason: reason.clone() };
            state.app.decide_clause(&who, id, &decision, &meta).await
        }
        None => Err(AppError::Fields(vec![FieldError::new("decision", "required", "请选择通过或不通过")])),
    };
    match outcome {
        Ok(()) => done(id, "decided", &anchor),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let input = ClauseInput {
                    decision,
                    reason,
                    error: errors.take("reason"),
                    decision_error: errors.take("decision"),
                };
                Typed { clause: Some((clause, input)), ..Typed::default() }
            })
            .await
        }
    }
}

/// `POST /bureau/applications/{id}/eligibility/conclude`: 完成资格审查.
async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    match state.app.conclude_eligibility(&who, id, &meta).await {
        Ok(_) => done(id, "concluded", ""),
        Err(error) => {
            refused(&state, page, &who, id, error, |errors| {
                let mut all = std::mem::take(errors).rest();
                let conclude_error = (!all.is_empty()).then(|| all.remove(0));
                Typed { conclude_error, errors: all, ..Typed::default() }
            })
            .await
        }
    }
}

/// `GET /bureau/applications/{id}/attachments/{attachment}`: a file of the application, always
/// as a download.
async fn download(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let (Ok(id), Ok(attachment)) = (id.parse::<ApplicationId>(), attachment.parse::<AttachmentId>()) else {
        return not_found(page);
    };
    match state.app.attachment_content(&who, attachment).await {
        Ok((row, bytes)) if row.application_id == id => stored_file(&row.kind, &row.display_name, bytes),
        Ok(_) => not_found(page),
        Err(error) => error_page(page, error),
    }
}

// ---------------------------------------------------------------------------------------------
// 修订记录

#[derive(Debug)]
struct ValueView {
    text: String,
    href: Option<String>,
}

#[derive(Debug)]
struct ChangeRow {
    section: &'static str,
    field: String,
    before: ValueView,
    after: ValueView,
}

#[derive(Debug)]
struct RevisionView {
    number: i64,
    submitted_at: String,
    changes: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "bureau/revisions.html")]
struct RevisionsPage {
    page: Page,
    id: String,
    organization: String,
    revisions: Vec<RevisionView>,
}

/// A value of the form's JSON as people read it: files by name, money in 元, levels by name.
fn value_view(field: &str, value: &Value, files: &Files) -> ValueView {
    let text = match value {
        Value::Null => "（空）".to_owned(),
        Value::Bool(b) => yes_no(*b).to_owned(),
        Value::Number(n) if field.ends_with(".value") => {
            n.as_i64().map_or(n.to_string(), |f| Money::from_fen(f).to_string())
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if let Ok(id) = s.parse::<AttachmentId>() {
                let link = files.link(id);
                return ValueView { text: link.name, href: Some(link.href) };
            }
            match SkillLevel::parse(s) {
                Some(level) if field.contains(".levels[") => level.label().to_owned(),
                _ if s.is_empty() => "（空）".to_owned(),
                _ => s.clone(),
            }
        }
        other => other.to_string(),
    };
    ValueView { text, href: None }
}

/// `GET /bureau/applications/{id}/revisions`: each submitted revision and what changed from the
/// one before.
async fn revisions(State(state): State<AppState>, page: Page, Who(who): Who, Path(id): Path<String>) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let Ok(id) = id.parse::<ApplicationId>() else { return not_found(page) };
    let loaded = async {
        let a = state.app.application(&who, id).await?;
        let all = state.app.revisions(&who, id).await?;
        let attachments = state.app.attachments(&who, id).await?;
        Ok::<_, AppError>((a, all, attachments))
    };
    let (a, all, attachments) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let files = Files::new(id, &attachments);
    let mut views = Vec::new();
    let mut previous: Option<&ApplicationForm> = None;
    for (row, form) in &all {
        let changes = previous
            .map(|p| p.changes_to(form))
            .unwrap_or_default()
            .into_iter()
            .map(|c| ChangeRow {
                section: section_of(&c.field).unwrap_or(""),
                before: value_view(&c.field, &c.before, &files),
                after: value_view(&c.field, &c.after, &files),
                field: c.field,
            })
            .collect();
        views.push(RevisionView { number: row.number, submitted_at: local_time(row.submitted_at), changes });
        previous = Some(form);
    }
    // Newest first: what staff compare is usually the last resubmission.
    views.reverse();
    let template = RevisionsPage {
        page: page.clone(),
        id: id.to_string(),
        organization: a.row.organization_name,
        revisions: views,
    };
    respond(StatusCode::OK, &page, &template)
}

// ---------------------------------------------------------------------------------------------
// 政策版本

#[derive(Debug)]
struct PolicyRow {
    id: String,
    title: String,
    document_number: String,
    effective_from: String,
    fingerprint: String,
    loaded_by: String,
    loaded_at: String,
}

#[derive(Template)]
#[template(path = "bureau/policies.html")]
struct PoliciesPage {
    page: Page,
    rows: Vec<PolicyRow>,
    source: String,
    error: Option<String>,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

async fn policies_page(
    state: &AppState,
    mut page: Page,
    source: String,
    mut errors: Errors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    page.path = "/admin/policies".to_owned();
    let loaded = async { Ok::<_, AppError>((state.app.policies().await?, state.app.accounts().await?)) };
    let (versions, users) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, error),
    };
    let names: HashMap<String, String> =
        users.into_iter().map(|u| (u.id.to_string(), format!("{}（{}）", u.display_name, u.username))).collect();
    let rows = versions
        .into_iter()
        .rev()
        .map(|(row, doc)| PolicyRow {
            title: doc.title().to_owned(),
            document_number: doc.document_number().to_owned(),
            effective_from: row.effective_from,
            fingerprint: row.fingerprint,
            loaded_by: match row.loaded_by {
                None => "随系统内置".to_owned(),
                Some(id) => names.get(&id).cloned().unwrap_or(id),
            },
            loaded_at: local_time(row.loaded_at),
            id: row.id,
        })
        .collect();
    let error = errors.take("file").or_else(|| errors.take("source"));
    let template = PoliciesPage { page: page.clone(), rows, source, error, errors: errors.rest(), notice };
    respond(status, &page, &template)
}

/// `GET /admin/policies`: the stored versions and a form to load a new one.
async fn policies(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    policies_page(&state, page, String::new(), Errors::default(), notice, StatusCode::OK).await
}

/// `POST /admin/policies` (source: the TOML text). A malformed file is refused with its line
/// and the reason, and the text stays in the box.
async fn load_policy(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    // Browsers send line breaks in a textarea as CRLF; the file is kept as written.
    let source = fields.get("source").unwrap_or_default().replace("\r\n", "\n");
    let outcome = if source.trim().is_empty() {
        Err(AppError::Fields(vec![FieldError::new("source", "required", "请粘贴政策文件（TOML）的全文")]))
    } else {
        state.app.load_policy(Some(&who), &source, &meta).await
    };
    match outcome {
        Ok(_) => Redirect::to("/admin/policies?done=loaded").into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => policies_page(&state, page, source, errors, None, status).await,
            Err(error) => error_page(page, error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_items_read_as_sections() {
        assert_eq!(field_label("sites"), "实训场地设备");
        assert_eq!(field_label("sites[0].photos"), "实训场地设备（sites[0].photos）");
        assert_eq!(field_label("实训场地设备（场地照片）"), "实训场地设备（场地照片）");
        assert_eq!(field_label("营业执照复印件"), "营业执照复印件");
        assert_eq!(section_of("team.experts[1].name"), Some("师资管理团队"));
        assert_eq!(section_of("status"), None);
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(33), "33 字节");
        assert_eq!(size_text(2048), "2 KB");
        assert_eq!(size_text(3 * 1024 * 1024 + 200 * 1024), "3.1 MB");
    }
}
