//! The training records on the pages, as a recognised base and staff use them without
//! JavaScript, on both engines: a project, a class, trainees (a wrong ID number and a duplicate
//! refused beside the field, nothing stored), the list paged by cursor with its total, found by
//! exact ID number and by name, enrolments with their results, a master–apprentice pair with its
//! agreement, a competition with a result; the ID number masked on every page and in the
//! export, shown in full only after typing the password again, and that reveal audited; staff
//! read without forms; another organisation finds nothing.

use skillbase_app::audit::AuditFilter;
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, FilePart, assert_redirect, get, post, post_multipart};
use crate::samples::PDF;
use crate::subsidy::recognised_bases;

const PEOPLE: [(&str, &str); 3] =
    [("张三", "310118199001011231"), ("李四", "310118200002290020"), ("王五", "31011819851231108X")];

fn trainee_fields<'a>(name: &'a str, number: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("resident_id", number),
        ("phone", "13812345678"),
        ("relation", "own"),
        ("category", "own_employee"),
    ]
}

/// The id after `prefix` in the page's first link that starts with it.
fn first_link(html: &str, prefix: &str) -> String {
    let at = html.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("no link to {prefix} in {html}"));
    let rest = &html[at + 6 + prefix.len()..];
    rest.split(['"', '?', '/']).next().expect("an id").to_owned()
}

fn assert_refused(answer: &Answer, status: u16, text: &str) {
    assert_eq!(answer.status, status, "{}", answer.html);
    assert!(answer.html.contains(text), "{text} not in {}", answer.html);
}

on_both_engines!(
    a_base_records_its_training_on_the_pages,
    staff_read_and_other_organisations_find_nothing,
    a_roster_is_imported_whole_or_not_at_all,
    class_and_enrolment_rosters_through_the_api,
    a_large_roster_is_imported_by_a_job
);

async fn a_base_records_its_training_on_the_pages(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = (cast.bases[0].0.clone(), cast.bases[0].1.clone());
    let org = app.sign_in_again(&org).await;
    let root = format!("/training/{base}");

    let mine = get(&app, "/training", &org).await;
    assert_eq!(mine.status, 200, "{}", mine.html);
    assert!(mine.html.contains(&format!("href=\"{root}\"")), "{}", mine.html);
    assert!(mine.html.contains(r#"<li class="nav-console"><a href="/training""#), "培训记录 in the navigation");

    // A project needs at least one criterion of C2.2.
    let refused = post(&app, &format!("{root}/projects"), &org, &[("occupation", "6-31-01-02"), ("levels", "4")]).await;
    assert_refused(&refused, 400, "请至少选择一项符合的项目条件");
    let done = post(
        &app,
        &format!("{root}/projects"),
        &org,
        &[("occupation", "6-31-01-02"), ("levels", "4"), ("levels", "3"), ("criteria", "large_demand")],
    )
    .await;
    assert_redirect(&done, &format!("{root}?done=project"));
    let overview = get(&app, &root, &org).await;
    assert!(
        overview.html.contains("机修钳工") && overview.html.contains("四级/中级工、三级/高级工"),
        "{}",
        overview.html
    );
    let project = first_link_in_rows(&overview.html, "projects-");

    // A class of the project; a joint class must name its college.
    let class_fields = |mode: &'static str, college: &'static str| {
        vec![
            ("project", project.clone()),
            ("name", "机修钳工中级班".to_owned()),
            ("mode", mode.to_owned()),
            ("college", college.to_owned()),
            ("starts_on", "2024-10-15".to_owned()),
            ("ends_on", "2024-12-15".to_owned()),
            ("hours", "40".to_owned()),
            ("place", "实训楼 201".to_owned()),
            ("teachers", "赵师傅".to_owned()),
        ]
    };
    let as_refs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let fields = as_refs(&class_fields("joint_college", ""));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post(&app, &format!("{root}/classes"), &org, &fields).await;
    assert_refused(&refused, 400, "校企联合培训须写明合作的职业院校");
    assert!(refused.html.contains("实训楼 201"), "what was typed is kept");
    let fields = as_refs(&class_fields("joint_college", "上海市青浦区职业技术学校"));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_redirect(
        &post(&app, &format!("{root}/classes"), &org, &fields).await,
        &format!("{root}/classes?done=class"),
    );
    let classes = get(&app, &format!("{root}/classes"), &org).await;
    let class = first_link(&classes.html, &format!("{root}/classes/"));

    // Trainees: a wrong check character, then three people, then one of them again.
    let refused = post(&app, &format!("{root}/trainees"), &org, &trainee_fields("张三", "110105194912310021")).await;
    assert_refused(&refused, 400, "校验");
    assert!(!refused.html.contains("110105194912310021"), "the refused number is not echoed back");
    for (name, number) in PEOPLE {
        let done = post(&app, &format!("{root}/trainees"), &org, &trainee_fields(name, number)).await;
        assert_redirect(&done, &format!("{root}/trainees?done=trainee"));
    }
    let again = post(&app, &format!("{root}/trainees"), &org, &trainee_fields("张三丰", PEOPLE[0].1)).await;
    assert_refused(&again, 400, "该身份证号码已登记为本基地学员（张三）");

    // The list: masked numbers, a total, pages by cursor that lose and repeat nothing.
    let first = get(&app, &format!("{root}/trainees?limit=2"), &org).await;
    assert!(first.html.contains("共 3 条，本页 2 条"), "{}", first.html);
    assert!(first.html.contains("3101**********1231") || first.html.contains("3101**********0020"));
    for (_, number) in PEOPLE {
        assert!(!first.html.contains(number), "a full number on the list");
    }
    let next =
        first.html.split("id=\"next-page\"").next().and_then(|s| s.rsplit("href=\"").next()).expect("a next link");
    let next = next.trim_end_matches("\" ").replace("&#38;", "&").replace("&amp;", "&");
    let second = get(&app, &next, &org).await;
    assert!(second.html.contains("共 3 条，本页 1 条"), "{}", second.html);
    assert!(!second.html.contains("id=\"next-page\""));
    let names_on = |html: &str| PEOPLE.iter().filter(|(name, _)| html.contains(&format!(">{name}</a>"))).count();
    assert_eq!(names_on(&first.html) + names_on(&second.html), 3);
    // Found by the exact number (through the blind index) and by name.
    let found = post(&app, &format!("{root}/trainees/search"), &org, &[("resident_id", PEOPLE[2].1)]).await;
    assert!(found.html.contains("共 1 条") && found.html.contains(">王五</a>"), "{}", found.html);
    assert!(!found.html.contains(PEOPLE[2].1), "the searched number is not written back");
    let found = get(&app, &format!("{root}/trainees?name={}", "李"), &org).await;
    assert!(found.html.contains("共 1 条") && found.html.contains(">李四</a>"), "{}", found.html);

    // Enrolments by ID number; a result before completion is refused.
    let enrol = |number: &'static str| {
        let (app, org, root, class) = (&app, &org, &root, &class);
        async move {
            post(app, &format!("{root}/classes/{class}/enrolments"), org, &[("resident_id", number), ("hours", "8")])
                .await
        }
    };
    assert_redirect(&enrol(PEOPLE[0].1).await, &format!("{root}/classes/{class}?done=enrolled"));
    assert_refused(&enrol(PEOPLE[0].1).await, 400, "已在该培训班中");
    let class_page = get(&app, &format!("{root}/classes/{class}"), &org).await;
    let enrolment = first_link(&class_page.html, &format!("{root}/enrolments/"));
    let path = format!("{root}/enrolments/{enrolment}");
    let refused = post(&app, &path, &org, &[("hours", "41"), ("completion", "enrolled"), ("outcome", "passed")]).await;
    assert_refused(&refused, 400, "出勤课时须为 0 至 40 之间的整数");
    assert!(refused.html.contains("结业后才能登记考核结果"));
    let done = post(&app, &path, &org, &[("hours", "40"), ("completion", "completed"), ("outcome", "passed")]).await;
    assert_redirect(&done, &format!("{path}?done=enrolment"));
    assert!(get(&app, &path, &org).await.html.contains("<dd id=\"enrolment-outcome\">合格</dd>"));

    // A master–apprentice pair with its agreement, which can be downloaded again.
    let pair_fields = [
        ("apprentice", PEOPLE[1].1),
        ("master", "赵师傅"),
        ("master_title", "高级技师"),
        ("occupation", "6-31-01-02"),
        ("starts_on", "2024-10-15"),
        ("ends_on", "2025-10-14"),
    ];
    let agreement =
        FilePart { field: "agreement", filename: "师带徒协议.pdf", content_type: "application/pdf", bytes: PDF };
    let done = post_multipart(&app, &format!("{root}/apprenticeships"), &org, &pair_fields, agreement).await;
    assert_redirect(&done, &format!("{root}/apprenticeships?done=pair"));
    let pairs = get(&app, &format!("{root}/apprenticeships"), &org).await;
    let pair = first_link(&pairs.html, &format!("{root}/apprenticeships/"));
    let file = get(&app, &format!("{root}/apprenticeships/{pair}/agreement"), &org).await;
    assert_eq!((file.status, file.bytes.as_slice()), (200, PDF));

    // A competition and a participant's result.
    let done = post(
        &app,
        &format!("{root}/competitions"),
        &org,
        &[("name", "青浦区机修钳工技能竞赛"), ("level", "district"), ("held_on", "2024-10-12")],
    )
    .await;
    assert_redirect(&done, &format!("{root}/competitions?done=competition"));
    let list = get(&app, &format!("{root}/competitions"), &org).await;
    let competition = first_link(&list.html, &format!("{root}/competitions/"));
    let path = format!("{root}/competitions/{competition}/entries");
    let done =
        post(&app, &path, &org, &[("resident_id", PEOPLE[0].1), ("result", "第 2 名"), ("award", "二等奖")]).await;
    assert_redirect(&done, &format!("{root}/competitions/{competition}?done=entry"));
    let page = get(&app, &format!("{root}/competitions/{competition}"), &org).await;
    assert!(page.html.contains("二等奖") && page.html.contains(">张三</a>"), "{}", page.html);
    // Filtered by level and name, and by a pair's master and outcome.
    let list = get(&app, &format!("{root}/competitions?level=district&name=机修"), &org).await;
    assert!(list.html.contains("共 1 条"), "{}", list.html);
    assert!(get(&app, &format!("{root}/competitions?level=national"), &org).await.html.contains("共 0 条"));
    assert!(
        get(&app, &format!("{root}/apprenticeships?master=赵&outcome=ongoing"), &org).await.html.contains("共 1 条")
    );
    assert!(get(&app, &format!("{root}/apprenticeships?outcome=completed"), &org).await.html.contains("共 0 条"));

    // The counts on the overview.
    let overview = get(&app, &root, &org).await;
    for (id, n) in [("count-trainees", "3"), ("count-enrolments", "1"), ("count-completed", "1"), ("count-pairs", "1")]
    {
        assert!(overview.html.contains(&format!("<dd id=\"{id}\">{n}</dd>")), "{id}: {}", overview.html);
    }

    // The export: every trainee, numbers masked.
    let export = get(&app, &format!("{root}/trainees.xlsx"), &org).await;
    assert_eq!(export.status, 200);
    let text = xlsx_text(export.bytes);
    for (name, number) in PEOPLE {
        assert!(text.contains(name) && !text.contains(number), "{text}");
    }
    let export = get(&app, &format!("{root}/enrolments.xlsx"), &org).await;
    let text = xlsx_text(export.bytes);
    assert!(text.contains("机修钳工中级班|张三|3101**********1231|40|结业|合格"), "{text}");
    let export = get(&app, &format!("{root}/classes.xlsx"), &org).await;
    assert!(xlsx_text(export.bytes).contains("机修钳工中级班|6-31-01-02|机修钳工|校企联合培训"));
    let exports = app
        .app()
        .audit_entries(&AuditFilter { from_seq: 1, action: Some("export"), limit: 50, ..Default::default() })
        .await
        .expect("audit");
    let exported: Vec<&str> = exports.iter().map(|r| r.record.object_type.as_str()).collect();
    assert_eq!(exported, ["training_trainees", "training_enrolments", "training_classes"]);
    let export = xlsx_text(get(&app, &format!("{root}/apprenticeships.xlsx"), &org).await.bytes);
    assert!(export.contains("李四|赵师傅|高级技师|6-31-01-02|机修钳工|2024-10-15|2025-10-14|带教中"), "{export}");
    let export = xlsx_text(get(&app, &format!("{root}/competitions.xlsx"), &org).await.bytes);
    assert!(
        export.contains("青浦区机修钳工技能竞赛|区级|2024-10-12||张三|3101**********1231|第 2 名|二等奖"),
        "{export}"
    );

    // The full number: only after the password again, and audited.
    let zhang = first_link_in_rows(&found_page(&app, &org, &root, PEOPLE[0].1).await, "trainees-");
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let stale = post(&app, &format!("{root}/trainees/{zhang}/reveal"), &org, &[]).await;
    assert_eq!(stale.status, 401, "{}", stale.html);
    assert!(!stale.html.contains(PEOPLE[0].1));
    let fresh = app.sign_in_again(&cast.bases[0].1).await;
    let shown = post(&app, &format!("{root}/trainees/{zhang}/reveal"), &fresh, &[]).await;
    assert_eq!(shown.status, 200, "{}", shown.html);
    assert!(shown.html.contains(&format!("<p class=\"reveal\" id=\"revealed-number\">{}</p>", PEOPLE[0].1)));
    assert_eq!(shown.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let reveals = app
        .app()
        .audit_entries(&AuditFilter {
            from_seq: 1,
            action: Some("training.trainee_reveal"),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(reveals.len(), 1, "one reveal, one record");
    let trail =
        app.app().audit_entries(&AuditFilter { from_seq: 1, limit: 500, ..Default::default() }).await.expect("audit");
    assert!(
        trail.iter().all(|r| PEOPLE.iter().all(|(_, number)| !r.record.detail.contains(number))),
        "no number in the trail"
    );
}

/// The trainee list searched by an exact number.
async fn found_page(app: &TestApp, who: &SignedIn, root: &str, number: &str) -> String {
    post(app, &format!("{root}/trainees/search"), who, &[("resident_id", number)]).await.html
}

/// The id of the first row of a table whose rows are `{prefix}{id}`.
fn first_link_in_rows(html: &str, prefix: &str) -> String {
    let at = html.find(&format!("id=\"{prefix}")).unwrap_or_else(|| panic!("no row {prefix} in {html}"));
    html[at + 4 + prefix.len()..].split('"').next().expect("an id").to_owned()
}

fn xlsx_text(bytes: Vec<u8>) -> String {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = workbook.worksheet_range_at(0).expect("a sheet").expect("readable");
    range.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("|")
}

async fn staff_read_and_other_organisations_find_nothing(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (first, second) = (cast.bases[0].0.clone(), cast.bases[1].0.clone());
    let org = app.sign_in_again(&cast.bases[0].1).await;
    let root = format!("/training/{first}");
    assert_redirect(
        &post(&app, &format!("{root}/trainees"), &org, &trainee_fields(PEOPLE[0].0, PEOPLE[0].1)).await,
        &format!("{root}/trainees?done=trainee"),
    );
    // Staff and leaders read, and have no forms; their posts are refused.
    for who in [&cast.staff, &cast.leader] {
        let page = get(&app, &format!("{root}/trainees"), who).await;
        assert_eq!(page.status, 200, "{}", page.html);
        assert!(page.html.contains(">张三</a>") && !page.html.contains("id=\"new-trainee\""), "{}", page.html);
        let refused = post(&app, &format!("{root}/trainees"), who, &trainee_fields("赵六", PEOPLE[1].1)).await;
        assert_eq!(refused.status, 403, "{}", refused.html);
    }
    // The other base's organisation finds nothing of this base, and its own base is empty.
    let other = app.sign_in_again(&cast.bases[1].1).await;
    for path in [root.clone(), format!("{root}/trainees"), format!("{root}/classes"), format!("{root}/trainees.xlsx")] {
        assert_eq!(get(&app, &path, &other).await.status, 404, "{path}");
    }
    let refused = post(&app, &format!("{root}/trainees"), &other, &trainee_fields("赵六", PEOPLE[1].1)).await;
    assert_eq!(refused.status, 404, "{}", refused.html);
    let own = get(&app, &format!("/training/{second}/trainees"), &other).await;
    assert!(own.html.contains("共 0 条"), "{}", own.html);
    // An expert is refused by the table; an unknown base is not found.
    let expert = app.sign_in_as(Role::Expert).await;
    assert_eq!(get(&app, &root, &expert).await.status, 403);
    assert_eq!(get(&app, "/training/not-an-id", &org).await.status, 404);
}

/// A trainee roster as a base fills in the template: the template's headers, then `rows`.
fn roster(rows: &[[&str; 7]]) -> Vec<u8> {
    let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.to_vec()).collect();
    roster_of(skillbase_app::roster::RosterKind::Trainees, &rows)
}

async fn a_roster_is_imported_whole_or_not_at_all(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let base = cast.bases[0].0.clone();
    let org = app.sign_in_again(&cast.bases[0].1).await;
    let root = format!("/training/{base}");
    assert_redirect(
        &post(&app, &format!("{root}/trainees"), &org, &trainee_fields(PEOPLE[0].0, PEOPLE[0].1)).await,
        &format!("{root}/trainees?done=trainee"),
    );
    // The template: the columns, the dropdowns and the instructions.
    let template = get(&app, &format!("{root}/import/trainees/template.xlsx"), &org).await;
    assert_eq!(template.status, 200);
    let text = xlsx_text(template.bytes);
    assert!(text.contains("居民身份证号码") && text.contains("人员类别"), "{text}");

    // Five rows, three of them wrong and one already on file: nothing is stored.
    let upload = |bytes: Vec<u8>| {
        let (app, org, root) = (&app, &org, &root);
        async move {
            let file = FilePart {
                field: "file",
                filename: "学员名册.xlsx",
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes: &bytes,
            };
            post_multipart(app, &format!("{root}/import/trainees"), org, &[], file).await
        }
    };
    let bad = roster(&[
        ["李四", PEOPLE[1].1, "13812345678", "", "", "本单位", "本单位职工"],
        ["", "310118199001011232", "", "", "", "本单位", "本单位职工"],
        ["王五", PEOPLE[2].1, "", "上海某物流有限公司", "", "上游企业", "产业链上下游企业职工"],
        ["赵六", PEOPLE[1].1, "", "", "", "本单位", "外星人"],
        ["张三", PEOPLE[0].1, "", "", "", "本单位", "本单位职工"],
    ]);
    let refused = upload(bad).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    for reason in
        ["请填写姓名", "校验", "上下游企业须填写统一社会信用代码", "与第 2 行的身份证号码重复", "人员类别须为以下之一"]
    {
        assert!(refused.html.contains(reason), "{reason}: {}", refused.html);
    }
    for (_, number) in PEOPLE {
        assert!(!refused.html.contains(number), "a full number in the report");
    }
    let list = get(&app, &format!("{root}/trainees"), &org).await;
    assert!(list.html.contains("共 1 条"), "nothing imported: {}", list.html);
    // The workbook returned with its error column.
    let report =
        refused.html.split("/report.xlsx").next().and_then(|s| s.rsplit("href=\"").next()).expect("a report link");
    let report = get(&app, &format!("{report}/report.xlsx"), &org).await;
    assert_eq!(report.status, 200, "{}", report.html);
    assert!(xlsx_text(report.bytes).contains("错误说明"));

    // The row on file is refused too, by itself: still nothing stored.
    let on_file = roster(&[
        ["李四", PEOPLE[1].1, "", "", "", "本单位", "本单位职工"],
        ["张三", PEOPLE[0].1, "", "", "", "本单位", "本单位职工"],
    ]);
    let refused = upload(on_file).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("该身份证号码已登记为本基地学员（张三）"), "{}", refused.html);
    assert!(get(&app, &format!("{root}/trainees"), &org).await.html.contains("共 1 条"));

    // Not a workbook at all.
    let refused = upload(PDF.to_vec()).await;
    assert_eq!(refused.status, 400, "{}", refused.html);

    // Fixed: every row imported.
    let good = roster(&[
        ["李四", PEOPLE[1].1, "13812345678", "", "", "本单位", "本单位职工"],
        ["王五", PEOPLE[2].1, "", "上海某物流有限公司", "91310118MA1G00011T", "上游企业", "产业链上下游企业职工"],
    ]);
    let done = upload(good).await;
    assert_redirect(&done, &format!("{root}/trainees?done=imported"));
    let list = get(&app, &format!("{root}/trainees"), &org).await;
    assert!(list.html.contains("共 3 条") && list.html.contains(">王五</a>"), "{}", list.html);
    let imports = app
        .app()
        .audit_entries(&AuditFilter {
            from_seq: 1,
            action: Some("training.roster_import"),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(imports.len(), 3, "every roster read is audited, the refused ones too");
}

/// A roster workbook of `kind` with the template's headers, then `rows`.
fn roster_of(kind: skillbase_app::roster::RosterKind, rows: &[Vec<&str>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("名册").expect("name");
    for (column, c) in kind.columns().iter().enumerate() {
        sheet.write_string(0, u16::try_from(column).expect("column"), c.header).expect("header");
    }
    for (line, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            let (line, column) = (u32::try_from(line + 1).expect("row"), u16::try_from(column).expect("column"));
            sheet.write_string(line, column, *value).expect("cell");
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

async fn class_and_enrolment_rosters_through_the_api(app: TestApp) {
    use skillbase_app::roster::RosterKind;
    let cast = recognised_bases(&app, 1).await;
    let base = cast.bases[0].0.clone();
    let org = app.sign_in_again(&cast.bases[0].1).await;
    let api = format!("/api/v1/bases/{base}");
    let (status, project) = app
        .post_json_as(
            &org,
            &format!("{api}/projects"),
            &serde_json::json!({"occupation": "6-31-01-02", "levels": ["4"], "criteria": ["large_demand"]}),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let import = |segment: &'static str, bytes: Vec<u8>| {
        let (app, org, api) = (&app, &org, &api);
        async move {
            let request = app
                .client
                .post(app.url(&format!("{api}/{segment}/import")))
                .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .header("x-file-name", "roster.xlsx")
                .body(bytes);
            let (status, _, body) = app.send_as(org, request).await;
            (status, body)
        }
    };
    let class_row = |name: &'static str, occupation: &'static str| {
        vec![name, occupation, "自主培训", "", "", "2024-10-15", "2024-11-15", "24", "实训楼", "赵师傅", ""]
    };
    // A class of an occupation the base has no project for: nothing stored.
    let (status, refused) = import(
        "classes",
        roster_of(RosterKind::Classes, &[class_row("一班", "6-31-01-02"), class_row("二班", "6-31-01-01")]),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["problems"][0]["line"], 3, "{refused}");
    assert!(refused["problems"][0]["reason"].as_str().unwrap_or_default().contains("没有该职业"), "{refused}");
    let (_, classes) = app.get_json_as(&org, &format!("{api}/classes")).await;
    assert_eq!(classes["total"], 0, "{classes}");
    let (status, done) = import(
        "classes",
        roster_of(RosterKind::Classes, &[class_row("一班", "6-31-01-02"), class_row("二班", "6-31-01-02")]),
    )
    .await;
    assert_eq!((status, done["rows"].as_u64()), (201, Some(2)), "{done}");
    // A class name already on file is refused on the next import.
    let (status, again) = import("classes", roster_of(RosterKind::Classes, &[class_row("一班", "6-31-01-02")])).await;
    assert_eq!(status, 422, "{again}");

    // Trainees, then their enrolments: an unknown person or class refused, then all stored.
    let trainees = roster_of(
        RosterKind::Trainees,
        &[
            vec!["张三", PEOPLE[0].1, "", "", "", "本单位", "本单位职工"],
            vec!["李四", PEOPLE[1].1, "", "", "", "本单位", "本单位职工"],
        ],
    );
    let (status, done) = import("trainees", trainees).await;
    assert_eq!((status, done["rows"].as_u64()), (201, Some(2)), "{done}");
    let (status, refused) = import(
        "enrolments",
        roster_of(
            RosterKind::Enrolments,
            &[
                vec!["一班", PEOPLE[0].1, "20", "结业", "合格"],
                vec!["三班", PEOPLE[1].1, "", "", ""],
                vec!["二班", PEOPLE[2].1, "", "", ""],
            ],
        ),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    let reasons: Vec<&str> =
        refused["problems"].as_array().expect("problems").iter().filter_map(|p| p["reason"].as_str()).collect();
    assert_eq!(reasons, ["本基地没有该名称的培训班", "本基地没有该身份证号码的学员，请先导入或登记学员"], "{refused}");
    assert!(!refused.to_string().contains(PEOPLE[2].1), "no full number in the report");
    let (status, done) = import(
        "enrolments",
        roster_of(
            RosterKind::Enrolments,
            &[vec!["一班", PEOPLE[0].1, "20", "结业", "合格"], vec!["二班", PEOPLE[1].1, "", "", ""]],
        ),
    )
    .await;
    assert_eq!((status, done["rows"].as_u64()), (201, Some(2)), "{done}");
    let (_, enrolments) = app.get_json_as(&org, &format!("{api}/enrolments")).await;
    assert_eq!(enrolments["total"], 2, "{enrolments}");
    // The exact search with the number in the body, never in an address.
    let (status, found) = app
        .post_json_as(&org, &format!("{api}/trainees/search"), &serde_json::json!({"resident_id": PEOPLE[1].1}))
        .await;
    assert_eq!((status, found["total"].as_i64()), (200, Some(1)), "{found}");
    assert_eq!(found["items"][0]["name"], "李四");
    assert!(!found.to_string().contains(PEOPLE[1].1));
    // The templates through the API.
    for (segment, header) in [("trainees", "居民身份证号码"), ("classes", "培训方式"), ("enrolments", "考核结果")]
    {
        let response = app
            .client
            .get(app.url(&format!("{api}/{segment}/import/template")))
            .header("cookie", &org.cookie)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200, "{segment}");
        assert!(xlsx_text(response.bytes().await.expect("bytes").to_vec()).contains(header), "{segment}");
    }
}

/// `n` valid, distinct resident ID numbers (Qingpu, born 1990, GB 11643 check character).
fn numbers(n: usize) -> Vec<String> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    (0..n)
        .map(|i| {
            let day = 1 + i / 999;
            let body = format!("31011819900{:01}{:02}{:03}", 1 + day / 28, 1 + day % 28, 1 + i % 999);
            let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let check = char::from(CHECK[usize::try_from(sum % 11).expect("small")]);
            format!("{body}{check}")
        })
        .collect()
}

async fn a_large_roster_is_imported_by_a_job(app: TestApp) {
    use skillbase_app::jobs::{Runner, RunnerConfig, Turn};
    use skillbase_app::roster::RosterKind;
    use skillbase_app::training::QUEUED_ROWS;
    let cast = recognised_bases(&app, 1).await;
    let base = cast.bases[0].0.clone();
    let org = app.sign_in_again(&cast.bases[0].1).await;
    let root = format!("/training/{base}");
    let people = numbers(QUEUED_ROWS + 1);
    let names: Vec<String> = (0..people.len()).map(|i| format!("学员{i}")).collect();
    let mut rows: Vec<Vec<&str>> = people
        .iter()
        .zip(&names)
        .map(|(number, name)| vec![name.as_str(), number.as_str(), "", "", "", "本单位", "本单位职工"])
        .collect();
    let upload = |bytes: Vec<u8>| {
        let (app, org, root) = (&app, &org, &root);
        async move {
            let file = FilePart {
                field: "file",
                filename: "学员名册.xlsx",
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes: &bytes,
            };
            post_multipart(app, &format!("{root}/import/trainees"), org, &[], file).await
        }
    };
    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    // Every due job, the import among them (a failed one would be retried later: none may fail).
    let run_due = || async {
        loop {
            match runner.run_once().await.expect("runs") {
                Turn::Idle => break,
                Turn::Done(_) => {}
                other => panic!("a job did not finish: {other:?}"),
            }
        }
    };

    // One bad row among 2,001: queued, then refused by the job, nothing stored.
    rows[1500][6] = "外星人";
    let queued = upload(roster_of(RosterKind::Trainees, &rows)).await;
    assert_redirect(&queued, &format!("{root}/imports/"));
    let status_path = queued.location.clone();
    let waiting = get(&app, &status_path, &org).await;
    assert!(waiting.html.contains("<dd id=\"import-status\">处理中</dd>"), "{}", waiting.html);
    assert!(waiting.html.contains("<progress id=\"import-bar\" max=\"2001\""), "{}", waiting.html);
    assert!(waiting.html.contains("hx-trigger=\"every 1s\""), "the page follows the job");
    run_due().await;
    let refused = get(&app, &status_path, &org).await;
    assert!(
        refused.html.contains("未导入（名册有问题）") && refused.html.contains("<th scope=\"row\">1502</th>"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("/report.xlsx"), "the report workbook is offered");
    assert!(!refused.html.contains("hx-trigger"), "a finished import is not polled");
    assert!(get(&app, &format!("{root}/trainees"), &org).await.html.contains("共 0 条"));

    // Fixed: the job stores every row.
    rows[1500][6] = "本单位职工";
    let queued = upload(roster_of(RosterKind::Trainees, &rows)).await;
    assert_redirect(&queued, &format!("{root}/imports/"));
    run_due().await;
    let done_location = queued.location.clone();
    let done = get(&app, &queued.location, &org).await;
    assert!(
        done.html.contains("已全部导入") && done.html.contains("<dd id=\"import-imported\">2001</dd>"),
        "{}",
        done.html
    );
    assert!(get(&app, &format!("{root}/trainees"), &org).await.html.contains("共 2001 条"));
    // A queued file that cannot be opened any more: retried, then ended as failed, not left
    // 「处理中」 for ever.
    let queued = upload(roster_of(RosterKind::Trainees, &rows)).await;
    let broken = queued.location.rsplit('/').next().expect("id").to_owned();
    let sql = "UPDATE roster_imports SET sealed_file = 'sm4gcm:1:00:00' WHERE id = $1";
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::query(sql).bind(&broken).execute(pool).await.map(drop),
        skillbase_store::Db::Postgres(pool) => sqlx::query(sql).bind(&broken).execute(pool).await.map(drop),
    }
    .expect("update");
    for _ in 0..3 {
        while !matches!(runner.run_once().await.expect("runs"), Turn::Idle) {}
        app.clock.advance(chrono::TimeDelta::hours(2));
    }
    assert_eq!(queued.status, 303, "{}", queued.html);
    // Six hours on, the session has lapsed: sign in again.
    let fresh = app.sign_in_again(&cast.bases[0].1).await;
    let failed = get(&app, &queued.location, &fresh).await;
    assert_eq!(failed.status, 200, "{}", failed.html);
    assert!(failed.html.contains("<dd id=\"import-status\">处理失败</dd>"), "{}", failed.html);
    assert!(failed.html.contains("导入过程中出错，未导入任何一行") && !failed.html.contains("hx-trigger"));
    assert!(get(&app, &format!("{root}/trainees"), &fresh).await.html.contains("共 2001 条"));
    // Through the API the same import reads as imported.
    let id = done_location.rsplit('/').next().expect("id").to_owned();
    let (status, body) = app.get_json_as(&fresh, &format!("/api/v1/bases/{base}/imports/{id}")).await;
    assert_eq!(
        (status, body["status"].as_str(), body["imported_rows"].as_i64()),
        (200, Some("imported"), Some(2001)),
        "{body}"
    );
}
