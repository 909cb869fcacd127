//! The programme dashboard (C1), on both engines: with two bases recognised in 2024, a grant,
//! a payment, an expense and trainees recorded, the dashboard's figures — through the API, the
//! page (each chart followed by its table), the workbook and the public summary — are what the
//! records say; a base, an expert and the public see only what is theirs to see.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::TestApp;
use crate::on_both_engines;
use crate::page_client::{Cookie, get};
use crate::subsidy::{disburse, granted, recognised_bases, spend};

on_both_engines!(the_dashboard_adds_up_the_records);

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .and_then(|l| l.iter().find(|c| c["key"] == key))
        .and_then(|c| c["count"].as_i64())
        .unwrap_or_else(|| panic!("{key} in {list}"))
}

async fn the_dashboard_adds_up_the_records(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let ids: Vec<&str> = cast.bases.iter().map(|(b, _)| b.as_str()).collect();
    granted(&app, &cast, &ids).await;
    let (status, paid) = disburse(&app, &cast.staff, ids[0], "100000.00", "QP-2024-0101").await;
    assert_eq!(status, 201, "{paid}");
    let base = app.sign_in_again(&cast.bases[0].1).await;
    let (status, spent) = spend(&app, &base, ids[0], ("teacher_development", "25000.50")).await;
    assert_eq!(status, 201, "{spent}");
    for (n, (relation, category)) in
        [("own", "own_employee"), ("upstream", "supply_chain"), ("own", "own_employee")].into_iter().enumerate()
    {
        let digits = format!("31011819900101{:03}", 100 + n);
        let id = "0123456789X"
            .chars()
            .map(|c| format!("{digits}{c}"))
            .find(|id| skillbase_domain::resident_id::ResidentId::parse(id).is_ok())
            .expect("a check character");
        let mut body =
            json!({"name": format!("学员{n}"), "resident_id": id, "relation": relation, "category": category});
        if relation != "own" {
            body["employer"] = json!("上海某精密零件有限公司");
            body["employer_uscc"] = json!("91310118MA1G00011T");
        }
        let (status, trainee) = app.post_json_as(&base, &format!("/api/v1/bases/{}/trainees", ids[0]), &body).await;
        assert_eq!(status, 201, "{trainee}");
    }

    // The API: the same figures the records hold.
    let (status, report) = app.get_json_as(&cast.leader, "/api/v1/reports/program").await;
    assert_eq!(status, 200, "{report}");
    let bases = &report["bases"];
    assert_eq!((&bases["in_force"], &bases["target_min"], &bases["target_max"]), (&json!(2), &json!(5), &json!(10)));
    assert_eq!(bases["years"], json!([{"year": 2024, "recognised": 2, "in_force": 2, "revoked": 0}]), "{bases}");
    let industries: i64 =
        bases["industries"].as_array().expect("industries").iter().filter_map(|i| i["count"].as_i64()).sum();
    assert_eq!(industries, 2, "every base under its industry: {bases}");
    let funds = &report["funds"];
    assert_eq!(
        (&funds["granted_fen"], &funds["disbursed_fen"], &funds["spent_fen"]),
        (&json!(40_000_000), &json!(10_000_000), &json!(2_500_050))
    );
    assert_eq!(count(&funds["by_category"], "teacher_development"), 2_500_050);
    assert_eq!(funds["by_category"].as_array().map(Vec::len), Some(12), "every category of the policy");
    assert_eq!(funds["execution_basis_points"], 625, "25,000.50 of 400,000.00 = 6.25 %");
    let training = &report["training"];
    assert_eq!((&training["trainees"], &training["supply_chain"]), (&json!(3), &json!(1)), "{training}");
    assert_eq!(count(&training["by_category"], "own_employee"), 2);
    assert_eq!(training["supply_chain_basis_points"], 3333);
    let funnel = &report["funnels"][0];
    assert_eq!(funnel["reached"], json!([2, 2, 2, 2, 2, 2]), "both applications went all the way: {report}");

    // The page: every chart followed by its table, the figures in words.
    let staff = &cast.staff;
    let page = get(&app, "/reports/program", staff).await;
    assert_eq!(page.status, 200);
    for id in [
        "chart-in-force",
        "chart-industries",
        "chart-funds",
        "chart-categories",
        "chart-trainees",
        "chart-certificates",
    ] {
        assert!(
            page.html.contains(&format!("id=\"{id}\"")) && page.html.contains(&format!("id=\"{id}-table\"")),
            "{id}"
        );
    }
    assert!(
        page.html.contains("<svg") && page.html.contains("¥25,000.50") && page.html.contains("33.33%"),
        "{}",
        page.html
    );
    assert!(page.html.contains("2 家（目标 5–10 家）"));

    // The workbook: a row per figure.
    let book = get(&app, "/reports/program.xlsx", staff).await;
    assert_eq!(book.status, 200);
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(book.bytes.clone())).expect("xlsx");
    let sheet = calamine::Reader::worksheet_range(&mut workbook, "项目总览").expect("sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    assert!(rows.iter().any(|r| r[1] == "师资培养" && r[2] == "¥25,000.50"), "{rows:?}");

    // Who sees what: the coordination group yes; a base, an expert no; the public the bases only.
    let (status, _) = app.get_json_as(&cast.funding, "/api/v1/reports/program").await;
    assert_eq!(status, 200);
    let (status, _) = app.get_json_as(&base, "/api/v1/reports/program").await;
    assert_eq!(status, 403, "a base does not read the programme's books");
    let expert = app.sign_in_as(Role::Expert).await;
    assert_eq!(get(&app, "/reports/program", &expert).await.status, 403);
    let (status, public) = app.get_json("/api/v1/public/program").await;
    assert_eq!((status, &public["in_force"]), (200, &json!(2)), "{public}");
    assert!(public.get("funds").is_none() && public.get("training").is_none());
    let summary = get(&app, "/program", Cookie(None)).await;
    assert!(summary.html.contains("在册技能人才培育实训基地") && summary.html.contains("chart-industries-table"));
    assert!(!summary.html.contains("¥"), "no money on the public page");
}
