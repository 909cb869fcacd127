//! The annual report filed and concluded in headless Chromium (DevTools protocol), on SQLite:
//! the base opens its report from 年度复核, sees the figures pre-filled from its records, tries a
//! correction without a reason (refused beside the field, the number kept), gives the reason,
//! assesses itself, saves and submits; staff open the same report and pass it, and the base
//! sees the conclusion; every page of the review, the programme dashboard and its public
//! summary pass axe-core. The campaign is opened through the API first.

use serde_json::json;
use skillbase_domain::roles::Role;

use crate::browser::Chromium;
use crate::helpers::{TestApp, at};
use crate::in_chromium;
use crate::subsidy::recognised_bases;
use crate::tab::{WAIT, give_session, private_tab};

// Once, on SQLite: the same pages on both engines are `annual_review_pages.rs`.
in_chromium!(a_report_is_filed_and_passed_in_the_browser);

async fn a_report_is_filed_and_passed_in_the_browser(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    app.clock.set(at("2025-01-06T09:00:00+08:00"));
    let staff = app.sign_in_user(Role::Staff, "staff-ar-browser", "年度复核经办人").await.0;
    let campaign = json!({"year": 2024, "cut_off": "2024-12-31", "days": 10});
    let (status, opened) = app.post_json_as(&staff, "/api/v1/annual-reviews", &campaign).await;
    assert_eq!(status, 201, "{opened}");
    let base = app.sign_in_again(&cast.bases[0].1).await;

    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };
    let mine = private_tab(&mut chromium, "base", &app.base).await;
    give_session(&mine, &base).await;
    mine.open("/annual-reviews").await;
    mine.press("#reports tbody a").await;
    mine.sees("年度数据").await;
    mine.text_has("#figure-granted", "资金台账").await;

    // A correction without its reason is refused beside the field; the number stays as typed.
    mine.type_into("#f-value-trainees", "5").await;
    mine.press("#save").await;
    mine.sees("更正数据须写明理由").await;
    mine.check("document.querySelector('#f-value-trainees').value === '5'", "the number typed is kept").await;

    mine.type_into("#f-reason-trainees", "年内另有 5 人参加外派培训，名册未及登记").await;
    for clause in ["C2-1-1", "C2-1-2", "C2-1-3", "C2-1-4"] {
        mine.tick(&format!("#f-standing-{clause}-kept")).await;
    }
    mine.type_into("#f-plan", "2025 年开展数控车工中级班两期").await;
    mine.press("#save").await;
    mine.sees("已保存").await;
    mine.press("#submit-report button[type=submit]").await;
    mine.sees("年度报告已提交").await;
    mine.text_is("#report-status", "待复核").await;
    mine.text_has("#corrected-trainees", "5").await;

    // Staff pass it; the base sees the conclusion.
    let theirs = private_tab(&mut chromium, "staff", &app.base).await;
    give_session(&theirs, &staff).await;
    let here = mine.path().await;
    let report = here.split('?').next().unwrap_or_default().to_owned();
    theirs.open(&report).await;
    theirs.type_into("#f-pass-comment", "培训开展正常").await;
    theirs.press("#pass button[type=submit]").await;
    theirs.sees("已作出复核通过的结论").await;
    mine.open(&report).await;
    mine.text_is("#report-status", "复核通过").await;
    mine.sees("培训开展正常").await;

    // The review's pages, the dashboard and the public summary pass axe-core's WCAG 2.1 A/AA
    // rules, as the base and as staff (with their forms).
    if let Some(source) = crate::browser_notice::axe_source() {
        let ours = [
            "/annual-reviews".to_owned(),
            report.clone(),
            format!("{report}/print"),
            format!("{report}/letter"),
            "/workbench".to_owned(),
        ];
        crate::browser_notice::accessible(&mine, &source, &ours).await;
        let campaign = format!("/annual-reviews/{}", opened["id"].as_str().expect("id"));
        let bureau = [campaign, "/annual-reviews".to_owned(), "/reports/program".to_owned(), "/program".to_owned()];
        crate::browser_notice::accessible(&theirs, &source, &bureau).await;
    }
    chromium.close().await;
}
