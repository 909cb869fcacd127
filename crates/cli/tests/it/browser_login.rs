//! The lockout as an applicant meets it, in headless Chromium driven over the DevTools protocol
//! (chromiumoxide): the login form is typed into and submitted five times with a wrong
//! password, the fifth answer says in Chinese that the account is locked, and the audit trail
//! holds every attempt.

use std::time::Duration;

use serde_json::json;
use skillbase_store::audit;

use crate::browser::Chromium;
use crate::helpers::TestApp;
use crate::in_chromium;
use crate::tab::phone_tab;

const USCC: &str = "91310118MA1G00011T";
const USERNAME: &str = "qingpu-hr";
const PASSWORD: &str = "Qingpu-base-2024";

// Once, on SQLite: the lockout on the login page and its audit records on PostgreSQL are
// `screens.rs` (`login_succeeds_fails_and_locks`) and `identity.rs`
// (`five_failures_lock_a_username_known_or_not`).
in_chromium!(an_applicant_is_locked_out_after_five_wrong_passwords);

async fn an_applicant_is_locked_out_after_five_wrong_passwords(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&json!({
            "uscc": USCC, "name": "上海青浦技能实训有限公司", "kind": "enterprise",
            "contact_name": "王经理", "contact_phone": "13800138000",
            "username": USERNAME, "password": PASSWORD
        }))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status().as_u16(), 201);

    let Some(chromium) = Chromium::launch(&[], Duration::from_secs(30)).await else {
        return;
    };
    let tab = phone_tab(&chromium, "applicant", &app.base).await;
    tab.open("/login").await;
    tab.wait_until("document.readyState === 'complete' && !!document.querySelector('#f-password')").await;
    assert!(tab.holds("document.documentElement.lang === 'zh-CN'").await);
    assert!(tab.holds("document.querySelector('label[for=f-username]').textContent === '用户名'").await);
    // Usable on a phone: nothing wider than the screen.
    assert!(tab.holds("document.documentElement.scrollWidth <= window.innerWidth").await, "no sideways scrolling");

    for attempt in 1..=5 {
        // The username is typed once and then kept by the page; the password never is.
        if tab.value_of("#f-username").await != USERNAME {
            let username = tab.page.find_element("#f-username").await.expect("username input");
            username.click().await.expect("click").type_str(USERNAME).await.expect("type");
        }
        assert_eq!(tab.value_of("#f-password").await, "", "attempt {attempt}: the password field is empty");
        // Mark this document, so that the answer is known by the mark being gone.
        assert!(tab.holds("(document.documentElement.dataset.attempt = 'sent') === 'sent'").await);
        let password = tab.page.find_element("#f-password").await.expect("password input");
        password
            .click()
            .await
            .expect("click")
            .type_str("Wrong-password-1")
            .await
            .expect("type")
            .press_key("Enter")
            .await
            .expect("submit");
        tab.wait_until(
            "document.readyState === 'complete' && !document.documentElement.dataset.attempt \
             && !!document.querySelector('#login-error')",
        )
        .await;
        let message = tab
            .page
            .find_element("#login-error")
            .await
            .expect("message")
            .inner_text()
            .await
            .expect("text")
            .unwrap_or_default();
        if attempt < 5 {
            assert_eq!(message.trim(), "用户名或密码不正确", "attempt {attempt}");
        } else {
            assert!(message.contains("锁定"), "the fifth answer says the account is locked: {message}");
        }
        assert!(tab.holds("document.querySelector('#f-password').getAttribute('aria-invalid') === 'true'").await);
        assert!(
            tab.holds("document.querySelector('#f-password').getAttribute('aria-describedby') === 'login-error'").await
        );
    }
    let html = tab.page.content().await.expect("content");
    assert!(html.contains("锁定") && !html.contains("Wrong-password-1"), "{html}");
    assert!(tab.holds("document.activeElement && document.activeElement.id === 'f-password'").await, "focus");
    chromium.close().await;

    // Every attempt is in the audit trail.
    let actions = audit::actions_for(&app.app().db, "username", USERNAME).await.expect("audit");
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count("auth.login_failed"), 5, "{actions:?}");
    assert_eq!(count("auth.lockout"), 1, "{actions:?}");
    assert!(app.app().verify_audit().await.expect("verify").intact);
}
