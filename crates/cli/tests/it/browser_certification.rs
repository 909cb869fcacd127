//! A base enters a certification session's results in headless Chromium driven over the
//! DevTools protocol (chromiumoxide), on SQLite: a number that is not one of its trainees is
//! refused beside the field, which comes back empty (the number is nowhere on the page) while
//! the scores typed stay; two candidates' scores are saved and listed masked with their result;
//! the session is submitted. Once staff have published it (through the API), the base opens the
//! certificate's print page, follows the address its QR code carries and reads 有效. The base is
//! recognised, files and is approved through the API first; the same pages on both engines are
//! `certification_pages.rs`. Every new page, the base's and the bureau's, passes axe-core's
//! WCAG 2.1 A/AA rules.

use serde_json::json;

use crate::browser::Chromium;
use crate::helpers::{ROLE_PASSWORD, TestApp};
use crate::in_chromium;
use crate::subsidy::recognised_bases;
use crate::tab::{WAIT, give_session, private_tab};

const PEOPLE: [(&str, &str); 2] = [("张三", "310118199001011231"), ("李四", "310118200002290020")];

in_chromium!(a_base_enters_results_in_the_browser);

async fn a_base_enters_results_in_the_browser(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org_username) = cast.bases[0].clone();
    let org = app.sign_in_again(&org_username).await;
    let api = |tail: &str| format!("/api/v1/bases/{base}/{tail}");
    for (name, number) in PEOPLE {
        let body = json!({"name": name, "resident_id": number, "relation": "own", "category": "own_employee"});
        let (status, trainee) = app.post_json_as(&org, &api("trainees"), &body).await;
        assert_eq!(status, 201, "{trainee}");
    }
    let (status, filing) = app
        .post_json_as(&org, &api("certification-filings"), &json!({"occupation": "6-31-01-02", "levels": ["3"]}))
        .await;
    assert_eq!(status, 201, "{filing}");
    let filing = filing["id"].as_str().expect("id").to_owned();
    let decision = format!("/api/v1/certification-filings/{filing}/decision");
    for (who, action) in [(&cast.staff, "recommend"), (&cast.leader, "approve")] {
        let (status, decided) = app.post_json_as(who, &decision, &json!({"action": action})).await;
        assert_eq!(status, 200, "{decided}");
    }
    let session = json!({"occupation": "6-31-01-02", "level": "3", "held_on": "2024-10-14", "place": "基地实训楼 201",
                         "assessors": ["张考评", "李考评", "王考评"], "self_evaluation": false});
    let (status, session) = app.post_json_as(&org, &api("certification-sessions"), &session).await;
    assert_eq!(status, 201, "{session}");
    let session = session["id"].as_str().expect("id").to_owned();

    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };
    let mine = private_tab(&mut chromium, "base", &app.base).await;
    give_session(&mine, &org).await;
    let page = format!("/training/{base}/certification/sessions/{session}");
    mine.open(&page).await;
    mine.text_is("#session-status", "录入中").await;

    // 1. A number that is not one of the base's trainees: refused beside the field, not kept.
    let stranger = "31011819851231108X";
    mine.type_into("#f-resident-id", stranger).await;
    mine.type_into("#f-theory", "90").await;
    mine.type_into("#f-practical", "88").await;
    mine.press("#new-result button[type=submit]").await;
    mine.text_has("#f-resident-id-error", "本基地没有该身份证号码的学员").await;
    assert_eq!(mine.value_of("#f-resident-id").await, "", "the number is not written back");
    assert_eq!(mine.value_of("#f-theory").await, "90", "the scores typed stay");
    mine.sees_not(stranger).await;

    // 2. Two candidates: one passes, one does not; listed masked.
    for ((_, number), (theory, practical)) in PEOPLE.iter().zip([("85.5", "90"), ("59", "95")]) {
        mine.type_into("#f-resident-id", number).await;
        mine.type_into("#f-theory", theory).await;
        mine.type_into("#f-practical", practical).await;
        mine.press("#new-result button[type=submit]").await;
        mine.sees("已保存考生成绩").await;
    }
    mine.text_is("#session-candidates", "2").await;
    mine.text_is("#session-passed", "1").await;
    mine.text_has("#results", "85.5").await;
    mine.text_has("#results", "不合格").await;
    for (name, number) in PEOPLE {
        mine.sees(name).await;
        mine.sees(&format!("{}**********{}", &number[..4], &number[14..])).await;
        mine.sees_not(number).await;
    }

    // 3. Submitted: no more changes.
    mine.press("#submit-session button[type=submit]").await;
    mine.sees("已提交考评结果").await;
    mine.text_is("#session-status", "待审核").await;
    mine.check("!document.querySelector('#new-result')", "no results form once submitted").await;

    // 4. Published by staff; the printed certificate's QR code leads to 有效.
    let (status, _) = app.post_json_as(&cast.staff, "/api/v1/me/reauth", &json!({"password": ROLE_PASSWORD})).await;
    assert_eq!(status, 204);
    let decide = format!("/api/v1/certification-sessions/{session}/decision");
    let (status, published) = app.post_json_as(&cast.staff, &decide, &json!({"action": "publish"})).await;
    assert_eq!(status, 200, "{published}");
    mine.open(&format!("/training/{base}/certification/certificates")).await;
    mine.text_has("#total", "共 1 条").await;
    mine.press("#certificates tbody a").await;
    let certificate_page = mine.path().await;
    mine.text_is("#certificate-status", "有效").await;
    mine.press("a[href$=\"/print\"]").await;
    mine.text_is("#certificate-number", "QPZS-2024-000001").await;
    mine.text_is("#certificate-holder", "张三").await;
    mine.check("document.querySelectorAll('#certificate-qr rect').length > 20", "the QR code is drawn").await;
    let url = mine.eval::<String>("document.querySelector('#certificate-qr').dataset.url").await.unwrap_or_default();
    let html = mine.eval::<String>("document.documentElement.outerHTML").await.unwrap_or_default();
    assert_eq!(crate::screens::read_qr(&html, "certificate-qr"), url, "the QR code carries the address shown");
    mine.open(&url).await;
    mine.text_has("#verdict", "有效").await;
    mine.sees("QPZS-2024-000001").await;

    // 5. The pages pass axe-core, as the base and as staff (with their decision forms).
    if let Some(source) = crate::browser_notice::axe_source() {
        let root = format!("/training/{base}/certification");
        let ours = [
            root.clone(),
            format!("{root}/filings/{filing}"),
            format!("{root}/sessions"),
            page.clone(),
            format!("{root}/certificates"),
            certificate_page.clone(),
            format!("{}/print", certificate_page.replace(&format!("{root}/certificates"), "/certificates")),
        ];
        crate::browser_notice::accessible(&mine, &source, &ours).await;
        let staff = private_tab(&mut chromium, "staff", &app.base).await;
        give_session(&staff, &cast.staff).await;
        let (status, second) = app
            .post_json_as(&org, &api("certification-filings"), &json!({"occupation": "6-31-01-02", "levels": ["4"]}))
            .await;
        assert_eq!(status, 201, "{second}");
        let second = second["id"].as_str().expect("id");
        let bureau = [
            "/bureau/certification?status=".to_owned(),
            "/bureau/certification/sessions?status=".to_owned(),
            "/bureau/certification/certificates".to_owned(),
            format!("{root}/filings/{second}"),
            page.clone(),
            certificate_page.clone(),
        ];
        crate::browser_notice::accessible(&staff, &source, &bureau).await;
    }
    chromium.close().await;
}
