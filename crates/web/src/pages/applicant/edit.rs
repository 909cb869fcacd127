//! Drawing a step (`/applications/{id}/edit/{step}`), saving it, and the occupation picker.

use super::*;

// ---------------------------------------------------------------------------------------------
// Drawing a step

/// The application's files as choices: (id, label), images only when asked, plus whatever is
/// already chosen.
pub(super) fn file_options(files: &[Attachment], images_only: bool, chosen: &[&str]) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|f| !images_only || is_image(&f.kind) || chosen.contains(&f.id.to_string().as_str()))
        .map(|f| (f.id.to_string(), format!("{}（{}，{}）", f.display_name, kind_label(&f.kind), size_text(f.size))))
        .collect()
}

pub(super) fn blocks(raw: &Raw, policy: &PolicyDocument, files: &[Attachment]) -> (Vec<Block>, Vec<AddButton>) {
    match raw {
        Raw::Profile(r) => {
            let mut block = Block::new("profile", "建设主体");
            block.widgets = vec![
                select_widget(
                    "profile.industry".into(),
                    "所属重点产业",
                    &r.industry,
                    policy.industries().iter().map(|t| (t.id().to_owned(), t.name().to_owned())).collect(),
                )
                .hint("按《实施意见》第一条所列的本区重点产业选择"),
                text_widget("profile.registered_division".into(), "注册地行政区划代码", &r.division, 6)
                    .hint(format!("6 位数字，青浦区为 {}", policy.district_division_code())),
                area_widget("profile.training_experience".into(), "技能人才实训组织实施经验", &r.experience, MAX_TEXT)
                    .hint("近年来组织开展技能人才实训的情况：项目、人次、方式和成效"),
                check_widget("profile.open_to_region".into(), "本单位愿意为区域技能人才提供实训条件", r.open),
            ];
            (vec![block], vec![])
        }
        Raw::Sites(sites) => {
            let blocks = sites
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let at = |part: &str| format!("sites[{i}].{part}");
                    let mut block = Block::new(format!("sites[{i}]"), format!("实训场地 {}", i + 1));
                    block.widgets = vec![
                        text_widget(at("name"), "场地名称", &s.name, MAX_NAME),
                        text_widget(at("address"), "场地地址", &s.address, MAX_NAME),
                        number_widget(at("area_m2"), "场地面积（平方米）", &s.area).hint("填整数，如 800"),
                    ];
                    block.grids = vec![Grid {
                        key: at("equipment"),
                        caption: "教学设施设备".to_owned(),
                        header: "",
                        columns: vec!["设备名称", "数量（台/套）", "价值（元）"],
                        rows: s
                            .equipment
                            .iter()
                            .enumerate()
                            .map(|(j, e)| {
                                let row = |part: &str| format!("sites[{i}].equipment[{j}].{part}");
                                Row {
                                    header: None,
                                    cells: vec![
                                        text_widget(
                                            row("name"),
                                            format!("设备第 {} 行 名称", j + 1),
                                            &e.name,
                                            MAX_NAME,
                                        )
                                        .cell(),
                                        number_widget(
                                            row("quantity"),
                                            format!("设备第 {} 行 数量", j + 1),
                                            &e.quantity,
                                        )
                                        .cell(),
                                        money_widget(row("value"), format!("设备第 {} 行 价值（元）", j + 1), &e.value)
                                            .cell(),
                                    ],
                                }
                            })
                            .collect(),
                        error: None,
                        add: Some("增加一行设备"),
                    }];
                    let chosen: Vec<&str> = s.photos.iter().map(String::as_str).collect();
                    block.after = vec![
                        checks_widget(
                            at("photos"),
                            "场地照片",
                            file_options(files, true, &chosen),
                            &s.photos,
                            "尚未上传图片：请先用本页上方的「上传附件」上传 JPG 或 PNG 照片。",
                        )
                        .hint("勾选本场地的照片（从本申报已上传的图片中选择）"),
                    ];
                    block
                })
                .collect();
            (blocks, vec![AddButton { key: "sites", label: "增加一处实训场地" }])
        }
        Raw::Team(r) => {
            let mut block = Block::new("team", "师资管理团队");
            block.widgets = vec![
                text_widget("team.department".into(), "负责推进和管理的专门部门", &r.department, MAX_NAME),
                number_widget("team.full_time_staff".into(), "专职人员数（人）", &r.staff),
            ];
            block.grids = vec![Grid {
                key: "team.experts".into(),
                caption: "相关行业领域专家队伍".to_owned(),
                header: "",
                columns: vec!["姓名", "职称或技能等级", "资格证书或专业领域"],
                rows: r
                    .experts
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let at = |part: &str| format!("team.experts[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                text_widget(at("name"), format!("专家第 {n} 行 姓名"), &e.name, MAX_NAME).cell(),
                                text_widget(at("title"), format!("专家第 {n} 行 职称或技能等级"), &e.title, MAX_NAME)
                                    .cell(),
                                text_widget(
                                    at("qualification"),
                                    format!("专家第 {n} 行 资格证书或专业领域"),
                                    &e.qualification,
                                    MAX_NAME,
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一名专家"),
            }];
            (vec![block], vec![])
        }
        Raw::Rules(rows) => {
            let mut block = Block::new("rule_documents", "规范管理制度");
            block.hint = Some(
                "每项制度选择制度文件（PDF）和制度上墙的照片（JPG/PNG）；文件请先用本页上方的「上传附件」上传。"
                    .to_owned(),
            );
            block.grids = vec![Grid {
                key: "rule_documents".into(),
                caption: "管理制度及上墙照片".to_owned(),
                header: "制度",
                columns: vec!["制度文件", "上墙照片"],
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Row {
                        header: Some(r.name.clone()),
                        cells: vec![
                            select_widget(
                                format!("rule_documents[{i}].document"),
                                format!("《{}》制度文件", r.name),
                                &r.document,
                                file_options(files, false, &[]),
                            )
                            .cell(),
                            select_widget(
                                format!("rule_documents[{i}].wall_photo"),
                                format!("《{}》上墙照片", r.name),
                                &r.wall_photo,
                                file_options(files, true, &[r.wall_photo.as_str()]),
                            )
                            .cell(),
                        ],
                    })
                    .collect(),
                error: None,
                add: None,
            }];
            (vec![block], vec![])
        }
        Raw::Priority(rows) => {
            let mut block = Block::new("priority_claims", "优先认定（可不填）");
            block.hint = Some(
                "具有紧缺培训项目，或已是上海市/国家级高技能人才培养基地、世界技能大赛国家或上海集训基地的，可申请优先认定，并上传认定证书或证明材料。不申请的请留空。"
                    .to_owned(),
            );
            let bases: Vec<(String, String)> =
                policy.priority_bases().iter().map(|b| (b.id().to_owned(), b.name().to_owned())).collect();
            block.grids = vec![Grid {
                key: "priority_claims".into(),
                caption: "优先认定依据".to_owned(),
                header: "",
                columns: vec!["依据", "说明", "证明材料"],
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let at = |part: &str| format!("priority_claims[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                select_widget(at("basis"), format!("第 {n} 项 依据"), &c.basis, bases.clone()).cell(),
                                text_widget(at("description"), format!("第 {n} 项 说明"), &c.description, MAX_TEXT)
                                    .cell(),
                                select_widget(
                                    at("certificate"),
                                    format!("第 {n} 项 证明材料"),
                                    &c.certificate,
                                    file_options(files, false, &[]),
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一项"),
            }];
            (vec![block], vec![])
        }
        Raw::Projects(projects) => {
            let levels: Vec<(String, String)> =
                SkillLevel::ALL.into_iter().map(|l| (l.as_str().to_owned(), l.label().to_owned())).collect();
            let criteria: Vec<(String, String)> = policy
                .project_criteria()
                .iter()
                .map(|c| (c.id().to_owned(), format!("{}：{}", c.name(), c.text())))
                .collect();
            let blocks = projects
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let at = |part: &str| format!("projects[{i}].{part}");
                    let mut block = Block::new(format!("projects[{i}]"), format!("培育项目 {}", i + 1));
                    let known = OccupationCode::parse(&r.occupation).ok();
                    let hint = match known {
                        Some(code) => format!("{}：{}", code.as_str(), code.name()),
                        None => "职业分类大典（2022年版）的职业编码，如 6-18-01-01；不知道编码的，可用上方的「查询职业（工种）」按名称查找".to_owned(),
                    };
                    block.widgets = vec![
                        text_widget(at("occupation"), "职业（工种）编码", &r.occupation, 10).hint(hint),
                        checks_widget(at("levels"), "培训等级", levels.clone(), &r.levels, ""),
                        checks_widget(
                            at("criteria"),
                            "符合的条件（至少一项）",
                            criteria.clone(),
                            &r.criteria,
                            "",
                        ),
                        number_widget(at("annual_capacity"), "年培训能力（人次）", &r.capacity),
                        area_widget(at("description"), "项目说明（可不填）", &r.description, MAX_TEXT),
                    ];
                    block
                })
                .collect();
            (blocks, vec![AddButton { key: "projects", label: "增加一个培育项目" }])
        }
        Raw::Trainees(r) => {
            let mut block = Block::new("trainees", "培育对象");
            block.widgets = vec![
                number_widget("trainees.own_staff".into(), "本单位技能岗位从业人员（人）", &r.own_staff),
                number_widget("trainees.students".into(), "院校学生（人）", &r.students),
            ];
            let relations =
                vec![("upstream".to_owned(), "上游".to_owned()), ("downstream".to_owned(), "下游".to_owned())];
            block.grids = vec![Grid {
                key: "trainees.supply_chain".into(),
                caption: "纳入实训范围的产业链上下游企业（企业类基地可填）".to_owned(),
                header: "",
                columns: vec!["企业名称", "统一社会信用代码", "上游/下游"],
                rows: r
                    .companies
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let at = |part: &str| format!("trainees.supply_chain[{i}].{part}");
                        let n = i + 1;
                        Row {
                            header: None,
                            cells: vec![
                                text_widget(at("name"), format!("企业第 {n} 行 名称"), &c.name, MAX_NAME).cell(),
                                text_widget(at("uscc"), format!("企业第 {n} 行 统一社会信用代码"), &c.uscc, 18).cell(),
                                select_widget(
                                    at("relation"),
                                    format!("企业第 {n} 行 上游/下游"),
                                    &c.relation,
                                    relations.clone(),
                                )
                                .cell(),
                            ],
                        }
                    })
                    .collect(),
                error: None,
                add: Some("增加一家企业"),
            }];
            (vec![block], vec![])
        }
        Raw::Letter(letter) => {
            let mut block = Block::new("commitment_letter", "承诺书");
            block.hint = Some(
                "请打印申报表，连同承诺书由法定代表人签字并加盖单位公章，扫描后用本页上方的「上传附件」上传，再在此选择。"
                    .to_owned(),
            );
            block.widgets = vec![select_widget(
                "commitment_letter".into(),
                "签字盖章的承诺书",
                letter,
                file_options(files, false, &[]),
            )];
            (vec![block], vec![])
        }
    }
}

#[derive(Debug)]
pub(super) struct NavStep {
    pub(super) slug: &'static str,
    pub(super) title: &'static str,
    pub(super) done: bool,
    pub(super) current: bool,
}

#[derive(Template)]
#[template(path = "applicant/step.html")]
pub(super) struct StepPage {
    pub(super) page: Page,
    pub(super) app: Summary,
    pub(super) nav: Vec<NavStep>,
    pub(super) step_slug: &'static str,
    pub(super) step_title: String,
    pub(super) basis: Option<String>,
    pub(super) basis_text: Option<String>,
    pub(super) version: i64,
    pub(super) blocks: Vec<Block>,
    pub(super) adds: Vec<AddButton>,
    pub(super) summary: Vec<Line>,
    pub(super) todo: Vec<Line>,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) upload: Option<UploadBox>,
    pub(super) files: Vec<FileRow>,
    pub(super) occupations: bool,
    pub(super) next_label: &'static str,
}

/// What a step page says besides its inputs.
#[derive(Debug, Default)]
pub(super) struct StepMessages {
    pub(super) errors: Vec<FieldError>,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) upload_error: Option<String>,
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page")]
pub(super) async fn step_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    ctx: &Ctx,
    step: Step,
    raw: &Raw,
    messages: StepMessages,
    status: StatusCode,
) -> Response {
    let id = ctx.view.id;
    let missing = or_error_page!(state.app.missing_parts(&ctx.view).await, page);
    let nav = Step::ALL
        .into_iter()
        .map(|s| NavStep {
            slug: s.slug(),
            title: s.title(),
            done: !missing.iter().any(|m| Step::of_field(&m.field) == Some(s)),
            current: s == step,
        })
        .collect();
    let (mut blocks, adds) = blocks(raw, &ctx.policy, &ctx.files);
    let summary = place_errors(&mut blocks, &messages.errors);
    let todo = missing
        .iter()
        .filter(|m| Step::of_field(&m.field) == Some(step))
        .map(|m| {
            let path = page_path(&m.field, &ctx.view.form, &ctx.policy);
            Line { message: m.message.clone(), href: anchor_of(&mut blocks, &path) }
        })
        .collect();
    let clause = step.clause().and_then(|c| ctx.policy.clause(c));
    let upload = step.takes_files().then(|| {
        UploadBox::new(id, format!("/applications/{id}/edit/{}", step.slug()), &ctx.policy, messages.upload_error)
    });
    let template = StepPage {
        app: summary_of(who, &ctx.view),
        nav,
        step_slug: step.slug(),
        step_title: step.title().to_owned(),
        basis: clause.map(|c| format!("{}《{}》", c.citation(), c.title())),
        basis_text: clause.map(|c| c.text().to_owned()),
        version: ctx.view.version,
        blocks,
        adds,
        summary,
        todo,
        notice: messages.notice,
        error: messages.error,
        upload,
        files: if step.takes_files() {
            let back = format!("/applications/{id}/edit/{}", step.slug());
            file_rows(id, &ctx.files, ctx.view.status.is_editable().then_some(back.as_str()))
        } else {
            Vec::new()
        },
        occupations: step == Step::Projects,
        next_label: if step.next().is_some() { "保存并下一步" } else { "保存并返回申报概览" },
        page,
    };
    respond(status, &template.page.clone(), &template)
}

/// `GET /applications/{id}/edit/{step}`.
pub(super) async fn edit(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    Path((id, step)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let (Some(id), Some(step)) = (parse_id::<ApplicationId>(&id), Step::parse(&step)) else { return not_found(page) };
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    if !ctx.view.status.is_editable() {
        return Redirect::to(&format!("/applications/{id}")).into_response();
    }
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let notice = if params.get("uploaded").is_some() {
        Some("文件已上传，请在下方选择。".to_owned())
    } else if params.get("removed").is_some() {
        Some("附件已删除。".to_owned())
    } else if params.get("replaced").is_some() {
        Some("附件已替换，本页引用它的地方已改为新文件。".to_owned())
    } else if params.get("saved").is_some() {
        Some("上一步已保存。".to_owned())
    } else {
        None
    };
    let raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
    let messages = StepMessages { notice, ..StepMessages::default() };
    step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::OK).await
}

/// `POST /applications/{id}/edit/{step}`: saves this step's section only, then shows the step
/// again (「保存」, 「增加一行」) or goes on (「保存并下一步」). Nothing is saved while any input
/// has a problem; the page comes back with what was typed.
pub(super) async fn save(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, step)): Path<(String, String)>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, fields } = post;
    let (Some(id), Some(step)) = (parse_id::<ApplicationId>(&id), Step::parse(&step)) else { return not_found(page) };
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    let mut raw = Raw::from_post(step, &Posted(&fields.0), &ctx.policy);
    let version = fields.get("version").and_then(|v| v.trim().parse::<i64>().ok());
    let add = fields.get("add").map(str::to_owned);
    let go_on = fields.get("go") == Some("next") && add.is_none();

    if !ctx.view.status.is_editable() {
        let error = format!("申报当前为「{}」，不能修改。", ctx.view.status.applicant_label());
        let messages = StepMessages { error: Some(error), ..StepMessages::default() };
        return step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::BAD_REQUEST).await;
    }
    let (form, mut errors, renumbering) = parse(&raw, &ctx.view.form, &ctx.files);
    // What the domain says about the values of this section, at the rows as typed.
    errors.extend(
        form.malformed(&ctx.policy)
            .into_iter()
            .filter(|e| Step::of_field(&e.field) == Some(step))
            .map(|e| FieldError { field: renumbering.posted(&e.field), ..e }),
    );
    if !errors.is_empty() {
        let messages = StepMessages { errors, ..StepMessages::default() };
        return step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::BAD_REQUEST).await;
    }
    let refusal = match state.app.save_form(&who, id, &form, version, &meta).await {
        Ok(_) => None,
        Err(AppError::Fields(errors)) => Some((
            StatusCode::BAD_REQUEST,
            StepMessages {
                errors: errors.into_iter().map(|e| FieldError { field: renumbering.posted(&e.field), ..e }).collect(),
                ..StepMessages::default()
            },
        )),
        Err(AppError::Conflict { .. }) => {
            Some((StatusCode::CONFLICT, StepMessages { error: Some(CONFLICT.to_owned()), ..StepMessages::default() }))
        }
        Err(AppError::Invalid { message, .. }) => {
            Some((StatusCode::BAD_REQUEST, StepMessages { error: Some(message), ..StepMessages::default() }))
        }
        Err(error) => return error_page(page, error),
    };
    if let Some((status, messages)) = refusal {
        return step_page(&state, page, &who, &ctx, step, &raw, messages, status).await;
    }
    if go_on {
        let to = match step.next() {
            Some(next) => format!("/applications/{id}/edit/{}?saved=1", next.slug()),
            None => format!("/applications/{id}?done=saved"),
        };
        return Redirect::to(&to).into_response();
    }
    // Shown again with the new version: as stored, or as typed with one more row.
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    let notice = match &add {
        Some(key) => {
            raw.add_row(key);
            "已保存，并增加了一行。"
        }
        None => {
            raw = Raw::from_form(step, &ctx.view.form, &ctx.policy);
            "已保存。"
        }
    };
    let messages = StepMessages { notice: Some(notice.to_owned()), ..StepMessages::default() };
    step_page(&state, page, &who, &ctx, step, &raw, messages, StatusCode::OK).await
}

// ---------------------------------------------------------------------------------------------
// The occupation picker

#[derive(Debug)]
pub(super) struct OccupationRow {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
}

#[derive(Template)]
#[template(path = "applicant/occupations_fragment.html")]
pub(super) struct OccupationsFragment {
    pub(super) query: String,
    pub(super) matches: Vec<OccupationRow>,
}

#[derive(Template)]
#[template(path = "applicant/occupations.html")]
pub(super) struct OccupationsPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) query: String,
    pub(super) matches: Vec<OccupationRow>,
}

/// `GET /applications/{id}/occupations?q=`: occupations matching a code prefix or a name. htmx
/// asks for the list alone; without JavaScript the whole page comes back.
pub(super) async fn occupations(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(error) = state.app.application(&who, id).await {
        return error_page(page, error);
    }
    let params = crate::query_params(query.as_deref()).unwrap_or_default();
    let query: String = params.get("q").unwrap_or_default().trim().chars().take(50).collect();
    let matches = occupation::search(&query, 30)
        .into_iter()
        .map(|o| OccupationRow { code: o.code_str(), name: o.name() })
        .collect();
    if headers.contains_key("hx-request") {
        return respond(StatusCode::OK, &page, &OccupationsFragment { query, matches });
    }
    respond(StatusCode::OK, &page.clone(), &OccupationsPage { page, id: id.to_string(), query, matches })
}
