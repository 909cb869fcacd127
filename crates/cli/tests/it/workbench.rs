//! Workbenches, on both engines: every role lands on its own after sign-in (and on `/`), with
//! the counts of its to-dos after a scripted scenario; an organisation's workbench shows its
//! own applications and never another's; an expert's, only its own assignments; and an expert
//! draw that comes up short says how many were drawn and why, is stored, shows on the staff
//! workbench and notifies staff in-app — also when a replacement after a conflict finds
//! nobody — until a later draw fills it.

use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::{ROLE_PASSWORD, SignedIn, TestApp};
use crate::on_both_engines;
use crate::page_client::{get, post};
use crate::review::{expert, start_review};
use crate::samples::{complete_form, eligible_application, open_call, qingpu_uscc};

/// The count a workbench shows for the to-do `label` (`None`: the role has no such to-do).
fn count(html: &str, label: &str) -> Option<i64> {
    let at = html.find(&format!(r#"data-todo="{label}""#))?;
    let rest = &html[at..];
    let from = rest.find("data-count=\"")? + "data-count=\"".len();
    rest[from..].split('"').next()?.parse().ok()
}

/// The workbench of `who`, checked to be the page it is.
async fn workbench(app: &TestApp, who: &SignedIn) -> String {
    let page = get(app, "/workbench", who).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(r#"<h1 id="page-title">工作台</h1>"#), "{}", page.html);
    assert!(page.html.contains(r#"<nav class="side-nav" aria-label="工作导航">"#), "{}", page.html);
    assert!(page.html.contains(r#"<a href="/workbench" aria-current="page">工作台</a>"#), "{}", page.html);
    page.html
}

async fn review_of(app: &TestApp, staff: &SignedIn, application: &str) -> Value {
    let (status, body) = app.get_json_as(staff, &format!("/api/v1/applications/{application}/review")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn staff_messages(app: &TestApp, staff: &SignedIn) -> Vec<Value> {
    let (status, body) = app.get_json_as(staff, "/api/v1/me/notifications").await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("list").iter().filter(|n| n["title"] == "评审专家抽取不足").cloned().collect()
}

async fn each_role_lands_on_its_workbench_with_its_counts(app: TestApp) {
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let funding = app.sign_in_as(Role::Funding).await;
    let auditor = app.sign_in_as(Role::Auditor).await;
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let batch = open_call(&app, &staff).await;
    // Organisation A is eligible; B has submitted and waits to be accepted.
    let (first, reviewed) = eligible_application(&app, &staff, &batch, (&qingpu_uscc(1), "org-a"), false).await;
    let second = app.register_applicant(&qingpu_uscc(2), "org-b").await;
    let (status, created) = app.post_json_as(&second, "/api/v1/applications", &json!({ "batch_id": batch })).await;
    assert_eq!(status, 201, "{created}");
    let waiting = created["id"].as_str().expect("id").to_owned();
    let form = complete_form(&app, &second, &waiting).await;
    let request = app.client.put(app.url(&format!("/api/v1/applications/{waiting}"))).json(&json!({ "form": form }));
    assert_eq!(app.send_as(&second, request).await.0, 200);
    let (status, body) = app.post_json_as(&second, &format!("/api/v1/applications/{waiting}/submit"), &json!({})).await;
    assert_eq!(status, 200, "{body}");

    // Four experts of the industry (and one of another) for five asked: the draw says so.
    let mut experts = Vec::new();
    for i in 0..4 {
        experts.push(expert(&app, &staff, &format!("digital-{i}"), json!({})).await);
    }
    let (elsewhere, _) = expert(&app, &staff, "health-only", json!({"industries": ["health"]})).await;
    let drawn = start_review(&app, &staff, &reviewed, 5).await;
    assert_eq!(drawn.len(), 4, "everyone eligible is drawn");
    let review = review_of(&app, &staff, &reviewed).await;
    let shortfalls = review["shortfalls"].as_array().expect("shortfalls");
    assert_eq!(shortfalls.len(), 1, "{review}");
    let short = &shortfalls[0];
    assert_eq!(
        (short["wanted"].as_i64(), short["drawn"].as_i64(), short["missing"].as_i64()),
        (Some(5), Some(4), Some(1))
    );
    assert_eq!((short["in_industry"].as_i64(), short["eligible"].as_i64()), (Some(4), Some(4)), "{short}");
    assert_eq!(short["status"], "open");
    let message = short["message"].as_str().expect("message");
    assert!(
        message.contains("需抽取 5 名评审专家，只抽到 4 名，还缺 1 名") && message.contains("本行业在库专家 4 名"),
        "{message}"
    );
    // The review page says it too, and staff were told in-app.
    let page = get(&app, &format!("/bureau/applications/{reviewed}/review"), &staff).await;
    assert!(page.html.contains(message), "{}", page.html);
    let told = staff_messages(&app, &staff).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0]["body"].as_str().expect("body").contains("只抽到 4 名"));
    assert_eq!(told[0]["link"], format!("/bureau/applications/{reviewed}/review"));

    // Staff: one to accept, one draw short (linking to its review), nothing overdue yet.
    let mine = workbench(&app, &staff).await;
    assert_eq!(count(&mine, "待受理的申报"), Some(1), "{mine}");
    assert!(mine.contains(&format!(r#"href="/bureau/applications/{waiting}""#)), "{mine}");
    assert_eq!(count(&mine, "评审专家抽取不足"), Some(1));
    assert!(mine.contains(&format!(r#"href="/bureau/applications/{reviewed}/review""#)));
    assert!(mine.contains("还缺 1 名专家"), "{mine}");
    assert_eq!(count(&mine, "补正中的申报（截止日期）"), Some(0));
    assert_eq!(count(&mine, "逾期未评分"), Some(0));
    assert_eq!(count(&mine, "未读消息"), Some(1));
    assert_eq!(count(&mine, "待审批的拟认定名单"), None, "approving is the leader's");
    // The leader, the coordination group, the administrators: their own to-dos and consoles.
    let theirs = workbench(&app, &leader).await;
    assert_eq!(count(&theirs, "待审批的拟认定名单"), Some(0));
    assert_eq!(count(&theirs, "待审核的资金申请"), Some(0));
    assert_eq!(count(&theirs, "待受理的申报"), None);
    let theirs = workbench(&app, &funding).await;
    assert_eq!(count(&theirs, "待协调小组审批的资金申请"), Some(0));
    assert_eq!(count(&theirs, "评审专家抽取不足"), None);
    for (who, console) in [(&auditor, "/audit"), (&sysadmin, "/admin/users")] {
        let theirs = workbench(&app, who).await;
        assert!(theirs.contains(&format!(r#"<li><a href="{console}">"#)), "{theirs}");
        assert_eq!(count(&theirs, "待受理的申报"), None);
    }

    // An expert: their own assignment, with its deadline; another expert has none.
    let first_expert = &experts[0].0.clone();
    let theirs = workbench(&app, first_expert).await;
    assert_eq!(count(&theirs, "待完成的评审任务"), Some(1), "{theirs}");
    let (_, own) = app.get_json_as(first_expert, "/api/v1/assignments").await;
    let own_id = own[0]["id"].as_str().expect("id").to_owned();
    assert!(
        theirs.contains(&format!(r#"href="/expert/assignments/{own_id}""#)) && theirs.contains("截止 "),
        "{theirs}"
    );
    assert_eq!(count(&workbench(&app, &elsewhere).await, "待完成的评审任务"), Some(0));

    // Each organisation: its own application with its status, never the other's.
    let a = workbench(&app, &first).await;
    assert_eq!(count(&a, "本单位的申报"), Some(1), "{a}");
    assert!(a.contains(&format!(r#"href="/applications/{reviewed}""#)) && !a.contains(&waiting), "{a}");
    assert!(count(&a, "未读通知").is_some_and(|n| n > 0));
    let b = workbench(&app, &second).await;
    assert_eq!(count(&b, "本单位的申报"), Some(1), "{b}");
    assert!(b.contains(&format!(r#"href="/applications/{waiting}""#)) && !b.contains(&reviewed), "{b}");
    assert!(!b.contains("申报单位org-a"), "another organisation's name never shows: {b}");
    assert_eq!(count(&b, "本单位的实训基地"), Some(0));

    // Landing: a sign-in without `next` goes to the workbench; so do `/` and `/bureau/`.
    let login = post(&app, "/login", None, &[("username", "org-b"), ("password", ROLE_PASSWORD)]).await;
    assert_eq!((login.status, login.location.as_str()), (303, "/workbench"), "{}", login.html);
    for path in ["/", "/bureau/", "/bureau"] {
        let answer = get(&app, path, &staff).await;
        assert_eq!((answer.status, answer.location.as_str()), (303, "/workbench"), "{path}");
    }
    assert_eq!(get(&app, "/", None).await.status, 200, "the public still reads the portal");
    assert_eq!(get(&app, "/workbench", None).await.status, 303, "signing in comes first");
    // A console's page: the navigation marks its section, the breadcrumbs lead back.
    let list = get(&app, "/bureau/applications", &staff).await;
    assert!(
        list.html.contains(r#"<li class="nav-console"><a href="/bureau/applications" aria-current="page">"#),
        "{}",
        list.html
    );
    assert!(
        list.html.contains(r#"<nav class="crumbs" aria-label="当前位置"><a href="/workbench">工作台</a>"#),
        "{}",
        list.html
    );

    // A fifth expert joins; staff draw one more: the shortfall is filled and leaves the to-do.
    experts.push(expert(&app, &staff, "digital-4", json!({})).await);
    let (status, body) =
        app.post_json_as(&staff, &format!("/api/v1/applications/{reviewed}/review/draw"), &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let review = review_of(&app, &staff, &reviewed).await;
    assert_eq!(
        (review["shortfalls"][0]["status"].as_str(), review["shortfalls"][0]["missing"].as_i64()),
        (Some("filled"), Some(0))
    );
    assert_eq!(count(&workbench(&app, &staff).await, "评审专家抽取不足"), Some(0));

    // An expert steps aside and nobody is left for the replacement: that is a shortfall too.
    let (status, body) = app
        .post_json_as(
            first_expert,
            &format!("/api/v1/assignments/{own_id}/conflict"),
            &json!({"conflict": true, "reason": "曾为该单位提供咨询服务"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["replacement"].is_null(), "{body}");
    let review = review_of(&app, &staff, &reviewed).await;
    let replacement = &review["shortfalls"][1];
    assert_eq!(
        (replacement["reason"].as_str(), replacement["status"].as_str()),
        (Some("replacement"), Some("open")),
        "{review}"
    );
    assert_eq!(
        (replacement["wanted"].as_i64(), replacement["drawn"].as_i64(), replacement["already_drawn"].as_i64()),
        (Some(1), Some(0), Some(5))
    );
    assert!(replacement["draw_id"].is_null());
    let mine = workbench(&app, &staff).await;
    assert_eq!(count(&mine, "评审专家抽取不足"), Some(1), "{mine}");
    assert_eq!(staff_messages(&app, &staff).await.len(), 2, "staff are told again");
    assert_eq!(count(&mine, "未读消息"), Some(2), "{mine}");
    let read = post(&app, "/workbench/messages/read", &staff, &[]).await;
    assert_eq!((read.status, read.location.as_str()), (303, "/workbench"), "{}", read.html);
    assert_eq!(count(&workbench(&app, &staff).await, "未读消息"), Some(0));
    assert_eq!(count(&workbench(&app, &leader).await, "未读消息"), Some(0), "the leader was never told");
    // Each step is in the audit trail.
    let actions = skillbase_store::audit::actions_for(&app.app().db, "application", &reviewed).await.expect("audit");
    let shortfalls: Vec<&str> =
        actions.iter().map(String::as_str).filter(|a| a.starts_with("review.shortfall")).collect();
    assert_eq!(shortfalls, ["review.shortfall", "review.shortfall_filled", "review.shortfall"], "{actions:?}");
}

on_both_engines!(each_role_lands_on_its_workbench_with_its_counts);
