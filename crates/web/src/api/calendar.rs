//! `GET /api/v1/calendar/add-working-days`.

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, FieldProblem};

/// The largest `days` the endpoint answers (about four years of working days).
pub const MAX_DAYS: u32 = 1000;

/// Query parameters (documented here; parsed by hand for field-level errors).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct WorkingDaysQuery {
    /// The publish or start date, `YYYY-MM-DD` (Asia/Shanghai). Counts as day 1 if it is a working day.
    #[param(example = "2024-09-30")]
    start: String,
    /// How many working days, 1–1000.
    #[param(minimum = 1, maximum = 1000, example = 5)]
    days: u32,
}

/// The answer: `end` is the `days`-th working day counted from `start`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDays {
    #[schema(value_type = String, format = Date, example = "2024-09-30")]
    pub start: NaiveDate,
    #[schema(example = 5)]
    pub days: u32,
    #[schema(value_type = String, format = Date, example = "2024-10-11")]
    pub end: NaiveDate,
}

/// The two inputs, checked; every bad field is reported, `start` first.
pub(crate) fn parse_input(start: Option<&str>, days: Option<&str>) -> Result<(NaiveDate, u32), Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let problem = |field: &str, code: &str, message: &str| FieldProblem {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    };
    let start = match start.map(str::trim) {
        None | Some("") => {
            errors.push(problem("start", "parameter_missing", "缺少参数 start（起始日期，格式 YYYY-MM-DD）"));
            None
        }
        Some(text) => match parse_iso_date(text) {
            Some(date) => Some(date),
            None => {
                errors.push(problem("start", "invalid_date", "start 应为有效日期，格式 YYYY-MM-DD"));
                None
            }
        },
    };
    let days = match days.map(str::trim) {
        None | Some("") => {
            errors.push(problem("days", "parameter_missing", "缺少参数 days（工作日天数）"));
            None
        }
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=i64::from(MAX_DAYS)).contains(&n) => u32::try_from(n).ok(),
            Ok(_) => {
                errors.push(problem("days", "days_out_of_range", "days 应在 1 至 1000 之间"));
                None
            }
            Err(_) if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => {
                errors.push(problem("days", "days_out_of_range", "days 应在 1 至 1000 之间"));
                None
            }
            Err(_) => {
                errors.push(problem("days", "invalid_integer", "days 应为整数"));
                None
            }
        },
    };
    match (start, days) {
        (Some(start), Some(days)) if errors.is_empty() => Ok((start, days)),
        _ => Err(errors),
    }
}

/// Exactly `YYYY-MM-DD`, a real date.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape_ok.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten()
}

/// The `days`-th working day from `start` on the State Council calendar (调休 included).
#[utoipa::path(
    get,
    path = "/api/v1/calendar/add-working-days",
    tag = "calendar",
    params(WorkingDaysQuery),
    responses(
        (status = 200, description = "The end date", body = WorkingDays),
        (status = 400, description = "A parameter is missing or malformed, or days is out of range (codes parameter_missing, invalid_date, invalid_integer, days_out_of_range)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The count reaches a year whose holiday schedule is not loaded (code calendar_year_unknown)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_working_days(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<WorkingDays>, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let (start, days) = parse_input(params.get("start"), params.get("days")).map_err(ApiError::fields)?;
    let end = state.app.add_working_days(start, days).await?;
    Ok(Json(WorkingDays { start, days, end }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(start: Option<&str>, days: Option<&str>) -> Vec<String> {
        parse_input(start, days).err().unwrap_or_default().into_iter().map(|p| p.code).collect()
    }

    #[test]
    fn inputs_are_checked_field_by_field() {
        assert!(parse_input(Some("2024-09-30"), Some("5")).is_ok());
        assert_eq!(codes(None, None), ["parameter_missing", "parameter_missing"]);
        assert_eq!(codes(Some("2024-9-30"), Some("5")), ["invalid_date"]);
        assert_eq!(codes(Some("2024-02-30"), Some("5")), ["invalid_date"]);
        assert_eq!(codes(Some("２０２４-09-30"), Some("5")), ["invalid_date"]);
        assert_eq!(codes(Some("2024-09-30"), Some("0")), ["days_out_of_range"]);
        assert_eq!(codes(Some("2024-09-30"), Some("1001")), ["days_out_of_range"]);
        assert_eq!(codes(Some("2024-09-30"), Some("-3")), ["days_out_of_range"]);
        assert_eq!(codes(Some("2024-09-30"), Some("99999999999999999999999")), ["days_out_of_range"]);
        assert_eq!(codes(Some("2024-09-30"), Some("5.0")), ["invalid_integer"]);
        assert_eq!(codes(Some("x"), Some("y")), ["invalid_date", "invalid_integer"]);
        assert_eq!(
            parse_input(Some("2024-09-30"), Some("1000")).ok(),
            Some((NaiveDate::from_ymd_opt(2024, 9, 30).expect("date"), 1000))
        );
    }
}
