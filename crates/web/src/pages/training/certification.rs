//! 等级认定 (C3.3) on the pages: the base's tab — its filings and a new filing, its sessions
//! with their results entered by resident ID and the submission, its certificates —, the
//! bureau's lists of what waits for a decision (`/bureau/certification`), the decision forms on
//! each record's page for staff and leaders, and the certificate as a printable A4 page with the
//! QR code of its public verification and as a PDF.
//!
//! Every step is a use case of `app::certification`; which forms a reader is offered is the
//! domain's life cycle asked with the reader's role, and a refusal comes back from the use case
//! beside its field or above its form. A resident ID number typed into the results form is never
//! written back into a page; numbers are shown masked everywhere.

use axum::http::HeaderMap;
use chrono::Datelike;
use skillbase_app::certification::{
    CertificateFilter, CertificateRecord, CertificationDecision, FilingFilter, FilingRecord, ResultRecord,
    SessionFilter, SessionRecord,
};
use skillbase_app::notices::ISSUER;
use skillbase_domain::certification::{
    self as domain, CertificateAction, CertificateStatus, FilingAction, FilingInput, FilingStatus, ScoresInput,
    SessionAction, SessionInput, SessionStatus,
};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{CertificateId, FilingId, ResultId, SessionId};

use super::*;
use crate::pages::admin::local_time;
use crate::pages::kit::pdf::{A4_PORTRAIT, Lines, Sheet, draw_qr};
use crate::pages::kit::{QrRun, not_found, qr_runs, verify_url};
use crate::pages::{allowed, bureau_reader};

pub(super) fn routes() -> Vec<Route> {
    use Action::{DecideCertification, ReadTraining, RecordTraining};
    vec![
        route(Method::GET, "/training/{base}/certification", ReadTraining, get(filings)),
        route(Method::POST, "/training/{base}/certification/filings", RecordTraining, post(create_filing)),
        route(Method::GET, "/training/{base}/certification/filings/{filing}", ReadTraining, get(filing)),
        route(Method::GET, "/training/{base}/certification/sessions", ReadTraining, get(sessions)),
        route(Method::POST, "/training/{base}/certification/sessions", RecordTraining, post(create_session)),
        route(Method::GET, "/training/{base}/certification/sessions/{session}", ReadTraining, get(session)),
        route(
            Method::POST,
            "/training/{base}/certification/sessions/{session}/results",
            RecordTraining,
            post(put_result),
        ),
        route(
            Method::POST,
            "/training/{base}/certification/sessions/{session}/results/remove",
            RecordTraining,
            post(remove_result),
        ),
        route(
            Method::POST,
            "/training/{base}/certification/sessions/{session}/submit",
            RecordTraining,
            post(submit_session),
        ),
        route(Method::GET, "/training/{base}/certification/certificates", ReadTraining, get(certificates)),
        route(Method::GET, "/training/{base}/certification/certificates/{certificate}", ReadTraining, get(certificate)),
        route(Method::GET, "/certificates/{certificate}/print", ReadTraining, get(print)),
        route(Method::GET, "/certificates/{certificate}/print.pdf", ReadTraining, get(print_pdf)),
        route(Method::GET, "/bureau/certification", DecideCertification, get(bureau_filings)),
        route(Method::GET, "/bureau/certification/sessions", DecideCertification, get(bureau_sessions)),
        route(Method::GET, "/bureau/certification/certificates", DecideCertification, get(bureau_certificates)),
        route(Method::POST, "/bureau/certification/filings/{filing}/{step}", DecideCertification, post(decide_filing)),
        route(
            Method::POST,
            "/bureau/certification/sessions/{session}/{step}",
            DecideCertification,
            post(decide_session),
        ),
        route(
            Method::POST,
            "/bureau/certification/certificates/{certificate}/{step}",
            DecideCertification,
            post(decide_certificate),
        ),
    ]
}

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// 2024年10月14日.
fn chinese_date(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The parts of the 等级认定 tab.
fn subtabs(raw: &str, current: &str) -> Vec<(&'static str, String, bool)> {
    [("认定备案", ""), ("考评", "/sessions"), ("证书", "/certificates")]
        .into_iter()
        .map(|(label, tail)| (label, format!("/training/{raw}/certification{tail}"), tail == current))
        .collect()
}

/// The record a path names belongs to the base the path names, or it is not found there.
fn same_base(raw: &str, base: BaseId, missing: &'static str) -> Result<(), AppError> {
    if base_id(raw)? == base { Ok(()) } else { Err(AppError::NotFound(missing)) }
}

fn whole<T>(items: Vec<T>) -> ListPage<T> {
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    ListPage { items, total, next: None }
}

/// What a step of the history is called.
fn step_label(action: &str) -> &'static str {
    match action {
        "submit" => "提交",
        "create" => "创建考评",
        "recommend" => FilingAction::Recommend.label(),
        "approve" => FilingAction::Approve.label(),
        "refuse" => FilingAction::Refuse.label(),
        "return" => SessionAction::Return.label(),
        "publish" => SessionAction::Publish.label(),
        "propose_revocation" => CertificateAction::ProposeRevocation.label(),
        "approve_revocation" => CertificateAction::ApproveRevocation.label(),
        "reject_revocation" => CertificateAction::RejectRevocation.label(),
        _ => "办理",
    }
}

/// The history of a record: who took which step when, with the reason given.
fn history_table(history: Vec<CertificationDecision>, page: &Page) -> Table {
    Table::of(
        ("history", "办理记录", "尚无办理记录。"),
        vec!["时间", "事项", "办理人", "意见"],
        (whole(history), &page.path, &Params::default()),
        |d| Row {
            id: d.id.clone(),
            cells: vec![
                cell(local_time(d.at)),
                cell(step_label(&d.action)),
                cell(format!("{}（{}）", d.actor_name, d.actor_role.label())),
                cell(d.comment.unwrap_or_else(|| "—".to_owned())),
            ],
        },
    )
}

/// A decision form: the step's button, and its comment (required when `reason` names what it
/// must say).
fn decision_block(
    (id, title, hint): (&'static str, &'static str, Option<&'static str>),
    (action, step): (String, &'static str),
    reason: Option<&'static str>,
    refused: Option<Refused>,
) -> FormBlock {
    let values = Values(refused.as_ref().map(|r| &r.fields));
    let comment = Input::new("comment", reason.unwrap_or("意见"), Control::Area { rows: 3 })
        .value(&values.get("comment"))
        .maxlength(1000)
        .with_id(format!("f-{}-comment", step.replace('_', "-")));
    let comment = if reason.is_some() { comment } else { comment.optional() };
    FormBlock { id, title, hint, action, multipart: false, submit: title, form: form(vec![comment], refused) }
}

// ---------------------------------------------------------------------------------------------
// 认定备案

fn filing_inputs(v: &Values<'_>) -> Vec<Input> {
    vec![
        Input::text("occupation", "职业（工种）编码")
            .value(&v.get("occupation"))
            .hint("国家职业分类大典（2022 年版）的职业编码，例如 6-31-01-02（机修钳工）")
            .maxlength(20)
            .verbatim("off"),
        tick::<Level>("levels", "申请认定的等级", &v.all("levels")),
        Input::new("note", "考评人员、场地设备和题库情况", Control::Area { rows: 3 })
            .value(&v.get("note"))
            .maxlength(1000)
            .optional(),
    ]
}

fn levels_text(levels: &[Level]) -> String {
    levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")
}

fn validity_text(f: &FilingRecord) -> String {
    f.validity.map_or_else(|| "—".to_owned(), |v| format!("{} 至 {}", date_text(v.from), date_text(v.until)))
}

async fn filings_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let filter = FilingFilter { base: Some(overview.base_id), status: None };
    let list = or_error_page!(state.app.filings(who, &filter, &page_request(query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", "等级认定");
    screen.subtabs = subtabs(raw, "");
    screen.lead = Some(
        "基地按实施意见第三条第三款申请成为职业技能等级认定机构：每个职业（工种）及其等级先备案，经人社局经办审核、分管领导批准后，在有效期内组织考评和自主评价。",
    );
    screen.notice = done_notice(query);
    screen.table = Some(Table::of(
        ("filings", "认定备案", "尚未申请认定备案。"),
        vec!["职业（工种）", "等级", "状态", "有效期", "申请时间"],
        (list, &page.path, query),
        |f| Row {
            id: f.id.to_string(),
            cells: vec![
                link(
                    format!("{} {}", f.filing.occupation.as_str(), f.filing.occupation.name()),
                    format!("/training/{raw}/certification/filings/{}", f.id),
                ),
                cell(levels_text(&f.filing.levels)),
                cell(f.status.label()),
                cell(validity_text(&f)),
                cell(local_time(f.filed_at)),
            ],
        },
    ));
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-filing",
            title: "申请认定备案",
            hint: Some("一个职业（工种）一份申请，可同时申请多个等级。"),
            action: format!("/training/{raw}/certification/filings"),
            multipart: false,
            submit: "提交申请",
            form: form(filing_inputs(&values), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/certification`
pub(super) async fn filings(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    filings_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/certification/filings` (occupation, levels, note)
pub(super) async fn create_filing(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = FilingInput {
        occupation: fields.get("occupation").unwrap_or_default().to_owned(),
        levels: fields.all("levels"),
        note: fields.get("note").unwrap_or_default().to_owned(),
    };
    let outcome = async { state.app.file_certification(&who, base_id(&raw)?, &input, &meta).await.map(drop) }.await;
    answer(
        outcome,
        (page, format!("/training/{raw}/certification?done=filing")),
        fields,
        |page, refused, status| async move {
            filings_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
        },
    )
    .await
}

/// The decisions on a filing: (the step, its code in the address, its form's id, its title,
/// what its reason must say when one is required). Who may take which is the domain's table.
const FILING_STEPS: &[(FilingAction, &str, &str, &str, Option<&str>)] = &[
    (FilingAction::Recommend, "recommend", "decide-recommend", "审核通过，报领导审批", None),
    (FilingAction::Approve, "approve", "decide-approve", "批准", None),
    (FilingAction::Refuse, "refuse", "decide-refuse", "不予核准", Some("不予核准的理由")),
];

async fn filing_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw, query): (&str, &str, &Params),
    refused: Option<(&str, Refused)>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let id = parse_id::<FilingId>(id_raw, "认定备案不存在")?;
        let view = state.app.filing(who, id).await?;
        same_base(raw, view.record.base_id, "认定备案不存在")?;
        let overview = open(state, who, raw).await?;
        Ok::<_, AppError>((overview, view))
    };
    let (overview, view) = or_error_page!(loaded.await, page);
    let f = &view.record;
    let title = format!("认定备案：{} {}", f.filing.occupation.as_str(), f.filing.occupation.name());
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", title);
    screen.crumbs = vec![("等级认定".to_owned(), format!("/training/{raw}/certification"))];
    screen.subtabs = subtabs(raw, "");
    screen.notice = done_notice(query);
    screen.facts = vec![
        (
            "职业（工种）",
            format!("{} {}", f.filing.occupation.as_str(), f.filing.occupation.name()),
            "filing-occupation",
        ),
        ("申请认定的等级", levels_text(&f.filing.levels), "filing-levels"),
        ("状态", f.status.label().to_owned(), "filing-status"),
        ("有效期", validity_text(f), "filing-validity"),
        ("当前有效", if view.in_force { "是" } else { "否" }.to_owned(), "filing-in-force"),
        ("考评人员、场地设备和题库情况", f.filing.note.clone().unwrap_or_else(|| "—".to_owned()), ""),
        ("申请时间", local_time(f.filed_at), ""),
    ];
    let (status_now, id) = (f.status, f.id);
    screen.table = Some(history_table(view.history, &page));
    if allowed(who, Action::DecideCertification) {
        let mut refused = refused;
        for &(action, step, block, title, reason) in FILING_STEPS {
            if domain::filing_transition(status_now, action, who.role).is_err() {
                continue;
            }
            let mine = refused.take_if(|(s, _)| *s == step).map(|(_, r)| r);
            screen.after.push(decision_block(
                (block, title, None),
                (format!("/bureau/certification/filings/{id}/{step}"), step),
                reason,
                mine,
            ));
        }
        // A step this reader is not offered now (taken meanwhile, or not theirs): said above.
        if let Some((_, r)) = refused {
            screen.errors.extend(r.errors.rest());
        }
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/certification/filings/{filing}`
pub(super) async fn filing(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    filing_page(&state, page, &who, (&raw, &id_raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /bureau/certification/filings/{filing}/{step}` (comment): staff recommend or refuse,
/// a leader approves or refuses.
pub(super) async fn decide_filing(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id_raw, step_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(&(action, step, ..)) = FILING_STEPS.iter().find(|s| s.1 == step_raw) else {
        return not_found(page);
    };
    let id = or_error_page!(parse_id::<FilingId>(&id_raw, "认定备案不存在"), page);
    let view = or_error_page!(state.app.filing(&who, id).await, page);
    let raw = view.record.base_id.to_string();
    let comment = fields.get("comment").unwrap_or_default().to_owned();
    let outcome = state.app.decide_filing(&who, id, action, &comment, &meta).await.map(drop);
    let done = format!("/training/{raw}/certification/filings/{id}?done=decided");
    answer(outcome, (page, done), fields, |page, refused, status| async move {
        filing_page(&state, page, &who, (&raw, &id_raw, &Params::default()), Some((step, refused)), status).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 考评

fn session_inputs(v: &Values<'_>, occupations: Vec<(String, String)>, min_assessors: u32) -> Vec<Input> {
    vec![
        Input::select("occupation", "职业（工种）", occupations)
            .value(&v.get("occupation"))
            .hint("已核准且在有效期内的认定备案"),
        pick::<Level>("level", "认定等级", &v.get("level")),
        Input::new("held_on", "考评日期", Control::Date).value(&v.get("held_on")),
        Input::text("place", "考评地点").value(&v.get("place")).maxlength(200),
        Input::new("assessors", "考评人员", Control::Area { rows: 3 })
            .value(&v.get("assessors"))
            .hint(format!("每行一名，或用顿号分隔；至少 {min_assessors} 名")),
        Input::new(
            "self_evaluation",
            "自主评价（只面向本单位职工）",
            Control::Check { checked: v.get("self_evaluation") == "1" },
        )
        .optional(),
    ]
}

async fn sessions_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let overview = open(state, who, raw).await?;
        let filter = SessionFilter { base: Some(overview.base_id), status: None };
        let list = state.app.sessions(who, &filter, &page_request(query)).await?;
        let approved = FilingFilter { base: Some(overview.base_id), status: Some(FilingStatus::Approved) };
        let today = shanghai_date(state.app.now());
        let filings = every(|request| {
            let approved = &approved;
            async move { state.app.filings(who, approved, &request).await }
        })
        .await?;
        let rule = state.app.certification_rule(today).await?;
        Ok::<_, AppError>((overview, list, filings, rule, today))
    };
    let (overview, list, filings, rule, today) = or_error_page!(loaded.await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", "考评");
    screen.crumbs = vec![("等级认定".to_owned(), format!("/training/{raw}/certification"))];
    screen.subtabs = subtabs(raw, "/sessions");
    screen.notice = done_notice(query);
    screen.lead = Some(
        "只能对已核准、在有效期内的职业（工种）和等级组织考评。录入考生的理论知识和操作技能成绩后提交，经人社局审核公布后向合格考生颁发证书。",
    );
    screen.table = Some(Table::of(
        ("sessions", "考评", "尚无考评。"),
        vec!["考评日期", "职业（工种）", "等级", "自主评价", "考生", "合格", "状态"],
        (list, &page.path, query),
        |s| session_row(&s, &format!("/training/{raw}/certification/sessions/{}", s.id)),
    ));
    if overview.may_record {
        let mut occupations: Vec<(String, String)> = Vec::new();
        for f in filings.iter().filter(|f| f.validity.is_some_and(|v| v.covers(today))) {
            let code = f.filing.occupation.as_str().to_owned();
            if !occupations.iter().any(|(c, _)| *c == code) {
                let label = format!("{code} {}（{}）", f.filing.occupation.name(), levels_text(&f.filing.levels));
                occupations.push((code, label));
            }
        }
        if occupations.is_empty() {
            screen.errors.push("本基地尚无已核准且在有效期内的认定备案，请先在「认定备案」中申请。".to_owned());
        } else {
            let values = Values(refused.as_ref().map(|r| &r.fields));
            screen.after.push(FormBlock {
                id: "new-session",
                title: "组织考评",
                hint: None,
                action: format!("/training/{raw}/certification/sessions"),
                multipart: false,
                submit: "创建考评",
                form: form(session_inputs(&values, occupations, rule.min_assessors), refused),
            });
        }
    }
    respond(status, &page, &screen)
}

fn session_row(s: &SessionRecord, href: &str) -> Row {
    Row {
        id: s.id.to_string(),
        cells: vec![
            link(date_text(s.session.held_on), href.to_owned()),
            cell(format!("{} {}", s.session.occupation.as_str(), s.session.occupation.name())),
            cell(s.session.level.label()),
            cell(if s.session.self_evaluation { "是" } else { "否" }),
            cell(s.candidates.to_string()),
            cell(s.passed.to_string()),
            cell(s.status.label()),
        ],
    }
}

/// `GET /training/{base}/certification/sessions`
pub(super) async fn sessions(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    sessions_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/certification/sessions` (occupation, level, held_on, place,
/// assessors, self_evaluation)
pub(super) async fn create_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = SessionInput {
        occupation: get("occupation"),
        level: get("level"),
        held_on: get("held_on"),
        place: get("place"),
        assessors: get("assessors"),
        self_evaluation: fields.get("self_evaluation") == Some("1"),
    };
    let outcome = async { state.app.create_session(&who, base_id(&raw)?, &input, &meta).await }.await;
    match outcome {
        Ok(id) => Redirect::to(&format!("/training/{raw}/certification/sessions/{id}?done=session")).into_response(),
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let refused = Refused { fields, errors };
                sessions_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// Which form of the session page a refused post came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionForm {
    Result,
    Remove,
    Submit,
    Return,
    Publish,
}

async fn session_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw, query): (&str, &str, &Params),
    refused: Option<(SessionForm, Refused)>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let id = parse_id::<SessionId>(id_raw, "考评不存在")?;
        let view = state.app.session(who, id).await?;
        same_base(raw, view.record.base_id, "考评不存在")?;
        let overview = open(state, who, raw).await?;
        let results = state.app.results(who, id, None, &page_request(query)).await?;
        Ok::<_, AppError>((overview, view, results))
    };
    let (overview, view, results) = or_error_page!(loaded.await, page);
    let s = &view.record;
    let title =
        format!("考评：{} {} {}", date_text(s.session.held_on), s.session.occupation.name(), s.session.level.label());
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", title);
    screen.crumbs = vec![
        ("等级认定".to_owned(), format!("/training/{raw}/certification")),
        ("考评".to_owned(), format!("/training/{raw}/certification/sessions")),
    ];
    screen.subtabs = subtabs(raw, "/sessions");
    screen.notice = done_notice(query);
    screen.facts = vec![
        (
            "职业（工种）",
            format!("{} {}", s.session.occupation.as_str(), s.session.occupation.name()),
            "session-occupation",
        ),
        ("认定等级", s.session.level.label().to_owned(), "session-level"),
        ("考评日期", date_text(s.session.held_on), "session-date"),
        ("考评地点", s.session.place.clone(), ""),
        ("考评人员", s.session.assessors.join("、"), "session-assessors"),
        ("自主评价", if s.session.self_evaluation { "是" } else { "否" }.to_owned(), ""),
        ("考生", s.candidates.to_string(), "session-candidates"),
        ("合格", s.passed.to_string(), "session-passed"),
        ("状态", s.status.label().to_owned(), "session-status"),
    ];
    let (status_now, id, may_edit) = (s.status, s.id, view.may_edit);
    screen.table = Some(Table::of(
        ("results", "考生成绩", "尚未录入考生成绩。"),
        vec!["考生", "身份证号码", "理论知识", "操作技能", "结果", "证书编号"],
        (results, &page.path, query),
        |r: ResultRecord| Row {
            id: r.id.to_string(),
            cells: vec![
                cell(r.trainee_name.clone()),
                cell(r.masked_id.clone()),
                cell(r.scores.theory.to_string()),
                cell(r.scores.practical.to_string()),
                cell(if r.passed { "合格" } else { "不合格" }),
                cell(r.certificate.clone().unwrap_or_else(|| "—".to_owned())),
            ],
        },
    ));
    screen.more.push(history_table(view.history, &page));
    let mut refused = refused;
    let mut take = |form: SessionForm| refused.take_if(|(f, _)| *f == form).map(|(_, r)| r);
    if may_edit {
        let mine = take(SessionForm::Result);
        let values = Values(mine.as_ref().map(|r| &r.fields));
        // The number is never written back: a refused post shows the field empty.
        let inputs = vec![
            Input::text("resident_id", "考生身份证号码")
                .hint("已在「学员」中登记的学员；再次录入同一考生即更正其成绩")
                .maxlength(18)
                .verbatim("characters")
                .autocomplete("off"),
            Input::text("theory", "理论知识成绩")
                .value(&values.get("theory"))
                .hint("百分制，最多一位小数")
                .maxlength(5)
                .inputmode("decimal"),
            Input::text("practical", "操作技能成绩")
                .value(&values.get("practical"))
                .hint("百分制，最多一位小数")
                .maxlength(5)
                .inputmode("decimal"),
        ];
        screen.after.push(FormBlock {
            id: "new-result",
            title: "录入考生成绩",
            hint: None,
            action: format!("/training/{raw}/certification/sessions/{id}/results"),
            multipart: false,
            submit: "保存成绩",
            form: form(inputs, mine),
        });
        let entered = or_error_page!(
            every(|request| async move { state.app.results(who, id, None, &request).await }).await,
            page
        );
        if !entered.is_empty() {
            let options = entered
                .into_iter()
                .map(|r| (r.id.to_string(), format!("{}（{}）", r.trainee_name, r.masked_id)))
                .collect();
            screen.after.push(FormBlock {
                id: "remove-result",
                title: "删除考生成绩",
                hint: Some("误录的考生可在提交前删除。"),
                action: format!("/training/{raw}/certification/sessions/{id}/results/remove"),
                multipart: false,
                submit: "删除成绩",
                form: form(vec![Input::select("result", "考生", options)], take(SessionForm::Remove)),
            });
        }
        screen.after.push(FormBlock {
            id: "submit-session",
            title: "提交审核",
            hint: Some("成绩全部录入后提交人社局审核；提交后不能再修改，退回后可修改再提交。"),
            action: format!("/training/{raw}/certification/sessions/{id}/submit"),
            multipart: false,
            submit: "提交审核",
            form: form(Vec::new(), take(SessionForm::Submit)),
        });
    }
    if allowed(who, Action::DecideCertification) {
        let steps = [
            (SessionForm::Return, SessionAction::Return, "return", "decide-return", "退回", Some("退回的理由"), None),
            (
                SessionForm::Publish,
                SessionAction::Publish,
                "publish",
                "decide-publish",
                "审核通过并公布",
                None,
                Some("公布即向合格考生颁发以人社局 SM2 密钥签名的证书，需重新输入密码。"),
            ),
        ];
        for (which, action, step, block, title, reason, hint) in steps {
            if domain::session_transition(status_now, action, who.role).is_ok() {
                screen.after.push(decision_block(
                    (block, title, hint),
                    (format!("/bureau/certification/sessions/{id}/{step}"), step),
                    reason,
                    take(which),
                ));
            }
        }
    }
    if let Some((_, r)) = refused {
        screen.errors.extend(r.errors.rest());
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/certification/sessions/{session}`
pub(super) async fn session(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    session_page(&state, page, &who, (&raw, &id_raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// The session's page again with the refusal of one of its forms, or on to `done`.
async fn session_answer(
    state: &AppState,
    (page, who): (Page, &Authenticated),
    (raw, id_raw): (&str, &str),
    (outcome, done): (Result<(), AppError>, String),
    (which, fields): (SessionForm, Params),
) -> Response {
    answer(outcome, (page, done), fields, |page, refused, status| async move {
        session_page(state, page, who, (raw, id_raw, &Params::default()), Some((which, refused)), status).await
    })
    .await
}

/// `POST /training/{base}/certification/sessions/{session}/results` (resident_id, theory,
/// practical)
pub(super) async fn put_result(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = ScoresInput { theory: get("theory"), practical: get("practical") };
    let outcome = async {
        let id = parse_id::<SessionId>(&id_raw, "考评不存在")?;
        let view = state.app.session(&who, id).await?;
        same_base(&raw, view.record.base_id, "考评不存在")?;
        state.app.put_result(&who, id, (&get("resident_id"), &input), &meta).await.map(drop)
    }
    .await;
    // What is posted again never carries the number.
    let kept = Params::from_pairs(fields.pairs().into_iter().filter(|(k, _)| k != "resident_id").collect());
    let done = format!("/training/{raw}/certification/sessions/{id_raw}?done=result");
    session_answer(&state, (page, &who), (&raw, &id_raw), (outcome, done), (SessionForm::Result, kept)).await
}

/// `POST /training/{base}/certification/sessions/{session}/results/remove` (result)
pub(super) async fn remove_result(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let outcome = async {
        let id = parse_id::<SessionId>(&id_raw, "考评不存在")?;
        let view = state.app.session(&who, id).await?;
        same_base(&raw, view.record.base_id, "考评不存在")?;
        let result = fields.get("result").and_then(|r| r.parse::<ResultId>().ok()).ok_or_else(|| {
            AppError::Fields(vec![skillbase_app::FieldError::new("result", "required", "请选择要删除成绩的考生")])
        })?;
        state.app.remove_result(&who, id, result, &meta).await
    }
    .await;
    let done = format!("/training/{raw}/certification/sessions/{id_raw}?done=removed");
    session_answer(&state, (page, &who), (&raw, &id_raw), (outcome, done), (SessionForm::Remove, fields)).await
}

/// `POST /training/{base}/certification/sessions/{session}/submit`
pub(super) async fn submit_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let outcome = async {
        let id = parse_id::<SessionId>(&id_raw, "考评不存在")?;
        let view = state.app.session(&who, id).await?;
        same_base(&raw, view.record.base_id, "考评不存在")?;
        state.app.decide_session(&who, id, SessionAction::Submit, "", &meta).await.map(drop)
    }
    .await;
    let done = format!("/training/{raw}/certification/sessions/{id_raw}?done=submitted");
    session_answer(&state, (page, &who), (&raw, &id_raw), (outcome, done), (SessionForm::Submit, fields)).await
}

/// `POST /bureau/certification/sessions/{session}/{step}` (comment): staff return it with a
/// reason or publish it (a recent sign-in first: certificates are signed).
pub(super) async fn decide_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id_raw, step_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let (which, action) = match step_raw.as_str() {
        "return" => (SessionForm::Return, SessionAction::Return),
        "publish" => (SessionForm::Publish, SessionAction::Publish),
        _ => return not_found(page),
    };
    let id = or_error_page!(parse_id::<SessionId>(&id_raw, "考评不存在"), page);
    let view = or_error_page!(state.app.session(&who, id).await, page);
    let raw = view.record.base_id.to_string();
    let comment = fields.get("comment").unwrap_or_default().to_owned();
    let outcome = state.app.decide_session(&who, id, action, &comment, &meta).await.map(drop);
    let done = format!("/training/{raw}/certification/sessions/{id}?done=decided");
    session_answer(&state, (page, &who), (&raw, &id_raw), (outcome, done), (which, fields)).await
}

// ---------------------------------------------------------------------------------------------
// 证书

fn certificate_row(c: CertificateRecord, href: String) -> Row {
    Row {
        id: c.id.to_string(),
        cells: vec![
            link(c.number.clone(), href),
            cell(c.holder_name.clone()),
            cell(c.masked_id.clone()),
            cell(c.occupation.clone()),
            cell(c.level.label()),
            cell(date_text(c.issued_on)),
            cell(c.status.label()),
        ],
    }
}

const CERTIFICATE_HEADERS: [&str; 7] = ["证书编号", "持证人", "身份证号码", "职业编码", "等级", "发证日期", "状态"];

fn certificate_filter(query: &Params) -> CertificateFilter {
    CertificateFilter {
        status: query.get("status").and_then(CertificateStatus::parse),
        holder: query.get("holder").map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned),
        ..CertificateFilter::default()
    }
}

fn certificate_filters(query: &Params) -> Form {
    let shown = Values(Some(query));
    form(
        vec![
            pick::<CertificateStatus>("status", "状态", &shown.get("status")).optional(),
            Input::text("holder", "持证人姓名").value(&shown.get("holder")).maxlength(50).optional(),
        ],
        None,
    )
}

/// `GET /training/{base}/certification/certificates` (status, holder)
pub(super) async fn certificates(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = parse_query(query.as_deref());
    let overview = or_error_page!(open(&state, &who, &raw).await, page);
    let filter = CertificateFilter { base: Some(overview.base_id), ..certificate_filter(&query) };
    let list = or_error_page!(state.app.certificates(&who, &filter, &page_request(&query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", "职业技能等级证书");
    screen.crumbs = vec![("等级认定".to_owned(), format!("/training/{raw}/certification"))];
    screen.subtabs = subtabs(&raw, "/certificates");
    screen.lead = Some("考评结果公布时向合格考生颁发；任何人可凭证书编号和持证人姓名在公开核验页面核验。");
    screen.filters = Some(certificate_filters(&query));
    screen.table = Some(Table::of(
        ("certificates", "证书", "尚无证书。"),
        CERTIFICATE_HEADERS.to_vec(),
        (list, &page.path, &query),
        |c| {
            let href = format!("/training/{raw}/certification/certificates/{}", c.id);
            certificate_row(c, href)
        },
    ));
    respond(StatusCode::OK, &page, &screen)
}

/// The decisions on a certificate, as [`FILING_STEPS`].
const CERTIFICATE_STEPS: &[(CertificateAction, &str, &str, &str, Option<&str>)] = &[
    (
        CertificateAction::ProposeRevocation,
        "propose_revocation",
        "decide-propose-revocation",
        "提请撤销",
        Some("撤销的事实和理由"),
    ),
    (CertificateAction::ApproveRevocation, "approve_revocation", "decide-approve-revocation", "批准撤销", None),
    (
        CertificateAction::RejectRevocation,
        "reject_revocation",
        "decide-reject-revocation",
        "不予撤销",
        Some("不予撤销的理由"),
    ),
];

async fn certificate_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw, query): (&str, &str, &Params),
    refused: Option<(&str, Refused)>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let id = parse_id::<CertificateId>(id_raw, "证书不存在")?;
        let view = state.app.certificate(who, id).await?;
        same_base(raw, view.record.base_id, "证书不存在")?;
        let overview = open(state, who, raw).await?;
        Ok::<_, AppError>((overview, view))
    };
    let (overview, view) = or_error_page!(loaded.await, page);
    let c = &view.record;
    let mut screen = SectionPage::new(page.clone(), &overview, "certification", format!("证书 {}", c.number));
    screen.crumbs = vec![
        ("等级认定".to_owned(), format!("/training/{raw}/certification")),
        ("证书".to_owned(), format!("/training/{raw}/certification/certificates")),
    ];
    screen.subtabs = subtabs(raw, "/certificates");
    screen.notice = done_notice(query);
    screen.facts = vec![
        ("证书编号", c.number.clone(), "certificate-number"),
        ("持证人", c.holder_name.clone(), "certificate-holder"),
        ("身份证号码", c.masked_id.clone(), "certificate-resident-id"),
        ("职业（工种）", format!("{} {}", view.statement.occupation, view.statement.occupation_name), ""),
        ("等级", c.level.label().to_owned(), "certificate-level"),
        ("发证日期", date_text(c.issued_on), ""),
        ("评价机构", view.statement.base_name.clone(), ""),
        ("状态", c.status.label().to_owned(), "certificate-status"),
        ("撤销日期", c.revoked_on.map_or_else(|| "—".to_owned(), date_text), "certificate-revoked-on"),
    ];
    let (status_now, id) = (c.status, c.id);
    let mut table = history_table(view.history, &page);
    table.downloads =
        vec![("打印证书", format!("/certificates/{id}/print")), ("下载 PDF", format!("/certificates/{id}/print.pdf"))];
    screen.table = Some(table);
    if allowed(who, Action::DecideCertification) {
        let mut refused = refused;
        for &(action, step, block, title, reason) in CERTIFICATE_STEPS {
            if domain::certificate_transition(status_now, action, who.role).is_err() {
                continue;
            }
            let mine = refused.take_if(|(s, _)| *s == step).map(|(_, r)| r);
            screen.after.push(decision_block(
                (block, title, None),
                (format!("/bureau/certification/certificates/{id}/{step}"), step),
                reason,
                mine,
            ));
        }
        // A step this reader is not offered now (taken meanwhile, or not theirs): said above.
        if let Some((_, r)) = refused {
            screen.errors.extend(r.errors.rest());
        }
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/certification/certificates/{certificate}`
pub(super) async fn certificate(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    certificate_page(&state, page, &who, (&raw, &id_raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /bureau/certification/certificates/{certificate}/{step}` (comment): staff propose a
/// revocation with the facts, a leader other than the proposer approves or rejects it.
pub(super) async fn decide_certificate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id_raw, step_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Some(&(action, step, ..)) = CERTIFICATE_STEPS.iter().find(|s| s.1 == step_raw) else {
        return not_found(page);
    };
    let id = or_error_page!(parse_id::<CertificateId>(&id_raw, "证书不存在"), page);
    let view = or_error_page!(state.app.certificate(&who, id).await, page);
    let raw = view.record.base_id.to_string();
    let comment = fields.get("comment").unwrap_or_default().to_owned();
    let outcome = state.app.decide_certificate(&who, id, action, &comment, &meta).await.map(drop);
    let done = format!("/training/{raw}/certification/certificates/{id}?done=decided");
    answer(outcome, (page, done), fields, |page, refused, status| async move {
        certificate_page(&state, page, &who, (&raw, &id_raw, &Params::default()), Some((step, refused)), status).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The certificate as a document: an A4 page to print, and a PDF

#[derive(Template)]
#[template(path = "training/certificate.html")]
pub(super) struct CertificateSheet {
    pub(super) page: Page,
    pub(super) back: String,
    pub(super) issuer: &'static str,
    pub(super) number: String,
    pub(super) holder: String,
    pub(super) masked_id: String,
    pub(super) occupation: String,
    pub(super) level: String,
    pub(super) date: String,
    pub(super) base_name: String,
    pub(super) status: &'static str,
    pub(super) valid: bool,
    pub(super) url: String,
    pub(super) qr_size: usize,
    pub(super) qr: Vec<QrRun>,
    pub(super) signature: String,
    pub(super) id: String,
}

/// The certificate a reader reaches, and the address of its verification by number and name.
async fn sheet_of(
    state: &AppState,
    who: &Authenticated,
    headers: &HeaderMap,
    id_raw: &str,
) -> Result<(skillbase_app::certification::CertificateView, String), AppError> {
    let id = parse_id::<CertificateId>(id_raw, "证书不存在")?;
    let view = state.app.certificate(who, id).await?;
    let url = format!(
        "{}?name={}",
        verify_url(state, headers, &view.record.number),
        crate::routes::url_escape(&view.record.holder_name)
    );
    Ok((view, url))
}

/// `GET /certificates/{certificate}/print`: the certificate as an A4 portrait page.
pub(super) async fn print(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id_raw): Path<String>,
) -> Response {
    let (view, url) = or_error_page!(sheet_of(&state, &who, &headers, &id_raw).await, page);
    let (qr_size, qr) = or_error_page!(qr_runs(&url), page);
    let c = &view.record;
    let s = &view.statement;
    let template = CertificateSheet {
        page: page.clone(),
        back: format!("/training/{}/certification/certificates/{}", c.base_id, c.id),
        issuer: ISSUER,
        number: c.number.clone(),
        holder: c.holder_name.clone(),
        masked_id: c.masked_id.clone(),
        occupation: format!("{} {}", s.occupation, s.occupation_name),
        level: s.level.clone(),
        date: chinese_date(c.issued_on),
        base_name: s.base_name.clone(),
        status: c.status.label(),
        valid: c.status == CertificateStatus::Valid,
        url,
        qr_size,
        qr,
        signature: c.signature.clone(),
        id: c.id.to_string(),
    };
    respond(StatusCode::OK, &page, &template)
}

/// What the PDF certificate shows.
pub(super) struct PdfCertificate<'a> {
    pub(super) issuer: &'a str,
    pub(super) number: &'a str,
    pub(super) holder: &'a str,
    pub(super) masked_id: &'a str,
    pub(super) occupation: &'a str,
    pub(super) level: &'a str,
    pub(super) date: &'a str,
    pub(super) base_name: &'a str,
    pub(super) url: &'a str,
    pub(super) signature: &'a str,
    pub(super) qr: (usize, &'a [QrRun]),
}

impl PdfCertificate<'_> {
    /// One A4 portrait page: a frame, the title, the holder's facts, the QR code below.
    pub(super) fn render(&self) -> Vec<u8> {
        let (w, h) = A4_PORTRAIT;
        let blue = (0.05, 0.2, 0.45);
        let black = (0.0, 0.0, 0.0);
        let mut shapes = pdf_writer::Content::new();
        shapes.rect(30.0, 30.0, w - 60.0, h - 60.0).set_line_width(4.0).set_stroke_rgb(blue.0, blue.1, blue.2).stroke();
        shapes.rect(40.0, 40.0, w - 80.0, h - 80.0).set_line_width(1.0).stroke();
        let side = 120.0;
        let (qx, qy) = ((w - side) / 2.0, 120.0);
        draw_qr(&mut shapes, self.qr, (qx, qy, side));

        let mut text = Lines::new(w, 140.0);
        text.line("职业技能等级证书", 34.0, None, h - 150.0, blue);
        let facts = [
            ("证书编号", self.number),
            ("姓　　名", self.holder),
            ("身份证号", self.masked_id),
            ("职业（工种）", self.occupation),
            ("等　　级", self.level),
            ("发证日期", self.date),
            ("评价机构", self.base_name),
            ("发证机关", self.issuer),
        ];
        for (i, (label, value)) in facts.iter().enumerate() {
            text.line(&format!("{label}：{value}"), 15.0, Some(100.0), h - 240.0 - 34.0 * i as f32, black);
        }
        text.line("扫码核验", 10.0, Some(qx + side / 2.0 - 20.0), qy - 14.0, black);
        text.line(&format!("核验：{}", self.url), 7.0, Some(60.0), 78.0, black);
        text.line(&format!("SM2 签名：{}", self.signature), 5.0, Some(60.0), 64.0, black);
        let title = format!("{} {}", self.number, self.holder);
        Sheet { size: A4_PORTRAIT, title: &title, subject: self.number, author: self.issuer }.render(shapes, text)
    }
}

/// `GET /certificates/{certificate}/print.pdf`: the same certificate as a one-page A4 PDF.
pub(super) async fn print_pdf(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id_raw): Path<String>,
) -> Response {
    let (view, url) = or_error_page!(sheet_of(&state, &who, &headers, &id_raw).await, page);
    let (size, runs) = or_error_page!(qr_runs(&url), page);
    let c = &view.record;
    let s = &view.statement;
    let occupation = format!("{} {}", s.occupation, s.occupation_name);
    let sheet = PdfCertificate {
        issuer: ISSUER,
        number: &c.number,
        holder: &c.holder_name,
        masked_id: &c.masked_id,
        occupation: &occupation,
        level: &s.level,
        date: &chinese_date(c.issued_on),
        base_name: &s.base_name,
        url: &url,
        signature: &c.signature,
        qr: (size, &runs),
    };
    download(sheet.render(), "application/pdf", &format!("{}.pdf", c.number))
}

// ---------------------------------------------------------------------------------------------
// 等级认定 at the bureau: what waits for staff and leaders

#[derive(Template)]
#[template(path = "training/bureau_certification.html")]
pub(super) struct BureauPage {
    pub(super) page: Page,
    pub(super) title: &'static str,
    pub(super) subtabs: Vec<(&'static str, String, bool)>,
    pub(super) lead: &'static str,
    pub(super) filters: Form,
    pub(super) table: Table,
}

impl BureauPage {
    pub(super) fn plain_path(&self) -> &str {
        self.page.path.split('?').next().unwrap_or_default()
    }
}

fn bureau_subtabs(current: &str) -> Vec<(&'static str, String, bool)> {
    [("认定备案", ""), ("考评结果", "/sessions"), ("证书", "/certificates")]
        .into_iter()
        .map(|(label, tail)| (label, format!("/bureau/certification{tail}"), tail == current))
        .collect()
}

/// The status a bureau list shows: the one asked for (`status=`, empty for all), or else the
/// one that waits for this reader.
fn wanted<D: Dictionary>(query: &Params, waiting: Option<D>) -> (Option<D>, String) {
    match query.get("status") {
        Some(code) => (D::parse(code), code.to_owned()),
        None => (waiting, waiting.map(|d| d.code().to_owned()).unwrap_or_default()),
    }
}

fn status_filter<D: Dictionary>(shown: &str) -> Form {
    form(vec![pick::<D>("status", "状态", shown).optional().hint("不选为全部")], None)
}

/// `GET /bureau/certification` (status): filings of every base; by default those waiting for
/// the reader (staff: submitted, a leader: recommended).
pub(super) async fn bureau_filings(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(query): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let query = parse_query(query.as_deref());
    let waiting = if who.role == Role::Leader { FilingStatus::Recommended } else { FilingStatus::Submitted };
    let (status, shown) = wanted(&query, Some(waiting));
    let filter = FilingFilter { base: None, status };
    let list = or_error_page!(state.app.filings(&who, &filter, &page_request(&query)).await, page);
    let table = Table::of(
        ("filings", "认定备案", "没有符合条件的认定备案。"),
        vec!["基地", "职业（工种）", "等级", "状态", "有效期", "申请时间"],
        (list, &page.path, &query),
        |f| Row {
            id: f.id.to_string(),
            cells: vec![
                link(f.base_name.clone(), format!("/training/{}/certification/filings/{}", f.base_id, f.id)),
                cell(format!("{} {}", f.filing.occupation.as_str(), f.filing.occupation.name())),
                cell(levels_text(&f.filing.levels)),
                cell(f.status.label()),
                cell(validity_text(&f)),
                cell(local_time(f.filed_at)),
            ],
        },
    );
    let template = BureauPage {
        page: page.clone(),
        title: "等级认定",
        subtabs: bureau_subtabs(""),
        lead: "基地申请成为职业技能等级认定机构的备案：经办人审核后报分管领导审批（推荐人不能批准自己推荐的备案），不予核准须写明理由。",
        filters: status_filter::<FilingStatus>(&shown),
        table,
    };
    respond(StatusCode::OK, &page, &template)
}

/// `GET /bureau/certification/sessions` (status): sessions of every base, by default those
/// submitted for checking.
pub(super) async fn bureau_sessions(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(query): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let query = parse_query(query.as_deref());
    let (status, shown) = wanted(&query, Some(SessionStatus::Submitted));
    let filter = SessionFilter { base: None, status };
    let list = or_error_page!(state.app.sessions(&who, &filter, &page_request(&query)).await, page);
    let table = Table::of(
        ("sessions", "考评", "没有符合条件的考评。"),
        vec!["考评日期", "基地", "职业（工种）", "等级", "考生", "合格", "状态"],
        (list, &page.path, &query),
        |s| {
            let mut row = session_row(&s, &format!("/training/{}/certification/sessions/{}", s.base_id, s.id));
            row.cells.insert(1, cell(s.base_name.clone()));
            row.cells.remove(4);
            row
        },
    );
    let template = BureauPage {
        page: page.clone(),
        title: "考评结果",
        subtabs: bureau_subtabs("/sessions"),
        lead: "基地提交的考评结果：经办人核对后退回（写明理由）或审核公布；公布即向合格考生颁发证书，需重新输入密码。",
        filters: status_filter::<SessionStatus>(&shown),
        table,
    };
    respond(StatusCode::OK, &page, &template)
}

/// `GET /bureau/certification/certificates` (status, holder): every base's certificates.
pub(super) async fn bureau_certificates(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(query): RawQuery,
) -> Response {
    if !bureau_reader(&who) {
        return not_found(page);
    }
    let query = parse_query(query.as_deref());
    let filter = certificate_filter(&query);
    let list = or_error_page!(state.app.certificates(&who, &filter, &page_request(&query)).await, page);
    let table = Table::of(
        ("certificates", "证书", "没有符合条件的证书。"),
        CERTIFICATE_HEADERS.to_vec(),
        (list, &page.path, &query),
        |c| {
            let href = format!("/training/{}/certification/certificates/{}", c.base_id, c.id);
            certificate_row(c, href)
        },
    );
    let template = BureauPage {
        page: page.clone(),
        title: "职业技能等级证书",
        subtabs: bureau_subtabs("/certificates"),
        lead: "发现证书系以欺骗等手段取得的，经办人写明事实提请撤销，由另一位分管领导批准后即时生效，公开核验随即显示已撤销。",
        filters: certificate_filters(&query),
        table,
    };
    respond(StatusCode::OK, &page, &template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_pdf_is_one_a4_page_with_its_number() {
        let url = "http://127.0.0.1:8080/verify/QPZS-2024-000001?name=%E5%BC%A0%E4%B8%89";
        let (size, runs) = qr_runs(url).expect("qr");
        let pdf = PdfCertificate {
            issuer: ISSUER,
            number: "QPZS-2024-000001",
            holder: "张三",
            masked_id: "310***********123X",
            occupation: "6-31-01-02 机修钳工",
            level: "三级/高级工",
            date: "2024年10月14日",
            base_name: "上海某某科技有限公司",
            url,
            signature: "ab",
            qr: (size, &runs),
        }
        .render();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-") && text.contains("/UniGB-UCS2-H"));
        assert!(text.contains("/MediaBox [0 0 595.28 841.89]"), "A4 portrait");
        assert!(text.contains("(QPZS-2024-000001)"), "the number as the subject");
        assert!(text.contains(&crate::pages::kit::pdf::ucs2_hex("姓　　名：张三")), "the holder's line");
        assert_eq!(text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(), 1, "one page");
    }
}
