//! The browser tests' tab: one person's page in headless Chromium, driven over the DevTools
//! protocol (chromiumoxide). Every failed check says who, where, and what the page shows.

use std::path::Path;
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::input::InsertTextParams;
use chromiumoxide::cdp::browser_protocol::network::CookieParam;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::browser::Chromium;
use crate::helpers::SignedIn;

/// How long any one thing may take in the browser.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// A JavaScript string literal.
pub(crate) fn js(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}

/// One person's tab. Every failed check says who, where, and what the page shows.
pub(crate) struct Tab {
    pub(crate) page: Page,
    pub(crate) who: String,
    pub(crate) base: String,
}

/// A tab in the browser's own context.
pub(crate) async fn tab(chromium: &Chromium, who: &str, base: &str) -> Tab {
    let page = chromium.browser.new_page("about:blank").await.expect("tab opens");
    Tab { page, who: who.to_owned(), base: base.to_owned() }
}

/// A tab in a new incognito context: it shares no cookie with the tabs opened before it.
pub(crate) async fn private_tab(chromium: &mut Chromium, who: &str, base: &str) -> Tab {
    chromium.browser.start_incognito_context().await.expect("incognito context");
    let page = chromium.browser.new_page("about:blank").await.expect("tab opens");
    Tab { page, who: who.to_owned(), base: base.to_owned() }
}

/// A tab in the browser's own context the size of a phone's screen (390 × 844 CSS pixels).
pub(crate) async fn phone_tab(chromium: &Chromium, who: &str, base: &str) -> Tab {
    let tab = tab(chromium, who, base).await;
    tab.page.execute(SetDeviceMetricsOverrideParams::new(390, 844, 2.0, true)).await.expect("phone screen");
    tab
}

impl Tab {
    /// Signs in on the login page with the password, and the authenticator's code when given
    /// (then the code must be asked for); ends at `next`.
    pub(crate) async fn sign_in(&self, (username, password): (&str, &str), next: &str, code: Option<String>) {
        self.open(&format!("/login?next={next}")).await;
        self.type_into("#f-username", username).await;
        self.type_into("#f-password", password).await;
        self.press("form[action^=\"/login\"] button[type=submit]").await;
        if let Some(code) = code {
            if !self.path().await.starts_with("/login/totp") {
                self.fail("the authenticator's code is asked for").await;
            }
            self.type_into("#f-code", &code).await;
            self.press("form[action^=\"/login/totp\"] button[type=submit]").await;
        }
        let here = self.path().await;
        if here != next {
            self.fail(&format!("signed in, expected to be at {next}, not {here}")).await;
        }
    }

    pub(crate) async fn eval<T: DeserializeOwned>(&self, expression: &str) -> Option<T> {
        // Between two documents there is briefly no context to evaluate in.
        self.page.evaluate(expression).await.ok().and_then(|result| result.into_value::<T>().ok())
    }

    pub(crate) async fn holds(&self, expression: &str) -> bool {
        self.eval::<bool>(expression).await.unwrap_or(false)
    }

    pub(crate) async fn fail(&self, what: &str) -> ! {
        let url = self.eval::<String>("location.href").await.unwrap_or_default();
        let text = self.eval::<String>("document.body ? document.body.innerText : ''").await.unwrap_or_default();
        panic!("{}: {what}\nat {url}, the page says:\n{text}", self.who);
    }

    pub(crate) async fn check(&self, expression: &str, what: &str) {
        if !self.holds(expression).await {
            self.fail(what).await;
        }
    }

    pub(crate) async fn wait_until(&self, expression: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.holds(expression).await {
            if Instant::now() >= deadline {
                self.fail(&format!("timed out waiting for: {expression}")).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn sees(&self, text: &str) {
        self.check(&format!("document.body.innerText.includes({})", js(text)), &format!("the page lacks {text:?}"))
            .await;
    }

    pub(crate) async fn sees_not(&self, text: &str) {
        self.check(&format!("!document.body.innerText.includes({})", js(text)), &format!("the page shows {text:?}"))
            .await;
    }

    /// The text of the first element `selector` finds (trimmed).
    pub(crate) async fn text_of(&self, selector: &str) -> String {
        let expression = format!("(e => e ? e.innerText.trim() : null)(document.querySelector({}))", js(selector));
        match self.eval::<Option<String>>(&expression).await.flatten() {
            Some(text) => text,
            None => self.fail(&format!("nothing matches {selector}")).await,
        }
    }

    pub(crate) async fn text_has(&self, selector: &str, expected: &str) {
        let text = self.text_of(selector).await;
        if !text.contains(expected) {
            self.fail(&format!("{selector} reads {text:?}, without {expected:?}")).await;
        }
    }

    /// The element `selector` finds reads exactly `expected`.
    pub(crate) async fn text_is(&self, selector: &str, expected: &str) {
        let text = self.text_of(selector).await;
        if text != expected {
            self.fail(&format!("{selector} reads {text:?}, not {expected:?}")).await;
        }
    }

    /// The value an input holds now.
    pub(crate) async fn value_of(&self, selector: &str) -> String {
        let element = self.page.find_element(selector).await.expect("input");
        element.property("value").await.expect("value").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    pub(crate) async fn path(&self) -> String {
        self.eval::<String>("location.pathname + location.search").await.unwrap_or_default()
    }

    pub(crate) async fn at(&self, path: &str) {
        let here = self.path().await;
        if here != path {
            self.fail(&format!("expected to be at {path}, not {here}")).await;
        }
    }

    /// The document has loaded, and it is not the one a press left.
    pub(crate) async fn loaded(&self) {
        self.wait_until("document.readyState === 'complete' && !document.documentElement.dataset.left").await;
    }

    /// Opens a path of the site, or a whole URL (a QR code's, say).
    pub(crate) async fn open(&self, path: &str) {
        let url = if path.starts_with('/') { format!("{}{path}", self.base) } else { path.to_owned() };
        self.page.bring_to_front().await.expect("front");
        self.page.goto(url).await.expect("page loads");
        self.loaded().await;
    }

    /// Clicks (with the mouse) what `selector` finds, and waits for the page it leads to.
    pub(crate) async fn press(&self, selector: &str) {
        self.check(&format!("!!document.querySelector({})", js(selector)), &format!("nothing to press at {selector}"))
            .await;
        self.check("(document.documentElement.dataset.left = 'yes') === 'yes'", "the document is marked").await;
        let element = self.page.find_element(selector).await.expect("element");
        element.click().await.expect("click");
        self.loaded().await;
    }

    /// Types `text` into the input `selector` finds, as an input method commits it.
    pub(crate) async fn type_into(&self, selector: &str, text: &str) {
        let emptied = format!("(e => !!e && (e.value = '', true))(document.querySelector({}))", js(selector));
        self.check(&emptied, &format!("no input at {selector}")).await;
        let element = self.page.find_element(selector).await.expect("input");
        element.click().await.expect("click");
        self.page.execute(InsertTextParams::new(text)).await.expect("typed");
        let typed = format!("document.querySelector({}).value === {}", js(selector), js(text));
        self.check(&typed, &format!("{selector} does not hold {text:?}")).await;
    }

    /// Ticks a checkbox by clicking it.
    pub(crate) async fn tick(&self, selector: &str) {
        let element = self.page.find_element(selector).await.expect("choice");
        element.click().await.expect("click");
        self.check(&format!("document.querySelector({}).checked", js(selector)), &format!("{selector} is not ticked"))
            .await;
    }

    /// Ticks (or unticks) the checkbox `selector` finds by clicking it, if it is not so already.
    pub(crate) async fn set_ticked(&self, selector: &str, on: bool) {
        let state = format!("(e => !!e && e.checked === {on})(document.querySelector({}))", js(selector));
        if !self.holds(&state).await {
            let element = self.page.find_element(selector).await.expect("checkbox");
            element.click().await.expect("click");
        }
        self.check(&state, &format!("{selector} is not {}", if on { "ticked" } else { "unticked" })).await;
    }

    /// Sets a value the keyboard cannot type everywhere alike (a date picker's).
    pub(crate) async fn set_value(&self, selector: &str, value: &str) {
        let set = format!(
            "(e => !!e && (e.value = {v}, e.dispatchEvent(new Event('change', {{bubbles: true}})), e.value === {v}))(document.querySelector({s}))",
            v = js(value),
            s = js(selector)
        );
        self.check(&set, &format!("{selector} does not take {value:?}")).await;
    }

    /// Picks the option of a select for which `matches` (a JavaScript condition on `o`) holds.
    pub(crate) async fn pick(&self, selector: &str, matches: &str, what: &str) {
        let script = format!(
            "(s => {{ if (!s) return false; const o = [...s.options].find(o => {matches}); if (!o) return false; \
             s.value = o.value; s.dispatchEvent(new Event('input', {{bubbles: true}})); \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === o.value; }})(document.querySelector({}))",
            js(selector)
        );
        self.check(&script, &format!("{selector} has no option {what}")).await;
    }

    /// Picks the option of a select whose value is `value`.
    pub(crate) async fn choose_value(&self, selector: &str, value: &str) {
        self.pick(selector, &format!("o.value === {}", js(value)), value).await;
    }

    /// Chooses a file of this machine in the file input `selector` finds.
    pub(crate) async fn choose_file(&self, selector: &str, file: &Path) {
        let input = self.page.find_element(selector).await.expect("the file input");
        let mut choose = SetFileInputFilesParams::new(vec![file.display().to_string()]);
        choose.backend_node_id = Some(input.backend_node_id);
        self.page.execute(choose).await.expect("the file is chosen");
        self.check(&format!("document.querySelector({}).files.length === 1", js(selector)), "a file is chosen").await;
    }

    /// The tab's cookies for this site as a `Cookie` header.
    pub(crate) async fn cookie_header(&self) -> String {
        let cookies = self.page.get_cookies().await.expect("cookies");
        cookies.iter().map(|c| format!("{}={}", c.name, c.value)).collect::<Vec<_>>().join("; ")
    }
}

/// Puts a signed-in session's cookie (`name=value`) into the tab's context.
pub(crate) async fn give_session(tab: &Tab, who: &SignedIn) {
    let (name, value) = who.cookie.split_once('=').expect("name=value");
    let cookie = CookieParam::builder().name(name).value(value).url(format!("{}/", tab.base)).build().expect("cookie");
    tab.page.set_cookie(cookie).await.expect("the cookie is set");
}
