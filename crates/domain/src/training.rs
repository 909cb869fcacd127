//! What a recognised base records of its training (PRODUCT.md §4; clauses C2.2, C2.3, C3.1):
//! training projects, classes, trainees, enrolments, master–apprentice pairs and competitions.
//!
//! Every record is checked here from what a form, the API or a roster row brings (text), and
//! every problem of the record is said at once, by field, in Chinese. The checks know nothing
//! of storage: whether a class belongs to the base or a trainee is already on file is `app`'s.

use chrono::NaiveDate;

use crate::dictionary::Dictionary;
use crate::fields::FieldError;
use crate::occupation::OccupationCode;
use crate::resident_id::ResidentId;
use crate::uscc::Uscc;

crate::dictionary! {
    /// A vocational skill level (职业技能等级), as certificates name them.
    Level {
        Five = ("5", "五级/初级工"),
        Four = ("4", "四级/中级工"),
        Three = ("3", "三级/高级工"),
        Two = ("2", "二级/技师"),
        One = ("1", "一级/高级技师"),
    }

    /// Which criterion of C2.2 a training project meets (at least one).
    Criterion {
        KeyIndustry = ("key_industry", "区重点产业、特色产业"),
        LargeDemand = ("large_demand", "区内需求量大"),
        TraditionalSkill = ("traditional_skill", "传统技能保护"),
        StableEmployment = ("stable_employment", "其他稳就业项目"),
    }

    /// How a class is run (C3.1).
    Mode {
        SelfRun = ("self_run", "自主培训"),
        JointCollege = ("joint_college", "校企联合培训"),
        MasterApprentice = ("master_apprentice", "高师带徒"),
        Competition = ("competition", "技能竞赛集训"),
        Targeted = ("targeted", "定向培训"),
    }

    /// What is new in a class's content (C3.1: 新技术、新工艺、新设备、新材料).
    Innovation {
        Technology = ("technology", "新技术"),
        Process = ("process", "新工艺"),
        Equipment = ("equipment", "新设备"),
        Material = ("material", "新材料"),
    }

    /// How a trainee's employer stands to the base (C2.3: supply-chain companies).
    Relation {
        Own = ("own", "本单位"),
        Upstream = ("upstream", "上游企业"),
        Downstream = ("downstream", "下游企业"),
        Other = ("other", "其他单位"),
    }

    /// Who a trainee is (C2.3, C3.1 key employment groups).
    Category {
        OwnEmployee = ("own_employee", "本单位职工"),
        Student = ("student", "在校学生"),
        SupplyChain = ("supply_chain", "产业链上下游企业职工"),
        Graduate = ("graduate", "高校毕业生"),
        Veteran = ("veteran", "退役军人"),
        MigrantWorker = ("migrant_worker", "农民工"),
        Unemployed = ("unemployed", "失业人员"),
        EmploymentDifficulty = ("employment_difficulty", "就业困难人员"),
    }

    /// Where an enrolment stands.
    Completion {
        Enrolled = ("enrolled", "在训"),
        Completed = ("completed", "结业"),
        Withdrawn = ("withdrawn", "退训"),
    }

    /// An enrolment's assessed result.
    Outcome {
        Pending = ("pending", "未考核"),
        Passed = ("passed", "合格"),
        Failed = ("failed", "不合格"),
    }

    /// A competition's level.
    CompetitionLevel {
        Base = ("base", "基地级"),
        District = ("district", "区级"),
        Municipal = ("municipal", "市级"),
        National = ("national", "国家级"),
        WorldSkills = ("world_skills", "世界技能大赛"),
    }

    /// Where a master–apprentice pair stands.
    PairOutcome {
        Ongoing = ("ongoing", "带教中"),
        Completed = ("completed", "已出师"),
        Ended = ("ended", "提前终止"),
    }
}

impl Category {
    /// The key employment groups (重点就业群体) targeted training is for.
    pub fn is_key_group(self) -> bool {
        matches!(
            self,
            Category::Graduate
                | Category::Veteran
                | Category::MigrantWorker
                | Category::Unemployed
                | Category::EmploymentDifficulty
        )
    }
}

impl Relation {
    /// An upstream or downstream company (产业链上下游).
    pub fn is_supply_chain(self) -> bool {
        matches!(self, Relation::Upstream | Relation::Downstream)
    }
}

/// The longest class, in hours.
pub const MAX_CLASS_HOURS: u32 = 2_000;

/// One record's problems, gathered field by field.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Checks::default()
    }

    /// Records a problem.
    pub fn fail(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// Trimmed text of 1 to `max` characters.
    pub fn text(&mut self, field: &str, value: &str, label: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.fail(field, "required", format!("请填写{label}"));
        } else if value.chars().count() > max {
            self.fail(field, "too_long", format!("{label}不能超过 {max} 字"));
        }
        value.to_owned()
    }

    /// Trimmed text of at most `max` characters, `None` when empty.
    pub fn optional_text(&mut self, field: &str, value: &str, label: &str, max: usize) -> Option<String> {
        let value = value.trim();
        if value.chars().count() > max {
            self.fail(field, "too_long", format!("{label}不能超过 {max} 字"));
        }
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// One value of a dictionary, by code or label.
    pub fn choice<D: Dictionary>(&mut self, field: &str, value: &str, label: &str) -> Option<D> {
        if value.trim().is_empty() {
            self.fail(field, "required", format!("请选择{label}"));
            return None;
        }
        let found = D::from_text(value);
        if found.is_none() {
            self.fail(field, D::UNKNOWN, format!("{label}须为以下之一：{}", D::labels().join("、")));
        }
        found
    }

    /// Several values of a dictionary (at least one when `required`), in the dictionary's order.
    pub fn choices<D: Dictionary>(&mut self, field: &str, values: &[String], label: &str, required: bool) -> Vec<D> {
        let mut found = Vec::new();
        for value in values.iter().flat_map(|v| v.split(['、', ',', '，', ';', '；'])).map(str::trim) {
            if value.is_empty() {
                continue;
            }
            match D::from_text(value) {
                Some(v) => found.push(v),
                None => {
                    self.fail(field, D::UNKNOWN, format!("{label}须为以下之一：{}", D::labels().join("、")));
                    return Vec::new();
                }
            }
        }
        if required && found.is_empty() {
            self.fail(field, "required", format!("请至少选择一项{label}"));
        }
        D::ALL.iter().copied().filter(|v| found.contains(v)).collect()
    }

    /// A date written `YYYY-MM-DD` (a workbook's date cell arrives already so written).
    pub fn date(&mut self, field: &str, value: &str, label: &str) -> Option<NaiveDate> {
        let value = value.trim();
        if value.is_empty() {
            self.fail(field, "required", format!("请填写{label}"));
            return None;
        }
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
        if date.is_none() {
            self.fail(field, "invalid_date", format!("{label}须为日期，格式 YYYY-MM-DD"));
        }
        date
    }

    /// An end date not before its start.
    pub fn period(&mut self, field: &str, starts: Option<NaiveDate>, ends: Option<NaiveDate>) {
        if let (Some(starts), Some(ends)) = (starts, ends)
            && ends < starts
        {
            self.fail(field, "ends_before_start", "结束日期不能早于开始日期");
        }
    }

    /// A whole number in `range`.
    pub fn count(
        &mut self,
        field: &str,
        value: &str,
        label: &str,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let value = value.trim();
        if value.is_empty() {
            self.fail(field, "required", format!("请填写{label}"));
            return None;
        }
        match value.parse::<u32>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.fail(
                    field,
                    "out_of_range",
                    format!("{label}须为 {} 至 {} 之间的整数", range.start(), range.end()),
                );
                None
            }
        }
    }

    /// An occupation of the national classification, by its code.
    pub fn occupation(&mut self, field: &str, value: &str) -> Option<OccupationCode> {
        match OccupationCode::parse(value) {
            Ok(code) => Some(code),
            Err(e) => {
                self.fail(field, e.code(), e.to_string());
                None
            }
        }
    }

    /// The record, or every problem found.
    pub fn finish<T>(self, record: Option<T>) -> Result<T, Vec<FieldError>> {
        match record {
            Some(record) if self.errors.is_empty() => Ok(record),
            _ => Err(self.errors),
        }
    }

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

// ---------------------------------------------------------------- projects

/// A training project as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectInput {
    pub occupation: String,
    pub levels: Vec<String>,
    pub criteria: Vec<String>,
    pub description: String,
}

/// A training project (C2.2): a skilled occupation, the levels trained, the criteria met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub occupation: OccupationCode,
    pub levels: Vec<Level>,
    pub criteria: Vec<Criterion>,
    pub description: Option<String>,
}

pub fn check_project(input: &ProjectInput) -> Result<Project, Vec<FieldError>> {
    let mut checks = Checks::new();
    let occupation = checks.occupation("occupation", &input.occupation);
    let levels = checks.choices("levels", &input.levels, "培训等级", true);
    let criteria = checks.choices("criteria", &input.criteria, "符合的项目条件（政策第二条第二款）", true);
    let description = checks.optional_text("description", &input.description, "项目说明", 500);
    let project = occupation.map(|occupation| Project { occupation, levels, criteria, description });
    checks.finish(project)
}

// ---------------------------------------------------------------- classes

/// A class as posted (or as a roster row brings it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassInput {
    pub name: String,
    pub mode: String,
    pub college: String,
    pub target_group: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hours: String,
    pub place: String,
    pub teachers: String,
    pub innovations: Vec<String>,
}

impl ClassInput {
    /// The input of the fields `get` reads by name (a form, a roster row), with the
    /// innovations as given.
    pub fn from_fields(get: impl Fn(&str) -> String, innovations: Vec<String>) -> ClassInput {
        ClassInput {
            name: get("name"),
            mode: get("mode"),
            college: get("college"),
            target_group: get("target_group"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            hours: get("hours"),
            place: get("place"),
            teachers: get("teachers"),
            innovations,
        }
    }
}

/// A class of a training project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: String,
    pub mode: Mode,
    /// The vocational college of a joint class.
    pub college: Option<String>,
    /// The key employment group of a targeted class.
    pub target_group: Option<Category>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hours: u32,
    pub place: String,
    pub teachers: String,
    pub innovations: Vec<Innovation>,
}

pub fn check_class(input: &ClassInput) -> Result<Class, Vec<FieldError>> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, "班级名称", 100);
    let mode = checks.choice::<Mode>("mode", &input.mode, "培训方式");
    let college = checks.optional_text("college", &input.college, "联合培训的职业院校", 100);
    if mode == Some(Mode::JointCollege) && college.is_none() {
        checks.fail("college", "required", "校企联合培训须写明合作的职业院校");
    }
    let target_group = if mode == Some(Mode::Targeted) {
        let group = checks.choice::<Category>("target_group", &input.target_group, "定向培训的重点群体");
        if group.is_some_and(|g| !g.is_key_group()) {
            checks.fail(
                "target_group",
                "not_key_group",
                "定向培训的对象须为重点就业群体：高校毕业生、退役军人、农民工、失业人员或就业困难人员",
            );
        }
        group
    } else {
        None
    };
    let starts_on = checks.date("starts_on", &input.starts_on, "开班日期");
    let ends_on = checks.date("ends_on", &input.ends_on, "结业日期");
    checks.period("ends_on", starts_on, ends_on);
    let hours = checks.count("hours", &input.hours, "培训课时", 1..=MAX_CLASS_HOURS);
    let place = checks.text("place", &input.place, "培训地点", 200);
    let teachers = checks.text("teachers", &input.teachers, "授课教师", 200);
    let innovations = checks.choices("innovations", &input.innovations, "新技术、新工艺、新设备、新材料", false);
    let class = match (mode, starts_on, ends_on, hours) {
        (Some(mode), Some(starts_on), Some(ends_on), Some(hours)) => Some(Class {
            name,
            mode,
            college: college.filter(|_| mode == Mode::JointCollege),
            target_group,
            starts_on,
            ends_on,
            hours,
            place,
            teachers,
            innovations,
        }),
        _ => None,
    };
    checks.finish(class)
}

// ---------------------------------------------------------------- trainees

/// A trainee as posted (or as a roster row brings it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraineeInput {
    pub name: String,
    pub resident_id: String,
    pub phone: String,
    pub employer: String,
    pub employer_uscc: String,
    pub relation: String,
    pub category: String,
}

/// A mainland mobile number (11 digits from 1) or a landline (区号-号码).
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Option<Phone> {
        let text = text.trim();
        let digits: String = text.chars().filter(|c| *c != '-' && *c != ' ').collect();
        let mobile = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
        let landline =
            text.starts_with('0') && (10..=12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        (mobile || landline).then_some(Phone(digits))
    }

    /// The number itself: sealed at rest, shown only masked.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// The first three and last four digits of a phone number, the rest starred.
pub fn mask_phone(digits: &str) -> String {
    let count = digits.chars().count();
    if count < 8 {
        return "*".repeat(count);
    }
    let head: String = digits.chars().take(3).collect();
    let tail: String = digits.chars().skip(count - 4).collect();
    format!("{head}{}{tail}", "*".repeat(count - 7))
}

/// A trainee: one person, once per base, however many classes they take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trainee {
    pub name: String,
    pub resident_id: ResidentId,
    pub phone: Option<Phone>,
    /// The employer or school; `None` for the base itself (本单位).
    pub employer: Option<String>,
    pub employer_uscc: Option<Uscc>,
    pub relation: Relation,
    pub category: Category,
}

/// Checks a trainee on `today` (a birth date after it is refused). No message repeats the ID
/// number: a roster report and the logs must never carry it.
pub fn check_trainee(input: &TraineeInput, today: NaiveDate) -> Result<Trainee, Vec<FieldError>> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, "姓名", 50);
    let resident_id = if input.resident_id.trim().is_empty() {
        checks.fail("resident_id", "required", "请填写居民身份证号码");
        None
    } else {
        match ResidentId::parse_at(&input.resident_id, today) {
            Ok(id) => Some(id),
            Err(e) => {
                checks.fail("resident_id", e.code(), e.to_string());
                None
            }
        }
    };
    let phone = if input.phone.trim().is_empty() {
        None
    } else {
        let phone = Phone::parse(&input.phone);
        if phone.is_none() {
            checks.fail("phone", "invalid_phone", "联系电话须为 11 位手机号码，或带区号的固定电话");
        }
        phone
    };
    let relation = checks.choice::<Relation>("relation", &input.relation, "与基地的关系");
    let category = checks.choice::<Category>("category", &input.category, "人员类别");
    let employer = checks.optional_text("employer", &input.employer, "工作单位或学校", 100);
    let employer_uscc = if input.employer_uscc.trim().is_empty() {
        None
    } else {
        match Uscc::parse(&input.employer_uscc) {
            Ok(uscc) => Some(uscc),
            Err(e) => {
                checks.fail("employer_uscc", e.code(), e.to_string());
                None
            }
        }
    };
    if let Some(relation) = relation {
        if relation != Relation::Own && employer.is_none() {
            checks.fail("employer", "required", "非本单位人员须填写工作单位或学校");
        }
        if relation.is_supply_chain() && employer_uscc.is_none() && input.employer_uscc.trim().is_empty() {
            checks.fail("employer_uscc", "required", "上下游企业须填写统一社会信用代码");
        }
        if category == Some(Category::SupplyChain) && !relation.is_supply_chain() {
            checks.fail(
                "relation",
                "supply_chain_relation",
                "产业链上下游企业职工的单位须为基地的上游或下游企业（政策第二条第三款）",
            );
        }
    }
    let trainee = match (resident_id, relation, category) {
        (Some(resident_id), Some(relation), Some(category)) => Some(Trainee {
            name,
            resident_id,
            phone,
            employer: employer.filter(|_| relation != Relation::Own),
            employer_uscc,
            relation,
            category,
        }),
        _ => None,
    };
    checks.finish(trainee)
}

// ---------------------------------------------------------------- enrolments

/// An enrolment's progress as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrolmentInput {
    pub hours: String,
    pub completion: String,
    pub outcome: String,
}

/// A trainee's attendance and result in one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolment {
    pub hours: u32,
    pub completion: Completion,
    pub outcome: Outcome,
}

/// Checks an enrolment against its class's hours. An empty completion is 在训 and an empty
/// result 未考核; a result other than 未考核 needs the class to be finished (结业).
pub fn check_enrolment(input: &EnrolmentInput, class_hours: u32) -> Result<Enrolment, Vec<FieldError>> {
    let mut checks = Checks::new();
    let hours = if input.hours.trim().is_empty() {
        Some(0)
    } else {
        checks.count("hours", &input.hours, "出勤课时", 0..=class_hours)
    };
    let completion = if input.completion.trim().is_empty() {
        Some(Completion::Enrolled)
    } else {
        checks.choice::<Completion>("completion", &input.completion, "结业情况")
    };
    let outcome = if input.outcome.trim().is_empty() {
        Some(Outcome::Pending)
    } else {
        checks.choice::<Outcome>("outcome", &input.outcome, "考核结果")
    };
    if let (Some(completion), Some(outcome)) = (completion, outcome)
        && outcome != Outcome::Pending
        && completion != Completion::Completed
    {
        checks.fail("outcome", "not_completed", "结业后才能登记考核结果");
    }
    let enrolment = match (hours, completion, outcome) {
        (Some(hours), Some(completion), Some(outcome)) => Some(Enrolment { hours, completion, outcome }),
        _ => None,
    };
    checks.finish(enrolment)
}

// ---------------------------------------------------------------- master–apprentice pairs

/// A master–apprentice pair as posted (the apprentice is chosen among the trainees).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairInput {
    pub master: String,
    pub master_title: String,
    pub occupation: String,
    pub starts_on: String,
    pub ends_on: String,
    pub outcome: String,
}

/// 高师带徒: a master teaches one apprentice an occupation over a period, under an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub master: String,
    pub master_title: Option<String>,
    pub occupation: OccupationCode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub outcome: PairOutcome,
}

pub fn check_pair(input: &PairInput) -> Result<Pair, Vec<FieldError>> {
    let mut checks = Checks::new();
    let master = checks.text("master", &input.master, "师傅姓名", 50);
    let master_title = checks.optional_text("master_title", &input.master_title, "师傅的职称或技能等级", 100);
    let occupation = checks.occupation("occupation", &input.occupation);
    let starts_on = checks.date("starts_on", &input.starts_on, "带教开始日期");
    let ends_on = checks.date("ends_on", &input.ends_on, "带教结束日期");
    checks.period("ends_on", starts_on, ends_on);
    let outcome = if input.outcome.trim().is_empty() {
        Some(PairOutcome::Ongoing)
    } else {
        checks.choice::<PairOutcome>("outcome", &input.outcome, "带教结果")
    };
    let pair = match (occupation, starts_on, ends_on, outcome) {
        (Some(occupation), Some(starts_on), Some(ends_on), Some(outcome)) => {
            Some(Pair { master, master_title, occupation, starts_on, ends_on, outcome })
        }
        _ => None,
    };
    checks.finish(pair)
}

// ---------------------------------------------------------------- competitions

/// A competition as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompetitionInput {
    pub name: String,
    pub level: String,
    pub held_on: String,
    pub organizer: String,
}

/// A skill competition the base held or sent trainees to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competition {
    pub name: String,
    pub level: CompetitionLevel,
    pub held_on: NaiveDate,
    pub organizer: Option<String>,
}

/// Checks a competition held on or before `today`.
pub fn check_competition(input: &CompetitionInput, today: NaiveDate) -> Result<Competition, Vec<FieldError>> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, "竞赛名称", 100);
    let level = checks.choice::<CompetitionLevel>("level", &input.level, "竞赛级别");
    let held_on = checks.date("held_on", &input.held_on, "举办日期");
    if held_on.is_some_and(|d| d > today) {
        checks.fail("held_on", "date_in_future", "举办日期不能晚于今天");
    }
    let organizer = checks.optional_text("organizer", &input.organizer, "主办单位", 100);
    let competition = match (level, held_on) {
        (Some(level), Some(held_on)) => Some(Competition { name, level, held_on, organizer }),
        _ => None,
    };
    checks.finish(competition)
}

/// A participant's result as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryInput {
    pub result: String,
    pub award: String,
}

/// One participant's result in a competition (名次, 奖项).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub result: String,
    pub award: Option<String>,
}

pub fn check_entry(input: &EntryInput) -> Result<Entry, Vec<FieldError>> {
    let mut checks = Checks::new();
    let result = checks.text("result", &input.result, "成绩或名次", 100);
    let award = checks.optional_text("award", &input.award, "所获奖项", 100);
    checks.finish(Some(Entry { result, award }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    fn trainee() -> TraineeInput {
        TraineeInput {
            name: "张三".into(),
            resident_id: "11010519491231002X".into(),
            phone: "13812345678".into(),
            employer: String::new(),
            employer_uscc: String::new(),
            relation: "本单位".into(),
            category: "own_employee".into(),
        }
    }

    #[test]
    fn a_trainee_of_the_base_needs_no_employer() {
        let t = check_trainee(&trainee(), today()).expect("valid");
        assert_eq!(t.relation, Relation::Own);
        assert_eq!(t.category, Category::OwnEmployee);
        assert_eq!(t.resident_id.masked(), "1101**********002X");
        assert_eq!(t.phone.as_ref().map(Phone::masked).as_deref(), Some("138****5678"));
        assert_eq!(t.employer, None);
    }

    #[test]
    fn a_supply_chain_worker_names_an_upstream_or_downstream_company_by_uscc() {
        let mut input = trainee();
        input.category = "supply_chain".into();
        input.relation = "other".into();
        let errors = check_trainee(&input, today()).expect_err("relation");
        assert_eq!(codes(&errors), [("employer", "required"), ("relation", "supply_chain_relation")]);
        input.relation = "upstream".into();
        input.employer = "上海某物流有限公司".into();
        let errors = check_trainee(&input, today()).expect_err("uscc");
        assert_eq!(codes(&errors), [("employer_uscc", "required")]);
        input.employer_uscc = "91310118MA1JL0XX1X".into();
        let errors = check_trainee(&input, today()).expect_err("bad uscc");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "employer_uscc");
    }

    #[test]
    fn every_problem_of_a_trainee_is_said_at_once_and_none_repeats_the_number() {
        let input = TraineeInput {
            name: String::new(),
            resident_id: "110105194912310021".into(),
            phone: "12345".into(),
            relation: "朋友".into(),
            category: String::new(),
            ..TraineeInput::default()
        };
        let errors = check_trainee(&input, today()).expect_err("invalid");
        assert_eq!(
            codes(&errors),
            [
                ("name", "required"),
                ("resident_id", "resident_id_check"),
                ("phone", "invalid_phone"),
                ("relation", "not_in_dictionary"),
                ("category", "required"),
            ]
        );
        assert!(errors.iter().all(|e| !e.message.contains("110105194912310021")));
        assert!(errors.iter().all(|e| !e.message.contains("1949")));
    }

    #[test]
    fn a_joint_class_names_its_college_and_a_targeted_class_a_key_group() {
        let mut input = ClassInput {
            name: "电工中级班".into(),
            mode: "joint_college".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-02-01".into(),
            hours: "0".into(),
            place: "实训楼".into(),
            teachers: "李四".into(),
            innovations: vec!["新技术、新材料".into()],
            ..ClassInput::default()
        };
        let errors = check_class(&input).expect_err("invalid");
        assert_eq!(
            codes(&errors),
            [("college", "required"), ("ends_on", "ends_before_start"), ("hours", "out_of_range")]
        );
        input.mode = "定向培训".into();
        input.target_group = "本单位职工".into();
        input.ends_on = "2026-04-01".into();
        input.hours = "120".into();
        let errors = check_class(&input).expect_err("not a key group");
        assert_eq!(codes(&errors), [("target_group", "not_key_group")]);
        input.target_group = "退役军人".into();
        let class = check_class(&input).expect("valid");
        assert_eq!(class.target_group, Some(Category::Veteran));
        assert_eq!(class.innovations, [Innovation::Technology, Innovation::Material]);
        assert_eq!(class.college, None);
    }

    #[test]
    fn a_project_meets_at_least_one_criterion_of_c2_2() {
        let mut input = ProjectInput {
            occupation: "6-31-01-02".into(),
            levels: vec!["4".into(), "3".into()],
            criteria: vec![],
            description: String::new(),
        };
        let errors = check_project(&input).expect_err("no criterion");
        assert_eq!(codes(&errors), [("criteria", "required")]);
        input.criteria = vec!["large_demand".into()];
        let project = check_project(&input).expect("valid");
        assert_eq!(project.levels, [Level::Four, Level::Three]);
    }

    #[test]
    fn a_result_needs_a_finished_class_and_hours_fit_the_class() {
        let input = EnrolmentInput { hours: "41".into(), completion: "在训".into(), outcome: "合格".into() };
        let errors = check_enrolment(&input, 40).expect_err("invalid");
        assert_eq!(codes(&errors), [("hours", "out_of_range"), ("outcome", "not_completed")]);
        let ok = check_enrolment(&EnrolmentInput::default(), 40).expect("defaults");
        assert_eq!((ok.hours, ok.completion, ok.outcome), (0, Completion::Enrolled, Outcome::Pending));
    }

    #[test]
    fn phones_are_masked_and_checked() {
        assert_eq!(Phone::parse("021-69221234").map(|p| p.masked()).as_deref(), Some("021****1234"));
        assert!(Phone::parse("2345678901").is_none());
        assert!(Phone::parse("1381234567a").is_none());
        assert_eq!(format!("{:?}", Phone::parse("13812345678")), "Some(Phone(138****5678))");
    }

    proptest! {
        #[test]
        fn any_trainee_input_is_judged_without_panicking(
            name in ".{0,60}", id in "[0-9Xx ]{0,20}", phone in "[0-9 -]{0,14}",
            relation in prop::sample::select(vec!["", "own", "upstream", "本单位", "x"]),
            category in prop::sample::select(vec!["", "student", "supply_chain", "退役军人", "?"]),
        ) {
            let input = TraineeInput {
                name, resident_id: id, phone, relation: relation.into(), category: category.into(),
                ..TraineeInput::default()
            };
            match check_trainee(&input, today()) {
                Ok(t) => prop_assert!(!t.name.is_empty()),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    let number = input.resident_id.trim();
                    if number.chars().count() >= 6 {
                        prop_assert!(errors.iter().all(|e| !e.message.contains(number)));
                    }
                }
            }
        }
    }
}
