//! The fund reports (资金报表): per base, per category, per request, on the page and as Excel.

use super::*;

// ---------------------------------------------------------------------------------------------
// 资金报表: per base, per category, per request — on the page (printable) and as Excel

/// What every report is made from.
pub(super) struct ReportData {
    pub(super) overview: Vec<(BaseView, Totals)>,
    pub(super) sum: Totals,
    /// (id, name, spent across bases) in the policy's order.
    pub(super) categories: Vec<(String, String, i64)>,
    pub(super) requests: Vec<FundingView>,
}

pub(super) async fn report_data(state: &AppState, who: &Authenticated) -> Result<ReportData, AppError> {
    let overview = state.app.fund_overview(who).await?;
    let sum = Totals::sum(overview.iter().map(|(_, t)| t));
    // The categories of the policy version the bases were recognised under (else the one in
    // force today).
    let policy = match overview.first() {
        Some((base, _)) => state.app.policy(&base.policy_id).await?,
        None => state.app.policy_in_force(state.app.clock.today()).await?.1,
    };
    let categories = category_rows(&policy, &sum.spent_by_category);
    let requests = state.app.funding_requests(who).await?;
    Ok(ReportData { overview, sum, categories, requests })
}

/// Granted by a request: its total once the coordination group approved it.
pub(super) fn granted_by(f: &FundingView) -> i64 {
    if f.status == FundingStatus::Approved { f.total.fen() } else { 0 }
}

pub(super) const BASE_HEADER: [&str; 8] =
    ["牌匾编号", "基地名称", "状态", "核定资助（元）", "已拨付（元）", "已支出（元）", "余额（元）", "执行率"];
pub(super) const CATEGORY_HEADER: [&str; 3] = ["序号", "支出类别", "已支出（元）"];
pub(super) const REQUEST_HEADER: [&str; 8] =
    ["标题", "状态", "基地数", "基地", "申请金额（元）", "批准金额（元）", "拟定时间", "决定时间"];

pub(super) fn base_cells(base: Option<&BaseView>, t: &Totals) -> Vec<String> {
    vec![
        base.map_or_else(String::new, |b| b.number.clone()),
        base.map_or_else(|| "合计".to_owned(), |b| b.name.clone()),
        base.map_or_else(String::new, |b| b.status.label().to_owned()),
        yuan(t.granted),
        yuan(t.disbursed),
        yuan(t.spent),
        yuan(t.balance),
        rate(t.execution_basis_points()),
    ]
}

pub(super) fn category_cells(data: &ReportData) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = data
        .categories
        .iter()
        .enumerate()
        .map(|(i, (_, name, fen))| vec![(i + 1).to_string(), name.clone(), yuan(*fen)])
        .collect();
    rows.push(vec![String::new(), "合计".to_owned(), yuan(data.sum.spent)]);
    rows
}

pub(super) fn request_cells(f: &FundingView) -> Vec<String> {
    vec![
        f.title.clone(),
        f.status.label().to_owned(),
        f.items.len().to_string(),
        f.items.iter().map(|(_, b)| b.name.as_str()).collect::<Vec<_>>().join("、"),
        yuan(f.total.fen()),
        yuan(granted_by(f)),
        local_time(f.drafted_at),
        f.decided_at.map(local_time).unwrap_or_default(),
    ]
}

pub(super) fn request_total_cells(data: &ReportData) -> Vec<String> {
    let count: usize = data.requests.iter().map(|f| f.items.len()).sum();
    vec![
        "合计".to_owned(),
        String::new(),
        count.to_string(),
        String::new(),
        yuan(data.requests.iter().map(|f| f.total.fen()).sum()),
        yuan(data.requests.iter().map(granted_by).sum()),
        String::new(),
        String::new(),
    ]
}

#[derive(Template)]
#[template(path = "subsidy/reports.html")]
pub(super) struct ReportsPage {
    pub(super) page: Page,
    pub(super) dated: String,
    pub(super) bases: Vec<(String, Vec<String>)>,
    pub(super) base_total: Vec<String>,
    pub(super) base_header: [&'static str; 8],
    pub(super) categories: Vec<Vec<String>>,
    pub(super) requests: Vec<(String, Vec<String>)>,
    pub(super) request_total: Vec<String>,
    pub(super) request_header: [&'static str; 8],
}

/// `GET /funds/reports`: the three reports, printable on A4.
pub(super) async fn reports(State(state): State<AppState>, mut page: Page, Who(who): Who) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    page.path = "/funds/reports".to_owned();
    let data = or_error_page!(report_data(&state, &who).await, page);
    // Money on the page reads as yuan with separators; the cells keep two decimals.
    let on_page = |mut cells: Vec<String>, money_columns: std::ops::Range<usize>| {
        for i in money_columns {
            if let Some(cell) = cells.get_mut(i)
                && let Ok(m) = Money::parse(cell)
            {
                *cell = m.to_string();
            }
        }
        cells
    };
    let template = ReportsPage {
        page: page.clone(),
        dated: chinese_date(state.app.clock.today()),
        bases: data.overview.iter().map(|(b, t)| (b.id.to_string(), on_page(base_cells(Some(b), t), 3..7))).collect(),
        base_total: on_page(base_cells(None, &data.sum), 3..7),
        base_header: BASE_HEADER,
        categories: category_cells(&data).into_iter().map(|c| on_page(c, 2..3)).collect(),
        requests: data.requests.iter().map(|f| (f.id.to_string(), on_page(request_cells(f), 4..6))).collect(),
        request_total: on_page(request_total_cells(&data), 4..6),
        request_header: REQUEST_HEADER,
    };
    respond(StatusCode::OK, &page, &template)
}

/// One report as a workbook, its export audited.
pub(super) async fn report_xlsx(
    state: AppState,
    meta: RequestMeta,
    page: Page,
    who: Authenticated,
    (what, filename, sheet): (&'static str, &'static str, &'static str),
    make: impl FnOnce(&ReportData) -> (Vec<&'static str>, Vec<Vec<String>>),
) -> Response {
    if !funds_reader(&who) {
        return not_found(page);
    }
    let data = or_error_page!(report_data(&state, &who).await, page);
    let (header, rows) = make(&data);
    let bytes = match crate::xlsx::sheet(sheet, &header, &rows) {
        Ok(bytes) => bytes,
        Err(error) => return error_page(page, AppError::internal(error)),
    };
    if let Err(error) = state.app.record_export(&who, what, rows.len(), &meta).await {
        return error_page(page, error);
    }
    download(bytes, XLSX, filename)
}

/// `GET /funds/reports/bases.xlsx`
pub(super) async fn bases_xlsx(State(state): State<AppState>, Meta(meta): Meta, page: Page, Who(who): Who) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_bases", "fund-bases.xlsx", "基地资金"), |data| {
        let mut rows: Vec<Vec<String>> = data.overview.iter().map(|(b, t)| base_cells(Some(b), t)).collect();
        rows.push(base_cells(None, &data.sum));
        (BASE_HEADER.to_vec(), rows)
    })
    .await
}

/// `GET /funds/reports/categories.xlsx`
pub(super) async fn categories_xlsx(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_categories", "fund-categories.xlsx", "支出类别"), |data| {
        (CATEGORY_HEADER.to_vec(), category_cells(data))
    })
    .await
}

/// `GET /funds/reports/requests.xlsx`
pub(super) async fn requests_xlsx(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
) -> Response {
    report_xlsx(state, meta, page, who, ("fund_report_requests", "fund-requests.xlsx", "资金申请"), |data| {
        let mut rows: Vec<Vec<String>> = data.requests.iter().map(request_cells).collect();
        rows.push(request_total_cells(data));
        (REQUEST_HEADER.to_vec(), rows)
    })
    .await
}
