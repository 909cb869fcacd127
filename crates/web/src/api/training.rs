//! A recognised base's training records: `/api/v1/bases/{id}/training` (the overview),
//! `/projects`, `/classes`, `/trainees` (+ `/reveal`), `/enrolments`, `/apprenticeships` (+ the
//! agreement) and `/competitions` (+ `/entries`).
//!
//! The base's own organisation records (while the base is not revoked); staff and leaders read.
//! Another organisation's base, and any record not of this base, is "not found".
//!
//! Every list is a page: `after` (the cursor a page answered as `next`) and `limit` (default 50,
//! at most 500); the answer is `{items, total, next}`, with a `Link: <…>; rel="next"` header
//! when there is a following page. Dictionary values are their codes, dates `YYYY-MM-DD`. A
//! trainee's resident ID number and phone are only ever shown masked; the full number is
//! answered by `POST …/reveal` alone, after a recent re-authentication, and audited.

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use skillbase_app::roster::{self, RosterKind};
use skillbase_app::training::{
    ClassFilter, ClassRecord, CompetitionFilter, CompetitionRecord, EnrolmentFilter, EnrolmentRecord, EntryRecord,
    ImportOutcome, PageRequest, PairFilter, PairRecord, ProjectRecord, TraineeQuery, TraineeRecord, TrainingOverview,
};
use skillbase_domain::access::Action;
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::clock::shanghai;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{BaseId, ClassId, CompetitionId, EnrolmentId, PairId, TraineeId};
use skillbase_domain::occupation::OccupationCode;
use skillbase_domain::training::{
    Category, ClassInput, CompetitionInput, CompetitionLevel, Completion, Criterion, EnrolmentInput, EntryInput,
    Innovation, Level, Mode, Outcome, PairInput, PairOutcome, ProjectInput, Relation, TraineeInput,
};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldProblem};
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};
use crate::{AppState, Params};

use super::applications::idempotent;
pub(super) use super::paging::{PageQuery, page_request, paged};

// ---------------------------------------------------------------- helpers

/// A path id; one that cannot be an id names nothing (404).
pub(super) fn id<T: std::str::FromStr>(text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

pub(super) fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&shanghai()).to_rfc3339()
}

/// A query parameter, trimmed; absent when empty.
pub(super) fn text(params: &Params, name: &str) -> Option<String> {
    params.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A dictionary value given by its code; an unknown code is a field problem.
pub(super) fn choice<D: Dictionary>(params: &Params, name: &str, errors: &mut Vec<FieldProblem>) -> Option<D> {
    let code = text(params, name)?;
    let found = D::parse(&code);
    if found.is_none() {
        errors.push(FieldProblem::new(name, D::UNKNOWN, &format!("{name} 的取值不在字典中")));
    }
    found
}

/// A record id given as a filter; one that cannot be an id is a field problem.
fn filter_id<T: std::str::FromStr>(params: &Params, name: &str, errors: &mut Vec<FieldProblem>) -> Option<T> {
    let text = text(params, name)?;
    let found = text.parse().ok();
    if found.is_none() {
        errors.push(FieldProblem::new(name, "invalid_id", &format!("{name} 不是有效的记录编号")));
    }
    found
}

pub(super) fn checked<T>(value: T, errors: Vec<FieldProblem>) -> Result<T, ApiError> {
    if errors.is_empty() { Ok(value) } else { Err(ApiError::fields(errors)) }
}

macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// How many match, over all pages.
            pub total: i64,
            /// Pass as `after` for the next page; null on the last page.
            pub next: Option<String>,
        }

        impl $name {
            fn json(items: Vec<$item>, total: i64, next: Option<String>) -> serde_json::Value {
                serde_json::to_value($name { items, total, next }).unwrap_or_default()
            }
        }
    };
}
pub(super) use page_of;

/// Runs a create once per `Idempotency-Key` (see `POST /api/v1/applications`), answering 201.
pub(super) async fn create<F, Fut, O>(
    state: &AppState,
    who: &skillbase_app::auth::Authenticated,
    headers: &HeaderMap,
    fingerprint: String,
    run: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<O, ApiError>>,
    O: Serialize,
{
    idempotent(state, who, headers, &fingerprint, || async {
        let created = run().await?;
        Ok((StatusCode::CREATED, serde_json::to_value(created).unwrap_or_default()))
    })
    .await
}

/// A JSON body of a create, read after the idempotency check.
pub(super) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("请求体字段不正确：{e}")))
}

// ---------------------------------------------------------------- the overview and projects

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: String,
    /// The occupation code (国家职业分类大典), e.g. `6-18-02-04`.
    #[schema(value_type = String)]
    pub occupation: OccupationCode,
    pub occupation_name: String,
    /// Skill level codes (`5` … `1`).
    #[schema(value_type = Vec<String>)]
    pub levels: Vec<Level>,
    /// key_industry | large_demand | traditional_skill | stable_employment.
    #[schema(value_type = Vec<String>)]
    pub criteria: Vec<Criterion>,
    pub description: Option<String>,
    pub created_at: String,
}

fn project_out(p: &ProjectRecord) -> ProjectOut {
    ProjectOut {
        id: p.id.to_string(),
        occupation: p.project.occupation,
        occupation_name: p.project.occupation.name().to_owned(),
        levels: p.project.levels.clone(),
        criteria: p.project.criteria.clone(),
        description: p.project.description.clone(),
        created_at: local(p.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountsOut {
    pub projects: i64,
    pub classes: i64,
    pub trainees: i64,
    pub enrolments: i64,
    /// Enrolments completed (结业).
    pub completed: i64,
    pub apprenticeships: i64,
    pub competitions: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingOut {
    pub base_id: String,
    pub base_name: String,
    pub number: String,
    /// active | rectifying | revoked.
    pub base_status: String,
    pub counts: CountsOut,
    pub projects: Vec<ProjectOut>,
    /// May the reader record (the base's own organisation, while the base is not revoked)?
    pub may_record: bool,
}

fn overview_out(o: &TrainingOverview) -> TrainingOut {
    TrainingOut {
        base_id: o.base.id.to_string(),
        base_name: o.base.name.clone(),
        number: o.base.number.clone(),
        base_status: o.base.status.as_str().to_owned(),
        counts: CountsOut {
            projects: o.counts.projects,
            classes: o.counts.classes,
            trainees: o.counts.trainees,
            enrolments: o.counts.enrolments,
            completed: o.counts.completed,
            apprenticeships: o.counts.pairs,
            competitions: o.counts.competitions,
        },
        projects: o.projects.iter().map(project_out).collect(),
        may_record: o.may_record,
    }
}

/// A base's training at a glance: counts, projects, and whether the reader may record.
#[utoipa::path(get, path = "/api/v1/bases/{id}/training", tag = "training", params(("id" = String, Path)), responses((status = 200, body = TrainingOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn overview(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
) -> Result<Json<TrainingOut>, ApiError> {
    Ok(Json(overview_out(&state.app.training_overview(&who, id(&base)?).await?)))
}

/// The base's training projects, newest first (a base has a handful: not paged).
#[utoipa::path(get, path = "/api/v1/bases/{id}/projects", tag = "training", params(("id" = String, Path)), responses((status = 200, body = Vec<ProjectOut>), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn projects(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
) -> Result<Json<Vec<ProjectOut>>, ApiError> {
    Ok(Json(state.app.projects(&who, id(&base)?).await?.iter().map(project_out).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProjectBody {
    #[serde(default)]
    pub occupation: String,
    /// Skill level codes (`5` … `1`), at least one.
    #[serde(default)]
    pub levels: Vec<String>,
    /// The C2.2 criteria met, at least one.
    #[serde(default)]
    pub criteria: Vec<String>,
    #[serde(default)]
    pub description: String,
}

/// Record a training project (the base's own organisation). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/projects", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewProjectBody, responses((status = 201, body = ProjectOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_project(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/projects {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewProjectBody = body(&bytes)?;
        let input = ProjectInput {
            occupation: b.occupation,
            levels: b.levels,
            criteria: b.criteria,
            description: b.description,
        };
        let created = state.app.create_project(&who, base, &input, &meta).await?;
        let projects = state.app.projects(&who, base).await?;
        projects.iter().find(|p| p.id == created).map(project_out).ok_or_else(ApiError::not_found)
    })
    .await
}

// ---------------------------------------------------------------- classes

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassOut {
    pub id: String,
    pub project_id: String,
    /// The project's occupation code.
    #[schema(value_type = String)]
    pub occupation: OccupationCode,
    pub name: String,
    /// self_run | joint_college | master_apprentice | competition | targeted.
    #[schema(value_type = String)]
    pub mode: Mode,
    pub college: Option<String>,
    /// The key employment group of a targeted class (a trainee category code).
    #[schema(value_type = Option<String>)]
    pub target_group: Option<Category>,
    /// YYYY-MM-DD.
    pub starts_on: String,
    pub ends_on: String,
    pub hours: u32,
    pub place: String,
    pub teachers: String,
    /// technology | process | equipment | material.
    #[schema(value_type = Vec<String>)]
    pub innovations: Vec<Innovation>,
    /// How many trainees are enrolled.
    pub enrolled: i64,
    pub created_at: String,
}

fn class_out(k: &ClassRecord) -> ClassOut {
    ClassOut {
        id: k.id.to_string(),
        project_id: k.project_id.to_string(),
        occupation: k.occupation,
        name: k.class.name.clone(),
        mode: k.class.mode,
        college: k.class.college.clone(),
        target_group: k.class.target_group,
        starts_on: day(k.class.starts_on),
        ends_on: day(k.class.ends_on),
        hours: k.class.hours,
        place: k.class.place.clone(),
        teachers: k.class.teachers.clone(),
        innovations: k.class.innovations.clone(),
        enrolled: k.enrolled,
        created_at: local(k.created_at),
    }
}

page_of!(ClassPage, ClassOut);

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct ClassQuery {
    /// A project id.
    project: Option<String>,
    /// A mode code.
    mode: Option<String>,
    /// Part of the class's name.
    name: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct PairQuery {
    /// An outcome code (ongoing | completed | ended).
    outcome: Option<String>,
    /// Part of the master's name.
    master: Option<String>,
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct CompetitionQuery {
    /// A level code (base | district | municipal | national | world_skills).
    level: Option<String>,
    /// Part of the competition's name.
    name: Option<String>,
}

/// The base's classes, newest first; by project, mode or part of the name.
#[utoipa::path(get, path = "/api/v1/bases/{id}/classes", tag = "training", params(("id" = String, Path), ClassQuery, PageQuery), responses((status = 200, body = ClassPage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn classes(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = ClassFilter {
        project: filter_id(&params, "project", &mut errors),
        mode: choice(&params, "mode", &mut errors),
        name: text(&params, "name"),
    };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.classes(&who, base, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/classes"), &params, found, class_out, ClassPage::json))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClassBody {
    /// The id of one of the base's projects.
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mode: String,
    /// Required for a joint class.
    #[serde(default)]
    pub college: String,
    /// Required for a targeted class: a key employment group's category code.
    #[serde(default)]
    pub target_group: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// Whole hours (1–2000), as a number or a string.
    #[serde(default)]
    #[schema(value_type = u32)]
    pub hours: Number,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub teachers: String,
    #[serde(default)]
    pub innovations: Vec<String>,
}

/// A number a client may send as JSON number or string; checked by the domain as text.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum Number {
    #[default]
    Absent,
    Integer(i64),
    Text(String),
}

impl Number {
    fn text(&self) -> String {
        match self {
            Number::Absent => String::new(),
            Number::Integer(n) => n.to_string(),
            Number::Text(t) => t.clone(),
        }
    }
}

/// Record a class of one of the base's projects. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/classes", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewClassBody, responses((status = 201, body = ClassOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_class(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/classes {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewClassBody = body(&bytes)?;
        let input = ClassInput {
            name: b.name,
            mode: b.mode,
            college: b.college,
            target_group: b.target_group,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            hours: b.hours.text(),
            place: b.place,
            teachers: b.teachers,
            innovations: b.innovations,
        };
        let created = state.app.create_class(&who, base, &b.project, &input, &meta).await?;
        Ok(class_out(&state.app.class(&who, base, created).await?))
    })
    .await
}

/// One class of the base.
#[utoipa::path(get, path = "/api/v1/bases/{id}/classes/{class}", tag = "training", params(("id" = String, Path), ("class" = String, Path)), responses((status = 200, body = ClassOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn class(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, class)): Path<(String, String)>,
) -> Result<Json<ClassOut>, ApiError> {
    let (base, class): (BaseId, ClassId) = (id(&base)?, id(&class)?);
    Ok(Json(class_out(&state.app.class(&who, base, class).await?)))
}

// ---------------------------------------------------------------- trainees

/// A trainee: the resident ID number and the phone only masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraineeOut {
    pub id: String,
    pub name: String,
    /// `310118********108X`.
    pub resident_id_masked: String,
    /// `138****5678`.
    pub phone_masked: Option<String>,
    pub employer: Option<String>,
    pub employer_uscc: Option<String>,
    /// own | upstream | downstream | other.
    #[schema(value_type = String)]
    pub relation: Relation,
    /// own_employee | student | supply_chain | graduate | veteran | migrant_worker | unemployed |
    /// employment_difficulty.
    #[schema(value_type = String)]
    pub category: Category,
    pub created_at: String,
}

fn trainee_out(t: &TraineeRecord) -> TraineeOut {
    TraineeOut {
        id: t.id.to_string(),
        name: t.name.clone(),
        resident_id_masked: t.resident_id_masked.clone(),
        phone_masked: t.phone_masked.clone(),
        employer: t.employer.clone(),
        employer_uscc: t.employer_uscc.clone(),
        relation: t.relation,
        category: t.category,
        created_at: local(t.created_at),
    }
}

page_of!(TraineePage, TraineeOut);

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct TraineeListQuery {
    /// Part of the name.
    name: Option<String>,
    /// An exact resident ID number (matched through its blind index; never stored or logged).
    resident_id: Option<String>,
    /// A category code.
    category: Option<String>,
    /// A relation code.
    relation: Option<String>,
}

/// The base's trainees, newest first; by part of the name, an exact ID number, category or
/// relation.
#[utoipa::path(get, path = "/api/v1/bases/{id}/trainees", tag = "training", params(("id" = String, Path), TraineeListQuery, PageQuery), responses((status = 200, body = TraineePage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn trainees(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = TraineeQuery {
        name: text(&params, "name"),
        resident_id: text(&params, "resident_id"),
        category: choice(&params, "category", &mut errors),
        relation: choice(&params, "relation", &mut errors),
    };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.trainees(&who, base, &filter, &page).await?;
    // The next page's link repeats the query, but never an ID number searched for.
    let link_params = Params(params.0.into_iter().filter(|(k, _)| k != "resident_id").collect());
    Ok(paged(&format!("/api/v1/bases/{base}/trainees"), &link_params, found, trainee_out, TraineePage::json))
}

/// The exact search by ID number, in a body: the number is then in no address, proxy log or
/// browser history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraineeSearchBody {
    /// The full 18-character resident ID number.
    pub resident_id: String,
}

/// The base's trainee with this exact ID number (a page of at most one), the number posted
/// rather than put in the query string.
#[utoipa::path(post, path = "/api/v1/bases/{id}/trainees/search", tag = "training", params(("id" = String, Path)), request_body = TraineeSearchBody, responses((status = 200, body = TraineePage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn search_trainees(
    State(state): State<AppState>,
    SignedInWrite(who): SignedInWrite,
    Path(base): Path<String>,
    ApiJson(body): ApiJson<TraineeSearchBody>,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let filter = TraineeQuery { resident_id: Some(body.resident_id), ..TraineeQuery::default() };
    let found = state.app.trainees(&who, base, &filter, &PageRequest::first(1)).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/trainees"), &Params::default(), found, trainee_out, TraineePage::json))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTraineeBody {
    #[serde(default)]
    pub name: String,
    /// The 18-character resident ID number (GB 11643); one person is one trainee of a base.
    #[serde(default)]
    pub resident_id: String,
    #[serde(default)]
    pub phone: String,
    /// Required unless the trainee is the base's own (relation `own`).
    #[serde(default)]
    pub employer: String,
    /// Required for upstream and downstream companies.
    #[serde(default)]
    pub employer_uscc: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub category: String,
}

/// Register a trainee. An ID number already registered at this base is refused (field
/// `resident_id`, code `duplicate_trainee`). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/trainees", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewTraineeBody, responses((status = 201, body = TraineeOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_trainee(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/trainees {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewTraineeBody = body(&bytes)?;
        let input = TraineeInput {
            name: b.name,
            resident_id: b.resident_id,
            phone: b.phone,
            employer: b.employer,
            employer_uscc: b.employer_uscc,
            relation: b.relation,
            category: b.category,
        };
        let created = state.app.register_trainee(&who, base, &input, &meta).await?;
        Ok(trainee_out(&state.app.trainee(&who, base, created).await?))
    })
    .await
}

/// One trainee of the base (masked).
#[utoipa::path(get, path = "/api/v1/bases/{id}/trainees/{trainee}", tag = "training", params(("id" = String, Path), ("trainee" = String, Path)), responses((status = 200, body = TraineeOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn trainee(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, trainee)): Path<(String, String)>,
) -> Result<Json<TraineeOut>, ApiError> {
    let (base, trainee): (BaseId, TraineeId) = (id(&base)?, id(&trainee)?);
    Ok(Json(trainee_out(&state.app.trainee(&who, base, trainee).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedOut {
    /// The full resident ID number.
    pub resident_id: String,
}

/// The full resident ID number of a trainee. Needs a sign-in or re-authentication
/// (`POST /api/v1/me/reauth`) within the last 5 minutes (else 401 `reauth_required`); every
/// reveal is audited (`training.trainee_reveal`, with the masked number only).
#[utoipa::path(post, path = "/api/v1/bases/{id}/trainees/{trainee}/reveal", tag = "training", params(("id" = String, Path), ("trainee" = String, Path)), responses((status = 200, body = RevealedOut), (status = 401, description = "No recent re-authentication (code reauth_required)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reveal(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((base, trainee)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (base, trainee): (BaseId, TraineeId) = (id(&base)?, id(&trainee)?);
    let resident_id = state.app.reveal_resident_id(&who, base, trainee, &meta).await?;
    let mut response = Json(RevealedOut { resident_id }).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

// ---------------------------------------------------------------- enrolments

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentOut {
    pub id: String,
    pub class_id: String,
    pub class_name: String,
    pub trainee_id: String,
    pub trainee_name: String,
    pub trainee_resident_id_masked: String,
    /// Hours attended.
    pub hours: u32,
    /// enrolled | completed | withdrawn.
    #[schema(value_type = String)]
    pub completion: Completion,
    /// pending | passed | failed.
    #[schema(value_type = String)]
    pub outcome: Outcome,
    pub created_at: String,
    pub updated_at: String,
}

fn enrolment_out(e: &EnrolmentRecord) -> EnrolmentOut {
    EnrolmentOut {
        id: e.id.to_string(),
        class_id: e.class_id.to_string(),
        class_name: e.class_name.clone(),
        trainee_id: e.trainee_id.to_string(),
        trainee_name: e.trainee_name.clone(),
        trainee_resident_id_masked: e.trainee_masked.clone(),
        hours: e.enrolment.hours,
        completion: e.enrolment.completion,
        outcome: e.enrolment.outcome,
        created_at: local(e.created_at),
        updated_at: local(e.updated_at),
    }
}

page_of!(EnrolmentPage, EnrolmentOut);

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct EnrolmentQuery {
    /// A class id.
    class: Option<String>,
    /// A trainee id.
    trainee: Option<String>,
    /// A completion code.
    completion: Option<String>,
}

/// The base's enrolments, newest first; by class, trainee or completion.
#[utoipa::path(get, path = "/api/v1/bases/{id}/enrolments", tag = "training", params(("id" = String, Path), EnrolmentQuery, PageQuery), responses((status = 200, body = EnrolmentPage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn enrolments(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = EnrolmentFilter {
        class: filter_id(&params, "class", &mut errors),
        trainee: filter_id(&params, "trainee", &mut errors),
        completion: choice(&params, "completion", &mut errors),
    };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.enrolments(&who, base, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/enrolments"), &params, found, enrolment_out, EnrolmentPage::json))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentBody {
    /// Hours attended (0 up to the class's hours); 0 when absent.
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub hours: Number,
    /// enrolled (when absent) | completed | withdrawn.
    #[serde(default)]
    pub completion: String,
    /// pending (when absent) | passed | failed; a result needs the class completed.
    #[serde(default)]
    pub outcome: String,
}

impl EnrolmentBody {
    fn input(&self) -> EnrolmentInput {
        EnrolmentInput { hours: self.hours.text(), completion: self.completion.clone(), outcome: self.outcome.clone() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnrolmentBody {
    /// A class id of the base.
    #[serde(default)]
    pub class: String,
    /// A trainee id of the base.
    #[serde(default)]
    pub trainee: String,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub hours: Number,
    #[serde(default)]
    pub completion: String,
    #[serde(default)]
    pub outcome: String,
}

/// Enrol a trainee of the base in a class of the base (once per class). Honours
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/enrolments", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewEnrolmentBody, responses((status = 201, body = EnrolmentOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn enrol(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/enrolments {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewEnrolmentBody = body(&bytes)?;
        let input = EnrolmentInput { hours: b.hours.text(), completion: b.completion, outcome: b.outcome };
        let created = state.app.enrol(&who, base, (&b.class, &b.trainee), &input, &meta).await?;
        enrolment(&state, &who, base, created).await
    })
    .await
}

/// The enrolment `id` of `base`, as JSON.
async fn enrolment(
    state: &AppState,
    who: &skillbase_app::auth::Authenticated,
    base: BaseId,
    id: EnrolmentId,
) -> Result<EnrolmentOut, ApiError> {
    Ok(enrolment_out(&state.app.enrolment(who, base, id).await?))
}

/// Record attendance, completion and the result of an enrolment.
#[utoipa::path(put, path = "/api/v1/bases/{id}/enrolments/{enrolment}", tag = "training", params(("id" = String, Path), ("enrolment" = String, Path)), request_body = EnrolmentBody, responses((status = 200, body = EnrolmentOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn update_enrolment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((base, enrolment_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<EnrolmentBody>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    let (base, enrolment_id): (BaseId, EnrolmentId) = (id(&base)?, id(&enrolment_id)?);
    state.app.update_enrolment(&who, base, enrolment_id, &b.input(), &meta).await?;
    Ok(Json(enrolment(&state, &who, base, enrolment_id).await?))
}

// ---------------------------------------------------------------- master–apprentice pairs

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprenticeshipOut {
    pub id: String,
    pub apprentice_id: String,
    pub apprentice_name: String,
    pub master: String,
    pub master_title: Option<String>,
    #[schema(value_type = String)]
    pub occupation: OccupationCode,
    /// YYYY-MM-DD.
    pub starts_on: String,
    pub ends_on: String,
    /// ongoing | completed | ended.
    #[schema(value_type = String)]
    pub outcome: PairOutcome,
    /// The agreement file's name (download it from `…/agreement`).
    pub agreement_name: String,
    /// pdf | jpeg | png.
    pub agreement_kind: String,
    pub created_at: String,
}

fn pair_out(p: &PairRecord) -> ApprenticeshipOut {
    ApprenticeshipOut {
        id: p.id.to_string(),
        apprentice_id: p.apprentice_id.to_string(),
        apprentice_name: p.apprentice_name.clone(),
        master: p.pair.master.clone(),
        master_title: p.pair.master_title.clone(),
        occupation: p.pair.occupation,
        starts_on: day(p.pair.starts_on),
        ends_on: day(p.pair.ends_on),
        outcome: p.pair.outcome,
        agreement_name: p.agreement.name.clone(),
        agreement_kind: p.agreement.kind.clone(),
        created_at: local(p.created_at),
    }
}

page_of!(ApprenticeshipPage, ApprenticeshipOut);

/// The base's master–apprentice pairs, newest first.
#[utoipa::path(get, path = "/api/v1/bases/{id}/apprenticeships", tag = "training", params(("id" = String, Path), PairQuery, PageQuery), responses((status = 200, body = ApprenticeshipPage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn apprenticeships(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = PairFilter { outcome: choice(&params, "outcome", &mut errors), master: text(&params, "master") };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.pairs(&who, base, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/apprenticeships"), &params, found, pair_out, ApprenticeshipPage::json))
}

/// `POST …/apprenticeships` as `multipart/form-data`.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the form for OpenAPI; the handler reads the parts itself")]
pub struct ApprenticeshipForm {
    /// A trainee id of the base.
    apprentice: String,
    master: String,
    master_title: Option<String>,
    /// The occupation code.
    occupation: String,
    /// YYYY-MM-DD.
    starts_on: String,
    ends_on: String,
    /// ongoing (when absent) | completed | ended.
    outcome: Option<String>,
    /// The signed agreement: PDF, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    agreement: Vec<u8>,
}

/// The fields of an apprenticeship form and its agreement file.
struct PairForm {
    apprentice: String,
    input: PairInput,
    agreement: Option<(String, Vec<u8>)>,
}

impl PairForm {
    /// What the request is, for `Idempotency-Key`: every field and the file's digest.
    fn fingerprint(&self) -> String {
        let i = &self.input;
        let file = self.agreement.as_ref().map(|(name, bytes)| format!("{name}:{}", sm3_hex(bytes)));
        let fields = serde_json::json!([
            self.apprentice,
            i.master,
            i.master_title,
            i.occupation,
            i.starts_on,
            i.ends_on,
            i.outcome,
            file
        ]);
        sm3_hex(fields.to_string().as_bytes())
    }
}

async fn pair_form(multipart: Result<Multipart, MultipartRejection>) -> Result<PairForm, ApiError> {
    let unreadable =
        || ApiError::fields(vec![FieldProblem::new("agreement", "file_missing", "上传内容无法读取，请重新提交")]);
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体应为 multipart/form-data（字段与协议文件 agreement）",
        )
    })?;
    let mut form = PairForm { apprentice: String::new(), input: PairInput::default(), agreement: None };
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "agreement" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            form.agreement = Some((filename, bytes.to_vec()));
            continue;
        }
        let text = field.text().await.map_err(|_| unreadable())?;
        let i = &mut form.input;
        match name.as_str() {
            "apprentice" => form.apprentice = text,
            "master" => i.master = text,
            "master_title" => i.master_title = text,
            "occupation" => i.occupation = text,
            "starts_on" => i.starts_on = text,
            "ends_on" => i.ends_on = text,
            "outcome" => i.outcome = text,
            _ => {}
        }
    }
    Ok(form)
}

/// Record a master–apprentice pair (`multipart/form-data`: `apprentice` (a trainee id),
/// `master`, `master_title`, `occupation`, `starts_on`, `ends_on`, `outcome` and the signed
/// agreement as the file `agreement`, PDF, JPEG or PNG). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/apprenticeships", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body(content = ApprenticeshipForm, content_type = "multipart/form-data"), responses((status = 201, body = ApprenticeshipOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_apprenticeship(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    // Another organisation's base is not found, and a revoked one refused, whatever was sent.
    state.app.training_base(&who, base, Action::RecordTraining).await?;
    let form = pair_form(multipart).await?;
    let fingerprint = format!("POST /api/v1/bases/{base}/apprenticeships {}", form.fingerprint());
    create(&state, &who, &headers, fingerprint, || async {
        let PairForm { apprentice, input, agreement } = form;
        let created = state.app.create_pair(&who, base, &apprentice, &input, agreement, &meta).await?;
        Ok(pair_out(&state.app.pair(&who, base, created).await?))
    })
    .await
}

/// A pair's signed agreement (always as an attachment).
#[utoipa::path(get, path = "/api/v1/bases/{id}/apprenticeships/{pair}/agreement", tag = "training", params(("id" = String, Path), ("pair" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn agreement(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, pair)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (base, pair): (BaseId, PairId) = (id(&base)?, id(&pair)?);
    let (name, kind, bytes) = state.app.pair_agreement(&who, base, pair).await?;
    Ok(crate::download::stored_file(&kind, &name, bytes))
}

// ---------------------------------------------------------------- competitions

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitionOut {
    pub id: String,
    pub name: String,
    /// base | district | municipal | national | world_skills.
    #[schema(value_type = String)]
    pub level: CompetitionLevel,
    /// YYYY-MM-DD.
    pub held_on: String,
    pub organizer: Option<String>,
    /// How many of the base's trainees took part.
    pub participants: i64,
    pub created_at: String,
}

fn competition_out(m: &CompetitionRecord) -> CompetitionOut {
    CompetitionOut {
        id: m.id.to_string(),
        name: m.competition.name.clone(),
        level: m.competition.level,
        held_on: day(m.competition.held_on),
        organizer: m.competition.organizer.clone(),
        participants: m.participants,
        created_at: local(m.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitionEntryOut {
    pub trainee_id: String,
    pub trainee_name: String,
    pub trainee_resident_id_masked: String,
    /// The result or place.
    pub result: String,
    pub award: Option<String>,
    pub created_at: String,
}

fn entry_out(x: &EntryRecord) -> CompetitionEntryOut {
    CompetitionEntryOut {
        trainee_id: x.trainee_id.to_string(),
        trainee_name: x.trainee_name.clone(),
        trainee_resident_id_masked: x.trainee_masked.clone(),
        result: x.entry.result.clone(),
        award: x.entry.award.clone(),
        created_at: local(x.created_at),
    }
}

/// A competition with its participants' results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitionDetailOut {
    #[serde(flatten)]
    pub competition: CompetitionOut,
    pub entries: Vec<CompetitionEntryOut>,
}

page_of!(CompetitionPage, CompetitionOut);

/// The base's competitions, newest first.
#[utoipa::path(get, path = "/api/v1/bases/{id}/competitions", tag = "training", params(("id" = String, Path), CompetitionQuery, PageQuery), responses((status = 200, body = CompetitionPage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn competitions(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = CompetitionFilter { level: choice(&params, "level", &mut errors), name: text(&params, "name") };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.competitions(&who, base, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/competitions"), &params, found, competition_out, CompetitionPage::json))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompetitionBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub level: String,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub organizer: String,
}

/// Record a competition the base held or sent trainees to. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/competitions", tag = "training", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewCompetitionBody, responses((status = 201, body = CompetitionDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_competition(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/competitions {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewCompetitionBody = body(&bytes)?;
        let input = CompetitionInput { name: b.name, level: b.level, held_on: b.held_on, organizer: b.organizer };
        let created = state.app.create_competition(&who, base, &input, &meta).await?;
        competition_detail(&state, &who, base, created).await
    })
    .await
}

async fn competition_detail(
    state: &AppState,
    who: &skillbase_app::auth::Authenticated,
    base: BaseId,
    id: CompetitionId,
) -> Result<CompetitionDetailOut, ApiError> {
    let (competition, entries) = state.app.competition(who, base, id).await?;
    Ok(CompetitionDetailOut {
        competition: competition_out(&competition),
        entries: entries.iter().map(entry_out).collect(),
    })
}

/// One competition of the base, with its participants' results.
#[utoipa::path(get, path = "/api/v1/bases/{id}/competitions/{competition}", tag = "training", params(("id" = String, Path), ("competition" = String, Path)), responses((status = 200, body = CompetitionDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn competition(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, competition)): Path<(String, String)>,
) -> Result<Json<CompetitionDetailOut>, ApiError> {
    let (base, competition): (BaseId, CompetitionId) = (id(&base)?, id(&competition)?);
    Ok(Json(competition_detail(&state, &who, base, competition).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryBody {
    /// A trainee id of the base (one result per trainee and competition).
    #[serde(default)]
    pub trainee: String,
    /// The result or place.
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub award: String,
}

/// Record a trainee's result in a competition of the base. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/competitions/{competition}/entries", tag = "training", params(("id" = String, Path), ("competition" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewEntryBody, responses((status = 201, body = CompetitionEntryOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn add_entry(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path((base, competition)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (base, competition): (BaseId, CompetitionId) = (id(&base)?, id(&competition)?);
    let fingerprint = format!("POST /api/v1/bases/{base}/competitions/{competition}/entries {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewEntryBody = body(&bytes)?;
        let input = EntryInput { result: b.result, award: b.award };
        state.app.add_entry(&who, base, (competition, &b.trainee), &input, &meta).await?;
        let (_, entries) = state.app.competition(&who, base, competition).await?;
        entries
            .iter()
            .find(|x| x.trainee_id.to_string() == b.trainee.trim())
            .map(entry_out)
            .ok_or_else(ApiError::not_found)
    })
    .await
}

// ---------------------------------------------------------------- rosters (Excel)

/// One problem of a refused roster: the Excel row, the column's header, what it says (an ID
/// number only masked) and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterProblemOut {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// How an import ended: `imported` (every row stored) or `refused` (none stored, every
/// problem listed).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub id: String,
    /// imported | refused.
    pub status: &'static str,
    /// Rows stored.
    pub rows: usize,
    pub problems: Vec<RosterProblemOut>,
}

/// Imports the xlsx body as a roster of `kind`, all rows or none.
async fn import_at(
    kind: RosterKind,
    (state, who, meta): (AppState, skillbase_app::auth::Authenticated, skillbase_app::auth::RequestMeta),
    (base, headers, body): (String, HeaderMap, Bytes),
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let name = headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| format!("{}.xlsx", kind.label()), str::to_owned);
    let out = match state.app.import_roster(&who, base, kind, (&name, &body), &meta).await? {
        ImportOutcome::Imported { id, rows } => {
            (StatusCode::CREATED, ImportOut { id: id.to_string(), status: "imported", rows, problems: Vec::new() })
        }
        ImportOutcome::Refused { id, problems } => {
            let problems = problems_out(problems);
            (StatusCode::UNPROCESSABLE_ENTITY, ImportOut { id: id.to_string(), status: "refused", rows: 0, problems })
        }
        ImportOutcome::Queued { id } => {
            let out = ImportOut { id: id.to_string(), status: "queued", rows: 0, problems: Vec::new() };
            let location = format!("/api/v1/bases/{base}/imports/{id}");
            let mut response = (StatusCode::ACCEPTED, Json(out)).into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return Ok(response);
        }
    };
    Ok((out.0, Json(out.1)).into_response())
}

fn problems_out(problems: Vec<skillbase_app::roster::Problem>) -> Vec<RosterProblemOut> {
    problems
        .into_iter()
        .map(|p| RosterProblemOut { line: p.line, column: p.column, value: p.value, reason: p.reason })
        .collect()
}

/// An import and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportStatusOut {
    pub id: String,
    /// trainees | classes | enrolments.
    pub kind: String,
    /// queued | imported | refused | failed.
    pub status: &'static str,
    pub total_rows: i64,
    /// Rows checked so far, while it runs (on the instance answering).
    pub done_rows: Option<usize>,
    pub imported_rows: i64,
    pub problems: Vec<RosterProblemOut>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// One roster import of the base (a queued one: poll until `status` is not `queued`).
#[utoipa::path(get, path = "/api/v1/bases/{id}/imports/{import}", tag = "training", params(("id" = String, Path), ("import" = String, Path)), responses((status = 200, body = ImportStatusOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn import_status(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, import)): Path<(String, String)>,
) -> Result<Json<ImportStatusOut>, ApiError> {
    let view = state.app.import_status(&who, id(&base)?, id(&import)?).await?;
    let r = &view.record;
    Ok(Json(ImportStatusOut {
        id: r.id.to_string(),
        kind: r.kind.clone(),
        status: r.status.as_str(),
        total_rows: r.total_rows,
        done_rows: view.progress.map(|(done, _)| done),
        imported_rows: r.imported_rows,
        created_at: local(r.created_at),
        finished_at: r.finished_at.map(local),
        problems: problems_out(view.problems),
    }))
}

/// The template workbook of `kind` (dropdowns from the dictionaries, an instructions sheet).
async fn template_at(
    kind: RosterKind,
    state: AppState,
    who: skillbase_app::auth::Authenticated,
    base: String,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    state.app.training_base(&who, base, Action::ReadTraining).await?;
    let bytes = roster::template(kind).map_err(skillbase_app::AppError::internal)?;
    Ok(crate::download::download(bytes, crate::download::XLSX, &format!("{}模板.xlsx", kind.label())))
}

macro_rules! roster_endpoints {
    ($($kind:ident: $import:ident, $template:ident, $segment:literal;)*) => {$(
        #[doc = concat!("Imports a roster of ", $segment, " (the xlsx file as the body; `X-File-Name` its name, optional): all rows or none. 201 with the rows stored, or 422 with every problem by row and column.")]
        #[utoipa::path(post, path = concat!("/api/v1/bases/{id}/", $segment, "/import"), tag = "training", params(("id" = String, Path), ("X-File-Name" = Option<String>, Header)), request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), responses((status = 201, body = ImportOut), (status = 202, description = "A large roster, imported by a job: `Location` is its status", body = ImportOut), (status = 422, body = ImportOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
        pub async fn $import(
            State(state): State<AppState>,
            Meta(meta): Meta,
            SignedInWrite(who): SignedInWrite,
            headers: HeaderMap,
            Path(base): Path<String>,
            body: Bytes,
        ) -> Result<Response, ApiError> {
            import_at(RosterKind::$kind, (state, who, meta), (base, headers, body)).await
        }

        #[doc = concat!("The template workbook of the ", $segment, " roster.")]
        #[utoipa::path(get, path = concat!("/api/v1/bases/{id}/", $segment, "/import/template"), tag = "training", params(("id" = String, Path)), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
        pub async fn $template(
            State(state): State<AppState>,
            SignedIn(who): SignedIn,
            Path(base): Path<String>,
        ) -> Result<Response, ApiError> {
            template_at(RosterKind::$kind, state, who, base).await
        }
    )*};
}

roster_endpoints! {
    Trainees: import_trainees, trainees_template, "trainees";
    Classes: import_classes, classes_template, "classes";
    Enrolments: import_enrolments, enrolments_template, "enrolments";
}
