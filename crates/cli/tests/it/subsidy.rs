//! The subsidy through the API, on both engines: a funding request endorsed by a leader who
//! did not draft it and approved by the coordination group, one grant per base, disbursements
//! within the grant, expenses within the balance (100 at once never overdraw), their audit,
//! answers and reversals, the report; and a random sequence of all of these keeping the
//! ledger's invariants.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};
use skillbase_domain::roles::Role;

use crate::helpers::{SignedIn, TestApp, at};
use crate::notices::approved_list;
use crate::on_both_engines;
use crate::page_client::{get, post_from};
use crate::samples::{PDF, codes};

/// Who acts in the subsidy stories, signed in after the notice has ended.
#[derive(Debug)]
pub(crate) struct Cast {
    pub staff: SignedIn,
    pub leader: SignedIn,
    pub funding: SignedIn,
    /// The recognised bases' ids with their organisations' usernames (`org-1` …).
    pub bases: Vec<(String, String)>,
}

/// `count` bases recognised through the whole programme (call, review, approved list, notice,
/// conclusion), with the clock moved to 2024-10-14 10:00 (Shanghai).
pub(crate) async fn recognised_bases(app: &TestApp, count: u32) -> Cast {
    let staff = app.sign_in_as(Role::Staff).await;
    let leader = app.sign_in_as(Role::Leader).await;
    let (status, batch) = app
        .post_json_as(
            &staff,
            "/api/v1/batches",
            &json!({"year": 2024, "title": "2024年度技能实训基地申报", "opens_on": "2024-09-01", "closes_on": "2024-09-27", "quota": 5}),
        )
        .await;
    assert_eq!(status, 201, "{batch}");
    let batch = batch["id"].as_str().expect("id").to_owned();
    let (status, _) = app.post_json_as(&staff, &format!("/api/v1/batches/{batch}/publish"), &json!({})).await;
    assert_eq!(status, 200);
    let (proposal, _) = approved_list(app, (&staff, &leader), &batch, count).await;
    let (status, notice) = app
        .post_json_as(&staff, "/api/v1/notices", &json!({"proposal_id": proposal, "publish_on": "2024-09-30"}))
        .await;
    assert_eq!(status, 201, "{notice}");
    let notice = notice["id"].as_str().expect("id").to_owned();
    app.clock.set(at("2024-10-14T10:00:00+08:00"));
    let leader = app.sign_in_user(Role::Leader, "leader-funds", "分管领导").await.0;
    let (status, concluded) =
        app.post_json_as(&leader, &format!("/api/v1/notices/{notice}/conclude"), &json!({})).await;
    assert_eq!(status, 200, "{concluded}");
    let bases: Vec<String> = serde_json::from_value(concluded["bases"].clone()).expect("ids");
    assert_eq!(bases.len(), count as usize);
    let staff = app.sign_in_user(Role::Staff, "staff-funds", "经办人").await.0;
    let funding = app.sign_in_user(Role::Funding, "funding-group", "协调小组").await.0;
    let bases = bases.into_iter().zip((1..=count).map(|n| format!("org-{n}"))).collect();
    Cast { staff, leader, funding, bases }
}

/// Staff request the subsidy for `bases`; the leader endorses; the coordination group approves.
pub(crate) async fn granted(app: &TestApp, cast: &Cast, bases: &[&str]) -> String {
    let (status, request) = app
        .post_json_as(&cast.staff, "/api/v1/funding-requests", &json!({"base_ids": bases, "note": "2024年度"}))
        .await;
    assert_eq!(status, 201, "{request}");
    let id = request["id"].as_str().expect("id").to_owned();
    let (status, body) =
        app.post_json_as(&cast.leader, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("submitted")), "{body}");
    let (status, body) =
        app.post_json_as(&cast.funding, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");
    id
}

pub(crate) async fn disburse(app: &TestApp, staff: &SignedIn, base: &str, amount: &str, voucher: &str) -> (u16, Value) {
    let today = skillbase_domain::clock::shanghai_date(app.app().now()).format("%Y-%m-%d").to_string();
    app.post_json_as(
        staff,
        &format!("/api/v1/bases/{base}/disbursements"),
        &json!({"paid_on": today, "amount": amount, "voucher": voucher}),
    )
    .await
}

/// A receipt and an invoice number no other expense of the test run has: a PDF made unique by
/// a trailing comment, and a 全电发票's 20-digit number.
pub(crate) fn fresh_receipt() -> (Vec<u8>, String) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut pdf = PDF.to_vec();
    pdf.extend(format!("% receipt {n}\n").as_bytes());
    (pdf, format!("2431{n:016}"))
}

/// Records an expense as the base, dated today, with a fresh receipt and invoice number, the
/// same payee as every other (so confirming it is not a duplicate of one of the same amount).
pub(crate) async fn spend(app: &TestApp, who: &SignedIn, base: &str, (category, amount): (&str, &str)) -> (u16, Value) {
    let today = skillbase_domain::clock::shanghai_date(app.app().now()).format("%Y-%m-%d").to_string();
    let (receipt, invoice) = fresh_receipt();
    let fields = [
        ("category", category),
        ("amount", amount),
        ("spent_on", today.as_str()),
        ("payee", "上海某职业技能培训中心"),
        ("description", "数控车工师资培训"),
        ("invoice_number", invoice.as_str()),
        ("confirm_duplicate", "true"),
    ];
    record_expense(app, who, base, &fields, &receipt).await
}

/// Posts an expense to the API as `multipart/form-data`: these fields and the receipt.
pub(crate) async fn record_expense(
    app: &TestApp,
    who: &SignedIn,
    base: &str,
    fields: &[(&str, &str)],
    receipt: &[u8],
) -> (u16, Value) {
    let boundary = "skillbase-expense-boundary-2Kq9";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"receipt\"; filename=\"发票.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(receipt);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = app
        .client
        .post(app.url(&format!("/api/v1/bases/{base}/expenses")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    let (status, _, json) = app.send_as(who, request).await;
    (status, json)
}

async fn ledger(app: &TestApp, who: &SignedIn, base: &str) -> Value {
    let (status, body) = app.get_json_as(who, &format!("/api/v1/bases/{base}/ledger")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn from_request_to_an_audited_expense(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (first, first_org) = (&cast.bases[0].0, &cast.bases[0].1);
    let second = &cast.bases[1].0;

    // The request lists the candidates, each for 200,000.00 from its policy version.
    let (_, candidates) = app.get_json_as(&cast.staff, "/api/v1/funding-requests/candidates").await;
    assert_eq!(candidates.as_array().map(Vec::len), Some(2), "{candidates}");
    let (status, request) =
        app.post_json_as(&cast.staff, "/api/v1/funding-requests", &json!({"base_ids": [first, second]})).await;
    assert_eq!(
        (status, &request["total"], &request["total_fen"]),
        (201, &json!("400000.00"), &json!(40_000_000)),
        "{request}"
    );
    assert_eq!(request["items"][0]["policy_id"], "qingpu-2023-17@1");
    let id = request["id"].as_str().expect("id").to_owned();
    // A base already requested cannot be requested again; the candidates are gone.
    let (status, body) = app.post_json_as(&cast.staff, "/api/v1/funding-requests", &json!({"base_ids": [first]})).await;
    assert_eq!((status, codes(&body)), (400, vec![("bases[0]".into(), "already_requested".into())]), "{body}");
    // The coordination group decides only what the leader endorsed; returning needs a reason.
    let path = format!("/api/v1/funding-requests/{id}");
    let (status, _) = app.post_json_as(&cast.funding, &format!("{path}/approve"), &json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = app.post_json_as(&cast.staff, &format!("{path}/approve"), &json!({})).await;
    assert_eq!(status, 403, "staff do not decide");
    let (status, body) = app.post_json_as(&cast.leader, &format!("{path}/reject"), &json!({})).await;
    assert_eq!((status, codes(&body)), (400, vec![("reason".into(), "required".into())]), "{body}");
    let (status, _) = app.post_json_as(&cast.leader, &format!("{path}/approve"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = app.post_json_as(&cast.funding, &format!("{path}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");

    // Disbursements stay within the grant; a voucher is recorded once.
    let (status, body) = disburse(&app, &cast.staff, first, "120,000.00", "PZ-2024-0001").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = disburse(&app, &cast.staff, first, "1.00", "PZ-2024-0001").await;
    assert_eq!((status, codes(&body)), (400, vec![("voucher".into(), "voucher_exists".into())]), "{body}");
    let (status, body) = disburse(&app, &cast.staff, first, "80000.01", "PZ-2024-0002").await;
    assert_eq!((status, codes(&body)), (400, vec![("amount".into(), "over_grant".into())]), "{body}");
    let owner = app.sign_in_again(first_org).await;
    let (status, _) = disburse(&app, &owner, first, "1.00", "PZ-2024-0003").await;
    assert_eq!(status, 403, "a base does not pay itself");

    // The base spends within its balance, on the policy's categories only.
    let (status, body) = spend(&app, &owner, first, ("banquets", "100.00")).await;
    assert_eq!((status, codes(&body)), (400, vec![("category".into(), "category_not_allowed".into())]), "{body}");
    let (status, body) = spend(&app, &owner, first, ("teacher_development", "120000.01")).await;
    assert_eq!((status, codes(&body)), (400, vec![("amount".into(), "insufficient_balance".into())]), "{body}");
    // Every problem at once: a category that is not allowed and an amount over the balance.
    let (status, body) = spend(&app, &owner, first, ("banquets", "120000.01")).await;
    assert_eq!(
        (status, codes(&body)),
        (
            400,
            vec![("category".into(), "category_not_allowed".into()), ("amount".into(), "insufficient_balance".into())]
        ),
        "{body}"
    );
    let (status, expense) = spend(&app, &owner, first, ("teacher_development", "30,000.00")).await;
    assert_eq!((status, &expense["status"]), (201, &json!("recorded")), "{expense}");
    let expense = expense["id"].as_str().expect("id").to_owned();
    let (status, _) = spend(&app, &owner, second, ("teacher_development", "1.00")).await;
    assert_eq!(status, 404, "another organisation's base");
    let view = ledger(&app, &owner, first).await;
    let totals = &view["totals"];
    assert_eq!(
        (&totals["granted"], &totals["disbursed"], &totals["spent"], &totals["balance"]),
        (&json!("200000.00"), &json!("120000.00"), &json!("30000.00"), &json!("90000.00")),
        "{view}"
    );
    assert_eq!(totals["execution_basis_points"], 1500);
    let kinds: Vec<&str> =
        view["entries"].as_array().expect("entries").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["grant", "disbursement", "expense"]);

    // Staff query it; the base answers; staff approve. The receipt downloads as an attachment.
    let (status, _) =
        app.post_json_as(&cast.staff, &format!("/api/v1/expenses/{expense}/query"), &json!({"text": ""})).await;
    assert_eq!(status, 400);
    let (status, body) = app
        .post_json_as(&cast.staff, &format!("/api/v1/expenses/{expense}/query"), &json!({"text": "请补充培训签到表"}))
        .await;
    assert_eq!((status, &body["status"]), (200, &json!("queried")), "{body}");
    let (status, _) = app
        .post_json_as(&owner, &format!("/api/v1/expenses/{expense}/answer"), &json!({"text": "签到表已附于票据后"}))
        .await;
    assert_eq!(status, 204);
    let (status, body) =
        app.post_json_as(&cast.staff, &format!("/api/v1/expenses/{expense}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");
    let response = app
        .client
        .get(app.url(&format!("/api/v1/expenses/{expense}/receipt")))
        .header("cookie", &owner.cookie)
        .send()
        .await
        .expect("receipt");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap_or_default().starts_with("attachment"));
    let bytes = response.bytes().await.expect("bytes");
    assert!(bytes.starts_with(PDF) && bytes.windows(9).any(|w| w == b"% receipt"), "the receipt as sent");

    // A correction is a reversal entry; the original stays; it cannot be reversed twice.
    let (status, body) = app
        .post_json_as(&cast.staff, &format!("/api/v1/expenses/{expense}/reverse"), &json!({"text": "票据重复报销"}))
        .await;
    assert_eq!((status, &body["seq"]), (200, &json!(4)), "{body}");
    let (status, _) =
        app.post_json_as(&cast.staff, &format!("/api/v1/expenses/{expense}/reverse"), &json!({"text": "再冲"})).await;
    assert_eq!(status, 409);
    let view = ledger(&app, &cast.funding, first).await;
    assert_eq!((&view["totals"]["balance"], &view["totals"]["spent"]), (&json!("120000.00"), &json!("0.00")));
    assert_eq!(view["entries"][3]["reverses"], 3);
    assert_eq!(view["expenses"][0]["status"], "reversed");

    // The ledger refuses edits and deletions in the database itself.
    let db = &app.app().db;
    let sql_update = "UPDATE ledger_entries SET amount = 1 WHERE seq = 1";
    let sql_delete = "DELETE FROM ledger_entries WHERE seq = 4";
    for sql in [sql_update, sql_delete] {
        let refused = match db {
            skillbase_store::Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.is_err(),
            skillbase_store::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.is_err(),
        };
        assert!(refused, "{sql} was allowed");
    }

    // The report adds it all up across bases.
    let (status, report) = app.get_json_as(&cast.funding, "/api/v1/reports/funds").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (&report["totals"]["granted"], &report["totals"]["disbursed"]),
        (&json!("400000.00"), &json!("120000.00"))
    );
    let (status, _) = app.get_json_as(&owner, "/api/v1/reports/funds").await;
    assert_eq!(status, 403);
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

async fn a_hundred_simultaneous_expenses_never_overdraw(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (base, org) = (&cast.bases[0].0, &cast.bases[0].1);
    granted(&app, &cast, &[base]).await;
    let (status, _) = disburse(&app, &cast.staff, base, "10000.00", "PZ-1").await;
    assert_eq!(status, 201);
    let owner = app.sign_in_again(org).await;
    // 100 expenses of 150.00 against a balance of 10,000.00: at most 66 fit.
    let mut tasks = Vec::new();
    let app = std::sync::Arc::new(app);
    for _ in 0..100 {
        let (app, owner, base) = (app.clone(), owner.clone(), base.clone());
        tasks.push(tokio::spawn(async move { spend(&app, &owner, &base, ("consumables_tools", "150.00")).await.0 }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let committed = statuses.iter().filter(|s| **s == 201).count();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 400 || *s == 503), "{statuses:?}");
    let view = ledger(&app, &owner, base).await;
    let spent = view["totals"]["spent_fen"].as_i64().expect("fen");
    assert_eq!(spent, 15_000 * i64::try_from(committed).unwrap_or(0), "every committed expense is in the ledger");
    assert!(spent <= 1_000_000, "overdrawn: {spent}");
    assert!(view["totals"]["balance_fen"].as_i64().expect("fen") >= 0);
    assert_eq!(committed, 66, "every expense that fits is taken: {statuses:?}");
}

#[derive(Debug, Clone)]
enum Step {
    Request(usize),
    Endorse,
    Approve,
    Disburse(usize, i64),
    Spend(usize, i64),
    Reverse(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0usize..2).prop_map(Step::Request),
        1 => Just(Step::Endorse),
        1 => Just(Step::Approve),
        2 => (0usize..2, 1i64..120_000).prop_map(|(b, y)| Step::Disburse(b, y)),
        4 => (0usize..2, 1i64..60_000).prop_map(|(b, y)| Step::Spend(b, y)),
        2 => (0usize..10).prop_map(Step::Reverse),
    ]
}

/// Any sequence of requests, approvals, disbursements, expenses and reversals keeps the
/// invariants in the database: balance = Σ entries ≥ 0, disbursed ≤ granted, one grant per
/// base.
async fn any_sequence_keeps_the_invariants(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let owners = [app.sign_in_again(&cast.bases[0].1).await, app.sign_in_again(&cast.bases[1].1).await];
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        proptest::test_runner::Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    // Random steps, after a start that gets one base funded (so the rest has money to move).
    let start = [Step::Request(0), Step::Endorse, Step::Approve, Step::Disburse(0, 80_000)];
    let random = proptest::collection::vec(step(), 40..60).new_tree(&mut runner).expect("steps").current();
    let steps: Vec<Step> = start.into_iter().chain(random).collect();
    let mut requests: Vec<String> = Vec::new();
    let mut expenses: Vec<String> = Vec::new();
    let mut voucher = 0;
    for s in &steps {
        match s {
            Step::Request(b) => {
                let (status, body) = app
                    .post_json_as(&cast.staff, "/api/v1/funding-requests", &json!({"base_ids": [cast.bases[*b].0]}))
                    .await;
                assert!(status == 201 || status == 400, "{body}");
                if let Some(id) = body["id"].as_str() {
                    requests.push(id.to_owned());
                }
            }
            Step::Endorse | Step::Approve => {
                let who = if matches!(s, Step::Endorse) { &cast.leader } else { &cast.funding };
                for id in &requests {
                    let (status, body) =
                        app.post_json_as(who, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
                    assert!(status == 200 || status == 409 || status == 400, "{status} {body}");
                }
            }
            Step::Disburse(b, yuan) => {
                voucher += 1;
                let (status, body) =
                    disburse(&app, &cast.staff, &cast.bases[*b].0, &format!("{yuan}.00"), &format!("V{voucher}")).await;
                assert!(status == 201 || status == 400, "{body}");
            }
            Step::Spend(b, yuan) => {
                let (status, body) =
                    spend(&app, &owners[*b], &cast.bases[*b].0, ("studies", &format!("{yuan}.00"))).await;
                assert!(status == 201 || status == 400, "{body}");
                if let Some(id) = body["id"].as_str() {
                    expenses.push(id.to_owned());
                }
            }
            Step::Reverse(i) => {
                if let Some(id) = expenses.get(*i) {
                    let (status, body) = app
                        .post_json_as(&cast.staff, &format!("/api/v1/expenses/{id}/reverse"), &json!({"text": "更正"}))
                        .await;
                    assert!(status == 200 || status == 409, "{body}");
                }
            }
        }
        for (base, _) in &cast.bases {
            let view = ledger(&app, &cast.staff, base).await;
            let t = &view["totals"];
            let fen = |k: &str| t[k].as_i64().expect("fen");
            assert!(fen("balance_fen") >= 0, "{view}");
            assert!(fen("disbursed_fen") <= fen("granted_fen") && fen("granted_fen") <= 20_000_000, "{view}");
            assert_eq!(fen("balance_fen"), fen("disbursed_fen") - fen("spent_fen"));
            let entries = view["entries"].as_array().expect("entries");
            assert!(entries.iter().filter(|e| e["kind"] == "grant").count() <= 1, "one grant: {view}");
            // The balance is the sum of the entries moving cash.
            let cash: i64 = entries
                .iter()
                .map(|e| {
                    let amount = e["amount_fen"].as_i64().unwrap_or(0);
                    (if e["debit"] == "cash" { amount } else { 0 }) - (if e["credit"] == "cash" { amount } else { 0 })
                })
                .sum();
            assert_eq!(cash, fen("balance_fen"));
        }
    }
    // The sequence did reach every kind of entry (so the invariants were really exercised).
    let mut kinds = std::collections::BTreeSet::new();
    for (base, _) in &cast.bases {
        for e in ledger(&app, &cast.staff, base).await["entries"].as_array().expect("entries") {
            kinds.insert(e["kind"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["disbursement", "expense", "grant", "reversal"], "{steps:?}");
}

/// SEC-08: paying out, approving a disbursement and issuing plaques need a sign-in or a
/// re-authentication within the last five minutes; a personal API token never counts.
async fn paying_out_needs_a_recent_sign_in(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let base = &cast.bases[0].0;
    let (status, request) =
        app.post_json_as(&cast.staff, "/api/v1/funding-requests", &json!({"base_ids": [base]})).await;
    assert_eq!(status, 201, "{request}");
    let id = request["id"].as_str().expect("id").to_owned();
    let (status, _) =
        app.post_json_as(&cast.leader, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
    assert_eq!(status, 200);
    // Six minutes later (well within the 30-minute idle timeout) approving needs the password again.
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let approve = format!("/api/v1/funding-requests/{id}/approve");
    let (status, body) = app.post_json_as(&cast.funding, &approve, &json!({})).await;
    assert_eq!((status, &body["code"]), (401, &json!("reauth_required")), "{body}");
    let (status, body) =
        app.post_json_as(&cast.funding, "/api/v1/me/reauth", &json!({"password": "wrong-password-1"})).await;
    assert_eq!((status, codes(&body)), (400, vec![("password".into(), "password_wrong".into())]), "{body}");
    let (status, _) =
        app.post_json_as(&cast.funding, "/api/v1/me/reauth", &json!({"password": crate::helpers::ROLE_PASSWORD})).await;
    assert_eq!(status, 204);
    let (status, body) = app.post_json_as(&cast.funding, &approve, &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");

    // A disbursement by staff who signed in six minutes ago: refused, then after the password.
    let (status, body) = disburse(&app, &cast.staff, base, "1000.00", "PZ-R1").await;
    assert_eq!((status, &body["code"]), (401, &json!("reauth_required")), "{body}");
    // On the pages, the person is sent to type the password and brought back.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/bases/{base}/disbursements")))
        .header("cookie", &cast.staff.cookie)
        .header("x-csrf-token", &cast.staff.csrf)
        .json(&json!({"paid_on": "2024-10-14", "amount": "1000.00", "voucher": "PZ-R1"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 401);
    let form = get(&app, "/account/reauth?next=/funds", &cast.staff).await;
    assert_eq!(form.status, 200);
    let fields = [("password", crate::helpers::ROLE_PASSWORD), ("next", "/funds/requests")];
    let posted = post_from(&app, "/account/reauth", &cast.staff, &fields, Some(&app.base)).await;
    assert_eq!(posted.status, 303);
    assert_eq!(posted.location, "/funds/requests");
    let (status, body) = disburse(&app, &cast.staff, base, "1000.00", "PZ-R1").await;
    assert_eq!(status, 201, "{body}");
    // Five minutes later it still counts; a personal API token never does.
    app.clock.advance(chrono::TimeDelta::minutes(5));
    let (status, _) = disburse(&app, &cast.staff, base, "1000.00", "PZ-R2").await;
    assert_eq!(status, 201);
    let (_, token) = app.post_json_as(&cast.staff, "/api/v1/tokens", &json!({"name": "财务脚本"})).await;
    let token = token["token"].as_str().expect("token").to_owned();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/bases/{base}/disbursements")))
        .header("authorization", format!("Bearer {token}"))
        .json(&json!({"paid_on": "2024-10-14", "amount": "1.00", "voucher": "PZ-R3"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 401);
}

/// SEC-13: the drafter of a funding request, made a leader since, cannot endorse it: 403 and
/// an audit record; another leader can.
async fn a_drafter_never_decides_their_own_request(app: TestApp) {
    let cast = recognised_bases(&app, 1).await;
    let (drafter, drafter_id) = app.sign_in_user(Role::Staff, "drafter-funds", "经办人丙").await;
    let (status, request) =
        app.post_json_as(&drafter, "/api/v1/funding-requests", &json!({"base_ids": [cast.bases[0].0]})).await;
    assert_eq!(status, 201, "{request}");
    let id = request["id"].as_str().expect("id").to_owned();
    let sysadmin = app.sign_in_as(Role::Sysadmin).await;
    let (status, body) =
        app.post_json_as(&sysadmin, &format!("/api/v1/users/{drafter_id}/role"), &json!({"role": "leader"})).await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (status, body) =
        app.post_json_as(&drafter, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
    assert_eq!((status, &body["code"]), (403, &json!("sod_own_proposal")), "{body}");
    let refused = app
        .app()
        .audit_entries(&skillbase_app::audit::AuditFilter {
            from_seq: 1,
            action: Some("funding.refused_own"),
            actor: None,
            object_type: None,
            object_id: Some(id.as_str()),
            limit: 10,
        })
        .await
        .expect("audit");
    assert_eq!(refused.len(), 1);
    let (status, body) =
        app.post_json_as(&cast.leader, &format!("/api/v1/funding-requests/{id}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("submitted")), "{body}");
}

/// The problem's code and its first field error's (field, message).
fn refused(body: &Value) -> (String, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (text(&body["code"]), text(&body["errors"][0]["field"]), text(&body["errors"][0]["message"]))
}

/// Issue 17, item 4: the same receipt is not accepted twice. The same invoice (code and number)
/// as a live expense of any base is refused (409 `duplicate_invoice`, naming the earlier one's
/// date and amount), so is the same receipt file (409 `duplicate_receipt`); the same payee,
/// amount and date as one of the base's is refused as `possible_duplicate` unless
/// `confirm_duplicate` is true; a malformed invoice is refused by field (400). A reversed
/// expense frees its invoice; an expense recorded before invoices keeps working, and its file
/// still counts.
async fn the_same_receipt_is_not_accepted_twice(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let (first, second) = (cast.bases[0].0.clone(), cast.bases[1].0.clone());
    granted(&app, &cast, &[&first, &second]).await;
    for (base, voucher) in [(&first, "PZ-DUP-1"), (&second, "PZ-DUP-2")] {
        let (status, body) = disburse(&app, &cast.staff, base, "100000.00", voucher).await;
        assert_eq!(status, 201, "{body}");
    }
    let ours = app.sign_in_again(&cast.bases[0].1).await;
    let theirs = app.sign_in_again(&cast.bases[1].1).await;
    let today = "2024-10-14";
    let form = |amount: &'static str, payee: &'static str, invoice: (&'static str, &'static str)| {
        vec![
            ("category", "teacher_development"),
            ("amount", amount),
            ("spent_on", today),
            ("payee", payee),
            ("description", "数控车工师资培训"),
            ("invoice_code", invoice.0),
            ("invoice_number", invoice.1),
        ]
    };
    let (file, _) = fresh_receipt();
    let invoice = ("", "24312000000000004711");
    let (status, kept) = record_expense(&app, &ours, &first, &form("1000.00", "上海某培训中心", invoice), &file).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!((&kept["invoice_number"], &kept["invoice_code"]), (&json!(invoice.1), &Value::Null), "{kept}");

    // A malformed invoice: refused beside its field, in Chinese.
    let (other_file, _) = fresh_receipt();
    for ((code, number), field, expected) in [
        (("", "1234"), "invoice_number", "invoice_number_invalid"),
        (("", ""), "invoice_number", "required"),
        (("", "12345678"), "invoice_code", "invoice_code_required"),
        (("031001", "12345678"), "invoice_code", "invoice_code_invalid"),
        (("031001900104", "24312000000000004712"), "invoice_code", "invoice_code_unexpected"),
    ] {
        let (status, body) =
            record_expense(&app, &ours, &first, &form("20.00", "某书店", (code, number)), &other_file).await;
        assert_eq!((status, codes(&body)), (400, vec![(field.into(), expected.into())]), "{code} {number}: {body}");
    }
    let (_, body) = record_expense(&app, &ours, &first, &form("20.00", "某书店", ("", "1234")), &other_file).await;
    assert_eq!(refused(&body).2, "发票号码须为 8 位数字，全电发票为 20 位数字");

    // The same invoice with another file, payee and amount: refused, naming the earlier expense.
    let (status, body) = record_expense(&app, &ours, &first, &form("20.00", "某书店", invoice), &other_file).await;
    assert_eq!(status, 409, "{body}");
    let (code, field, message) = refused(&body);
    assert_eq!((code.as_str(), field.as_str()), ("duplicate_invoice", "invoice_number"), "{body}");
    assert!(message.contains("本基地一笔 2024-10-14、¥1,000.00 的支出"), "{message}");
    // In another base too (its date and amount only).
    let (status, body) = record_expense(&app, &theirs, &second, &form("20.00", "某书店", invoice), &other_file).await;
    let (code, _, message) = refused(&body);
    assert_eq!((status, code.as_str()), (409, "duplicate_invoice"), "{body}");
    assert!(message.contains("其他基地一笔 2024-10-14、¥1,000.00 的支出"), "{message}");

    // The same file under another invoice: refused, in any base.
    for (who, base) in [(&ours, &first), (&theirs, &second)] {
        let (status, body) =
            record_expense(&app, who, base, &form("20.00", "某书店", ("", "24312000000000004713")), &file).await;
        let (code, field, message) = refused(&body);
        assert_eq!((status, code.as_str(), field.as_str()), (409, "duplicate_receipt", "receipt"), "{body}");
        assert!(message.contains("一笔 2024-10-14、¥1,000.00 的支出"), "{message}");
    }

    // The same payee, amount and date, another invoice and file: asked about, then recorded
    // once confirmed.
    let like = form("1000.00", "上海某培训中心", ("3100194130", "00004711"));
    let (status, body) = record_expense(&app, &ours, &first, &like, &other_file).await;
    let (code, field, message) = refused(&body);
    assert_eq!((status, code.as_str(), field.as_str()), (409, "possible_duplicate", "confirm_duplicate"), "{body}");
    assert!(message.contains("可能是重复登记"), "{message}");
    let mut confirmed = like.clone();
    confirmed.push(("confirm_duplicate", "true"));
    let (status, second_like) = record_expense(&app, &ours, &first, &confirmed, &other_file).await;
    assert_eq!(status, 201, "{second_like}");
    assert_eq!(
        (&second_like["invoice_code"], &second_like["invoice_number"]),
        (&json!("3100194130"), &json!("00004711"))
    );
    // The other base paying the same payee the same amount that day is not asked about.
    let (third_file, _) = fresh_receipt();
    let (status, body) = record_expense(
        &app,
        &theirs,
        &second,
        &form("1000.00", "上海某培训中心", ("", "24312000000000004714")),
        &third_file,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let theirs_id = body["id"].as_str().expect("id").to_owned();

    // A reversed expense frees its invoice and file: recorded again as it should have been.
    let kept_id = kept["id"].as_str().expect("id");
    let (status, body) = app
        .post_json_as(&cast.staff, &format!("/api/v1/expenses/{kept_id}/reverse"), &json!({"text": "类别有误"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut again = form("1000.00", "上海某培训中心", invoice);
    again[0] = ("category", "consumables_tools");
    again.push(("confirm_duplicate", "true"));
    let (status, body) = record_expense(&app, &ours, &first, &again, &file).await;
    assert_eq!(status, 201, "{body}");
    // The database itself holds one live expense per invoice and per file, whichever base, and
    // names the rule alike on both engines.
    let db = &app.app().db;
    for (sql, constraint) in [
        ("UPDATE expenses SET invoice_number = '24312000000000004711' WHERE id = $1", "expenses_invoice_key"),
        (
            "UPDATE expenses SET receipt_hash = (SELECT receipt_hash FROM expenses WHERE id = $2) WHERE id = $1",
            "expenses_receipt_hash_key",
        ),
    ] {
        let again_id = body["id"].as_str().expect("id");
        let refused = match db {
            skillbase_store::Db::Sqlite(pool) => {
                sqlx::query(sql).bind(&theirs_id).bind(again_id).execute(pool).await.map(drop)
            }
            skillbase_store::Db::Postgres(pool) => {
                sqlx::query(sql).bind(&theirs_id).bind(again_id).execute(pool).await.map(drop)
            }
        };
        let error = skillbase_store::StoreError::from(refused.expect_err("refused"));
        assert!(
            matches!(&error, skillbase_store::StoreError::Conflict { constraint: c } if c == constraint),
            "{error:?}"
        );
    }

    // An expense recorded before invoices were asked for (no number) reads back and keeps
    // working; its file still counts.
    let old_id = second_like["id"].as_str().expect("id").to_owned();
    let sql = "UPDATE expenses SET invoice_code = NULL, invoice_number = NULL WHERE id = $1";
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::query(sql).bind(&old_id).execute(pool).await.map(drop),
        skillbase_store::Db::Postgres(pool) => sqlx::query(sql).bind(&old_id).execute(pool).await.map(drop),
    }
    .expect("an expense as recorded before");
    let view = ledger(&app, &ours, &first).await;
    let old = view["expenses"].as_array().expect("expenses").iter().find(|e| e["id"] == json!(old_id)).expect("found");
    assert_eq!((&old["invoice_number"], &old["invoice_code"]), (&Value::Null, &Value::Null), "{old}");
    let (status, body) =
        record_expense(&app, &theirs, &second, &form("7.00", "某书店", ("", "24312000000000004715")), &other_file)
            .await;
    assert_eq!((status, refused(&body).0.as_str()), (409, "duplicate_receipt"), "{body}");
    let (status, body) = app.post_json_as(&cast.staff, &format!("/api/v1/expenses/{old_id}/approve"), &json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("approved")), "{body}");
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

/// Two bases recording the same invoice at the same moment: their ledgers do not lock each
/// other, and the unique index lets exactly one through; the other is told why.
async fn the_same_invoice_from_two_bases_at_once_is_recorded_once(app: TestApp) {
    let cast = recognised_bases(&app, 2).await;
    let bases: Vec<String> = cast.bases.iter().map(|(b, _)| b.clone()).collect();
    granted(&app, &cast, &[&bases[0], &bases[1]]).await;
    let mut owners = Vec::new();
    for (i, (base, org)) in cast.bases.iter().enumerate() {
        let (status, body) = disburse(&app, &cast.staff, base, "1000.00", &format!("PZ-RACE-{i}")).await;
        assert_eq!(status, 201, "{body}");
        owners.push(app.sign_in_again(org).await);
    }
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for (owner, base) in owners.into_iter().zip(bases) {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let (file, _) = fresh_receipt();
            let fields = [
                ("category", "studies"),
                ("amount", "100.00"),
                ("spent_on", "2024-10-14"),
                ("payee", "上海某调研机构"),
                ("description", "课题调研"),
                ("invoice_number", "24312000000000009999"),
            ];
            let (status, body) = record_expense(&app, &owner, &base, &fields, &file).await;
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers.sort();
    assert_eq!(answers, [(201, String::new()), (409, "duplicate_invoice".to_owned())], "{answers:?}");
}

on_both_engines!(
    the_same_receipt_is_not_accepted_twice,
    the_same_invoice_from_two_bases_at_once_is_recorded_once,
    a_drafter_never_decides_their_own_request,
    paying_out_needs_a_recent_sign_in,
    from_request_to_an_audited_expense,
    a_hundred_simultaneous_expenses_never_overdraw,
    any_sequence_keeps_the_invariants
);
