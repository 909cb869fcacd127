//! The annual review through its pages, on both engines, as the people who use it would: the
//! base finds its report under 年度复核, a bad correction comes back beside its field with what
//! was typed kept, the report is saved and submitted; another organisation finds nothing;
//! staff see the campaign and order rectification (a missing order is refused by field), the
//! base answers, staff pass it; a second base is proposed for revocation (voluntary exit), the
//! leader approves it, the decision letter prints and the public plaque check says revoked with
//! the date.

use serde_json::json;
use skillbase_domain::roles::Role;

use crate::helpers::{TestApp, at};
use crate::on_both_engines;
use crate::page_client::{FilePart, assert_redirect, get, post, post_multipart};
use crate::samples::PNG;
use crate::subsidy::recognised_bases;

on_both_engines!(a_report_filed_rectified_and_a_base_revoked_through_the_pages);

fn report_link(html: &str) -> String {
    let start = html.find("/annual-reports/").expect("a report link");
    html[start..].chars().take_while(|c| *c != '"').collect()
}

async fn a_report_filed_rectified_and_a_base_revoked_through_the_pages(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    app.clock.set(at("2025-01-06T09:00:00+08:00"));
    let staff = app.sign_in_user(Role::Staff, "staff-ar-pages", "年度复核经办人").await.0;
    let opened = get(&app, "/annual-reviews", &staff).await;
    assert!(opened.html.contains("开启年度复核"), "staff open campaigns here");
    let answer =
        post(&app, "/annual-reviews", &staff, &[("year", "2024"), ("cut_off", "2024-12-31"), ("days", "3")]).await;
    assert_eq!(answer.status, 400, "three days are too few");
    assert!(answer.html.contains("期限应为 5 至 60 个工作日") && answer.html.contains("value=\"2024-12-31\""));
    let answer =
        post(&app, "/annual-reviews", &staff, &[("year", "2024"), ("cut_off", "2024-12-31"), ("days", "10")]).await;
    assert_eq!(answer.status, 303, "{}", answer.html);
    let campaign = answer.location.split('?').next().expect("path").to_owned();
    let listed = get(&app, &campaign, &staff).await;
    assert!(listed.html.contains("共 2 条") && listed.html.contains("待填报"), "{}", listed.html);

    // The base files its report.
    let base = app.sign_in_again(&cast.bases[0].1).await;
    let mine = get(&app, "/annual-reviews", &base).await;
    assert_eq!(mine.status, 200);
    let report = report_link(&mine.html);
    let workbench = get(&app, "/workbench", &base).await;
    assert!(
        workbench.html.contains("待填报或整改的年度报告") && workbench.html.contains(&format!("href=\"{report}\"")),
        "the base's workbench leads to its report: {}",
        workbench.html
    );
    let page = get(&app, &report, &base).await;
    assert!(page.html.contains("年度数据") && page.html.contains("name=\"value.trainees\""), "{}", page.html);
    let kept = [
        ("standing.C2.1.1", "kept"),
        ("standing.C2.1.2", "kept"),
        ("standing.C2.1.3", "kept"),
        ("standing.C2.1.4", "changed"),
        ("note.C2.1.4", "制度上墙照片已更新"),
        ("plan", "2025 年开展数控车工培训两期"),
    ];
    let mut bad = kept.to_vec();
    bad.push(("value.trainees", "十二"));
    let no_file =
        || FilePart { field: "photo.C2.1.4", filename: "", content_type: "application/octet-stream", bytes: &[] };
    let refused = post_multipart(&app, &report, &base, &bad, no_file()).await;
    assert_eq!(refused.status, 400);
    assert!(refused.html.contains("请填写不小于 0 的整数") && refused.html.contains("value=\"十二\""), "kept as typed");
    assert!(refused.html.contains("2025 年开展数控车工培训两期"), "the plan is kept too");
    // A new photo of the rules on the wall goes with the self-assessment; a spreadsheet does not.
    let xlsx = {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet();
        workbook.save_to_buffer().expect("xlsx")
    };
    let sheet = FilePart {
        field: "photo.C2.1.4",
        filename: "制度.xlsx",
        content_type: "application/octet-stream",
        bytes: &xlsx,
    };
    let refused = post_multipart(&app, &report, &base, &kept, sheet).await;
    assert_eq!(refused.status, 400);
    assert!(refused.html.contains("请上传照片（JPEG 或 PNG）或 PDF"), "{}", refused.html);
    let photo = FilePart { field: "photo.C2.1.4", filename: "制度上墙.png", content_type: "image/png", bytes: PNG };
    let saved = post_multipart(&app, &report, &base, &kept, photo).await;
    assert_redirect(&saved, &format!("{report}?done=saved"));
    let photo_path = format!("{report}/photos/C2.1.4");
    let page = get(&app, &report, &base).await;
    assert!(
        page.html.contains(&format!("href=\"{photo_path}\"")) && page.html.contains("制度上墙.png"),
        "{}",
        page.html
    );
    let downloaded = get(&app, &photo_path, &staff).await;
    assert_eq!((downloaded.status, downloaded.bytes.as_slice()), (200, PNG), "staff read the photo");
    // Saving again without a new photo keeps the one given.
    let saved = post_multipart(&app, &report, &base, &kept, no_file()).await;
    assert_redirect(&saved, &format!("{report}?done=saved"));
    assert!(get(&app, &report, &base).await.html.contains("制度上墙.png"));
    let submitted = post(&app, &format!("{report}/decision"), &base, &[("action", "submit")]).await;
    assert_redirect(&submitted, &format!("{report}?done=submit"));
    let shown = get(&app, &format!("{report}?done=submit"), &base).await;
    assert!(shown.html.contains("年度报告已提交") && shown.html.contains("待复核"));
    assert!(!shown.html.contains("name=\"value.trainees\""), "a filed report is not edited");
    let other = app.sign_in_again(&cast.bases[1].1).await;
    assert_eq!(get(&app, &report, &other).await.status, 404, "another organisation finds nothing");
    assert_eq!(get(&app, &photo_path, &other).await.status, 404, "nor its photo");

    // Staff find it on their workbench, order rectification; the base answers; staff pass it.
    let workbench = get(&app, "/workbench", &staff).await;
    assert!(
        workbench.html.contains("待作出复核结论的年度报告") && workbench.html.contains(&format!("href=\"{report}\""))
    );
    let refused =
        post(&app, &format!("{report}/decision"), &staff, &[("action", "rectify"), ("comment", ""), ("days", "10")])
            .await;
    assert_eq!(refused.status, 400);
    assert!(refused.html.contains("请写明整改事项"), "{}", refused.html);
    let ordered = post(
        &app,
        &format!("{report}/decision"),
        &staff,
        &[("action", "rectify"), ("comment", "补充专职管理人员"), ("days", "10")],
    )
    .await;
    assert_redirect(&ordered, &format!("{report}?done=rectify"));
    let page = get(&app, &report, &base).await;
    assert!(
        page.html.contains("整改要求") && page.html.contains("补充专职管理人员") && page.html.contains("提交整改情况")
    );
    let answered =
        post(&app, &format!("{report}/decision"), &base, &[("action", "answer"), ("comment", "已聘用专职管理人员")])
            .await;
    assert_redirect(&answered, &format!("{report}?done=answer"));
    let passed = post(&app, &format!("{report}/decision"), &staff, &[("action", "pass")]).await;
    assert_redirect(&passed, &format!("{report}?done=pass"));
    let letter = get(&app, &format!("{report}/letter"), &base).await;
    assert!(letter.html.contains("2024 年度复核结论通知书") && letter.html.contains("复核通过"));
    let print = get(&app, &format!("{report}/print"), &staff).await;
    assert!(print.html.contains("2024 年度报告") && print.html.contains("制度上墙照片已更新"));

    // The second base asked to leave: staff propose, the leader approves.
    let (_, theirs) = app.get_json_as(&other, "/api/v1/annual-reports").await;
    let second = format!("/annual-reports/{}", theirs["items"][0]["id"].as_str().expect("id"));
    let proposed = post(
        &app,
        &format!("{second}/decision"),
        &staff,
        &[("action", "propose_revocation"), ("ground", "voluntary_exit"), ("comment", "基地书面申请退出")],
    )
    .await;
    assert_redirect(&proposed, &format!("{second}?done=propose_revocation"));
    let leader = app.sign_in_user(Role::Leader, "leader-ar-pages", "分管领导").await.0;
    let workbench = get(&app, "/workbench", &leader).await;
    assert!(
        workbench.html.contains("待审批的基地核销") && workbench.html.contains("基地申请退出"),
        "{}",
        workbench.html
    );
    let page = get(&app, &second, &leader).await;
    assert!(page.html.contains("核销审批") && page.html.contains("批准核销"), "{}", page.html);
    let approved = post(&app, &format!("{second}/decision"), &leader, &[("action", "approve_revocation")]).await;
    assert_redirect(&approved, &format!("{second}?done=approve_revocation"));
    let page = get(&app, &second, &leader).await;
    assert!(page.html.contains("已核销") && page.html.contains("2025-01-06"), "{}", page.html);
    let letter = get(&app, &format!("{second}/letter"), &other).await;
    assert!(letter.html.contains("实训基地核销决定书") && letter.html.contains("基地申请退出"), "{}", letter.html);
    let (_, bases) = app.get_json("/api/v1/public/bases").await;
    let number = bases
        .as_array()
        .expect("bases")
        .iter()
        .find(|b| b["status"] == json!("revoked"))
        .and_then(|b| b["number"].as_str())
        .expect("the revoked base listed")
        .to_owned();
    let verify = get(&app, &format!("/verify/{number}"), crate::page_client::Cookie(None)).await;
    assert!(verify.html.contains("已核销") && verify.html.contains("2025年1月6日"), "{}", verify.html);
}
