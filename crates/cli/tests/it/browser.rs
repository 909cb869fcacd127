//! The home page in a real browser: headless Chromium loads it (scripts and styles included)
//! and the rendered DOM shows the Chinese navigation.

use std::process::Command;
use std::time::Duration;

use crate::helpers::{TempDir, TestApp, skip};
use crate::in_chromium;

/// Chromium from the distribution, or `None` (the test is skipped unless strict).
pub(crate) fn chromium() -> Option<String> {
    let candidates = [
        std::env::var("SKILLBASE_CHROMIUM").ok(),
        Some("/usr/bin/chromium".to_owned()),
        Some("/usr/bin/chromium-browser".to_owned()),
        Some("/usr/bin/google-chrome".to_owned()),
    ];
    candidates.into_iter().flatten().find(|path| std::path::Path::new(path).exists())
}

/// Loads `url` in headless Chromium and returns the DOM after scripts ran.
pub fn rendered_dom(url: &str) -> Option<String> {
    let Some(browser) = chromium() else {
        skip("Chromium is not installed (apt-get install chromium)");
        return None;
    };
    let profile = TempDir::new();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "chromium did not finish within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(reader.join().expect("reader"))
}

// Once, on SQLite: the same page and assets on PostgreSQL are `pages.rs`
// (`home_page_in_chinese_with_english_toggle`, `assets_are_embedded`).
in_chromium!(home_page_renders_in_chromium);

async fn home_page_renders_in_chromium(app: TestApp) {
    let url = app.url("/");
    let Some(dom) = tokio::task::spawn_blocking(move || rendered_dom(&url)).await.expect("browser task") else {
        return;
    };
    for nav in ["公示公告", "基地名录", "证书查验", "申报入口", "登录"] {
        assert!(dom.contains(nav), "rendered page lacks {nav}:\n{dom}");
    }
    // The browser fetched the embedded script and stylesheet from this server (no CDN).
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains(r#"route="/static/htmx.min.js",status="200""#),
        "the browser fetched htmx from this server:\n{metrics}"
    );
    assert!(metrics.contains(r#"route="/static/app.css",status="200""#), "and the stylesheet");
}

/// A headless Chromium of the distribution with a fresh profile, and the task that carries its
/// DevTools messages (chromiumoxide). The tests that type into pages add their own methods.
pub(crate) struct Chromium {
    pub(crate) browser: chromiumoxide::Browser,
    events: tokio::task::JoinHandle<()>,
    _profile: TempDir,
}

impl Chromium {
    /// Starts Chromium with the required flags plus `extra` ones, or `None` (skipped unless
    /// strict) when it is not installed.
    pub(crate) async fn launch(extra: &[&str], request_timeout: Duration) -> Option<Chromium> {
        use futures_util::StreamExt;
        let Some(executable) = chromium() else {
            skip("Chromium is not installed (apt-get install chromium)");
            return None;
        };
        let profile = TempDir::new();
        let mut args = vec![
            "disable-gpu",
            "disable-background-networking",
            "disable-component-update",
            "disable-sync",
            "no-first-run",
        ];
        args.extend_from_slice(extra);
        let config = chromiumoxide::BrowserConfig::builder()
            .chrome_executable(executable)
            // Only the flags named here (plus the DevTools port and --headless).
            .disable_default_args()
            .no_sandbox()
            .args(args)
            .user_data_dir(profile.path())
            .viewport(None)
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(request_timeout)
            .build()
            .expect("browser configuration");
        let (browser, mut handler) = chromiumoxide::Browser::launch(config).await.expect("Chromium starts");
        // Messages the client does not know (a newer Chromium) are not fatal: keep reading.
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Some(Chromium { browser, events, _profile: profile })
    }

    pub(crate) async fn close(mut self) {
        self.browser.close().await.expect("Chromium closes");
        let _ = self.browser.wait().await;
        self.events.abort();
    }
}
