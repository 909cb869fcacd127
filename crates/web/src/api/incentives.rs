//! A recognised base's incentive records (C3.2): `/api/v1/bases/{id}/incentives` (list, filter
//! by `kind`, paged like the training records; create), one record, an appointment's document
//! and the figures of a year (`/incentives/summary?year=Y`).
//!
//! A record's `kind` is `chief_technician`, `master_studio`, `award` or `other`; which fields
//! apply follows from it. Amounts are posted as strings of yuan (`"200000.00"`, at most two
//! decimals, never negative) and answered both so and in fen (`*_fen`), never as floats. The
//! create takes JSON, or `multipart/form-data` with the same fields and an appointment's
//! document as the file `document`. Who may read and record is the training records' rule.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use skillbase_app::incentives::{IncentiveFilter, IncentiveRecord};
use skillbase_domain::access::Action;
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{BaseId, IncentiveId};
use skillbase_domain::incentive::{Incentive, IncentiveInput, IncentiveKind, Post, Tally, YearSummary};
use skillbase_domain::money::Money;
use utoipa::{IntoParams, ToSchema};

use super::training::{PageQuery, body, checked, choice, create, day, id, local, page_of, page_request, paged};
use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{Meta, SignedIn, SignedInWrite};

fn yuan(m: Money) -> String {
    m.to_yuan_string()
}

/// One incentive record; the fields of other kinds are absent (null).
#[derive(Debug, Serialize, ToSchema)]
pub struct IncentiveOut {
    pub id: String,
    /// chief_technician | master_studio | award | other.
    #[schema(value_type = String)]
    pub kind: IncentiveKind,
    pub person: String,
    /// An appointment's occupation code (国家职业分类大典) and its name.
    pub occupation: Option<String>,
    pub occupation_name: Option<String>,
    /// A studio's name.
    pub studio: Option<String>,
    /// An appointment's term, YYYY-MM-DD.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// An appointment's allowance a month, yuan (`"2000.00"`) and fen.
    pub allowance: Option<String>,
    pub allowance_fen: Option<i64>,
    /// An appointment's working funds.
    pub funds: Option<String>,
    pub funds_fen: Option<i64>,
    /// An award's title, level (base | district | municipal | national) and awarding body.
    pub title: Option<String>,
    pub level: Option<String>,
    pub awarded_by: Option<String>,
    /// Another incentive's kind: recuperation | further_study | health_check.
    pub benefit: Option<String>,
    pub description: Option<String>,
    /// An award's or another incentive's date, YYYY-MM-DD.
    pub date: Option<String>,
    /// An award's amount, or another incentive's cost.
    pub amount: Option<String>,
    pub amount_fen: Option<i64>,
    /// An appointment's document, if one was uploaded (download it from `…/document`).
    pub document_name: Option<String>,
    pub created_at: String,
}

fn incentive_out(r: &IncentiveRecord) -> IncentiveOut {
    let mut out = IncentiveOut {
        id: r.id.to_string(),
        kind: r.incentive.kind(),
        person: r.incentive.person().to_owned(),
        occupation: None,
        occupation_name: None,
        studio: None,
        starts_on: None,
        ends_on: None,
        allowance: None,
        allowance_fen: None,
        funds: None,
        funds_fen: None,
        title: None,
        level: None,
        awarded_by: None,
        benefit: None,
        description: None,
        date: None,
        amount: None,
        amount_fen: None,
        document_name: r.document.as_ref().map(|d| d.name.clone()),
        created_at: local(r.created_at),
    };
    use skillbase_domain::dictionary::Dictionary;
    match &r.incentive {
        Incentive::Appointment(a) => {
            out.occupation = Some(a.occupation.as_str().to_owned());
            out.occupation_name = Some(a.occupation.name().to_owned());
            if let Post::MasterStudio { studio } = &a.post {
                out.studio = Some(studio.clone());
            }
            out.starts_on = Some(day(a.starts_on));
            out.ends_on = Some(day(a.ends_on));
            out.allowance = Some(yuan(a.allowance));
            out.allowance_fen = Some(a.allowance.fen());
            out.funds = a.funds.map(yuan);
            out.funds_fen = a.funds.map(Money::fen);
        }
        Incentive::Award(a) => {
            out.title = Some(a.title.clone());
            out.level = Some(a.level.code().to_owned());
            out.awarded_by = Some(a.awarded_by.clone());
            out.date = Some(day(a.awarded_on));
            out.amount = a.amount.map(yuan);
            out.amount_fen = a.amount.map(Money::fen);
        }
        Incentive::Other(o) => {
            out.benefit = Some(o.benefit.code().to_owned());
            out.description = Some(o.description.clone());
            out.date = Some(day(o.given_on));
            out.amount = o.cost.map(yuan);
            out.amount_fen = o.cost.map(Money::fen);
        }
    }
    out
}

page_of!(IncentivePage, IncentiveOut);

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct IncentiveQuery {
    /// chief_technician | master_studio | award | other.
    kind: Option<String>,
}

/// The base's incentive records, newest first; by kind.
#[utoipa::path(get, path = "/api/v1/bases/{id}/incentives", tag = "incentives", params(("id" = String, Path), IncentiveQuery, PageQuery), responses((status = 200, body = IncentivePage), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn incentives(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = IncentiveFilter { kind: choice(&params, "kind", &mut errors) };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.incentives(&who, base, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/incentives"), &params, found, incentive_out, IncentivePage::json))
}

/// A new incentive record as JSON (the same fields go into a `multipart/form-data` post, with
/// an appointment's document as the file `document`). Amounts are strings of yuan.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NewIncentiveBody {
    /// chief_technician | master_studio | award | other.
    pub kind: String,
    pub person: String,
    /// Appointments: the occupation code, the term (YYYY-MM-DD), the allowance a month and the
    /// working funds (a studio's are required); a studio's name.
    pub occupation: String,
    pub studio: String,
    pub starts_on: String,
    pub ends_on: String,
    pub allowance: String,
    pub funds: String,
    /// Awards: the title, level, date (not after today), awarding body and amount (optional).
    pub title: String,
    pub level: String,
    pub date: String,
    pub awarded_by: String,
    pub amount: String,
    /// Other incentives: recuperation | further_study | health_check, the date, a description
    /// and the cost (optional).
    pub benefit: String,
    pub description: String,
    pub cost: String,
}

impl NewIncentiveBody {
    fn input(self) -> IncentiveInput {
        IncentiveInput {
            kind: self.kind,
            person: self.person,
            occupation: self.occupation,
            studio: self.studio,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            allowance: self.allowance,
            funds: self.funds,
            title: self.title,
            level: self.level,
            date: self.date,
            awarded_by: self.awarded_by,
            amount: self.amount,
            benefit: self.benefit,
            description: self.description,
            cost: self.cost,
        }
    }

    fn set(&mut self, name: &str, value: String) {
        let field = match name {
            "kind" => &mut self.kind,
            "person" => &mut self.person,
            "occupation" => &mut self.occupation,
            "studio" => &mut self.studio,
            "starts_on" => &mut self.starts_on,
            "ends_on" => &mut self.ends_on,
            "allowance" => &mut self.allowance,
            "funds" => &mut self.funds,
            "title" => &mut self.title,
            "level" => &mut self.level,
            "date" => &mut self.date,
            "awarded_by" => &mut self.awarded_by,
            "amount" => &mut self.amount,
            "benefit" => &mut self.benefit,
            "description" => &mut self.description,
            "cost" => &mut self.cost,
            _ => return,
        };
        *field = value;
    }
}

/// A post's fields, its document, and what the request is for `Idempotency-Key`.
async fn read_post(
    state: &AppState,
    headers: &HeaderMap,
    request: Request,
) -> Result<(NewIncentiveBody, Option<(String, Vec<u8>)>, String), ApiError> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        let bytes = Bytes::from_request(request, state).await.map_err(|_| unreadable())?;
        let fingerprint = sm3_hex(&bytes);
        return Ok((body(&bytes)?, None, fingerprint));
    }
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| unreadable())?;
    let (mut fields, mut document, mut parts) = (NewIncentiveBody::default(), None, Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            parts.push(format!("document={filename}:{}", sm3_hex(&bytes)));
            document = Some((filename, bytes.to_vec()));
            continue;
        }
        let text = field.text().await.map_err(|_| unreadable())?;
        parts.push(format!("{name}={text}"));
        fields.set(&name, text);
    }
    let fingerprint = sm3_hex(serde_json::to_string(&parts).unwrap_or_default().as_bytes());
    Ok((fields, document, fingerprint))
}

fn unreadable() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "请求体无法读取：应为 JSON，或 multipart/form-data")
}

/// `POST …/incentives` as `multipart/form-data`.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the form for OpenAPI; the handler reads the parts itself")]
pub struct IncentiveForm {
    /// The fields of `NewIncentiveBody`, each a part.
    kind: String,
    /// An appointment's document: PDF, JPEG or PNG (optional).
    #[schema(value_type = Option<String>, format = Binary)]
    document: Option<Vec<u8>>,
}

/// Record an incentive of the base (JSON, or `multipart/form-data` with an appointment's
/// document). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/incentives", tag = "incentives", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body(content((NewIncentiveBody = "application/json"), (IncentiveForm = "multipart/form-data"))), responses((status = 201, body = IncentiveOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_incentive(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    // Another organisation's base is not found, and a revoked one refused, whatever was sent.
    state.app.training_base(&who, base, Action::RecordTraining).await?;
    let (fields, document, fingerprint) = read_post(&state, &headers, request).await?;
    let fingerprint = format!("POST /api/v1/bases/{base}/incentives {fingerprint}");
    create(&state, &who, &headers, fingerprint, || async {
        let created = state.app.create_incentive(&who, base, &fields.input(), document, &meta).await?;
        Ok(incentive_out(&state.app.incentive(&who, base, created).await?))
    })
    .await
}

/// One incentive record of the base.
#[utoipa::path(get, path = "/api/v1/bases/{id}/incentives/{incentive}", tag = "incentives", params(("id" = String, Path), ("incentive" = String, Path)), responses((status = 200, body = IncentiveOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn incentive(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, record)): Path<(String, String)>,
) -> Result<Json<IncentiveOut>, ApiError> {
    let (base, record): (BaseId, IncentiveId) = (id(&base)?, id(&record)?);
    Ok(Json(incentive_out(&state.app.incentive(&who, base, record).await?)))
}

/// An appointment's document (always as an attachment); 404 when none was uploaded.
#[utoipa::path(get, path = "/api/v1/bases/{id}/incentives/{incentive}/document", tag = "incentives", params(("id" = String, Path), ("incentive" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn document(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((base, record)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (base, record): (BaseId, IncentiveId) = (id(&base)?, id(&record)?);
    let (name, kind, bytes) = state.app.incentive_document(&who, base, record).await?;
    Ok(crate::download::stored_file(&kind, &name, bytes))
}

/// How many, and how much, of one level or kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyOut {
    /// The level's or kind's code.
    pub code: String,
    pub label: String,
    pub count: i64,
    pub amount: String,
    pub amount_fen: i64,
}

fn tally_out<D: skillbase_domain::dictionary::Dictionary>(t: &Tally<D>) -> TallyOut {
    TallyOut {
        code: t.value.code().to_owned(),
        label: t.value.label().to_owned(),
        count: t.count,
        amount: yuan(t.amount),
        amount_fen: t.amount.fen(),
    }
}

/// A base's incentives in one year.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryOut {
    pub year: i32,
    /// Appointments in force on some day of the year.
    pub chief_technicians: i64,
    pub master_studios: i64,
    /// Awards dated in the year, by level (every level listed), and all of them together.
    pub awards: Vec<TallyOut>,
    pub awards_count: i64,
    pub awards_amount: String,
    pub awards_amount_fen: i64,
    /// Other incentives given in the year, by kind (every kind listed), with their cost.
    pub others: Vec<TallyOut>,
    pub others_count: i64,
    pub others_cost: String,
    pub others_cost_fen: i64,
}

fn summary_out(s: &YearSummary) -> SummaryOut {
    let (awards_count, awards_amount) = s.awards_total();
    let (others_count, others_cost) = s.others_total();
    SummaryOut {
        year: s.year,
        chief_technicians: s.chief_technicians,
        master_studios: s.master_studios,
        awards: s.awards.iter().map(tally_out).collect(),
        awards_count,
        awards_amount: yuan(awards_amount),
        awards_amount_fen: awards_amount.fen(),
        others: s.others.iter().map(tally_out).collect(),
        others_count,
        others_cost: yuan(others_cost),
        others_cost_fen: others_cost.fen(),
    }
}

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct SummaryQuery {
    /// The year (2000–2100); this year by default (Shanghai).
    year: Option<i32>,
}

/// The base's incentive figures of a year, for the annual review.
#[utoipa::path(get, path = "/api/v1/bases/{id}/incentives/summary", tag = "incentives", params(("id" = String, Path), SummaryQuery), responses((status = 200, body = SummaryOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn summary(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<SummaryOut>, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let year = match super::training::text(&params, "year") {
        None => shanghai_date(state.app.now()).year(),
        Some(text) => match text.parse::<i32>() {
            Ok(year) if (2000..=2100).contains(&year) => year,
            _ => {
                let problem = FieldProblem::new("year", "invalid_year", "year 应为 2000 至 2100 之间的年份");
                return Err(ApiError::fields(vec![problem]));
            }
        },
    };
    Ok(Json(summary_out(&state.app.incentive_summary(&who, base, year).await?)))
}
