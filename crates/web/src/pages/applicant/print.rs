//! The printable application form (申报表, A4).

use super::*;

// ---------------------------------------------------------------------------------------------
// The printable application form

#[derive(Debug)]
pub(super) struct PrintSite {
    pub(super) title: String,
    pub(super) facts: Vec<Fact>,
    pub(super) equipment: Vec<Vec<String>>,
    pub(super) total: String,
    pub(super) photos: String,
}

#[derive(Debug)]
pub(super) struct PrintProject {
    pub(super) title: String,
    pub(super) facts: Vec<Fact>,
}

#[derive(Debug)]
pub(super) struct Headings {
    pub(super) profile: String,
    pub(super) sites: String,
    pub(super) team: String,
    pub(super) rules: String,
    pub(super) priority: String,
    pub(super) projects: String,
    pub(super) trainees: String,
    pub(super) letter: String,
}

#[derive(Template)]
#[template(path = "applicant/print.html")]
pub(super) struct PrintPage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) org_name: String,
    pub(super) meta: Vec<Fact>,
    pub(super) headings: Headings,
    pub(super) profile: Vec<Fact>,
    pub(super) sites: Vec<PrintSite>,
    pub(super) team: Vec<Fact>,
    pub(super) experts: Vec<Vec<String>>,
    pub(super) rules: Vec<Vec<String>>,
    pub(super) claims: Vec<Vec<String>>,
    pub(super) projects: Vec<PrintProject>,
    pub(super) trainees: Vec<Fact>,
    pub(super) companies: Vec<Vec<String>>,
    pub(super) letter: String,
    pub(super) files: Vec<FileRow>,
    pub(super) printed: String,
}

pub(super) fn print_page(
    page: Page,
    who: &Authenticated,
    ctx: &Ctx,
    batch_year: Option<i64>,
    now: DateTime<Utc>,
) -> PrintPage {
    let row = &ctx.view;
    let form = &ctx.view.form;
    let policy = &ctx.policy;
    let file_name = |id: &AttachmentId| {
        ctx.files.iter().find(|f| f.id == *id).map_or_else(|| "（附件不存在）".to_owned(), |f| f.display_name.clone())
    };
    let file_or_blank = |id: Option<AttachmentId>| id.as_ref().map_or_else(|| "（未上传）".to_owned(), file_name);
    let yes_no = |b: bool| if b { "是" } else { "否" }.to_owned();

    let mut meta = vec![
        Fact { label: "申报单位", value: row.organization_name.clone() },
        Fact { label: "统一社会信用代码", value: row.organization_uscc.clone() },
        Fact {
            label: "单位类型",
            value: policy
                .kind(&row.organization_kind)
                .map_or_else(|| row.organization_kind.clone(), |k| k.name().to_owned()),
        },
        Fact {
            label: "申报批次",
            value: match batch_year {
                Some(year) => format!("{}（{year} 年度）", row.batch_title),
                None => row.batch_title.clone(),
            },
        },
        Fact { label: "申报状态", value: status_label(who, ctx.view.status).to_owned() },
        Fact {
            label: "适用政策",
            value: format!(
                "{}《{}》第 {} 版（{}）",
                policy.document_number(),
                policy.title(),
                policy.version(),
                row.policy_id.clone().unwrap_or_else(|| format!(
                    "{}@{}，以提交之日生效的版本为准",
                    policy.code(),
                    policy.version()
                ))
            ),
        },
        Fact { label: "申报编号", value: row.id.to_string() },
    ];
    if let Some(at) = row.submitted_at {
        meta.push(Fact { label: "提交时间", value: local_time(at) });
    }

    let p = &form.profile;
    let profile = vec![
        Fact {
            label: "所属重点产业",
            value: policy.industry(&p.industry).map_or_else(|| or_blank(&p.industry), |i| i.name().to_owned()),
        },
        Fact { label: "注册地行政区划代码", value: or_blank(&p.registered_division) },
        Fact { label: "技能人才实训组织实施经验", value: or_blank(&p.training_experience) },
        Fact { label: "愿意为区域技能人才提供实训条件", value: yes_no(p.open_to_region) },
    ];

    let sites = form
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let total = s.equipment.iter().try_fold(Money::ZERO, |sum, e| sum.checked_add(e.value));
            PrintSite {
                title: format!("实训场地 {}", i + 1),
                facts: vec![
                    Fact { label: "场地名称", value: or_blank(&s.name) },
                    Fact { label: "场地地址", value: or_blank(&s.address) },
                    Fact { label: "场地面积", value: format!("{} 平方米", s.area_m2) },
                ],
                equipment: s
                    .equipment
                    .iter()
                    .map(|e| vec![e.name.clone(), e.quantity.to_string(), e.value.to_string()])
                    .collect(),
                total: total.map_or_else(|| "—".to_owned(), |t| t.to_string()),
                photos: if s.photos.is_empty() {
                    "（未上传）".to_owned()
                } else {
                    s.photos.iter().map(file_name).collect::<Vec<_>>().join("、")
                },
            }
        })
        .collect();

    let team = vec![
        Fact { label: "负责推进和管理的专门部门", value: or_blank(&form.team.department) },
        Fact { label: "专职人员数", value: format!("{} 人", form.team.full_time_staff) },
    ];
    let experts =
        form.team.experts.iter().map(|e| vec![e.name.clone(), e.title.clone(), e.qualification.clone()]).collect();
    let rules = policy
        .rule_documents()
        .iter()
        .map(|kind| {
            let entry = form.rule_documents.iter().find(|d| d.kind == kind.id());
            vec![
                kind.name().to_owned(),
                file_or_blank(entry.and_then(|d| d.document)),
                file_or_blank(entry.and_then(|d| d.wall_photo)),
            ]
        })
        .collect();
    let claims = form
        .priority_claims
        .iter()
        .map(|c| {
            vec![
                policy.priority_basis(&c.basis).map_or_else(|| c.basis.clone(), |b| b.name().to_owned()),
                c.description.clone(),
                file_or_blank(c.certificate),
            ]
        })
        .collect();
    let projects = form
        .projects
        .iter()
        .enumerate()
        .map(|(i, pr)| PrintProject {
            title: format!("培育项目 {}", i + 1),
            facts: vec![
                Fact {
                    label: "职业（工种）", value: format!("{} {}", pr.occupation.as_str(), pr.occupation.name())
                },
                Fact {
                    label: "培训等级",
                    value: or_blank(&pr.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")),
                },
                Fact {
                    label: "符合的条件",
                    value: or_blank(
                        &pr.criteria
                            .iter()
                            .map(|c| policy.project_criterion(c).map_or(c.as_str(), |c| c.text()))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                },
                Fact { label: "年培训能力", value: format!("{} 人次", pr.annual_capacity) },
                Fact { label: "项目说明", value: or_blank(&pr.description) },
            ],
        })
        .collect();
    let trainees = vec![
        Fact { label: "本单位技能岗位从业人员", value: format!("{} 人", form.trainees.own_staff) },
        Fact { label: "院校学生", value: format!("{} 人", form.trainees.students) },
    ];
    let companies = form
        .trainees
        .supply_chain
        .iter()
        .map(|c| vec![c.name.clone(), c.uscc.as_str().to_owned(), c.relation.label().to_owned()])
        .collect();
    PrintPage {
        id: row.id.to_string(),
        org_name: row.organization_name.clone(),
        meta,
        headings: Headings {
            profile: Step::Profile.heading(policy),
            sites: Step::Sites.heading(policy),
            team: Step::Team.heading(policy),
            rules: Step::Rules.heading(policy),
            priority: Step::Priority.heading(policy),
            projects: Step::Projects.heading(policy),
            trainees: Step::Trainees.heading(policy),
            letter: Step::Letter.heading(policy),
        },
        profile,
        sites,
        team,
        experts,
        rules,
        claims,
        projects,
        trainees,
        companies,
        letter: file_or_blank(form.commitment_letter),
        files: file_rows(row.id, &ctx.files, None),
        printed: now.with_timezone(&shanghai()).format("%Y年%-m月%-d日 %H:%M").to_string(),
        page,
    }
}

/// `GET /applications/{id}/print`: the application form on A4, for the organisation and for
/// the bureau (within their data scope).
pub(super) async fn print(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    PathId(id): PathId<ApplicationId>,
) -> Response {
    let ctx = or_error_page!(context(&state, &who, id).await, page);
    let year = state.app.batch(ctx.view.batch_id).await.ok().map(|b| b.year);
    let template = print_page(page, &who, &ctx, year, state.app.now());
    respond(StatusCode::OK, &template.page.clone(), &template)
}
