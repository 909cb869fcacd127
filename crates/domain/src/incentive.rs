//! The incentive records of a recognised base (PRODUCT.md §4; clause C3.2, 激励): the chief
//! technicians (首席技师) and skill-master studios (技能大师工作室) it appoints with their
//! allowances and working funds, the awards and commendations (表彰奖励) it gives, and its other
//! incentives for key skilled workers (疗休养、进修、健康体检, 实施意见第三条第二款第一项).
//!
//! As for the training records, a record is checked here from what a form or the API brings
//! (text), every problem at once, by field, in Chinese; amounts are typed in yuan
//! (`200000.00`) and held as [`Money`] (fen). The yearly figures the annual review reads are
//! [`YearSummary`].

use chrono::{Datelike, NaiveDate};

use crate::dictionary::Dictionary;
use crate::fields::FieldError;
use crate::money::Money;
use crate::occupation::OccupationCode;
use crate::training::Checks;

crate::dictionary! {
    /// What an incentive record is (the API's `kind`).
    IncentiveKind {
        ChiefTechnician = ("chief_technician", "首席技师"),
        MasterStudio = ("master_studio", "技能大师工作室"),
        Award = ("award", "表彰奖励"),
        Other = ("other", "其他激励"),
    }

    /// The level of an award or commendation.
    AwardLevel {
        Base = ("base", "基地级"),
        District = ("district", "区级"),
        Municipal = ("municipal", "市级"),
        National = ("national", "国家级"),
    }

    /// The other incentives the policy names for key skilled workers.
    Benefit {
        Recuperation = ("recuperation", "疗休养"),
        FurtherStudy = ("further_study", "进修"),
        HealthCheck = ("health_check", "健康体检"),
    }
}

impl IncentiveKind {
    /// An appointment (首席技师 or 技能大师工作室), which has a term.
    pub fn is_appointment(self) -> bool {
        matches!(self, IncentiveKind::ChiefTechnician | IncentiveKind::MasterStudio)
    }
}

/// An incentive record as posted: every field of every kind, as text; `kind` says which apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncentiveInput {
    pub kind: String,
    /// The person appointed, awarded or given the incentive.
    pub person: String,
    /// An appointment's occupation code.
    pub occupation: String,
    /// A studio's name.
    pub studio: String,
    /// An appointment's term.
    pub starts_on: String,
    pub ends_on: String,
    /// An appointment's allowance, yuan a month.
    pub allowance: String,
    /// An appointment's working funds, yuan (a studio's are required).
    pub funds: String,
    /// An award's title.
    pub title: String,
    pub level: String,
    /// An award's or another incentive's date.
    pub date: String,
    /// Who gave an award.
    pub awarded_by: String,
    /// An award's amount, yuan (optional).
    pub amount: String,
    /// Another incentive's kind (疗休养、进修、健康体检).
    pub benefit: String,
    pub description: String,
    /// Another incentive's cost, yuan (optional).
    pub cost: String,
}

/// The post of an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Post {
    ChiefTechnician,
    /// A skill-master studio and its name.
    MasterStudio {
        studio: String,
    },
}

/// A chief technician or skill-master studio appointed by the base, for a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub post: Post,
    pub person: String,
    pub occupation: OccupationCode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// 岗位津贴, a month.
    pub allowance: Money,
    /// 工作经费 (a studio always has them).
    pub funds: Option<Money>,
}

impl Appointment {
    /// Is the appointment in force on some day of `year`?
    pub fn in_force_during(&self, year: i32) -> bool {
        self.starts_on.year() <= year && self.ends_on.year() >= year
    }
}

/// An award or commendation given to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    pub person: String,
    pub title: String,
    pub level: AwardLevel,
    pub awarded_on: NaiveDate,
    pub awarded_by: String,
    pub amount: Option<Money>,
}

/// 疗休养, 进修 or 健康体检 given to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherIncentive {
    pub benefit: Benefit,
    pub person: String,
    pub given_on: NaiveDate,
    pub description: String,
    pub cost: Option<Money>,
}

/// One incentive record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incentive {
    Appointment(Appointment),
    Award(Award),
    Other(OtherIncentive),
}

impl Incentive {
    pub fn kind(&self) -> IncentiveKind {
        match self {
            Incentive::Appointment(Appointment { post: Post::ChiefTechnician, .. }) => IncentiveKind::ChiefTechnician,
            Incentive::Appointment(Appointment { post: Post::MasterStudio { .. }, .. }) => IncentiveKind::MasterStudio,
            Incentive::Award(_) => IncentiveKind::Award,
            Incentive::Other(_) => IncentiveKind::Other,
        }
    }

    pub fn person(&self) -> &str {
        match self {
            Incentive::Appointment(a) => &a.person,
            Incentive::Award(a) => &a.person,
            Incentive::Other(o) => &o.person,
        }
    }
}

/// An amount of yuan as typed (`200000.00`, at most two decimals, never negative); `None` when
/// it is empty (a problem if `required`) or wrong (the problem recorded).
fn money(checks: &mut Checks, (field, value): (&str, &str), label: &str, required: bool) -> Option<Money> {
    if value.trim().is_empty() {
        if required {
            checks.fail(field, "required", format!("请填写{label}"));
        }
        return None;
    }
    match Money::parse(value) {
        Ok(amount) => Some(amount),
        Err(e) => {
            checks.fail(field, e.code(), format!("{label}：{e}"));
            None
        }
    }
}

/// A date not after `today`.
fn past_date(checks: &mut Checks, (field, value): (&str, &str), label: &str, today: NaiveDate) -> Option<NaiveDate> {
    let date = checks.date(field, value, label);
    if date.is_some_and(|d| d > today) {
        checks.fail(field, "date_in_future", format!("{label}不能晚于今天"));
    }
    date
}

/// Checks an incentive record of the kind it names, on `today` (an award or another incentive
/// dated after it is refused; an appointment's term may lie ahead).
pub fn check_incentive(input: &IncentiveInput, today: NaiveDate) -> Result<Incentive, Vec<FieldError>> {
    let mut checks = Checks::new();
    let Some(kind) = checks.choice::<IncentiveKind>("kind", &input.kind, "激励类别") else {
        return checks.finish(None);
    };
    let person = checks.text("person", &input.person, "姓名", 50);
    let record = match kind {
        IncentiveKind::ChiefTechnician | IncentiveKind::MasterStudio => {
            let studio =
                (kind == IncentiveKind::MasterStudio).then(|| checks.text("studio", &input.studio, "工作室名称", 100));
            let occupation = checks.occupation("occupation", &input.occupation);
            let starts_on = checks.date("starts_on", &input.starts_on, "聘期开始日期");
            let ends_on = checks.date("ends_on", &input.ends_on, "聘期结束日期");
            checks.period("ends_on", starts_on, ends_on);
            let allowance = money(&mut checks, ("allowance", &input.allowance), "岗位津贴（元/月）", true);
            let funds = money(&mut checks, ("funds", &input.funds), "工作经费（元）", studio.is_some());
            match (occupation, starts_on, ends_on, allowance) {
                (Some(occupation), Some(starts_on), Some(ends_on), Some(allowance)) => {
                    Some(Incentive::Appointment(Appointment {
                        post: match studio {
                            Some(studio) => Post::MasterStudio { studio },
                            None => Post::ChiefTechnician,
                        },
                        person,
                        occupation,
                        starts_on,
                        ends_on,
                        allowance,
                        funds,
                    }))
                }
                _ => None,
            }
        }
        IncentiveKind::Award => {
            let title = checks.text("title", &input.title, "奖项名称", 100);
            let level = checks.choice::<AwardLevel>("level", &input.level, "表彰级别");
            let awarded_on = past_date(&mut checks, ("date", &input.date), "表彰日期", today);
            let awarded_by = checks.text("awarded_by", &input.awarded_by, "授予单位", 100);
            let amount = money(&mut checks, ("amount", &input.amount), "奖励金额（元）", false);
            match (level, awarded_on) {
                (Some(level), Some(awarded_on)) => {
                    Some(Incentive::Award(Award { person, title, level, awarded_on, awarded_by, amount }))
                }
                _ => None,
            }
        }
        IncentiveKind::Other => {
            let benefit = checks.choice::<Benefit>("benefit", &input.benefit, "激励方式");
            let given_on = past_date(&mut checks, ("date", &input.date), "日期", today);
            let description = checks.text("description", &input.description, "内容说明", 500);
            let cost = money(&mut checks, ("cost", &input.cost), "费用（元）", false);
            match (benefit, given_on) {
                (Some(benefit), Some(given_on)) => {
                    Some(Incentive::Other(OtherIncentive { benefit, person, given_on, description, cost }))
                }
                _ => None,
            }
        }
    };
    checks.finish(record)
}

// ---------------------------------------------------------------- the year's figures

/// How many, and how much money, of one value of a dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally<D> {
    pub value: D,
    pub count: i64,
    pub amount: Money,
}

/// What a base's incentives came to in one year (the annual review reads it): appointments in
/// force on some day of the year by post, awards dated in the year by level with their amounts,
/// other incentives given in the year by kind with their cost. Every value of each dictionary
/// is listed, in its order, zero when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSummary {
    pub year: i32,
    pub chief_technicians: i64,
    pub master_studios: i64,
    pub awards: Vec<Tally<AwardLevel>>,
    pub others: Vec<Tally<Benefit>>,
}

fn zeros<D: Dictionary>() -> Vec<Tally<D>> {
    D::ALL.iter().map(|&value| Tally { value, count: 0, amount: Money::ZERO }).collect()
}

fn total<D>(tallies: &[Tally<D>]) -> (i64, Money) {
    tallies
        .iter()
        .fold((0, Money::ZERO), |(count, amount), t| (count + t.count, amount.checked_add(t.amount).unwrap_or(amount)))
}

impl YearSummary {
    /// The summary of a year with nothing in it yet.
    pub fn new(year: i32) -> YearSummary {
        YearSummary { year, chief_technicians: 0, master_studios: 0, awards: zeros(), others: zeros() }
    }

    /// Adds `count` appointments of `kind` (an award or other kind adds nothing).
    pub fn add_appointments(&mut self, kind: IncentiveKind, count: i64) {
        match kind {
            IncentiveKind::ChiefTechnician => self.chief_technicians += count,
            IncentiveKind::MasterStudio => self.master_studios += count,
            IncentiveKind::Award | IncentiveKind::Other => {}
        }
    }

    pub fn add_awards(&mut self, level: AwardLevel, count: i64, amount: Money) {
        add(&mut self.awards, level, count, amount);
    }

    pub fn add_others(&mut self, benefit: Benefit, count: i64, cost: Money) {
        add(&mut self.others, benefit, count, cost);
    }

    /// Every award of the year and their amount together.
    pub fn awards_total(&self) -> (i64, Money) {
        total(&self.awards)
    }

    /// Every other incentive of the year and their cost together.
    pub fn others_total(&self) -> (i64, Money) {
        total(&self.others)
    }
}

fn add<D: PartialEq>(tallies: &mut [Tally<D>], value: D, count: i64, amount: Money) {
    if let Some(t) = tallies.iter_mut().find(|t| t.value == value) {
        t.count += count;
        t.amount = t.amount.checked_add(amount).unwrap_or(t.amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    fn studio() -> IncentiveInput {
        IncentiveInput {
            kind: "master_studio".into(),
            person: "王大师".into(),
            occupation: "6-31-01-02".into(),
            studio: "王大师机修钳工技能大师工作室".into(),
            starts_on: "2025-01-01".into(),
            ends_on: "2027-12-31".into(),
            allowance: "2000.00".into(),
            funds: "50,000".into(),
            ..IncentiveInput::default()
        }
    }

    #[test]
    fn a_studio_has_a_name_a_term_an_allowance_and_funds() {
        let Ok(Incentive::Appointment(a)) = check_incentive(&studio(), today()) else {
            panic!("a valid studio");
        };
        assert_eq!(a.post, Post::MasterStudio { studio: "王大师机修钳工技能大师工作室".into() });
        assert_eq!((a.allowance.fen(), a.funds.map(Money::fen)), (200_000, Some(5_000_000)));
        assert!(a.in_force_during(2025) && a.in_force_during(2027));
        assert!(!a.in_force_during(2024) && !a.in_force_during(2028));

        let mut input = studio();
        input.studio = String::new();
        input.funds = String::new();
        let errors = check_incentive(&input, today()).expect_err("no name, no funds");
        assert_eq!(codes(&errors), [("studio", "required"), ("funds", "required")]);
    }

    #[test]
    fn a_chief_technician_needs_no_studio_and_may_have_no_funds() {
        let mut input = studio();
        input.kind = "首席技师".into();
        input.studio = String::new();
        input.funds = String::new();
        let incentive = check_incentive(&input, today()).expect("valid");
        assert_eq!(incentive.kind(), IncentiveKind::ChiefTechnician);
        let Incentive::Appointment(a) = incentive else { panic!("an appointment") };
        assert_eq!((a.post, a.funds), (Post::ChiefTechnician, None));
    }

    #[test]
    fn every_problem_of_an_appointment_is_said_at_once() {
        let input = IncentiveInput {
            kind: "master_studio".into(),
            occupation: "9-99-99-99".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-02-30".into(),
            allowance: "-100.00".into(),
            funds: "1.234".into(),
            ..IncentiveInput::default()
        };
        let errors = check_incentive(&input, today()).expect_err("invalid");
        let found = codes(&errors);
        assert_eq!(found.len(), 6, "{found:?}");
        assert_eq!(found[0], ("person", "required"));
        assert_eq!(found[1], ("studio", "required"));
        assert_eq!(found[2].0, "occupation");
        assert_eq!(
            &found[3..],
            [("ends_on", "invalid_date"), ("allowance", "money_negative"), ("funds", "money_too_many_decimals")]
        );
        let mut input = studio();
        input.ends_on = "2024-12-31".into();
        input.allowance = "两千".into();
        let errors = check_incentive(&input, today()).expect_err("invalid");
        assert_eq!(codes(&errors), [("ends_on", "ends_before_start"), ("allowance", "money_format")]);
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn an_award_has_a_level_a_past_date_and_perhaps_an_amount() {
        let mut input = IncentiveInput {
            kind: "award".into(),
            person: "李四".into(),
            title: "青浦区技术能手".into(),
            level: "区级".into(),
            date: "2026-05-01".into(),
            awarded_by: "青浦区人力资源和社会保障局".into(),
            ..IncentiveInput::default()
        };
        let Ok(Incentive::Award(award)) = check_incentive(&input, today()) else { panic!("valid") };
        assert_eq!((award.level, award.amount), (AwardLevel::District, None));
        input.amount = "5000".into();
        let Ok(Incentive::Award(award)) = check_incentive(&input, today()) else { panic!("valid") };
        assert_eq!(award.amount, Some(Money::from_fen(500_000)));
        input.level = "world".into();
        input.date = "2026-12-04".into();
        input.amount = "-1".into();
        input.awarded_by = String::new();
        let errors = check_incentive(&input, today()).expect_err("invalid");
        assert_eq!(
            codes(&errors),
            [
                ("level", "not_in_dictionary"),
                ("date", "date_in_future"),
                ("awarded_by", "required"),
                ("amount", "money_negative")
            ]
        );
    }

    #[test]
    fn another_incentive_is_one_of_the_policys_three() {
        let mut input = IncentiveInput {
            kind: "other".into(),
            person: "赵六".into(),
            benefit: "疗休养".into(),
            date: "2026-07-10".into(),
            description: "关键岗位技能人才疗休养".into(),
            cost: "3200.50".into(),
            ..IncentiveInput::default()
        };
        let Ok(Incentive::Other(other)) = check_incentive(&input, today()) else { panic!("valid") };
        assert_eq!((other.benefit, other.cost), (Benefit::Recuperation, Some(Money::from_fen(320_050))));
        input.benefit = "旅游".into();
        input.description = String::new();
        input.date = "2026/07/10".into();
        let errors = check_incentive(&input, today()).expect_err("invalid");
        assert_eq!(
            codes(&errors),
            [("benefit", "not_in_dictionary"), ("date", "invalid_date"), ("description", "required")]
        );
    }

    #[test]
    fn a_kind_not_in_the_list_is_the_only_problem_said() {
        let errors = check_incentive(&IncentiveInput { kind: "bonus".into(), ..IncentiveInput::default() }, today())
            .expect_err("unknown kind");
        assert_eq!(codes(&errors), [("kind", "not_in_dictionary")]);
        let errors = check_incentive(&IncentiveInput::default(), today()).expect_err("no kind");
        assert_eq!(codes(&errors), [("kind", "required")]);
    }

    #[test]
    fn a_year_lists_every_level_and_kind_and_adds_them_up() {
        let mut year = YearSummary::new(2025);
        year.add_appointments(IncentiveKind::ChiefTechnician, 2);
        year.add_appointments(IncentiveKind::MasterStudio, 1);
        year.add_appointments(IncentiveKind::Award, 9);
        year.add_awards(AwardLevel::District, 2, Money::from_fen(300_000));
        year.add_awards(AwardLevel::National, 1, Money::from_fen(1_000_050));
        year.add_others(Benefit::HealthCheck, 3, Money::from_fen(150_000));
        assert_eq!((year.chief_technicians, year.master_studios), (2, 1));
        assert_eq!(year.awards.len(), 4);
        assert_eq!(year.awards[0], Tally { value: AwardLevel::Base, count: 0, amount: Money::ZERO });
        assert_eq!(year.awards_total(), (3, Money::from_fen(1_300_050)));
        assert_eq!(year.others_total(), (3, Money::from_fen(150_000)));
        assert_eq!(year.others.iter().map(|t| t.value.label()).collect::<Vec<_>>(), ["疗休养", "进修", "健康体检"]);
    }
}
