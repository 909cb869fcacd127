//! Calls for applications (申报批次): creating, publishing and closing them.

use super::*;

// ---------------------------------------------------------------------------------------------
// 申报批次

#[derive(Debug)]
pub(super) struct BatchRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) year: i64,
    pub(super) opens_on: String,
    pub(super) closes_on: String,
    pub(super) quota: i64,
    pub(super) policy: String,
    pub(super) status: &'static str,
    /// Applications received, by status: 「待受理 2、已受理 1」.
    pub(super) counts: String,
    pub(super) may_publish: bool,
    pub(super) may_close: bool,
}

#[derive(Debug)]
pub(super) struct BatchForm {
    pub(super) inputs: Vec<Input>,
}

impl BatchForm {
    pub(super) fn has_errors(&self) -> bool {
        self.inputs.iter().any(|i| i.error.is_some())
    }
}

#[derive(Template)]
#[template(path = "bureau/batches.html")]
pub(super) struct BatchesPage {
    pub(super) page: Page,
    pub(super) rows: Vec<BatchRow>,
    pub(super) form: BatchForm,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// The versions for a select, with a first choice meaning "in force on the opening date".
pub(super) async fn policy_labels(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
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

pub(super) fn batch_form(input: &NewBatch, policies: Vec<(String, String)>) -> BatchForm {
    let year = Input::number("year", "年度", bounds(&skillbase_domain::batch::PROGRAMME_YEARS)).value(&input.year);
    let title = Input::text("title", "批次名称")
        .value(&input.title)
        .hint("例如：2024年度技能人才培育实训基地申报")
        .maxlength(100);
    let opens = Input::new("opens_on", "开始日期", Control::Date)
        .value(&input.opens_on)
        .hint("自当日 0 时起接受提交（北京时间）");
    let closes = Input::new("closes_on", "截止日期", Control::Date).value(&input.closes_on).hint("至当日 24 时止");
    let quota = Input::number("quota", "拟认定名额", bounds(&skillbase_domain::batch::QUOTAS)).value(&input.quota);
    let mut options = vec![(String::new(), "按开始日期自动选择当日生效的版本".to_owned())];
    options.extend(policies);
    let policy = Input::choose("policy_id", "政策版本", choices(options, &input.policy_id))
        .hint("该批次的申报按所选版本审查；默认取开始日期当日施行的版本。");
    BatchForm { inputs: vec![year, title, opens, closes, quota, policy] }
}

pub(super) async fn batches_page(
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
        let received = state.app.application_counts(who).await?;
        let policies = policy_labels(state).await?;
        Ok::<_, AppError>((calls, received, policies))
    };
    let (calls, received, policies) = or_error_page!(loaded.await, page);
    let mut counts: HashMap<BatchId, Vec<(Status, i64)>> = HashMap::new();
    for (batch, status, n) in received {
        counts.entry(batch).or_default().push((status, n));
    }
    let policy_names: HashMap<&str, &str> = policies.iter().map(|(id, label)| (id.as_str(), label.as_str())).collect();
    let rows = calls
        .iter()
        .map(|b| {
            let mut per = counts.remove(&b.id).unwrap_or_default();
            per.sort_by_key(|(s, _)| Status::ALL.iter().position(|x| x == s));
            let counts = per.iter().map(|(s, n)| format!("{} {n}", s.staff_label())).collect::<Vec<_>>().join("、");
            BatchRow {
                id: b.id.to_string(),
                title: b.title.clone(),
                year: b.year,
                opens_on: b.window.opens_on().to_string(),
                closes_on: b.window.closes_on().to_string(),
                quota: b.quota,
                policy: policy_names.get(b.policy_id.as_str()).map_or(b.policy_id.clone(), |l| (*l).to_owned()),
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
pub(super) async fn batches(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    RawQuery(raw): RawQuery,
) -> Response {
    let notice = crate::query_params(raw.as_deref()).ok().as_ref().and_then(done_notice);
    batches_page(&state, page, &who, None, notice, Vec::new(), StatusCode::OK).await
}

/// `POST /bureau/batches` (year, title, opens_on, closes_on, quota, policy_id).
pub(super) async fn create_batch(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
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
        Err(error) => or_error_page!(refusal(error), page),
    };
    let policies = or_error_page!(policy_labels(&state).await, page);
    let mut form = batch_form(&input, policies);
    errors.place(&mut form.inputs);
    let mut page = page;
    page.path = "/bureau/batches".to_owned();
    batches_page(&state, page, &who, Some(form), None, errors.rest(), status).await
}

pub(super) async fn move_batch(
    state: AppState,
    meta: RequestMeta,
    id: String,
    post: SignedInPost,
    publish: bool,
) -> Response {
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
pub(super) async fn publish_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    move_batch(state, meta, id, post, true).await
}

/// `POST /bureau/batches/{id}/close`: closes an open call before its closing date.
pub(super) async fn close_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    move_batch(state, meta, id, post, false).await
}
