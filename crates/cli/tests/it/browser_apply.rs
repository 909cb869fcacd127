//! An application from registration to the eligibility table, in headless Chromium driven over
//! the DevTools protocol (chromiumoxide), on SQLite: staff create and publish a call on
//! the bureau's page; an organisation registers, signs in, presses 申报, fills every step of the
//! form, uploads its materials (a disguised program is refused on the page) and submits; staff
//! return it for supplement; the organisation uploads a clearer site photo, picks it and
//! resubmits; staff accept it, and the eligibility table gives every clause its result, citing
//! the policy. Staff and organisation each have their own browser context (no shared cookie).
//! The JSON API only signs staff in (they bind an authenticator first) and reads the outcome.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use skillbase_domain::eligibility::CLAUSES;
use skillbase_domain::roles::Role;

use crate::browser::Chromium;
use crate::helpers::{TempDir, TestApp};
use crate::in_chromium;
use crate::samples::{EXE, JPEG, OTHER_USCC, PDF, PNG, RULE_DOCUMENTS, USCC};
use crate::tab::{Tab, WAIT, give_session, js, private_tab, tab};

const ORG_NAME: &str = "上海青浦数控实训有限公司";
const USERNAME: &str = "qingpu-apply";
const PASSWORD: &str = "Shixun-base-2024";
const CALL: &str = "2024年度技能实训基地申报";

impl Tab {
    /// Picks an uploaded file by its name (the option reads 「name（type，size）」).
    async fn choose_uploaded(&self, selector: &str, name: &str) {
        self.pick(selector, &format!("o.text.trim().startsWith({})", js(&format!("{name}（"))), name).await;
    }

    /// Ticks (or unticks) the uploaded file `name` among the checkboxes called `field`.
    async fn tick_file(&self, field: &str, name: &str, on: bool) {
        let mark = format!(
            "(() => {{ document.querySelectorAll('[data-pick]').forEach(e => e.removeAttribute('data-pick')); \
             const i = [...document.querySelectorAll({})].find(i => i.parentElement.textContent.trim().startsWith({})); \
             if (!i) return false; i.dataset.pick = 'yes'; return true; }})()",
            js(&format!("input[type=checkbox][name=\"{field}\"]")),
            js(&format!("{name}（"))
        );
        self.check(&mark, &format!("no file {name} to tick at {field}")).await;
        self.set_ticked("[data-pick=yes]", on).await;
    }

    /// Chooses a file of this machine in the page's upload form and sends it.
    async fn upload(&self, file: &Path) {
        self.choose_file("#upload-file", file).await;
        self.press(".upload-form button[type=submit]").await;
    }

    /// Uploads a file that must be taken: the page says so and lists it.
    async fn upload_ok(&self, file: &Path) {
        self.upload(file).await;
        self.sees("文件已上传").await;
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        self.check(
            &format!(
                "[...document.querySelectorAll('table.files th')].some(th => th.innerText.trim() === {})",
                js(name)
            ),
            &format!("{name} is not among the uploaded files"),
        )
        .await;
    }

    /// Saves a step with 「下一步」 and checks where it went.
    async fn next_step(&self, to: &str) {
        self.press("button[name=go][value=next]").await;
        self.at(to).await;
    }
}

/// The files the organisation uploads, written to a directory of its own.
struct Files(TempDir);

impl Files {
    fn write() -> Files {
        let dir = TempDir::new();
        let mut files: Vec<(String, &[u8])> = vec![
            ("营业执照.pdf".into(), EXE),
            ("场地.png".into(), PNG),
            ("场地-清晰.jpg".into(), JPEG),
            ("承诺书.pdf".into(), PDF),
        ];
        for kind in RULE_DOCUMENTS {
            files.push((format!("{kind}.pdf"), PDF));
            files.push((format!("{kind}-上墙.png"), PNG));
        }
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("write a file");
        }
        Files(dir)
    }

    fn get(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

// Once, on SQLite: the same pages on PostgreSQL are `applicant_pages.rs`
// (`an_application_from_the_call_to_the_printed_form`) and `bureau_pages.rs`
// (`staff_take_an_application_from_call_to_eligible`).
in_chromium!(an_application_from_registration_to_the_eligibility_table);

async fn an_application_from_registration_to_the_eligibility_table(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let Some(mut chromium) = Chromium::launch(&["window-size=1280,1024"], WAIT).await else {
        return;
    };
    let files = Files::write();

    // 1. Staff create a call on the bureau's page and publish it.
    let bureau = tab(&chromium, "staff", &app.base).await;
    give_session(&bureau, &staff).await;
    bureau.open("/bureau/batches").await;
    bureau.sees("尚无申报批次").await;
    bureau.type_into("#f-year", "2024").await;
    bureau.type_into("#f-title", CALL).await;
    bureau.set_value("#f-opens-on", "2024-09-01").await;
    bureau.set_value("#f-closes-on", "2024-10-31").await;
    bureau.type_into("#f-quota", "5").await;
    bureau.press("form[action=\"/bureau/batches\"] button[type=submit]").await;
    bureau.sees("已创建申报批次（未发布）").await;
    bureau.sees(CALL).await;
    bureau.press("form[action$=\"/publish\"] button[type=submit]").await;
    bureau.sees("申报批次已发布。").await;
    let (status, calls) = app.get_json("/api/v1/batches").await;
    assert_eq!(status, 200);
    assert_eq!((calls[0]["title"].as_str(), &calls[0]["accepting"]), (Some(CALL), &json!(true)), "{calls}");

    // 2. The organisation finds the call, registers (every field typed) and signs in.
    let me = private_tab(&mut chromium, "applicant", &app.base).await;
    me.open("/calls").await;
    me.sees(CALL).await;
    me.sees("正在受理").await;
    me.check("!document.querySelector('form[action=\"/applications\"]')", "no 申报 button before signing in").await;
    me.press(".alert a[href=\"/register\"]").await;
    me.at("/register").await;
    me.type_into("#f-uscc", USCC).await;
    me.type_into("#f-name", ORG_NAME).await;
    me.choose_value("#f-kind", "enterprise").await;
    me.type_into("#f-contact-name", "王经理").await;
    me.type_into("#f-contact-phone", "13800138000").await;
    me.type_into("#f-contact-email", "hr@example.com").await;
    me.type_into("#f-username", USERNAME).await;
    me.type_into("#f-password", PASSWORD).await;
    me.type_into("#f-password-repeat", PASSWORD).await;
    me.press("form[action=\"/register\"] button[type=submit]").await;
    me.sees("注册成功").await;
    me.sees(USCC).await;
    me.press("a.button-link[href=\"/login\"]").await;
    me.type_into("#f-username", USERNAME).await;
    me.type_into("#f-password", PASSWORD).await;
    me.press("form[action^=\"/login\"] button[type=submit]").await;
    me.at("/workbench").await;

    // 申报 starts a draft at the first step.
    me.open("/calls").await;
    me.press("form[action=\"/applications\"] button[type=submit]").await;
    let path = me.path().await;
    let id = path
        .strip_prefix("/applications/")
        .and_then(|rest| rest.strip_suffix("/edit/profile"))
        .unwrap_or_else(|| panic!("申报 leads to the first step, not {path}"))
        .to_owned();
    let step = |slug: &str| format!("/applications/{id}/edit/{slug}");

    // 一、建设主体.
    me.sees("申报表：建设主体").await;
    me.choose_value("select[name=\"profile.industry\"]", "digital").await;
    me.type_into("input[name=\"profile.registered_division\"]", "310118").await;
    me.type_into("textarea[name=\"profile.training_experience\"]", "近三年开展数控技能培训 1200 人次").await;
    me.set_ticked("input[name=\"profile.open_to_region\"]", true).await;
    me.next_step(&format!("{}?saved=1", step("sites"))).await;

    // 二、实训场地设备: a program renamed .pdf is refused on the page, then the photo is taken.
    me.upload(&files.get("营业执照.pdf")).await;
    me.check("document.querySelector('#upload-file-error') !== null", "the refusal is beside the file input").await;
    me.sees("改扩展名无效").await;
    me.sees("尚未上传附件").await;
    me.upload_ok(&files.get("场地.png")).await;
    me.type_into("input[name=\"sites[0].name\"]", "数控实训中心").await;
    me.type_into("input[name=\"sites[0].address\"]", "青浦区华新镇华腾路 1 号").await;
    me.type_into("input[name=\"sites[0].area_m2\"]", "800").await;
    me.type_into("input[name=\"sites[0].equipment[0].name\"]", "五轴加工中心").await;
    me.type_into("input[name=\"sites[0].equipment[0].quantity\"]", "2").await;
    me.type_into("input[name=\"sites[0].equipment[0].value\"]", "3,000,000.00").await;
    me.tick_file("sites[0].photos", "场地.png", true).await;
    me.next_step(&format!("{}?saved=1", step("team"))).await;

    // 三、师资管理团队.
    me.type_into("input[name=\"team.department\"]", "培训部").await;
    me.type_into("input[name=\"team.full_time_staff\"]", "6").await;
    me.type_into("input[name=\"team.experts[0].name\"]", "王工").await;
    me.type_into("input[name=\"team.experts[0].title\"]", "高级技师").await;
    me.type_into("input[name=\"team.experts[0].qualification\"]", "一级/高级技师").await;
    me.next_step(&format!("{}?saved=1", step("rules"))).await;

    // 四、规范管理制度: a document and a wall photo for each rule document.
    for kind in RULE_DOCUMENTS {
        me.upload_ok(&files.get(&format!("{kind}.pdf"))).await;
        me.upload_ok(&files.get(&format!("{kind}-上墙.png"))).await;
    }
    for (i, kind) in RULE_DOCUMENTS.iter().enumerate() {
        me.choose_uploaded(&format!("select[name=\"rule_documents[{i}].document\"]"), &format!("{kind}.pdf")).await;
        me.choose_uploaded(&format!("select[name=\"rule_documents[{i}].wall_photo\"]"), &format!("{kind}-上墙.png"))
            .await;
    }
    me.next_step(&format!("{}?saved=1", step("priority"))).await;

    // 五、优先认定: not claimed; the blank row stays blank.
    me.next_step(&format!("{}?saved=1", step("projects"))).await;

    // 六、培育项目: the occupation search answers as it is typed (htmx), then the code is entered.
    me.type_into("#occupation-q", "6-18-01").await;
    me.wait_until("document.querySelector('#occupation-results').innerText.includes('6-18-01-01')").await;
    me.type_into("input[name=\"projects[0].occupation\"]", "6-18-01-01").await;
    me.set_ticked("input[name=\"projects[0].levels\"][value=level3]", true).await;
    me.set_ticked("input[name=\"projects[0].levels\"][value=level2]", true).await;
    me.set_ticked("input[name=\"projects[0].criteria\"][value=key_industry]", true).await;
    me.type_into("input[name=\"projects[0].annual_capacity\"]", "200").await;
    me.next_step(&format!("{}?saved=1", step("trainees"))).await;

    // 七、培育对象.
    me.type_into("input[name=\"trainees.own_staff\"]", "300").await;
    me.type_into("input[name=\"trainees.supply_chain[0].name\"]", "上游配套公司").await;
    me.type_into("input[name=\"trainees.supply_chain[0].uscc\"]", OTHER_USCC).await;
    me.choose_value("select[name=\"trainees.supply_chain[0].relation\"]", "upstream").await;
    me.next_step(&format!("{}?saved=1", step("letter"))).await;

    // 八、承诺书; then the overview's checklist is complete.
    me.upload_ok(&files.get("承诺书.pdf")).await;
    me.choose_uploaded("select[name=\"commitment_letter\"]", "承诺书.pdf").await;
    me.next_step(&format!("/applications/{id}?done=saved")).await;
    me.sees("各部分均已填写完整，可以提交。").await;
    me.check(
        "document.querySelectorAll('.checklist .check-done').length === 8 && !document.querySelector('.checklist .check-todo')",
        "every part of the checklist is ticked",
    )
    .await;

    // Submitted: 已提交.
    me.press(&format!("form[action=\"/applications/{id}/submit\"] button[type=submit]")).await;
    me.at(&format!("/applications/{id}?done=submitted")).await;
    me.text_is(".status", "已提交").await;
    me.sees("申报已提交").await;
    me.check("!document.querySelector('a[href$=\"/edit/profile\"]')", "no editing once submitted").await;

    // 3. Staff find it among the applications received and return it for supplement.
    bureau.open("/bureau/applications").await;
    bureau.sees(ORG_NAME).await;
    bureau.press(&format!("a[href=\"/bureau/applications/{id}\"]")).await;
    bureau.text_is("#application-status", "待受理").await;
    bureau.sees("数控实训中心").await;
    bureau.choose_value("#section-0", "sites").await;
    bureau.type_into("#item-0", "场地照片").await;
    bureau.type_into("#reason-0", "场地照片不清晰，请重新拍摄").await;
    bureau.check("document.querySelector('#f-days').value === '5'", "five working days by default").await;
    bureau.press(&format!("form[action=\"/bureau/applications/{id}/return\"] button[type=submit]")).await;
    bureau.sees("已退回补正").await;
    bureau.text_is("#application-status", "已退回补正").await;
    // Friday 2024-09-27: counting from the next day, the fifth working day is 10-10.
    bureau.text_has("#supplement-due", "2024-10-10").await;
    bureau.sees("实训场地设备（场地照片）：场地照片不清晰，请重新拍摄").await;

    // 4. The organisation reads what to fix and by when, fixes it and resubmits.
    me.open(&format!("/applications/{id}")).await;
    me.text_is(".status", "需补正").await;
    me.sees("需补正的内容").await;
    me.sees("场地照片不清晰，请重新拍摄").await;
    me.sees("2024年10月10日 24 时").await;
    me.press(&format!("a.button-link[href=\"/applications/{id}/edit/profile\"]")).await;
    me.press(&format!("nav.steps a[href=\"{}\"]", step("sites"))).await;
    me.at(&step("sites")).await;
    me.upload_ok(&files.get("场地-清晰.jpg")).await;
    me.tick_file("sites[0].photos", "场地.png", false).await;
    me.tick_file("sites[0].photos", "场地-清晰.jpg", true).await;
    me.press(".actions button[name=go][value=save]").await;
    me.sees("已保存").await;
    me.press(&format!(".actions a[href=\"/applications/{id}\"]")).await;
    me.check(
        &format!(
            "document.querySelector('form[action=\"/applications/{id}/submit\"] button').innerText.includes('重新提交')"
        ),
        "the button says 重新提交",
    )
    .await;
    me.press(&format!("form[action=\"/applications/{id}/submit\"] button[type=submit]")).await;
    me.text_is(".status", "受理中").await;

    // 5. Staff accept it; the eligibility table gives each clause its result and its citation.
    bureau.open(&format!("/bureau/applications/{id}")).await;
    bureau.text_is("#application-status", "补正后待受理").await;
    bureau.press(&format!("form[action=\"/bureau/applications/{id}/accept\"] button[type=submit]")).await;
    bureau.sees("已受理。资格审查表已按政策生成").await;
    bureau.text_is("#application-status", "已受理（待资格审查）").await;
    bureau.check("document.querySelectorAll('table.eligibility tbody tr').length === 8", "eight clauses").await;
    for clause in CLAUSES {
        let row = format!("#clause-{}", clause.replace('.', "-"));
        // An enterprise: whether it is a *key* enterprise is for staff to confirm.
        let expected = if clause == "C2.1.0" { "待人工确认" } else { "符合" };
        bureau.text_is(&format!("{row} td strong"), expected).await;
        bureau.text_has(&format!("{row} th"), "第二条").await;
    }
    bureau.text_has("#clause-C2-1-0 th", "第二条第（一）款").await;
    bureau.sees("完成资格审查").await;

    // The organisation sees it accepted, each clause listed while the bureau reviews.
    me.open(&format!("/applications/{id}")).await;
    me.text_is(".status", "已受理").await;
    me.check(
        "document.querySelectorAll('section[aria-labelledby=eligibility-title] tbody tr').length === 8",
        "the organisation's eligibility table lists the eight clauses",
    )
    .await;
    me.sees_not("需经办人确认").await;
    chromium.close().await;

    // What was stored, through the API.
    let (status, stored) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}")).await;
    assert_eq!((status, &stored["status"]), (200, &json!("accepted")), "{stored}");
    let (_, attachments) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/attachments")).await;
    let names: Vec<&str> = attachments.as_array().expect("files").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names.len(), 11, "{attachments}");
    assert!(!names.contains(&"营业执照.pdf"), "the program was not stored: {names:?}");
    let file_id = |name: &str| -> Value {
        attachments.as_array().and_then(|f| f.iter().find(|f| f["name"] == name)).expect("stored")["id"].clone()
    };
    let form = &stored["form"];
    assert_eq!(form["profile"]["industry"], "digital", "{form}");
    assert_eq!(form["profile"]["registered_division"], "310118");
    assert_eq!(form["profile"]["open_to_region"], true);
    assert_eq!(form["sites"][0]["area_m2"], 800);
    assert_eq!(form["sites"][0]["equipment"][0]["value"], 300_000_000, "3,000,000.00 元 in fen");
    assert_eq!(form["sites"][0]["photos"], json!([file_id("场地-清晰.jpg")]));
    assert_eq!(form["team"]["experts"][0]["name"], "王工");
    assert_eq!(form["rule_documents"].as_array().map(Vec::len), Some(4), "{form}");
    for document in form["rule_documents"].as_array().expect("rule documents") {
        let kind = document["kind"].as_str().expect("kind");
        assert_eq!(document["document"], file_id(&format!("{kind}.pdf")), "{document}");
        assert_eq!(document["wall_photo"], file_id(&format!("{kind}-上墙.png")), "{document}");
    }
    assert_eq!(form["priority_claims"], json!([]));
    assert_eq!(form["projects"][0]["occupation"], "6-18-01-01");
    assert_eq!(form["projects"][0]["criteria"], json!(["key_industry"]));
    assert_eq!(form["trainees"]["supply_chain"][0]["uscc"], OTHER_USCC);
    assert_eq!(form["commitment_letter"], file_id("承诺书.pdf"));
    let (_, revisions) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/revisions")).await;
    assert_eq!(revisions.as_array().map(Vec::len), Some(2), "submitted twice: {revisions}");
    assert_eq!(revisions[1]["changes"][0]["field"], "sites[0].photos[0]", "{revisions}");
    let (_, trace) = app.get_json_as(&staff, &format!("/api/v1/applications/{id}/eligibility")).await;
    let results: Vec<(&str, &str)> = trace
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["clause"].as_str().unwrap_or(""), i["computed"].as_str().unwrap_or("")))
        .collect();
    let expected: Vec<(&str, &str)> =
        CLAUSES.iter().map(|c| (*c, if *c == "C2.1.0" { "confirm" } else { "pass" })).collect();
    assert_eq!(results, expected, "{trace}");
}
