//! 培训记录: what a recognised base records of its training (PRODUCT.md §4) — projects, classes
//! and their enrolments, trainees, master–apprentice pairs, competitions — and what staff and
//! leaders read of it.
//!
//! Every screen is one [`SectionPage`]: the base's header and tabs, facts, a filter form, one
//! paged table (「共 N 条」, a next-page link by keyset cursor) and the forms of the screen, all
//! drawn by the page kit. Posts answer with a redirect (303, `?done=`) when they succeed and
//! with the same screen, what was typed kept and each error beside its field, when refused.
//! A resident ID number is shown masked everywhere; the full number only on the page that a
//! re-authenticated reveal answers with (never cached).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use skillbase_app::AppError;
use skillbase_app::auth::Authenticated;
use skillbase_app::notices::BaseFilter;
use skillbase_app::roster::{self, Problem, RosterKind};
use skillbase_app::training::{
    ClassFilter, CompetitionFilter, EnrolmentFilter, ImportOutcome, ImportStatus, Page as ListPage, PageRequest,
    PairFilter, TraineeQuery, TrainingOverview,
};
use skillbase_domain::access::Action;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{BaseId, ClassId, CompetitionId, EnrolmentId, PairId, RosterImportId, TraineeId};
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::roles::Role;
use skillbase_domain::training::{
    Category, ClassInput, CompetitionInput, CompetitionLevel, Completion, Criterion, EnrolmentInput, EntryInput,
    Innovation, Level, Mode, Outcome, PairInput, PairOutcome, ProjectInput, Relation, TraineeInput,
};

use super::kit::{
    Control, Errors, Form, Group, Input, SignedInMultipart, SignedInPost, Who, XLSX, download, error_page,
    or_error_page, refusal, stored_file,
};
use super::{Page, respond};
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params, query_params};

mod certification;
mod incentives;
mod records;

use incentives::*;
use records::*;

pub(super) fn routes() -> Vec<Route> {
    use Action::{ReadTraining, RecordTraining};
    let mut table = vec![
        route(Method::GET, "/training", ReadTraining, get(bases)),
        route(Method::GET, "/training/{base}", ReadTraining, get(overview)),
        route(Method::POST, "/training/{base}/projects", RecordTraining, post(create_project)),
        route(Method::GET, "/training/{base}/classes", ReadTraining, get(classes)),
        route(Method::GET, "/training/{base}/classes.xlsx", ReadTraining, get(classes_xlsx)),
        route(Method::GET, "/training/{base}/enrolments.xlsx", ReadTraining, get(enrolments_xlsx)),
        route(Method::POST, "/training/{base}/classes", RecordTraining, post(create_class)),
        route(Method::GET, "/training/{base}/classes/{class}", ReadTraining, get(class)),
        route(Method::POST, "/training/{base}/classes/{class}/enrolments", RecordTraining, post(enrol)),
        route(Method::GET, "/training/{base}/enrolments/{enrolment}", ReadTraining, get(enrolment)),
        route(Method::POST, "/training/{base}/enrolments/{enrolment}", RecordTraining, post(update_enrolment)),
        route(Method::GET, "/training/{base}/trainees", ReadTraining, get(trainees)),
        route(Method::POST, "/training/{base}/trainees", RecordTraining, post(register_trainee)),
        route(Method::POST, "/training/{base}/trainees/search", ReadTraining, post(search_trainees)),
        route(Method::GET, "/training/{base}/trainees.xlsx", ReadTraining, get(trainees_xlsx)),
        route(Method::GET, "/training/{base}/import/{kind}", RecordTraining, get(import_form)),
        route(Method::POST, "/training/{base}/import/{kind}", RecordTraining, post(import)),
        route(Method::GET, "/training/{base}/import/{kind}/template.xlsx", ReadTraining, get(template)),
        route(Method::GET, "/training/{base}/imports/{import}", RecordTraining, get(import_status)),
        route(Method::GET, "/training/{base}/imports/{import}/report.xlsx", RecordTraining, get(import_report)),
        route(Method::GET, "/training/{base}/trainees/{trainee}", ReadTraining, get(trainee)),
        route(Method::POST, "/training/{base}/trainees/{trainee}/reveal", ReadTraining, post(reveal)),
        route(Method::GET, "/training/{base}/apprenticeships", ReadTraining, get(pairs)),
        route(Method::GET, "/training/{base}/apprenticeships.xlsx", ReadTraining, get(pairs_xlsx)),
        route(Method::GET, "/training/{base}/competitions.xlsx", ReadTraining, get(competitions_xlsx)),
        route(Method::POST, "/training/{base}/apprenticeships", RecordTraining, post(create_pair)),
        route(Method::GET, "/training/{base}/apprenticeships/{pair}/agreement", ReadTraining, get(agreement)),
        route(Method::GET, "/training/{base}/competitions", ReadTraining, get(competitions)),
        route(Method::POST, "/training/{base}/competitions", RecordTraining, post(create_competition)),
        route(Method::GET, "/training/{base}/competitions/{competition}", ReadTraining, get(competition)),
        route(Method::POST, "/training/{base}/competitions/{competition}/entries", RecordTraining, post(add_entry)),
        route(Method::GET, "/training/{base}/incentives", ReadTraining, get(incentives)),
        route(Method::GET, "/training/{base}/incentives.xlsx", ReadTraining, get(incentives_xlsx)),
        route(Method::POST, "/training/{base}/incentives/new/{kind}", RecordTraining, post(create_incentive)),
        route(Method::GET, "/training/{base}/incentives/{incentive}/document", ReadTraining, get(incentive_document)),
    ];
    table.extend(certification::routes());
    table
}

// ---------------------------------------------------------------------------------------------
// The screen every section is drawn on

/// The base's header and tabs.
#[derive(Debug)]
pub(super) struct Shell {
    pub(super) base_id: String,
    pub(super) base_name: String,
    pub(super) number: String,
    pub(super) status: &'static str,
    pub(super) revoked: bool,
    pub(super) tabs: &'static [(&'static str, &'static str)],
}

const TABS: &[(&str, &str)] = &[
    ("", "概况与培育项目"),
    ("classes", "培训班"),
    ("trainees", "学员"),
    ("apprenticeships", "高师带徒"),
    ("competitions", "技能竞赛"),
    ("incentives", "激励"),
    ("certification", "等级认定"),
];

impl Shell {
    fn of(overview: &TrainingOverview) -> Shell {
        Shell {
            base_id: overview.base.id.to_string(),
            base_name: overview.base.name.clone(),
            number: overview.base.number.clone(),
            status: overview.base.status.label(),
            revoked: overview.base.status == BaseStatus::Revoked,
            tabs: TABS,
        }
    }
}

/// A cell of a table, perhaps a link.
#[derive(Debug)]
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) href: Option<String>,
}

pub(super) fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), href: None }
}

pub(super) fn link(text: impl Into<String>, href: String) -> Cell {
    Cell { text: text.into(), href: Some(href) }
}

#[derive(Debug)]
pub(super) struct Row {
    pub(super) id: String,
    pub(super) cells: Vec<Cell>,
}

/// One paged table.
#[derive(Debug)]
pub(super) struct Table {
    pub(super) id: &'static str,
    pub(super) caption: &'static str,
    pub(super) empty: &'static str,
    pub(super) headers: Vec<&'static str>,
    pub(super) rows: Vec<Row>,
    pub(super) total: i64,
    pub(super) next: Option<String>,
    pub(super) first: Option<String>,
    pub(super) downloads: Vec<(&'static str, String)>,
}

impl Table {
    /// The table of one page of a list, with the links to the first and next pages (the
    /// query kept, the cursor replaced).
    fn of<T>(
        (id, caption, empty): (&'static str, &'static str, &'static str),
        headers: Vec<&'static str>,
        (list, path, query): (ListPage<T>, &str, &Params),
        row: impl Fn(T) -> Row,
    ) -> Table {
        let path = path.split('?').next().unwrap_or_default();
        let kept: Vec<(String, String)> = query.pairs().into_iter().filter(|(k, _)| k != "after").collect();
        let href = |after: Option<&str>| {
            let mut pairs = kept.clone();
            if let Some(after) = after {
                pairs.push(("after".to_owned(), after.to_owned()));
            }
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
        };
        Table {
            id,
            caption,
            empty,
            headers,
            next: list.next.as_deref().map(|after| href(Some(after))),
            first: query.get("after").map(|_| href(None)),
            total: list.total,
            rows: list.items.into_iter().map(row).collect(),
            downloads: Vec::new(),
        }
    }
}

/// A form of the screen.
#[derive(Debug)]
pub(super) struct FormBlock {
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    pub(super) hint: Option<&'static str>,
    pub(super) action: String,
    pub(super) multipart: bool,
    pub(super) submit: &'static str,
    pub(super) form: Form,
}

#[derive(Template)]
#[template(path = "training/section.html")]
pub(super) struct SectionPage {
    pub(super) page: Page,
    pub(super) shell: Shell,
    pub(super) tab: &'static str,
    pub(super) title: String,
    pub(super) crumbs: Vec<(String, String)>,
    /// The parts of a tab that has several (label, address, current).
    pub(super) subtabs: Vec<(&'static str, String, bool)>,
    pub(super) lead: Option<&'static str>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
    pub(super) facts: Vec<(&'static str, String, &'static str)>,
    pub(super) before: Vec<FormBlock>,
    pub(super) filters: Option<Form>,
    pub(super) table: Option<Table>,
    /// Further tables of the screen, whole (a record's history).
    pub(super) more: Vec<Table>,
    pub(super) after: Vec<FormBlock>,
    /// A job still running: its progress, and the address the page polls.
    pub(super) progress: Option<Progress>,
}

/// How far a queued job has come.
#[derive(Debug)]
pub(super) struct Progress {
    pub(super) done: usize,
    pub(super) total: usize,
    pub(super) poll: String,
}

impl SectionPage {
    /// The page's path without its query (what the filters and pager link to).
    pub(super) fn plain_path(&self) -> &str {
        self.page.path.split('?').next().unwrap_or_default()
    }

    fn new(page: Page, overview: &TrainingOverview, tab: &'static str, title: impl Into<String>) -> SectionPage {
        SectionPage {
            page,
            shell: Shell::of(overview),
            tab,
            title: title.into(),
            crumbs: Vec::new(),
            subtabs: Vec::new(),
            lead: None,
            notice: None,
            errors: Vec::new(),
            facts: Vec::new(),
            before: Vec::new(),
            filters: None,
            table: None,
            more: Vec::new(),
            after: Vec::new(),
            progress: None,
        }
    }
}

/// What a refused post brings back: the fields as posted, the errors.
pub(super) struct Refused {
    pub(super) fields: Params,
    pub(super) errors: Errors,
}

/// The values a form shows: what a refused post brought back, or nothing yet.
pub(super) struct Values<'a>(Option<&'a Params>);

impl Values<'_> {
    pub(super) fn get(&self, name: &str) -> String {
        self.0.and_then(|p| p.get(name)).unwrap_or_default().to_owned()
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0.map(|p| p.all(name)).unwrap_or_default()
    }
}

/// The form `groups` make, with the refused post's errors placed (what no field claims said
/// above the form).
pub(super) fn form(fields: Vec<Input>, refused: Option<Refused>) -> Form {
    let mut form = Form::new(vec![Group { legend: None, fields }]);
    if let Some(Refused { mut errors, .. }) = refused {
        for input in form.fields_mut() {
            input.error = errors.take_under(&input.name.clone());
        }
        form.errors = errors.rest();
        form.focus_first_error();
    }
    form
}

/// The options of a dictionary (code, label).
pub(super) fn options<D: Dictionary>() -> Vec<(String, String)> {
    D::ALL.iter().map(|v| (v.code().to_owned(), v.label().to_owned())).collect()
}

/// A select of a dictionary.
pub(super) fn pick<D: Dictionary>(name: &str, label: &str, value: &str) -> Input {
    Input::select(name, label, options::<D>()).value(value)
}

/// Checkboxes of a dictionary.
pub(super) fn tick<D: Dictionary>(name: &str, label: &str, values: &[String]) -> Input {
    let choices = D::ALL
        .iter()
        .map(|v| super::kit::Choice {
            value: v.code().to_owned(),
            label: v.label().to_owned(),
            selected: values.iter().any(|s| s == v.code()),
        })
        .collect();
    Input::new(name, label, Control::Checks { choices, empty: "" })
}

/// The `?done=` notice of a section.
fn done_notice(query: &Params) -> Option<&'static str> {
    Some(match query.get("done")? {
        "project" => "已登记培育项目。",
        "class" => "已登记培训班。",
        "trainee" => "已登记学员。",
        "enrolled" => "已将学员加入培训班。",
        "enrolment" => "已更新出勤、结业和考核结果。",
        "pair" => "已登记高师带徒。",
        "competition" => "已登记技能竞赛。",
        "entry" => "已登记竞赛成绩。",
        "imported" => "名册已全部导入。",
        "incentive" => "已登记激励记录。",
        "filing" => "已提交等级认定备案申请，请等待人社局审核。",
        "session" => "已创建考评，请录入考生成绩。",
        "result" => "已保存考生成绩。",
        "removed" => "已删除该考生的成绩。",
        "submitted" => "已提交考评结果，请等待人社局审核。",
        "decided" => "已办理。",
        _ => return None,
    })
}

/// The page size a list asks for (`limit`, 1 to 500, 50 by default) and where it starts.
pub(super) fn page_request(query: &Params) -> PageRequest {
    PageRequest {
        after: query.get("after").filter(|a| !a.is_empty()).map(str::to_owned),
        limit: query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(PageRequest::DEFAULT_LIMIT)
            .clamp(1, PageRequest::MAX_LIMIT),
    }
}

fn parse_query(raw: Option<&str>) -> Params {
    query_params(raw).unwrap_or_default()
}

/// A base id from the path; a malformed one is a base that does not exist.
fn base_id(raw: &str) -> Result<BaseId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound("基地不存在"))
}

fn parse_id<T: std::str::FromStr>(raw: &str, missing: &'static str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(missing))
}

/// Answers a record's post: on success to `done`, refused back to the screen.
async fn answer<F, Fut>(
    outcome: Result<(), AppError>,
    (page, done): (Page, String),
    fields: Params,
    again: F,
) -> Response
where
    F: FnOnce(Page, Refused, StatusCode) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    match outcome {
        Ok(()) => Redirect::to(&done).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => again(page, Refused { fields, errors }, status).await,
            Err(error) => error_page(page, error),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// 培训记录: the bases a reader reaches

#[derive(Debug)]
pub(super) struct BaseLine {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) status: &'static str,
}

#[derive(Template)]
#[template(path = "training/bases.html")]
pub(super) struct BasesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<BaseLine>,
    pub(super) bureau: bool,
}

/// `GET /training`: the organisation's own bases (staff and leaders: every base).
async fn bases(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let bureau = who.role != Role::Applicant;
    let filter =
        BaseFilter { organization_id: if bureau { None } else { who.user.organization_id }, ..BaseFilter::default() };
    let found =
        if !bureau && who.user.organization_id.is_none() { Ok(Vec::new()) } else { state.app.registry(&filter).await };
    let found = or_error_page!(found, page);
    let rows = found
        .into_iter()
        .map(|b| BaseLine { id: b.id.to_string(), name: b.name, number: b.number, status: b.status.label() })
        .collect();
    let template = BasesPage { page: page.clone(), rows, bureau };
    respond(StatusCode::OK, &page, &template)
}

/// The overview of a base the reader reaches, or the error page.
async fn open(state: &AppState, who: &Authenticated, raw: &str) -> Result<TrainingOverview, AppError> {
    state.app.training_overview(who, base_id(raw)?).await
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

pub(super) fn xlsx_download(bytes: Result<Vec<u8>, rust_xlsxwriter::XlsxError>, name: &str, page: Page) -> Response {
    match bytes {
        Ok(bytes) => download(bytes, XLSX, name),
        Err(error) => error_page(page, AppError::internal(error)),
    }
}

/// Every row of a list, page after page (an export never stops at a page).
pub(super) async fn every<T, F, Fut>(mut read: F) -> Result<Vec<T>, AppError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<ListPage<T>, AppError>>,
{
    let mut all = Vec::new();
    let mut request = PageRequest::all();
    loop {
        let page = read(request.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => request.after = Some(next),
            None => return Ok(all),
        }
    }
}

/// The trainee of the base with this ID number (the forms that name a person by it).
pub(super) async fn trainee_by_number(
    state: &AppState,
    who: &Authenticated,
    base: BaseId,
    (field, number): (&str, &str),
) -> Result<TraineeId, AppError> {
    let query = TraineeQuery { resident_id: Some(number.to_owned()), ..TraineeQuery::default() };
    let found = state.app.trainees(who, base, &query, &PageRequest::first(1)).await.map_err(|error| match error {
        AppError::Fields(mut errors) => {
            for e in &mut errors {
                e.field = field.to_owned();
            }
            AppError::Fields(errors)
        }
        other => other,
    })?;
    found.items.first().map(|t| t.id).ok_or_else(|| {
        AppError::Fields(vec![skillbase_app::FieldError::new(
            field,
            "unknown_trainee",
            "本基地没有该身份证号码的学员，请先在「学员」中登记",
        )])
    })
}
