//! 年度复核 (C4.4) on the bureau's and the base's side: the campaigns (staff open one per year
//! and end it once every report is concluded), a campaign's reports with its summary workbook,
//! and one report — the figures pre-filled from the records with their sources, the base's
//! corrections, self-assessment and plan, the bureau's conclusion, rectification and its answer,
//! the leader's decision on a revocation, and for a revoked base the balance to be recovered —
//! with a printable A4 report and the decision letter.
//!
//! As everywhere, every page works without script: actions are form posts with the CSRF token,
//! answered with a redirect (303, `?done=`) when they succeed and with the same page, what was
//! typed kept and each error beside its field (4xx), when refused.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use skillbase_app::annual_review::{AnnualReportFilter, CampaignView, ReportRecord, ReportView, StepInput};
use skillbase_app::auth::Authenticated;
use skillbase_domain::access::Action;
use skillbase_domain::annual_review::{
    self as domain, CampaignInput, Clause, Ground, Line, ReportAction, ReportInput, ReportStatus, Standing,
};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{AnnualReportId, CampaignId};
use skillbase_domain::money::Money;
use skillbase_domain::roles::Role;

use super::admin::local_time;
use super::kit::{
    Control, Errors, Input, PathId, Reason, SignedInMultipart, SignedInPost, Who, XLSX, download, error_page,
    not_found, or_error_page, page_request, refusal,
};
use super::{Page, allowed, respond};
use crate::routes::{Route, route};
use crate::session::Meta;
use crate::{AppState, Params};

pub(super) fn routes() -> Vec<Route> {
    use Action::{FileAnnualReport, ManageFunding, ReadAnnualReview, RunAnnualReview};
    vec![
        route(Method::GET, "/annual-reviews", ReadAnnualReview, get(campaigns)),
        route(Method::POST, "/annual-reviews", RunAnnualReview, post(open_campaign)),
        route(Method::GET, "/annual-reviews/{id}", RunAnnualReview, get(campaign)),
        route(Method::POST, "/annual-reviews/{id}/close", RunAnnualReview, post(close_campaign)),
        route(Method::GET, "/annual-reviews/{id}/summary.xlsx", RunAnnualReview, get(summary_xlsx)),
        route(Method::GET, "/annual-reports/{id}", ReadAnnualReview, get(report)),
        route(Method::POST, "/annual-reports/{id}", FileAnnualReport, post(save_report)),
        route(Method::POST, "/annual-reports/{id}/decision", ReadAnnualReview, post(decide)),
        route(Method::POST, "/annual-reports/{id}/recoveries", ManageFunding, post(record_recovery)),
        route(Method::GET, "/annual-reports/{id}/print", ReadAnnualReview, get(print)),
        route(Method::GET, "/annual-reports/{id}/photos/{clause}", ReadAnnualReview, get(photo)),
        route(Method::GET, "/annual-reports/{id}/letter", ReadAnnualReview, get(letter)),
    ]
}

/// The words for a `?done=` code after a redirect (never text from the query itself).
fn done_notice(raw: Option<&str>) -> Option<&'static str> {
    let params = crate::query_params(raw).ok()?;
    Some(match params.get("done")? {
        "opened" => "已开启年度复核，各基地已收到填报通知。",
        "closed" => "本年度复核已结束。",
        "saved" => "已保存。提交前仍可修改。",
        "submit" => "年度报告已提交，待经办人复核。",
        "pass" => "已作出复核通过的结论，基地已收到通知。",
        "rectify" => "已责令整改，基地已收到通知；逾期未答复的将提醒经办人和分管领导。",
        "answer" => "整改情况已提交，待经办人复核。",
        "propose_revocation" => "已提请核销，待分管领导审批。",
        "approve_revocation" => "已批准核销：基地状态、名录和牌匾核验即时更新，基地已收到通知。",
        "reject_revocation" => "已不同意核销，报告退回经办人。",
        "recovered" => "已登记退回的结余资金。",
        _ => return None,
    })
}

fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

fn bureau(who: &Authenticated) -> bool {
    matches!(who.role, Role::Staff | Role::Leader)
}

// ---------------------------------------------------------------------------------------------
// 年度复核: the campaigns (the bureau) or the base's own reports

#[derive(Debug)]
struct CampaignRow {
    id: String,
    year: i32,
    cut_off: String,
    due_on: String,
    status: &'static str,
    total: i64,
    pending: i64,
    overdue: i64,
    open: i64,
    passed: i64,
    revoked: i64,
}

fn campaign_row(v: &CampaignView) -> CampaignRow {
    let concluded = v.count(ReportStatus::Passed) + v.count(ReportStatus::Revoked);
    CampaignRow {
        id: v.record.id.to_string(),
        year: v.record.year,
        cut_off: v.record.cut_off.to_string(),
        due_on: v.record.due_on.to_string(),
        status: v.record.status.label(),
        total: v.total,
        pending: v.count(ReportStatus::Pending),
        overdue: v.overdue,
        open: v.total - concluded - v.count(ReportStatus::Pending),
        passed: v.count(ReportStatus::Passed),
        revoked: v.count(ReportStatus::Revoked),
    }
}

#[derive(Debug)]
struct ReportRow {
    id: String,
    year: i32,
    base: String,
    number: String,
    status: &'static str,
    due_on: String,
    flags: String,
}

fn report_row(r: &ReportRecord) -> ReportRow {
    let mut flags = Vec::new();
    if r.overdue {
        flags.push("逾期未报".to_owned());
    }
    if let Some(due) = r.rectification_due.filter(|_| r.status == ReportStatus::Rectifying) {
        flags.push(format!("整改期限 {due}"));
    }
    if r.escalated_at.is_some() && r.status == ReportStatus::Rectifying {
        flags.push("整改逾期".to_owned());
    }
    ReportRow {
        id: r.id.to_string(),
        year: r.year,
        base: r.base_name.clone(),
        number: r.base_number.clone(),
        status: r.status.label(),
        due_on: r.due_on.to_string(),
        flags: flags.join("；"),
    }
}

#[derive(Template)]
#[template(path = "annual_review/campaigns.html")]
struct CampaignsPage {
    page: Page,
    campaigns: Vec<CampaignRow>,
    /// The base's own reports (an organisation).
    reports: Vec<ReportRow>,
    is_bureau: bool,
    opening: bool,
    inputs: Vec<Input>,
    note: Reason,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

fn campaign_inputs(posted: Option<&Params>, errors: &mut Errors) -> Vec<Input> {
    let value = |name: &str| posted.and_then(|p| p.get(name)).unwrap_or_default().to_owned();
    vec![
        Input::number("year", "复核年度", (2023, 2100)).value(&value("year")).with_error(errors.take("year")),
        Input::new("cut_off", "在册截止日", Control::Date)
            .value(&value("cut_off"))
            .hint("截止日（含）前认定且未核销的基地须填报年度报告")
            .with_error(errors.take("cut_off")),
        Input::number("days", "填报期限（工作日）", (5, 60))
            .value(&value("days"))
            .hint("自开启次日起按国务院节假日安排计算工作日")
            .with_error(errors.take("days")),
    ]
}

async fn campaigns_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    (posted, mut errors): (Option<&Params>, Errors),
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = "/annual-reviews".to_owned();
    let is_bureau = bureau(who);
    let loaded = async {
        let campaigns = if is_bureau { state.app.campaigns(who).await? } else { Vec::new() };
        let reports = if is_bureau {
            Vec::new()
        } else {
            state
                .app
                .annual_reports(who, &AnnualReportFilter::default(), &skillbase_app::PageRequest::all())
                .await?
                .items
        };
        Ok::<_, skillbase_app::AppError>((campaigns, reports))
    };
    let (campaigns, reports) = or_error_page!(loaded.await, page);
    let inputs = campaign_inputs(posted, &mut errors);
    let note = Reason::new(posted.and_then(|p| p.get("note")).unwrap_or_default().to_owned(), errors.take("note"));
    let template = CampaignsPage {
        page: page.clone(),
        campaigns: campaigns.iter().map(campaign_row).collect(),
        reports: reports.iter().map(report_row).collect(),
        is_bureau,
        opening: who.role == Role::Staff,
        inputs,
        note,
        notice,
        errors: errors.rest(),
    };
    respond(status, &page, &template)
}

/// `GET /annual-reviews`
async fn campaigns(State(state): State<AppState>, page: Page, Who(who): Who, RawQuery(raw): RawQuery) -> Response {
    campaigns_page(&state, page, &who, (None, Errors::default()), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

/// `POST /annual-reviews` (year, cut_off, days, note)
async fn open_campaign(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = CampaignInput { year: get("year"), cut_off: get("cut_off"), days: get("days"), note: get("note") };
    match state.app.open_campaign(&who, &input, &meta).await {
        Ok(id) => Redirect::to(&format!("/annual-reviews/{id}?done=opened")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => campaigns_page(&state, page, &who, (Some(&fields), errors), (None, status)).await,
            Err(error) => error_page(page, error),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// One campaign: its reports

#[derive(Template)]
#[template(path = "annual_review/campaign.html")]
struct CampaignPage {
    page: Page,
    campaign: CampaignRow,
    note: String,
    rows: Vec<ReportRow>,
    total: i64,
    next: Option<String>,
    first: Option<String>,
    filter: Input,
    closable: bool,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

async fn campaign_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: CampaignId,
    raw: Option<&str>,
    (notice, status, errors): (Option<&'static str>, StatusCode, Vec<String>),
) -> Response {
    let base_path = format!("/annual-reviews/{id}");
    page.path = base_path.clone();
    let params = crate::query_params(raw).unwrap_or_default();
    let chosen = params.get("status").and_then(ReportStatus::parse);
    let request = page_request(&params);
    let loaded = async {
        let view = state.app.campaign(who, id).await?;
        let filter = AnnualReportFilter { campaign: Some(id), status: chosen, ..Default::default() };
        let found = state.app.annual_reports(who, &filter, &request).await?;
        Ok::<_, skillbase_app::AppError>((view, found))
    };
    let (view, found) = or_error_page!(loaded.await, page);
    let status_part = chosen.map(|s| format!("status={}&", s.code())).unwrap_or_default();
    let next = found.next.as_ref().map(|n| format!("{base_path}?{status_part}after={n}"));
    let first =
        request.after.as_ref().map(|_| format!("{base_path}?{status_part}").trim_end_matches(['?', '&']).to_owned());
    let mut options =
        vec![super::kit::Choice { value: String::new(), label: "全部".into(), selected: chosen.is_none() }];
    options.extend(ReportStatus::ALL.iter().map(|s| super::kit::Choice {
        value: s.code().to_owned(),
        label: s.label().to_owned(),
        selected: chosen == Some(*s),
    }));
    let closable = who.role == Role::Staff && view.record.status == domain::CampaignStatus::Open;
    let template = CampaignPage {
        page: page.clone(),
        note: view.record.note.clone().unwrap_or_default(),
        campaign: campaign_row(&view),
        rows: found.items.iter().map(report_row).collect(),
        total: found.total,
        next,
        first,
        filter: Input::choose("status", "状态", options),
        closable,
        notice,
        errors,
    };
    respond(status, &page, &template)
}

/// `GET /annual-reviews/{id}?status=&after=`
async fn campaign(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<CampaignId>,
    RawQuery(raw): RawQuery,
) -> Response {
    let notice = done_notice(raw.as_deref());
    campaign_page(&state, page, &who, id, raw.as_deref(), (notice, StatusCode::OK, Vec::new())).await
}

/// `POST /annual-reviews/{id}/close`
async fn close_campaign(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<CampaignId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    match state.app.close_campaign(&who, id, &meta).await {
        Ok(()) => Redirect::to(&format!("/annual-reviews/{id}?done=closed")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => campaign_page(&state, page, &who, id, None, (None, status, errors.rest())).await,
            Err(error) => error_page(page, error),
        },
    }
}

const SUMMARY_HEADER: [&str; 16] = [
    "基地名称",
    "牌匾编号",
    "状态",
    "填报截止",
    "是否逾期",
    "培训学员（人）",
    "其中产业链上下游企业职工（人）",
    "班次",
    "学时",
    "结业人次",
    "取得证书（人）",
    "高师带徒（对）",
    "竞赛获奖人次",
    "已拨付（元）",
    "支出合计（元）",
    "结余（元）",
];

/// `GET /annual-reviews/{id}/summary.xlsx`: one row per base, the figures as filed (or as the
/// records hold them for a report not yet filed), corrected where the base corrected them.
async fn summary_xlsx(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<CampaignId>,
) -> Response {
    let loaded = async {
        let view = state.app.campaign(&who, id).await?;
        let filter = AnnualReportFilter { campaign: Some(id), ..Default::default() };
        let all = skillbase_app::every(|request| {
            let (state, who, filter) = (&state, &who, &filter);
            async move { state.app.annual_reports(who, filter, &request).await }
        })
        .await?;
        let mut rows = Vec::new();
        for record in &all {
            let report = state.app.annual_report(&who, record.id).await?;
            rows.push(summary_cells(&report));
        }
        Ok::<_, skillbase_app::AppError>((view, rows))
    };
    let (view, rows) = or_error_page!(loaded.await, page);
    let bytes = match crate::xlsx::sheet("年度复核汇总", &SUMMARY_HEADER, &rows) {
        Ok(bytes) => bytes,
        Err(error) => return error_page(page, skillbase_app::AppError::internal(error)),
    };
    if let Err(error) = state.app.record_export(&who, "annual_review_summary", rows.len(), &meta).await {
        return error_page(page, error);
    }
    download(bytes, XLSX, &format!("annual-review-{}.xlsx", view.record.year))
}

/// A figure as the report stands: the base's correction if any, else the pre-filled value.
fn figure(view: &ReportView, key: &str) -> i64 {
    let content = &view.record.content;
    content
        .correction(key)
        .map(|c| c.value)
        .or_else(|| view.lines.iter().find(|l| l.key == key).map(|l| l.value))
        .unwrap_or(0)
}

fn summary_cells(view: &ReportView) -> Vec<String> {
    let sum = |prefix: &str, suffix: &str| -> i64 {
        view.lines
            .iter()
            .filter(|l| {
                l.key.starts_with(prefix)
                    && l.key.ends_with(suffix)
                    && l.key.matches('.').count() == prefix.matches('.').count() + usize::from(!suffix.is_empty())
            })
            .map(|l| figure(view, &l.key))
            .sum()
    };
    let r = &view.record;
    vec![
        r.base_name.clone(),
        r.base_number.clone(),
        r.status.label().to_owned(),
        r.due_on.to_string(),
        if r.overdue { "是" } else { "否" }.to_owned(),
        figure(view, "trainees").to_string(),
        figure(view, "supply_chain").to_string(),
        sum("classes.", "").to_string(),
        sum("classes.", ".hours").to_string(),
        figure(view, "completed").to_string(),
        sum("certificates.", "").to_string(),
        figure(view, "apprenticeships").to_string(),
        figure(view, "competition_awards").to_string(),
        Money::from_fen(figure(view, "disbursed")).to_yuan_string(),
        Money::from_fen(figure(view, "spent")).to_yuan_string(),
        Money::from_fen(figure(view, "balance")).to_yuan_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// One report

#[derive(Debug)]
struct FigureRow {
    key: String,
    label: String,
    value: String,
    source: String,
    corrected: Option<String>,
    reason: String,
    /// The base's inputs while it may still correct.
    inputs: Option<(Input, Input)>,
}

#[derive(Debug)]
struct ClauseRow {
    code: &'static str,
    label: &'static str,
    standing: String,
    note: String,
    inputs: Option<(Input, Input)>,
    /// The new photo's name and where it downloads.
    photo: Option<(String, String)>,
    /// The base's file input for a new photo.
    photo_input: Option<Input>,
}

#[derive(Debug)]
struct StepRow {
    what: String,
    who: String,
    at: String,
    comment: String,
}

fn step_label(code: &str) -> String {
    match code {
        "overdue" => "逾期未报（系统）".to_owned(),
        "rectification_overdue" => "整改逾期（系统提醒）".to_owned(),
        other => ReportAction::parse(other).map_or_else(|| other.to_owned(), |a| a.label().to_owned()),
    }
}

#[derive(Template)]
#[template(path = "annual_review/report.html")]
struct ReportPage {
    page: Page,
    id: String,
    year: i32,
    base_id: String,
    base_name: String,
    number: String,
    status: &'static str,
    status_code: &'static str,
    due_on: String,
    overdue: bool,
    base_status: &'static str,
    revoked_on: String,
    live: bool,
    figures: Vec<FigureRow>,
    clauses: Vec<ClauseRow>,
    plan: String,
    plan_input: Option<Input>,
    rectification: String,
    rectification_due: String,
    escalated: bool,
    answer: String,
    ground: String,
    /// The base: save and submit (pending), answer (rectifying).
    filing: bool,
    answering: bool,
    answer_input: Reason,
    /// Staff: conclude (submitted or answered), propose revocation (any open state).
    concluding: bool,
    proposing: bool,
    /// The leader: decide a proposed revocation; `own` when the leader proposed it.
    deciding: bool,
    own: bool,
    pass: Reason,
    rectify: Reason,
    days: Input,
    propose: Reason,
    grounds: Input,
    approve: Reason,
    reject: Reason,
    recovery: Option<RecoveryBox>,
    history: Vec<StepRow>,
    has_letter: bool,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Debug)]
struct RecoveryBox {
    balance: String,
    recovered: String,
    outstanding: String,
    entries: Vec<(String, String, String)>,
    recording: bool,
    inputs: Vec<Input>,
}

/// What a refused post brings back: the fields as posted and the errors by field.
#[derive(Default)]
struct ReportAsPosted {
    fields: Option<Params>,
    /// Which form was posted (`save`, an action code, `recovery`): its errors go beside it.
    form: String,
    errors: Errors,
}

fn value_key(key: &str) -> String {
    format!("value.{key}")
}

fn reason_key(key: &str) -> String {
    format!("reason.{key}")
}

fn standing_key(clause: Clause) -> String {
    format!("standing.{}", clause.code())
}

fn note_key(clause: Clause) -> String {
    format!("note.{}", clause.code())
}

const PHOTO_TYPES: &str = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf";

fn photo_key(clause: Clause) -> String {
    format!("photo.{}", clause.code())
}

/// A clause's photo as a link: its name and its address.
fn photo_link(
    id: AnnualReportId,
    clause: Clause,
    found: Option<&skillbase_domain::annual_review::Assessment>,
) -> Option<(String, String)> {
    let photo = found?.photo.as_ref()?;
    Some((photo.name.clone(), format!("/annual-reports/{id}/photos/{}", clause.code())))
}

fn shown(line: &Line, value: i64) -> String {
    if line.is_money() { money(value) } else { format!("{value} {}", line.unit) }
}

fn typed(line: &Line, value: i64) -> String {
    if line.is_money() { Money::from_fen(value).to_yuan_string() } else { value.to_string() }
}

async fn report_page(
    state: &AppState,
    mut page: Page,
    who: &Authenticated,
    id: AnnualReportId,
    mut posted: ReportAsPosted,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    page.path = format!("/annual-reports/{id}");
    let view = or_error_page!(state.app.annual_report(who, id).await, page);
    let r = &view.record;
    let fields = posted.fields.take();
    let from_post = |name: &str| fields.as_ref().and_then(|f| f.get(name)).map(str::to_owned);
    let errors = &mut posted.errors;
    let filing = view.may_file && r.status == ReportStatus::Pending;
    let answering = view.may_file && r.status == ReportStatus::Rectifying;
    let content = &r.content;
    // The report as read, and while the base may still correct it, its inputs on each row.
    let (mut figures, mut clauses) = read_only(&view);
    if filing {
        for (row, line) in figures.iter_mut().zip(&view.lines) {
            let correction = content.correction(&line.key);
            let value = from_post(&value_key(&line.key))
                .unwrap_or_else(|| correction.map(|c| typed(line, c.value)).unwrap_or_default());
            let reason = from_post(&reason_key(&line.key))
                .unwrap_or_else(|| correction.map(|c| c.reason.clone()).unwrap_or_default());
            row.inputs = Some((
                Input::text(value_key(&line.key), format!("{}：更正数", line.label))
                    .value(&value)
                    .inputmode(if line.is_money() { "decimal" } else { "numeric" })
                    .maxlength(20)
                    .optional()
                    .cell()
                    .with_error(errors.take(&format!("corrections.{}", line.key))),
                Input::text(reason_key(&line.key), format!("{}：更正理由", line.label))
                    .value(&reason)
                    .maxlength(500)
                    .optional()
                    .cell()
                    .with_error(errors.take(&format!("corrections.{}.reason", line.key))),
            ));
        }
        let standing_options: Vec<(&str, &str)> = Standing::ALL.iter().map(|s| (s.code(), s.label())).collect();
        for (row, &clause) in clauses.iter_mut().zip(Clause::ALL) {
            let found = content.assessment.iter().find(|a| a.clause == clause);
            let standing = from_post(&standing_key(clause))
                .unwrap_or_else(|| found.map(|a| a.standing.code().to_owned()).unwrap_or_default());
            let note =
                from_post(&note_key(clause)).unwrap_or_else(|| found.map(|a| a.note.clone()).unwrap_or_default());
            row.inputs = Some((
                Input::radios(
                    standing_key(clause),
                    format!("{} {}", clause.code(), clause.label()),
                    standing_options.clone(),
                )
                .value(&standing)
                .with_error(errors.take(&format!("assessment.{}", clause.code()))),
                Input::new(note_key(clause), "情况说明", Control::Area { rows: 2 })
                    .value(&note)
                    .hint("有变化或已不符合的须说明；制度上墙等请写明新照片已存档的情况")
                    .maxlength(1000)
                    .optional()
                    .with_error(errors.take(&format!("assessment.{}.note", clause.code()))),
            ));
            row.photo_input = Some(
                Input::new(photo_key(clause), "新照片（选填）", Control::File { accept: Some(PHOTO_TYPES) })
                    .hint("实训场地、团队或制度上墙的新照片，JPEG、PNG 或 PDF；不上传则保留已有照片")
                    .optional()
                    .with_error(errors.take(&format!("assessment.{}.photo", clause.code()))),
            );
        }
    }
    let plan_input = filing.then(|| {
        Input::new("plan", "下一年度培育计划", Control::Area { rows: 5 })
            .value(&from_post("plan").unwrap_or_else(|| content.plan.clone()))
            .maxlength(3000)
            .with_error(errors.take("plan"))
    });
    let staff = who.role == Role::Staff && view.may_decide;
    let concluding = staff && matches!(r.status, ReportStatus::Submitted | ReportStatus::Answered);
    let proposing = staff && r.status != ReportStatus::RevocationProposed;
    let deciding = who.role == Role::Leader && r.status == ReportStatus::RevocationProposed;
    let comment_for = |form: &str, errors: &mut Errors| {
        if posted.form == form {
            Reason::new(from_post("comment").unwrap_or_default(), errors.take("comment"))
        } else {
            Reason::default()
        }
    };
    let pass = comment_for("pass", errors);
    let rectify = comment_for("rectify", errors);
    let propose = comment_for("propose_revocation", errors);
    let approve = comment_for("approve_revocation", errors);
    let reject = comment_for("reject_revocation", errors);
    let answer_input = comment_for("answer", errors);
    let days = Input::number("days", "整改期限（工作日）", (5, 90))
        .value(&from_post("days").unwrap_or_else(|| "20".into()))
        .hint("自次日起按国务院节假日安排计算工作日；逾期未答复的只提醒、不自动核销")
        .with_id("f-rectify-days")
        .with_error(errors.take("days"));
    let ground_options: Vec<(String, String)> =
        Ground::ALL.iter().map(|g| (g.code().to_owned(), g.label().to_owned())).collect();
    let grounds = Input::select("ground", "核销理由", ground_options)
        .value(&from_post("ground").unwrap_or_default())
        .with_error(errors.take("ground"));
    let recovery = view.recovery.as_ref().map(|rv| {
        let recording = allowed(who, Action::ManageFunding) && rv.outstanding.fen() > 0;
        let value = |name: &str| from_post(name).unwrap_or_default();
        RecoveryBox {
            balance: rv.balance.to_string(),
            recovered: rv.recovered.to_string(),
            outstanding: rv.outstanding.to_string(),
            entries: rv
                .entries
                .iter()
                .map(|e| (e.paid_on.to_string(), e.amount.to_string(), e.voucher.clone()))
                .collect(),
            recording,
            inputs: if recording {
                vec![
                    Input::text("amount", "退回金额（元）")
                        .value(&value("amount"))
                        .inputmode("decimal")
                        .maxlength(20)
                        .with_error(errors.take("amount")),
                    Input::new("paid_on", "退回日期", Control::Date)
                        .value(&value("paid_on"))
                        .with_error(errors.take("paid_on")),
                    Input::text("voucher", "缴款凭证号")
                        .value(&value("voucher"))
                        .maxlength(64)
                        .with_error(errors.take("voucher")),
                ]
            } else {
                Vec::new()
            },
        }
    });
    let errors = std::mem::take(&mut posted.errors).rest();
    let template = ReportPage {
        page: page.clone(),
        id: id.to_string(),
        year: r.year,
        base_id: r.base_id.to_string(),
        base_name: r.base_name.clone(),
        number: r.base_number.clone(),
        status: r.status.label(),
        status_code: r.status.code(),
        due_on: r.due_on.to_string(),
        overdue: r.overdue,
        base_status: view.base_status.label(),
        revoked_on: view.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
        live: view.live,
        figures,
        clauses,
        plan: content.plan.clone(),
        plan_input,
        rectification: r.rectification.clone().unwrap_or_default(),
        rectification_due: r.rectification_due.map(|d| d.to_string()).unwrap_or_default(),
        escalated: r.escalated_at.is_some() && r.status == ReportStatus::Rectifying,
        answer: r.answer.clone().unwrap_or_default(),
        ground: r.ground.map(|g| g.label().to_owned()).unwrap_or_default(),
        filing,
        answering,
        answer_input,
        concluding,
        proposing,
        deciding,
        own: deciding && r.proposed_by == Some(who.user.id),
        pass,
        rectify,
        days,
        propose,
        grounds,
        approve,
        reject,
        recovery,
        history: view
            .steps
            .iter()
            .map(|s| StepRow {
                what: step_label(&s.action),
                who: s.actor_name.clone().unwrap_or_else(|| "系统".into()),
                at: local_time(s.at),
                comment: s.comment.clone().unwrap_or_default(),
            })
            .collect(),
        has_letter: matches!(r.status, ReportStatus::Passed | ReportStatus::Rectifying | ReportStatus::Revoked),
        notice,
        errors,
    };
    respond(status, &page, &template)
}

/// `GET /annual-reports/{id}`
async fn report(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<AnnualReportId>,
    RawQuery(raw): RawQuery,
) -> Response {
    report_page(&state, page, &who, id, ReportAsPosted::default(), (done_notice(raw.as_deref()), StatusCode::OK)).await
}

fn report_input(fields: &Params, lines: &[Line]) -> ReportInput {
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    ReportInput {
        corrections: lines.iter().map(|l| (l.key.clone(), get(&value_key(&l.key)), get(&reason_key(&l.key)))).collect(),
        assessment: Clause::ALL
            .iter()
            .map(|&c| (c.code().to_owned(), get(&standing_key(c)), get(&note_key(c))))
            .collect(),
        plan: get("plan"),
    }
}

/// `POST /annual-reports/{id}` (multipart, for the photos): the base saves its corrections,
/// self-assessment with its photos, and plan.
async fn save_report(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<AnnualReportId>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let too_large = post.too_large_refusal(&state, "assessment.C2.1.4.photo").await;
    let photos: Vec<skillbase_app::annual_review::PhotoUpload> = Clause::ALL
        .iter()
        .filter_map(|&c| post.take_file(&photo_key(c)).map(|(name, bytes)| (c.code().to_owned(), name, bytes)))
        .collect();
    let fields = post.fields;
    let saved = async {
        if let Some(refused) = too_large {
            return Err(refused);
        }
        let view = state.app.annual_report(&who, id).await?;
        let input = report_input(&fields, &view.lines);
        state.app.save_annual_report(&who, id, (&input, &photos), &meta).await
    };
    let done = saved.await.map(|()| "saved");
    answer(&state, (page, &who, id), done, (fields, "save")).await
}

/// `GET /annual-reports/{id}/photos/{clause}`: a self-assessment's photo.
async fn photo(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    axum::extract::Path((id, clause)): axum::extract::Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<AnnualReportId>() else { return not_found(page) };
    let (name, kind, bytes) = or_error_page!(state.app.annual_report_photo(&who, id, &clause).await, page);
    let mime = skillbase_domain::attachment::FileKind::parse(&kind).map_or("application/octet-stream", |k| k.mime());
    download(bytes, mime, &name)
}

/// A post's answer: a redirect to the report with what was done, or the report again with what
/// was posted and each error beside its field (`form` says which form was posted).
async fn answer(
    state: &AppState,
    (page, who, id): (Page, &Authenticated, AnnualReportId),
    done: Result<&str, skillbase_app::AppError>,
    (fields, form): (Params, &str),
) -> Response {
    match done {
        Ok(done) => Redirect::to(&format!("/annual-reports/{id}?done={done}")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let posted = ReportAsPosted { fields: Some(fields), form: form.to_owned(), errors };
                report_page(state, page, who, id, posted, (None, status)).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `POST /annual-reports/{id}/decision` (action, comment, days, ground): the report's next step.
async fn decide(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<AnnualReportId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(action) = fields.get("action").and_then(ReportAction::parse) else {
        return not_found(page);
    };
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = StepInput { comment: get("comment"), days: get("days"), ground: get("ground") };
    let done = state.app.decide_annual_report(&who, id, action, &input, &meta).await.map(|_| action.code());
    answer(&state, (page, &who, id), done, (fields, action.code())).await
}

/// `POST /annual-reports/{id}/recoveries` (amount, paid_on, voucher): staff record money the
/// revoked base paid back.
async fn record_recovery(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PathId(id): PathId<AnnualReportId>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let recorded = async {
        let view = state.app.annual_report(&who, id).await?;
        state
            .app
            .record_recovery(&who, view.record.base_id, (&get("amount"), &get("paid_on"), &get("voucher")), &meta)
            .await
    };
    let done = recorded.await.map(|_| "recovered");
    answer(&state, (page, &who, id), done, (fields, "recovery")).await
}

// ---------------------------------------------------------------------------------------------
// Documents: the annual report (A4) and the decision letter

#[derive(Template)]
#[template(path = "annual_review/print.html")]
struct PrintPage {
    page: Page,
    id: String,
    year: i32,
    base_name: String,
    number: String,
    status: &'static str,
    live: bool,
    submitted: String,
    figures: Vec<FigureRow>,
    clauses: Vec<ClauseRow>,
    plan: String,
    issuer: &'static str,
}

/// The report's figures and self-assessment as read (no inputs): the print view's, and the
/// report page's before it adds the base's inputs.
fn read_only(view: &ReportView) -> (Vec<FigureRow>, Vec<ClauseRow>) {
    let content = &view.record.content;
    let figures = view
        .lines
        .iter()
        .map(|line| {
            let correction = content.correction(&line.key);
            FigureRow {
                key: line.key.replace('.', "-"),
                label: line.label.clone(),
                value: shown(line, line.value),
                source: line.source.clone(),
                corrected: correction.map(|c| shown(line, c.value)),
                reason: correction.map(|c| c.reason.clone()).unwrap_or_default(),
                inputs: None,
            }
        })
        .collect();
    let clauses = Clause::ALL
        .iter()
        .map(|&clause| {
            let found = content.assessment.iter().find(|a| a.clause == clause);
            ClauseRow {
                code: clause.code(),
                label: clause.label(),
                standing: found.map(|a| a.standing.label().to_owned()).unwrap_or_else(|| "未填写".into()),
                note: found.map(|a| a.note.clone()).unwrap_or_default(),
                inputs: None,
                photo: photo_link(view.record.id, clause, found),
                photo_input: None,
            }
        })
        .collect();
    (figures, clauses)
}

/// `GET /annual-reports/{id}/print`: the annual report as an A4 document.
async fn print(
    State(state): State<AppState>,
    mut page: Page,
    Who(who): Who,
    PathId(id): PathId<AnnualReportId>,
) -> Response {
    let view = or_error_page!(state.app.annual_report(&who, id).await, page);
    page.path = format!("/annual-reports/{id}/print");
    let (figures, clauses) = read_only(&view);
    let r = &view.record;
    let template = PrintPage {
        page: page.clone(),
        id: id.to_string(),
        year: r.year,
        base_name: r.base_name.clone(),
        number: r.base_number.clone(),
        status: r.status.label(),
        live: view.live,
        submitted: r.submitted_at.map(local_time).unwrap_or_default(),
        figures,
        clauses,
        plan: r.content.plan.clone(),
        issuer: skillbase_app::notices::ISSUER,
    };
    respond(StatusCode::OK, &page, &template)
}

#[derive(Template)]
#[template(path = "annual_review/letter.html")]
struct LetterPage {
    page: Page,
    id: String,
    title: String,
    base_name: String,
    number: String,
    year: i32,
    paragraphs: Vec<String>,
    issuer: &'static str,
    dated: String,
}

/// `GET /annual-reports/{id}/letter`: the decision letter (复核结论通知书 / 整改通知书 / 核销决定书).
async fn letter(
    State(state): State<AppState>,
    mut page: Page,
    Who(who): Who,
    PathId(id): PathId<AnnualReportId>,
) -> Response {
    let view = or_error_page!(state.app.annual_report(&who, id).await, page);
    page.path = format!("/annual-reports/{id}/letter");
    let r = &view.record;
    let last = |code: &str| view.steps.iter().rev().find(|s| s.action == code);
    let (title, paragraphs, dated) = match r.status {
        ReportStatus::Passed => {
            let step = last("pass");
            (
                format!("{} 年度复核结论通知书", r.year),
                vec![
                    format!(
                        "经对你单位 {} 年度报告及培训、认定、激励和资金使用情况的复核，你单位「{}」（牌匾编号 {}）符合青浦区技能人才培育实训基地建设标准，{} 年度复核通过。",
                        r.year, r.base_name, r.base_number, r.year
                    ),
                    step.and_then(|s| s.comment.clone()).map(|c| format!("复核意见：{c}")).unwrap_or_default(),
                    "请继续按照《关于建设青浦区技能人才培育实训基地的实施意见》做好技能人才培育工作，专项资金专款专用。".to_owned(),
                ],
                step.map(|s| s.at),
            )
        }
        ReportStatus::Rectifying => (
            format!("{} 年度复核整改通知书", r.year),
            vec![
                format!(
                    "经 {} 年度复核，你单位「{}」（牌匾编号 {}）存在以下问题，需要整改：",
                    r.year, r.base_name, r.base_number
                ),
                r.rectification.clone().unwrap_or_default(),
                format!(
                    "请于 {} 24 时前完成整改，并在年度报告中提交整改情况。整改不到位的，将依据{}予以核销。",
                    r.rectification_due.map(|d| d.to_string()).unwrap_or_default(),
                    domain::CLAUSE
                ),
            ],
            last("rectify").map(|s| s.at),
        ),
        ReportStatus::Revoked => {
            let proposal = last("propose_revocation");
            (
                "实训基地核销决定书".to_owned(),
                vec![
                    format!(
                        "根据《关于建设青浦区技能人才培育实训基地的实施意见》{}，经 {} 年度复核，你单位「{}」（牌匾编号 {}）{}，决定自 {} 起核销其青浦区技能人才培育实训基地认定。",
                        domain::CLAUSE,
                        r.year,
                        r.base_name,
                        r.base_number,
                        r.ground.map(Dictionary::label).unwrap_or_default(),
                        view.revoked_on.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    proposal.and_then(|s| s.comment.clone()).map(|c| format!("事实和依据：{c}")).unwrap_or_default(),
                    view.recovery
                        .as_ref()
                        .map(|rv| format!("自核销之日起不得再列支实训基地补助资金。截至核销日，你单位尚有结余资金 {}，应按规定退回（已退回 {}，待退回 {}）。", rv.balance, rv.recovered, rv.outstanding))
                        .unwrap_or_default(),
                    "已登记的培训记录继续保存，可供查阅。".to_owned(),
                ],
                last("approve_revocation").map(|s| s.at),
            )
        }
        _ => return not_found(page),
    };
    let dated = dated.map(|at| {
        let d = skillbase_domain::clock::shanghai_date(at);
        format!("{}年{}月{}日", chrono::Datelike::year(&d), chrono::Datelike::month(&d), chrono::Datelike::day(&d))
    });
    let template = LetterPage {
        page: page.clone(),
        id: id.to_string(),
        title,
        base_name: r.base_name.clone(),
        number: r.base_number.clone(),
        year: r.year,
        paragraphs: paragraphs.into_iter().filter(|p| !p.is_empty()).collect(),
        issuer: skillbase_app::notices::ISSUER,
        dated: dated.unwrap_or_default(),
    };
    respond(StatusCode::OK, &page, &template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_done_code_reads_as_words_and_unknown_ones_are_ignored() {
        assert_eq!(done_notice(Some("done=pass")), Some("已作出复核通过的结论，基地已收到通知。"));
        assert_eq!(done_notice(Some("done=<script>")), None);
        for action in ReportAction::ALL {
            assert!(done_notice(Some(&format!("done={}", action.code()))).is_some(), "{action:?}");
        }
    }
}
