//! The applicant's pages as a browser without JavaScript uses them: plain form posts
//! (`application/x-www-form-urlencoded`, and `multipart/form-data` for files) with the page's
//! CSRF field and the session cookie — from the public list of calls to a submitted, printed,
//! returned, resubmitted and withdrawn application, on both engines. The JSON API is used only
//! to play the bureau and to look at what was stored.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, Cookie, FilePart, get, hidden, post, post_multipart};
use crate::samples::{EXE, OTHER_USCC, PDF, PNG, USCC, complete_form, open_call};

/// A signed-in browser: its session cookie; the CSRF token is read from each page's form.
struct Browser<'a> {
    app: &'a TestApp,
    who: SignedIn,
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> Answer {
        get(self.app, path, &self.who).await
    }

    /// Posts a form as the browser would: the fields as given, plus the page's CSRF field.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        post(self.app, path, &self.who, fields).await
    }

    /// Opens a step, fills it in and posts it with the button `go` (save | next); the version
    /// comes from the page, as a browser would send it back.
    async fn fill(&self, id: &str, step: &str, fields: &[(&str, &str)], go: &str) -> Answer {
        let path = format!("/applications/{id}/edit/{step}");
        let page = self.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        assert_eq!(hidden(&page.html, "csrf_token"), self.who.csrf);
        let version = hidden(&page.html, "version");
        let mut all = vec![("version", version.as_str()), ("go", go)];
        all.extend_from_slice(fields);
        self.post(&path, &all).await
    }

    /// Uploads a file with the page's upload form (`back` is where it was).
    async fn upload(&self, id: &str, back: &str, filename: &str, bytes: &[u8]) -> Answer {
        let file = FilePart { field: "file", filename, content_type: "application/octet-stream", bytes };
        let path = format!("/applications/{id}/attachments");
        post_multipart(self.app, &path, &self.who, &[("back", back)], file).await
    }

    /// Uploads a file that must be accepted; returns the id it was stored under (found by its name).
    async fn upload_ok(&self, id: &str, back: &str, filename: &str, bytes: &[u8]) -> String {
        let answer = self.upload(id, back, filename, bytes).await;
        assert_eq!(
            (answer.status, answer.location.as_str()),
            (303, format!("{back}?uploaded=1").as_str()),
            "{}",
            answer.html
        );
        let files = self.files(id).await;
        let newest = files.as_array().and_then(|f| f.iter().find(|f| f["name"] == filename)).expect("stored");
        newest["id"].as_str().expect("id").to_owned()
    }

    async fn json(&self, path: &str) -> Value {
        let (status, body) = self.app.get_json_as(&self.who, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn stored(&self, id: &str) -> Value {
        self.json(&format!("/api/v1/applications/{id}")).await
    }

    async fn files(&self, id: &str) -> Value {
        self.json(&format!("/api/v1/applications/{id}/attachments")).await
    }
}

on_both_engines!(
    an_application_from_the_call_to_the_printed_form,
    another_organisation_sees_nothing,
    files_are_removed_and_replaced_on_the_pages
);

async fn an_application_from_the_call_to_the_printed_form(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let me = Browser { app: &app, who: app.register_applicant(USCC, "qingpu-pages").await };

    // The public list of calls: the call, its window and state; a sign-in hint, no button.
    let public = get(&app, "/calls", None).await;
    assert_eq!(public.status, 200);
    for expected in ["2024年度技能实训基地申报", "2024年9月1日", "2024年10月31日", "正在受理", "登录"]
    {
        assert!(public.html.contains(expected), "{expected} not in:\n{}", public.html);
    }
    assert!(!public.html.contains(r#"action="/applications""#), "{}", public.html);

    // Signed in, the organisation gets the 申报 button; pressing it starts a draft at step one.
    let calls = me.get("/calls").await;
    assert!(calls.html.contains(r#"<form method="post" action="/applications">"#), "{}", calls.html);
    assert_eq!(hidden(&calls.html, "batch"), batch);
    let started = me.post("/applications", &[("batch", &batch)]).await;
    assert_eq!(started.status, 303, "{}", started.html);
    let id = started
        .location
        .strip_prefix("/applications/")
        .and_then(|rest| rest.strip_suffix("/edit/profile"))
        .unwrap_or_else(|| panic!("{}", started.location))
        .to_owned();
    // Now the call links to it instead, and a second start is refused on the page.
    let calls = me.get("/calls").await;
    assert!(calls.html.contains(&format!(r#"href="/applications/{id}""#)), "{}", calls.html);
    assert!(!calls.html.contains(r#"action="/applications""#));
    let again = me.post("/applications", &[("batch", &batch)]).await;
    assert_eq!(again.status, 400);
    assert!(again.html.contains("已有申报"), "{}", again.html);
    let list = me.get("/applications").await;
    assert!(list.html.contains("草稿") && list.html.contains(&format!("/applications/{id}")), "{}", list.html);

    // Submitting the empty draft lists every missing part, each linking to its step.
    let refused = me.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, 400);
    for step in ["profile", "sites", "team", "rules", "projects", "trainees", "letter"] {
        assert!(refused.html.contains(&format!("/applications/{id}/edit/{step}#")), "{step}:\n{}", refused.html);
    }
    assert!(refused.html.contains("请上传签字盖章的承诺书"), "{}", refused.html);

    // 1 建设主体, prefilled with the district's division code.
    let profile = me.get(&format!("/applications/{id}/edit/profile")).await;
    assert!(profile.html.contains(r#"value="310118""#), "{}", profile.html);
    assert!(profile.html.contains("✗"), "the step bar marks what is missing");
    let saved = me
        .fill(
            &id,
            "profile",
            &[
                ("profile.industry", "digital"),
                ("profile.registered_division", "310118"),
                ("profile.training_experience", "近三年开展数控技能培训 1200 人次"),
                ("profile.open_to_region", "1"),
            ],
            "next",
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_str()),
        (303, format!("/applications/{id}/edit/sites?saved=1").as_str())
    );

    // A renamed program is refused on the page it came from, and nothing is stored.
    let sites = format!("/applications/{id}/edit/sites");
    let exe = me.upload(&id, &sites, "场地.png", EXE).await;
    assert_eq!(exe.status, 400);
    assert!(exe.html.contains("改扩展名无效"), "{}", exe.html);
    assert!(exe.html.contains("实训场地 1"), "the sites step is shown again");
    assert_eq!(me.files(&id).await, json!([]));
    let photo = me.upload_ok(&id, &sites, "场地.png", PNG).await;

    // 2 实训场地设备: a bad area is named beside its field, with what was typed; nothing is saved.
    let before = me.stored(&id).await["form"].clone();
    let bad = me
        .fill(
            &id,
            "sites",
            &[
                ("sites[0].name", "数控实训中心"),
                ("sites[0].address", "青浦区华新镇华腾路 1 号"),
                ("sites[0].area_m2", "八百"),
                ("sites[0].equipment[0].name", "五轴加工中心"),
                ("sites[0].equipment[0].quantity", "2"),
                ("sites[0].equipment[0].value", "3,000,000.00"),
                ("sites[0].photos", &photo),
            ],
            "next",
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(bad.html.contains(r#"id="f-sites-0-area-m2-error""#), "{}", bad.html);
    assert!(bad.html.contains("场地面积应填写整数"), "{}", bad.html);
    assert!(bad.html.contains(r#"value="八百""#) && bad.html.contains("五轴加工中心"), "what was typed is kept");
    assert_eq!(me.stored(&id).await["form"], before, "the stored form is unchanged");
    // 「增加一行」 saves and draws one more equipment row.
    let site = [
        ("sites[0].name", "数控实训中心"),
        ("sites[0].address", "青浦区华新镇华腾路 1 号"),
        ("sites[0].area_m2", "800"),
        ("sites[0].equipment[0].name", "五轴加工中心"),
        ("sites[0].equipment[0].quantity", "2"),
        ("sites[0].equipment[0].value", "3,000,000.00"),
        ("sites[0].photos", photo.as_str()),
    ];
    let mut with_add = site.to_vec();
    with_add.push(("add", "sites[0].equipment"));
    let added = me.fill(&id, "sites", &with_add, "save").await;
    assert_eq!(added.status, 200, "{}", added.html);
    assert!(added.html.contains("已保存"), "{}", added.html);
    assert!(added.html.contains(r#"name="sites[0].equipment[1].name""#), "{}", added.html);
    let stored = me.stored(&id).await["form"].clone();
    assert_eq!(stored["sites"][0]["area_m2"], 800);
    assert_eq!(stored["sites"][0]["equipment"][0]["value"], 300_000_000, "3,000,000.00 元 in fen");
    assert_eq!(stored["sites"][0]["photos"], json!([photo]));
    assert_eq!(stored["profile"]["industry"], "digital", "other sections are kept");
    // A save based on an older version is refused with a clear message and keeps the typing.
    let stale =
        me.post(&format!("/applications/{id}/edit/sites"), &[("version", "1"), ("sites[0].name", "旧页面")]).await;
    assert_eq!(stale.status, 409, "{}", stale.html);
    assert!(stale.html.contains("已被他人修改") && stale.html.contains("旧页面"), "{}", stale.html);
    assert_eq!(me.fill(&id, "sites", &site, "next").await.status, 303);

    // 3 师资管理团队.
    let team = me
        .fill(
            &id,
            "team",
            &[
                ("team.department", "培训部"),
                ("team.full_time_staff", "6"),
                ("team.experts[0].name", "王工"),
                ("team.experts[0].title", "高级技师"),
                ("team.experts[0].qualification", "一级/高级技师"),
            ],
            "next",
        )
        .await;
    assert_eq!(team.status, 303, "{}", team.html);

    // 4 规范管理制度: a document and a wall photo per rule document of the policy.
    let rules = format!("/applications/{id}/edit/rules");
    let mut picks = Vec::new();
    for (i, kind) in
        ["training_work", "training_management", "financial_management", "asset_management"].iter().enumerate()
    {
        let document = me.upload_ok(&id, &rules, &format!("{kind}.pdf"), PDF).await;
        let wall = me.upload_ok(&id, &rules, &format!("{kind}-上墙.png"), PNG).await;
        picks.push((format!("rule_documents[{i}].document"), document));
        picks.push((format!("rule_documents[{i}].wall_photo"), wall));
    }
    let fields: Vec<(&str, &str)> = picks.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(me.fill(&id, "rules", &fields, "next").await.status, 303);

    // 5 优先认定: optional; the blank row is left blank.
    assert_eq!(me.fill(&id, "priority", &[], "next").await.status, 303);

    // 6 培育项目: the occupation picker answers with or without htmx.
    let search = me.get(&format!("/applications/{id}/occupations?q=6-18-01")).await;
    assert_eq!(search.status, 200);
    assert!(search.html.contains("6-18-01-01") && search.html.contains("<html"), "{}", search.html);
    let fragment = app
        .client
        .get(app.url(&format!("/applications/{id}/occupations?q=6-18-01")))
        .header("cookie", &me.who.cookie)
        .header("hx-request", "true")
        .send()
        .await
        .expect("send");
    let fragment = fragment.text().await.expect("body");
    assert!(fragment.contains("6-18-01-01") && !fragment.contains("<html"), "{fragment}");
    let projects = me
        .fill(
            &id,
            "projects",
            &[
                ("projects[0].occupation", "6-18-01-01"),
                ("projects[0].levels", "level3"),
                ("projects[0].levels", "level2"),
                ("projects[0].criteria", "key_industry"),
                ("projects[0].annual_capacity", "200"),
            ],
            "next",
        )
        .await;
    assert_eq!(projects.status, 303, "{}", projects.html);

    // 7 培育对象: a wrong USCC is named at its row; nothing is saved; then the right one.
    let before = me.stored(&id).await["form"].clone();
    let company = |uscc: &'static str| {
        vec![
            ("trainees.own_staff", "300"),
            ("trainees.supply_chain[0].name", "上游配套公司"),
            ("trainees.supply_chain[0].uscc", uscc),
            ("trainees.supply_chain[0].relation", "upstream"),
        ]
    };
    let bad = me.fill(&id, "trainees", &company("91310118MA1JL0000X"), "next").await;
    assert_eq!(bad.status, 400, "{}", bad.html);
    assert!(bad.html.contains(r#"id="f-trainees-supply-chain-0-uscc-error""#), "{}", bad.html);
    assert!(bad.html.contains("统一社会信用代码校验位不符"), "{}", bad.html);
    assert!(bad.html.contains(r#"value="91310118MA1JL0000X""#), "what was typed is kept");
    assert_eq!(me.stored(&id).await["form"], before, "the stored form is unchanged");
    assert_eq!(me.fill(&id, "trainees", &company(OTHER_USCC), "next").await.status, 303);

    // 8 承诺书, then back to the overview: the checklist is complete.
    let letter_page = format!("/applications/{id}/edit/letter");
    let letter = me.upload_ok(&id, &letter_page, "承诺书.pdf", PDF).await;
    let done = me.fill(&id, "letter", &[("commitment_letter", &letter)], "next").await;
    assert_eq!((done.status, done.location.as_str()), (303, format!("/applications/{id}?done=saved").as_str()));
    let overview = me.get(&done.location).await;
    assert!(overview.html.contains("各部分均已填写完整"), "{}", overview.html);
    assert!(overview.html.contains("✓") && !overview.html.contains("✗"), "{}", overview.html);
    assert_eq!(me.stored(&id).await["missing"], json!([]));

    // Submit: 已提交.
    let submitted = me.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(
        (submitted.status, submitted.location.as_str()),
        (303, format!("/applications/{id}?done=submitted").as_str())
    );
    let overview = me.get(&submitted.location).await;
    assert!(overview.html.contains("已提交"), "{}", overview.html);
    assert!(!overview.html.contains(r#"/edit/profile""#), "no editing once submitted");
    let edit = me.get(&format!("/applications/{id}/edit/sites")).await;
    assert_eq!((edit.status, edit.location.as_str()), (303, format!("/applications/{id}").as_str()));

    // The printed form: the organisation, every section, every file with its SM3.
    let print = me.get(&format!("/applications/{id}/print")).await;
    assert_eq!(print.status, 200);
    for expected in [
        "青浦区技能人才培育实训基地申报表",
        "申报单位qingpu-pages",
        USCC,
        "2024年度技能实训基地申报",
        "青人社〔2023〕17号",
        "一、建设主体",
        "二、实训场地设备",
        "三、师资管理团队",
        "四、规范管理制度",
        "五、优先认定",
        "六、培育项目",
        "七、培育对象",
        "八、承诺书",
        "¥3,000,000.00",
        "6-18-01-01",
        "打印时间",
    ] {
        assert!(print.html.contains(expected), "{expected} not in the printed form:\n{}", print.html);
    }
    for file in me.files(&id).await.as_array().expect("files") {
        assert!(print.html.contains(file["hash"].as_str().expect("hash")), "{file}");
    }
    // Staff may read it too (the bureau's words for the status).
    let bureau = Browser { app: &app, who: staff.clone() };
    let staff_print = bureau.get(&format!("/applications/{id}/print")).await;
    assert_eq!(staff_print.status, 200);
    assert!(staff_print.html.contains("待受理"), "{}", staff_print.html);
    // A file downloads from its page link.
    let download = me.get(&format!("/applications/{id}/attachments/{letter}")).await;
    assert_eq!((download.status, download.html.as_bytes()), (200, PDF));

    // The bureau returns it for supplement: a notification, the reasons, the deadline.
    let items = json!({"items": [{"field": "sites[0].photos", "reason": "场地照片不清晰，请重新拍摄"}]});
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/return"), &items).await;
    assert_eq!(status, 200, "{body}");
    let list = me.get("/applications").await;
    assert!(list.html.contains("需补正") && list.html.contains("1</strong> 条未读"), "{}", list.html);
    let overview = me.get(&format!("/applications/{id}")).await;
    for expected in ["需补正的内容", "场地照片不清晰，请重新拍摄", "2024年10月10日 24 时", "重新提交"]
    {
        assert!(overview.html.contains(expected), "{expected} not in:\n{}", overview.html);
    }
    assert!(overview.html.contains(&format!("/applications/{id}/edit/sites#f-sites-0-photos")), "{}", overview.html);
    let notes = me.get("/notifications").await;
    assert!(notes.html.contains("申报需补正") && notes.html.contains("未读"), "{}", notes.html);
    let read = me.post("/notifications/read", &[]).await;
    assert_eq!((read.status, read.location.as_str()), (303, "/notifications"));
    assert!(me.get("/applications").await.html.contains("无未读"));

    // A new photo, picked on the sites step; resubmitted.
    let clear = me.upload_ok(&id, &sites, "场地-清晰.png", PNG).await;
    let mut fixed = site.to_vec();
    fixed.retain(|(k, _)| *k != "sites[0].photos");
    fixed.push(("sites[0].photos", clear.as_str()));
    assert_eq!(me.fill(&id, "sites", &fixed, "save").await.status, 200);
    let resubmitted = me.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(resubmitted.status, 303, "{}", resubmitted.html);
    assert!(me.get(&format!("/applications/{id}")).await.html.contains("受理中"));

    // Accepted: the eligibility results in the applicant's words, never the bureau's notes.
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/accept"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let overview = me.get(&format!("/applications/{id}")).await;
    assert!(overview.html.contains("资格审查") && overview.html.contains("将由区人社局确认"), "{}", overview.html);
    assert!(!overview.html.contains("需经办人确认"), "{}", overview.html);

    // Withdrawn, with a reason, behind a disclosure.
    assert!(overview.html.contains("<details class=\"withdraw\""), "{}", overview.html);
    let withdrawn = me.post(&format!("/applications/{id}/withdraw"), &[("reason", "今年暂不申报")]).await;
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.html);
    let overview = me.get(&withdrawn.location).await;
    assert!(overview.html.contains("已撤回") && overview.html.contains("今年暂不申报"), "{}", overview.html);
    assert_eq!(me.stored(&id).await["status"], "withdrawn");
}

async fn another_organisation_sees_nothing(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let mine = Browser { app: &app, who: app.register_applicant(USCC, "qingpu-mine").await };
    let started = mine.post("/applications", &[("batch", &batch)]).await;
    assert_eq!(started.status, 303);
    let id = started.location.split('/').nth(2).expect("id").to_owned();
    let file = mine.upload_ok(&id, &format!("/applications/{id}"), "承诺书.pdf", PDF).await;

    let other = Browser { app: &app, who: app.register_applicant(OTHER_USCC, "qingpu-other").await };
    for path in [
        format!("/applications/{id}"),
        format!("/applications/{id}/edit/profile"),
        format!("/applications/{id}/print"),
        format!("/applications/{id}/occupations?q=6-18"),
        format!("/applications/{id}/attachments/{file}"),
    ] {
        let answer = other.get(&path).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.html);
    }
    for path in [format!("/applications/{id}/submit"), format!("/applications/{id}/edit/profile")] {
        let answer = other.post(&path, &[("version", "1"), ("profile.industry", "digital")]).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.html);
    }
    let upload = other.upload(&id, &format!("/applications/{id}"), "x.pdf", PDF).await;
    assert_eq!(upload.status, 404, "{}", upload.html);
    assert!(!other.get("/applications").await.html.contains(&id));
    assert_eq!(mine.files(&id).await.as_array().map(Vec::len), Some(1), "nothing was added");

    // Without the CSRF field a form post is refused, and so is an upload.
    let forged = post(&app, &format!("/applications/{id}/submit"), Cookie(Some(&mine.who.cookie)), &[]).await;
    assert_eq!(forged.status, 403);
    let forged_upload = Browser { app: &app, who: SignedIn { cookie: mine.who.cookie.clone(), csrf: "forged".into() } }
        .upload(&id, &format!("/applications/{id}"), "y.pdf", PDF)
        .await;
    assert_eq!(forged_upload.status, 403);
    // A draft is not the bureau's to read.
    let bureau = Browser { app: &app, who: staff };
    assert_eq!(bureau.get(&format!("/applications/{id}")).await.status, 404);
}

impl Browser<'_> {
    /// Presses a file's 删除 button on the page `back`.
    async fn remove(&self, id: &str, file: &str, back: &str) -> Answer {
        self.post(&format!("/applications/{id}/attachments/{file}/remove"), &[("back", back)]).await
    }

    /// Chooses a new file in a file's 替换 form on the page `back` and presses the button.
    async fn replace(&self, id: &str, file: &str, back: &str, (filename, bytes): (&str, &[u8])) -> Answer {
        let part = FilePart { field: "file", filename, content_type: "application/octet-stream", bytes };
        let path = format!("/applications/{id}/attachments/{file}/replace");
        post_multipart(self.app, &path, &self.who, &[("back", back)], part).await
    }

    /// Saves the whole form through the API (the pages' steps are told elsewhere).
    async fn put_form(&self, id: &str, form: &Value) {
        let request =
            self.app.client.put(self.app.url(&format!("/api/v1/applications/{id}"))).json(&json!({ "form": form }));
        let (status, _, body) = self.app.send_as(&self.who, request).await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Issue 17, item 6, on the pages: each file of a draft has a 删除 and a 替换 form (CSRF field
/// included); removing the site photo on the sites step and replacing the letter on the letter
/// step come back to that step, the form following; a photo is replaced by an image only. Once
/// submitted the forms are gone and a post is refused with the reason on the page; another
/// organisation finds nothing. Returned for supplement, the letter is replaced again from the
/// overview; staff's revision record still shows, and downloads, the letter first submitted.
async fn files_are_removed_and_replaced_on_the_pages(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let me = Browser { app: &app, who: app.register_applicant(USCC, "qingpu-files").await };
    let started = me.post("/applications", &[("batch", &batch)]).await;
    assert_eq!(started.status, 303, "{}", started.html);
    let id = started.location.split('/').nth(2).expect("id").to_owned();
    let form = complete_form(&app, &me.who, &id).await;
    me.put_form(&id, &form).await;
    let text = |v: &Value| v.as_str().expect("an id").to_owned();
    let (photo, wall, letter) = (
        text(&form["sites"][0]["photos"][0]),
        text(&form["rule_documents"][0]["wall_photo"]),
        text(&form["commitment_letter"]),
    );

    let overview = me.get(&format!("/applications/{id}")).await;
    for file in [&photo, &wall, &letter] {
        for action in ["remove", "replace"] {
            let marker = format!(
                r#"id="file-{file}-{action}" method="post" action="/applications/{id}/attachments/{file}/{action}""#
            );
            assert!(overview.html.contains(&marker), "{marker}:\n{}", overview.html);
        }
    }
    let remove_form = overview.html.split(&format!(r#"id="file-{photo}-remove""#)).nth(1).expect("the form");
    let remove_form = remove_form.split("</form>").next().expect("its end");
    assert_eq!(hidden(remove_form, "csrf_token"), me.who.csrf);

    // 删除 on the sites step: back to it, the photo gone from the form and the list.
    let sites = format!("/applications/{id}/edit/sites");
    let removed = me.remove(&id, &photo, &sites).await;
    assert_eq!(
        (removed.status, removed.location.as_str()),
        (303, format!("{sites}?removed=1").as_str()),
        "{}",
        removed.html
    );
    let step = me.get(&removed.location).await;
    assert!(step.html.contains("附件已删除。"), "{}", step.html);
    assert!(!step.html.contains(&format!("file-{photo}")), "{}", step.html);
    assert_eq!(me.stored(&id).await["form"]["sites"][0]["photos"], json!([]));

    // 替换 on the letter step: back to it, the form naming the new letter.
    let letter_step = format!("/applications/{id}/edit/letter");
    let stamped = [PDF, b"% stamped\n".as_slice()].concat();
    let replaced = me.replace(&id, &letter, &letter_step, ("承诺书-盖章.pdf", &stamped)).await;
    assert_eq!(
        (replaced.status, replaced.location.as_str()),
        (303, format!("{letter_step}?replaced=1").as_str()),
        "{}",
        replaced.html
    );
    assert!(me.get(&replaced.location).await.html.contains("附件已替换"));
    let files = me.files(&id).await;
    let stamped_id = files.as_array().and_then(|f| f.iter().find(|f| f["name"] == "承诺书-盖章.pdf")).expect("stored");
    let stamped_id = text(&stamped_id["id"]);
    assert_eq!(me.stored(&id).await["form"]["commitment_letter"], json!(stamped_id));
    assert!(!files.as_array().expect("files").iter().any(|f| f["id"] == json!(letter)), "{files}");
    // A wall photo replaced by a PDF: refused on the rules step, nothing changed.
    let rules = format!("/applications/{id}/edit/rules");
    let not_a_photo = me.replace(&id, &wall, &rules, ("上墙.pdf", PDF)).await;
    assert_eq!(not_a_photo.status, 400, "{}", not_a_photo.html);
    assert!(not_a_photo.html.contains("请用 JPG 或 PNG 图片替换"), "{}", not_a_photo.html);
    assert!(not_a_photo.html.contains("规范管理制度"), "the rules step is shown again");
    assert_eq!(me.stored(&id).await["form"]["rule_documents"][0]["wall_photo"], json!(wall));

    // Another organisation finds nothing.
    let other = Browser { app: &app, who: app.register_applicant(OTHER_USCC, "other-files").await };
    assert_eq!(other.remove(&id, &wall, &format!("/applications/{id}")).await.status, 404);
    assert_eq!(other.replace(&id, &wall, &format!("/applications/{id}"), ("x.png", PNG)).await.status, 404);

    // Submitted (a new site photo first): no forms, and a post is refused, said on the page.
    let new_photo = me.upload_ok(&id, &sites, "场地-新.png", PNG).await;
    let mut current = me.stored(&id).await["form"].clone();
    current["sites"][0]["photos"] = json!([new_photo]);
    me.put_form(&id, &current).await;
    let submitted = me.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.html);
    let overview = me.get(&format!("/applications/{id}")).await;
    assert!(!overview.html.contains("/remove\"") && !overview.html.contains("/replace\""), "{}", overview.html);
    let refused = me.remove(&id, &stamped_id, &format!("/applications/{id}")).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains("申报当前为「已提交」，不能删除附件"), "{}", refused.html);
    let refused = me.replace(&id, &stamped_id, &format!("/applications/{id}"), ("又一版.pdf", PDF)).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains("不能替换附件"), "{}", refused.html);
    assert_eq!(me.stored(&id).await["form"]["commitment_letter"], json!(stamped_id));

    // Returned: the letter replaced again from the overview; resubmitted.
    let items = json!({"items": [{"field": "commitment_letter", "reason": "承诺书未加盖公章"}]});
    let (status, body) = app.post_json_as(&staff, &format!("/api/v1/applications/{id}/return"), &items).await;
    assert_eq!(status, 200, "{body}");
    let overview_path = format!("/applications/{id}");
    let overview = me.get(&overview_path).await;
    assert!(overview.html.contains(&format!(r#"id="file-{stamped_id}-replace""#)), "{}", overview.html);
    let second = [PDF, b"% stamped again\n".as_slice()].concat();
    let again = me.replace(&id, &stamped_id, &overview_path, ("承诺书-第二版.pdf", &second)).await;
    assert_eq!(
        (again.status, again.location.as_str()),
        (303, format!("{overview_path}?replaced=1").as_str()),
        "{}",
        again.html
    );
    let resubmitted = me.post(&format!("/applications/{id}/submit"), &[]).await;
    assert_eq!(resubmitted.status, 303, "{}", resubmitted.html);

    // Staff's revision record: the letter first submitted, by name, and its bytes.
    let revisions = get(&app, &format!("/bureau/applications/{id}/revisions"), &staff).await;
    assert_eq!(revisions.status, 200, "{}", revisions.html);
    let second_revision = revisions.html.split(r#"id="revision-2""#).nth(1).expect("the second revision");
    let row = second_revision.split("<code>commitment_letter</code>").nth(1).expect("the letter changed");
    let row = row.split("</tr>").next().expect("its row");
    let old_href = format!("/bureau/applications/{id}/attachments/{stamped_id}");
    assert!(row.contains(&format!(r#"<a href="{old_href}" download>承诺书-盖章.pdf</a>"#)), "{row}");
    assert!(row.contains("承诺书-第二版.pdf"), "{row}");
    let download = get(&app, &old_href, &staff).await;
    assert_eq!((download.status, download.bytes.as_slice()), (200, stamped.as_slice()));
    let mine = me.get(&format!("/applications/{id}/attachments/{stamped_id}")).await;
    assert_eq!((mine.status, mine.bytes.as_slice()), (200, stamped.as_slice()), "the applicant's copy too");
}
