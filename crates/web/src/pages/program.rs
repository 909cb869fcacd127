//! 项目总览 (C1): the programme dashboard for staff, leaders and the coordination group — the
//! recognised bases against the target by year and by key industry, each call's pipeline, the
//! subsidy by category and the training outcomes, as server-drawn SVG charts each with its
//! table, printable, and as an Excel workbook — and the public summary of the bases at
//! `/program`.

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use skillbase_app::program::{BaseFigures, ProgramReport};
use skillbase_domain::access::Action;
use skillbase_domain::application::FUNNEL;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::money::Money;

use super::kit::{BarChart, Who, XLSX, download, error_page, or_error_page};
use super::{Page, respond};
use crate::AppState;
use crate::routes::{Route, route};
use crate::session::Meta;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/reports/program", Action::ReadProgram, get(dashboard)),
        route(Method::GET, "/reports/program.xlsx", Action::ReadProgram, get(workbook)),
        route(Method::GET, "/program", Action::ReadPublic, get(public)),
    ]
}

fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

fn percent(basis_points: i64) -> String {
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

/// The charts of the bases (the dashboard's and the public page's).
fn base_charts(b: &BaseFigures) -> Vec<BarChart> {
    let (low, high) = (i64::from(b.target.0), i64::from(b.target.1));
    let years = b.years.iter().map(|y| (format!("{} 年", y.year), y.in_force, format!("{} 家", y.in_force))).collect();
    let recognised =
        b.years.iter().map(|y| (format!("{} 年", y.year), y.recognised, format!("{} 家", y.recognised))).collect();
    let industries = b.industries.iter().map(|(_, name, n)| (name.clone(), *n, format!("{n} 家"))).collect();
    vec![
        BarChart::new("chart-in-force", "截至各年末在册的实训基地（对照 5–10 家的建设目标）", "在册（家）", years)
            .band(low, high, "建设目标"),
        BarChart::new("chart-recognised", "各年度新认定的实训基地", "新认定（家）", recognised),
        BarChart::new("chart-industries", "在册实训基地按重点产业", "在册（家）", industries),
    ]
}

#[derive(Debug)]
struct FunnelRow {
    title: String,
    reached: Vec<i64>,
}

#[derive(Template)]
#[template(path = "program/dashboard.html")]
struct DashboardPage {
    page: Page,
    facts: Vec<(&'static str, String, &'static str)>,
    charts: Vec<BarChart>,
    steps: [&'static str; 6],
    funnels: Vec<FunnelRow>,
}

fn facts(r: &ProgramReport) -> Vec<(&'static str, String, &'static str)> {
    let (low, high) = r.bases.target;
    vec![
        ("在册实训基地", format!("{} 家（目标 {low}–{high} 家）", r.bases.in_force), "fact-in-force"),
        ("已核销", format!("{} 家", r.bases.revoked), "fact-revoked"),
        ("核定资助", money(r.funds.granted), "fact-granted"),
        ("已拨付", money(r.funds.disbursed), "fact-disbursed"),
        ("已支出", money(r.funds.spent), "fact-spent"),
        ("执行率", percent(r.funds.execution_basis_points()), "fact-execution"),
        ("培训学员", format!("{} 人", r.trainee_total()), "fact-trainees"),
        (
            "其中产业链上下游企业职工",
            format!("{} 人（{}）", r.supply_chain, percent(r.supply_chain_basis_points())),
            "fact-supply-chain",
        ),
        ("参训 / 结业人次", format!("{} / {}", r.enrolments, r.completed), "fact-enrolments"),
        ("职业技能等级证书", format!("{} 人", r.certificates.iter().map(|(_, n)| n).sum::<i64>()), "fact-certificates"),
    ]
}

fn charts(r: &ProgramReport) -> Vec<BarChart> {
    let mut charts = base_charts(&r.bases);
    let funds = vec![
        ("核定资助".to_owned(), r.funds.granted, money(r.funds.granted)),
        ("已拨付".to_owned(), r.funds.disbursed, money(r.funds.disbursed)),
        ("已支出".to_owned(), r.funds.spent, money(r.funds.spent)),
    ];
    charts.push(BarChart::new("chart-funds", "补助资金：核定、拨付、支出", "金额（元）", funds));
    let categories = r
        .categories
        .iter()
        .map(|(id, name)| {
            let fen = r.funds.spent_by_category.get(id).copied().unwrap_or(0);
            (name.clone(), fen, money(fen))
        })
        .collect();
    charts.push(BarChart::new("chart-categories", "支出按用途", "金额（元）", categories));
    let trainees = skillbase_domain::training::Category::ALL
        .iter()
        .map(|c| {
            let n = r.trainees.iter().find(|(k, _)| k == c).map_or(0, |(_, n)| *n);
            (c.label().to_owned(), n, format!("{n} 人"))
        })
        .collect();
    charts.push(BarChart::new("chart-trainees", "培训学员按人员类别", "学员（人）", trainees));
    let certificates = skillbase_domain::training::Level::ALL
        .iter()
        .map(|l| {
            let n = r.certificates.iter().find(|(k, _)| k == l).map_or(0, |(_, n)| *n);
            (l.label().to_owned(), n, format!("{n} 人"))
        })
        .collect();
    charts.push(BarChart::new("chart-certificates", "职业技能等级证书按等级", "证书（人）", certificates));
    charts
}

/// `GET /reports/program`
async fn dashboard(State(state): State<AppState>, mut page: Page, Who(who): Who) -> Response {
    page.path = "/reports/program".to_owned();
    let report = or_error_page!(state.app.program_report(&who).await, page);
    let template = DashboardPage {
        page: page.clone(),
        facts: facts(&report),
        charts: charts(&report),
        steps: FUNNEL,
        funnels: report
            .funnels
            .iter()
            .map(|f| FunnelRow { title: f.title.clone(), reached: f.reached.clone() })
            .collect(),
    };
    respond(StatusCode::OK, &page, &template)
}

/// `GET /reports/program.xlsx`: every figure of the dashboard, one row each.
async fn workbook(State(state): State<AppState>, Meta(meta): Meta, page: Page, Who(who): Who) -> Response {
    let report = or_error_page!(state.app.program_report(&who).await, page);
    let mut rows: Vec<Vec<String>> =
        facts(&report).into_iter().map(|(label, value, _)| vec!["概况".to_owned(), label.to_owned(), value]).collect();
    for chart in charts(&report) {
        for bar in &chart.bars {
            rows.push(vec![chart.title.clone(), bar.label.clone(), bar.shown.clone()]);
        }
    }
    for f in &report.funnels {
        for (step, n) in FUNNEL.iter().zip(&f.reached) {
            rows.push(vec![format!("申报流程：{}", f.title), (*step).to_owned(), n.to_string()]);
        }
    }
    let bytes = match crate::xlsx::sheet("项目总览", &["部分", "项目", "数值"], &rows) {
        Ok(bytes) => bytes,
        Err(error) => return error_page(page, skillbase_app::AppError::internal(error)),
    };
    if let Err(error) = state.app.record_export(&who, "program_report", rows.len(), &meta).await {
        return error_page(page, error);
    }
    download(bytes, XLSX, "program.xlsx")
}

#[derive(Template)]
#[template(path = "program/public.html")]
struct PublicPage {
    page: Page,
    in_force: i64,
    target: (u32, u32),
    charts: Vec<BarChart>,
}

/// `GET /program`: the public summary — the bases only, nothing personal or financial.
async fn public(State(state): State<AppState>, page: Page) -> Response {
    let figures = or_error_page!(state.app.base_figures().await, page);
    let template = PublicPage {
        page: page.clone(),
        in_force: figures.in_force,
        target: figures.target,
        charts: base_charts(&figures),
    };
    respond(StatusCode::OK, &page, &template)
}
