//! A call for applications (申报批次): a year, a window of calendar dates in Asia/Shanghai, a
//! quota, and the policy version it was opened under.

use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::shanghai;
use crate::fields::FieldError;

/// The years a call — and so a recognition — may belong to: the programme runs from 2023 (C1);
/// the upper bound only catches typing mistakes.
pub const PROGRAMME_YEARS: RangeInclusive<i64> = 2023..=2100;

/// The quotas a call may have (bases recognised from it at most).
pub const QUOTAS: RangeInclusive<i64> = 1..=100;

/// PRODUCT.md §3: draft → open → closed → reviewing → noticed → done. Acceptance only needs the
/// first three; the rest belong to review and notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Draft,
    Open,
    Closed,
    Reviewing,
    Noticed,
    Done,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 6] = [
        BatchStatus::Draft,
        BatchStatus::Open,
        BatchStatus::Closed,
        BatchStatus::Reviewing,
        BatchStatus::Noticed,
        BatchStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Open => "open",
            BatchStatus::Closed => "closed",
            BatchStatus::Reviewing => "reviewing",
            BatchStatus::Noticed => "noticed",
            BatchStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<BatchStatus> {
        BatchStatus::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BatchStatus::Draft => "未发布",
            BatchStatus::Open => "已发布",
            BatchStatus::Closed => "已截止",
            BatchStatus::Reviewing => "评审中",
            BatchStatus::Noticed => "公示中",
            BatchStatus::Done => "已完成",
        }
    }

    /// The next status after publishing (`draft → open`) or closing early (`open → closed`).
    pub fn publish(self) -> Option<BatchStatus> {
        (self == BatchStatus::Draft).then_some(BatchStatus::Open)
    }

    pub fn close(self) -> Option<BatchStatus> {
        (self == BatchStatus::Open).then_some(BatchStatus::Closed)
    }
}

/// The window of a call, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    opens_on: NaiveDate,
    closes_on: NaiveDate,
}

/// Where `now` stands relative to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

impl Window {
    pub fn new(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<Window, FieldError> {
        if closes_on < opens_on {
            return Err(FieldError::new("closes_on", "window_inverted", "截止日期不能早于开始日期"));
        }
        Ok(Window { opens_on, closes_on })
    }

    pub fn opens_on(&self) -> NaiveDate {
        self.opens_on
    }

    pub fn closes_on(&self) -> NaiveDate {
        self.closes_on
    }

    /// Judged on the Shanghai calendar date of `now`: the first second of `opens_on` is in,
    /// the last second of `closes_on` (23:59:59) is in, the next second is out.
    pub fn state(&self, now: DateTime<Utc>) -> WindowState {
        let today = now.with_timezone(&shanghai()).date_naive();
        if today < self.opens_on {
            WindowState::NotYetOpen
        } else if today > self.closes_on {
            WindowState::Closed
        } else {
            WindowState::Open
        }
    }
}

/// Can an application be submitted to a call in `status` with `window` at `now`? The refusal
/// is a message for the applicant.
pub fn accepting(status: BatchStatus, window: &Window, now: DateTime<Utc>) -> Result<(), FieldError> {
    let refuse = |message: String| Err(FieldError::new("batch", "batch_not_accepting", message));
    if status != BatchStatus::Open {
        return refuse(format!("该申报批次{}，不接受提交", status.label()));
    }
    match window.state(now) {
        WindowState::Open => Ok(()),
        WindowState::NotYetOpen => {
            refuse(format!("申报尚未开始，开始日期为 {}", window.opens_on.format("%Y年%m月%d日")))
        }
        WindowState::Closed => {
            refuse(format!("申报已于 {} 24 时截止，草稿已保存但不能提交", window.closes_on.format("%Y年%m月%d日")))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn at(s: &str) -> DateTime<Utc> {
        shanghai()
            .from_local_datetime(&chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("a time"))
            .single()
            .expect("unambiguous")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_window_is_judged_to_the_second_in_shanghai() {
        let w = Window::new(date("2024-03-01"), date("2024-03-31")).expect("a window");
        assert_eq!(w.state(at("2024-02-29 23:59:59")), WindowState::NotYetOpen);
        assert_eq!(w.state(at("2024-03-01 00:00:00")), WindowState::Open);
        assert_eq!(w.state(at("2024-03-31 23:59:59")), WindowState::Open);
        assert_eq!(w.state(at("2024-04-01 00:00:00")), WindowState::Closed);
        // 2024-03-31 16:30 UTC is already 04-01 in Shanghai.
        assert_eq!(w.state(Utc.with_ymd_and_hms(2024, 3, 31, 16, 30, 0).single().expect("valid")), WindowState::Closed);
    }

    #[test]
    fn only_an_open_call_in_its_window_accepts() {
        let w = Window::new(date("2024-03-01"), date("2024-03-31")).expect("a window");
        let inside = at("2024-03-15 10:00:00");
        assert!(accepting(BatchStatus::Open, &w, inside).is_ok());
        assert_eq!(accepting(BatchStatus::Draft, &w, inside).expect_err("refused").code, "batch_not_accepting");
        assert_eq!(accepting(BatchStatus::Closed, &w, inside).expect_err("refused").code, "batch_not_accepting");
        let late = accepting(BatchStatus::Open, &w, at("2024-04-01 00:00:00")).expect_err("refused");
        assert!(late.message.contains("2024年03月31日"), "{}", late.message);
        assert!(Window::new(date("2024-03-02"), date("2024-03-01")).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in BatchStatus::ALL {
            assert_eq!(BatchStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(BatchStatus::Draft.publish(), Some(BatchStatus::Open));
        assert_eq!(BatchStatus::Open.publish(), None);
        assert_eq!(BatchStatus::Open.close(), Some(BatchStatus::Closed));
    }
}
