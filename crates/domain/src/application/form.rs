//! The application form (申报表): what an organisation tells the bureau, section by section, in
//! the order of clause 二 of the policy.
//!
//! A form is always *well-formed* (every value that is present is valid: a USCC passes its check
//! character, an occupation exists in the national classification, money is fen) — that is
//! checked on every save, so a draft never holds garbage. Whether it is *complete* enough to be
//! submitted is a separate question ([`ApplicationForm::incomplete`]), asked on submit, and
//! whether the organisation is *eligible* is a third ([`crate::eligibility`]), answered after
//! acceptance.

use serde::{Deserialize, Serialize};

pub use crate::fields::FieldError;
use crate::ids::AttachmentId;
use crate::money::Money;
use crate::occupation::OccupationCode;
use crate::policy::PolicyDocument;
use crate::uscc::Uscc;

/// Bounds that keep one form a reasonable size (a form is stored whole on every save).
pub const MAX_TEXT: usize = 2000;
pub const MAX_NAME: usize = 100;
pub const MAX_ITEMS: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApplicationForm {
    pub profile: Profile,
    /// C2.1.2 实训场地设备.
    pub sites: Vec<Site>,
    /// C2.1.3 师资管理团队.
    pub team: Team,
    /// C2.1.4 规范管理制度: one entry per document kind of the policy.
    pub rule_documents: Vec<RuleDocument>,
    /// C2.1.P 优先认定.
    pub priority_claims: Vec<PriorityClaim>,
    /// C2.2 培育项目.
    pub projects: Vec<Project>,
    /// C2.3 培育对象.
    pub trainees: Trainees,
    /// 承诺书, signed and scanned.
    pub commitment_letter: Option<AttachmentId>,
}

/// C2.1.1 建设主体: what the organisation record does not already say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// A key-industry id of the policy.
    pub industry: String,
    /// 行政区划代码 of the place of registration; Qingpu is 310118.
    pub registered_division: String,
    /// 技能人才实训组织实施经验.
    pub training_experience: String,
    /// 愿意为区域技能人才提供实训条件.
    pub open_to_region: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Site {
    pub name: String,
    pub address: String,
    pub area_m2: u32,
    pub equipment: Vec<Equipment>,
    pub photos: Vec<AttachmentId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Equipment {
    pub name: String,
    pub quantity: u32,
    /// Total value, in fen.
    pub value: Money,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Team {
    /// 专门负责部门.
    pub department: String,
    /// 专职人员数.
    pub full_time_staff: u32,
    /// 行业领域专家队伍.
    pub experts: Vec<TeamExpert>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamExpert {
    pub name: String,
    pub title: String,
    pub qualification: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleDocument {
    /// A rule-document id of the policy (培训工作规范, 财务管理制度 …).
    pub kind: String,
    pub document: Option<AttachmentId>,
    /// The photo of it posted on the wall (制度上墙).
    pub wall_photo: Option<AttachmentId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityClaim {
    /// A priority-basis id of the policy.
    pub basis: String,
    pub description: String,
    pub certificate: Option<AttachmentId>,
}

/// 职业技能等级: 五级/初级工 … 一级/高级技师.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillLevel {
    Level5,
    Level4,
    Level3,
    Level2,
    Level1,
}

impl SkillLevel {
    pub const ALL: [SkillLevel; 5] =
        [SkillLevel::Level5, SkillLevel::Level4, SkillLevel::Level3, SkillLevel::Level2, SkillLevel::Level1];

    pub fn as_str(self) -> &'static str {
        match self {
            SkillLevel::Level5 => "level5",
            SkillLevel::Level4 => "level4",
            SkillLevel::Level3 => "level3",
            SkillLevel::Level2 => "level2",
            SkillLevel::Level1 => "level1",
        }
    }

    pub fn parse(s: &str) -> Option<SkillLevel> {
        SkillLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SkillLevel::Level5 => "五级/初级工",
            SkillLevel::Level4 => "四级/中级工",
            SkillLevel::Level3 => "三级/高级工",
            SkillLevel::Level2 => "二级/技师",
            SkillLevel::Level1 => "一级/高级技师",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub occupation: OccupationCode,
    #[serde(default)]
    pub levels: Vec<SkillLevel>,
    /// Project-criterion ids of the policy (二(二)1–4); at least one.
    #[serde(default)]
    pub criteria: Vec<String>,
    /// Trainees per year.
    #[serde(default)]
    pub annual_capacity: u32,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Trainees {
    /// 本单位技能岗位从业人员.
    pub own_staff: u32,
    /// 院校学生.
    pub students: u32,
    /// 产业链上下游企业 (enterprise bases only).
    pub supply_chain: Vec<SupplyChainCompany>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyChainCompany {
    pub name: String,
    pub uscc: Uscc,
    pub relation: Relation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Upstream,
    Downstream,
}

impl Relation {
    pub fn label(self) -> &'static str {
        match self {
            Relation::Upstream => "上游",
            Relation::Downstream => "下游",
        }
    }
}

/// One difference between two revisions: the field's path and its values before and after
/// (`null` where absent), as the JSON of the form spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Flattens a JSON value into (path, leaf) pairs: `sites[0].equipment[1].name`.
fn leaves(prefix: &str, value: &serde_json::Value, out: &mut std::collections::BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                leaves(&path, v, out);
            }
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), v, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

impl ApplicationForm {
    /// What changed from `self` to `later`, field by field, in path order.
    pub fn changes_to(&self, later: &ApplicationForm) -> Vec<Change> {
        let flat = |form: &ApplicationForm| {
            let mut out = std::collections::BTreeMap::new();
            leaves("", &serde_json::to_value(form).unwrap_or_default(), &mut out);
            out
        };
        let (before, after) = (flat(self), flat(later));
        let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
        fields.sort();
        fields.dedup();
        fields
            .into_iter()
            .filter_map(|field| {
                let b = before.get(field).cloned().unwrap_or(serde_json::Value::Null);
                let a = after.get(field).cloned().unwrap_or(serde_json::Value::Null);
                (a != b).then(|| Change { field: field.clone(), before: b, after: a })
            })
            .collect()
    }

    /// Every attachment the form refers to, with the field that refers to it.
    pub fn attachments(&self) -> Vec<(String, AttachmentId)> {
        let mut out = Vec::new();
        for (i, site) in self.sites.iter().enumerate() {
            for (j, photo) in site.photos.iter().enumerate() {
                out.push((format!("sites[{i}].photos[{j}]"), *photo));
            }
        }
        for (i, doc) in self.rule_documents.iter().enumerate() {
            if let Some(id) = doc.document {
                out.push((format!("rule_documents[{i}].document"), id));
            }
            if let Some(id) = doc.wall_photo {
                out.push((format!("rule_documents[{i}].wall_photo"), id));
            }
        }
        for (i, claim) in self.priority_claims.iter().enumerate() {
            if let Some(id) = claim.certificate {
                out.push((format!("priority_claims[{i}].certificate"), id));
            }
        }
        if let Some(id) = self.commitment_letter {
            out.push(("commitment_letter".to_owned(), id));
        }
        out
    }

    /// Every reference to the file `old` made to `new` (a file replaced), or dropped when `new`
    /// is `None` (a file removed: a single file's field is emptied, a photo leaves its list).
    /// Returns the fields that referred to it, as [`ApplicationForm::attachments`] names them.
    pub fn swap_attachment(&mut self, old: AttachmentId, new: Option<AttachmentId>) -> Vec<String> {
        let fields: Vec<String> =
            self.attachments().into_iter().filter(|(_, id)| *id == old).map(|(field, _)| field).collect();
        let swap = |slot: &mut Option<AttachmentId>| {
            if *slot == Some(old) {
                *slot = new;
            }
        };
        for site in &mut self.sites {
            match new {
                Some(new) => site.photos.iter_mut().filter(|p| **p == old).for_each(|p| *p = new),
                None => site.photos.retain(|p| *p != old),
            }
        }
        for doc in &mut self.rule_documents {
            swap(&mut doc.document);
            swap(&mut doc.wall_photo);
        }
        for claim in &mut self.priority_claims {
            swap(&mut claim.certificate);
        }
        swap(&mut self.commitment_letter);
        fields
    }

    /// Is every present value acceptable under `policy`? Checked on every save: a draft may be
    /// incomplete, never wrong. Returns every problem, each at its field.
    pub fn malformed(&self, policy: &PolicyDocument) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut text = |field: String, value: &str, max: usize| {
            if value.chars().count() > max {
                errors.push(FieldError::new(field, "too_long", format!("不能超过 {max} 个字")));
            }
        };
        text("profile.training_experience".into(), &self.profile.training_experience, MAX_TEXT);
        text("team.department".into(), &self.team.department, MAX_NAME);
        for (i, site) in self.sites.iter().enumerate() {
            text(format!("sites[{i}].name"), &site.name, MAX_NAME);
            text(format!("sites[{i}].address"), &site.address, MAX_NAME);
            for (j, item) in site.equipment.iter().enumerate() {
                text(format!("sites[{i}].equipment[{j}].name"), &item.name, MAX_NAME);
            }
        }
        for (i, expert) in self.team.experts.iter().enumerate() {
            text(format!("team.experts[{i}].name"), &expert.name, MAX_NAME);
            text(format!("team.experts[{i}].title"), &expert.title, MAX_NAME);
            text(format!("team.experts[{i}].qualification"), &expert.qualification, MAX_NAME);
        }
        for (i, claim) in self.priority_claims.iter().enumerate() {
            text(format!("priority_claims[{i}].description"), &claim.description, MAX_TEXT);
        }
        for (i, project) in self.projects.iter().enumerate() {
            text(format!("projects[{i}].description"), &project.description, MAX_TEXT);
        }
        for (i, company) in self.trainees.supply_chain.iter().enumerate() {
            text(format!("trainees.supply_chain[{i}].name"), &company.name, MAX_NAME);
        }

        let lists = [
            ("sites", self.sites.len()),
            ("team.experts", self.team.experts.len()),
            ("rule_documents", self.rule_documents.len()),
            ("priority_claims", self.priority_claims.len()),
            ("projects", self.projects.len()),
            ("trainees.supply_chain", self.trainees.supply_chain.len()),
        ];
        for (field, len) in lists {
            if len > MAX_ITEMS {
                errors.push(FieldError::new(field, "too_many", format!("最多填写 {MAX_ITEMS} 项")));
            }
        }
        for (i, site) in self.sites.iter().enumerate() {
            if site.equipment.len() > MAX_ITEMS {
                errors.push(FieldError::new(
                    format!("sites[{i}].equipment"),
                    "too_many",
                    format!("最多填写 {MAX_ITEMS} 项"),
                ));
            }
            for (j, item) in site.equipment.iter().enumerate() {
                if item.value.is_negative() {
                    errors.push(FieldError::new(
                        format!("sites[{i}].equipment[{j}].value"),
                        "negative",
                        "金额不能为负数",
                    ));
                }
            }
        }

        let division = &self.profile.registered_division;
        let six_digits = division.len() == 6 && division.bytes().all(|b| b.is_ascii_digit());
        if !division.is_empty() && !six_digits {
            errors.push(FieldError::new(
                "profile.registered_division",
                "invalid_division",
                "行政区划代码应为 6 位数字",
            ));
        }
        if !self.profile.industry.is_empty() && policy.industry(&self.profile.industry).is_none() {
            errors.push(FieldError::new("profile.industry", "unknown_industry", "请从政策所列重点产业中选择"));
        }
        for (i, doc) in self.rule_documents.iter().enumerate() {
            if policy.rule_document(&doc.kind).is_none() {
                errors.push(FieldError::new(
                    format!("rule_documents[{i}].kind"),
                    "unknown_rule_document",
                    "未知的制度类别",
                ));
            }
            if self.rule_documents[..i].iter().any(|d| d.kind == doc.kind) {
                errors.push(FieldError::new(format!("rule_documents[{i}].kind"), "duplicate", "该制度已填写"));
            }
        }
        for (i, claim) in self.priority_claims.iter().enumerate() {
            if policy.priority_basis(&claim.basis).is_none() {
                errors.push(FieldError::new(
                    format!("priority_claims[{i}].basis"),
                    "unknown_priority_basis",
                    "未知的优先认定依据",
                ));
            }
        }
        for (i, project) in self.projects.iter().enumerate() {
            for (j, criterion) in project.criteria.iter().enumerate() {
                if policy.project_criterion(criterion).is_none() {
                    errors.push(FieldError::new(
                        format!("projects[{i}].criteria[{j}]"),
                        "unknown_project_criterion",
                        "未知的培育项目条件",
                    ));
                }
            }
        }
        errors
    }

    /// What is still missing before the form can be submitted, each at its field, in the
    /// words of the policy. Eligibility is not judged here (an applicant may submit a form the
    /// bureau will find ineligible); only that every required part is filled in.
    pub fn incomplete(&self, policy: &PolicyDocument) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut require = |ok: bool, field: String, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, "required", message));
            }
        };
        let p = &self.profile;
        require(!p.industry.is_empty(), "profile.industry".into(), "请选择所属重点产业");
        require(!p.registered_division.is_empty(), "profile.registered_division".into(), "请填写注册地行政区划代码");
        require(
            !p.training_experience.trim().is_empty(),
            "profile.training_experience".into(),
            "请填写技能人才实训组织实施经验",
        );
        require(p.open_to_region, "profile.open_to_region".into(), "请确认愿意为区域技能人才提供实训条件");

        require(!self.sites.is_empty(), "sites".into(), "请至少填写一处实训场地");
        for (i, site) in self.sites.iter().enumerate() {
            require(!site.name.trim().is_empty(), format!("sites[{i}].name"), "请填写场地名称");
            require(!site.address.trim().is_empty(), format!("sites[{i}].address"), "请填写场地地址");
            require(site.area_m2 > 0, format!("sites[{i}].area_m2"), "请填写场地面积");
            require(!site.equipment.is_empty(), format!("sites[{i}].equipment"), "请至少填写一项教学设施设备");
            require(!site.photos.is_empty(), format!("sites[{i}].photos"), "请上传场地照片");
            for (j, item) in site.equipment.iter().enumerate() {
                require(!item.name.trim().is_empty(), format!("sites[{i}].equipment[{j}].name"), "请填写设备名称");
                require(item.quantity > 0, format!("sites[{i}].equipment[{j}].quantity"), "请填写设备数量");
            }
        }

        let t = &self.team;
        require(!t.department.trim().is_empty(), "team.department".into(), "请填写负责推进和管理的专门部门");
        require(t.full_time_staff > 0, "team.full_time_staff".into(), "请填写专职人员数");
        require(!t.experts.is_empty(), "team.experts".into(), "请至少填写一名行业领域专家");
        for (i, expert) in t.experts.iter().enumerate() {
            require(!expert.name.trim().is_empty(), format!("team.experts[{i}].name"), "请填写专家姓名");
        }

        for kind in policy.rule_documents() {
            let i = self.rule_documents.iter().position(|d| d.kind == kind.id());
            let entry = i.map(|i| (i, &self.rule_documents[i]));
            let field = |i: Option<usize>, part: &str| match i {
                Some(i) => format!("rule_documents[{i}].{part}"),
                None => format!("rule_documents.{}.{part}", kind.id()),
            };
            require(
                entry.is_some_and(|(_, d)| d.document.is_some()),
                field(i, "document"),
                &format!("请上传《{}》", kind.name()),
            );
            require(
                entry.is_some_and(|(_, d)| d.wall_photo.is_some()),
                field(i, "wall_photo"),
                &format!("请上传《{}》上墙照片", kind.name()),
            );
        }
        for (i, claim) in self.priority_claims.iter().enumerate() {
            require(
                claim.certificate.is_some(),
                format!("priority_claims[{i}].certificate"),
                "请上传认定证书或证明材料",
            );
        }

        require(!self.projects.is_empty(), "projects".into(), "请至少填写一个培育项目");
        for (i, project) in self.projects.iter().enumerate() {
            require(!project.levels.is_empty(), format!("projects[{i}].levels"), "请选择培训等级");
            require(!project.criteria.is_empty(), format!("projects[{i}].criteria"), "请至少选择一项符合的条件");
            require(project.annual_capacity > 0, format!("projects[{i}].annual_capacity"), "请填写年培训能力（人次）");
        }

        let tr = &self.trainees;
        require(
            tr.own_staff > 0 || tr.students > 0 || !tr.supply_chain.is_empty(),
            "trainees".into(),
            "请填写培育对象",
        );
        require(self.commitment_letter.is_some(), "commitment_letter".into(), "请上传签字盖章的承诺书");
        errors
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The `n`th attachment of a test.
    pub(crate) fn attachment(n: u64) -> AttachmentId {
        AttachmentId::from_parts(n, [0; 10])
    }

    pub(crate) fn complete_form(policy: &PolicyDocument) -> ApplicationForm {
        let photo = attachment(1);
        ApplicationForm {
            profile: Profile {
                industry: policy.industries()[0].id().to_owned(),
                registered_division: "310118".into(),
                training_experience: "近三年自主开展技能培训 1200 人次".into(),
                open_to_region: true,
            },
            sites: vec![Site {
                name: "数控实训中心".into(),
                address: "青浦区华新镇 1 号".into(),
                area_m2: 800,
                equipment: vec![Equipment {
                    name: "五轴加工中心".into(),
                    quantity: 2,
                    value: Money::from_fen(300_000_000),
                }],
                photos: vec![photo],
            }],
            team: Team {
                department: "培训部".into(),
                full_time_staff: 6,
                experts: vec![TeamExpert {
                    name: "王工".into(),
                    title: "高级技师".into(),
                    qualification: "一级".into(),
                }],
            },
            rule_documents: policy
                .rule_documents()
                .iter()
                .zip(10..)
                .map(|(k, n)| RuleDocument {
                    kind: k.id().to_owned(),
                    document: Some(attachment(2 * n)),
                    wall_photo: Some(attachment(2 * n + 1)),
                })
                .collect(),
            priority_claims: vec![],
            projects: vec![Project {
                occupation: OccupationCode::parse("6-18-01-01").expect("a real occupation"),
                levels: vec![SkillLevel::Level3],
                criteria: vec![policy.project_criteria()[0].id().to_owned()],
                annual_capacity: 200,
                description: String::new(),
            }],
            trainees: Trainees { own_staff: 300, students: 0, supply_chain: vec![] },
            commitment_letter: Some(attachment(2)),
        }
    }

    #[test]
    fn a_complete_form_is_complete_and_well_formed() {
        let policy = PolicyDocument::builtin();
        let form = complete_form(policy);
        assert_eq!(form.incomplete(policy), vec![]);
        assert_eq!(form.malformed(policy), vec![]);
    }

    #[test]
    fn an_empty_form_names_every_missing_part() {
        let policy = PolicyDocument::builtin();
        let errors = ApplicationForm::default().incomplete(policy);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in ["profile.industry", "sites", "team.department", "projects", "trainees", "commitment_letter"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
        // Each of the policy's rule documents, and its wall photo.
        assert_eq!(
            fields.iter().filter(|f| f.starts_with("rule_documents.")).count(),
            policy.rule_documents().len() * 2
        );
    }

    #[test]
    fn malformed_values_are_named() {
        let policy = PolicyDocument::builtin();
        let mut form = complete_form(policy);
        form.profile.industry = "mining".into();
        form.profile.registered_division = "31011".into();
        form.sites[0].equipment[0].value = Money::from_fen(-1);
        form.team.department = "部".repeat(MAX_NAME + 1);
        form.rule_documents.push(form.rule_documents[0].clone());
        let fields: Vec<String> = form.malformed(policy).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "team.department",
                "sites[0].equipment[0].value",
                "profile.registered_division",
                "profile.industry",
                "rule_documents[4].kind"
            ]
        );
    }

    #[test]
    fn changes_between_revisions_are_listed_by_field() {
        let policy = PolicyDocument::builtin();
        let before = complete_form(policy);
        let mut after = before.clone();
        after.sites[0].area_m2 = 900;
        after
            .team
            .experts
            .push(TeamExpert { name: "李工".into(), title: String::new(), qualification: String::new() });
        let changes = before.changes_to(&after);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            ["sites[0].area_m2", "team.experts[1].name", "team.experts[1].qualification", "team.experts[1].title"]
        );
        assert_eq!(changes[0].before, serde_json::json!(800));
        assert_eq!(changes[0].after, serde_json::json!(900));
        assert!(before.changes_to(&before).is_empty());
    }

    #[test]
    fn the_json_shape_refuses_strangers() {
        assert!(serde_json::from_str::<ApplicationForm>(r#"{"status":"approved"}"#).is_err());
        let bad_uscc =
            r#"{"trainees":{"supply_chain":[{"name":"x","uscc":"91310118MA1JL0000X","relation":"upstream"}]}}"#;
        assert!(serde_json::from_str::<ApplicationForm>(bad_uscc).is_err());
        let form: ApplicationForm = serde_json::from_str("{}").expect("an empty draft");
        assert_eq!(form, ApplicationForm::default());
    }

    #[test]
    fn a_removed_file_leaves_the_form_and_a_replaced_one_takes_its_place() {
        let policy = PolicyDocument::builtin();
        let form = complete_form(policy);
        let letter = form.commitment_letter.expect("a letter");
        let photo = form.sites[0].photos[0];
        let document = form.rule_documents[0].document.expect("a document");

        let mut removed = form.clone();
        assert_eq!(removed.swap_attachment(photo, None), ["sites[0].photos[0]"]);
        assert!(removed.sites[0].photos.is_empty());
        assert_eq!(removed.swap_attachment(letter, None), ["commitment_letter"]);
        assert_eq!(removed.commitment_letter, None);
        assert!(removed.incomplete(policy).iter().any(|e| e.field == "commitment_letter"), "now missing");
        assert!(removed.attachments().iter().all(|(_, id)| *id != photo && *id != letter));
        // Everything else is as it was.
        assert_eq!(removed.rule_documents, form.rule_documents);

        let mut replaced = form.clone();
        let new = attachment(999);
        assert_eq!(replaced.swap_attachment(document, Some(new)), ["rule_documents[0].document"]);
        assert_eq!(replaced.rule_documents[0].document, Some(new));
        assert_eq!(replaced.attachments().len(), form.attachments().len());
        assert_eq!(replaced.swap_attachment(photo, Some(new)), ["sites[0].photos[0]"]);
        assert_eq!(replaced.sites[0].photos, [new]);

        // A file the form does not refer to changes nothing.
        let mut same = form.clone();
        assert!(same.swap_attachment(attachment(12_345), None).is_empty());
        assert_eq!(same, form);
    }
}
