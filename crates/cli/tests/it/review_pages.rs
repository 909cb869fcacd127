//! The review pages as people without JavaScript use them: staff keep the expert pool (a bad
//! USCC is said beside its field and nothing is saved), draw a panel for an eligible
//! application, remind an expert; each expert sees nothing of the application before declaring,
//! declares, scores (a criterion over its maximum is refused beside it, nothing saved); another
//! expert gets 404 for an assignment not theirs; staff see the ranking and draft the
//! recognition list once the call is closed; a leader approves it on the page, staff see no
//! buttons there, and the drafter (made a leader since) is refused as its drafter (403) — plain
//! form posts with the session cookie and the CSRF field, on both engines.

use serde_json::json;
use skillbase_domain::roles::Role;

use crate::bureau_pages::text_of;
use crate::helpers::{SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, assert_redirect, get, post};
use crate::samples::{eligible_application, open_call, qingpu_uscc};

/// The ids in every `href="{prefix}{id}"` of the page, in order (an id ends at `"`, `/`, `#`
/// or `?`).
fn ids_after(html: &str, prefix: &str) -> Vec<String> {
    let marker = format!(r#"href="{prefix}"#);
    let mut ids: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&marker) {
        rest = &rest[at + marker.len()..];
        let id: String = rest.chars().take_while(|c| !matches!(c, '"' | '/' | '#' | '?')).collect();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// No inline script or style: the pages work under `script-src 'self'; style-src 'self'`.
fn assert_csp_clean(html: &str) {
    assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains(" style="), "{html}");
}

fn nav_has(html: &str, href: &str) -> bool {
    html.contains(&format!(r#"<li class="nav-console"><a href="{href}""#))
}

/// Staff give an expert account its profile on the page (reviewing 大数字).
async fn give_profile(app: &TestApp, staff: &SignedIn, user: &str, name: &str, employer_uscc: &str) {
    let saved = post(
        app,
        &format!("/bureau/experts/{user}"),
        staff,
        &[
            ("version", ""),
            ("name", name),
            ("title", "高级工程师"),
            ("employer_name", "青浦区某单位"),
            ("employer_uscc", employer_uscc),
            ("industries", "digital"),
            ("past_employers[0].uscc", ""),
            ("past_employers[0].name", ""),
            ("past_employers[0].until", ""),
            ("declared_ties[0].uscc", ""),
            ("declared_ties[0].name", ""),
            ("declared_ties[0].reason", ""),
            ("active", "on"),
        ],
    )
    .await;
    assert_redirect(&saved, "/bureau/experts?done=saved");
}

/// A score sheet in the rubric's order: (points, comment) per criterion.
fn sheet(points: [&'static str; 5]) -> Vec<(String, String)> {
    let criteria = ["subject", "site", "team", "rules", "projects"];
    let mut fields = Vec::new();
    for (i, (criterion, p)) in criteria.iter().zip(points).enumerate() {
        fields.push((format!("items[{i}].criterion"), (*criterion).to_owned()));
        fields.push((format!("items[{i}].points"), p.to_owned()));
        fields.push((format!("items[{i}].comment"), format!("{criterion} 符合要求")));
    }
    fields
}

async fn post_sheet(app: &TestApp, path: &str, who: &SignedIn, points: [&'static str; 5]) -> Answer {
    let fields = sheet(points);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(app, path, who, &pairs).await
}

on_both_engines!(
    staff_keep_the_expert_pool,
    a_review_from_the_draw_to_the_approved_list,
    staff_reopen_withdraw_and_remind_on_the_pages
);

/// The pool: a bad USCC beside its field with nothing saved, then a good profile; leaders do
/// not keep the pool.
async fn staff_keep_the_expert_pool(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let (_, user) = app.sign_in_user(Role::Expert, "expert-wang", "王专家").await;

    let page = get(&app, "/bureau/experts", &staff).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(r#"<h1 id="page-title">专家库</h1>"#), "{}", page.html);
    assert!(page.html.contains("王专家（expert-wang，未建档）"), "{}", page.html);
    assert!(nav_has(&page.html, "/bureau/experts") && nav_has(&page.html, "/bureau/review"), "{}", page.html);
    assert!(!nav_has(&page.html, "/bureau/proposals"), "approving is for leaders");
    assert_csp_clean(&page.html);
    let form = get(&app, &format!("/bureau/experts?user={user}"), &staff).await;
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.html.contains(&format!(r#"action="/bureau/experts/{user}""#)), "{}", form.html);
    assert!(form.html.contains(r#"name="industries" value="digital""#), "{}", form.html);
    assert!(form.html.contains(r#"name="past_employers[0].uscc""#), "{}", form.html);

    // A wrong check character and a malformed past employer: each beside its field.
    let bad = [
        ("version", ""),
        ("name", "王专家"),
        ("title", "高级工程师"),
        ("employer_name", "上海某研究院"),
        ("employer_uscc", "91310118MA1G00011X"),
        ("industries", "digital"),
        ("industries", "health"),
        ("past_employers[0].uscc", "12345"),
        ("past_employers[0].name", "原单位"),
        ("past_employers[0].until", "2023-06-30"),
        ("past_employers[1].uscc", ""),
        ("past_employers[1].name", ""),
        ("past_employers[1].until", ""),
        ("declared_ties[0].uscc", ""),
        ("declared_ties[0].name", ""),
        ("declared_ties[0].reason", ""),
        ("active", "on"),
    ];
    let refused = post(&app, &format!("/bureau/experts/{user}"), &staff, &bad).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(!text_of(&refused.html, "f-employer-uscc-error").is_empty(), "{}", refused.html);
    assert!(!text_of(&refused.html, "past-0-uscc-error").is_empty(), "{}", refused.html);
    assert!(refused.html.contains(r#"value="91310118MA1G00011X""#), "what was typed is kept");
    assert!(refused.html.contains(r#"value="原单位""#), "the row is kept");
    assert!(refused.html.contains(r#"value="health" checked"#), "the industries ticked are kept");
    assert!(refused.html.contains("error-summary"), "{}", refused.html);
    let pool = app.app().experts().await.expect("pool");
    assert!(pool.is_empty(), "nothing was saved: {pool:?}");

    // Corrected: saved, listed with its industries.
    let employer = qingpu_uscc(200);
    let past = qingpu_uscc(201);
    let mut good = bad;
    good[4].1 = &employer;
    good[7].1 = &past;
    let saved = post(&app, &format!("/bureau/experts/{user}"), &staff, &good).await;
    assert_redirect(&saved, "/bureau/experts?done=saved");
    let page = get(&app, &saved.location, &staff).await;
    assert!(page.html.contains("已保存专家信息"), "{}", page.html);
    let row = text_of(&page.html, &format!("expert-{user}"));
    assert!(row.contains("王专家") && row.contains("大数字、大健康") && row.contains(&employer), "{row}");
    let pool = app.app().experts().await.expect("pool");
    assert_eq!(pool.len(), 1);
    assert_eq!(pool[0].past_employers[0].uscc, past);
    // Editing reads the stored profile back, with its version.
    let again = get(&app, &format!("/bureau/experts?user={user}"), &staff).await;
    assert!(
        again.html.contains("修改专家档案") && again.html.contains(r#"name="version" value="1""#),
        "{}",
        again.html
    );

    // Leaders read the review, but do not keep the pool.
    let leader = app.sign_in_as(Role::Leader).await;
    let page = get(&app, "/bureau/experts", &leader).await;
    assert_eq!(page.status, 403, "{}", page.html);
}

/// The whole review on the pages: draw, declare, score, rank, draft, approve.
async fn a_review_from_the_draw_to_the_approved_list(app: TestApp) {
    let (staff, staff_id) = app.sign_in_user(Role::Staff, "test-staff", "经办人").await;
    let leader = app.sign_in_as(Role::Leader).await;
    let batch = open_call(&app, &staff).await;
    let applicant_uscc = qingpu_uscc(1);
    let (applicant, application) =
        eligible_application(&app, &staff, &batch, (&applicant_uscc, "qingpu-one"), false).await;

    // Five experts of 大数字, and one who works for the applicant (never a candidate).
    let mut experts = Vec::new();
    for i in 1..=5 {
        let (who, user) = app.sign_in_user(Role::Expert, &format!("expert-{i}"), &format!("专家{i}")).await;
        give_profile(&app, &staff, &user, &format!("专家{i}"), &qingpu_uscc(100 + i)).await;
        experts.push(who);
    }
    let (tied, tied_id) = app.sign_in_user(Role::Expert, "expert-tied", "关联专家").await;
    give_profile(&app, &staff, &tied_id, "关联专家", &applicant_uscc).await;

    // The draw: too few is refused beside the number, nothing drawn; then five.
    let review = format!("/bureau/applications/{application}/review");
    let page = get(&app, &review, &staff).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(r#"id="f-experts" name="experts" type="number" value="5""#), "{}", page.html);
    assert!(page.html.contains(r#"id="f-days" name="days" type="number" value="5""#), "{}", page.html);
    assert!(page.html.contains(r#"id="no-assignments""#), "{}", page.html);
    assert_csp_clean(&page.html);
    let refused = post(&app, &review, &staff, &[("experts", "2"), ("days", "5")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "f-experts-error").contains("3 至 15"), "{}", refused.html);
    assert!(refused.html.contains(r#"id="no-assignments""#), "nothing was drawn");
    let drawn = post(&app, &review, &staff, &[("experts", "5"), ("days", "5")]).await;
    assert_redirect(&drawn, &format!("{review}?done=drawn"));
    let page = get(&app, &drawn.location, &staff).await;
    assert_eq!(text_of(&page.html, "application-status"), "专家评审中");
    for i in 1..=5 {
        assert!(page.html.contains(&format!("专家{i}")), "{}", page.html);
    }
    let draws = text_of(&page.html, "draws");
    assert!(draws.contains("首次抽取") && draws.contains("随机种子"), "{draws}");
    assert!(!draws.contains("关联专家"), "the tied expert is no candidate: {draws}");
    // Friday 2024-09-27: from the next day, the fifth working day is 10-10.
    assert!(page.html.contains("评审期限：2024-10-10 24 时"), "{}", page.html);

    // Each expert finds the task; the tied one has none.
    let mut tasks = Vec::new();
    for (i, expert) in experts.iter().enumerate() {
        let home = get(&app, "/expert", expert).await;
        assert_eq!(home.status, 200, "{}", home.html);
        assert!(nav_has(&home.html, "/expert"), "{}", home.html);
        assert!(home.html.contains("新的评审任务"), "the expert was told: {}", home.html);
        let ids = ids_after(&home.html, "/expert/assignments/");
        assert_eq!(ids.len(), 1, "expert {i}: {}", home.html);
        tasks.push(ids[0].clone());
    }
    let home = get(&app, "/expert", &tied).await;
    assert!(home.html.contains(r#"id="no-assignments""#), "{}", home.html);

    // Staff remind the first expert from the application's page.
    let reminded = post(&app, &format!("/bureau/assignments/{}/remind", tasks[0]), &staff, &[]).await;
    assert_redirect(&reminded, &format!("{review}?done=reminded"));
    assert!(get(&app, "/expert", &experts[0]).await.html.contains("评审催办"));

    // Before declaring: the call and the organisation, nothing of the application.
    let task = format!("/expert/assignments/{}", tasks[0]);
    let page = get(&app, &task, &experts[0]).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html.contains("申报单位qingpu-one") && page.html.contains("2024年度技能实训基地申报"),
        "{}",
        page.html
    );
    assert!(page.html.contains(&format!(r#"action="{task}/declare""#)), "{}", page.html);
    assert!(!page.html.contains("数控实训中心") && !page.html.contains("/attachments/"), "{}", page.html);
    assert!(!page.html.contains(&format!(r#"action="{task}/score""#)), "{}", page.html);
    assert_csp_clean(&page.html);
    let (_, files) = app.get_json_as(&applicant, &format!("/api/v1/applications/{application}/attachments")).await;
    let file = files[0]["id"].as_str().expect("an attachment").to_owned();
    let early = get(&app, &format!("{task}/attachments/{file}"), &experts[0]).await;
    assert_eq!(early.status, 404, "no file before the declaration");
    // Another expert's assignment does not exist for them.
    assert_eq!(get(&app, &task, &experts[1]).await.status, 404);
    assert_eq!(get(&app, &format!("{task}/attachments/{file}"), &experts[1]).await.status, 404);
    // A conflict needs its reason.
    let refused = post(&app, &format!("{task}/declare"), &experts[0], &[("conflict", "yes"), ("reason", "")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(!text_of(&refused.html, "f-reason-error").is_empty(), "{}", refused.html);
    assert!(refused.html.contains(r#"value="yes" checked"#), "the choice is kept");
    assert_eq!(text_of(&get(&app, &task, &experts[0]).await.html, "assignment-status"), "待声明回避");

    // No conflict: the materials open, files download as attachments.
    let declared = post(&app, &format!("{task}/declare"), &experts[0], &[("conflict", "no"), ("reason", "")]).await;
    assert_redirect(&declared, &format!("{task}?done=declared"));
    let page = get(&app, &declared.location, &experts[0]).await;
    assert!(page.html.contains("数控实训中心") && page.html.contains("五轴加工中心"), "{}", page.html);
    assert!(page.html.contains(&format!(r#"href="{task}/attachments/"#)), "{}", page.html);
    let download = get(&app, &format!("{task}/attachments/{file}"), &experts[0]).await;
    assert_eq!(download.status, 200);
    assert!(download.disposition.starts_with("attachment;") && download.disposition.contains("filename*=UTF-8''"));
    assert!(page.html.contains(r#"name="items[1].points" type="number" min="0" max="25""#), "{}", page.html);

    // One criterion over its maximum: refused beside it, what was typed kept, nothing saved.
    let refused = post_sheet(&app, &format!("{task}/score"), &experts[0], ["21", "22", "22", "8", "16"]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "score-0-points-error").contains("0 至 20"), "{}", refused.html);
    assert!(refused.html.contains(r#"value="21""#) && refused.html.contains("team 符合要求"), "{}", refused.html);
    let page = get(&app, &task, &experts[0]).await;
    assert_eq!(text_of(&page.html, "assignment-status"), "评分中", "nothing was saved");
    let scored = post_sheet(&app, &format!("{task}/score"), &experts[0], ["18", "22", "22", "8", "16"]).await;
    assert_redirect(&scored, &format!("{task}?done=scored"));
    let page = get(&app, &scored.location, &experts[0]).await;
    assert_eq!(text_of(&page.html, "my-total"), "86");
    assert!(text_of(&page.html, "others").contains("尚未提交"), "{}", page.html);

    // The other four declare and score.
    let totals = [
        ["16", "20", "20", "8", "16"],
        ["18", "21", "20", "9", "17"],
        ["15", "18", "19", "7", "15"],
        ["19", "23", "23", "9", "18"],
    ];
    for (k, points) in totals.into_iter().enumerate() {
        let (expert, task) = (&experts[k + 1], format!("/expert/assignments/{}", tasks[k + 1]));
        let declared = post(&app, &format!("{task}/declare"), expert, &[("conflict", "no"), ("reason", "")]).await;
        assert_redirect(&declared, &task);
        let scored = post_sheet(&app, &format!("{task}/score"), expert, points).await;
        assert_redirect(&scored, &format!("{task}?done=scored"));
    }
    // The first expert now sees the others' totals, without names.
    let page = get(&app, &task, &experts[0]).await;
    let others = text_of(&page.html, "others");
    assert!(others.contains("80 分") && others.contains("92 分"), "{others}");
    assert!(!others.contains("专家"), "{others}");

    // Staff: the panel's aggregate, then the console's ranking.
    let page = get(&app, &review, &staff).await;
    assert_eq!(text_of(&page.html, "application-status"), "评分完成");
    // 86, 80, 85, 74, 92: the highest and lowest dropped, (86 + 80 + 85) / 3.
    assert_eq!(text_of(&page.html, "mean"), "83.67 分");
    let console = get(&app, &format!("/bureau/review?batch={batch}"), &staff).await;
    assert_eq!(console.status, 200, "{}", console.html);
    assert_csp_clean(&console.html);
    let progress = text_of(&console.html, &format!("progress-{application}"));
    assert!(progress.contains("评分完成") && progress.contains("83.67 分"), "{progress}");
    let rank = text_of(&console.html, &format!("rank-{application}"));
    assert!(rank.contains("拟认定") && rank.contains("（C4.2）") && rank.contains("83.67"), "{rank}");
    assert!(console.html.contains(r#"id="no-overdue""#), "{}", console.html);

    // Drafting waits for the call to close; then the list is drafted.
    let refused = post(&app, "/bureau/proposals", &staff, &[("batch", &batch), ("note", "按排名拟定")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(text_of(&refused.html, "draft-error").contains("尚未截止"), "{}", refused.html);
    assert!(refused.html.contains("按排名拟定"), "the note is kept");
    let closed = post(&app, &format!("/bureau/batches/{batch}/close"), &staff, &[]).await;
    assert_redirect(&closed, "/bureau/batches?done=closed");
    let drafted = post(&app, "/bureau/proposals", &staff, &[("batch", &batch), ("note", "按排名拟定")]).await;
    assert_redirect(&drafted, "/bureau/proposals/");
    let proposal = drafted.location.trim_start_matches("/bureau/proposals/").split('?').next().expect("id").to_owned();
    let page = get(&app, &drafted.location, &staff).await;
    assert!(page.html.contains("已拟定认定名单") && page.html.contains("待领导审批"), "{}", page.html);
    assert!(text_of(&page.html, &format!("line-{application}")).contains("C4.2"), "{}", page.html);
    assert!(!page.html.contains("/approve\"") && !page.html.contains("/send-back\""), "staff see no buttons");
    let console = get(&app, &format!("/bureau/review?batch={batch}"), &staff).await;
    assert!(console.html.contains(&format!(r#"href="/bureau/proposals/{proposal}""#)), "{}", console.html);

    // The leader: the list, the buttons; sending back needs a reason; approving.
    let list = get(&app, "/bureau/proposals", &leader).await;
    assert_eq!(list.status, 200, "{}", list.html);
    assert!(nav_has(&list.html, "/bureau/proposals") && nav_has(&list.html, "/bureau/review"), "{}", list.html);
    assert!(!nav_has(&list.html, "/bureau/experts"), "{}", list.html);
    assert!(list.html.contains(&format!(r#"href="/bureau/proposals/{proposal}""#)), "{}", list.html);
    let path = format!("/bureau/proposals/{proposal}");
    let page = get(&app, &path, &leader).await;
    assert!(page.html.contains(&format!(r#"action="{path}/approve""#)), "{}", page.html);
    assert!(page.html.contains(&format!(r#"action="{path}/send-back""#)), "{}", page.html);
    assert_csp_clean(&page.html);
    let refused = post(&app, &format!("{path}/send-back"), &leader, &[("reason", " ")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(!text_of(&refused.html, "f-send-back-reason-error").is_empty(), "{}", refused.html);
    assert_eq!(text_of(&refused.html, "proposal-status"), "待领导审批");
    // Staff may not approve, whatever they post.
    assert_eq!(post(&app, &format!("{path}/approve"), &staff, &[("note", "")]).await.status, 403);
    // The drafter, made a leader since, is refused on the page: nobody approves their own list.
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, body) =
        app.post_json_as(&sysadmin, &format!("/api/v1/users/{staff_id}/role"), &json!({"role": "leader"})).await;
    assert_eq!(status, 204, "{body}");
    let page = get(&app, &path, &staff).await;
    assert!(page.html.contains(&format!(r#"action="{path}/approve""#)), "a leader now: {}", page.html);
    let own = post(&app, &format!("{path}/approve"), &staff, &[("note", "同意")]).await;
    assert_eq!(own.status, 403, "{}", own.html);
    assert!(text_of(&own.html, "proposal-error").contains("不得审批本人提出的事项"), "{}", own.html);
    assert_eq!(text_of(&own.html, "proposal-status"), "待领导审批");
    assert!(own.html.contains(r#"value="同意""#) || own.html.contains("同意</textarea>"), "the note is kept");
    let approved = post(&app, &format!("{path}/approve"), &leader, &[("note", "同意")]).await;
    assert_redirect(&approved, &format!("{path}?done=approved"));
    let page = get(&app, &approved.location, &leader).await;
    assert_eq!(text_of(&page.html, "proposal-status"), "已审批");
    assert!(page.html.contains("同意") && !page.html.contains(&format!(r#"action="{path}/approve""#)), "{}", page.html);

    let (status, stored) = app.get_json_as(&staff, &format!("/api/v1/applications/{application}")).await;
    assert_eq!((status, &stored["status"]), (200, &json!("approved")), "{stored}");
}

/// Staff reopen a score (the reason required), withdraw an expert for a conflict (a replacement
/// is drawn, the draw recorded), and remind an overdue expert from the console.
async fn staff_reopen_withdraw_and_remind_on_the_pages(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let batch = open_call(&app, &staff).await;
    let (_, application) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(2), "qingpu-two"), false).await;
    let mut experts = Vec::new();
    for i in 1..=4 {
        let (who, user) = app.sign_in_user(Role::Expert, &format!("expert-{i}"), &format!("专家{i}")).await;
        give_profile(&app, &staff, &user, &format!("专家{i}"), &qingpu_uscc(110 + i)).await;
        experts.push(who);
    }
    let review = format!("/bureau/applications/{application}/review");
    let drawn = post(&app, &review, &staff, &[("experts", "3"), ("days", "5")]).await;
    assert_redirect(&drawn, &review);
    // Who was drawn: three of the four have a task.
    let mut drawn = Vec::new();
    for (i, expert) in experts.iter().enumerate() {
        if let Some(task) = ids_after(&get(&app, "/expert", expert).await.html, "/expert/assignments/").first() {
            drawn.push((i, task.clone()));
        }
    }
    assert_eq!(drawn.len(), 3, "{drawn:?}");
    let (first, first_task) = drawn[0].clone();
    let (_, second_task) = drawn[1].clone();

    // One scores; staff reopen it (a reason first), the expert sees why, the sheet kept.
    let task = format!("/expert/assignments/{first_task}");
    let declared = post(&app, &format!("{task}/declare"), &experts[first], &[("conflict", "no")]).await;
    assert_redirect(&declared, &task);
    let scored = post_sheet(&app, &format!("{task}/score"), &experts[first], ["18", "22", "22", "8", "16"]).await;
    assert_redirect(&scored, &task);
    let page = get(&app, &review, &staff).await;
    let block = text_of(&page.html, &format!("assignment-{first_task}"));
    assert!(block.contains("已评分") && block.contains("总分：86") && block.contains("site 符合要求"), "{block}");
    let reopen = format!("/bureau/assignments/{first_task}/reopen");
    let refused = post(&app, &reopen, &staff, &[("reason", "")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(!text_of(&refused.html, &format!("reopen-{first_task}-error")).is_empty(), "{}", refused.html);
    let reopened = post(&app, &reopen, &staff, &[("reason", "场地设备一项的意见过于简略")]).await;
    assert_redirect(&reopened, &format!("{review}?done=reopened"));
    let page = get(&app, &task, &experts[first]).await;
    assert_eq!(text_of(&page.html, "assignment-status"), "评分中");
    assert!(page.html.contains("场地设备一项的意见过于简略"), "{}", page.html);
    assert!(
        page.html.contains(
            r#"name="items[1].points" type="number" min="0" max="25" step="1" inputmode="numeric" required value="22""#
        ),
        "{}",
        page.html
    );

    // Another is withdrawn for a conflict (a reason first): the fourth expert replaces them.
    let withdraw = format!("/bureau/assignments/{second_task}/withdraw");
    let refused = post(&app, &withdraw, &staff, &[("reason", " ")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(!text_of(&refused.html, &format!("withdraw-{second_task}-error")).is_empty(), "{}", refused.html);
    let withdrawn = post(&app, &withdraw, &staff, &[("reason", "发现其近期为申报单位提供咨询服务")]).await;
    assert_redirect(&withdrawn, &format!("{review}?done=withdrawn"));
    let page = get(&app, &review, &staff).await;
    let block = text_of(&page.html, &format!("assignment-{second_task}"));
    assert!(block.contains("已回避") && block.contains("发现其近期为申报单位提供咨询服务"), "{block}");
    assert_eq!(page.html.matches(r#"<article class="action-block" id="assignment-"#).count(), 4, "{}", page.html);
    let draws = text_of(&page.html, "draws");
    assert!(draws.contains("首次抽取") && draws.contains("补抽"), "{draws}");
    let spare = (0..4).find(|i| !drawn.iter().any(|(d, _)| d == i)).expect("the one not drawn first");
    let home = get(&app, "/expert", &experts[spare]).await;
    assert!(home.html.contains("新的评审任务"), "the replacement is told: {}", home.html);
    // The replacement declares a conflict (with its reason) and steps aside; nobody is left.
    let replacement = ids_after(&home.html, "/expert/assignments/")[0].clone();
    let task = format!("/expert/assignments/{replacement}");
    let stepped = post(
        &app,
        &format!("{task}/declare"),
        &experts[spare],
        &[("conflict", "yes"), ("reason", "系申报单位股东的亲属")],
    )
    .await;
    assert_redirect(&stepped, "/expert?done=declined");
    assert!(get(&app, &stepped.location, &experts[spare]).await.html.contains("已声明存在利益冲突并回避"));
    let page = get(&app, &task, &experts[spare]).await;
    assert!(page.html.contains(r#"id="declined""#) && !page.html.contains("数控实训中心"), "{}", page.html);
    let page = get(&app, &review, &staff).await;
    assert!(
        text_of(&page.html, &format!("assignment-{replacement}")).contains("系申报单位股东的亲属"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains(r#"action="/bureau/applications/"#) && page.html.contains("补抽一名专家"),
        "staff may draw more"
    );

    // Past the deadline (2024-10-10): the console lists who is overdue; staff remind from there.
    app.clock.set(crate::helpers::at("2024-10-11T10:00:00+08:00"));
    let (later, _) = app.sign_in_user(Role::Staff, "staff-later", "经办人乙").await;
    let console = get(&app, &format!("/bureau/review?batch={batch}"), &later).await;
    assert_eq!(console.status, 200, "{}", console.html);
    let overdue = text_of(&console.html, "overdue");
    assert!(overdue.contains("2024-10-10 24 时") && overdue.contains("未催办"), "{overdue}");
    let third_task = drawn[2].1.clone();
    assert!(console.html.contains(&format!(r#"id="overdue-{third_task}""#)), "{}", console.html);
    let progress = text_of(&console.html, &format!("progress-{application}"));
    assert!(progress.contains("专家评审中"), "{progress}");
    let reminded =
        post(&app, &format!("/bureau/assignments/{third_task}/remind"), &later, &[("from", "console")]).await;
    assert_redirect(&reminded, &format!("/bureau/review?batch={batch}&done=reminded"));
    let console = get(&app, &reminded.location, &later).await;
    assert!(console.html.contains("已催办，专家已收到通知"), "{}", console.html);
    assert!(!text_of(&console.html, &format!("overdue-{third_task}")).contains("未催办"), "{}", console.html);
}
