//! Expert review from the draw to the approved recognition list, in headless Chromium driven
//! over the DevTools protocol (chromiumoxide), on SQLite: one eligible application and
//! five experts of its industry are set up through the API and the pool's page; staff draw the
//! five on the application's review page; each expert signs in in the browser, declares no
//! conflict and scores every criterion; staff read the ranking, close the call and draft the
//! list on the console; the leader signs in with the authenticator's code and approves it. Each
//! person has their own browser context (no shared cookie). The outcome is read through the App.

use skillbase_domain::Clock;
use skillbase_domain::application::Status;
use skillbase_domain::ids::{ApplicationId, UserId};
use skillbase_domain::roles::Role;
use skillbase_domain::totp::TotpSecret;
use skillbase_store::users::{self, NewUser};

use crate::browser::Chromium;
use crate::helpers::{SignedIn, TestApp};
use crate::in_chromium;
use crate::page_client::post;
use crate::samples::{eligible_application, open_call, qingpu_uscc};
use crate::tab::{WAIT, give_session, private_tab, tab};

const PASSWORD: &str = "Pingshen-2024-base";

/// An account of `role` with a password the test types, as the sysadmin would create it.
async fn account(app: &TestApp, role: Role, username: &str, display_name: &str) -> String {
    let id: UserId = app.app().new_id();
    let hash = app.app().password_hashing.hash(PASSWORD).expect("hash");
    let mut tx = app.app().db.begin().await.expect("begin");
    let user = NewUser {
        id,
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
    id.to_string()
}

/// Staff give an expert account its profile through the pool's page (reviewing 大数字).
async fn give_profile(app: &TestApp, staff: &SignedIn, user: &str, name: &str, employer_uscc: &str) {
    let fields = [
        ("version", ""),
        ("name", name),
        ("title", "高级工程师"),
        ("employer_name", "青浦区某研究院"),
        ("employer_uscc", employer_uscc),
        ("industries", "digital"),
        ("active", "on"),
    ];
    let response = post(app, &format!("/bureau/experts/{user}"), staff, &fields).await;
    assert_eq!(response.status, 303, "{}", response.html);
}

/// What each expert gives each criterion (subject, site, team, rules, projects).
const SHEETS: [[&str; 5]; 5] = [
    ["18", "22", "22", "8", "16"],
    ["16", "20", "20", "8", "16"],
    ["18", "21", "20", "9", "17"],
    ["15", "18", "19", "7", "15"],
    ["19", "23", "23", "9", "18"],
];

// Once, on SQLite: the same pages on PostgreSQL are `review_pages.rs`
// (`a_review_from_the_draw_to_the_approved_list`).
in_chromium!(a_review_from_the_draw_to_the_approved_list_in_the_browser);

async fn a_review_from_the_draw_to_the_approved_list_in_the_browser(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let uscc = qingpu_uscc(7);
    let (_, application) = eligible_application(&app, &staff, &batch, (&uscc, "qingpu-seven"), false).await;
    let organization = "申报单位qingpu-seven";
    let mut experts = Vec::new();
    for i in 1..=5 {
        let username = format!("pingshen-{i}");
        let name = format!("评审专家{i}");
        let id = account(&app, Role::Expert, &username, &name).await;
        give_profile(&app, &staff, &id, &name, &qingpu_uscc(300 + i)).await;
        experts.push(username);
    }
    // The leader binds an authenticator (through the API) before signing in in the browser.
    account(&app, Role::Leader, "fenguan", "分管领导").await;
    let leader_api = app.login("fenguan", PASSWORD, None).await.expect("the leader signs in");
    let secret: TotpSecret = app.bind_totp(&leader_api).await;

    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };

    // 1. Staff draw five experts on the application's review page.
    let bureau = tab(&chromium, "staff", &app.base).await;
    give_session(&bureau, &staff).await;
    let review = format!("/bureau/applications/{application}/review");
    bureau.open(&review).await;
    bureau.text_has("#application-status", "资格审查通过").await;
    bureau.check("document.querySelector('#f-experts').value === '5'", "five experts by default").await;
    bureau.check("document.querySelector('#f-days').value === '5'", "five working days by default").await;
    bureau.press("#start button[type=submit]").await;
    bureau.sees("已抽取评审专家").await;
    bureau.text_has("#application-status", "专家评审中").await;
    bureau.check("document.querySelectorAll('article[id^=assignment-]').length === 5", "five experts drawn").await;
    bureau.text_has("#draws", "随机种子").await;

    // 2. Each expert signs in, finds the task, declares no conflict, reads and scores.
    for (i, username) in experts.iter().enumerate() {
        let who = format!("expert {}", i + 1);
        let me = private_tab(&mut chromium, &who, &app.base).await;
        me.sign_in((username, PASSWORD), "/expert", None).await;
        me.sees("新的评审任务").await;
        me.press("#my-assignments a").await;
        me.text_has("#assignment-status", "待声明回避").await;
        me.text_has("#organization", organization).await;
        me.check(
            "!document.querySelector('#materials') && !document.querySelector('a[href*=\"/attachments/\"]')",
            "nothing of the application before the declaration",
        )
        .await;
        me.tick("#f-conflict-no").await;
        me.press("#declare button[type=submit]").await;
        me.sees("已声明无利益冲突").await;
        me.text_has("#materials", "数控实训中心").await;
        me.check("document.querySelectorAll('#files a[download]').length > 0", "the files can be downloaded").await;
        for (k, points) in SHEETS[i].iter().enumerate() {
            me.type_into(&format!("#score-{k}-points"), points).await;
            me.type_into(&format!("#score-{k}-comment"), "材料齐全，符合评分标准").await;
        }
        me.press("#scoring button[type=submit]").await;
        me.sees("评分已提交").await;
        let total: u32 = SHEETS[i].iter().map(|p| p.parse::<u32>().expect("points")).sum();
        me.text_has("#my-total", &total.to_string()).await;
        me.page.close().await.expect("tab closes");
    }

    // 3. Staff read the ranking, close the call and draft the recognition list.
    let console = format!("/bureau/review?batch={batch}");
    bureau.open(&console).await;
    bureau.text_has(&format!("#progress-{application}"), "评分完成").await;
    bureau.text_has(&format!("#rank-{application}"), "拟认定").await;
    bureau.text_has(&format!("#rank-{application}"), "83.67").await;
    bureau.open("/bureau/batches").await;
    bureau.press(&format!("form[action=\"/bureau/batches/{batch}/close\"] button[type=submit]")).await;
    bureau.sees("申报批次已截止").await;
    bureau.open(&console).await;
    bureau.type_into("#f-note", "按评审排名拟定").await;
    bureau.press("#draft button[type=submit]").await;
    bureau.sees("已拟定认定名单，待分管领导审批").await;
    bureau.check("!document.querySelector('#approve')", "staff cannot approve").await;

    // 4. The leader signs in with the authenticator's code and approves the list.
    let leader = private_tab(&mut chromium, "leader", &app.base).await;
    app.clock.advance(chrono::TimeDelta::seconds(30));
    let code = secret.code_at(app.clock.now().timestamp());
    leader.sign_in(("fenguan", PASSWORD), "/bureau/proposals", Some(code)).await;
    leader
        .check("!!document.querySelector('li.nav-console a[href=\"/bureau/proposals\"]')", "认定名单审批 is offered")
        .await;
    leader.press("#proposals tbody a").await;
    leader.text_has("#proposal-status", "待领导审批").await;
    leader.text_has(&format!("#line-{application}"), "拟认定").await;
    leader.type_into("#f-approve-note", "同意").await;
    leader.press("#approve button[type=submit]").await;
    leader.sees("认定名单已审批通过").await;
    leader.text_has("#proposal-status", "已审批").await;
    chromium.close().await;

    // The application is approved, as the App reads it.
    let token = staff.cookie.split_once('=').expect("name=value").1;
    let who = app.app().authenticate(token).await.expect("session").expect("signed in");
    let id: ApplicationId = application.parse().expect("id");
    let stored = app.app().application(&who, id).await.expect("the application");
    assert_eq!(stored.status, Status::Approved);
    assert_eq!(stored.status.as_str(), "approved");
}
