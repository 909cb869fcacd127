//! Eligibility as rules-as-code: a pure function of (organisation, application form, policy
//! version) that answers, clause by clause of 二(一)–(三), pass / fail / needs staff
//! confirmation — with the evidence it looked at and an explanation citing the clause, in the
//! bureau's words and in the applicant's.
//!
//! The rules decide only what the data can decide. Whether an enterprise is a *key* enterprise
//! (重点企业), or a project has *high* technical content, is for staff: those items come out as
//! [`Outcome::Confirm`], never as a guess.

use serde::{Deserialize, Serialize};

use crate::application::form::{ApplicationForm, SkillLevel};
use crate::policy::PolicyDocument;
use crate::uscc::Uscc;

/// The organisation as registered on the platform.
#[derive(Debug, Clone)]
pub struct Organization {
    pub name: String,
    pub uscc: Uscc,
    /// A kind id of the policy: enterprise / vocational_college / social_organization.
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The data cannot decide; staff must.
    Confirm,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Confirm => "confirm",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "符合",
            Outcome::Fail => "不符合",
            Outcome::Confirm => "待人工确认",
        }
    }
}

/// The result for one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    pub clause: String,
    pub outcome: Outcome,
    /// What was looked at, one line per fact.
    pub evidence: Vec<String>,
    /// For staff, citing the clause: 「不符合第二条第（一）款第2项：未提供实训场地信息」.
    pub explanation: String,
    /// For the applicant, in plain words.
    pub applicant_explanation: String,
}

/// The clauses checked, in the order of the policy.
pub const CLAUSES: [&str; 8] = ["C2.1.0", "C2.1.1", "C2.1.2", "C2.1.3", "C2.1.4", "C2.1.P", "C2.2", "C2.3"];

/// Does the clause decide eligibility? C2.1.P only grants priority: failing it (a claim that
/// cannot be verified) costs the priority, not the application.
pub fn is_condition(clause: &str) -> bool {
    clause != "C2.1.P"
}

/// Every clause's result, in [`CLAUSES`] order.
pub fn assess(org: &Organization, form: &ApplicationForm, policy: &PolicyDocument) -> Vec<ClauseResult> {
    let district = policy.district_division_code();
    let in_district = form.profile.registered_division == district;
    let uscc_division = org.uscc.division_code();
    let kind = policy.kind(&org.kind).map(|k| k.name().to_owned());

    let mut results = Vec::new();

    // C2.1.0 — who may apply.
    let mut c = Check::new(policy, "C2.1.0");
    c.fact(format!("单位类型：{}", kind.as_deref().unwrap_or("未知")));
    c.fact(format!(
        "注册地行政区划代码：{}（统一社会信用代码所含：{uscc_division}）",
        or_blank(&form.profile.registered_division)
    ));
    if kind.is_none() {
        c.fail("单位类型不属于重点企业、职业院校或社会组织", "您单位的类型不在可申报的范围内");
    } else if !in_district {
        c.fail("申报单位不在本区", "您单位的注册地不在本区");
    } else if org.kind == "enterprise" {
        c.confirm("是否属于区域内重点企业，需经办人确认", "是否属于区域内重点企业，将由区人社局确认");
    }
    results.push(c.finish("申报单位属于区域内职业院校或社会组织", "您单位属于可以申报的单位类型"));

    // C2.1.1 — 建设主体.
    let mut c = Check::new(policy, "C2.1.1");
    c.fact(format!("统一社会信用代码：{}（校验通过）", org.uscc.as_str()));
    c.fact(format!("所属重点产业：{}", policy.industry(&form.profile.industry).map_or("未选择", |i| i.name())));
    c.fact(format!("实训组织实施经验：{} 字", form.profile.training_experience.trim().chars().count()));
    c.fact(format!("愿意为区域技能人才提供实训条件：{}", if form.profile.open_to_region { "是" } else { "否" }));
    if !in_district {
        c.fail(&format!("注册地不在本区（应为 {district}）"), "您单位的注册地不在本区");
    } else if uscc_division != district {
        c.confirm(
            &format!("申报的注册地为本区，但统一社会信用代码所含行政区划为 {uscc_division}，需核实注册地"),
            "您单位的注册地需要区人社局核实",
        );
    }
    if policy.industry(&form.profile.industry).is_none() {
        c.fail("未选择本区重点产业", "您未选择所属的本区重点产业");
    }
    if form.profile.training_experience.trim().is_empty() {
        c.fail("未说明技能人才实训组织实施经验", "您未填写技能人才实训的组织实施经验");
    }
    if !form.profile.open_to_region {
        c.fail("未承诺为区域技能人才提供实训条件", "您未承诺为区域技能人才提供实训条件");
    }
    results.push(c.finish("依法成立、在本区注册，符合本区产业发展需求，有实训组织经验", "建设主体的条件均已满足"));

    // C2.1.2 — 实训场地设备.
    let mut c = Check::new(policy, "C2.1.2");
    let area: u64 = form.sites.iter().map(|s| u64::from(s.area_m2)).sum();
    let equipment: usize = form.sites.iter().map(|s| s.equipment.len()).sum();
    let value: i64 = form.sites.iter().flat_map(|s| &s.equipment).map(|e| e.value.fen()).sum();
    c.fact(format!("实训场地 {} 处，合计面积 {area} 平方米", form.sites.len()));
    c.fact(format!("教学设施设备 {equipment} 项，合计价值 {}", crate::money::Money::from_fen(value)));
    c.fact(format!("场地照片 {} 张", form.sites.iter().map(|s| s.photos.len()).sum::<usize>()));
    if form.sites.is_empty() {
        c.fail("未提供实训场地信息", "您未填写实训场地");
    } else {
        if form.sites.iter().any(|s| s.area_m2 == 0) {
            c.fail("实训场地未填写面积", "有实训场地未填写面积");
        }
        if equipment == 0 {
            c.fail("未提供教学设施设备清单", "您未填写教学设施设备");
        }
        if form.sites.iter().any(|s| s.photos.is_empty()) {
            c.fail("实训场地缺少照片", "有实训场地未上传照片");
        }
    }
    results.push(c.finish("具备实践教学场所和必要的教学设施设备", "实训场地和设备的条件已满足"));

    // C2.1.3 — 师资管理团队.
    let mut c = Check::new(policy, "C2.1.3");
    c.fact(format!("负责部门：{}", or_blank(&form.team.department)));
    c.fact(format!("专职人员：{} 人", form.team.full_time_staff));
    c.fact(format!("行业领域专家：{} 人", form.team.experts.len()));
    if form.team.department.trim().is_empty() {
        c.fail("未设专门负责部门", "您未填写负责推进和管理的专门部门");
    }
    if form.team.full_time_staff == 0 {
        c.fail("无专职人员", "您未填写专职人员");
    }
    if form.team.experts.is_empty() {
        c.fail("无相关行业领域专家队伍", "您未填写行业领域专家队伍");
    }
    results.push(c.finish("有专门部门和专职人员，具备行业领域专家队伍", "师资管理团队的条件已满足"));

    // C2.1.4 — 规范管理制度, each document posted on the wall.
    let mut c = Check::new(policy, "C2.1.4");
    for kind in policy.rule_documents() {
        let entry = form.rule_documents.iter().find(|d| d.kind == kind.id());
        let document = entry.is_some_and(|d| d.document.is_some());
        let photo = entry.is_some_and(|d| d.wall_photo.is_some());
        c.fact(format!(
            "《{}》：制度文件{}，上墙照片{}",
            kind.name(),
            if document { "已上传" } else { "缺" },
            if photo { "已上传" } else { "缺" }
        ));
        if !document {
            c.fail(&format!("缺少《{}》", kind.name()), &format!("您未上传《{}》", kind.name()));
        } else if !photo {
            c.fail(&format!("《{}》未见上墙照片", kind.name()), &format!("您未上传《{}》的上墙照片", kind.name()));
        }
    }
    results.push(c.finish("培训工作规范和培训、财务、资产管理等制度齐全并上墙", "管理制度的条件已满足"));

    // C2.1.P — priority recognition: claimed with a certificate; staff verify it.
    let mut c = Check::new(policy, "C2.1.P");
    if form.priority_claims.is_empty() {
        c.fact("未申请优先认定".to_owned());
    }
    for claim in &form.priority_claims {
        let basis = policy.priority_basis(&claim.basis).map_or("未知依据", |b| b.name());
        c.fact(format!("申请优先认定：{basis}，证明材料{}", if claim.certificate.is_some() { "已上传" } else { "缺" }));
        if claim.certificate.is_none() {
            c.fail(&format!("优先认定依据「{basis}」缺少证明材料"), &format!("「{basis}」缺少证明材料"));
        }
    }
    if !form.priority_claims.is_empty() {
        c.confirm("优先认定的证明材料需经办人核验", "优先认定的证明材料将由区人社局核验");
    }
    results.push(c.finish("未申请优先认定（不影响申报资格）", "您未申请优先认定，不影响申报"));

    // C2.2 — 培育项目.
    let mut c = Check::new(policy, "C2.2");
    for project in &form.projects {
        let criteria: Vec<&str> =
            project.criteria.iter().filter_map(|id| policy.project_criterion(id)).map(|k| k.name()).collect();
        let top = project.levels.iter().max().map_or("未选择", |l| l.label());
        c.fact(format!(
            "{}（{}）：最高等级 {top}，符合条件 {} 项，年培训能力 {} 人次",
            project.occupation.name(),
            project.occupation.as_str(),
            criteria.len(),
            project.annual_capacity
        ));
    }
    if form.projects.is_empty() {
        c.fail("未填写培育项目", "您未填写培育项目");
    }
    for project in &form.projects {
        let name = project.occupation.name();
        if project.criteria.iter().all(|id| policy.project_criterion(id).is_none()) {
            c.fail(&format!("项目「{name}」不符合四项条件中的任何一项"), &format!("项目「{name}」未选择符合的条件"));
        }
        if project.levels.is_empty() {
            c.fail(&format!("项目「{name}」未填写培训等级"), &format!("项目「{name}」未选择培训等级"));
        } else if !project.levels.iter().any(|l| *l >= SkillLevel::Level3) {
            c.confirm(
                &format!("项目「{name}」仅含初级、中级工等级，是否具有较高技术含量需确认"),
                &format!("项目「{name}」的技术含量将由区人社局确认"),
            );
        }
        if project.occupation.occupation().needs_confirmation() {
            c.confirm(
                &format!("项目「{name}」的职业编码需对照国家职业分类大典核实"),
                &format!("项目「{name}」的职业编码将由区人社局核实"),
            );
        }
    }
    results
        .push(c.finish("培育项目为具有较高技术含量的技能类职业（工种），且符合至少一项条件", "培育项目的条件已满足"));

    // C2.3 — 培育对象.
    let mut c = Check::new(policy, "C2.3");
    let t = &form.trainees;
    c.fact(format!("本单位技能岗位从业人员：{} 人；院校学生：{} 人", t.own_staff, t.students));
    c.fact(format!("产业链上下游企业：{} 家", t.supply_chain.len()));
    if t.own_staff == 0 && t.students == 0 {
        c.fail("培育对象未以本单位从业人员或院校学生为主", "您未填写本单位从业人员或院校学生");
    }
    if org.kind != "enterprise" && !t.supply_chain.is_empty() {
        c.confirm(
            "非企业类基地填报了上下游企业从业人员，需确认",
            "上下游企业从业人员一般适用于企业类基地，将由区人社局确认",
        );
    }
    results.push(c.finish("培育对象以本单位从业人员、院校学生为主", "培育对象的条件已满足"));

    results
}

fn or_blank(s: &str) -> &str {
    if s.trim().is_empty() { "未填写" } else { s }
}

/// Collects one clause's findings; the worst finding decides the outcome.
struct Check<'p> {
    policy: &'p PolicyDocument,
    clause: &'static str,
    evidence: Vec<String>,
    fails: Vec<(String, String)>,
    confirms: Vec<(String, String)>,
}

impl<'p> Check<'p> {
    fn new(policy: &'p PolicyDocument, clause: &'static str) -> Self {
        Check { policy, clause, evidence: Vec::new(), fails: Vec::new(), confirms: Vec::new() }
    }

    fn fact(&mut self, fact: String) {
        self.evidence.push(fact);
    }

    fn fail(&mut self, staff: &str, applicant: &str) {
        self.fails.push((staff.to_owned(), applicant.to_owned()));
    }

    fn confirm(&mut self, staff: &str, applicant: &str) {
        self.confirms.push((staff.to_owned(), applicant.to_owned()));
    }

    fn finish(self, pass_staff: &str, pass_applicant: &str) -> ClauseResult {
        let citation = self.policy.clause(self.clause).map_or(self.clause.to_owned(), |c| c.citation().to_owned());
        let join = |items: &[(String, String)], staff: bool| {
            items.iter().map(|(s, a)| if staff { s.as_str() } else { a.as_str() }).collect::<Vec<_>>().join("；")
        };
        let (outcome, explanation, applicant_explanation) = if !self.fails.is_empty() {
            (
                Outcome::Fail,
                format!("不符合{citation}：{}", join(&self.fails, true)),
                format!("{}（政策{citation}）", join(&self.fails, false)),
            )
        } else if !self.confirms.is_empty() {
            (
                Outcome::Confirm,
                format!("{citation}待确认：{}", join(&self.confirms, true)),
                format!("{}（政策{citation}）", join(&self.confirms, false)),
            )
        } else {
            (Outcome::Pass, format!("符合{citation}：{pass_staff}"), format!("{pass_applicant}（政策{citation}）"))
        };
        ClauseResult {
            clause: self.clause.to_owned(),
            outcome,
            evidence: self.evidence,
            explanation,
            applicant_explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::form::tests::{attachment, complete_form};

    fn org(kind: &str, uscc: &str) -> Organization {
        Organization { name: "测试单位".into(), uscc: Uscc::parse(uscc).expect("a valid USCC"), kind: kind.into() }
    }

    fn outcome(results: &[ClauseResult], clause: &str) -> Outcome {
        results.iter().find(|r| r.clause == clause).map(|r| r.outcome).expect("the clause is assessed")
    }

    fn college() -> Organization {
        org("vocational_college", QINGPU_USCC)
    }

    /// A valid code whose division part is 310118 (Qingpu).
    const QINGPU_USCC: &str = "123101184250000147";

    #[test]
    fn a_complete_form_of_a_qingpu_college_passes_every_condition() {
        let policy = PolicyDocument::builtin();
        let results = assess(&college(), &complete_form(policy), policy);
        assert_eq!(results.iter().map(|r| r.clause.as_str()).collect::<Vec<_>>(), CLAUSES);
        for r in &results {
            assert_eq!(r.outcome, Outcome::Pass, "{}: {}", r.clause, r.explanation);
            assert!(!r.evidence.is_empty() || r.clause == "C2.1.P");
        }
    }

    #[test]
    fn missing_sites_fail_c212_citing_the_clause() {
        let policy = PolicyDocument::builtin();
        let mut form = complete_form(policy);
        form.sites.clear();
        let results = assess(&college(), &form, policy);
        let r = results.iter().find(|r| r.clause == "C2.1.2").expect("assessed");
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(r.explanation, "不符合第二条第（一）款第2项：未提供实训场地信息");
        assert!(r.applicant_explanation.starts_with("您未填写实训场地"));
    }

    #[test]
    fn enterprises_need_confirmation_that_they_are_key_enterprises() {
        let policy = PolicyDocument::builtin();
        let results = assess(&org("enterprise", QINGPU_USCC), &complete_form(policy), policy);
        assert_eq!(outcome(&results, "C2.1.0"), Outcome::Confirm);
    }

    #[test]
    fn outside_the_district_fails() {
        let policy = PolicyDocument::builtin();
        let mut form = complete_form(policy);
        form.profile.registered_division = "310115".into();
        let results = assess(&college(), &form, policy);
        assert_eq!(outcome(&results, "C2.1.0"), Outcome::Fail);
        assert_eq!(outcome(&results, "C2.1.1"), Outcome::Fail);
    }

    #[test]
    fn a_missing_wall_photo_fails_c214_and_a_priority_claim_needs_checking() {
        let policy = PolicyDocument::builtin();
        let mut form = complete_form(policy);
        form.rule_documents[0].wall_photo = None;
        form.priority_claims.push(crate::application::form::PriorityClaim {
            basis: policy.priority_bases()[0].id().to_owned(),
            description: String::new(),
            certificate: Some(attachment(3)),
        });
        let results = assess(&college(), &form, policy);
        assert_eq!(outcome(&results, "C2.1.4"), Outcome::Fail);
        assert_eq!(outcome(&results, "C2.1.P"), Outcome::Confirm);
        assert!(!is_condition("C2.1.P") && is_condition("C2.1.4"));
    }

    #[test]
    fn low_level_projects_and_supply_chain_of_a_college_need_confirmation() {
        let policy = PolicyDocument::builtin();
        let mut form = complete_form(policy);
        form.projects[0].levels = vec![SkillLevel::Level5];
        form.trainees.supply_chain.push(crate::application::form::SupplyChainCompany {
            name: "上游公司".into(),
            uscc: Uscc::parse(QINGPU_USCC).expect("valid"),
            relation: crate::application::form::Relation::Upstream,
        });
        let results = assess(&college(), &form, policy);
        assert_eq!(outcome(&results, "C2.2"), Outcome::Confirm);
        assert_eq!(outcome(&results, "C2.3"), Outcome::Confirm);
    }

    proptest::proptest! {
        /// Whatever the form says, every clause gets exactly one result with an explanation.
        #[test]
        fn every_clause_is_always_answered(area in 0u32..5000, staff in 0u32..50, own in 0u32..1000, open in proptest::bool::ANY) {
            let policy = PolicyDocument::builtin();
            let mut form = complete_form(policy);
            form.sites[0].area_m2 = area;
            form.team.full_time_staff = staff;
            form.trainees.own_staff = own;
            form.profile.open_to_region = open;
            let results = assess(&college(), &form, policy);
            proptest::prop_assert_eq!(results.len(), CLAUSES.len());
            for r in results {
                proptest::prop_assert!(!r.explanation.is_empty() && !r.applicant_explanation.is_empty());
            }
        }
    }
}
