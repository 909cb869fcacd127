//! 激励 (C3.2): a base's chief technicians and skill-master studios, awards and other
//! incentives on one screen — the figures of a year, the records paged and filtered by kind,
//! their export, and a form per kind — drawn by the same kit as the training records.

use chrono::Datelike;
use skillbase_app::incentives::{IncentiveFilter, IncentiveRecord};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::IncentiveId;
use skillbase_domain::incentive::{AwardLevel, Benefit, Incentive, IncentiveInput, IncentiveKind, Post, YearSummary};
use skillbase_domain::money::Money;

use super::*;

const DOCUMENT_TYPES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
const MONEY_HINT: &str = "单位：元，最多两位小数，例如 200000.00";

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Money as people read it: ¥200,000.00.
fn money(m: Money) -> String {
    m.to_string()
}

/// A money input typed in yuan.
fn amount(name: &str, label: &str, v: &Values<'_>) -> Input {
    Input::text(name, label).value(&v.get(name)).hint(MONEY_HINT).inputmode("decimal").maxlength(20)
}

/// The inputs of the form for `kind`, each id prefixed by the kind (four forms share names).
fn inputs(kind: IncentiveKind, v: &Values<'_>) -> Vec<Input> {
    let person = Input::text("person", "姓名").value(&v.get("person")).maxlength(50);
    let fields = match kind {
        IncentiveKind::ChiefTechnician | IncentiveKind::MasterStudio => {
            let mut fields = vec![person];
            if kind == IncentiveKind::MasterStudio {
                fields.insert(0, Input::text("studio", "工作室名称").value(&v.get("studio")).maxlength(100));
                fields[1] = Input::text("person", "领办人（技能大师）姓名").value(&v.get("person")).maxlength(50);
            }
            fields.extend([
                Input::text("occupation", "职业（工种）编码")
                    .value(&v.get("occupation"))
                    .hint("国家职业分类大典（2022 年版）的职业编码，例如 6-31-01-02（机修钳工）")
                    .maxlength(20)
                    .verbatim("off"),
                Input::new("starts_on", "聘期开始日期", Control::Date).value(&v.get("starts_on")),
                Input::new("ends_on", "聘期结束日期", Control::Date).value(&v.get("ends_on")),
                amount("allowance", "岗位津贴（元/月）", v),
            ]);
            let funds = amount("funds", "工作经费（元）", v);
            fields.push(if kind == IncentiveKind::MasterStudio { funds } else { funds.optional() });
            fields.push(
                Input::new("document", "聘任文件", Control::File { accept: Some(DOCUMENT_TYPES) })
                    .hint("PDF、JPEG 或 PNG，不超过 20 MB")
                    .optional(),
            );
            fields
        }
        IncentiveKind::Award => vec![
            person,
            Input::text("title", "奖项名称").value(&v.get("title")).hint("例如 青浦区技术能手").maxlength(100),
            pick::<AwardLevel>("level", "表彰级别", &v.get("level")),
            Input::new("date", "表彰日期", Control::Date).value(&v.get("date")),
            Input::text("awarded_by", "授予单位").value(&v.get("awarded_by")).maxlength(100),
            amount("amount", "奖励金额（元）", v).optional(),
        ],
        IncentiveKind::Other => vec![
            pick::<Benefit>("benefit", "激励方式", &v.get("benefit")),
            person,
            Input::new("date", "日期", Control::Date).value(&v.get("date")),
            Input::new("description", "内容说明", Control::Area { rows: 3 })
                .value(&v.get("description"))
                .maxlength(500),
            amount("cost", "费用（元）", v).optional(),
        ],
    };
    let prefix = kind.code().replace('_', "-");
    fields
        .into_iter()
        .map(|input| {
            let id = format!("f-{prefix}-{}", input.name.replace('_', "-"));
            input.with_id(id)
        })
        .collect()
}

/// The form blocks: (kind, id, title, hint).
const FORMS: &[(IncentiveKind, &str, &str, Option<&str>)] = &[
    (IncentiveKind::ChiefTechnician, "new-chief-technician", "聘任首席技师", None),
    (
        IncentiveKind::MasterStudio,
        "new-master-studio",
        "设立技能大师工作室",
        Some("工作室须有名称、领办的技能大师、聘期、岗位津贴和工作经费。"),
    ),
    (IncentiveKind::Award, "new-award", "登记表彰奖励", None),
    (
        IncentiveKind::Other,
        "new-other",
        "登记其他激励",
        Some("对关键技术岗位技能人才的疗休养、进修、健康体检等激励（实施意见第三条第二款）。"),
    ),
];

fn award_label(level: AwardLevel) -> &'static str {
    match level {
        AwardLevel::Base => "基地级表彰",
        AwardLevel::District => "区级表彰",
        AwardLevel::Municipal => "市级表彰",
        AwardLevel::National => "国家级表彰",
    }
}

fn award_id(level: AwardLevel) -> &'static str {
    match level {
        AwardLevel::Base => "sum-award-base",
        AwardLevel::District => "sum-award-district",
        AwardLevel::Municipal => "sum-award-municipal",
        AwardLevel::National => "sum-award-national",
    }
}

fn benefit_id(benefit: Benefit) -> &'static str {
    match benefit {
        Benefit::Recuperation => "sum-other-recuperation",
        Benefit::FurtherStudy => "sum-other-further-study",
        Benefit::HealthCheck => "sum-other-health-check",
    }
}

/// The year's figures as the screen's facts.
fn facts(s: &YearSummary) -> Vec<(&'static str, String, &'static str)> {
    let mut facts = vec![
        ("统计年度", format!("{} 年", s.year), "sum-year"),
        ("在聘首席技师", format!("{} 人", s.chief_technicians), "sum-chief-technicians"),
        ("在聘技能大师工作室", format!("{} 个", s.master_studios), "sum-master-studios"),
    ];
    for t in &s.awards {
        facts.push((award_label(t.value), format!("{} 项 {}", t.count, money(t.amount)), award_id(t.value)));
    }
    let (count, total) = s.awards_total();
    facts.push(("表彰奖励合计", format!("{count} 项 {}", money(total)), "sum-awards"));
    for t in &s.others {
        facts.push((t.value.label(), format!("{} 人次 {}", t.count, money(t.amount)), benefit_id(t.value)));
    }
    let (count, total) = s.others_total();
    facts.push(("其他激励合计", format!("{count} 人次 {}", money(total)), "sum-others"));
    facts
}

/// A record's row: kind, person, what, when, money, document.
fn row(raw: &str, r: IncentiveRecord) -> Row {
    let document = match &r.document {
        Some(d) => link(d.name.clone(), format!("/training/{raw}/incentives/{}/document", r.id)),
        None => cell("—"),
    };
    let optional = |m: Option<Money>| m.map_or_else(|| "—".to_owned(), money);
    let (what, when, amount) = match &r.incentive {
        Incentive::Appointment(a) => {
            let occupation = format!("{} {}", a.occupation.as_str(), a.occupation.name());
            let what = match &a.post {
                Post::MasterStudio { studio } => format!("{studio}（{occupation}）"),
                Post::ChiefTechnician => occupation,
            };
            let funds = a.funds.map(|f| format!("；工作经费 {}", money(f))).unwrap_or_default();
            (
                what,
                format!("{} 至 {}", date_text(a.starts_on), date_text(a.ends_on)),
                format!("津贴 {}/月{funds}", money(a.allowance)),
            )
        }
        Incentive::Award(a) => (
            format!("{}（{}，{}）", a.title, a.level.label(), a.awarded_by),
            date_text(a.awarded_on),
            optional(a.amount),
        ),
        Incentive::Other(o) => {
            (format!("{}：{}", o.benefit.label(), o.description), date_text(o.given_on), optional(o.cost))
        }
    };
    Row {
        id: r.id.to_string(),
        cells: vec![
            cell(r.incentive.kind().label()),
            cell(r.incentive.person()),
            cell(what),
            cell(when),
            cell(amount),
            document,
        ],
    }
}

/// The year a query asks for (2000–2100), or this year.
fn year_of(query: &Params, today: chrono::NaiveDate) -> i32 {
    query.get("year").and_then(|y| y.trim().parse().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(today.year())
}

async fn incentives_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<(IncentiveKind, Refused)>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let year = year_of(query, shanghai_date(state.app.now()));
    let summary = or_error_page!(state.app.incentive_summary(who, overview.base_id, year).await, page);
    let filter = IncentiveFilter { kind: query.get("kind").and_then(IncentiveKind::parse) };
    let list = or_error_page!(state.app.incentives(who, overview.base_id, &filter, &page_request(query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "incentives", "激励");
    screen.lead = Some(
        "基地按实施意见第三条第二款登记聘任的首席技师、技能大师工作室及其岗位津贴和工作经费，评选表彰和奖励，以及疗休养、进修、健康体检等激励；年度复核据此统计。",
    );
    screen.notice = done_notice(query);
    screen.facts = facts(&summary);
    let shown = Values(Some(query));
    screen.filters = Some(form(
        vec![
            Input::number("year", "统计年度", (2000, 2100)).value(&year.to_string()),
            pick::<IncentiveKind>("kind", "类别", &shown.get("kind")).optional(),
        ],
        None,
    ));
    let mut table = Table::of(
        ("incentives", "激励记录", "尚未登记激励记录。"),
        vec!["类别", "姓名", "内容", "日期或聘期", "金额", "聘任文件"],
        (list, &page.path, query),
        |r| row(raw, r),
    );
    table.downloads = vec![("导出激励记录（xlsx）", format!("/training/{raw}/incentives.xlsx"))];
    screen.table = Some(table);
    if overview.may_record {
        let mut refused = refused;
        for &(kind, id, title, hint) in FORMS {
            let mine = refused.take_if(|(k, _)| *k == kind).map(|(_, r)| r);
            let values = Values(mine.as_ref().map(|r| &r.fields));
            screen.after.push(FormBlock {
                id,
                title,
                hint,
                action: format!("/training/{raw}/incentives/new/{}", kind.code()),
                multipart: true,
                submit: "登记",
                form: form(inputs(kind, &values), mine),
            });
        }
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/incentives`
pub(super) async fn incentives(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    incentives_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/incentives/new/{kind}` (multipart, an appointment's file `document`)
pub(super) async fn create_incentive(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, kind_raw)): Path<(String, String)>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let Some(kind) = IncentiveKind::parse(&kind_raw) else {
        return error_page(page, AppError::NotFound("没有这类激励记录"));
    };
    let too_large = post.too_large_refusal(&state, "document").await;
    let document = post.take_file("document");
    let fields = post.fields;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = IncentiveInput {
        kind: kind.code().to_owned(),
        person: get("person"),
        occupation: get("occupation"),
        studio: get("studio"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        allowance: get("allowance"),
        funds: get("funds"),
        title: get("title"),
        level: get("level"),
        date: get("date"),
        awarded_by: get("awarded_by"),
        amount: get("amount"),
        benefit: get("benefit"),
        description: get("description"),
        cost: get("cost"),
    };
    let outcome = async {
        if let Some(error) = too_large {
            return Err(error);
        }
        state.app.create_incentive(&who, base_id(&raw)?, &input, document, &meta).await.map(drop)
    }
    .await;
    answer(
        outcome,
        (page, format!("/training/{raw}/incentives?done=incentive")),
        fields,
        |page, refused, status| async move {
            incentives_page(&state, page, &who, (&raw, &Params::default()), Some((kind, refused)), status).await
        },
    )
    .await
}

/// `GET /training/{base}/incentives/{incentive}/document`
pub(super) async fn incentive_document(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, record)): Path<(String, String)>,
) -> Response {
    let loaded = async {
        let id = parse_id::<IncentiveId>(&record, "激励记录不存在")?;
        state.app.incentive_document(&who, base_id(&raw)?, id).await
    };
    let (name, kind, bytes) = or_error_page!(loaded.await, page);
    stored_file(&kind, &name, bytes)
}

/// `GET /training/{base}/incentives.xlsx`: every incentive record, amounts in yuan.
pub(super) async fn incentives_xlsx(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
) -> Response {
    let rows = async {
        let base = base_id(&raw)?;
        let all = every(|request| {
            let (state, who) = (&state, &who);
            async move { state.app.incentives(who, base, &IncentiveFilter::default(), &request).await }
        })
        .await?;
        Ok(all.into_iter().map(export_row).collect())
    };
    let header = [
        "类别",
        "姓名",
        "职业编码",
        "职业（工种）",
        "工作室名称",
        "聘期开始",
        "聘期结束",
        "岗位津贴（元/月）",
        "工作经费（元）",
        "奖项名称",
        "表彰级别",
        "授予单位",
        "激励方式",
        "内容说明",
        "日期",
        "金额（元）",
        "聘任文件",
    ];
    export(&state, (&who, &meta, page), (&raw, "incentives", "激励记录"), (&header, rows.await)).await
}

fn export_row(r: IncentiveRecord) -> Vec<String> {
    let yuan = |m: Option<Money>| m.map(Money::to_yuan_string).unwrap_or_default();
    let mut line = vec![String::new(); 17];
    line[0] = r.incentive.kind().label().to_owned();
    line[1] = r.incentive.person().to_owned();
    match &r.incentive {
        Incentive::Appointment(a) => {
            line[2] = a.occupation.as_str().to_owned();
            line[3] = a.occupation.name().to_owned();
            if let Post::MasterStudio { studio } = &a.post {
                line[4] = studio.clone();
            }
            line[5] = date_text(a.starts_on);
            line[6] = date_text(a.ends_on);
            line[7] = a.allowance.to_yuan_string();
            line[8] = yuan(a.funds);
        }
        Incentive::Award(a) => {
            line[9] = a.title.clone();
            line[10] = a.level.label().to_owned();
            line[11] = a.awarded_by.clone();
            line[14] = date_text(a.awarded_on);
            line[15] = yuan(a.amount);
        }
        Incentive::Other(o) => {
            line[12] = o.benefit.label().to_owned();
            line[13] = o.description.clone();
            line[14] = date_text(o.given_on);
            line[15] = yuan(o.cost);
        }
    }
    line[16] = r.document.map(|d| d.name).unwrap_or_default();
    line
}
