//! The State Council working-day calendar (国务院办公厅关于部分节假日安排的通知).
//!
//! Statutory clocks — the 5-working-day public notice (C4.2), supplement deadlines — count
//! *working days*: Monday to Friday, minus the holidays the State Council announces each year,
//! plus the weekend days it turns into working days (调休上班). That list is published year by
//! year, so a date in a year without data is **unknown**: asking about it is an error, never a
//! guess from weekdays.
//!
//! One JSON file per notice year (`data/cn-holidays/YYYY.json`) is embedded; an administrator can
//! add or replace a year (`skillbase calendar import`), and such a year takes precedence.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// One year's notice, in the JSON form of `data/cn-holidays/` (see its PROVENANCE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayYear {
    pub year: i32,
    pub source: String,
    pub days: Vec<HolidayDay>,
}

/// A day the notice names: a day off (`is_off_day`) or a weekend day worked instead (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayDay {
    pub date: NaiveDate,
    pub name: String,
    pub is_off_day: bool,
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday–Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off named by the notice (法定节假日 or 调休休息).
    Holiday { name: String },
    /// A weekend day made a working day (调休上班).
    AdjustedWorkday { name: String },
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{year} 年的节假日安排尚未录入，无法计算工作日")]
    YearUnknown { year: i32 },
    #[error("工作日天数必须至少为 1")]
    ZeroDays,
    #[error("节假日文件不正确：{reason}")]
    InvalidFile { reason: String },
}

impl CalendarError {
    /// A stable machine-readable code (used as the problem+json `code`).
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::YearUnknown { .. } => "calendar_year_unknown",
            CalendarError::ZeroDays => "calendar_days_out_of_range",
            CalendarError::InvalidFile { .. } => "calendar_file_invalid",
        }
    }
}

const EMBEDDED_FILES: [&str; 4] = [
    include_str!("../data/cn-holidays/2023.json"),
    include_str!("../data/cn-holidays/2024.json"),
    include_str!("../data/cn-holidays/2025.json"),
    include_str!("../data/cn-holidays/2026.json"),
];

static EMBEDDED: LazyLock<Vec<HolidayYear>> = LazyLock::new(|| {
    EMBEDDED_FILES
        .iter()
        .map(|text| HolidayYear::parse(text).unwrap_or_else(|e| panic!("embedded holiday file is invalid: {e}")))
        .collect()
});

impl HolidayYear {
    /// Parses and checks one year's file. Serde errors carry the line and column.
    pub fn parse(json: &str) -> Result<Self, CalendarError> {
        let year: HolidayYear =
            serde_json::from_str(json).map_err(|e| CalendarError::InvalidFile { reason: e.to_string() })?;
        year.check()?;
        Ok(year)
    }

    /// The years shipped inside the binary (2023–2026 at this release).
    pub fn embedded() -> &'static [HolidayYear] {
        &EMBEDDED
    }

    fn check(&self) -> Result<(), CalendarError> {
        let invalid = |reason: String| Err(CalendarError::InvalidFile { reason });
        if !(2000..=2200).contains(&self.year) {
            return invalid(format!("年份 {} 超出范围", self.year));
        }
        let mut seen = std::collections::HashSet::new();
        for day in &self.days {
            if !seen.insert(day.date) {
                return invalid(format!("日期 {} 重复出现", day.date));
            }
            // A notice reaches at most into the neighbouring years (元旦 may start on 12-31).
            if (day.date.year() - self.year).abs() > 1 {
                return invalid(format!("日期 {} 不属于 {} 年的安排", day.date, self.year));
            }
            if !day.is_off_day && !is_weekend(day.date) {
                return invalid(format!("{} 是工作日，调休上班只能安排在周末", day.date));
            }
        }
        Ok(())
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Working days according to the loaded notices.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    /// Calendar years whose notice is loaded: dates in other years are unknown.
    known_years: BTreeMap<i32, ()>,
    named_days: HashMap<NaiveDate, (String, bool)>,
}

impl WorkingCalendar {
    /// Builds a calendar from notice years; a later entry for the same year replaces an earlier
    /// one (pass the embedded years first, then administrator imports).
    pub fn new<'a>(years: impl IntoIterator<Item = &'a HolidayYear>) -> Self {
        let mut by_year: BTreeMap<i32, &HolidayYear> = BTreeMap::new();
        for year in years {
            by_year.insert(year.year, year);
        }
        let mut named_days = HashMap::new();
        // In year order, so a later notice's entry for a shared date (12-31) wins.
        for year in by_year.values() {
            for day in &year.days {
                named_days.insert(day.date, (day.name.clone(), day.is_off_day));
            }
        }
        WorkingCalendar { known_years: by_year.keys().map(|&y| (y, ())).collect(), named_days }
    }

    /// The calendar of the years embedded in the binary.
    pub fn embedded() -> Self {
        Self::new(HolidayYear::embedded())
    }

    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.known_years.keys().copied()
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        if !self.known_years.contains_key(&date.year()) {
            return Err(CalendarError::YearUnknown { year: date.year() });
        }
        Ok(match self.named_days.get(&date) {
            Some((name, true)) => DayKind::Holiday { name: name.clone() },
            Some((name, false)) => DayKind::AdjustedWorkday { name: name.clone() },
            None if is_weekend(date) => DayKind::Weekend,
            None => DayKind::Workday,
        })
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_working())
    }

    /// The `days`-th working day counted from `start` (PRODUCT.md §3): `start` itself is day 1
    /// when it is a working day, otherwise counting begins on the next working day.
    ///
    /// A notice published on `start` for 5 working days ends at 23:59:59 Asia/Shanghai on the
    /// returned date.
    pub fn add_working_days(&self, start: NaiveDate, days: u32) -> Result<NaiveDate, CalendarError> {
        if days == 0 {
            return Err(CalendarError::ZeroDays);
        }
        let mut date = start;
        let mut counted = 0;
        loop {
            if self.is_working_day(date)? {
                counted += 1;
                if counted == days {
                    return Ok(date);
                }
            }
            date = date.succ_opt().ok_or(CalendarError::YearUnknown { year: date.year() + 1 })?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid date")
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::embedded()
    }

    #[test]
    fn all_embedded_years_load() {
        assert_eq!(cal().known_years().collect::<Vec<_>>(), vec![2023, 2024, 2025, 2026]);
    }

    #[test]
    fn national_day_2024() {
        // 09-30 (Mon) is day 1; 10-01…10-07 off; 10-08…10-11 are days 2–5.
        assert_eq!(cal().add_working_days(d("2024-09-30"), 5), Ok(d("2024-10-11")));
        // 09-29 (Sun) is a 调休 working day and counts.
        assert_eq!(cal().add_working_days(d("2024-09-29"), 1), Ok(d("2024-09-29")));
        assert_eq!(cal().add_working_days(d("2024-09-29"), 5), Ok(d("2024-10-10")));
        // Published during the holiday: the first day is 10-08.
        assert_eq!(cal().add_working_days(d("2024-10-01"), 1), Ok(d("2024-10-08")));
        assert_eq!(cal().add_working_days(d("2024-10-03"), 5), Ok(d("2024-10-12")));
        // 10-12 is a 调休 Saturday.
        assert_eq!(cal().day_kind(d("2024-10-12")), Ok(DayKind::AdjustedWorkday { name: "国庆节".into() }));
    }

    #[test]
    fn spring_festival_2025() {
        // 01-26 (Sun) worked; 01-28 (除夕) … 02-04 off; 02-08 (Sat) worked.
        assert_eq!(cal().add_working_days(d("2025-01-24"), 3), Ok(d("2025-01-27")));
        assert_eq!(cal().add_working_days(d("2025-01-27"), 2), Ok(d("2025-02-05")));
        assert_eq!(cal().add_working_days(d("2025-01-27"), 5), Ok(d("2025-02-08")));
        assert_eq!(cal().day_kind(d("2025-01-28")), Ok(DayKind::Holiday { name: "春节".into() }));
    }

    #[test]
    fn ordinary_weekends_next_to_a_one_day_holiday_are_rest_days() {
        // 端午 2024-06-10 (Mon); 06-08/09 are an ordinary weekend, not listed in the notice.
        assert_eq!(cal().day_kind(d("2024-06-08")), Ok(DayKind::Weekend));
        assert_eq!(cal().add_working_days(d("2024-06-07"), 2), Ok(d("2024-06-11")));
    }

    #[test]
    fn counting_crosses_a_year_end_when_both_years_are_known() {
        // 2024-12-31 (Tue) day 1, 2025-01-01 元旦 off, 01-02 day 2.
        assert_eq!(cal().add_working_days(d("2024-12-31"), 2), Ok(d("2025-01-02")));
        // 2022-12-31 is named by the 2023 notice, but 2022 itself is not loaded.
        assert_eq!(cal().add_working_days(d("2022-12-30"), 1), Err(CalendarError::YearUnknown { year: 2022 }));
    }

    #[test]
    fn a_year_without_data_is_an_error_not_a_guess() {
        // 2026-12-31 is a Thursday: day 1 is known, day 2 would be in 2027.
        assert_eq!(cal().add_working_days(d("2026-12-31"), 1), Ok(d("2026-12-31")));
        assert_eq!(cal().add_working_days(d("2026-12-31"), 2), Err(CalendarError::YearUnknown { year: 2027 }));
        assert_eq!(cal().is_working_day(d("2027-03-03")), Err(CalendarError::YearUnknown { year: 2027 }));
        assert_eq!(cal().add_working_days(d("2024-01-02"), 0), Err(CalendarError::ZeroDays));
    }

    #[test]
    fn an_imported_year_replaces_the_embedded_one() {
        let mut replaced = HolidayYear::embedded()[1].clone();
        assert_eq!(replaced.year, 2024);
        replaced.days.retain(|day| day.name != "国庆节");
        let calendar = WorkingCalendar::new(HolidayYear::embedded().iter().chain([&replaced]));
        assert_eq!(calendar.add_working_days(d("2024-09-30"), 5), Ok(d("2024-10-04")));
        assert_eq!(calendar.day_kind(d("2024-09-29")), Ok(DayKind::Weekend));
    }

    #[test]
    fn a_new_year_extends_the_calendar() {
        let year_2027 = HolidayYear::parse(
            r#"{"year":2027,"source":"test","days":[{"date":"2027-01-01","name":"元旦","is_off_day":true}]}"#,
        )
        .expect("valid file");
        let calendar = WorkingCalendar::new(HolidayYear::embedded().iter().chain([&year_2027]));
        // 2026-12-31 (Thu) day 1; 2027-01-01 (Fri) off; 01-02/03 weekend; 01-04 (Mon) day 2.
        assert_eq!(calendar.add_working_days(d("2026-12-31"), 2), Ok(d("2027-01-04")));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        let err = |json: &str| HolidayYear::parse(json).expect_err("must be refused");
        assert!(matches!(err("{"), CalendarError::InvalidFile { .. }));
        assert!(
            err(r#"{"year":2027,"source":"x","days":[{"date":"2027-02-30","name":"x","is_off_day":true}]}"#)
                .to_string()
                .contains("line 1")
        );
        // A 调休 working day on a Wednesday is not a 调休.
        assert!(
            err(r#"{"year":2027,"source":"x","days":[{"date":"2027-01-06","name":"x","is_off_day":false}]}"#)
                .to_string()
                .contains("周末")
        );
        let duplicate = r#"{"year":2027,"source":"x","days":[{"date":"2027-01-01","name":"a","is_off_day":true},{"date":"2027-01-01","name":"b","is_off_day":true}]}"#;
        assert!(err(duplicate).to_string().contains("重复"));
        assert!(matches!(err(r#"{"year":2027,"source":"x","days":[],"extra":1}"#), CalendarError::InvalidFile { .. }));
    }

    #[test]
    fn every_named_working_day_in_the_data_is_a_weekend() {
        for year in HolidayYear::embedded() {
            for day in year.days.iter().filter(|d| !d.is_off_day) {
                assert!(is_weekend(day.date), "{}", day.date);
            }
        }
    }

    fn known_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 4)).prop_map(|offset| d("2023-01-01") + chrono::TimeDelta::days(offset))
    }

    proptest! {
        /// The end is a working day, and exactly `days` working days lie in [first, end].
        #[test]
        fn the_end_is_the_nth_working_day(start in known_date(), days in 1u32..40) {
            let calendar = cal();
            match calendar.add_working_days(start, days) {
                Ok(end) => {
                    prop_assert!(end >= start);
                    prop_assert!(calendar.is_working_day(end).expect("known"));
                    let working = start
                        .iter_days()
                        .take_while(|date| *date <= end)
                        .filter(|date| calendar.is_working_day(*date).expect("known"))
                        .count();
                    prop_assert_eq!(working, days as usize);
                }
                Err(CalendarError::YearUnknown { year }) => prop_assert_eq!(year, 2027),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        /// One more working day never ends earlier.
        #[test]
        fn more_days_end_later(start in known_date(), days in 1u32..40) {
            let calendar = cal();
            if let (Ok(a), Ok(b)) = (calendar.add_working_days(start, days), calendar.add_working_days(start, days + 1)) {
                prop_assert!(b > a);
            }
        }
    }
}
