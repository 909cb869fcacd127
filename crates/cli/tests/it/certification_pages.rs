//! Skill-level certification on the pages, on both engines (C3.3), as a recognised base, staff
//! and a leader use them without JavaScript: the base files to certify an occupation (refused
//! by field when incomplete), staff recommend from the bureau's list and a leader approves; the
//! base holds a session, enters results by resident ID (a refused number is never written back
//! into the page), removes one entered by mistake and submits; staff return it with a reason, the base submits again, staff
//! publish it after typing their password again (what they posted kept); the certificate is
//! listed masked, printed as an A4 page whose QR code leads to the public verification that
//! says valid, downloaded as PDF; staff propose its revocation and a leader approves it. The base
//! is told of each decision in its notifications; another organisation finds none of it (404)
//! and an expert is refused (403).

use crate::bureau_pages::text_of;
use crate::helpers::{ROLE_PASSWORD, TestApp};
use crate::on_both_engines;
use crate::page_client::{Answer, assert_redirect, get, hidden, post};
use crate::screens::read_qr;
use crate::subsidy::recognised_bases;
use skillbase_domain::roles::Role;

on_both_engines!(a_certificate_through_the_pages_from_filing_to_revocation);

const PEOPLE: [(&str, &str); 2] = [("张三", "310118199001011231"), ("李四", "310118200002290020")];

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

/// The value of the option whose label starts with `label`.
fn option_value(html: &str, label: &str) -> String {
    let at = html.find(&format!(">{label}")).unwrap_or_else(|| panic!("no option {label} in {html}"));
    let value = html[..at].rfind("value=\"").expect("a value") + 7;
    html[value..].split('"').next().expect("value").to_owned()
}

/// The path (and query) of an absolute address on the test server.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").expect("absolute").1;
    rest[rest.find('/').expect("a path")..].to_owned()
}

async fn a_certificate_through_the_pages_from_filing_to_revocation(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (base, org) = (cast.bases[0].0.clone(), cast.bases[0].1.clone());
    let us = app.sign_in_again(&org).await;
    let them = app.sign_in_again(&cast.bases[1].1).await;
    let root = format!("/training/{base}/certification");
    for (name, number) in PEOPLE {
        let fields = [
            ("name", name),
            ("resident_id", number),
            ("phone", "13812345678"),
            ("relation", "own"),
            ("category", "own_employee"),
        ];
        assert_redirect(&post(&app, &format!("/training/{base}/trainees"), &us, &fields).await, "/training/");
    }

    // The tab: no filing yet; one refused by field, then filed.
    let tab = get(&app, &root, &us).await;
    assert_eq!(tab.status, 200, "{}", tab.html);
    assert!(tab.html.contains(&format!(r#"href="{root}" aria-current="page">等级认定</a>"#)), "{}", tab.html);
    assert!(tab.html.contains("尚未申请认定备案") && tab.html.contains(r#"id="new-filing""#), "{}", tab.html);
    let refused = post(&app, &format!("{root}/filings"), &us, &[("occupation", "9-99-99-99")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains(r#"id="f-occupation-error""#), "the occupation's error beside it: {}", refused.html);
    assert!(refused.html.contains(r#"id="f-levels-error""#), "the levels' error beside them: {}", refused.html);
    let filed = post(
        &app,
        &format!("{root}/filings"),
        &us,
        &[("occupation", "6-31-01-02"), ("levels", "4"), ("levels", "3"), ("note", "考评员 6 名，题库齐备")],
    )
    .await;
    assert_redirect(&filed, &format!("{root}?done=filing"));
    let tab = get(&app, &root, &us).await;
    assert!(tab.html.contains("机修钳工") && tab.html.contains("待经办审核"), "{}", tab.html);
    let filing = first_link(&tab.html, &format!("{root}/filings/"));
    let filing_page = format!("{root}/filings/{filing}");
    let mine = get(&app, &filing_page, &us).await;
    assert!(!mine.html.contains("decide-"), "the base decides nothing: {}", mine.html);

    // Staff find it waiting, recommend it (a refusal needs its reason); a leader approves.
    let staff_nav = get(&app, "/bureau/certification", &cast.staff).await;
    assert_eq!(staff_nav.status, 200, "{}", staff_nav.html);
    assert!(staff_nav.html.contains(r#"<a href="/bureau/certification""#), "in the staff navigation");
    assert!(staff_nav.html.contains(&format!("{root}/filings/{filing}")), "{}", staff_nav.html);
    let leader_list = get(&app, "/bureau/certification", &cast.leader).await;
    assert!(leader_list.html.contains("没有符合条件的认定备案"), "nothing waits for the leader yet");
    let staff_view = get(&app, &filing_page, &cast.staff).await;
    assert!(
        staff_view.html.contains(r#"id="decide-recommend""#)
            && staff_view.html.contains(r#"id="decide-refuse""#)
            && !staff_view.html.contains(r#"id="decide-approve""#),
        "{}",
        staff_view.html
    );
    let decide = |step: &str| format!("/bureau/certification/filings/{filing}/{step}");
    let refused = post(&app, &decide("refuse"), &cast.staff, &[("comment", " ")]).await;
    assert_refused(&refused, 400, "请填写不予核准的理由");
    assert!(refused.html.contains(r#"id="f-refuse-comment-error""#), "beside the reason: {}", refused.html);
    let early = post(&app, &decide("approve"), &cast.leader, &[("comment", "")]).await;
    assert_refused(&early, 409, "page-error");
    assert_redirect(&post(&app, &decide("recommend"), &cast.staff, &[("comment", "材料齐全")]).await, &filing_page);
    let waiting = get(&app, "/bureau/certification", &cast.leader).await;
    assert!(waiting.html.contains(&format!("{root}/filings/{filing}")), "now the leader's: {}", waiting.html);
    let refused = post(&app, &decide("approve"), &cast.staff, &[("comment", "")]).await;
    assert_refused(&refused, 403, "不是当前角色可办理的事项");
    assert_redirect(&post(&app, &decide("approve"), &cast.leader, &[("comment", "同意")]).await, &filing_page);
    let approved = get(&app, &filing_page, &us).await;
    assert_eq!(text_of(&approved.html, "filing-status"), "已核准");
    assert_eq!(text_of(&approved.html, "filing-validity"), "2024-10-14 至 2027-10-13");
    assert!(approved.html.contains("材料齐全") && approved.html.contains("同意"), "the decisions with their comments");

    // A session of it: too few assessors refused beside the field, then created.
    let sessions = format!("{root}/sessions");
    let form = get(&app, &sessions, &us).await;
    assert!(form.html.contains(r#"id="new-session""#) && form.html.contains("6-31-01-02 机修钳工"), "{}", form.html);
    let session_fields = |assessors: &'static str| {
        vec![
            ("occupation", "6-31-01-02"),
            ("level", "3"),
            ("held_on", "2024-10-14"),
            ("place", "基地实训楼 201"),
            ("assessors", assessors),
            ("self_evaluation", "1"),
        ]
    };
    let refused = post(&app, &sessions, &us, &session_fields("张考评\n李考评")).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains(r#"id="f-assessors-error""#), "{}", refused.html);
    let created = post(&app, &sessions, &us, &session_fields("张考评\n李考评\n王考评")).await;
    assert_eq!(created.status, 303, "{}", created.html);
    let session = created.location.split('?').next().expect("path").rsplit('/').next().expect("id").to_owned();
    let session_page = format!("{sessions}/{session}");

    // Results by resident ID: a number not of the base, a bad score — neither number shown again.
    let results = format!("{session_page}/results");
    let stranger = "31011819851231108X";
    let refused = post(&app, &results, &us, &[("resident_id", stranger), ("theory", "90"), ("practical", "90")]).await;
    assert_refused(&refused, 400, "本基地没有该身份证号码的学员");
    assert!(!refused.html.contains(stranger), "the number typed is not written back");
    let refused =
        post(&app, &results, &us, &[("resident_id", PEOPLE[0].1), ("theory", "100.5"), ("practical", "")]).await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.html.contains(r#"id="f-theory-error""#) && refused.html.contains(r#"id="f-practical-error""#));
    assert!(!refused.html.contains(PEOPLE[0].1), "the number typed is not written back");
    assert!(refused.html.contains(r#"value="100.5""#), "the scores typed are kept");
    let early = post(&app, &format!("{session_page}/submit"), &us, &[]).await;
    assert_eq!(early.status, 400, "no results yet: {}", early.html);
    for ((_, number), (theory, practical)) in PEOPLE.iter().zip([("85.5", "90"), ("59", "95")]) {
        let saved =
            post(&app, &results, &us, &[("resident_id", number), ("theory", theory), ("practical", practical)]).await;
        assert_redirect(&saved, &format!("{session_page}?done=result"));
    }
    // A candidate entered by mistake is removed before submitting, then entered again.
    let listed = get(&app, &session_page, &us).await;
    let second = option_value(&listed.html, "李四（");
    let remove = format!("{results}/remove");
    assert_refused(&post(&app, &remove, &us, &[("result", "")]).await, 400, "请选择要删除成绩的考生");
    assert_redirect(&post(&app, &remove, &us, &[("result", &second)]).await, &format!("{session_page}?done=removed"));
    assert_eq!(text_of(&get(&app, &session_page, &us).await.html, "session-candidates"), "1");
    let again = [("resident_id", PEOPLE[1].1), ("theory", "59"), ("practical", "95")];
    assert_redirect(&post(&app, &results, &us, &again).await, &session_page);
    let entered = get(&app, &session_page, &us).await;
    assert_eq!(text_of(&entered.html, "session-candidates"), "2");
    assert_eq!(text_of(&entered.html, "session-passed"), "1");
    assert!(entered.html.contains("85.5") && entered.html.contains("不合格"), "{}", entered.html);
    assert!(!entered.html.contains(PEOPLE[0].1) && entered.html.contains("**********"), "masked only");
    assert_redirect(&post(&app, &format!("{session_page}/submit"), &us, &[]).await, &session_page);
    let submitted = get(&app, &session_page, &us).await;
    assert_eq!(text_of(&submitted.html, "session-status"), "待审核");
    assert!(!submitted.html.contains(r#"id="new-result""#), "no change once submitted");
    let first = option_value(&entered.html, "张三（");
    assert_refused(&post(&app, &remove, &us, &[("result", &first)]).await, 409, "不能再修改成绩");

    // Staff return it with a reason; the base corrects nothing and submits again.
    let waiting = get(&app, "/bureau/certification/sessions", &cast.staff).await;
    assert!(waiting.html.contains(&session_page), "{}", waiting.html);
    let decide = |step: &str| format!("/bureau/certification/sessions/{session}/{step}");
    let refused = post(&app, &decide("return"), &cast.staff, &[("comment", "")]).await;
    assert_refused(&refused, 400, "请填写退回的理由");
    let returned = post(&app, &decide("return"), &cast.staff, &[("comment", "请补充考评现场照片")]).await;
    assert_redirect(&returned, &session_page);
    assert_redirect(&post(&app, &format!("{session_page}/submit"), &us, &[]).await, &session_page);

    // Publishing signs certificates: the password first (the sign-in is past five minutes),
    // what was posted kept and sent again.
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let staff_page = get(&app, &session_page, &cast.staff).await;
    assert!(staff_page.html.contains(r#"id="decide-publish""#), "{}", staff_page.html);
    let body = crate::page_client::form_body(&[("csrf_token", &cast.staff.csrf), ("comment", "核对无误")]);
    let response = app
        .client
        .post(app.url(&decide("publish")))
        .header("cookie", &cast.staff.cookie)
        .header("referer", app.url(&session_page))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("send");
    let stale = Answer::read(response).await;
    assert_eq!(stale.status, 401, "{}", stale.html);
    assert!(stale.html.contains("职业技能等级证书的签发"), "{}", stale.html);
    assert_eq!(hidden(&stale.html, "pending_action"), decide("publish"));
    assert_eq!(hidden(&stale.html, "pending.comment"), "核对无误", "what was typed is kept");
    assert_eq!(text_of(&get(&app, &session_page, &us).await.html, "session-status"), "待审核", "nothing issued");
    let again = post(
        &app,
        "/account/reauth",
        &cast.staff,
        &[
            ("password", ROLE_PASSWORD),
            ("next", &session_page),
            ("pending_action", &decide("publish")),
            ("pending.comment", "核对无误"),
        ],
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.html);
    assert!(again.html.contains(&format!(r#"action="{}""#, decide("publish"))), "{}", again.html);
    let published = post(&app, &decide("publish"), &cast.staff, &[("comment", &hidden(&again.html, "comment"))]).await;
    assert_redirect(&published, &session_page);
    let done = get(&app, &session_page, &us).await;
    assert_eq!(text_of(&done.html, "session-status"), "已公布");
    assert!(done.html.contains("QPZS-2024-000001") && done.html.contains("核对无误"), "{}", done.html);

    // The certificate: listed masked; its page; printed with the QR code of its verification.
    let list = get(&app, &format!("{root}/certificates"), &us).await;
    assert!(list.html.contains("共 1 条") && list.html.contains("QPZS-2024-000001"), "{}", list.html);
    assert!(!list.html.contains(PEOPLE[0].1) && list.html.contains("**********"), "masked");
    let certificate = first_link(&list.html, &format!("{root}/certificates/"));
    let certificate_page = format!("{root}/certificates/{certificate}");
    let shown = get(&app, &certificate_page, &us).await;
    assert_eq!(text_of(&shown.html, "certificate-status"), "有效");
    assert!(shown.html.contains(&format!("/certificates/{certificate}/print")), "{}", shown.html);
    let print = get(&app, &format!("/certificates/{certificate}/print"), &us).await;
    assert_eq!(print.status, 200, "{}", print.html);
    assert_eq!(text_of(&print.html, "certificate-number"), "QPZS-2024-000001");
    assert_eq!(text_of(&print.html, "certificate-holder"), "张三");
    assert_eq!(text_of(&print.html, "certificate-level"), "三级/高级工");
    assert_eq!(text_of(&print.html, "certificate-date"), "2024年10月14日");
    assert_eq!(text_of(&print.html, "certificate-occupation"), "6-31-01-02 机修钳工");
    assert!(text_of(&print.html, "certificate-resident-id").contains("**********"));
    assert!(!print.html.contains(PEOPLE[0].1), "masked on the document");
    assert!(print.html.contains("上海市青浦区人力资源和社会保障局"), "the issuing body");
    let url = read_qr(&print.html, "certificate-qr");
    assert!(url.starts_with("http://") && url.contains("/verify/QPZS-2024-000001?name="), "{url}");
    let verified = get(&app, &path_of(&url), None).await;
    assert_eq!(verified.status, 200, "{}", verified.html);
    assert!(verified.html.contains("verdict-valid") && verified.html.contains("张三"), "{}", verified.html);
    let pdf = get(&app, &format!("/certificates/{certificate}/print.pdf"), &us).await;
    assert_eq!((pdf.status, pdf.content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.bytes.starts_with(b"%PDF-") && pdf.html.contains("QPZS-2024-000001"));
    assert!(pdf.disposition.contains("attachment") && pdf.disposition.contains("QPZS-2024-000001.pdf"));

    // Revocation: staff propose with the facts, a leader approves; the verification says so.
    let staff_view = get(&app, &certificate_page, &cast.staff).await;
    assert!(staff_view.html.contains(r#"id="decide-propose-revocation""#), "{}", staff_view.html);
    let decide = |step: &str| format!("/bureau/certification/certificates/{certificate}/{step}");
    let refused = post(&app, &decide("propose_revocation"), &cast.staff, &[("comment", "")]).await;
    assert_refused(&refused, 400, "请填写撤销的事实和理由");
    let proposed = post(&app, &decide("propose_revocation"), &cast.staff, &[("comment", "经查考评成绩系伪造")]).await;
    assert_redirect(&proposed, &certificate_page);
    let listed = get(&app, "/bureau/certification/certificates?status=revocation_proposed", &cast.leader).await;
    assert!(listed.html.contains(&certificate_page), "{}", listed.html);
    assert_redirect(&post(&app, &decide("approve_revocation"), &cast.leader, &[]).await, &certificate_page);
    let revoked = get(&app, &certificate_page, &us).await;
    assert_eq!(text_of(&revoked.html, "certificate-status"), "已撤销");
    assert_eq!(text_of(&revoked.html, "certificate-revoked-on"), "2024-10-14");
    let verified = get(&app, &path_of(&url), None).await;
    assert!(verified.html.contains("verdict-revoked"), "{}", verified.html);
    let print = get(&app, &format!("/certificates/{certificate}/print"), &us).await;
    assert!(text_of(&print.html, "certificate-warning").contains("已撤销"), "the printout warns");

    // The base was told of every decision, each in its own words.
    let notes = get(&app, "/notifications", &us).await;
    for title in ["等级认定备案已获批准", "考评结果被退回修改", "考评结果已公布，证书已颁发", "职业技能等级证书已撤销"]
    {
        assert!(notes.html.contains(title), "{title} in {}", notes.html);
    }
    assert!(notes.html.contains("请补充考评现场照片") && notes.html.contains("经查考评成绩系伪造"), "with the reasons");
    assert!(notes.html.contains("QPZS-2024-000001"), "the certificate issued is named");
    assert!(!get(&app, "/notifications", &them).await.html.contains("等级认定备案已获批准"), "told to the base only");

    // Another organisation finds none of it; an expert is refused; the base decides nothing.
    let pages = [
        root.clone(),
        filing_page.clone(),
        sessions.clone(),
        session_page.clone(),
        format!("{root}/certificates"),
        certificate_page.clone(),
        format!("/certificates/{certificate}/print"),
        format!("/certificates/{certificate}/print.pdf"),
    ];
    for path in &pages {
        assert_eq!(get(&app, path, &them).await.status, 404, "GET {path}");
    }
    for path in [format!("{root}/filings"), sessions.clone(), results.clone(), format!("{session_page}/submit")] {
        let answer =
            post(&app, &path, &them, &[("resident_id", PEOPLE[1].1), ("theory", "99"), ("practical", "99")]).await;
        assert_eq!(answer.status, 404, "POST {path}: {}", answer.html);
    }
    let expert = app.sign_in_as(Role::Expert).await;
    let bureau = "/bureau/certification".to_owned();
    for path in pages.iter().chain([&bureau]) {
        assert_eq!(get(&app, path, &expert).await.status, 403, "GET {path}");
    }
    assert_eq!(get(&app, "/bureau/certification", &us).await.status, 403);
    let answer =
        post(&app, &format!("/bureau/certification/certificates/{certificate}/reject_revocation"), &us, &[]).await;
    assert_eq!(answer.status, 403);
}
