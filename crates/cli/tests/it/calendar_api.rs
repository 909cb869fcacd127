//! `GET /api/v1/calendar/add-working-days` (PRODUCT.md §6), on both engines.

use crate::helpers::TestApp;
use crate::on_both_engines;

const PATH: &str = "/api/v1/calendar/add-working-days";

async fn end_of(app: &TestApp, start: &str, days: u32) -> String {
    let (status, body) = app.get_json(&format!("{PATH}?start={start}&days={days}")).await;
    assert_eq!(status, 200, "{start} + {days}: {body}");
    assert_eq!(body["start"], start);
    assert_eq!(body["days"], days);
    body["end"].as_str().expect("end").to_owned()
}

async fn problem(app: &TestApp, query: &str) -> (u16, String, serde_json::Value) {
    let response = app.get(&format!("{PATH}{query}")).await;
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert_eq!(content_type, "application/problem+json", "{query}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], status, "{query}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{query}: {body}");
    assert!(body["request_id"].as_str().is_some_and(|d| !d.is_empty()), "{query}: {body}");
    (status, body["code"].as_str().expect("code").to_owned(), body)
}

on_both_engines!(
    answers_around_holidays_and_adjusted_days,
    refuses_bad_input_with_stable_codes,
    imported_years_take_precedence
);

async fn answers_around_holidays_and_adjusted_days(app: TestApp) {
    // The contract's example: National Day 2024.
    assert_eq!(end_of(&app, "2024-09-30", 5).await, "2024-10-11");
    // 2024-09-29 (Sunday) is a 调休 working day: it is day 1.
    assert_eq!(end_of(&app, "2024-09-29", 1).await, "2024-09-29");
    // Published on a holiday: day 1 is the first working day after it.
    assert_eq!(end_of(&app, "2024-10-01", 1).await, "2024-10-08");
    // 2024-10-12 (Saturday) is a 调休 working day and can be the 5th.
    assert_eq!(end_of(&app, "2024-10-03", 5).await, "2024-10-12");
    // Spring Festival 2025: 01-26 (Sunday) worked, 01-28…02-04 off, 02-08 (Saturday) worked.
    assert_eq!(end_of(&app, "2025-01-26", 2).await, "2025-01-27");
    assert_eq!(end_of(&app, "2025-01-27", 5).await, "2025-02-08");
    // An ordinary weekend start.
    assert_eq!(end_of(&app, "2024-06-08", 1).await, "2024-06-11");
    // Across a year end with both years known (元旦 2025 off).
    assert_eq!(end_of(&app, "2024-12-31", 2).await, "2025-01-02");
    // The largest count.
    let far = end_of(&app, "2023-01-03", 900).await;
    assert!(far.starts_with("2026-"), "{far}");
}

async fn refuses_bad_input_with_stable_codes(app: TestApp) {
    for (query, status, code) in [
        ("", 400, "parameter_missing"),
        ("?days=5", 400, "parameter_missing"),
        ("?start=2024-09-30", 400, "parameter_missing"),
        ("?start=&days=5", 400, "parameter_missing"),
        ("?start=2024-9-30&days=5", 400, "invalid_date"),
        ("?start=2024-02-30&days=5", 400, "invalid_date"),
        ("?start=20240930&days=5", 400, "invalid_date"),
        ("?start=2024-09-30T00:00:00&days=5", 400, "invalid_date"),
        ("?start=%E4%BB%8A%E5%A4%A9&days=5", 400, "invalid_date"),
        ("?start=2024-09-30&days=five", 400, "invalid_integer"),
        ("?start=2024-09-30&days=5.5", 400, "invalid_integer"),
        ("?start=2024-09-30&days=0", 400, "days_out_of_range"),
        ("?start=2024-09-30&days=-1", 400, "days_out_of_range"),
        ("?start=2024-09-30&days=1001", 400, "days_out_of_range"),
        ("?start=2024-09-30&days=184467440737095516160", 400, "days_out_of_range"),
        ("?start=%ZZ&days=5", 400, "invalid_date"),
        // A year without data is unknown, never guessed from weekdays.
        ("?start=2027-03-01&days=1", 422, "calendar_year_unknown"),
        ("?start=2026-12-31&days=2", 422, "calendar_year_unknown"),
        ("?start=2022-06-01&days=1", 422, "calendar_year_unknown"),
        ("?start=2023-01-03&days=1000", 422, "calendar_year_unknown"),
    ] {
        let (got_status, got_code, body) = problem(&app, query).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{query}: {body}");
    }
    // Every bad field is reported, start first.
    let (_, _, body) = problem(&app, "?start=x&days=y").await;
    let fields: Vec<_> = body["errors"].as_array().expect("errors").iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, ["start", "days"]);
    // The last day of known data still answers.
    assert_eq!(end_of(&app, "2026-12-31", 1).await, "2026-12-31");
}

async fn imported_years_take_precedence(app: TestApp) {
    // 2027 is unknown until an administrator imports it …
    let (status, _, _) = problem(&app, "?start=2026-12-31&days=2").await;
    assert_eq!(status, 422);
    let year_2027 = r#"{"year":2027,"source":"test notice","days":[
        {"date":"2027-01-01","name":"元旦","is_off_day":true}]}"#;
    app.app().import_calendar_year(year_2027, Some("test")).await.expect("imports");
    assert_eq!(end_of(&app, "2026-12-31", 2).await, "2027-01-04");

    // … and an imported year replaces the embedded one (here: 2024 without its National Day).
    let mut replaced: serde_json::Value =
        serde_json::from_str(include_str!("../../../domain/data/cn-holidays/2024.json")).expect("json");
    replaced["days"].as_array_mut().expect("days").retain(|d| d["name"] != "国庆节");
    app.app().import_calendar_year(&replaced.to_string(), Some("test")).await.expect("imports");
    assert_eq!(end_of(&app, "2024-09-30", 5).await, "2024-10-04");

    // Importing is audited.
    let actions = skillbase_store::audit::actions_for(&app.app().db, "calendar_year", "2024").await.expect("audit");
    assert_eq!(actions, ["calendar.import"]);

    // A malformed year changes nothing.
    let error = app
        .app()
        .import_calendar_year(
            r#"{"year":2024,"source":"x","days":[{"date":"2024-10-09","name":"x","is_off_day":false}]}"#,
            None,
        )
        .await
        .expect_err("a working day on a Wednesday is not a 调休");
    assert!(error.to_string().contains("周末"), "{error}");
    assert_eq!(end_of(&app, "2024-09-30", 5).await, "2024-10-04");
}
