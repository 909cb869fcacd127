//! An application's form as people read it (staff on the application's page, an expert on an
//! assignment): every id in the policy's words, every file a link the caller chooses.

use skillbase_domain::application::ApplicationForm;
use skillbase_domain::ids::AttachmentId;
use skillbase_domain::policy::PolicyDocument;

#[derive(Debug)]
pub(crate) struct Fact {
    pub(crate) label: &'static str,
    pub(crate) value: String,
}

pub(crate) fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    Fact { label, value: value.into() }
}

#[derive(Debug, Clone)]
pub(crate) struct FileLink {
    pub(crate) name: String,
    pub(crate) href: String,
}

#[derive(Debug)]
pub(crate) struct EquipmentView {
    pub(crate) name: String,
    pub(crate) quantity: u32,
    pub(crate) value: String,
}

#[derive(Debug)]
pub(crate) struct SiteView {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) area_m2: u32,
    pub(crate) equipment: Vec<EquipmentView>,
    pub(crate) photos: Vec<FileLink>,
}

#[derive(Debug)]
pub(crate) struct ExpertView {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) qualification: String,
}

#[derive(Debug)]
pub(crate) struct RuleDocumentView {
    pub(crate) kind: String,
    pub(crate) document: Option<FileLink>,
    pub(crate) wall_photo: Option<FileLink>,
}

#[derive(Debug)]
pub(crate) struct ClaimView {
    pub(crate) basis: String,
    pub(crate) description: String,
    pub(crate) certificate: Option<FileLink>,
}

#[derive(Debug)]
pub(crate) struct ProjectView {
    pub(crate) code: String,
    pub(crate) occupation: String,
    pub(crate) levels: String,
    pub(crate) criteria: String,
    pub(crate) annual_capacity: u32,
    pub(crate) description: String,
}

#[derive(Debug)]
pub(crate) struct CompanyView {
    pub(crate) name: String,
    pub(crate) uscc: String,
    pub(crate) relation: &'static str,
}

/// The whole form, read-only, every id turned into the policy's words.
#[derive(Debug)]
pub(crate) struct FormView {
    pub(crate) profile: Vec<Fact>,
    pub(crate) sites: Vec<SiteView>,
    pub(crate) team: Vec<Fact>,
    pub(crate) experts: Vec<ExpertView>,
    pub(crate) rule_documents: Vec<RuleDocumentView>,
    pub(crate) priority_claims: Vec<ClaimView>,
    pub(crate) projects: Vec<ProjectView>,
    pub(crate) trainees: Vec<Fact>,
    pub(crate) supply_chain: Vec<CompanyView>,
    pub(crate) commitment_letter: Option<FileLink>,
}

pub(crate) fn yes_no(value: bool) -> &'static str {
    if value { "是" } else { "否" }
}

pub(crate) fn or_blank(text: &str) -> String {
    if text.trim().is_empty() { "（未填写）".to_owned() } else { text.to_owned() }
}

pub(crate) fn form_view(
    form: &ApplicationForm,
    policy: &PolicyDocument,
    link: &dyn Fn(AttachmentId) -> FileLink,
) -> FormView {
    let p = &form.profile;
    let industry = policy.industry(&p.industry).map_or_else(|| or_blank(&p.industry), |i| i.name().to_owned());
    FormView {
        profile: vec![
            fact("所属重点产业", industry),
            fact("注册地行政区划代码", or_blank(&p.registered_division)),
            fact("技能人才实训组织实施经验", or_blank(&p.training_experience)),
            fact("愿意为区域技能人才提供实训条件", yes_no(p.open_to_region)),
        ],
        sites: form
            .sites
            .iter()
            .map(|s| SiteView {
                name: or_blank(&s.name),
                address: or_blank(&s.address),
                area_m2: s.area_m2,
                equipment: s
                    .equipment
                    .iter()
                    .map(|e| EquipmentView {
                        name: or_blank(&e.name),
                        quantity: e.quantity,
                        value: e.value.to_string(),
                    })
                    .collect(),
                photos: s.photos.iter().map(|id| link(*id)).collect(),
            })
            .collect(),
        team: vec![
            fact("专门负责部门", or_blank(&form.team.department)),
            fact("专职人员", format!("{} 人", form.team.full_time_staff)),
        ],
        experts: form
            .team
            .experts
            .iter()
            .map(|e| ExpertView {
                name: or_blank(&e.name),
                title: e.title.clone(),
                qualification: e.qualification.clone(),
            })
            .collect(),
        rule_documents: form
            .rule_documents
            .iter()
            .map(|d| RuleDocumentView {
                kind: policy.rule_document(&d.kind).map_or_else(|| d.kind.clone(), |k| k.name().to_owned()),
                document: d.document.map(link),
                wall_photo: d.wall_photo.map(link),
            })
            .collect(),
        priority_claims: form
            .priority_claims
            .iter()
            .map(|c| ClaimView {
                basis: policy.priority_basis(&c.basis).map_or_else(|| c.basis.clone(), |b| b.name().to_owned()),
                description: c.description.clone(),
                certificate: c.certificate.map(link),
            })
            .collect(),
        projects: form
            .projects
            .iter()
            .map(|p| ProjectView {
                code: p.occupation.as_str().to_owned(),
                occupation: p.occupation.name().to_owned(),
                levels: p.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、"),
                criteria: p
                    .criteria
                    .iter()
                    .map(|c| policy.project_criterion(c).map_or_else(|| c.clone(), |k| k.name().to_owned()))
                    .collect::<Vec<_>>()
                    .join("；"),
                annual_capacity: p.annual_capacity,
                description: p.description.clone(),
            })
            .collect(),
        trainees: vec![
            fact("本单位技能岗位从业人员", format!("{} 人", form.trainees.own_staff)),
            fact("院校学生", format!("{} 人", form.trainees.students)),
        ],
        supply_chain: form
            .trainees
            .supply_chain
            .iter()
            .map(|c| CompanyView {
                name: c.name.clone(),
                uscc: c.uscc.as_str().to_owned(),
                relation: c.relation.label(),
            })
            .collect(),
        commitment_letter: form.commitment_letter.map(link),
    }
}
