//! The page tests' client: pages requested and forms posted as a browser without JavaScript does
//! it — the session cookie on every request, the session's CSRF token as the forms' hidden
//! `csrf_token` field, `application/x-www-form-urlencoded` or `multipart/form-data` — and the
//! answers read whole. Every test that uses the pages without a browser goes through it.

use reqwest::header::HeaderMap;

use crate::helpers::{SignedIn, TestApp};

/// A page's answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The `Location` header, or empty.
    pub(crate) location: String,
    /// The `Content-Type` header, or empty.
    pub(crate) content_type: String,
    /// The `Content-Disposition` header, or empty.
    pub(crate) disposition: String,
    pub(crate) bytes: Vec<u8>,
    /// The body as text (a binary body's invalid UTF-8 replaced).
    pub(crate) html: String,
}

impl Answer {
    /// Reads a response (of a request the client does not make: one with a `Referer`, say).
    pub(crate) async fn read(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let (location, content_type, disposition) =
            (header("location"), header("content-type"), header("content-disposition"));
        let bytes = response.bytes().await.expect("body").to_vec();
        let html = String::from_utf8_lossy(&bytes).into_owned();
        Answer { status, headers, location, content_type, disposition, bytes, html }
    }

    /// The session cookie (`name=value`) this answer sets.
    pub(crate) fn session_cookie(&self) -> String {
        let set = self.headers["set-cookie"].to_str().expect("ascii");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
        set.split(';').next().expect("pair").to_owned()
    }
}

/// Who asks: a signed-in session (`&SignedIn`: its cookie, and its CSRF token put into every
/// form posted), nobody (`None`), or a cookie carried by hand ([`Cookie`]) whose forms carry
/// only the fields the test gives.
pub(crate) trait Visitor {
    fn cookie(&self) -> Option<&str>;
    fn csrf(&self) -> Option<&str>;
}

impl Visitor for &SignedIn {
    fn cookie(&self) -> Option<&str> {
        Some(&self.cookie)
    }

    fn csrf(&self) -> Option<&str> {
        Some(&self.csrf)
    }
}

impl Visitor for Option<&SignedIn> {
    fn cookie(&self) -> Option<&str> {
        self.map(|who| who.cookie.as_str())
    }

    fn csrf(&self) -> Option<&str> {
        self.map(|who| who.csrf.as_str())
    }
}

/// A cookie header carried by hand (or none), without a CSRF token added to the forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cookie<'a>(pub(crate) Option<&'a str>);

impl Visitor for Cookie<'_> {
    fn cookie(&self) -> Option<&str> {
        self.0
    }

    fn csrf(&self) -> Option<&str> {
        None
    }
}

/// A file in a multipart form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilePart<'a> {
    pub(crate) field: &'a str,
    /// Empty, with no bytes: no file chosen, as a browser sends it.
    pub(crate) filename: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) bytes: &'a [u8],
}

/// `application/x-www-form-urlencoded`, as a browser encodes a form.
pub(crate) fn form_body(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// The value of the hidden input `name` in a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in:\n{html}")) + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// The CSRF token in a page's hidden `csrf_token` field.
pub(crate) fn csrf_of(html: &str) -> String {
    hidden(html, "csrf_token")
}

/// A successful post: 303 to `to` (the page it changed), so a reload does not post again.
pub(crate) fn assert_redirect(answer: &Answer, to: &str) {
    assert_eq!(answer.status, 303, "{}", answer.html);
    assert!(answer.location.starts_with(to), "{} is not {to}", answer.location);
}

fn with_cookie(request: reqwest::RequestBuilder, who: &impl Visitor) -> reqwest::RequestBuilder {
    match who.cookie() {
        Some(cookie) => request.header("cookie", cookie),
        None => request,
    }
}

/// The form's fields as posted: the session's CSRF token first, when there is one.
fn with_csrf<'a>(who: &'a impl Visitor, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = who.csrf().map(|csrf| ("csrf_token", csrf)).into_iter().collect();
    all.extend_from_slice(fields);
    all
}

/// Opens a page.
pub(crate) async fn get(app: &TestApp, path: &str, who: impl Visitor) -> Answer {
    let request = with_cookie(app.client.get(app.url(path)), &who);
    Answer::read(request.send().await.expect("send")).await
}

/// Posts a form as a browser would.
pub(crate) async fn post(app: &TestApp, path: &str, who: impl Visitor, fields: &[(&str, &str)]) -> Answer {
    let body = form_body(&with_csrf(&who, fields));
    post_body(app, path, &who, body, None).await
}

/// Posts a form as a page of `origin` would (a cross-site form, say), with an `Origin` header
/// when one is given.
pub(crate) async fn post_from(
    app: &TestApp,
    path: &str,
    who: impl Visitor,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> Answer {
    let body = form_body(&with_csrf(&who, fields));
    post_body(app, path, &who, body, origin).await
}

async fn post_body(app: &TestApp, path: &str, who: &impl Visitor, body: String, origin: Option<&str>) -> Answer {
    let mut request = with_cookie(app.client.post(app.url(path)), who)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    Answer::read(request.send().await.expect("send")).await
}

/// Posts a form with a file as a browser does: `multipart/form-data`, the fields (the session's
/// CSRF token first) and then the file's part, always present.
pub(crate) async fn post_multipart(
    app: &TestApp,
    path: &str,
    who: impl Visitor,
    fields: &[(&str, &str)],
    file: FilePart<'_>,
) -> Answer {
    let boundary = "----skillbase-page-boundary-Qp2024Xk29";
    let mut body = Vec::new();
    for (name, value) in with_csrf(&who, fields) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let FilePart { field, filename, content_type, bytes } = file;
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = with_cookie(app.client.post(app.url(path)), &who)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    Answer::read(request.send().await.expect("send")).await
}
