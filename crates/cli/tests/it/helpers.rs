//! `TestApp`: the real server on 127.0.0.1:0, on SQLite (a temp dir) or PostgreSQL (a fresh
//! schema), driven over HTTP like a user would.
//!
//! PostgreSQL comes from `SKILLBASE_TEST_DATABASE_URL` (default: the local server). When it did
//! not answer as the tests were built, the PostgreSQL half of each test is compiled `ignored`
//! (the build script sets `skillbase_postgres` only when it answers), so the test runner reports
//! it as such with its reason. When it goes away after the build, the half is skipped at run
//! time with a note. `SKILLBASE_TEST_STRICT=1` (set by `.ci/run`) builds every half and turns
//! each such skip into a failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use skillbase::{Running, Settings};
use skillbase_app::App;
use skillbase_domain::ids::UserId;
use skillbase_domain::roles::Role;
use skillbase_domain::totp::TotpSecret;
use skillbase_domain::{Clock, FixedClock};
use skillbase_store::users::{self, NewUser};

pub const ADMIN_PASSWORD: &str = "Test-admin-pass-2024";
pub const ROLE_PASSWORD: &str = "Role-test-pass-2024";

/// Where the test instances say objections on paper go (the `objection_contact` setting).
pub const OBJECTION_CONTACT: &str = "测试地址：青浦区测试路 1 号 职业能力建设科，邮编 201700，电话 021-00000000";

/// A signed-in client: its session cookie (`name=value`) and CSRF token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
}

/// The instant tests start at unless they move the clock: a Friday before National Day 2024.
pub fn default_instant() -> DateTime<Utc> {
    at("2024-09-27T10:00:00+08:00")
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("valid instant").to_utc()
}

pub fn strict() -> bool {
    std::env::var("SKILLBASE_TEST_STRICT").is_ok_and(|v| v == "1" || v == "true")
}

/// Skips (or, in strict mode, fails) a test that needs something this machine lacks.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
pub fn skip(what: &str) {
    assert!(!strict(), "SKILLBASE_TEST_STRICT is set and {what}");
    eprintln!("SKIPPED: {what} (set SKILLBASE_TEST_STRICT=1 to make this a failure)");
}

pub fn postgres_url() -> String {
    std::env::var("SKILLBASE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A private directory removed when the test ends.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("skillbase-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a test's data lives; outlives server restarts within the test.
#[derive(Debug)]
pub struct Storage {
    pub engine: Engine,
    pub dir: TempDir,
    /// PostgreSQL: (base URL, schema).
    pub postgres: Option<(String, String)>,
}

impl Storage {
    pub fn sqlite() -> Storage {
        Storage { engine: Engine::Sqlite, dir: TempDir::new(), postgres: None }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (skipped) if it is unreachable.
    pub async fn postgres() -> Option<Storage> {
        let url = postgres_url();
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let created =
            tokio::time::timeout(Duration::from_secs(5), skillbase_store::create_postgres_schema(&url, &schema)).await;
        match created {
            Ok(Ok(())) => {
                Some(Storage { engine: Engine::Postgres, dir: TempDir::new(), postgres: Some((url, schema)) })
            }
            Ok(Err(e)) => {
                skip(&format!("PostgreSQL at {url} is not usable: {e}"));
                None
            }
            Err(_) => {
                skip(&format!("PostgreSQL at {url} did not answer within 5 s"));
                None
            }
        }
    }

    pub async fn for_engine(engine: Engine) -> Option<Storage> {
        match engine {
            Engine::Sqlite => Some(Storage::sqlite()),
            Engine::Postgres => Storage::postgres().await,
        }
    }

    /// Server settings pointing at this storage.
    pub fn settings(&self) -> Settings {
        Settings {
            bind: "127.0.0.1:0".parse().expect("addr"),
            data_dir: self.dir.path().to_owned(),
            database_url: self.postgres.as_ref().map(|(url, _)| SecretString::from(url.clone())),
            database_schema: self.postgres.as_ref().map(|(_, schema)| schema.clone()),
            initial_admin_password: Some(SecretString::from(ADMIN_PASSWORD)),
            jobs: false,
            shutdown_grace_secs: 5,
            db_max_connections: 5,
            // The least Argon2id takes: the tests hash many passwords and prove nothing about
            // its cost. (Verification reads the parameters from each hash, so this changes
            // nothing else.)
            password_hash_memory_kib: 8,
            password_hash_iterations: 1,
            password_hash_parallelism: 1,
            objection_contact: Some(OBJECTION_CONTACT.to_owned()),
            ..Settings::default()
        }
    }

    /// Command-line arguments giving a `skillbase` subcommand this storage.
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_owned(), self.dir.path().display().to_string()];
        if let Some((url, schema)) = &self.postgres {
            args.extend(["--database-url".to_owned(), url.clone(), "--database-schema".to_owned(), schema.clone()]);
        }
        args
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.postgres.take() {
            // The test's runtime is going away: drop the schema on a runtime of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(skillbase_store::drop_postgres_schema(&url, &schema))
            })
            .join();
        }
    }
}

/// A running server and a client for it.
#[derive(Debug)]
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub running: Option<Running>,
    pub storage: Storage,
}

impl TestApp {
    pub async fn sqlite() -> Option<TestApp> {
        Some(TestApp::start(Storage::sqlite()).await)
    }

    pub async fn postgres() -> Option<TestApp> {
        Some(TestApp::start(Storage::postgres().await?).await)
    }

    pub async fn start(storage: Storage) -> TestApp {
        TestApp::start_with(storage, |_| {}).await
    }

    /// Starts with adjusted settings.
    pub async fn start_with(storage: Storage, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = storage.settings();
        adjust(&mut settings);
        let clock = Arc::new(FixedClock::new(default_instant()));
        let running = skillbase::start(&settings, clock.clone()).await.expect("server starts");
        TestApp {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
            clock,
            running: Some(running),
            storage,
        }
    }

    pub fn engine(&self) -> Engine {
        self.storage.engine
    }

    pub fn app(&self) -> &App {
        &self.running.as_ref().expect("running").app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// GET and parse JSON, returning the status too.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}")))
    }

    /// Creates an account of `role` (as the sysadmin would) and signs it in; bureau-side
    /// accounts also bind a TOTP authenticator, as they must before working.
    pub async fn sign_in_as(&self, role: Role) -> SignedIn {
        self.sign_in_user(role, &format!("test-{}", role.as_str()), role.label()).await.0
    }

    /// Creates an account of `role` named `username` and signs it in (binding TOTP for
    /// bureau-side roles); the session and the account's id.
    pub async fn sign_in_user(&self, role: Role, username: &str, display_name: &str) -> (SignedIn, String) {
        let id: UserId = self.app().new_id();
        let hash = self.app().password_hashing.hash(ROLE_PASSWORD).expect("hash");
        let mut tx = self.app().db.begin().await.expect("begin");
        users::insert(
            &mut tx,
            &NewUser {
                id,
                username,
                display_name,
                role: role.as_str(),
                password_hash: &hash,
                must_change_password: false,
                organization_id: None,
                at: self.app().now(),
            },
        )
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
        let signed_in = self.login(username, ROLE_PASSWORD, None).await.expect("signs in");
        if role.is_bureau_side() {
            self.bind_totp(&signed_in).await;
        }
        (signed_in, id.to_string())
    }

    /// Binds an authenticator to the signed-in account; returns its secret.
    pub async fn bind_totp(&self, who: &SignedIn) -> TotpSecret {
        let (status, enrolment) = self.post_json_as(who, "/api/v1/me/totp", &serde_json::json!({})).await;
        assert_eq!(status, 200, "{enrolment}");
        let secret = TotpSecret::from_base32(enrolment["secret"].as_str().expect("secret")).expect("base32");
        let code = secret.code_at(self.clock.now().timestamp());
        let (status, body) =
            self.post_json_as(who, "/api/v1/me/totp/confirm", &serde_json::json!({"code": code})).await;
        assert_eq!(status, 204, "{body}");
        secret
    }

    /// Signs in with the password and, if asked, the TOTP code (the clock first moves to the
    /// next 30-second step, as a code is accepted only once).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        totp: Option<&TotpSecret>,
    ) -> Result<SignedIn, (u16, serde_json::Value)> {
        let response = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login");
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().expect("ascii").split(';').next().expect("pair").to_owned());
        let body: serde_json::Value = response.json().await.expect("json");
        let Some(cookie) = cookie.filter(|_| status == 200) else { return Err((status, body)) };
        if body["totp_required"] == true {
            let Some(secret) = totp else { return Err((status, body)) };
            self.clock.advance(chrono::TimeDelta::seconds(30));
            let code = secret.code_at(self.clock.now().timestamp());
            let response = self
                .client
                .post(self.url("/api/v1/auth/totp"))
                .header("cookie", &cookie)
                .json(&serde_json::json!({"code": code}))
                .send()
                .await
                .expect("totp");
            let status = response.status().as_u16();
            // The session id is renewed once the second factor is in.
            let renewed = response
                .headers()
                .get("set-cookie")
                .map(|v| v.to_str().expect("ascii").split(';').next().expect("pair").to_owned());
            let body: serde_json::Value = response.json().await.expect("json");
            if status != 200 {
                return Err((status, body));
            }
            let cookie = renewed.expect("a renewed session cookie");
            return Ok(SignedIn { cookie, csrf: body["csrf_token"].as_str().expect("csrf").to_owned() });
        }
        Ok(SignedIn { cookie, csrf: body["csrf_token"].as_str().expect("csrf").to_owned() })
    }

    /// POST JSON as a signed-in user (with the CSRF token).
    pub async fn post_json_as(&self, who: &SignedIn, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .json(body)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Registers an applicant organisation (its first account) and signs that account in.
    pub async fn register_applicant(&self, uscc: &str, username: &str) -> SignedIn {
        let body = serde_json::json!({
            "uscc": uscc, "name": format!("申报单位{username}"), "kind": "enterprise",
            "contact_name": "王经理", "contact_phone": "13800138000", "contact_email": "hr@example.com",
            "username": username, "password": ROLE_PASSWORD
        });
        let response = self.client.post(self.url("/api/v1/organizations")).json(&body).send().await.expect("send");
        assert_eq!(response.status().as_u16(), 201, "{}", response.text().await.unwrap_or_default());
        self.login(username, ROLE_PASSWORD, None).await.expect("the applicant signs in")
    }

    /// Signs an applicant registered with [`TestApp::register_applicant`] in again (after the
    /// clock moved past its session's lifetime).
    pub async fn sign_in_again(&self, username: &str) -> SignedIn {
        self.login(username, ROLE_PASSWORD, None).await.expect("signs in again")
    }

    /// A request as a signed-in user (cookie and CSRF token), returning status, headers and JSON.
    pub async fn send_as(
        &self,
        who: &SignedIn,
        request: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let response =
            request.header("cookie", &who.cookie).header("x-csrf-token", &who.csrf).send().await.expect("send");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        (status, headers, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Uploads one file as `multipart/form-data` (field `file`).
    pub async fn upload_as(
        &self,
        who: &SignedIn,
        path: &str,
        filename: &str,
        bytes: &[u8],
    ) -> (u16, serde_json::Value) {
        let boundary = "skillbase-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(self.url(path))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        let (status, _, json) = self.send_as(who, request).await;
        (status, json)
    }

    /// GET as a signed-in user, parsing JSON.
    pub async fn get_json_as(&self, who: &SignedIn, path: &str) -> (u16, serde_json::Value) {
        let response = self.client.get(self.url(path)).header("cookie", &who.cookie).send().await.expect("send");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// Stops the server gracefully, keeping the storage for a restart.
    pub async fn stop(mut self) -> Storage {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("stops cleanly");
        }
        self.storage
    }
}

/// Generates a `sqlite` and a `postgres` test for each listed `async fn(TestApp)`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::sqlite().await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(skillbase_postgres),
                ignore = "PostgreSQL (SKILLBASE_TEST_DATABASE_URL) did not answer when the tests were built"
            )]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::postgres().await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// The same, for tests that manage their own storage: each gets an `Engine`.
#[macro_export]
macro_rules! on_both_storages {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Engine::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(skillbase_postgres),
                ignore = "PostgreSQL (SKILLBASE_TEST_DATABASE_URL) did not answer when the tests were built"
            )]
            async fn postgres() {
                super::$name($crate::helpers::Engine::Postgres).await;
            }
        }
    )*};
}

/// Generates one test for each listed browser flow, `async fn(TestApp)`: on SQLite only. A flow
/// in the browser proves what the pages do; the same pages on PostgreSQL are the page tests'
/// (`*_pages.rs`, `screens.rs`, `pages.rs`), which run on both engines. Compiled `ignored` when
/// the build found no Chromium (unless strict).
#[macro_export]
macro_rules! in_chromium {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(skillbase_chromium),
                ignore = "Chromium (apt-get install chromium, or SKILLBASE_CHROMIUM) was not found when the tests were built"
            )]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::sqlite().await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}
