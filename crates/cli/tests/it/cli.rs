//! The `skillbase` binary itself: help, `calendar import`, signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Engine, Storage, skip};
use crate::on_both_storages;

fn skillbase() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_skillbase"));
    command.env_remove("DATABASE_URL").env("SKILLBASE_LOG_FILTER", "info").env("NO_COLOR", "1");
    command
}

#[test]
fn serve_help_documents_every_setting() {
    let output = skillbase().args(["serve", "--help"]).output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("utf-8");
    for setting in [
        "--bind",
        "SKILLBASE_BIND",
        "--data-dir",
        "SKILLBASE_DATA_DIR",
        "--database-url",
        "DATABASE_URL",
        "--database-schema",
        "--db-max-connections",
        "--clock",
        "SKILLBASE_CLOCK",
        "--initial-admin-password",
        "SKILLBASE_INITIAL_ADMIN_PASSWORD",
        "--config",
        "SKILLBASE_CONFIG",
        "--log-format",
        "--log-filter",
        "--max-body-bytes",
        "--request-timeout-secs",
        "--shutdown-grace-secs",
        "--jobs",
        "--job-poll-ms",
        "--job-lease-secs",
        "--password-hash-memory-kib",
        "SKILLBASE_PASSWORD_HASH_MEMORY_KIB",
        "--password-hash-iterations",
        "--password-hash-parallelism",
        "127.0.0.1:8080",
        "./data",
    ] {
        assert!(help.contains(setting), "serve --help does not mention {setting}:\n{help}");
    }
    assert!(help.contains("--audit-key") && help.contains("SKILLBASE_AUDIT_KEY"), "{help}");
    // Secrets in the environment never show in help.
    let output = skillbase()
        .args(["serve", "--help"])
        .env("DATABASE_URL", "postgres://u:hunter2@db/x")
        .env("SKILLBASE_INITIAL_ADMIN_PASSWORD", "Sup3r-secret")
        .output()
        .expect("runs");
    let help = String::from_utf8(output.stdout).expect("utf-8");
    assert!(!help.contains("hunter2") && !help.contains("Sup3r-secret"));
}

on_both_storages!(calendar_import_reaches_the_running_server);

async fn calendar_import_reaches_the_running_server(engine: Engine) {
    let Some(storage) = Storage::for_engine(engine).await else {
        return;
    };
    let file = storage.dir.path().join("2027.json");
    std::fs::write(
        &file,
        r#"{"year":2027,"source":"test","days":[{"date":"2027-01-01","name":"元旦","is_off_day":true}]}"#,
    )
    .expect("write");
    let output = skillbase().args(["calendar", "import"]).arg(&file).args(storage.cli_args()).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // A malformed file is refused with the line and the reason, and changes nothing.
    let bad = storage.dir.path().join("bad.json");
    std::fs::write(&bad, "{\"year\": 2028,\n \"source\": \"x\",\n \"days\": [ {\"date\": \"2028-02-30\"} ]}")
        .expect("write");
    let output = skillbase().args(["calendar", "import"]).arg(&bad).args(storage.cli_args()).output().expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");

    let app = crate::helpers::TestApp::start(storage).await;
    let (status, body) = app.get_json("/api/v1/calendar/add-working-days?start=2026-12-31&days=2").await;
    assert_eq!((status, body["end"].as_str()), (200, Some("2027-01-04")), "{body}");
    let (status, body) = app.get_json("/api/v1/calendar/add-working-days?start=2028-01-03&days=1").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("calendar_year_unknown")));
}

/// `serve --clock` fixes "now" (with a loud warning), and SIGTERM stops the server cleanly.
#[test]
fn fixed_clock_and_sigterm() {
    let storage = Storage::sqlite();
    let mut child = skillbase()
        .args(["serve", "--bind", "127.0.0.1:0", "--clock", "2024-10-11T23:59:00+08:00"])
        .args(storage.cli_args())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    // Read the log line by line until the server says where it listens.
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line.clone());
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    let mut addr = None;
    while addr.is_none() {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not report its address within 30 s");
        };
        addr = line.split("serving on http://").nth(1).and_then(|rest| rest.split('/').next()).map(str::to_owned);
    }
    let addr = addr.expect("address");

    // SEC-39: what people type as secrets never reaches the log, and neither does a forged log line.
    let canary = "Canary-Secret-7319";
    let forged = "x\\n[AUDIT] admin granted";
    let body = format!(r#"{{"username":"{forged}","password":"{canary}"}}"#);
    let answer = http_post_json(&addr, "/api/v1/auth/login", &body);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // Nor does a bearer token, a one-time code, a phone number or a resident ID number.
    let token_canary = "sbt_CanaryToken4471";
    let answer = http_get_with(&addr, "/api/v1/me", &format!("Authorization: Bearer {token_canary}\r\n"));
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let otp_canary = "918273";
    let answer = http_post_json(&addr, "/api/v1/auth/totp", &format!(r#"{{"code":"{otp_canary}"}}"#));
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let phone_canary = "13987654321";
    let id_canary = "310101199003078515";
    let registration = format!(
        r#"{{"uscc":"91310118MA1G00011X","name":"单位","kind":"enterprise","contact_name":"{id_canary}",
            "contact_phone":"{phone_canary}","username":"canary-org","password":"{canary}"}}"#
    );
    let answer = http_post_json(&addr, "/api/v1/organizations", &registration);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let answer = http_get(&addr, &format!("/api/v1/calendar/add-working-days?start={id_canary}&days=1"));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let home = http_get(&addr, "/");
    assert!(home.contains("2024年10月11日 星期五"), "the page shows the fixed date:\n{home}");

    let Ok(kill) = Command::new("kill").args(["-TERM", &child.id().to_string()]).status() else {
        let _ = child.kill();
        let _ = child.wait();
        skip("the kill command is not available");
        return;
    };
    assert!(kill.success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(20));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exits 0 after SIGTERM");
    let out = out_reader.join().expect("reader");
    let log = log_reader.join().expect("reader");
    assert!(log.contains("THE CLOCK IS FIXED"), "a loud warning:\n{log}");
    assert!(log.contains("sign-in refused"), "the refusal is logged, with its username field:\n{log}");
    assert!(!log.contains(canary), "a typed password reached the log:\n{log}");
    for (what, value) in [
        ("an API token", token_canary),
        ("a one-time code", otp_canary),
        ("a phone number", phone_canary),
        ("a resident ID number", id_canary),
    ] {
        assert!(!log.contains(value), "{what} reached the log:\n{log}");
    }
    assert!(!log.lines().any(|line| line.starts_with("[AUDIT]")), "a forged line in the log:\n{log}");
    assert!(log.contains("stopped cleanly"), "{log}");
    // The generated one-time password was printed once, on the console, and never logged.
    assert_eq!(out.matches("one-time password:").count(), 1, "{out}");
    let password = out.lines().find_map(|l| l.split("one-time password: ").nth(1)).expect("password line");
    assert!(!log.contains(password.trim()), "the password reached the log");
}

/// A plain HTTP/1.1 POST of JSON over a socket.
fn http_post_json(addr: &str, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    response
}

/// A plain HTTP/1.1 GET over a socket (this test has no async runtime).
fn http_get(addr: &str, path: &str) -> String {
    http_get_with(addr, path, "")
}

/// The same with extra header lines (each ending in CRLF).
fn http_get_with(addr: &str, path: &str, headers: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n").expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    response
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

on_both_storages!(policy_load_adds_a_version_and_refuses_a_malformed_one);

/// `skillbase policy load` stores a new version beside the embedded one; a malformed file is
/// refused with its line, and nothing is stored.
async fn policy_load_adds_a_version_and_refuses_a_malformed_one(engine: Engine) {
    let Some(storage) = Storage::for_engine(engine).await else {
        return;
    };
    let builtin = skillbase_domain::policy::PolicyDocument::builtin().source();
    let v2 = builtin.replacen("version = 1", "version = 2", 1).replacen(
        "effective_from = \"2023-06-14\"",
        "effective_from = \"2025-01-01\"",
        1,
    );
    assert_ne!(v2, builtin, "the test edits the version and the date");
    let file = storage.dir.path().join("v2.toml");
    std::fs::write(&file, &v2).expect("write");
    let output = skillbase().args(["policy", "load"]).arg(&file).args(storage.cli_args()).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "loaded qingpu-2023-17@2");

    let bad = storage.dir.path().join("bad.toml");
    std::fs::write(&bad, v2.replacen("version = 2", "version = 3", 1).replacen("[[rubric]]", "[[rubric]\n", 1))
        .expect("write");
    let output = skillbase().args(["policy", "load"]).arg(&bad).args(storage.cli_args()).output().expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("第") && stderr.contains("行"), "{stderr}");
    // Loading the same version again is refused too.
    let output = skillbase().args(["policy", "load"]).arg(&file).args(storage.cli_args()).output().expect("runs");
    assert!(!output.status.success());

    let output = skillbase().args(["policy", "list"]).args(storage.cli_args()).output().expect("runs");
    let listed = String::from_utf8_lossy(&output.stdout);
    let ids: Vec<&str> = listed.lines().map(|l| l.split('\t').next().unwrap_or("")).collect();
    assert_eq!(ids, ["qingpu-2023-17@1", "qingpu-2023-17@2"], "{listed}");

    let app = crate::helpers::TestApp::start(storage).await;
    let (status, body) = app.get_json("/api/v1/policies").await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(body[1]["effective_from"], "2025-01-01");
}
