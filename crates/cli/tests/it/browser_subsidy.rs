//! The subsidy of one base in headless Chromium driven over the DevTools protocol
//! (chromiumoxide), on SQLite: staff sign in with the authenticator's code and draft the
//! funding request on the page; the leader signs in and endorses it; the coordination group
//! signs in and approves it; staff record a disbursement; the base records an expense with its
//! receipt chosen in the file input; staff approve the expense; the base report's Excel file,
//! fetched with the browser's own cookie, opens and shows the base's row. Each person has their
//! own browser context (no shared cookie). The base is recognised through the API first.

use skillbase_domain::Clock;
use skillbase_domain::ids::UserId;
use skillbase_domain::roles::Role;
use skillbase_domain::totp::TotpSecret;
use skillbase_store::users::{self, NewUser};

use crate::browser::Chromium;
use crate::helpers::{TempDir, TestApp};
use crate::in_chromium;
use crate::samples::PDF;
use crate::subsidy::recognised_bases;
use crate::tab::{WAIT, give_session, private_tab};

const PASSWORD: &str = "Zijin-bokuan-2024";

/// A bureau-side account with a password the test types and a bound authenticator (as the
/// sysadmin creates it and its holder binds it first).
async fn account(app: &TestApp, role: Role, username: &str, display_name: &str) -> TotpSecret {
    let hash = app.app().password_hashing.hash(PASSWORD).expect("hash");
    let mut tx = app.app().db.begin().await.expect("begin");
    let user = NewUser {
        id: app.app().new_id::<UserId>(),
        username,
        display_name,
        role: role.as_str(),
        password_hash: &hash,
        must_change_password: false,
        organization_id: None,
        at: app.app().now(),
    };
    users::insert(&mut tx, &user).await.expect("insert");
    tx.commit().await.expect("commit");
    let signed_in = app.login(username, PASSWORD, None).await.expect("signs in");
    app.bind_totp(&signed_in).await
}

/// The authenticator's next code (the clock moves to the next 30-second step first: a code is
/// accepted once).
fn next_code(app: &TestApp, secret: &TotpSecret) -> String {
    app.clock.advance(chrono::TimeDelta::seconds(30));
    secret.code_at(app.clock.now().timestamp())
}

// Once, on SQLite: the same pages on PostgreSQL are `subsidy_pages.rs`
// (`the_subsidy_from_the_request_to_the_dossier_on_the_pages`).
in_chromium!(a_base_funded_and_spending_in_the_browser);

async fn a_base_funded_and_spending_in_the_browser(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org_username) = cast.bases[0].clone();
    let staff_secret = account(&app, Role::Staff, "jingban-zijin", "经办人张").await;
    let leader_secret = account(&app, Role::Leader, "fenguan-zijin", "分管领导李").await;
    let group_secret = account(&app, Role::Funding, "xietiao-zijin", "协调小组王").await;
    let org = app.sign_in_again(&org_username).await;
    let files = TempDir::new();
    let receipt = files.path().join("培训费发票.pdf");
    std::fs::write(&receipt, PDF).expect("the receipt file");

    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };

    // 1. Staff sign in and draft the request for the base.
    let staff = private_tab(&mut chromium, "staff", &app.base).await;
    staff.sign_in(("jingban-zijin", PASSWORD), "/funds/requests", Some(next_code(&app, &staff_secret))).await;
    staff.check("!!document.querySelector('li.nav-console a[href=\"/funds/requests\"]')", "资助资金 is offered").await;
    staff.tick(&format!("#base-{base}")).await;
    staff.type_into("#f-note", "2024年度第一批").await;
    staff.press("#draft button[type=submit]").await;
    staff.sees("已拟定资金申请，待分管领导审核").await;
    staff.text_has("#request-status", "待领导审核").await;
    staff.text_has("#total-capital", "贰拾万元整").await;
    let request = staff.path().await.split('?').next().expect("a path").to_owned();

    // 2. The leader signs in and endorses it.
    let leader = private_tab(&mut chromium, "leader", &app.base).await;
    leader.sign_in(("fenguan-zijin", PASSWORD), "/funds/requests", Some(next_code(&app, &leader_secret))).await;
    leader.press("#requests tbody a").await;
    leader.text_has("#addressee", "区企业职工职业培训工作协调小组").await;
    leader.type_into("#f-approve-reason", "同意，报协调小组").await;
    leader.press("#approve button[type=submit]").await;
    leader.sees("已审核同意，资金申请已报协调小组").await;
    leader.text_has("#request-status", "已报协调小组").await;

    // 3. The coordination group signs in and approves it.
    let group = private_tab(&mut chromium, "coordination group", &app.base).await;
    group.sign_in(("xietiao-zijin", PASSWORD), "/funds/requests", Some(next_code(&app, &group_secret))).await;
    group.open(&request).await;
    group.check("document.querySelector('#approve button').innerText.trim() === '批准'", "批准 is offered").await;
    group.press("#approve button[type=submit]").await;
    group.sees("协调小组已批准，各基地的资助资金已核定").await;
    group.text_has("#request-status", "协调小组已批准").await;

    // 4. Staff record a disbursement on the base's page.
    let ledger = format!("/funds/bases/{base}");
    staff.open(&ledger).await;
    staff.text_has("#granted", "¥200,000.00").await;
    staff.type_into("#f-amount", "120000.00").await;
    staff.type_into("#f-voucher", "GK-2024-0001").await;
    staff.press("#disburse button[type=submit]").await;
    staff.sees("已登记拨付").await;
    staff.text_has("#disbursed", "¥120,000.00").await;

    // 5. The base records an expense with its receipt.
    let mine = private_tab(&mut chromium, "base", &app.base).await;
    give_session(&mine, &org).await;
    mine.open("/funds/bases").await;
    mine.press(&format!("a[href=\"{ledger}\"]")).await;
    mine.text_has("#balance", "¥120,000.00").await;
    mine.choose_value("#f-category", "teacher_development").await;
    mine.type_into("#f-amount", "30000.00").await;
    mine.type_into("#f-payee", "上海某职业技能培训中心").await;
    mine.type_into("#f-description", "数控车工师资培训 10 人").await;
    mine.type_into("#f-invoice-number", "24312000000000000001").await;
    mine.choose_file("#f-receipt", &receipt).await;
    mine.press("#new-expense button[type=submit]").await;
    mine.sees("已登记支出，待经办人审核").await;
    mine.text_has(".expense .expense-status", "待审核").await;
    mine.text_has("#balance", "¥90,000.00").await;
    mine.text_has(".expense a[download]", "培训费发票.pdf").await;

    // 6. Staff approve it.
    staff.open(&ledger).await;
    staff.text_has(".expense", "师资培养").await;
    staff.press(".expense form[action$=\"/approve\"] button[type=submit]").await;
    staff.sees("该笔支出已审核通过").await;
    staff.text_has(".expense .expense-status", "审核通过").await;

    // 7. The base report downloads as Excel with the browser's own session and shows the base.
    staff.open("/funds/reports").await;
    staff.text_has(&format!("#report-base-{base}"), "15.00%").await;
    let href = staff.eval::<String>("document.querySelector('#bases-xlsx').getAttribute('href')").await;
    let href = href.unwrap_or_default();
    assert_eq!(href, "/funds/reports/bases.xlsx");
    let cookie = staff.cookie_header().await;
    chromium.close().await;
    let response = app.client.get(app.url(&href)).header("cookie", cookie).send().await.expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment"));
    let bytes = response.bytes().await.expect("bytes").to_vec();
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = workbook.worksheet_range_at(0).expect("a sheet").expect("readable");
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let row = rows.iter().find(|r| r[1] == "申报单位org-1").unwrap_or_else(|| panic!("the base's row in {rows:?}"));
    assert_eq!(row[3..8], ["200000.00", "120000.00", "30000.00", "90000.00", "15.00%"]);
}
