//! The audit trail is append-only and tamper-evident, and fails closed — on both engines.

use std::process::Command;

use skillbase_app::jobs::{Runner, RunnerConfig};
use skillbase_domain::anchor::{self, AnchorStatement};
use skillbase_domain::audit::{ChainBreak, chain_hash};
use skillbase_store::{Db, audit};

use crate::helpers::{Engine, TestApp};
use crate::{on_both_engines, on_both_storages};

/// Runs raw SQL, as a database administrator would; the error text if the database refuses.
async fn raw(db: &Db, sql: &'static str) -> Result<(), String> {
    match db {
        Db::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        Db::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
    }
    .map_err(|e| e.to_string())
}

/// What someone with full database access does first.
async fn disable_triggers(app: &TestApp) {
    let sql = match app.engine() {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Engine::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER USER",
    };
    raw(&app.app().db, sql).await.expect("disables");
}

/// Four records: the first start, then three calendar imports.
async fn with_records(app: &TestApp) {
    for year in [2027, 2028, 2029] {
        let json = format!(r#"{{"year":{year},"source":"test","days":[]}}"#);
        app.app().import_calendar_year(&json, Some("tester")).await.expect("imports");
    }
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(report.intact, "{report:?}");
    assert_eq!((report.checked, report.head_seq), (4, 4));
}

fn cli_verify(app: &TestApp) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_skillbase"))
        .args(["audit", "verify"])
        .args(app.storage.cli_args())
        .env_remove("DATABASE_URL")
        .env("SKILLBASE_LOG_FILTER", "off")
        .output()
        .expect("runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

on_both_engines!(
    the_auditor_exports_the_trail_to_excel,
    the_auditor_searches_and_verifies_over_the_api,
    the_database_refuses_update_and_delete,
    an_edited_record_is_found,
    a_deleted_record_is_found,
    reordered_records_are_found,
    a_cut_tail_is_found,
    a_failed_audit_write_commits_nothing,
);

async fn the_database_refuses_update_and_delete(app: TestApp) {
    with_records(&app).await;
    let db = &app.app().db;
    let update = raw(db, "UPDATE audit_log SET detail = '{}' WHERE seq = 2").await;
    assert!(update.as_ref().is_err_and(|e| e.contains("append-only")), "{update:?}");
    let delete = raw(db, "DELETE FROM audit_log WHERE seq = 2").await;
    assert!(delete.as_ref().is_err_and(|e| e.contains("append-only")), "{delete:?}");
    let delete_head = raw(db, "DELETE FROM audit_head").await;
    assert!(delete_head.is_err(), "the head cannot be deleted");
    if app.engine() == Engine::Postgres {
        let truncate = raw(db, "TRUNCATE audit_log").await;
        assert!(truncate.is_err(), "TRUNCATE is refused");
    }
    assert!(app.app().verify_audit().await.expect("verifies").intact);
    let (ok, report) = cli_verify(&app);
    assert!(ok, "skillbase audit verify passes on an intact chain: {report}");
    assert!(report.contains(r#""intact": true"#), "{report}");
}

async fn an_edited_record_is_found(app: TestApp) {
    with_records(&app).await;
    disable_triggers(&app).await;
    raw(&app.app().db, r#"UPDATE audit_log SET detail = '{"year":2099}' WHERE seq = 3"#).await.expect("edits");
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(!report.intact);
    assert!(matches!(report.first_break, Some(ChainBreak::HashMismatch { seq: 3, .. })), "{report:?}");
    assert_eq!(report.checked, 2, "the records before the break are fine");
    let (ok, output) = cli_verify(&app);
    assert!(!ok, "skillbase audit verify exits non-zero: {output}");
    assert!(output.contains("hash_mismatch"), "{output}");
}

async fn a_deleted_record_is_found(app: TestApp) {
    with_records(&app).await;
    disable_triggers(&app).await;
    raw(&app.app().db, "DELETE FROM audit_log WHERE seq = 2").await.expect("deletes");
    let report = app.app().verify_audit().await.expect("verifies");
    assert_eq!(report.first_break, Some(ChainBreak::SequenceGap { expected: 2, found: 3 }), "{report:?}");

    // Renumbering the rest to hide the gap breaks the link instead.
    raw(&app.app().db, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2").await.expect("renumbers");
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(matches!(report.first_break, Some(ChainBreak::PrevMismatch { seq: 2, .. })), "{report:?}");
}

async fn reordered_records_are_found(app: TestApp) {
    with_records(&app).await;
    disable_triggers(&app).await;
    raw(
        &app.app().db,
        "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; \
         UPDATE audit_log SET seq = 3 WHERE seq = -1;",
    )
    .await
    .expect("swaps");
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(matches!(report.first_break, Some(ChainBreak::PrevMismatch { seq: 2, .. })), "{report:?}");
}

async fn a_cut_tail_is_found(app: TestApp) {
    with_records(&app).await;
    disable_triggers(&app).await;
    raw(&app.app().db, "DELETE FROM audit_log WHERE seq = 4").await.expect("deletes");
    let report = app.app().verify_audit().await.expect("verifies");
    assert_eq!(report.first_break, Some(ChainBreak::HeadMismatch { head_seq: 4, last_seq: 3 }), "{report:?}");
    assert!(report.message.expect("message").contains("末尾"));
}

/// SEC-37: when the audit record cannot be written, the change it records is not made.
async fn a_failed_audit_write_commits_nothing(app: TestApp) {
    let sql = match app.engine() {
        Engine::Sqlite => {
            "CREATE TRIGGER audit_breaks BEFORE INSERT ON audit_log WHEN NEW.action = 'calendar.import' \
             BEGIN SELECT RAISE(ABORT, 'audit storage failed'); END;"
        }
        Engine::Postgres => {
            "CREATE FUNCTION audit_breaks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.action = 'calendar.import' THEN RAISE EXCEPTION 'audit storage failed'; END IF; \
             RETURN NEW; END; $$; \
             CREATE TRIGGER audit_breaks BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_breaks();"
        }
    };
    raw(&app.app().db, sql).await.expect("installs the fault");
    let result = app.app().import_calendar_year(r#"{"year":2027,"source":"x","days":[]}"#, None).await;
    assert!(result.is_err(), "the import fails with its audit record");
    let (status, body) = app.get_json("/api/v1/calendar/add-working-days?start=2027-03-01&days=1").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("calendar_year_unknown")), "2027 was not stored");
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(report.intact && report.head_seq == 1, "{report:?}");
}

async fn the_auditor_searches_and_verifies_over_the_api(app: TestApp) {
    with_records(&app).await;
    let auditor = app.sign_in_as(skillbase_domain::roles::Role::Auditor).await;
    let (status, page) = app.get_json_as(&auditor, "/api/v1/audit?action=calendar.import&limit=2").await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["object_id"], "2027");
    assert_eq!(items[0]["detail"]["year"], 2027);
    assert_eq!(items[0]["alg"], "HMAC-SM3");
    assert!(items[0]["at"].as_str().expect("at").ends_with("+08:00"), "shown in Asia/Shanghai");
    let next = page["next_from"].as_i64().expect("another page");
    let (_, rest) = app.get_json_as(&auditor, &format!("/api/v1/audit?action=calendar.import&from={next}")).await;
    assert_eq!(rest["items"].as_array().expect("items").len(), 1);
    assert!(rest["next_from"].is_null());
    let (status, body) = app.get_json_as(&auditor, "/api/v1/audit?limit=many").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_integer")));

    let (status, verdict) = app.get_json_as(&auditor, "/api/v1/audit/verify").await;
    assert_eq!((status, verdict["intact"].as_bool()), (200, Some(true)), "{verdict}");
    disable_triggers(&app).await;
    raw(&app.app().db, r#"UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"#).await.expect("edits");
    let (_, verdict) = app.get_json_as(&auditor, "/api/v1/audit/verify").await;
    assert_eq!(verdict["intact"], false);
    assert_eq!(verdict["first_break"]["kind"], "hash_mismatch");
    assert_eq!(verdict["first_break"]["seq"], 2);
}

async fn the_auditor_exports_the_trail_to_excel(app: TestApp) {
    with_records(&app).await;
    // A username crafted as a spreadsheet formula lands in the trail (a failed login) …
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": formula, "password": "whatever-1234"}))
        .send()
        .await
        .expect("send");
    let auditor = app.sign_in_as(skillbase_domain::roles::Role::Auditor).await;
    let response = app
        .client
        .get(app.url("/api/v1/audit/export.xlsx"))
        .header("cookie", &auditor.cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(response.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment"));
    let bytes = response.bytes().await.expect("bytes").to_vec();

    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let sheet = workbook.worksheet_range("审计日志").expect("sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "序号 seq");
    assert_eq!(rows[1][7], "user.bootstrap");
    assert!(rows.iter().all(|r| r.len() == 12));
    // … and is exported as inert text.
    let cell = rows.iter().find_map(|r| r.iter().find(|c| c.contains("HYPERLINK")).cloned()).expect("the crafted cell");
    assert!(cell.starts_with("'="), "{cell}");
    // Exporting is itself audited.
    let exports = audit::search(
        &app.app().db,
        &audit::AuditFilter { from_seq: 1, action: Some("export"), limit: 10, ..Default::default() },
    )
    .await
    .expect("search");
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].record.object_type, "audit_log");
}

on_both_storages!(a_rewritten_history_does_not_get_past_a_signed_anchor);

/// SEC-36: the day's head is signed with the bureau's SM2 key and written off the box. Someone
/// holding the database *and* the chain's key can rewrite a record and recompute every hash
/// after it — the chain then verifies — but the signed head no longer matches.
async fn a_rewritten_history_does_not_get_past_a_signed_anchor(engine: Engine) {
    let Some(storage) = crate::helpers::Storage::for_engine(engine).await else { return };
    let off_box = crate::helpers::TempDir::new();
    let dir = off_box.path().to_path_buf();
    let app = TestApp::start_with(storage, move |s| s.audit_anchor_dir = Some(dir)).await;
    with_records(&app).await;

    // The anchor job (scheduled at start by an instance that runs jobs) runs: the head (seq 4)
    // is signed and copied off the box.
    app.app().ensure_anchor_scheduled().await.expect("scheduled");
    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    runner.run_once().await.expect("runs");
    let file = off_box.path().join("audit-anchor-2024-09-27.json");
    let copy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written off the box")).expect("JSON");
    assert_eq!(copy["seq"], 4);
    // Anyone can check it offline with the published key.
    let (status, published) = app.get_json("/.well-known/skillbase-sm2.json").await;
    assert_eq!((status, &published["public_key"]), (200, &copy["public_key"]));
    let statement = AnchorStatement {
        day: chrono::NaiveDate::from_ymd_opt(2024, 9, 27).expect("date"),
        seq: 4,
        hash: copy["hash"].as_str().expect("hash").to_owned(),
    };
    anchor::verify(
        published["public_key"].as_str().expect("key"),
        &statement,
        copy["signature"].as_str().expect("sig"),
    )
    .expect("the signature holds");
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(report.intact && report.anchors_checked == 1, "{report:?}");
    // Tomorrow's anchor is scheduled; today's is not made twice.
    runner.run_once().await.expect("runs");
    assert_eq!(std::fs::read_dir(off_box.path()).expect("dir").count(), 1);

    // Rewrite record 3 and recompute the chain after it with the chain's own key.
    disable_triggers(&app).await;
    let db = &app.app().db;
    let records =
        audit::search(db, &audit::AuditFilter { from_seq: 1, limit: 10, ..Default::default() }).await.expect("records");
    let mut prev = records[1].hash.clone();
    for stored in &records[2..] {
        let mut record = stored.record.clone();
        if record.seq == 3 {
            record.detail = r#"{"year":2099}"#.to_owned();
        }
        let hash = chain_hash(&app.app().audit_key, &prev, &record);
        rewrite(db, record.seq, &record.detail, &prev, &hash).await;
        prev = hash;
    }
    rewrite_head(db, &prev).await;
    let report = app.app().verify_audit().await.expect("verifies");
    assert!(!report.intact, "the rewritten chain verifies on its own, but not against the anchor: {report:?}");
    assert!(report.first_break.is_none(), "{report:?}");
    assert!(report.message.as_deref().is_some_and(|m| m.contains("第 4 条")), "{report:?}");
    let (ok, output) = cli_verify(&app);
    assert!(!ok, "skillbase audit verify exits non-zero: {output}");
}

async fn rewrite(db: &Db, seq: i64, detail: &str, prev: &str, hash: &str) {
    let sql = "UPDATE audit_log SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4";
    match db {
        Db::Sqlite(pool) => sqlx::query(sql).bind(detail).bind(prev).bind(hash).bind(seq).execute(pool).await.map(drop),
        Db::Postgres(pool) => {
            sqlx::query(sql).bind(detail).bind(prev).bind(hash).bind(seq).execute(pool).await.map(drop)
        }
    }
    .expect("rewrites");
}

async fn rewrite_head(db: &Db, hash: &str) {
    let sql = "UPDATE audit_head SET hash = $1 WHERE id = 1";
    match db {
        Db::Sqlite(pool) => sqlx::query(sql).bind(hash).execute(pool).await.map(drop),
        Db::Postgres(pool) => sqlx::query(sql).bind(hash).execute(pool).await.map(drop),
    }
    .expect("rewrites the head");
}
