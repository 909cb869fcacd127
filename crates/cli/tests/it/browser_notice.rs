//! A public notice from publication to the plaque, in headless Chromium driven over the
//! DevTools protocol (chromiumoxide), on SQLite: an approved list is set up and its
//! notice published through the API; a citizen files an objection on the public notice page
//! and sees the receipt; staff dismiss it on the bureau's page; the clock passes the end and
//! the close job closes the notice; the leader concludes it on the page; the plaque page
//! renders and prints to an A4 landscape PDF; the address in its QR code, opened in the
//! browser, verifies as 有效. And axe-core checks every public page against the WCAG 2.1 A and
//! AA rules: zero violations.

use chromiumoxide::cdp::browser_protocol::page::PrintToPdfParams;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde_json::{Value, json};
use skillbase_app::jobs::{Runner, RunnerConfig};
use skillbase_domain::roles::Role;

use crate::browser::Chromium;
use crate::helpers::{TestApp, at, skip};
use crate::in_chromium;
use crate::recognition_support::approved_list;
use crate::tab::{Tab, WAIT, give_session, private_tab};

impl Tab {
    /// Runs axe-core (injected over the DevTools protocol, so the page's CSP does not apply)
    /// with the WCAG 2.0/2.1 A and AA rules; each violation as "id (impact): targets".
    async fn axe(&self, source: &str) -> Vec<String> {
        let loaded = format!("{source}\n;typeof axe === 'object'");
        let injected = self.page.evaluate(EvaluateParams::new(loaded)).await.expect("axe-core is injected");
        assert_eq!(injected.into_value::<bool>().ok(), Some(true), "axe-core defines `axe`");
        let run = "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                   .then(r => JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, \
                   impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))}))";
        let result = self.page.evaluate(EvaluateParams::new(run)).await.expect("axe runs");
        let text: String = result.into_value().expect("a JSON text");
        let outcome: Value = serde_json::from_str(&text).expect("axe's results");
        assert!(outcome["passes"].as_u64().unwrap_or(0) > 0, "axe-core checked nothing: {outcome}");
        outcome["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .map(|v| format!("{} ({}): {} — {}", v["id"], v["impact"], v["help"], v["nodes"]))
            .collect()
    }
}

/// axe-core's browser build: `SKILLBASE_AXE_JS`, else the copy `.ci/run` installs.
pub(crate) fn axe_source() -> Option<String> {
    let path = std::env::var("SKILLBASE_AXE_JS").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
        format!("{home}/.cache/skillbase-axe/node_modules/axe-core/axe.min.js")
    });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            skip(&format!(
                "axe-core is not at {path} (npm install --prefix \"$HOME/.cache/skillbase-axe\" axe-core@4)"
            ));
            None
        }
    }
}

/// Every public page passes axe-core's WCAG 2.1 A/AA rules.
pub(crate) async fn accessible(tab: &Tab, source: &str, paths: &[String]) {
    let mut found = Vec::new();
    for path in paths {
        tab.open(path).await;
        for violation in tab.axe(source).await {
            found.push(format!("{path}: {violation}"));
        }
    }
    assert!(found.is_empty(), "WCAG 2.1 A/AA violations:\n{}", found.join("\n"));
}

// Once, on SQLite: the same pages (the objection, its resolution, closing, the plaque and its
// verification) on PostgreSQL are `notice_pages.rs` (`notice_objection_and_recognition_on_the_pages`).
in_chromium!(an_objection_and_a_plaque_in_the_browser);

async fn an_objection_and_a_plaque_in_the_browser(app: TestApp) {
    let approved = approved_list(&app, "bn", 1).await;
    let (application, organization) = approved.applications[0].clone();
    let (status, notice) = app
        .post_json_as(
            &approved.staff,
            "/api/v1/notices",
            &json!({"proposal_id": approved.proposal, "publish_on": "2024-09-27"}),
        )
        .await;
    assert_eq!(status, 201, "{notice}");
    let id = notice["id"].as_str().expect("id").to_owned();
    let last_day = notice["last_day"].as_str().expect("last day").to_owned();
    let axe = axe_source();
    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };

    // 1. A citizen objects on the public notice page and keeps the receipt.
    let citizen = private_tab(&mut chromium, "citizen", &app.base).await;
    citizen.open("/notices").await;
    citizen.press(&format!("a[href=\"/notices/{id}\"]")).await;
    citizen.sees(&organization).await;
    citizen.sees("公示期：2024年9月27日至").await;
    citizen.type_into("#f-name", "李明").await;
    citizen.type_into("#f-contact", "13912345678").await;
    citizen.choose_value("#f-concerning", &application).await;
    citizen.type_into("#f-facts", "该单位实训场地实为仓库，现场未见所列实训设备。").await;
    citizen.press("form[action$=\"/objections\"] button[type=submit]").await;
    citizen.sees("异议已收到").await;
    let receipt = citizen.text_of("#receipt").await;
    assert!(receipt.starts_with("YY2024-"), "{receipt}");
    if let Some(source) = &axe {
        let paths = [format!("/notices/{id}"), "/objections/lookup".to_owned()];
        accessible(&citizen, source, &paths).await;
    }

    // 2. Staff dismiss it on the notice's page.
    let staff = private_tab(&mut chromium, "staff", &app.base).await;
    give_session(&staff, &approved.staff).await;
    if let Some(source) = &axe {
        // A signed-in page too: the workbench with its left-hand navigation and breadcrumbs.
        let paths = [format!("/bureau/notices/{id}"), "/workbench".to_owned()];
        accessible(&staff, source, &paths).await;
        staff
            .check(
                "!!document.querySelector('nav.side-nav a[aria-current=\"page\"][href=\"/workbench\"]')",
                "the workbench is marked in the navigation",
            )
            .await;
    }
    staff.open(&format!("/bureau/notices/{id}")).await;
    staff.sees(&receipt).await;
    staff.sees("139****5678").await;
    let (_, objections) = app.get_json_as(&approved.staff, &format!("/api/v1/notices/{id}/objections")).await;
    let objection = objections[0]["id"].as_str().expect("objection").to_owned();
    staff.tick(&format!("#decision-{objection}-dismissed")).await;
    staff.type_into(&format!("#findings-{objection}"), "经现场核查，实训场地与申报材料一致。").await;
    staff.press(&format!("form[action$=\"/{objection}/resolve\"] button[type=submit]")).await;
    staff.sees("已办结该异议").await;
    staff.sees("异议不成立").await;

    // 3. The clock passes the end; the close job closes the notice.
    let next_day = chrono::NaiveDate::parse_from_str(&last_day, "%Y-%m-%d").expect("date").succ_opt().expect("day");
    app.clock.set(at(&format!("{next_day}T00:00:01+08:00")));
    Runner::business(app.app().clone(), RunnerConfig::default()).run_once().await.expect("the jobs run");
    let (_, closed) = app.get_json(&format!("/api/v1/public/notices/{id}")).await;
    assert_eq!(closed["status"], "closed", "{closed}");
    let row =
        skillbase_store::notices::notice(&app.app().db, id.parse().expect("id")).await.expect("read").expect("notice");
    assert_eq!(row.status.as_str(), "closed", "the job stored it closed");

    // 4. The leader concludes on the page and opens the plaque.
    let leader_session = app.sign_in_user(Role::Leader, "bn-leader", "分管领导").await.0;
    let leader = private_tab(&mut chromium, "leader", &app.base).await;
    give_session(&leader, &leader_session).await;
    leader.open(&format!("/bureau/notices/{id}")).await;
    leader.press(&format!("form[action=\"/bureau/notices/{id}/conclude\"] button[type=submit]")).await;
    leader.sees("已认定").await;
    leader.press("#plaques a").await;
    assert_eq!(leader.text_of("#plaque-number").await, "QPJD-2024-001");
    leader.sees(&organization).await;
    leader.sees("青浦区技能人才培育实训基地").await;
    leader.check("document.querySelectorAll('#plaque-qr rect').length > 50", "the QR code is drawn").await;
    let url: String = leader.eval("document.querySelector('#plaque-qr').dataset.url").await.expect("the QR's URL");
    assert_eq!(url, format!("{}/verify/QPJD-2024-001", app.base));
    let link: String = leader.eval("document.querySelector('#plaque-url').href").await.expect("the visible link");
    assert_eq!(link, url);
    let params = PrintToPdfParams::builder().prefer_css_page_size(true).print_background(true).build();
    let pdf = leader.page.pdf(params).await.expect("the plaque prints");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "one page");
    assert!(text.contains("/MediaBox [0 0 84"), "A4 landscape (842 × 595 pt)");

    // 5. The QR code's address verifies in the browser.
    citizen.open(&url).await;
    assert!(citizen.text_of("#verdict").await.starts_with("有效"));
    citizen.sees(&organization).await;
    citizen.sees("1234567812345678").await;

    // 6. Every public page passes axe-core.
    if let Some(source) = &axe {
        let mut paths: Vec<String> =
            ["/", "/notices", "/objections/lookup", "/bases", "/verify", "/calls", "/register", "/login"]
                .into_iter()
                .map(str::to_owned)
                .collect();
        paths.extend([
            format!("/notices/{id}"),
            "/verify/QPJD-2024-001".to_owned(),
            "/verify/QPJD-2099-999".to_owned(),
        ]);
        accessible(&citizen, source, &paths).await;
        // A phone-sized window too.
        citizen
            .page
            .execute(chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams::new(
                375, 740, 2.0, true,
            ))
            .await
            .expect("a phone's viewport");
        accessible(&citizen, source, &paths).await;
    }
    chromium.close().await;
}
