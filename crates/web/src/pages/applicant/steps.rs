//! The steps of the form in the order of clause 二, the widgets a step draws (kit inputs named
//! by the domain's form paths), and a step's inputs as typed: from the stored form or a post.

use super::*;

// ---------------------------------------------------------------------------------------------
// The steps of the form, in the order of clause 二

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Profile,
    Sites,
    Team,
    Rules,
    Priority,
    Projects,
    Trainees,
    Letter,
}

impl Step {
    pub(super) const ALL: [Step; 8] = [
        Step::Profile,
        Step::Sites,
        Step::Team,
        Step::Rules,
        Step::Priority,
        Step::Projects,
        Step::Trainees,
        Step::Letter,
    ];

    pub(super) fn slug(self) -> &'static str {
        match self {
            Step::Profile => "profile",
            Step::Sites => "sites",
            Step::Team => "team",
            Step::Rules => "rules",
            Step::Priority => "priority",
            Step::Projects => "projects",
            Step::Trainees => "trainees",
            Step::Letter => "letter",
        }
    }

    pub(super) fn parse(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            Step::Profile => "建设主体",
            Step::Sites => "实训场地设备",
            Step::Team => "师资管理团队",
            Step::Rules => "规范管理制度",
            Step::Priority => "优先认定",
            Step::Projects => "培育项目",
            Step::Trainees => "培育对象",
            Step::Letter => "承诺书",
        }
    }

    /// The clause of the policy the step answers.
    pub(super) fn clause(self) -> Option<&'static str> {
        match self {
            Step::Profile => Some("C2.1.1"),
            Step::Sites => Some("C2.1.2"),
            Step::Team => Some("C2.1.3"),
            Step::Rules => Some("C2.1.4"),
            Step::Priority => Some("C2.1.P"),
            Step::Projects => Some("C2.2"),
            Step::Trainees => Some("C2.3"),
            Step::Letter => None,
        }
    }

    pub(super) fn next(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL.get(i + 1).copied()
    }

    /// The step where the form path `path` is entered.
    pub(super) fn of_field(path: &str) -> Option<Step> {
        match path.split(['.', '[']).next().unwrap_or("") {
            "profile" => Some(Step::Profile),
            "sites" => Some(Step::Sites),
            "team" => Some(Step::Team),
            "rule_documents" => Some(Step::Rules),
            "priority_claims" => Some(Step::Priority),
            "projects" => Some(Step::Projects),
            "trainees" => Some(Step::Trainees),
            "commitment_letter" => Some(Step::Letter),
            _ => None,
        }
    }

    /// Steps that pick uploaded files carry an upload form.
    pub(super) fn takes_files(self) -> bool {
        matches!(self, Step::Sites | Step::Rules | Step::Priority | Step::Letter)
    }

    /// 「一、建设主体（第二条第（一）款第1项）」.
    pub(super) fn heading(self, policy: &PolicyDocument) -> String {
        const NUMERALS: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];
        let i = Step::ALL.iter().position(|s| *s == self).unwrap_or(0);
        let citation = self.clause().and_then(|c| policy.clause(c)).map(|c| format!("（{}）", c.citation()));
        format!("{}、{}{}", NUMERALS[i], self.title(), citation.unwrap_or_default())
    }
}

/// A path of `incomplete()`/`malformed()` as the pages name it: the rule documents are drawn in
/// the policy's order, whatever order the stored form has them in.
pub(super) fn page_path(path: &str, form: &ApplicationForm, policy: &PolicyDocument) -> String {
    let kinds = policy.rule_documents();
    let position = |kind: &str| kinds.iter().position(|k| k.id() == kind);
    if let Some(rest) = path.strip_prefix("rule_documents.")
        && let Some((kind, part)) = rest.split_once('.')
        && let Some(p) = position(kind)
    {
        return format!("rule_documents[{p}].{part}");
    }
    if let Some(rest) = path.strip_prefix("rule_documents[")
        && let Some((index, tail)) = rest.split_once(']')
        && let Some(stored) = index.parse::<usize>().ok().and_then(|i| form.rule_documents.get(i))
        && let Some(p) = position(&stored.kind)
    {
        return format!("rule_documents[{p}]{tail}");
    }
    path.to_owned()
}

/// Where a missing or wrong part of the form is fixed: its step, at its field.
pub(super) fn fix_href(
    id: ApplicationId,
    path: &str,
    form: &ApplicationForm,
    policy: &PolicyDocument,
) -> Option<String> {
    let step = Step::of_field(path)?;
    let path = page_path(path, form, policy);
    Some(format!("/applications/{id}/edit/{}#{}", step.slug(), field_id(&path)))
}

// ---------------------------------------------------------------------------------------------
// Form widgets: what a step draws, named by the domain's paths

// The widgets of a draft's steps: kit inputs that are neither required nor marked optional
// (a draft is saved incomplete and checked on submit), named by the domain's form paths.

pub(super) fn text_widget(name: String, label: impl Into<String>, value: &str, maxlength: usize) -> Input {
    Input::text(name, label).value(value).maxlength(maxlength).unmarked()
}

/// A whole number.
pub(super) fn number_widget(name: String, label: impl Into<String>, value: &str) -> Input {
    text_widget(name, label, value, 9).inputmode("numeric")
}

pub(super) fn money_widget(name: String, label: impl Into<String>, value: &str) -> Input {
    text_widget(name, label, value, 20).inputmode("decimal")
}

pub(super) fn area_widget(name: String, label: impl Into<String>, value: &str, maxlength: usize) -> Input {
    Input::new(name, label, Control::Area { rows: 5 }).value(value).maxlength(maxlength).unmarked()
}

/// A choice of `options` (value, label), with an empty 「请选择」 first.
pub(super) fn select_widget(
    name: String,
    label: impl Into<String>,
    value: &str,
    options: Vec<(String, String)>,
) -> Input {
    Input::select(name, label, options).value(value).unmarked()
}

pub(super) fn check_widget(name: String, label: impl Into<String>, checked: bool) -> Input {
    Input::new(name, label, Control::Check { checked }).unmarked()
}

pub(super) fn checks_widget(
    name: String,
    label: impl Into<String>,
    options: Vec<(String, String)>,
    selected: &[String],
    empty: &'static str,
) -> Input {
    let choices =
        options.into_iter().map(|(v, l)| Choice { selected: selected.contains(&v), value: v, label: l }).collect();
    Input::new(name, label, Control::Checks { choices, empty }).unmarked()
}

#[derive(Debug)]
pub(super) struct Row {
    pub(super) header: Option<String>,
    pub(super) cells: Vec<Input>,
}

/// A list entered as table rows (equipment, experts, companies …).
#[derive(Debug)]
pub(super) struct Grid {
    pub(super) key: String,
    pub(super) caption: String,
    /// The heading of the row-heading column, when rows have headings.
    pub(super) header: &'static str,
    pub(super) columns: Vec<&'static str>,
    pub(super) rows: Vec<Row>,
    pub(super) error: Option<String>,
    /// The label of the 「增加一行」 button, for lists that grow.
    pub(super) add: Option<&'static str>,
}

impl Grid {
    pub(super) fn id(&self) -> String {
        field_id(&self.key)
    }

    pub(super) fn has_header(&self) -> bool {
        self.rows.iter().any(|r| r.header.is_some())
    }
}

/// A fieldset: its inputs, its tables, and inputs after the tables.
#[derive(Debug)]
pub(super) struct Block {
    pub(super) key: String,
    pub(super) legend: String,
    pub(super) hint: Option<String>,
    pub(super) error: Option<String>,
    pub(super) widgets: Vec<Input>,
    pub(super) grids: Vec<Grid>,
    pub(super) after: Vec<Input>,
}

impl Block {
    pub(super) fn new(key: impl Into<String>, legend: impl Into<String>) -> Block {
        Block {
            key: key.into(),
            legend: legend.into(),
            hint: None,
            error: None,
            widgets: Vec::new(),
            grids: Vec::new(),
            after: Vec::new(),
        }
    }

    pub(super) fn id(&self) -> String {
        field_id(&self.key)
    }
}

/// A button that saves and adds one more entry to a list drawn as fieldsets.
#[derive(Debug)]
pub(super) struct AddButton {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
}

/// Something on the page an error can be shown at.
pub(super) struct Target<'a> {
    pub(super) name: &'a str,
    pub(super) context: &'a str,
    pub(super) label: &'a str,
    pub(super) slot: &'a mut Option<String>,
}

pub(super) fn targets(blocks: &mut [Block]) -> Vec<Target<'_>> {
    let mut out = Vec::new();
    for block in blocks.iter_mut() {
        let Block { key, legend, error, widgets, grids, after, .. } = block;
        out.push(Target { name: key.as_str(), context: legend.as_str(), label: "", slot: error });
        for widget in widgets.iter_mut().chain(after.iter_mut()) {
            let Input { name, label, error, .. } = widget;
            out.push(Target { name: name.as_str(), context: legend.as_str(), label: label.as_str(), slot: error });
        }
        for grid in grids.iter_mut() {
            let Grid { key, caption, rows, error, .. } = grid;
            out.push(Target { name: key.as_str(), context: legend.as_str(), label: caption.as_str(), slot: error });
            for row in rows.iter_mut() {
                for widget in row.cells.iter_mut() {
                    let Input { name, label, error, .. } = widget;
                    out.push(Target {
                        name: name.as_str(),
                        context: legend.as_str(),
                        label: label.as_str(),
                        slot: error,
                    });
                }
            }
        }
    }
    out
}

/// Puts each error beside the input its path names (the one whose path is the closest above
/// it), and lists them all for the summary, each linking to its input.
pub(super) fn place_errors(blocks: &mut [Block], errors: &[FieldError]) -> Vec<Line> {
    let mut targets = targets(blocks);
    errors
        .iter()
        .map(|error| {
            let best = targets.iter_mut().filter(|t| above_or_at(&error.field, t.name)).max_by_key(|t| t.name.len());
            match best {
                Some(target) => {
                    target.slot.get_or_insert_with(|| error.message.clone());
                    let what = if target.label.is_empty() {
                        target.context.to_owned()
                    } else {
                        format!("{}·{}", target.context, target.label)
                    };
                    Line {
                        message: format!("{what}：{}", error.message),
                        href: Some(format!("#{}", field_id(target.name))),
                    }
                }
                None => Line { message: error.message.clone(), href: None },
            }
        })
        .collect()
}

/// The anchor of the input closest to `path`.
pub(super) fn anchor_of(blocks: &mut [Block], path: &str) -> Option<String> {
    targets(blocks)
        .into_iter()
        .filter(|t| above_or_at(path, t.name))
        .max_by_key(|t| t.name.len())
        .map(|t| format!("#{}", field_id(t.name)))
}

// ---------------------------------------------------------------------------------------------
// A step's inputs as typed: from the stored form, or from a post

#[derive(Debug, Clone, Default)]
pub(super) struct ProfileRaw {
    pub(super) industry: String,
    pub(super) division: String,
    pub(super) experience: String,
    pub(super) open: bool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct EquipmentRaw {
    pub(super) name: String,
    pub(super) quantity: String,
    pub(super) value: String,
}

impl EquipmentRaw {
    pub(super) fn is_blank(&self) -> bool {
        [&self.name, &self.quantity, &self.value].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct SiteRaw {
    pub(super) name: String,
    pub(super) address: String,
    pub(super) area: String,
    pub(super) equipment: Vec<EquipmentRaw>,
    pub(super) photos: Vec<String>,
}

impl SiteRaw {
    pub(super) fn blank() -> SiteRaw {
        SiteRaw { equipment: vec![EquipmentRaw::default()], ..SiteRaw::default() }
    }

    pub(super) fn is_blank(&self) -> bool {
        [&self.name, &self.address, &self.area].iter().all(|s| s.trim().is_empty())
            && self.equipment.iter().all(EquipmentRaw::is_blank)
            && self.photos.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct ExpertRaw {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) qualification: String,
}

impl ExpertRaw {
    pub(super) fn is_blank(&self) -> bool {
        [&self.name, &self.title, &self.qualification].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct TeamRaw {
    pub(super) department: String,
    pub(super) staff: String,
    pub(super) experts: Vec<ExpertRaw>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct RuleRaw {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) document: String,
    pub(super) wall_photo: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ClaimRaw {
    pub(super) basis: String,
    pub(super) description: String,
    pub(super) certificate: String,
}

impl ClaimRaw {
    pub(super) fn is_blank(&self) -> bool {
        [&self.basis, &self.description, &self.certificate].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct ProjectRaw {
    pub(super) occupation: String,
    pub(super) levels: Vec<String>,
    pub(super) criteria: Vec<String>,
    pub(super) capacity: String,
    pub(super) description: String,
}

impl ProjectRaw {
    pub(super) fn is_blank(&self) -> bool {
        [&self.occupation, &self.capacity, &self.description].iter().all(|s| s.trim().is_empty())
            && self.levels.is_empty()
            && self.criteria.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct CompanyRaw {
    pub(super) name: String,
    pub(super) uscc: String,
    pub(super) relation: String,
}

impl CompanyRaw {
    pub(super) fn is_blank(&self) -> bool {
        [&self.name, &self.uscc, &self.relation].iter().all(|s| s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct TraineesRaw {
    pub(super) own_staff: String,
    pub(super) students: String,
    pub(super) companies: Vec<CompanyRaw>,
}

/// One step's inputs, as strings.
#[derive(Debug, Clone)]
pub(super) enum Raw {
    Profile(ProfileRaw),
    Sites(Vec<SiteRaw>),
    Team(TeamRaw),
    Rules(Vec<RuleRaw>),
    Priority(Vec<ClaimRaw>),
    Projects(Vec<ProjectRaw>),
    Trainees(TraineesRaw),
    Letter(String),
}

/// Rows beyond this are not read (the domain allows [`MAX_ITEMS`]; one more lets it say so).
pub(super) const ROW_CAP: usize = MAX_ITEMS + 1;

pub(super) fn count_text(n: u32) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

pub(super) fn money_text(m: Money) -> String {
    if m.fen() == 0 { String::new() } else { m.to_yuan_string() }
}

pub(super) fn file_text(id: Option<AttachmentId>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

/// The fields of a form post.
pub(super) struct Posted<'a>(pub(super) &'a [(String, String)]);

impl Posted<'_> {
    pub(super) fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        out.dedup();
        out
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    /// How many rows of the list `list` were posted (`list[0].…` to `list[n-1].…`).
    pub(super) fn rows(&self, list: &str) -> usize {
        let mut n = 0;
        for (key, _) in self.0 {
            let Some(rest) = key.strip_prefix(list).and_then(|r| r.strip_prefix('[')) else { continue };
            let Some((index, tail)) = rest.split_once(']') else { continue };
            if !(tail.is_empty() || tail.starts_with('.') || tail.starts_with('[')) {
                continue;
            }
            if let Ok(i) = index.parse::<usize>()
                && i < ROW_CAP
            {
                n = n.max(i + 1);
            }
        }
        n
    }
}

impl Raw {
    /// The step as stored, with blank rows to add to.
    pub(super) fn from_form(step: Step, form: &ApplicationForm, policy: &PolicyDocument) -> Raw {
        match step {
            Step::Profile => {
                let p = &form.profile;
                Raw::Profile(ProfileRaw {
                    industry: p.industry.clone(),
                    division: if p.registered_division.is_empty() {
                        policy.district_division_code().to_owned()
                    } else {
                        p.registered_division.clone()
                    },
                    experience: p.training_experience.clone(),
                    open: p.open_to_region,
                })
            }
            Step::Sites => {
                let mut sites: Vec<SiteRaw> = form
                    .sites
                    .iter()
                    .map(|s| SiteRaw {
                        name: s.name.clone(),
                        address: s.address.clone(),
                        area: count_text(s.area_m2),
                        equipment: s
                            .equipment
                            .iter()
                            .map(|e| EquipmentRaw {
                                name: e.name.clone(),
                                quantity: count_text(e.quantity),
                                value: money_text(e.value),
                            })
                            .chain(std::iter::once(EquipmentRaw::default()))
                            .collect(),
                        photos: s.photos.iter().map(ToString::to_string).collect(),
                    })
                    .collect();
                if sites.is_empty() {
                    sites.push(SiteRaw::blank());
                }
                Raw::Sites(sites)
            }
            Step::Team => Raw::Team(TeamRaw {
                department: form.team.department.clone(),
                staff: count_text(form.team.full_time_staff),
                experts: form
                    .team
                    .experts
                    .iter()
                    .map(|e| ExpertRaw {
                        name: e.name.clone(),
                        title: e.title.clone(),
                        qualification: e.qualification.clone(),
                    })
                    .chain(std::iter::once(ExpertRaw::default()))
                    .collect(),
            }),
            Step::Rules => Raw::Rules(
                policy
                    .rule_documents()
                    .iter()
                    .map(|kind| {
                        let stored = form.rule_documents.iter().find(|d| d.kind == kind.id());
                        RuleRaw {
                            kind: kind.id().to_owned(),
                            name: kind.name().to_owned(),
                            document: file_text(stored.and_then(|d| d.document)),
                            wall_photo: file_text(stored.and_then(|d| d.wall_photo)),
                        }
                    })
                    .collect(),
            ),
            Step::Priority => Raw::Priority(
                form.priority_claims
                    .iter()
                    .map(|c| ClaimRaw {
                        basis: c.basis.clone(),
                        description: c.description.clone(),
                        certificate: file_text(c.certificate),
                    })
                    .chain(std::iter::once(ClaimRaw::default()))
                    .collect(),
            ),
            Step::Projects => {
                let mut projects: Vec<ProjectRaw> = form
                    .projects
                    .iter()
                    .map(|p| ProjectRaw {
                        occupation: p.occupation.as_str().to_owned(),
                        levels: p.levels.iter().map(|l| l.as_str().to_owned()).collect(),
                        criteria: p.criteria.clone(),
                        capacity: count_text(p.annual_capacity),
                        description: p.description.clone(),
                    })
                    .collect();
                if projects.is_empty() {
                    projects.push(ProjectRaw::default());
                }
                Raw::Projects(projects)
            }
            Step::Trainees => Raw::Trainees(TraineesRaw {
                own_staff: count_text(form.trainees.own_staff),
                students: count_text(form.trainees.students),
                companies: form
                    .trainees
                    .supply_chain
                    .iter()
                    .map(|c| CompanyRaw {
                        name: c.name.clone(),
                        uscc: c.uscc.as_str().to_owned(),
                        relation: match c.relation {
                            Relation::Upstream => "upstream".to_owned(),
                            Relation::Downstream => "downstream".to_owned(),
                        },
                    })
                    .chain(std::iter::once(CompanyRaw::default()))
                    .collect(),
            }),
            Step::Letter => Raw::Letter(file_text(form.commitment_letter)),
        }
    }

    /// The step as posted, rows as drawn (blank ones too).
    pub(super) fn from_post(step: Step, p: &Posted<'_>, policy: &PolicyDocument) -> Raw {
        match step {
            Step::Profile => Raw::Profile(ProfileRaw {
                industry: p.one("profile.industry"),
                division: p.one("profile.registered_division"),
                experience: p.one("profile.training_experience"),
                open: p.has("profile.open_to_region"),
            }),
            Step::Sites => Raw::Sites(
                (0..p.rows("sites"))
                    .map(|i| {
                        let s = format!("sites[{i}]");
                        SiteRaw {
                            name: p.one(&format!("{s}.name")),
                            address: p.one(&format!("{s}.address")),
                            area: p.one(&format!("{s}.area_m2")),
                            equipment: (0..p.rows(&format!("{s}.equipment")))
                                .map(|j| EquipmentRaw {
                                    name: p.one(&format!("{s}.equipment[{j}].name")),
                                    quantity: p.one(&format!("{s}.equipment[{j}].quantity")),
                                    value: p.one(&format!("{s}.equipment[{j}].value")),
                                })
                                .collect(),
                            photos: p.all(&format!("{s}.photos")),
                        }
                    })
                    .collect(),
            ),
            Step::Team => Raw::Team(TeamRaw {
                department: p.one("team.department"),
                staff: p.one("team.full_time_staff"),
                experts: (0..p.rows("team.experts"))
                    .map(|i| ExpertRaw {
                        name: p.one(&format!("team.experts[{i}].name")),
                        title: p.one(&format!("team.experts[{i}].title")),
                        qualification: p.one(&format!("team.experts[{i}].qualification")),
                    })
                    .collect(),
            }),
            Step::Rules => Raw::Rules(
                policy
                    .rule_documents()
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| RuleRaw {
                        kind: kind.id().to_owned(),
                        name: kind.name().to_owned(),
                        document: p.one(&format!("rule_documents[{i}].document")),
                        wall_photo: p.one(&format!("rule_documents[{i}].wall_photo")),
                    })
                    .collect(),
            ),
            Step::Priority => Raw::Priority(
                (0..p.rows("priority_claims"))
                    .map(|i| ClaimRaw {
                        basis: p.one(&format!("priority_claims[{i}].basis")),
                        description: p.one(&format!("priority_claims[{i}].description")),
                        certificate: p.one(&format!("priority_claims[{i}].certificate")),
                    })
                    .collect(),
            ),
            Step::Projects => Raw::Projects(
                (0..p.rows("projects"))
                    .map(|i| ProjectRaw {
                        occupation: p.one(&format!("projects[{i}].occupation")),
                        levels: p.all(&format!("projects[{i}].levels")),
                        criteria: p.all(&format!("projects[{i}].criteria")),
                        capacity: p.one(&format!("projects[{i}].annual_capacity")),
                        description: p.one(&format!("projects[{i}].description")),
                    })
                    .collect(),
            ),
            Step::Trainees => Raw::Trainees(TraineesRaw {
                own_staff: p.one("trainees.own_staff"),
                students: p.one("trainees.students"),
                companies: (0..p.rows("trainees.supply_chain"))
                    .map(|i| CompanyRaw {
                        name: p.one(&format!("trainees.supply_chain[{i}].name")),
                        uscc: p.one(&format!("trainees.supply_chain[{i}].uscc")),
                        relation: p.one(&format!("trainees.supply_chain[{i}].relation")),
                    })
                    .collect(),
            }),
            Step::Letter => Raw::Letter(p.one("commitment_letter")),
        }
    }

    /// One more blank row in the list `key` (a path as drawn: `sites[0].equipment`).
    pub(super) fn add_row(&mut self, key: &str) {
        fn grow<T: Default>(rows: &mut Vec<T>) {
            if rows.len() < ROW_CAP {
                rows.push(T::default());
            }
        }
        match self {
            Raw::Sites(sites) if key == "sites" && sites.len() < ROW_CAP => sites.push(SiteRaw::blank()),
            Raw::Sites(_) if key == "sites" => {}
            Raw::Sites(sites) => {
                let index = key
                    .strip_prefix("sites[")
                    .and_then(|r| r.strip_suffix("].equipment"))
                    .and_then(|i| i.parse::<usize>().ok());
                if let Some(site) = index.and_then(|i| sites.get_mut(i)) {
                    grow(&mut site.equipment);
                }
            }
            Raw::Team(team) if key == "team.experts" => grow(&mut team.experts),
            Raw::Priority(claims) if key == "priority_claims" => grow(claims),
            Raw::Projects(projects) if key == "projects" => grow(projects),
            Raw::Trainees(trainees) if key == "trainees.supply_chain" => grow(&mut trainees.companies),
            _ => {}
        }
    }
}
