//! A recognised base's incentive records (C3.2), on both engines: chief technicians and a
//! skill-master studio with its appointment document, awards and other incentives, recorded on
//! the pages and through the API; the refusals by field (dates, money, occupation, kind); the
//! list by kind, one record, the document, the export (audited); the figures of a year, with
//! amounts chosen so that a wrong sum, a record of another year or a term outside the year would
//! show; and who may read and record.

use serde_json::{Value, json};
use skillbase_app::audit::AuditFilter;
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{FilePart, assert_redirect, get, post_multipart};
use crate::samples::{PDF, codes};
use crate::subsidy::recognised_bases;

on_both_engines!(a_base_records_its_incentives_and_sums_a_year, who_may_read_and_record_incentives);

const NO_FILE: FilePart<'static> = FilePart { field: "document", filename: "", content_type: "", bytes: b"" };

/// A page form of `kind` posted as `who` (multipart, with `file`).
async fn post_form(
    app: &TestApp,
    who: &SignedIn,
    base: &str,
    kind: &str,
    fields: &[(&str, &str)],
    file: FilePart<'_>,
) -> crate::page_client::Answer {
    post_multipart(app, &format!("/training/{base}/incentives/new/{kind}"), who, fields, file).await
}

/// A record posted to the API as `multipart/form-data` with a document (name, bytes).
async fn post_with_document(
    app: &TestApp,
    who: &SignedIn,
    base: &str,
    fields: &[(&str, &str)],
    (filename, bytes): (&str, &[u8]),
) -> (u16, Value) {
    let boundary = "skillbase-incentive-boundary-3Jd8";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = app
        .client
        .post(app.url(&format!("/api/v1/bases/{base}/incentives")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

fn xlsx_text(bytes: Vec<u8>) -> String {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = workbook.worksheet_range_at(0).expect("a sheet").expect("readable");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect::<Vec<_>>().join("\n")
}

fn has(refused: &[(String, String)], field: &str, code: &str) -> bool {
    refused.iter().any(|(f, c)| f == field && c == code)
}

async fn a_base_records_its_incentives_and_sums_a_year(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = (cast.bases[0].0.clone(), cast.bases[0].1.clone());
    let us = app.sign_in_again(&org).await;
    let root = format!("/training/{base}/incentives");
    let api = format!("/api/v1/bases/{base}/incentives");

    // The tab is there, empty, with a form per kind.
    let empty = get(&app, &root, &us).await;
    assert_eq!(empty.status, 200, "{}", empty.html);
    assert!(empty.html.contains(&format!("href=\"{root}\" aria-current=\"page\">激励</a>")), "{}", empty.html);
    assert!(empty.html.contains("尚未登记激励记录。") && empty.html.contains("共 0 条"), "{}", empty.html);
    for form in ["new-chief-technician", "new-master-studio", "new-award", "new-other"] {
        assert!(empty.html.contains(&format!("id=\"{form}\"")), "{form}");
    }

    // A studio with every field wrong at once is refused beside its fields, nothing stored.
    let bad_studio = [
        ("studio", "王大师机修钳工技能大师工作室"),
        ("person", "王大师"),
        ("occupation", "9-99-99-99"),
        ("starts_on", "2023-07-01"),
        ("ends_on", "2023-06-30"),
        ("allowance", "-2000.00"),
        ("funds", "5万"),
    ];
    let refused = post_form(&app, &us, &base, "master_studio", &bad_studio, NO_FILE).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    for text in ["结束日期不能早于开始日期", "金额不能为负数", "金额格式不正确"] {
        assert!(refused.html.contains(text), "{text} not in {}", refused.html);
    }
    assert!(refused.html.contains("f-master-studio-occupation-error"), "the occupation's error is beside it");
    assert!(refused.html.contains("王大师机修钳工技能大师工作室"), "what was typed is kept");
    let studio = [
        ("studio", "王大师机修钳工技能大师工作室"),
        ("person", "王大师"),
        ("occupation", "6-31-01-02"),
        ("starts_on", "2023-07-01"),
        ("ends_on", "2026-06-30"),
        ("allowance", "3000.00"),
        ("funds", "50000.00"),
    ];
    let pdf =
        FilePart {
            field: "document", filename: "工作室聘任文件.pdf", content_type: "application/pdf", bytes: PDF
        };
    let done = post_form(&app, &us, &base, "master_studio", &studio, pdf).await;
    assert_redirect(&done, &format!("{root}?done=incentive"));
    // A chief technician whose term covers 2023–2024, one whose term starts in 2025 (appointed
    // ahead), both without funds.
    for (person, starts, ends) in [("陈首席", "2022-01-01", "2024-12-31"), ("周首席", "2025-01-01", "2026-12-31")]
    {
        let fields = [
            ("person", person),
            ("occupation", "6-31-01-02"),
            ("starts_on", starts),
            ("ends_on", ends),
            ("allowance", "1500"),
        ];
        let done = post_form(&app, &us, &base, "chief_technician", &fields, NO_FILE).await;
        assert_redirect(&done, &format!("{root}?done=incentive"));
    }
    // An award on the page: a malformed amount first, then with 3000.50.
    let award = |amount: &'static str| {
        vec![
            ("person", "李四"),
            ("title", "青浦区技术能手"),
            ("level", "district"),
            ("date", "2024-05-10"),
            ("awarded_by", "青浦区人力资源和社会保障局"),
            ("amount", amount),
        ]
    };
    let refused = post_form(&app, &us, &base, "award", &award("3000.505"), NO_FILE).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains("金额最多保留两位小数"), "{}", refused.html);
    assert_redirect(
        &post_form(&app, &us, &base, "award", &award("3000.50"), NO_FILE).await,
        &format!("{root}?done=incentive"),
    );
    // Another incentive on the page.
    let other = [
        ("benefit", "recuperation"),
        ("person", "赵六"),
        ("date", "2024-07-15"),
        ("description", "关键岗位技能人才疗休养"),
        ("cost", "3200.50"),
    ];
    assert_redirect(&post_form(&app, &us, &base, "other", &other, NO_FILE).await, &format!("{root}?done=incentive"));
    let unknown = post_form(&app, &us, &base, "bonus", &other, NO_FILE).await;
    assert_eq!(unknown.status, 404, "an unknown kind is no form");

    // The rest through the API: awards of 2024 and 2023, other incentives, refusals by field.
    for body in [
        json!({"kind": "award", "person": "钱七", "title": "青浦区首席技师标兵", "level": "district", "date": "2024-03-01", "awarded_by": "青浦区总工会", "amount": "1500.25"}),
        json!({"kind": "award", "person": "孙八", "title": "全国技术能手", "level": "national", "date": "2024-01-20", "awarded_by": "人力资源和社会保障部", "amount": "10000"}),
        json!({"kind": "award", "person": "吴九", "title": "上海市技术能手", "level": "municipal", "date": "2024-08-08", "awarded_by": "上海市人力资源和社会保障局"}),
        json!({"kind": "award", "person": "郑十", "title": "青浦区技术能手", "level": "district", "date": "2023-11-11", "awarded_by": "青浦区人力资源和社会保障局", "amount": "800.00"}),
        json!({"kind": "other", "benefit": "recuperation", "person": "钱七", "date": "2024-09-01", "description": "疗休养"}),
        json!({"kind": "other", "benefit": "health_check", "person": "孙八", "date": "2024-06-30", "description": "年度健康体检", "cost": "450.00"}),
        json!({"kind": "other", "benefit": "further_study", "person": "吴九", "date": "2023-03-01", "description": "赴德国进修", "cost": "9000.00"}),
    ] {
        let (status, created) = app.post_json_as(&us, &api, &body).await;
        assert_eq!(status, 201, "{body}: {created}");
    }
    let (status, refused) = app
        .post_json_as(
            &us,
            &api,
            &json!({"kind": "chief_technician", "person": "冯某", "occupation": "0-00-00-00", "starts_on": "2024-02-30", "ends_on": "2024-12-31", "allowance": "-1"}),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    let refused = codes(&refused);
    assert!(has(&refused, "starts_on", "invalid_date") && has(&refused, "allowance", "money_negative"), "{refused:?}");
    assert!(refused.iter().any(|(f, _)| f == "occupation"), "{refused:?}");
    let (status, refused) =
        app.post_json_as(&us, &api, &json!({"kind": "award", "date": "2099-01-01", "amount": "abc"})).await;
    assert_eq!(status, 400, "{refused}");
    let refused = codes(&refused);
    for (field, code) in [
        ("person", "required"),
        ("title", "required"),
        ("level", "required"),
        ("date", "date_in_future"),
        ("amount", "money_format"),
    ] {
        assert!(has(&refused, field, code), "{field} {code}: {refused:?}");
    }
    let (status, refused) = app.post_json_as(&us, &api, &json!({})).await;
    assert_eq!((status, codes(&refused)), (400, vec![("kind".to_owned(), "required".to_owned())]));
    let (status, refused) = app.post_json_as(&us, &api, &json!({"kind": "award", "bonus": "1"})).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("invalid_body")), "{refused}");
    // A document belongs to an appointment only, and must be a real PDF or image.
    let award_fields = [
        ("kind", "award"),
        ("person", "钱七"),
        ("title", "青浦区技术能手"),
        ("level", "base"),
        ("date", "2024-03-01"),
        ("awarded_by", "基地"),
    ];
    let (status, refused) = post_with_document(&app, &us, &base, &award_fields, ("证书.pdf", PDF)).await;
    assert_eq!((status, codes(&refused)), (400, vec![("document".to_owned(), "not_applicable".to_owned())]));
    let chief_fields = [
        ("kind", "chief_technician"),
        ("person", "蒋首席"),
        ("occupation", "6-31-01-02"),
        ("starts_on", "2024-01-01"),
        ("ends_on", "2024-12-31"),
        ("allowance", "100.00"),
    ];
    let (status, refused) = post_with_document(&app, &us, &base, &chief_fields, ("聘任文件.pdf", b"not a pdf")).await;
    assert_eq!(status, 400, "{refused}");
    let refused = codes(&refused);
    assert!(!refused.is_empty() && refused.iter().all(|(f, _)| f == "document"), "{refused:?}");
    // A create retried with its Idempotency-Key is answered once.
    let retried = json!({"kind": "other", "benefit": "further_study", "person": "褚某", "date": "2022-05-01", "description": "进修", "cost": "100.00"});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let request = app.client.post(app.url(&api)).header("idempotency-key", "incentive-1").json(&retried);
        let (status, headers, body) = app.send_as(&us, request).await;
        assert_eq!(status, 201, "{body}");
        answers.push((body["id"].clone(), headers.get("idempotency-replayed").is_some()));
    }
    assert_eq!(answers[0].0, answers[1].0);
    assert_eq!((answers[0].1, answers[1].1), (false, true));
    // An appointment with its document through the API.
    let (status, chief) = post_with_document(
        &app,
        &us,
        &base,
        &[
            ("kind", "chief_technician"),
            ("person", "褚首席"),
            ("occupation", "6-31-01-02"),
            ("starts_on", "2024-12-01"),
            ("ends_on", "2025-11-30"),
            ("allowance", "1200.00"),
            ("funds", "8000.00"),
        ],
        ("聘任文件.pdf", PDF),
    )
    .await;
    assert_eq!(status, 201, "{chief}");
    assert_eq!(
        (&chief["kind"], &chief["allowance"], &chief["allowance_fen"], &chief["funds_fen"], &chief["document_name"]),
        (&json!("chief_technician"), &json!("1200.00"), &json!(120_000), &json!(800_000), &json!("聘任文件.pdf")),
        "{chief}"
    );
    let chief_id = chief["id"].as_str().expect("id").to_owned();
    let download = get(&app, &format!("{api}/{chief_id}/document"), &us).await;
    assert_eq!((download.status, download.bytes.as_slice()), (200, PDF));
    assert!(download.disposition.starts_with("attachment"), "{}", download.disposition);
    let (status, one) = app.get_json_as(&us, &format!("{api}/{chief_id}")).await;
    assert_eq!((status, &one["person"]), (200, &json!("褚首席")), "{one}");

    // The list pages and filters by kind.
    let (_, all) = app.get_json_as(&us, &format!("{api}?limit=5")).await;
    assert_eq!((&all["total"], all["items"].as_array().map(Vec::len)), (&json!(14), Some(5)), "{all}");
    let next = all["next"].as_str().expect("a next page");
    let (_, rest) = app.get_json_as(&us, &format!("{api}?limit=20&after={next}")).await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(9), "{rest}");
    let (_, awards) = app.get_json_as(&us, &format!("{api}?kind=award")).await;
    assert_eq!(awards["total"], 5, "{awards}");
    assert!(awards["items"].as_array().expect("items").iter().all(|a| a["kind"] == "award"), "{awards}");
    let (_, studios) = app.get_json_as(&us, &format!("{api}?kind=master_studio")).await;
    assert_eq!(
        (&studios["total"], &studios["items"][0]["studio"]),
        (&json!(1), &json!("王大师机修钳工技能大师工作室"))
    );
    assert_eq!(
        (&studios["items"][0]["funds"], &studios["items"][0]["document_name"]),
        (&json!("50000.00"), &json!("工作室聘任文件.pdf"))
    );
    let (status, refused) = app.get_json_as(&us, &format!("{api}?kind=bonus")).await;
    assert_eq!((status, codes(&refused)), (400, vec![("kind".to_owned(), "not_in_dictionary".to_owned())]));

    // The figures of 2024: 陈首席 and 褚首席 in force (周首席 from 2025), the studio; awards of
    // 2024 only (郑十's of 2023 left out): 区级 3000.50 + 1500.25, 国家级 10000.00, 市级 with no
    // amount; other incentives of 2024: 疗休养 3200.50 + none, 体检 450.00 (进修 of 2023 left out).
    let (status, year) = app.get_json_as(&us, &format!("{api}/summary?year=2024")).await;
    assert_eq!(status, 200, "{year}");
    assert_eq!((&year["chief_technicians"], &year["master_studios"]), (&json!(2), &json!(1)), "{year}");
    let tally = |list: &Value, code: &str| {
        let t = list.as_array().expect("a list").iter().find(|t| t["code"] == code).expect("listed").clone();
        (t["count"].as_i64().expect("count"), t["amount"].as_str().expect("amount").to_owned())
    };
    assert_eq!(tally(&year["awards"], "district"), (2, "4500.75".to_owned()));
    assert_eq!(tally(&year["awards"], "national"), (1, "10000.00".to_owned()));
    assert_eq!(tally(&year["awards"], "municipal"), (1, "0.00".to_owned()));
    assert_eq!(tally(&year["awards"], "base"), (0, "0.00".to_owned()));
    assert_eq!((&year["awards_count"], &year["awards_amount_fen"]), (&json!(4), &json!(1_450_075)), "{year}");
    assert_eq!(tally(&year["others"], "recuperation"), (2, "3200.50".to_owned()));
    assert_eq!(tally(&year["others"], "health_check"), (1, "450.00".to_owned()));
    assert_eq!(tally(&year["others"], "further_study"), (0, "0.00".to_owned()));
    assert_eq!((&year["others_count"], &year["others_cost"]), (&json!(3), &json!("3650.50")), "{year}");
    // 2023: 陈首席 and the studio in force; 郑十's award, 吴九's 进修.
    let (_, earlier) = app.get_json_as(&us, &format!("{api}/summary?year=2023")).await;
    assert_eq!((&earlier["chief_technicians"], &earlier["master_studios"]), (&json!(1), &json!(1)), "{earlier}");
    assert_eq!((&earlier["awards_count"], &earlier["awards_amount"]), (&json!(1), &json!("800.00")), "{earlier}");
    assert_eq!(tally(&earlier["others"], "further_study"), (1, "9000.00".to_owned()));
    let (_, later) = app.get_json_as(&us, &format!("{api}/summary?year=2026")).await;
    assert_eq!(
        (&later["chief_technicians"], &later["master_studios"], &later["awards_count"]),
        (&json!(1), &json!(1), &json!(0))
    );
    let (status, refused) = app.get_json_as(&us, &format!("{api}/summary?year=twenty")).await;
    assert_eq!((status, codes(&refused)), (400, vec![("year".to_owned(), "invalid_year".to_owned())]));

    // The page shows the same figures, the records with money as people read it.
    let page = get(&app, &format!("{root}?year=2024"), &us).await;
    for fact in [
        "id=\"sum-chief-technicians\">2 人<",
        "id=\"sum-master-studios\">1 个<",
        "id=\"sum-award-district\">2 项 ¥4,500.75<",
        "id=\"sum-awards\">4 项 ¥14,500.75<",
        "id=\"sum-other-recuperation\">2 人次 ¥3,200.50<",
        "id=\"sum-others\">3 人次 ¥3,650.50<",
        "共 14 条",
        "工作经费 ¥50,000.00",
    ] {
        assert!(page.html.contains(fact), "{fact} not in {}", page.html);
    }
    let awards_page = get(&app, &format!("{root}?kind=award"), &us).await;
    assert!(awards_page.html.contains("共 5 条") && !awards_page.html.contains("王大师"), "{}", awards_page.html);

    // The export: every record, amounts in yuan; audited.
    let export = get(&app, &format!("{root}.xlsx"), &us).await;
    assert_eq!(export.status, 200);
    let text = xlsx_text(export.bytes);
    assert_eq!(text.lines().count(), 15, "a header and fourteen records: {text}");
    for line in [
        "技能大师工作室|王大师|6-31-01-02|机修钳工|王大师机修钳工技能大师工作室|2023-07-01|2026-06-30|3000.00|50000.00||||||||工作室聘任文件.pdf",
        "表彰奖励|李四||||||||青浦区技术能手|区级|青浦区人力资源和社会保障局|||2024-05-10|3000.50|",
        "其他激励|赵六|||||||||||疗休养|关键岗位技能人才疗休养|2024-07-15|3200.50|",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    let exports = app
        .app()
        .audit_entries(&AuditFilter { from_seq: 1, action: Some("export"), limit: 50, ..Default::default() })
        .await
        .expect("audit");
    let exported: Vec<(&str, Option<&str>)> =
        exports.iter().map(|r| (r.record.object_type.as_str(), r.record.object_id.as_deref())).collect();
    assert_eq!(exported, [("incentives", Some(base.as_str()))]);
    // Each record was written with its audit record.
    for (action, count) in
        [("incentive.appointment_create", 4), ("incentive.award_create", 5), ("incentive.other_create", 5)]
    {
        let found = app
            .app()
            .audit_entries(&AuditFilter { from_seq: 1, action: Some(action), limit: 50, ..Default::default() })
            .await
            .expect("audit");
        assert_eq!(found.len(), count, "{action}");
    }
}

async fn who_may_read_and_record_incentives(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let ((ours, our_org), (_, their_org)) = (&cast.bases[0], &cast.bases[1]);
    let us = app.sign_in_again(our_org).await;
    let api = format!("/api/v1/bases/{ours}/incentives");
    let award = json!({"kind": "award", "person": "李四", "title": "青浦区技术能手", "level": "district", "date": "2024-05-10", "awarded_by": "区人社局"});
    let (status, created) = app.post_json_as(&us, &api, &award).await;
    assert_eq!(status, 201, "{created}");
    let record = created["id"].as_str().expect("id").to_owned();
    let reads = [
        api.clone(),
        format!("{api}/{record}"),
        format!("{api}/summary?year=2024"),
        format!("/training/{ours}/incentives"),
        format!("/training/{ours}/incentives.xlsx"),
    ];
    // Another organisation finds nothing of this base.
    let them = app.sign_in_again(their_org).await;
    for path in &reads {
        assert_eq!(get(&app, path, &them).await.status, 404, "{path}");
    }
    let (status, refused) = app.post_json_as(&them, &api, &award).await;
    assert_eq!((status, refused["code"].as_str()), (404, Some("not_found")), "{refused}");
    assert_eq!(page_post(&app, &them, ours).await, 404);
    // An expert is refused by the table.
    let expert = app.sign_in_as(Role::Expert).await;
    for path in &reads {
        assert_eq!(get(&app, path, &expert).await.status, 403, "{path}");
    }
    assert_eq!(app.post_json_as(&expert, &api, &award).await.0, 403);
    // Staff and leaders read every base's records, without forms, and record nothing.
    for bureau in [&cast.staff, &cast.leader] {
        for path in &reads {
            assert_eq!(get(&app, path, bureau).await.status, 200, "{path}");
        }
        let page = get(&app, &format!("/training/{ours}/incentives"), bureau).await;
        assert!(page.html.contains("青浦区技术能手") && !page.html.contains("id=\"new-award\""), "{}", page.html);
        let (status, refused) = app.post_json_as(bureau, &api, &award).await;
        assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")), "{refused}");
        assert_eq!(page_post(&app, bureau, ours).await, 403);
    }
    // A revoked base keeps its records readable and takes no new ones.
    let sql = "UPDATE bases SET status = 'revoked' WHERE id = $1";
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::query(sql).bind(ours).execute(pool).await.map(|_| ()),
        skillbase_store::Db::Postgres(pool) => sqlx::query(sql).bind(ours).execute(pool).await.map(|_| ()),
    }
    .expect("revoked");
    for path in &reads {
        assert_eq!(get(&app, path, &us).await.status, 200, "{path}");
    }
    let (status, refused) = app.post_json_as(&us, &api, &award).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_state")), "{refused}");
    assert_eq!(page_post(&app, &us, ours).await, 409);
    let (_, listed) = app.get_json_as(&us, &api).await;
    assert_eq!(listed["total"], 1, "{listed}");
}

/// The status of another incentive posted on the page as `who`.
async fn page_post(app: &TestApp, who: &SignedIn, base: &str) -> u16 {
    let fields = [("person", "赵六"), ("benefit", "health_check"), ("date", "2024-06-01"), ("description", "体检")];
    post_form(app, who, base, "other", &fields, NO_FILE).await.status
}
