//! The expert pool (专家库): profiles, industries, past employers and declared ties.

use super::*;

// ---------------------------------------------------------------------------------------------
// 专家库

#[derive(Debug)]
pub(super) struct ExpertRow {
    pub(super) user_id: String,
    pub(super) name: String,
    pub(super) username: String,
    pub(super) title: String,
    pub(super) employer: String,
    pub(super) industries: String,
    pub(super) active: bool,
    pub(super) disabled: bool,
}

#[derive(Debug)]
pub(super) struct IndustryBox {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) checked: bool,
}

/// One row of past employers (USCC, name, last day) or of declared ties (USCC, name, reason).
#[derive(Debug, Default, Clone)]
pub(super) struct TieRow {
    pub(super) index: usize,
    pub(super) uscc: String,
    pub(super) name: String,
    pub(super) third: String,
    pub(super) uscc_error: Option<String>,
    pub(super) third_error: Option<String>,
}

impl TieRow {
    /// The row's three cells as kit inputs: a past employer's (`past`) or a declared tie's.
    pub(super) fn cells(&self, past: bool) -> Vec<Input> {
        let (i, n) = (self.index, self.index + 1);
        let (prefix, list, of, name_label) = if past {
            ("past", "past_employers", "条任职经历的", "单位名称")
        } else {
            ("tie", "declared_ties", "个关联单位的", "名称")
        };
        let cell = |input: Input, key: &str, error: &Option<String>| {
            let mut input = input.unmarked().cell().with_id(format!("{prefix}-{i}-{key}"));
            input.error.clone_from(error);
            input
        };
        let uscc = Input::text(format!("{list}[{i}].uscc"), format!("第 {n} {of}统一社会信用代码"))
            .value(&self.uscc)
            .maxlength(18)
            .verbatim("characters");
        let name = Input::text(format!("{list}[{i}].name"), format!("第 {n} {of}{name_label}"))
            .value(&self.name)
            .maxlength(100);
        let third = if past {
            Input::new(format!("{list}[{i}].until"), format!("第 {n} {of}离职日期"), Control::Date).value(&self.third)
        } else {
            Input::text(format!("{list}[{i}].reason"), format!("第 {n} {of}关联情况")).value(&self.third).maxlength(200)
        };
        vec![cell(uscc, "uscc", &self.uscc_error), cell(name, "name", &None), cell(third, "third", &self.third_error)]
    }
}

#[derive(Debug)]
pub(super) struct ExpertForm {
    pub(super) user_id: String,
    pub(super) account: String,
    pub(super) is_new: bool,
    pub(super) version: String,
    pub(super) inputs: Vec<Input>,
    pub(super) industries: Vec<IndustryBox>,
    pub(super) industries_error: Option<String>,
    pub(super) past: Vec<TieRow>,
    pub(super) ties: Vec<TieRow>,
    pub(super) rows_error: Option<String>,
    pub(super) active: bool,
}

impl ExpertForm {
    pub(super) fn has_errors(&self) -> bool {
        self.industries_error.is_some()
            || self.rows_error.is_some()
            || self.inputs.iter().any(|i| i.error.is_some())
            || self.past.iter().chain(&self.ties).any(|r| r.uscc_error.is_some() || r.third_error.is_some())
    }

    /// Every error, for the summary above the form: (the input's id, the message).
    pub(super) fn summary(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> =
            self.inputs.iter().filter_map(|i| i.error.clone().map(|e| (i.id(), e))).collect();
        if let Some(e) = &self.industries_error {
            all.push(("f-industries".to_owned(), e.clone()));
        }
        for (prefix, rows) in [("past", &self.past), ("tie", &self.ties)] {
            for r in rows {
                if let Some(e) = &r.uscc_error {
                    all.push((format!("{prefix}-{}-uscc", r.index), e.clone()));
                }
                if let Some(e) = &r.third_error {
                    all.push((format!("{prefix}-{}-third", r.index), e.clone()));
                }
            }
        }
        if let Some(e) = &self.rows_error {
            all.push(("f-ties".to_owned(), e.clone()));
        }
        all
    }
}

#[derive(Template)]
#[template(path = "review/experts.html")]
pub(super) struct ExpertsPage {
    pub(super) page: Page,
    pub(super) rows: Vec<ExpertRow>,
    /// The choice of an expert account.
    pub(super) accounts: Input,
    pub(super) form: Option<ExpertForm>,
    pub(super) notice: Option<&'static str>,
    pub(super) errors: Vec<String>,
}

/// How many blank rows the form offers beyond those filled in.
pub(super) const BLANK_ROWS: usize = 2;

pub(super) fn tie_rows(filled: Vec<(String, String, String)>, max: usize) -> Vec<TieRow> {
    let blank = (filled.len() + BLANK_ROWS).min(max).max(filled.len());
    let mut rows: Vec<TieRow> = filled
        .into_iter()
        .enumerate()
        .map(|(index, (uscc, name, third))| TieRow { index, uscc, name, third, ..TieRow::default() })
        .collect();
    while rows.len() < blank {
        rows.push(TieRow { index: rows.len(), ..TieRow::default() });
    }
    rows
}

pub(super) fn expert_form(user: UserId, account: String, input: &ExpertInput, policy: &PolicyDocument) -> ExpertForm {
    let name = Input::text("name", "姓名").value(&input.name).maxlength(50);
    let title = Input::text("title", "职称或职业资格")
        .value(&input.title)
        .maxlength(50)
        .hint("例如：高级工程师、一级/高级技师");
    let employer = Input::text("employer_name", "工作单位").value(&input.employer_name).maxlength(100).optional();
    let uscc = Input::text("employer_uscc", "工作单位统一社会信用代码")
        .value(&input.employer_uscc)
        .maxlength(18)
        .optional()
        .hint("18 位；用于回避本单位的申报。退休等无工作单位的可不填。");
    ExpertForm {
        user_id: user.to_string(),
        account,
        is_new: input.version.is_none(),
        version: input.version.map(|v| v.to_string()).unwrap_or_default(),
        inputs: vec![name, title, employer, uscc],
        industries: policy
            .industries()
            .iter()
            .map(|i| IndustryBox {
                id: i.id().to_owned(),
                name: i.name().to_owned(),
                checked: input.industries.iter().any(|x| x == i.id()),
            })
            .collect(),
        industries_error: None,
        past: tie_rows(
            input.past_employers.iter().map(|p| (p.uscc.clone(), p.name.clone(), p.until.clone())).collect(),
            20,
        ),
        ties: tie_rows(
            input.declared_ties.iter().map(|t| (t.uscc.clone(), t.name.clone(), t.reason.clone())).collect(),
            50,
        ),
        rows_error: None,
        active: input.active,
    }
}

pub(super) async fn experts_page(
    state: &AppState,
    mut page: Page,
    selected: Option<UserId>,
    form: Option<ExpertForm>,
    (notice, errors, status): (Option<&'static str>, Vec<String>, StatusCode),
) -> Response {
    page.path = "/bureau/experts".to_owned();
    let loaded = async {
        let pool = state.app.experts().await?;
        let accounts = state.app.expert_accounts().await?;
        let policy = state.app.policy_in_force(state.app.clock.today()).await?.1;
        Ok::<_, AppError>((pool, accounts, policy))
    };
    let (pool, accounts, policy) = or_error_page!(loaded.await, page);
    let industry_names = |ids: &[String]| {
        ids.iter().map(|id| policy.industry(id).map_or(id.as_str(), |i| i.name())).collect::<Vec<_>>().join("、")
    };
    let rows = pool
        .iter()
        .map(|e| ExpertRow {
            user_id: e.user_id.to_string(),
            name: e.name.clone(),
            username: e.username.clone(),
            title: e.title.clone(),
            employer: match (&e.employer_name, &e.employer_uscc) {
                (name, Some(uscc)) if !name.is_empty() => format!("{name}（{uscc}）"),
                (_, Some(uscc)) => uscc.clone(),
                (name, None) if !name.is_empty() => name.clone(),
                _ => "—".to_owned(),
            },
            industries: industry_names(&e.industries),
            active: e.active,
            disabled: e.disabled,
        })
        .collect();
    let in_pool: HashMap<UserId, &str> = pool.iter().map(|e| (e.user_id, e.name.as_str())).collect();
    let label = |id: &UserId, username: &str, display: &str| match in_pool.get(id) {
        Some(_) => format!("{display}（{username}）"),
        None => format!("{display}（{username}，未建档）"),
    };
    let mut choices = vec![Choice { value: String::new(), label: "请选择专家账户".to_owned(), selected: false }];
    choices.extend(accounts.iter().map(|(id, username, display)| Choice {
        value: id.to_string(),
        label: label(id, username, display),
        selected: Some(*id) == selected,
    }));
    let form = match (form, selected) {
        (Some(form), _) => Some(form),
        (None, Some(user)) => match accounts.iter().find(|(id, _, _)| *id == user) {
            None => return not_found(page),
            Some((id, username, display)) => {
                let input = match pool.iter().find(|e| e.user_id == user) {
                    Some(e) => ExpertInput {
                        name: e.name.clone(),
                        title: e.title.clone(),
                        employer_name: e.employer_name.clone(),
                        employer_uscc: e.employer_uscc.clone().unwrap_or_default(),
                        industries: e.industries.clone(),
                        past_employers: e.past_employers.clone(),
                        declared_ties: e.declared_ties.clone(),
                        active: e.active,
                        version: Some(e.version),
                    },
                    None => ExpertInput { name: display.clone(), active: true, ..ExpertInput::default() },
                };
                Some(expert_form(*id, label(id, username, display), &input, &policy))
            }
        },
        (None, None) => None,
    };
    let accounts = Input::choose("user", "专家账户", choices);
    let template = ExpertsPage { page: page.clone(), rows, accounts, form, notice, errors };
    respond(status, &page, &template)
}

/// `GET /bureau/experts?user=`: the pool, and the profile of the chosen expert account.
pub(super) async fn experts(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let Ok(params) = crate::query_params(raw.as_deref()) else {
        return PageError::new(page, StatusCode::BAD_REQUEST).into_response();
    };
    let selected = match params.get("user").unwrap_or_default() {
        "" => None,
        text => match text.parse::<UserId>() {
            Ok(id) => Some(id),
            Err(_) => return not_found(page),
        },
    };
    experts_page(&state, page, selected, None, (done_notice(&params), Vec::new(), StatusCode::OK)).await
}

/// The rows `prefix[i].a`, `prefix[i].b`, `prefix[i].c` as posted, in order, up to `max`.
pub(super) fn posted_rows(
    fields: &Params,
    prefix: &str,
    (a, b, c): (&str, &str, &str),
    max: usize,
) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    for i in 0..max {
        let get = |name: &str| fields.get(&format!("{prefix}[{i}].{name}")).map(str::to_owned);
        let (x, y, z) = (get(a), get(b), get(c));
        if x.is_none() && y.is_none() && z.is_none() {
            break;
        }
        rows.push([x.unwrap_or_default(), y.unwrap_or_default(), z.unwrap_or_default()]);
    }
    rows
}

/// `POST /bureau/experts/{id}` (name, title, employer_name, employer_uscc, industries…,
/// past_employers[i].uscc/name/until, declared_ties[i].uscc/name/reason, active, version).
pub(super) async fn save_expert(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let Ok(user) = id.parse::<UserId>() else { return not_found(page) };
    let value = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let past = posted_rows(&fields, "past_employers", ("uscc", "name", "until"), 20);
    let ties = posted_rows(&fields, "declared_ties", ("uscc", "name", "reason"), 50);
    let version = value("version");
    let input = ExpertInput {
        name: value("name"),
        title: value("title"),
        employer_name: value("employer_name"),
        employer_uscc: value("employer_uscc"),
        industries: fields.0.iter().filter(|(k, _)| k == "industries").map(|(_, v)| v.clone()).collect(),
        past_employers: past
            .iter()
            .map(|[uscc, name, until]| PastEmployerEntry {
                uscc: uscc.clone(),
                name: name.clone(),
                until: until.clone(),
            })
            .collect(),
        declared_ties: ties
            .iter()
            .map(|[uscc, name, reason]| TieEntry { uscc: uscc.clone(), name: name.clone(), reason: reason.clone() })
            .collect(),
        active: fields.get("active").is_some(),
        version: version.trim().parse::<i64>().ok(),
    };
    let (status, mut errors) = match state.app.save_expert(&who, user, &input, &meta).await {
        Ok(()) => return Redirect::to(&format!("/bureau/experts?done=saved#expert-{user}")).into_response(),
        Err(error) => or_error_page!(refusal(error), page),
    };
    let loaded = async {
        let accounts = state.app.expert_accounts().await?;
        let policy = state.app.policy_in_force(state.app.clock.today()).await?.1;
        Ok::<_, AppError>((accounts, policy))
    };
    let (accounts, policy) = or_error_page!(loaded.await, page);
    let Some((_, username, display)) = accounts.iter().find(|(id, _, _)| *id == user) else {
        return not_found(page);
    };
    let mut form = expert_form(user, format!("{display}（{username}）"), &input, &policy);
    form.version = version;
    // The rows as posted (blank ones included: the errors' indexes are theirs).
    form.past = past
        .into_iter()
        .enumerate()
        .map(|(index, [uscc, name, until])| TieRow {
            index,
            uscc_error: errors.take(&format!("past_employers[{index}].uscc")),
            third_error: errors.take(&format!("past_employers[{index}].until")),
            uscc,
            name,
            third: until,
        })
        .collect();
    form.ties = ties
        .into_iter()
        .enumerate()
        .map(|(index, [uscc, name, reason])| TieRow {
            index,
            uscc_error: errors.take(&format!("declared_ties[{index}].uscc")),
            uscc,
            name,
            third: reason,
            ..TieRow::default()
        })
        .collect();
    if form.past.is_empty() {
        form.past = tie_rows(Vec::new(), 20);
    }
    if form.ties.is_empty() {
        form.ties = tie_rows(Vec::new(), 50);
    }
    errors.place(&mut form.inputs);
    form.industries_error = errors.take_under("industries");
    form.rows_error = errors.take("declared_ties");
    experts_page(&state, page, Some(user), Some(form), (None, errors.rest(), status)).await
}
