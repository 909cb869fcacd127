//! The sections of a base's training records, each a GET that draws it and the POSTs of its
//! forms.

use super::*;

const HOURS_HINT: &str = "整数，1 至 2000";
const AGREEMENT_TYPES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn labels<D: Dictionary>(values: &[D]) -> String {
    if values.is_empty() {
        return "—".to_owned();
    }
    values.iter().map(|v| v.label()).collect::<Vec<_>>().join("、")
}

// ---------------------------------------------------------------------------------------------
// 概况与培育项目

fn project_inputs(v: &Values<'_>) -> Vec<Input> {
    vec![
        Input::text("occupation", "职业（工种）编码")
            .value(&v.get("occupation"))
            .hint("国家职业分类大典（2022 年版）的职业编码，例如 6-31-01-02（机修钳工）")
            .maxlength(20)
            .verbatim("off"),
        tick::<Level>("levels", "培训等级", &v.all("levels")),
        tick::<Criterion>("criteria", "符合的项目条件（实施意见第二条第二款，至少一项）", &v.all("criteria")),
        Input::new("description", "项目说明", Control::Area { rows: 3 })
            .value(&v.get("description"))
            .maxlength(500)
            .optional(),
    ]
}

async fn overview_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    raw: &str,
    refused: Option<Refused>,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "", "培训记录");
    screen.lead = Some(
        "基地按实施意见第二条第二款、第三款和第三条登记培育项目、培训班、学员、高师带徒和技能竞赛；年度复核据此生成。",
    );
    screen.notice = notice;
    let c = overview.counts;
    screen.facts = vec![
        ("培育项目", c.projects.to_string(), "count-projects"),
        ("培训班", c.classes.to_string(), "count-classes"),
        ("学员", c.trainees.to_string(), "count-trainees"),
        ("报名人次", c.enrolments.to_string(), "count-enrolments"),
        ("结业人次", c.completed.to_string(), "count-completed"),
        ("高师带徒", c.pairs.to_string(), "count-pairs"),
        ("技能竞赛", c.competitions.to_string(), "count-competitions"),
    ];
    let total = i64::try_from(overview.projects.len()).unwrap_or(i64::MAX);
    let list = ListPage { items: overview.projects.clone(), total, next: None };
    screen.table = Some(Table::of(
        ("projects", "培育项目", "尚未登记培育项目。"),
        vec!["职业（工种）", "培训等级", "符合的项目条件", "说明"],
        (list, &page.path, &Params::default()),
        |p| Row {
            id: p.id.to_string(),
            cells: vec![
                cell(format!("{} {}", p.project.occupation.as_str(), p.project.occupation.name())),
                cell(labels(&p.project.levels)),
                cell(labels(&p.project.criteria)),
                cell(p.project.description.unwrap_or_default()),
            ],
        },
    ));
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-project",
            title: "登记培育项目",
            hint: Some("每个培育项目是一个技能职业（工种），技术含量较高，并至少符合一项条件。"),
            action: format!("/training/{raw}/projects"),
            multipart: false,
            submit: "登记项目",
            form: form(project_inputs(&values), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}`
pub(super) async fn overview(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = parse_query(query.as_deref());
    overview_page(&state, page, &who, &raw, None, (done_notice(&query), StatusCode::OK)).await
}

/// `POST /training/{base}/projects`
pub(super) async fn create_project(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = ProjectInput {
        occupation: fields.get("occupation").unwrap_or_default().to_owned(),
        levels: fields.all("levels"),
        criteria: fields.all("criteria"),
        description: fields.get("description").unwrap_or_default().to_owned(),
    };
    let outcome = async { state.app.create_project(&who, base_id(&raw)?, &input, &meta).await.map(drop) }.await;
    answer(outcome, (page, format!("/training/{raw}?done=project")), fields, |page, refused, status| {
        overview_page(&state, page, &who, &raw, Some(refused), (None, status))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 培训班

fn class_inputs(v: &Values<'_>, projects: &TrainingOverview) -> Vec<Input> {
    let projects = projects
        .projects
        .iter()
        .map(|p| (p.id.to_string(), format!("{} {}", p.project.occupation.as_str(), p.project.occupation.name())))
        .collect();
    let key_groups: Vec<(String, String)> = Category::ALL
        .iter()
        .filter(|c| c.is_key_group())
        .map(|c| (c.code().to_owned(), c.label().to_owned()))
        .collect();
    vec![
        Input::select("project", "培育项目", projects).value(&v.get("project")),
        Input::text("name", "班级名称")
            .value(&v.get("name"))
            .hint("在本基地内唯一，名册导入按名称找班级")
            .maxlength(100),
        pick::<Mode>("mode", "培训方式", &v.get("mode")),
        Input::text("college", "联合培训的职业院校")
            .value(&v.get("college"))
            .hint("校企联合培训时填写")
            .maxlength(100)
            .optional(),
        Input::select("target_group", "定向培训的重点群体", key_groups)
            .value(&v.get("target_group"))
            .hint("定向培训时选择")
            .optional(),
        Input::new("starts_on", "开班日期", Control::Date).value(&v.get("starts_on")),
        Input::new("ends_on", "结业日期", Control::Date).value(&v.get("ends_on")),
        Input::number("hours", "培训课时", (1, 2000)).value(&v.get("hours")).hint(HOURS_HINT),
        Input::text("place", "培训地点").value(&v.get("place")).maxlength(200),
        Input::text("teachers", "授课教师").value(&v.get("teachers")).hint("多人以顿号分隔").maxlength(200),
        tick::<Innovation>(
            "innovations",
            "涉及新技术、新工艺、新设备、新材料（实施意见第三条第一款）",
            &v.all("innovations"),
        )
        .optional(),
    ]
}

fn class_input(fields: &Params) -> ClassInput {
    ClassInput::from_fields(|name| fields.get(name).unwrap_or_default().to_owned(), fields.all("innovations"))
}

async fn classes_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let base = overview.base_id;
    let filter = ClassFilter {
        project: query.get("project").and_then(|p| p.parse().ok()),
        mode: query.get("mode").and_then(Mode::parse),
        name: query.get("name").filter(|n| !n.trim().is_empty()).map(str::to_owned),
    };
    let list = or_error_page!(state.app.classes(who, base, &filter, &page_request(query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "classes", "培训班");
    screen.notice = done_notice(query);
    let filter_values = Values(Some(query));
    let project_options = overview
        .projects
        .iter()
        .map(|p| (p.id.to_string(), format!("{} {}", p.project.occupation.as_str(), p.project.occupation.name())))
        .collect();
    screen.filters = Some(form(
        vec![
            Input::text("name", "班级名称包含").value(&filter_values.get("name")).optional(),
            Input::select("project", "培育项目", project_options).value(&filter_values.get("project")).optional(),
            pick::<Mode>("mode", "培训方式", &filter_values.get("mode")).optional(),
        ],
        None,
    ));
    let mut table = Table::of(
        ("classes", "培训班", "没有符合条件的培训班。"),
        vec!["班级名称", "职业（工种）", "培训方式", "起止日期", "课时", "学员"],
        (list, &page.path, query),
        |k| Row {
            id: k.id.to_string(),
            cells: vec![
                link(k.class.name.clone(), format!("/training/{raw}/classes/{}", k.id)),
                cell(format!("{} {}", k.occupation.as_str(), k.occupation.name())),
                cell(k.class.mode.label()),
                cell(format!("{} 至 {}", date_text(k.class.starts_on), date_text(k.class.ends_on))),
                cell(k.class.hours.to_string()),
                cell(k.enrolled.to_string()),
            ],
        },
    );
    table.downloads = vec![
        ("导出培训班（xlsx）", format!("/training/{raw}/classes.xlsx")),
        ("导出全部报名（xlsx，身份证号码已遮蔽）", format!("/training/{raw}/enrolments.xlsx")),
    ];
    if overview.may_record {
        table.downloads.push(("从 Excel 名册导入培训班", format!("/training/{raw}/import/classes")));
        table.downloads.push(("从 Excel 名册导入报名", format!("/training/{raw}/import/enrolments")));
    }
    screen.table = Some(table);
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-class",
            title: "登记培训班",
            hint: if overview.projects.is_empty() {
                Some("请先在「概况与培育项目」中登记培育项目。")
            } else {
                None
            },
            action: format!("/training/{raw}/classes"),
            multipart: false,
            submit: "登记培训班",
            form: form(class_inputs(&values, &overview), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/classes`
pub(super) async fn classes(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    classes_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/classes`
pub(super) async fn create_class(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = class_input(&fields);
    let project = fields.get("project").unwrap_or_default().to_owned();
    let outcome = async { state.app.create_class(&who, base_id(&raw)?, &project, &input, &meta).await.map(drop) }.await;
    answer(outcome, (page, format!("/training/{raw}/classes?done=class")), fields, |page, refused, status| async move {
        classes_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 培训班 → its enrolments

fn enrolment_inputs(v: &Values<'_>, with_person: bool) -> Vec<Input> {
    let mut inputs = Vec::new();
    if with_person {
        inputs.push(
            Input::text("resident_id", "学员身份证号码")
                .hint("已在「学员」中登记的学员")
                .maxlength(18)
                .verbatim("characters")
                .autocomplete("off"),
        );
    }
    inputs.extend([
        Input::number("hours", "出勤课时", (0, 2000)).value(&v.get("hours")).hint("不超过培训班的课时").optional(),
        pick::<Completion>("completion", "结业情况", &v.get("completion")).optional(),
        pick::<Outcome>("outcome", "考核结果", &v.get("outcome")).hint("结业后登记").optional(),
    ]);
    inputs
}

fn enrolment_input(fields: &Params) -> EnrolmentInput {
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    EnrolmentInput { hours: get("hours"), completion: get("completion"), outcome: get("outcome") }
}

async fn class_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, class_raw, query): (&str, &str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let overview = open(state, who, raw).await?;
        let base = overview.base_id;
        let class = state.app.class(who, base, parse_id::<ClassId>(class_raw, "培训班不存在")?).await?;
        let filter = EnrolmentFilter { class: Some(class.id), ..EnrolmentFilter::default() };
        let list = state.app.enrolments(who, base, &filter, &page_request(query)).await?;
        Ok::<_, AppError>((overview, class, list))
    };
    let (overview, class, list) = or_error_page!(loaded.await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "classes", class.class.name.clone());
    screen.crumbs = vec![("培训班".to_owned(), format!("/training/{raw}/classes"))];
    screen.notice = done_notice(query);
    let k = &class.class;
    screen.facts = vec![
        ("职业（工种）", format!("{} {}", class.occupation.as_str(), class.occupation.name()), "class-occupation"),
        ("培训方式", k.mode.label().to_owned(), "class-mode"),
        ("联合培训院校", k.college.clone().unwrap_or_else(|| "—".to_owned()), ""),
        ("定向培训群体", k.target_group.map_or_else(|| "—".to_owned(), |g| g.label().to_owned()), ""),
        ("起止日期", format!("{} 至 {}", date_text(k.starts_on), date_text(k.ends_on)), ""),
        ("培训课时", k.hours.to_string(), "class-hours"),
        ("培训地点", k.place.clone(), ""),
        ("授课教师", k.teachers.clone(), ""),
        ("新技术、新工艺、新设备、新材料", labels(&k.innovations), ""),
    ];
    screen.table = Some(Table::of(
        ("enrolments", "本班学员", "本班尚无学员。"),
        vec!["学员", "身份证号码", "出勤课时", "结业情况", "考核结果"],
        (list, &page.path, query),
        |e| Row {
            id: e.id.to_string(),
            cells: vec![
                link(e.trainee_name.clone(), format!("/training/{raw}/enrolments/{}", e.id)),
                cell(e.trainee_masked.clone()),
                cell(e.enrolment.hours.to_string()),
                cell(e.enrolment.completion.label()),
                cell(e.enrolment.outcome.label()),
            ],
        },
    ));
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-enrolment",
            title: "学员报名",
            hint: None,
            action: format!("/training/{raw}/classes/{class_raw}/enrolments"),
            multipart: false,
            submit: "加入本班",
            form: form(enrolment_inputs(&values, true), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/classes/{class}`
pub(super) async fn class(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, class_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    class_page(&state, page, &who, (&raw, &class_raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/classes/{class}/enrolments` (resident_id, hours, completion, outcome)
pub(super) async fn enrol(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, class_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = enrolment_input(&fields);
    let outcome = async {
        let base = base_id(&raw)?;
        let number = fields.get("resident_id").unwrap_or_default();
        let trainee = trainee_by_number(&state, &who, base, ("resident_id", number)).await?;
        state.app.enrol(&who, base, (&class_raw, &trainee.to_string()), &input, &meta).await.map(drop)
    }
    .await;
    answer(
        outcome,
        (page, format!("/training/{raw}/classes/{class_raw}?done=enrolled")),
        fields,
        |page, refused, status| async move {
            class_page(&state, page, &who, (&raw, &class_raw, &Params::default()), Some(refused), status).await
        },
    )
    .await
}

async fn enrolment_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw): (&str, &str),
    refused: Option<Refused>,
    (notice, status): (Option<&'static str>, StatusCode),
) -> Response {
    let loaded = async {
        let overview = open(state, who, raw).await?;
        let base = overview.base_id;
        let id = parse_id::<EnrolmentId>(id_raw, "报名记录不存在")?;
        let found = state.app.enrolment(who, base, id).await?;
        Ok::<_, AppError>((overview, found))
    };
    let (overview, found) = or_error_page!(loaded.await, page);
    let mut screen =
        SectionPage::new(page.clone(), &overview, "classes", format!("{} · {}", found.class_name, found.trainee_name));
    screen.crumbs = vec![
        ("培训班".to_owned(), format!("/training/{raw}/classes")),
        (found.class_name.clone(), format!("/training/{raw}/classes/{}", found.class_id)),
    ];
    screen.notice = notice;
    screen.facts = vec![
        ("学员", found.trainee_name.clone(), "enrolment-trainee"),
        ("身份证号码", found.trainee_masked.clone(), ""),
        ("出勤课时", found.enrolment.hours.to_string(), "enrolment-hours"),
        ("结业情况", found.enrolment.completion.label().to_owned(), "enrolment-completion"),
        ("考核结果", found.enrolment.outcome.label().to_owned(), "enrolment-outcome"),
    ];
    if overview.may_record {
        let current = [
            ("hours".to_owned(), found.enrolment.hours.to_string()),
            ("completion".to_owned(), found.enrolment.completion.code().to_owned()),
            ("outcome".to_owned(), found.enrolment.outcome.code().to_owned()),
        ];
        let shown = refused
            .as_ref()
            .map_or_else(|| Params::from_pairs(current.to_vec()), |r| Params::from_pairs(r.fields.pairs()));
        screen.after.push(FormBlock {
            id: "update-enrolment",
            title: "登记出勤、结业和考核结果",
            hint: None,
            action: format!("/training/{raw}/enrolments/{id_raw}"),
            multipart: false,
            submit: "保存",
            form: form(enrolment_inputs(&Values(Some(&shown)), false), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/enrolments/{enrolment}`
pub(super) async fn enrolment(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = parse_query(query.as_deref());
    enrolment_page(&state, page, &who, (&raw, &id_raw), None, (done_notice(&query), StatusCode::OK)).await
}

/// `POST /training/{base}/enrolments/{enrolment}` (hours, completion, outcome)
pub(super) async fn update_enrolment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = enrolment_input(&fields);
    let outcome = async {
        let id = parse_id::<EnrolmentId>(&id_raw, "报名记录不存在")?;
        state.app.update_enrolment(&who, base_id(&raw)?, id, &input, &meta).await
    }
    .await;
    answer(
        outcome,
        (page, format!("/training/{raw}/enrolments/{id_raw}?done=enrolment")),
        fields,
        |page, refused, status| async move {
            enrolment_page(&state, page, &who, (&raw, &id_raw), Some(refused), (None, status)).await
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// 学员

fn trainee_inputs(v: &Values<'_>) -> Vec<Input> {
    vec![
        Input::text("name", "姓名").value(&v.get("name")).maxlength(50).autocomplete("off"),
        Input::text("resident_id", "居民身份证号码")
            .hint("18 位，末位可为 X；加密保存，页面上只显示首 4 位和末 4 位；表单退回时须重新填写")
            .maxlength(18)
            .verbatim("characters")
            .autocomplete("off"),
        Input::new("phone", "联系电话", Control::Tel)
            .value(&v.get("phone"))
            .hint("手机号码或带区号的固定电话；加密保存")
            .maxlength(20)
            .optional(),
        pick::<Relation>("relation", "与基地的关系", &v.get("relation"))
            .hint("产业链上下游企业职工（实施意见第二条第三款）选上游或下游企业"),
        pick::<Category>("category", "人员类别", &v.get("category")),
        Input::text("employer", "工作单位或学校")
            .value(&v.get("employer"))
            .hint("本单位人员可不填")
            .maxlength(100)
            .optional(),
        Input::text("employer_uscc", "单位统一社会信用代码")
            .value(&v.get("employer_uscc"))
            .hint("上下游企业必填")
            .maxlength(18)
            .verbatim("characters")
            .optional(),
    ]
}

fn trainee_input(fields: &Params) -> TraineeInput {
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    TraineeInput {
        name: get("name"),
        resident_id: get("resident_id"),
        phone: get("phone"),
        employer: get("employer"),
        employer_uscc: get("employer_uscc"),
        relation: get("relation"),
        category: get("category"),
    }
}

fn trainee_query(query: &Params) -> TraineeQuery {
    TraineeQuery {
        name: query.get("name").map(str::to_owned),
        resident_id: query.get("resident_id").map(str::to_owned),
        category: query.get("category").and_then(Category::parse),
        relation: query.get("relation").and_then(Relation::parse),
    }
}

async fn trainees_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let base = overview.base_id;
    let mut screen = SectionPage::new(page.clone(), &overview, "trainees", "学员");
    screen.lead = Some("同一人在本基地只登记一次（按身份证号码），可参加多个培训班。身份证号码可精确查找。");
    screen.notice = done_notice(query);
    let filter_values = Values(Some(query));
    screen.filters = Some(form(
        vec![
            Input::text("name", "姓名包含").value(&filter_values.get("name")).optional(),
            pick::<Category>("category", "人员类别", &filter_values.get("category")).optional(),
            pick::<Relation>("relation", "与基地的关系", &filter_values.get("relation")).optional(),
        ],
        None,
    ));
    // The exact search by ID number is posted, so the number is in no address, history or
    // referrer, and it is never written back into the page.
    let mut search = form(
        vec![
            Input::text("resident_id", "身份证号码")
                .hint("按完整的 18 位号码精确查找")
                .maxlength(18)
                .verbatim("characters")
                .autocomplete("off"),
        ],
        None,
    );
    let list = match state.app.trainees(who, base, &trainee_query(query), &page_request(query)).await {
        Ok(list) => list,
        Err(AppError::Fields(errors)) => {
            search.set_errors(page.t, errors);
            search.focus_first_error();
            ListPage { items: Vec::new(), total: 0, next: None }
        }
        Err(error) => return error_page(page, error),
    };
    screen.before.push(FormBlock {
        id: "search-number",
        title: "按身份证号码查找",
        hint: None,
        action: format!("/training/{raw}/trainees/search"),
        multipart: false,
        submit: "查找",
        form: search,
    });
    let mut table = Table::of(
        ("trainees", "学员", "没有符合条件的学员。"),
        vec!["姓名", "身份证号码", "人员类别", "与基地的关系", "工作单位或学校", "联系电话"],
        (list, &page.path, &without_number(query)),
        |t| Row {
            id: t.id.to_string(),
            cells: vec![
                link(t.name.clone(), format!("/training/{raw}/trainees/{}", t.id)),
                cell(t.resident_id_masked.clone()),
                cell(t.category.label()),
                cell(t.relation.label()),
                cell(t.employer.clone().unwrap_or_else(|| "本单位".to_owned())),
                cell(t.phone_masked.clone().unwrap_or_default()),
            ],
        },
    );
    table.downloads = vec![("导出学员名册（xlsx，身份证号码已遮蔽）", format!("/training/{raw}/trainees.xlsx"))];
    if overview.may_record {
        table.downloads.push(("从 Excel 名册导入学员", format!("/training/{raw}/import/trainees")));
    }
    screen.table = Some(table);
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-trainee",
            title: "登记学员",
            hint: None,
            action: format!("/training/{raw}/trainees"),
            multipart: false,
            submit: "登记学员",
            form: form(trainee_inputs(&values), refused),
        });
    }
    respond(status, &page, &screen)
}

/// The query without the searched ID number (the pager's links must not carry it).
fn without_number(query: &Params) -> Params {
    Params::from_pairs(query.pairs().into_iter().filter(|(k, _)| k != "resident_id").collect())
}

/// `GET /training/{base}/trainees`
pub(super) async fn trainees(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    no_store(trainees_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await)
}

/// `POST /training/{base}/trainees/search` (resident_id): the trainee with this exact number.
pub(super) async fn search_trainees(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let query = Params::from_pairs(fields.pairs().into_iter().filter(|(k, _)| k == "resident_id").collect());
    no_store(trainees_page(&state, page, &who, (&raw, &query), None, StatusCode::OK).await)
}

/// `POST /training/{base}/trainees`
pub(super) async fn register_trainee(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let input = trainee_input(&fields);
    let outcome = async { state.app.register_trainee(&who, base_id(&raw)?, &input, &meta).await.map(drop) }.await;
    let response = answer(
        outcome,
        (page, format!("/training/{raw}/trainees?done=trainee")),
        fields,
        |page, refused, status| async move {
            trainees_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
        },
    )
    .await;
    no_store(response)
}

/// An export of every row of a list as one sheet, audited as an export of the base's records.
pub(super) async fn export(
    state: &AppState,
    (who, meta, page): (&Authenticated, &skillbase_app::auth::RequestMeta, Page),
    (raw, what, title): (&str, &str, &str),
    (header, rows): (&[&str], Result<Vec<Vec<String>>, AppError>),
) -> Response {
    let rows = or_error_page!(rows, page);
    let recorded = async {
        state.app.record_export_of(who, (what, Some(&base_id(raw)?.to_string())), ("xlsx", rows.len()), meta).await
    };
    or_error_page!(recorded.await, page);
    xlsx_download(crate::xlsx::sheet(title, header, &rows), &format!("{title}.xlsx"), page)
}

/// `GET /training/{base}/trainees.xlsx`: every trainee, the ID number and phone masked.
pub(super) async fn trainees_xlsx(
    State(state): State<AppState>,
    Meta(meta): Meta,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
) -> Response {
    let rows = async {
        let base = base_id(&raw)?;
        let query = TraineeQuery::default();
        let all = every(|request| {
            let (state, who, query) = (&state, &who, &query);
            async move { state.app.trainees(who, base, query, &request).await }
        })
        .await?;
        Ok(all
            .into_iter()
            .map(|t| {
                vec![
                    t.name,
                    t.resident_id_masked,
                    t.phone_masked.unwrap_or_default(),
                    t.employer.unwrap_or_else(|| "本单位".to_owned()),
                    t.employer_uscc.unwrap_or_default(),
                    t.relation.label().to_owned(),
                    t.category.label().to_owned(),
                ]
            })
            .collect())
    };
    let header = [
        "姓名",
        "居民身份证号码（遮蔽）",
        "联系电话（遮蔽）",
        "工作单位或学校",
        "统一社会信用代码",
        "与基地的关系",
        "人员类别",
    ];
    export(&state, (&who, &meta, page), (&raw, "training_trainees", "学员名册"), (&header, rows.await)).await
}

/// `GET /training/{base}/classes.xlsx`: every class.
pub(super) async fn classes_xlsx(
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
            async move { state.app.classes(who, base, &ClassFilter::default(), &request).await }
        })
        .await?;
        Ok(all
            .into_iter()
            .map(|k| {
                vec![
                    k.class.name.clone(),
                    k.occupation.as_str().to_owned(),
                    k.occupation.name().to_owned(),
                    k.class.mode.label().to_owned(),
                    k.class.college.clone().unwrap_or_default(),
                    k.class.target_group.map(|g| g.label().to_owned()).unwrap_or_default(),
                    date_text(k.class.starts_on),
                    date_text(k.class.ends_on),
                    k.class.hours.to_string(),
                    k.class.place.clone(),
                    k.class.teachers.clone(),
                    labels(&k.class.innovations),
                    k.enrolled.to_string(),
                ]
            })
            .collect())
    };
    let header = [
        "班级名称",
        "职业编码",
        "职业（工种）",
        "培训方式",
        "联合培训院校",
        "定向培训群体",
        "开班日期",
        "结业日期",
        "培训课时",
        "培训地点",
        "授课教师",
        "新技术新工艺新设备新材料",
        "学员人数",
    ];
    export(&state, (&who, &meta, page), (&raw, "training_classes", "培训班名册"), (&header, rows.await)).await
}

/// `GET /training/{base}/enrolments.xlsx`: every enrolment, the ID number masked.
pub(super) async fn enrolments_xlsx(
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
            async move { state.app.enrolments(who, base, &EnrolmentFilter::default(), &request).await }
        })
        .await?;
        Ok(all
            .into_iter()
            .map(|e| {
                vec![
                    e.class_name,
                    e.trainee_name,
                    e.trainee_masked,
                    e.enrolment.hours.to_string(),
                    e.enrolment.completion.label().to_owned(),
                    e.enrolment.outcome.label().to_owned(),
                ]
            })
            .collect())
    };
    let header = ["班级名称", "姓名", "居民身份证号码（遮蔽）", "出勤课时", "结业情况", "考核结果"];
    export(&state, (&who, &meta, page), (&raw, "training_enrolments", "报名名册"), (&header, rows.await)).await
}

/// `GET /training/{base}/apprenticeships.xlsx`: every master–apprentice pair.
pub(super) async fn pairs_xlsx(
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
            async move { state.app.pairs(who, base, &PairFilter::default(), &request).await }
        })
        .await?;
        Ok(all
            .into_iter()
            .map(|p| {
                vec![
                    p.apprentice_name,
                    p.pair.master,
                    p.pair.master_title.unwrap_or_default(),
                    p.pair.occupation.as_str().to_owned(),
                    p.pair.occupation.name().to_owned(),
                    date_text(p.pair.starts_on),
                    date_text(p.pair.ends_on),
                    p.pair.outcome.label().to_owned(),
                    p.agreement.name,
                ]
            })
            .collect())
    };
    let header = [
        "徒弟",
        "师傅",
        "师傅的职称或技能等级",
        "职业编码",
        "职业（工种）",
        "开始日期",
        "结束日期",
        "带教结果",
        "协议",
    ];
    export(&state, (&who, &meta, page), (&raw, "training_pairs", "高师带徒"), (&header, rows.await)).await
}

/// `GET /training/{base}/competitions.xlsx`: every competition with each participant's result.
pub(super) async fn competitions_xlsx(
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
            async move { state.app.competitions(who, base, &CompetitionFilter::default(), &request).await }
        })
        .await?;
        let mut entries = state.app.competition_entries(&who, base).await?;
        let mut rows = Vec::new();
        for m in all {
            let head = vec![
                m.competition.name.clone(),
                m.competition.level.label().to_owned(),
                date_text(m.competition.held_on),
                m.competition.organizer.clone().unwrap_or_default(),
            ];
            let (own, rest): (Vec<_>, Vec<_>) = entries.into_iter().partition(|x| x.competition_id == m.id);
            entries = rest;
            if own.is_empty() {
                rows.push([head.clone(), vec![String::new(); 4]].concat());
            }
            for x in own {
                let entry = vec![x.trainee_name, x.trainee_masked, x.entry.result, x.entry.award.unwrap_or_default()];
                rows.push([head.clone(), entry].concat());
            }
        }
        Ok(rows)
    };
    let header =
        ["竞赛名称", "级别", "举办日期", "主办单位", "学员", "居民身份证号码（遮蔽）", "成绩或名次", "所获奖项"];
    export(&state, (&who, &meta, page), (&raw, "training_competitions", "技能竞赛"), (&header, rows.await)).await
}

#[derive(Template)]
#[template(path = "training/reveal.html")]
pub(super) struct RevealPage {
    pub(super) page: Page,
    pub(super) base_id: String,
    pub(super) trainee_id: String,
    pub(super) name: String,
    pub(super) number: String,
}

async fn trainee_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw, query): (&str, &str, &Params),
) -> Response {
    let loaded = async {
        let overview = open(state, who, raw).await?;
        let base = overview.base_id;
        let trainee = state.app.trainee(who, base, parse_id::<TraineeId>(id_raw, "学员不存在")?).await?;
        let filter = EnrolmentFilter { trainee: Some(trainee.id), ..EnrolmentFilter::default() };
        let list = state.app.enrolments(who, base, &filter, &page_request(query)).await?;
        Ok::<_, AppError>((overview, trainee, list))
    };
    let (overview, t, list) = or_error_page!(loaded.await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "trainees", t.name.clone());
    screen.crumbs = vec![("学员".to_owned(), format!("/training/{raw}/trainees"))];
    screen.facts = vec![
        ("姓名", t.name.clone(), "trainee-name"),
        ("身份证号码", t.resident_id_masked.clone(), "trainee-resident-id"),
        ("联系电话", t.phone_masked.clone().unwrap_or_else(|| "—".to_owned()), ""),
        ("人员类别", t.category.label().to_owned(), "trainee-category"),
        ("与基地的关系", t.relation.label().to_owned(), ""),
        ("工作单位或学校", t.employer.clone().unwrap_or_else(|| "本单位".to_owned()), ""),
        ("统一社会信用代码", t.employer_uscc.clone().unwrap_or_else(|| "—".to_owned()), ""),
    ];
    screen.before.push(FormBlock {
        id: "reveal",
        title: "查看完整身份证号码",
        hint: Some("需要重新输入密码验证身份；每次查看都记入审计日志。"),
        action: format!("/training/{raw}/trainees/{id_raw}/reveal"),
        multipart: false,
        submit: "查看完整号码",
        form: form(Vec::new(), None),
    });
    screen.table = Some(Table::of(
        ("trainee-enrolments", "参加的培训班", "尚未参加培训班。"),
        vec!["培训班", "出勤课时", "结业情况", "考核结果"],
        (list, &page.path, query),
        |e| Row {
            id: e.id.to_string(),
            cells: vec![
                link(e.class_name.clone(), format!("/training/{raw}/classes/{}", e.class_id)),
                cell(e.enrolment.hours.to_string()),
                cell(e.enrolment.completion.label()),
                cell(e.enrolment.outcome.label()),
            ],
        },
    ));
    respond(StatusCode::OK, &page, &screen)
}

/// `GET /training/{base}/trainees/{trainee}`
pub(super) async fn trainee(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    trainee_page(&state, page, &who, (&raw, &id_raw, &parse_query(query.as_deref()))).await
}

/// `POST /training/{base}/trainees/{trainee}/reveal`: the full number, once re-authenticated.
pub(super) async fn reveal(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let loaded = async {
        let base = base_id(&raw)?;
        let id = parse_id::<TraineeId>(&id_raw, "学员不存在")?;
        let trainee = state.app.trainee(&who, base, id).await?;
        let number = state.app.reveal_resident_id(&who, base, id, &meta).await?;
        Ok::<_, AppError>((trainee.name, number))
    };
    let (name, number) = or_error_page!(loaded.await, page);
    let template = RevealPage { page: page.clone(), base_id: raw, trainee_id: id_raw, name, number };
    no_store(respond(StatusCode::OK, &page, &template))
}

// ---------------------------------------------------------------------------------------------
// 高师带徒

fn pair_inputs(v: &Values<'_>) -> Vec<Input> {
    vec![
        Input::text("apprentice", "徒弟的身份证号码")
            .hint("已在「学员」中登记的学员")
            .maxlength(18)
            .verbatim("characters")
            .autocomplete("off"),
        Input::text("master", "师傅姓名").value(&v.get("master")).maxlength(50),
        Input::text("master_title", "师傅的职称或技能等级")
            .value(&v.get("master_title"))
            .hint("例如 高级技师、首席技师")
            .maxlength(100)
            .optional(),
        Input::text("occupation", "带教职业（工种）编码").value(&v.get("occupation")).maxlength(20).verbatim("off"),
        Input::new("starts_on", "带教开始日期", Control::Date).value(&v.get("starts_on")),
        Input::new("ends_on", "带教结束日期", Control::Date).value(&v.get("ends_on")),
        pick::<PairOutcome>("outcome", "带教结果", &v.get("outcome")).optional(),
        Input::new("agreement", "师带徒协议", Control::File { accept: Some(AGREEMENT_TYPES) })
            .hint("签字盖章的协议：PDF、JPEG 或 PNG，不超过 20 MB"),
    ]
}

async fn pairs_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let filter = PairFilter {
        outcome: query.get("outcome").and_then(PairOutcome::parse),
        master: query.get("master").filter(|m| !m.trim().is_empty()).map(|m| m.trim().to_owned()),
    };
    let list = or_error_page!(state.app.pairs(who, overview.base_id, &filter, &page_request(query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "apprenticeships", "高师带徒");
    screen.notice = done_notice(query);
    let shown = Values(Some(query));
    screen.filters = Some(form(
        vec![
            Input::text("master", "师傅姓名包含").value(&shown.get("master")).optional(),
            pick::<PairOutcome>("outcome", "带教结果", &shown.get("outcome")).optional(),
        ],
        None,
    ));
    let mut table = Table::of(
        ("pairs", "高师带徒", "尚未登记高师带徒。"),
        vec!["徒弟", "师傅", "职业（工种）", "带教期间", "带教结果", "协议"],
        (list, &page.path, query),
        |p| Row {
            id: p.id.to_string(),
            cells: vec![
                link(p.apprentice_name.clone(), format!("/training/{raw}/trainees/{}", p.apprentice_id)),
                cell(match &p.pair.master_title {
                    Some(title) => format!("{}（{title}）", p.pair.master),
                    None => p.pair.master.clone(),
                }),
                cell(format!("{} {}", p.pair.occupation.as_str(), p.pair.occupation.name())),
                cell(format!("{} 至 {}", date_text(p.pair.starts_on), date_text(p.pair.ends_on))),
                cell(p.pair.outcome.label()),
                link(p.agreement.name.clone(), format!("/training/{raw}/apprenticeships/{}/agreement", p.id)),
            ],
        },
    );
    table.downloads = vec![("导出高师带徒（xlsx）", format!("/training/{raw}/apprenticeships.xlsx"))];
    screen.table = Some(table);
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-pair",
            title: "登记高师带徒",
            hint: None,
            action: format!("/training/{raw}/apprenticeships"),
            multipart: true,
            submit: "登记",
            form: form(pair_inputs(&values), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/apprenticeships`
pub(super) async fn pairs(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    pairs_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/apprenticeships` (multipart, with the file `agreement`)
pub(super) async fn create_pair(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let too_large = post.too_large_refusal(&state, "agreement").await;
    let agreement = post.take_file("agreement");
    let fields = post.fields;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = PairInput {
        master: get("master"),
        master_title: get("master_title"),
        occupation: get("occupation"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        outcome: get("outcome"),
    };
    let outcome = async {
        if let Some(error) = too_large {
            return Err(error);
        }
        let base = base_id(&raw)?;
        let apprentice = trainee_by_number(&state, &who, base, ("apprentice", &get("apprentice"))).await?;
        state.app.create_pair(&who, base, &apprentice.to_string(), &input, agreement, &meta).await.map(drop)
    }
    .await;
    answer(
        outcome,
        (page, format!("/training/{raw}/apprenticeships?done=pair")),
        fields,
        |page, refused, status| async move {
            pairs_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
        },
    )
    .await
}

/// `GET /training/{base}/apprenticeships/{pair}/agreement`
pub(super) async fn agreement(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, pair_raw)): Path<(String, String)>,
) -> Response {
    let loaded = async {
        let id = parse_id::<PairId>(&pair_raw, "师带徒记录不存在")?;
        state.app.pair_agreement(&who, base_id(&raw)?, id).await
    };
    let (name, kind, bytes) = or_error_page!(loaded.await, page);
    stored_file(&kind, &name, bytes)
}

// ---------------------------------------------------------------------------------------------
// 技能竞赛

fn competition_inputs(v: &Values<'_>) -> Vec<Input> {
    vec![
        Input::text("name", "竞赛名称").value(&v.get("name")).maxlength(100),
        pick::<CompetitionLevel>("level", "竞赛级别", &v.get("level")),
        Input::new("held_on", "举办日期", Control::Date).value(&v.get("held_on")),
        Input::text("organizer", "主办单位").value(&v.get("organizer")).maxlength(100).optional(),
    ]
}

async fn competitions_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, query): (&str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let filter = CompetitionFilter {
        level: query.get("level").and_then(CompetitionLevel::parse),
        name: query.get("name").filter(|n| !n.trim().is_empty()).map(|n| n.trim().to_owned()),
    };
    let list = or_error_page!(state.app.competitions(who, overview.base_id, &filter, &page_request(query)).await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "competitions", "技能竞赛");
    screen.notice = done_notice(query);
    let shown = Values(Some(query));
    screen.filters = Some(form(
        vec![
            Input::text("name", "竞赛名称包含").value(&shown.get("name")).optional(),
            pick::<CompetitionLevel>("level", "竞赛级别", &shown.get("level")).optional(),
        ],
        None,
    ));
    let mut table = Table::of(
        ("competitions", "技能竞赛", "尚未登记技能竞赛。"),
        vec!["竞赛名称", "级别", "举办日期", "主办单位", "参赛学员"],
        (list, &page.path, query),
        |m| Row {
            id: m.id.to_string(),
            cells: vec![
                link(m.competition.name.clone(), format!("/training/{raw}/competitions/{}", m.id)),
                cell(m.competition.level.label()),
                cell(date_text(m.competition.held_on)),
                cell(m.competition.organizer.clone().unwrap_or_default()),
                cell(m.participants.to_string()),
            ],
        },
    );
    table.downloads =
        vec![("导出技能竞赛及成绩（xlsx，身份证号码已遮蔽）", format!("/training/{raw}/competitions.xlsx"))];
    screen.table = Some(table);
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        screen.after.push(FormBlock {
            id: "new-competition",
            title: "登记技能竞赛",
            hint: None,
            action: format!("/training/{raw}/competitions"),
            multipart: false,
            submit: "登记竞赛",
            form: form(competition_inputs(&values), refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/competitions`
pub(super) async fn competitions(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    competitions_page(&state, page, &who, (&raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/competitions`
pub(super) async fn create_competition(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = CompetitionInput {
        name: get("name"),
        level: get("level"),
        held_on: get("held_on"),
        organizer: get("organizer"),
    };
    let outcome = async { state.app.create_competition(&who, base_id(&raw)?, &input, &meta).await.map(drop) }.await;
    answer(
        outcome,
        (page, format!("/training/{raw}/competitions?done=competition")),
        fields,
        |page, refused, status| async move {
            competitions_page(&state, page, &who, (&raw, &Params::default()), Some(refused), status).await
        },
    )
    .await
}

async fn competition_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, id_raw, query): (&str, &str, &Params),
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let overview = open(state, who, raw).await?;
        let id = parse_id::<CompetitionId>(id_raw, "竞赛记录不存在")?;
        let (competition, entries) = state.app.competition(who, overview.base_id, id).await?;
        Ok::<_, AppError>((overview, competition, entries))
    };
    let (overview, m, entries) = or_error_page!(loaded.await, page);
    let mut screen = SectionPage::new(page.clone(), &overview, "competitions", m.competition.name.clone());
    screen.crumbs = vec![("技能竞赛".to_owned(), format!("/training/{raw}/competitions"))];
    screen.notice = done_notice(query);
    screen.facts = vec![
        ("竞赛级别", m.competition.level.label().to_owned(), "competition-level"),
        ("举办日期", date_text(m.competition.held_on), ""),
        ("主办单位", m.competition.organizer.clone().unwrap_or_else(|| "—".to_owned()), ""),
    ];
    let total = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    screen.table = Some(Table::of(
        ("entries", "参赛学员与成绩", "尚未登记参赛成绩。"),
        vec!["学员", "身份证号码", "成绩或名次", "所获奖项"],
        (ListPage { items: entries, total, next: None }, &page.path, &Params::default()),
        |x| Row {
            id: x.trainee_id.to_string(),
            cells: vec![
                link(x.trainee_name.clone(), format!("/training/{raw}/trainees/{}", x.trainee_id)),
                cell(x.trainee_masked.clone()),
                cell(x.entry.result.clone()),
                cell(x.entry.award.clone().unwrap_or_default()),
            ],
        },
    ));
    if overview.may_record {
        let values = Values(refused.as_ref().map(|r| &r.fields));
        let inputs = vec![
            Input::text("resident_id", "学员身份证号码").maxlength(18).verbatim("characters").autocomplete("off"),
            Input::text("result", "成绩或名次").value(&values.get("result")).hint("例如 第 3 名、92 分").maxlength(100),
            Input::text("award", "所获奖项")
                .value(&values.get("award"))
                .hint("例如 一等奖、技术能手")
                .maxlength(100)
                .optional(),
        ];
        screen.after.push(FormBlock {
            id: "new-entry",
            title: "登记参赛成绩",
            hint: None,
            action: format!("/training/{raw}/competitions/{id_raw}/entries"),
            multipart: false,
            submit: "登记成绩",
            form: form(inputs, refused),
        });
    }
    respond(status, &page, &screen)
}

/// `GET /training/{base}/competitions/{competition}`
pub(super) async fn competition(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    competition_page(&state, page, &who, (&raw, &id_raw, &parse_query(query.as_deref())), None, StatusCode::OK).await
}

/// `POST /training/{base}/competitions/{competition}/entries` (resident_id, result, award)
pub(super) async fn add_entry(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, id_raw)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let get = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    let input = EntryInput { result: get("result"), award: get("award") };
    let outcome = async {
        let base = base_id(&raw)?;
        let id = parse_id::<CompetitionId>(&id_raw, "竞赛记录不存在")?;
        let trainee = trainee_by_number(&state, &who, base, ("resident_id", &get("resident_id"))).await?;
        state.app.add_entry(&who, base, (id, &trainee.to_string()), &input, &meta).await
    }
    .await;
    answer(
        outcome,
        (page, format!("/training/{raw}/competitions/{id_raw}?done=entry")),
        fields,
        |page, refused, status| async move {
            competition_page(&state, page, &who, (&raw, &id_raw, &Params::default()), Some(refused), status).await
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// 名册导入: trainees, classes, enrolments from Excel

/// A roster's problems as a table: row, column, what it says, why.
fn problems_table(problems: Vec<Problem>, empty: &'static str) -> Table {
    let total = i64::try_from(problems.len()).unwrap_or(i64::MAX);
    Table::of(
        ("problems", "名册中的问题（行号为 Excel 中的行号）", empty),
        vec!["行", "列", "填写的内容", "原因"],
        (ListPage { items: problems, total, next: None }, "", &Params::default()),
        |p| Row {
            id: format!("{}-{}", p.line, p.column),
            cells: vec![cell(p.line.to_string()), cell(p.column), cell(p.value), cell(p.reason)],
        },
    )
}

/// The roster kind of a path segment (`trainees`, `classes`, `enrolments`).
fn roster_kind(raw: &str) -> Result<RosterKind, AppError> {
    RosterKind::parse(raw).ok_or(AppError::NotFound("没有这种名册"))
}

/// The section a roster's rows end up in (its tab and list).
fn section_of(kind: RosterKind) -> (&'static str, &'static str) {
    match kind {
        RosterKind::Trainees => ("trainees", "学员"),
        RosterKind::Classes | RosterKind::Enrolments => ("classes", "培训班"),
    }
}

async fn import_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    (raw, kind): (&str, RosterKind),
    refused: Option<(Option<RosterImportId>, Vec<Problem>, Refused)>,
    status: StatusCode,
) -> Response {
    let overview = or_error_page!(open(state, who, raw).await, page);
    let (tab, section) = section_of(kind);
    let mut screen = SectionPage::new(page.clone(), &overview, tab, format!("导入{}", kind.label()));
    screen.crumbs = vec![(section.to_owned(), format!("/training/{raw}/{tab}"))];
    screen.lead = Some(
        "下载模板，按「填写说明」逐行填写后上传。整份名册全部通过检查才导入；有任何一行不合格，则一行也不导入，并逐行说明原因。",
    );
    let label = match kind {
        RosterKind::Trainees => "下载学员名册模板（xlsx）",
        RosterKind::Classes => "下载培训班名册模板（xlsx）",
        RosterKind::Enrolments => "下载报名名册模板（xlsx）",
    };
    let template = (label, format!("/training/{raw}/import/{}/template.xlsx", kind.code()));
    let (report, problems, form_refusal) = match refused {
        Some((id, problems, refusal)) => (id, problems, Some(refusal)),
        None => (None, Vec::new(), None),
    };
    let mut downloads = vec![template];
    if let Some(id) = report {
        downloads.insert(0, ("下载标注了错误的名册（xlsx）", format!("/training/{raw}/imports/{id}/report.xlsx")));
    }
    if report.is_some() {
        screen.errors = vec![format!("名册有 {} 处问题，未导入任何一行。请按下表修改后重新上传。", problems.len())];
    }
    let mut table = problems_table(problems, "上传后在此列出每一处问题。");
    table.downloads = downloads;
    screen.table = Some(table);
    if overview.may_record {
        screen.before.push(FormBlock {
            id: "upload-roster",
            title: "上传名册",
            hint: Some("只接受 .xlsx 文件，最多 100,000 行；不接受公式。"),
            action: format!("/training/{raw}/import/{}", kind.code()),
            multipart: true,
            submit: "上传并检查",
            form: form(
                vec![Input::new("file", kind.label(), Control::File { accept: Some(ROSTER_TYPES) })],
                form_refusal,
            ),
        });
    }
    no_store(respond(status, &page, &screen))
}

const ROSTER_TYPES: &str = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET /training/{base}/import/{kind}`
pub(super) async fn import_form(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, kind)): Path<(String, String)>,
) -> Response {
    let kind = or_error_page!(roster_kind(&kind), page);
    import_page(&state, page, &who, (&raw, kind), None, StatusCode::OK).await
}

/// `POST /training/{base}/import/{kind}` (multipart, the file `file`)
pub(super) async fn import(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((raw, kind)): Path<(String, String)>,
    SignedInMultipart { page, who, mut post }: SignedInMultipart,
) -> Response {
    let kind = or_error_page!(roster_kind(&kind), page);
    let too_large = post.too_large_refusal(&state, "file").await;
    let file = post.take_file("file");
    let outcome = async {
        if let Some(error) = too_large {
            return Err(error);
        }
        let (name, bytes) = file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| {
            AppError::Fields(vec![skillbase_app::FieldError::new("file", "required", "请选择要上传的名册文件（xlsx）")])
        })?;
        state.app.import_roster(&who, base_id(&raw)?, kind, (&name, &bytes), &meta).await
    };
    match outcome.await {
        Ok(ImportOutcome::Imported { rows, .. }) => {
            let (tab, _) = section_of(kind);
            Redirect::to(&format!("/training/{raw}/{tab}?done=imported&rows={rows}")).into_response()
        }
        Ok(ImportOutcome::Queued { id }) => Redirect::to(&format!("/training/{raw}/imports/{id}")).into_response(),
        Ok(ImportOutcome::Refused { id, problems }) => {
            let refusal = Refused { fields: Params::default(), errors: Errors::default() };
            let refused = Some((Some(id), problems, refusal));
            import_page(&state, page, &who, (&raw, kind), refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => match refusal(error) {
            Ok((status, errors)) => {
                let refused = Some((None, Vec::new(), Refused { fields: Params::default(), errors }));
                import_page(&state, page, &who, (&raw, kind), refused, status).await
            }
            Err(error) => error_page(page, error),
        },
    }
}

/// `GET /training/{base}/import/{kind}/template.xlsx`
pub(super) async fn template(
    page: Page,
    State(state): State<AppState>,
    Who(who): Who,
    Path((raw, kind)): Path<(String, String)>,
) -> Response {
    let reached = async {
        let kind = roster_kind(&kind)?;
        state.app.training_base(&who, base_id(&raw)?, Action::ReadTraining).await?;
        roster::template(kind).map(|bytes| (kind, bytes)).map_err(AppError::internal)
    };
    let (kind, bytes) = or_error_page!(reached.await, page);
    download(bytes, XLSX, &format!("{}模板.xlsx", kind.label()))
}

/// `GET /training/{base}/imports/{import}/report.xlsx`: the refused roster with its problems.
pub(super) async fn import_report(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
) -> Response {
    let loaded = async {
        let id = parse_id::<RosterImportId>(&id_raw, "导入记录不存在")?;
        state.app.import_report(&who, base_id(&raw)?, id).await
    };
    let bytes = or_error_page!(loaded.await, page);
    no_store(download(bytes, XLSX, "名册（错误说明）.xlsx"))
}

/// `GET /training/{base}/imports/{import}`: a queued import, its progress (the page follows it
/// every second where script runs; without, a refresh link) and, once done, its outcome.
pub(super) async fn import_status(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((raw, id_raw)): Path<(String, String)>,
) -> Response {
    let loaded = async {
        let overview = open(&state, &who, &raw).await?;
        let id = parse_id::<RosterImportId>(&id_raw, "导入记录不存在")?;
        let view = state.app.import_status(&who, overview.base_id, id).await?;
        Ok::<_, AppError>((overview, view))
    };
    let (overview, view) = or_error_page!(loaded.await, page);
    let kind = RosterKind::parse(&view.record.kind).unwrap_or(RosterKind::Trainees);
    let (tab, section) = section_of(kind);
    let mut screen = SectionPage::new(page.clone(), &overview, tab, format!("导入{}", kind.label()));
    screen.crumbs = vec![(section.to_owned(), format!("/training/{raw}/{tab}"))];
    let record = &view.record;
    let status = match record.status {
        ImportStatus::Queued => "处理中",
        ImportStatus::Imported => "已全部导入",
        ImportStatus::Refused => "未导入（名册有问题）",
        ImportStatus::Failed => "处理失败",
    };
    screen.facts = vec![
        ("文件", record.file_name.clone(), ""),
        ("行数", record.total_rows.to_string(), "import-rows"),
        ("状态", status.to_owned(), "import-status"),
    ];
    if record.status.is_finished() {
        if record.status == ImportStatus::Imported {
            screen.notice = Some("名册已全部导入。");
            screen.facts.push(("已导入", record.imported_rows.to_string(), "import-imported"));
        } else if record.status == ImportStatus::Failed {
            screen.errors = view.problems.into_iter().map(|p| p.reason).collect();
        } else {
            screen.errors =
                vec![format!("名册有 {} 处问题，未导入任何一行。请按下表修改后重新上传。", view.problems.len())];
            let mut table = problems_table(view.problems, "没有问题。");
            if record.sealed_file.is_some() {
                table.downloads =
                    vec![("下载标注了错误的名册（xlsx）", format!("/training/{raw}/imports/{id_raw}/report.xlsx"))];
            }
            screen.table = Some(table);
        }
    } else {
        let total = usize::try_from(record.total_rows).unwrap_or_default();
        let (done, total) = view.progress.unwrap_or((0, total));
        screen.progress = Some(Progress { done, total, poll: page.path.clone() });
    }
    no_store(respond(StatusCode::OK, &page, &screen))
}
