//! The programme dashboard (C1) as JSON: `GET /api/v1/reports/program` (staff, leaders, the
//! coordination group) and the public part, `GET /api/v1/public/program`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use skillbase_app::program::{BaseFigures, ProgramReport};
use skillbase_domain::application::FUNNEL;
use skillbase_domain::dictionary::Dictionary;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::session::SignedIn;

#[derive(Debug, Serialize, ToSchema)]
pub struct YearOut {
    pub year: i64,
    pub recognised: i64,
    /// Recognised up to the year's end and not revoked by then.
    pub in_force: i64,
    pub revoked: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    /// A dictionary code or a policy id.
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BasesOut {
    pub target_min: u32,
    pub target_max: u32,
    pub in_force: i64,
    pub revoked: i64,
    pub years: Vec<YearOut>,
    pub industries: Vec<CountOut>,
}

fn bases_out(b: &BaseFigures) -> BasesOut {
    BasesOut {
        target_min: b.target.0,
        target_max: b.target.1,
        in_force: b.in_force,
        revoked: b.revoked,
        years: b
            .years
            .iter()
            .map(|y| YearOut { year: y.year, recognised: y.recognised, in_force: y.in_force, revoked: y.revoked })
            .collect(),
        industries: b
            .industries
            .iter()
            .map(|(id, name, n)| CountOut { key: id.clone(), label: name.clone(), count: *n })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelOut {
    pub call: String,
    pub year: i64,
    /// How many reached each step, in the order of `steps`.
    pub reached: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundsOut {
    pub granted_fen: i64,
    pub disbursed_fen: i64,
    pub spent_fen: i64,
    pub balance_fen: i64,
    /// Spent per expense category of the policy, every category listed.
    pub by_category: Vec<CountOut>,
    /// Spent over granted, in hundredths of a percent.
    pub execution_basis_points: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTrainingOut {
    pub trainees: i64,
    pub by_category: Vec<CountOut>,
    pub supply_chain: i64,
    pub supply_chain_basis_points: i64,
    pub enrolments: i64,
    pub completed: i64,
    pub certificates_by_level: Vec<CountOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramOut {
    pub bases: BasesOut,
    /// The pipeline's steps.
    pub steps: Vec<String>,
    pub funnels: Vec<FunnelOut>,
    pub funds: FundsOut,
    pub training: ProgramTrainingOut,
}

fn program_out(r: &ProgramReport) -> ProgramOut {
    use skillbase_domain::training::{Category, Level};
    let count_of = |found: Option<i64>| found.unwrap_or(0);
    ProgramOut {
        bases: bases_out(&r.bases),
        steps: FUNNEL.iter().map(|s| (*s).to_owned()).collect(),
        funnels: r
            .funnels
            .iter()
            .map(|f| FunnelOut { call: f.title.clone(), year: f.year, reached: f.reached.clone() })
            .collect(),
        funds: FundsOut {
            granted_fen: r.funds.granted,
            disbursed_fen: r.funds.disbursed,
            spent_fen: r.funds.spent,
            balance_fen: r.funds.balance,
            by_category: r
                .categories
                .iter()
                .map(|(id, name)| CountOut {
                    key: id.clone(),
                    label: name.clone(),
                    count: r.funds.spent_by_category.get(id).copied().unwrap_or(0),
                })
                .collect(),
            execution_basis_points: r.funds.execution_basis_points(),
        },
        training: ProgramTrainingOut {
            trainees: r.trainee_total(),
            by_category: Category::ALL
                .iter()
                .map(|c| CountOut {
                    key: c.code().to_owned(),
                    label: c.label().to_owned(),
                    count: count_of(r.trainees.iter().find(|(k, _)| k == c).map(|(_, n)| *n)),
                })
                .collect(),
            supply_chain: r.supply_chain,
            supply_chain_basis_points: r.supply_chain_basis_points(),
            enrolments: r.enrolments,
            completed: r.completed,
            certificates_by_level: Level::ALL
                .iter()
                .map(|l| CountOut {
                    key: l.code().to_owned(),
                    label: l.label().to_owned(),
                    count: count_of(r.certificates.iter().find(|(k, _)| k == l).map(|(_, n)| *n)),
                })
                .collect(),
        },
    }
}

/// The programme dashboard: bases against the target, every call's pipeline, the subsidy by
/// category, training outcomes.
#[utoipa::path(get, path = "/api/v1/reports/program", tag = "reports", responses((status = 200, body = ProgramOut), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn program(State(state): State<AppState>, SignedIn(who): SignedIn) -> Result<Json<ProgramOut>, ApiError> {
    Ok(Json(program_out(&state.app.program_report(&who).await?)))
}

/// The public part: recognised bases against the target, by year and key industry.
#[utoipa::path(get, path = "/api/v1/public/program", tag = "reports", responses((status = 200, body = BasesOut)))]
pub async fn public_program(State(state): State<AppState>) -> Result<Json<BasesOut>, ApiError> {
    Ok(Json(bases_out(&state.app.base_figures().await?)))
}
