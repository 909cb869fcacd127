//! Public notice (公示, C4.2), objections (异议) and recognition (认定授牌, C4.3) as rules: the
//! notice's period on the working-day calendar, the objection window to the second, what an
//! objection must carry, the life cycles of notices, objections and bases, plaque numbers, and
//! the exact text a plaque's SM2 signature covers.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarError, WorkingCalendar};
use crate::clock::shanghai;
use crate::fields::FieldError;

/// When a notice runs. PRODUCT.md §3: the first day is the publish date if it is a working day,
/// else the next working day; it ends at 23:59:59 Asia/Shanghai on the Nth working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoticePeriod {
    pub publish_on: NaiveDate,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// 00:00:00 of the publish date, Shanghai: from then the notice is public and objections
    /// are received.
    pub opens_at: DateTime<Utc>,
    /// 23:59:59 of the last day, Shanghai: the last second an objection is received.
    pub ends_at: DateTime<Utc>,
}

/// The period of a notice published on `publish_on` for `days` working days. A date in a year
/// the calendar does not know is an error, never a weekday guess.
pub fn period(calendar: &WorkingCalendar, publish_on: NaiveDate, days: u32) -> Result<NoticePeriod, CalendarError> {
    let first_day = calendar.add_working_days(publish_on, 1)?;
    let last_day = calendar.add_working_days(publish_on, days.max(1))?;
    Ok(NoticePeriod {
        publish_on,
        first_day,
        last_day,
        opens_at: at(publish_on, NaiveTime::MIN),
        ends_at: at(last_day, NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
    })
}

fn at(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    shanghai().from_local_datetime(&local).single().map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Where `now` stands in a notice's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotYetOpen,
    Open,
    Over,
}

impl NoticePeriod {
    /// To the second: 23:59:59 of the last day is open, 00:00:00 of the next day is over.
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.opens_at {
            Phase::NotYetOpen
        } else if now <= self.ends_at {
            Phase::Open
        } else {
            Phase::Over
        }
    }
}

/// A notice's stored state: scheduled → open → closed → concluded (recognition decided).
/// "Open" and "closed" also follow from the clock; the stored state is what jobs and people
/// did about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    Scheduled,
    Open,
    Closed,
    Concluded,
}

impl NoticeStatus {
    pub const ALL: [NoticeStatus; 4] =
        [NoticeStatus::Scheduled, NoticeStatus::Open, NoticeStatus::Closed, NoticeStatus::Concluded];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Scheduled => "scheduled",
            NoticeStatus::Open => "open",
            NoticeStatus::Closed => "closed",
            NoticeStatus::Concluded => "concluded",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeStatus> {
        NoticeStatus::ALL.into_iter().find(|n| n.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeStatus::Scheduled => "待发布",
            NoticeStatus::Open => "公示中",
            NoticeStatus::Closed => "公示期满",
            NoticeStatus::Concluded => "已认定",
        }
    }
}

/// An objection's life cycle: received → investigating → {sustained | dismissed}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    Received,
    Investigating,
    Sustained,
    Dismissed,
}

impl ObjectionStatus {
    pub const ALL: [ObjectionStatus; 4] = [
        ObjectionStatus::Received,
        ObjectionStatus::Investigating,
        ObjectionStatus::Sustained,
        ObjectionStatus::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionStatus::Received => "received",
            ObjectionStatus::Investigating => "investigating",
            ObjectionStatus::Sustained => "sustained",
            ObjectionStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectionStatus> {
        ObjectionStatus::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ObjectionStatus::Received => "已收到",
            ObjectionStatus::Investigating => "调查核实中",
            ObjectionStatus::Sustained => "异议成立",
            ObjectionStatus::Dismissed => "异议不成立",
        }
    }

    pub fn is_resolved(self) -> bool {
        matches!(self, ObjectionStatus::Sustained | ObjectionStatus::Dismissed)
    }

    /// Staff take it up (received → investigating).
    pub fn investigate(self) -> Option<ObjectionStatus> {
        (self == ObjectionStatus::Received).then_some(ObjectionStatus::Investigating)
    }

    /// Staff conclude it with findings (received or investigating → sustained | dismissed).
    pub fn resolve(self, sustained: bool) -> Option<ObjectionStatus> {
        (!self.is_resolved()).then_some(if sustained { ObjectionStatus::Sustained } else { ObjectionStatus::Dismissed })
    }
}

/// An objection as filed from the public page, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ObjectionInput {
    /// The objector's real name (a person's, or the person filing for an organisation).
    pub name: String,
    /// An 11-digit mainland mobile number or an e-mail address.
    pub contact: String,
    /// When an organisation objects in its own name: its name.
    #[serde(default)]
    pub organization: String,
    /// The base concerned: one of the notice's entries (an application id).
    pub concerning: String,
    pub facts: String,
}

/// A checked objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub name: String,
    pub contact: Contact,
    pub organization: Option<String>,
    pub concerning: String,
    pub facts: String,
}

/// How the objector can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Phone(String),
    Email(String),
}

impl Contact {
    pub fn parse(text: &str) -> Option<Contact> {
        let text = text.trim();
        let phone = text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit());
        if phone {
            return Some(Contact::Phone(text.to_owned()));
        }
        let (user, domain) = text.split_once('@')?;
        let valid = !user.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && text.len() <= 100
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        valid.then(|| Contact::Email(text.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Contact::Phone(p) | Contact::Email(p) => p,
        }
    }

    /// As staff lists show it: 138****5678, w***@example.com.
    pub fn masked(&self) -> String {
        match self {
            Contact::Phone(p) => format!("{}****{}", &p[..3], &p[7..]),
            Contact::Email(e) => match e.split_once('@') {
                Some((user, domain)) => format!("{}***@{domain}", user.chars().next().unwrap_or('*')),
                None => "***".to_owned(),
            },
        }
    }
}

/// The longest statement of facts.
pub const MAX_FACTS_CHARS: usize = 2000;

/// Checks an objection: a real name, a contact, the base concerned among `entries`, and the
/// facts. Every problem at once, by field.
pub fn check_objection(input: &ObjectionInput, entries: &[String]) -> Result<Objection, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    let name_chars = name.chars().count();
    if !(2..=30).contains(&name_chars) || name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
        errors.push(FieldError::new("name", "real_name_required", "请填写真实姓名（2 至 30 个字）"));
    }
    let contact = Contact::parse(&input.contact);
    if contact.is_none() {
        errors.push(FieldError::new("contact", "contact_invalid", "请填写 11 位手机号码或电子邮箱"));
    }
    let organization = input.organization.trim();
    if organization.chars().count() > 100 {
        errors.push(FieldError::new("organization", "too_long", "单位名称不超过 100 字"));
    }
    if !entries.iter().any(|e| e == input.concerning.trim()) {
        errors.push(FieldError::new("concerning", "unknown_entry", "请选择异议涉及的拟认定基地"));
    }
    let facts = input.facts.trim();
    let facts_chars = facts.chars().count();
    if facts_chars < 10 {
        errors.push(FieldError::new("facts", "facts_required", "请写明异议的事实和理由（至少 10 个字）"));
    } else if facts_chars > MAX_FACTS_CHARS {
        errors.push(FieldError::new("facts", "too_long", format!("不超过 {MAX_FACTS_CHARS} 字")));
    }
    match contact {
        Some(contact) if errors.is_empty() => Ok(Objection {
            name: name.to_owned(),
            contact,
            organization: (!organization.is_empty()).then(|| organization.to_owned()),
            concerning: input.concerning.trim().to_owned(),
            facts: facts.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// A receipt number from 40 random bits: `YY` + `YYYY` of the notice's year + 8 characters of
/// Crockford base32 (no I, L, O, U: read out on the phone without mistakes).
pub fn receipt_number(year: i32, random: [u8; 5]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut value = random.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut code = [b'0'; 8];
    for slot in code.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    format!("YY{year}-{}", String::from_utf8_lossy(&code))
}

/// A recognised base's state (PRODUCT.md §3): active → {rectifying → active | revoked}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseStatus {
    Active,
    Rectifying,
    Revoked,
}

impl BaseStatus {
    pub const ALL: [BaseStatus; 3] = [BaseStatus::Active, BaseStatus::Rectifying, BaseStatus::Revoked];

    pub fn as_str(self) -> &'static str {
        match self {
            BaseStatus::Active => "active",
            BaseStatus::Rectifying => "rectifying",
            BaseStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<BaseStatus> {
        BaseStatus::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BaseStatus::Active => "有效",
            BaseStatus::Rectifying => "整改中",
            BaseStatus::Revoked => "已核销",
        }
    }
}

/// A plaque number, unique and permanent: `QPJD-<year>-<nnn>`.
pub fn plaque_number(year: i32, sequence: u32) -> String {
    format!("QPJD-{year}-{sequence:03}")
}

/// What a plaque's SM2 signature covers: the number, the base, its code, the recognition date
/// and the issuer — the exact bytes are [`PlaqueStatement::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaqueStatement {
    pub number: String,
    pub base_name: String,
    pub uscc: String,
    pub recognised_on: NaiveDate,
    pub issuer: String,
    pub title: String,
}

impl PlaqueStatement {
    /// Versioned, one field per line, nothing left to interpretation.
    pub fn message(&self) -> String {
        format!(
            "skillbase-plaque:v1\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.number,
            self.title,
            self.base_name,
            self.uscc,
            self.recognised_on.format("%Y-%m-%d"),
            self.issuer
        )
    }
}

/// What a verification answers: nothing personal, only the plaque's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    Rectifying,
    Revoked,
    Unknown,
}

impl Verdict {
    pub fn of(status: Option<BaseStatus>) -> Verdict {
        match status {
            Some(BaseStatus::Active) => Verdict::Valid,
            Some(BaseStatus::Rectifying) => Verdict::Rectifying,
            Some(BaseStatus::Revoked) => Verdict::Revoked,
            None => Verdict::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Valid => "有效：该基地为青浦区技能人才培育实训基地",
            Verdict::Rectifying => "整改中：该基地正在按要求整改",
            Verdict::Revoked => "已核销：该基地的认定已被撤销",
            Verdict::Unknown => "未查到：该编号不是已认定基地的牌匾编号",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_notice_over_national_day_and_spring_festival() {
        let calendar = WorkingCalendar::embedded();
        // Published Monday 2024-09-30: 09-30, then 10-08 … 10-11 after National Day.
        let p = period(&calendar, day("2024-09-30"), 5).expect("known year");
        assert_eq!((p.first_day, p.last_day), (day("2024-09-30"), day("2024-10-11")));
        // Published on a holiday: the first day is the next working day, Saturday 10-12 (调休).
        let p = period(&calendar, day("2024-10-03"), 5).expect("known year");
        assert_eq!((p.first_day, p.last_day), (day("2024-10-08"), day("2024-10-12")));
        // Spring Festival 2025 (01-28 … 02-04 off; Sunday 01-26 and Saturday 02-08 worked).
        let p = period(&calendar, day("2025-01-24"), 5).expect("known year");
        assert_eq!((p.first_day, p.last_day), (day("2025-01-24"), day("2025-02-06")));
        assert_eq!(p.ends_at.to_rfc3339(), "2025-02-06T15:59:59+00:00");
        assert!(period(&calendar, day("2031-01-02"), 5).is_err(), "an unknown year is refused");
    }

    #[test]
    fn the_window_is_judged_to_the_second() {
        let calendar = WorkingCalendar::embedded();
        let p = period(&calendar, day("2024-09-30"), 5).expect("known year");
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("instant").to_utc();
        assert_eq!(p.phase(t("2024-09-29T23:59:59+08:00")), Phase::NotYetOpen);
        assert_eq!(p.phase(t("2024-09-30T00:00:00+08:00")), Phase::Open);
        assert_eq!(p.phase(t("2024-10-11T23:59:59+08:00")), Phase::Open);
        assert_eq!(p.phase(t("2024-10-12T00:00:00+08:00")), Phase::Over);
    }

    #[test]
    fn an_objection_needs_a_real_name_a_contact_a_base_and_facts() {
        let entries = vec!["a1".to_owned(), "a2".to_owned()];
        let good = ObjectionInput {
            name: "李明".into(),
            contact: "13800138000".into(),
            organization: String::new(),
            concerning: "a2".into(),
            facts: "该单位实训场地实际为仓库，未见实训设备。".into(),
        };
        let ok = check_objection(&good, &entries).expect("valid");
        assert_eq!(ok.contact.masked(), "138****8000");
        let email = ObjectionInput { contact: " Li.Ming@Example.com ".into(), ..good.clone() };
        assert_eq!(check_objection(&email, &entries).expect("valid").contact.as_str(), "li.ming@example.com");
        let bad = ObjectionInput {
            name: "x".into(),
            contact: "12345".into(),
            organization: String::new(),
            concerning: "a3".into(),
            facts: "太差".into(),
        };
        let codes: Vec<&str> = check_objection(&bad, &entries).expect_err("invalid").iter().map(|e| e.code).collect();
        assert_eq!(codes, ["real_name_required", "contact_invalid", "unknown_entry", "facts_required"]);
        for contact in ["a@b", "@example.com", "a b@example.com", "1380013800", "23800138000", "<a@b.cn>"] {
            assert!(Contact::parse(contact).is_none(), "{contact}");
        }
        assert_eq!(Contact::parse("wang@qp.gov.cn").map(|c| c.masked()), Some("w***@qp.gov.cn".to_owned()));
    }

    #[test]
    fn objections_and_receipts() {
        use ObjectionStatus as O;
        assert_eq!(O::Received.investigate(), Some(O::Investigating));
        assert_eq!(O::Investigating.investigate(), None);
        assert_eq!(O::Investigating.resolve(true), Some(O::Sustained));
        assert_eq!(O::Received.resolve(false), Some(O::Dismissed));
        assert_eq!(O::Dismissed.resolve(true), None, "a decided objection stays decided");
        assert_eq!(receipt_number(2024, [0, 0, 0, 0, 0]), "YY2024-00000000");
        assert_eq!(receipt_number(2024, [0xff; 5]), "YY2024-ZZZZZZZZ");
        assert_ne!(receipt_number(2024, [1, 2, 3, 4, 5]), receipt_number(2024, [1, 2, 3, 4, 6]));
        assert_eq!(plaque_number(2024, 1), "QPJD-2024-001");
        for s in O::ALL {
            assert_eq!(O::parse(s.as_str()), Some(s));
        }
        for s in BaseStatus::ALL {
            assert_eq!(BaseStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Verdict::of(Some(BaseStatus::Revoked)), Verdict::Revoked);
        assert_eq!(Verdict::of(None), Verdict::Unknown);
    }

    #[test]
    fn the_signed_text_of_a_plaque_is_fixed() {
        let s = PlaqueStatement {
            number: "QPJD-2024-001".into(),
            base_name: "上海某某科技有限公司".into(),
            uscc: "91310118MA1G00011T".into(),
            recognised_on: day("2024-10-15"),
            issuer: "上海市青浦区人力资源和社会保障局".into(),
            title: "青浦区技能人才培育实训基地".into(),
        };
        assert_eq!(
            s.message(),
            "skillbase-plaque:v1\nQPJD-2024-001\n青浦区技能人才培育实训基地\n上海某某科技有限公司\n91310118MA1G00011T\n2024-10-15\n上海市青浦区人力资源和社会保障局\n"
        );
    }
}
