//! Parsing a step's posted inputs into its typed section of the form, every problem at its path.

use super::*;

// ---------------------------------------------------------------------------------------------
// Parsing a step into its typed section

/// Stored paths of list entries and the paths they were posted under (a blank row is not
/// stored, so the rows after it move up); a domain error about a stored entry is shown at the
/// row that was typed.
#[derive(Debug, Default)]
pub(super) struct Renumbering(pub(super) Vec<(String, String)>);

impl Renumbering {
    pub(super) fn add(&mut self, stored: String, posted: String) {
        self.0.push((stored, posted));
    }

    pub(super) fn posted(&self, path: &str) -> String {
        match self.0.iter().filter(|(stored, _)| above_or_at(path, stored)).max_by_key(|(stored, _)| stored.len()) {
            Some((stored, posted)) => format!("{posted}{}", &path[stored.len()..]),
            None => path.to_owned(),
        }
    }
}

/// Collects the problems of a step's inputs while turning them into typed values.
pub(super) struct Parser<'a> {
    pub(super) files: &'a [Attachment],
    pub(super) errors: Vec<FieldError>,
    pub(super) renumbering: Renumbering,
}

/// Counts larger than this are typing errors.
pub(super) const MAX_COUNT: u32 = 10_000_000;

/// Full-width digits (typed with a Chinese input method) as ASCII.
pub(super) fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            c => c,
        })
        .collect()
}

impl Parser<'_> {
    pub(super) fn error(&mut self, field: String, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A whole number; empty is 0 (whether it is required is asked on submit).
    pub(super) fn count(&mut self, text: &str, field: String, message: &str) -> u32 {
        let text = ascii_digits(text);
        if text.is_empty() {
            return 0;
        }
        match text.parse::<u32>() {
            Ok(n) if n <= MAX_COUNT => n,
            _ => {
                self.error(field, "invalid_number", message);
                0
            }
        }
    }

    /// An amount in 元; empty is zero.
    pub(super) fn money(&mut self, text: &str, field: String) -> Money {
        let text = ascii_digits(text);
        if text.is_empty() {
            return Money::ZERO;
        }
        match Money::parse(&text) {
            Ok(money) => money,
            Err(e) => {
                self.error(field, e.code(), e.to_string());
                Money::ZERO
            }
        }
    }

    /// One of this application's uploaded files; empty is none.
    pub(super) fn file(&mut self, text: &str, field: String) -> Option<AttachmentId> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let found = AttachmentId::from_str(text).ok().filter(|id| self.files.iter().any(|f| f.id == *id));
        if found.is_none() {
            self.error(field, "unknown_attachment", "请从本申报已上传的附件中选择");
        }
        found
    }
}

pub(super) fn text(s: &str) -> String {
    s.trim().to_owned()
}

/// The stored form with the step's section replaced by what was posted, and the problems found.
pub(super) fn parse(
    raw: &Raw,
    stored: &ApplicationForm,
    files: &[Attachment],
) -> (ApplicationForm, Vec<FieldError>, Renumbering) {
    let mut p = Parser { files, errors: Vec::new(), renumbering: Renumbering::default() };
    let mut form = stored.clone();
    match raw {
        Raw::Profile(r) => {
            form.profile = Profile {
                industry: text(&r.industry),
                registered_division: ascii_digits(&r.division),
                training_experience: text(&r.experience),
                open_to_region: r.open,
            };
        }
        Raw::Sites(rows) => {
            let mut sites = Vec::new();
            for (i, s) in rows.iter().enumerate() {
                if s.is_blank() {
                    continue;
                }
                let k = sites.len();
                p.renumbering.add(format!("sites[{k}]"), format!("sites[{i}]"));
                let area_m2 = p.count(&s.area, format!("sites[{i}].area_m2"), "场地面积应填写整数（平方米），如 800");
                let mut equipment = Vec::new();
                for (j, e) in s.equipment.iter().enumerate() {
                    if e.is_blank() {
                        continue;
                    }
                    p.renumbering.add(
                        format!("sites[{k}].equipment[{}]", equipment.len()),
                        format!("sites[{i}].equipment[{j}]"),
                    );
                    equipment.push(Equipment {
                        name: text(&e.name),
                        quantity: p.count(&e.quantity, format!("sites[{i}].equipment[{j}].quantity"), "数量应填写整数"),
                        value: p.money(&e.value, format!("sites[{i}].equipment[{j}].value")),
                    });
                }
                let mut photos = Vec::new();
                for photo in &s.photos {
                    if let Some(id) = p.file(photo, format!("sites[{i}].photos"))
                        && !photos.contains(&id)
                    {
                        photos.push(id);
                    }
                }
                sites.push(Site { name: text(&s.name), address: text(&s.address), area_m2, equipment, photos });
            }
            form.sites = sites;
        }
        Raw::Team(r) => {
            let full_time_staff = p.count(&r.staff, "team.full_time_staff".into(), "专职人员数应填写整数");
            let mut experts = Vec::new();
            for (i, e) in r.experts.iter().enumerate() {
                if e.is_blank() {
                    continue;
                }
                p.renumbering.add(format!("team.experts[{}]", experts.len()), format!("team.experts[{i}]"));
                experts.push(TeamExpert {
                    name: text(&e.name),
                    title: text(&e.title),
                    qualification: text(&e.qualification),
                });
            }
            form.team = Team { department: text(&r.department), full_time_staff, experts };
        }
        Raw::Rules(rows) => {
            form.rule_documents = rows
                .iter()
                .enumerate()
                .map(|(i, r)| RuleDocument {
                    kind: r.kind.clone(),
                    document: p.file(&r.document, format!("rule_documents[{i}].document")),
                    wall_photo: p.file(&r.wall_photo, format!("rule_documents[{i}].wall_photo")),
                })
                .collect();
        }
        Raw::Priority(rows) => {
            let mut claims = Vec::new();
            for (i, c) in rows.iter().enumerate() {
                if c.is_blank() {
                    continue;
                }
                p.renumbering.add(format!("priority_claims[{}]", claims.len()), format!("priority_claims[{i}]"));
                if c.basis.trim().is_empty() {
                    p.error(format!("priority_claims[{i}].basis"), "required", "请选择优先认定依据");
                }
                claims.push(PriorityClaim {
                    basis: text(&c.basis),
                    description: text(&c.description),
                    certificate: p.file(&c.certificate, format!("priority_claims[{i}].certificate")),
                });
            }
            form.priority_claims = claims;
        }
        Raw::Projects(rows) => {
            let mut projects = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                if r.is_blank() {
                    continue;
                }
                let field = format!("projects[{i}].occupation");
                let occupation = if r.occupation.trim().is_empty() {
                    p.error(field, "required", "请填写职业（工种）编码");
                    None
                } else {
                    OccupationCode::parse(&r.occupation).map_err(|e| p.error(field, e.code(), e.to_string())).ok()
                };
                let annual_capacity =
                    p.count(&r.capacity, format!("projects[{i}].annual_capacity"), "年培训能力应填写整数（人次）");
                let levels: Vec<SkillLevel> =
                    SkillLevel::ALL.into_iter().filter(|l| r.levels.iter().any(|s| s == l.as_str())).collect();
                if let Some(occupation) = occupation {
                    p.renumbering.add(format!("projects[{}]", projects.len()), format!("projects[{i}]"));
                    projects.push(Project {
                        occupation,
                        levels,
                        criteria: r.criteria.clone(),
                        annual_capacity,
                        description: text(&r.description),
                    });
                }
            }
            form.projects = projects;
        }
        Raw::Trainees(r) => {
            let own_staff = p.count(&r.own_staff, "trainees.own_staff".into(), "人数应填写整数");
            let students = p.count(&r.students, "trainees.students".into(), "人数应填写整数");
            let mut supply_chain = Vec::new();
            for (i, c) in r.companies.iter().enumerate() {
                if c.is_blank() {
                    continue;
                }
                let at = |part: &str| format!("trainees.supply_chain[{i}].{part}");
                if c.name.trim().is_empty() {
                    p.error(at("name"), "required", "请填写企业名称");
                }
                let uscc = if c.uscc.trim().is_empty() {
                    p.error(at("uscc"), "required", "请填写统一社会信用代码");
                    None
                } else {
                    Uscc::parse(&c.uscc).map_err(|e| p.error(at("uscc"), e.code(), e.to_string())).ok()
                };
                let relation = match c.relation.as_str() {
                    "upstream" => Some(Relation::Upstream),
                    "downstream" => Some(Relation::Downstream),
                    _ => {
                        p.error(at("relation"), "required", "请选择上游或下游");
                        None
                    }
                };
                if let (Some(uscc), Some(relation)) = (uscc, relation) {
                    p.renumbering.add(
                        format!("trainees.supply_chain[{}]", supply_chain.len()),
                        format!("trainees.supply_chain[{i}]"),
                    );
                    supply_chain.push(SupplyChainCompany { name: text(&c.name), uscc, relation });
                }
            }
            form.trainees = Trainees { own_staff, students, supply_chain };
        }
        Raw::Letter(letter) => {
            form.commitment_letter = p.file(letter, "commitment_letter".into());
        }
    }
    (form, p.errors, p.renumbering)
}
