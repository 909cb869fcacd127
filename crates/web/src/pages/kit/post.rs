//! Form posts: the signed-in user of a page, the checks every post passes (same origin; the
//! session's CSRF token when signed in), and the body read as an ordinary form or as a
//! multipart form with files.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use skillbase_app::auth::Authenticated;

use crate::pages::Page;
use crate::session::{CSRF_HEADER, constant_time_eq, session_token};
use crate::{AppState, Params};

/// The form field (and header) that carries the session's CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The signed-in user of a request: put in the request's extensions by the policy guard, or else
/// looked up from the session cookie (and kept there for the next extractor). `None` when
/// signed out, or when the session cannot be read (the page is then shown as to the public).
pub(crate) async fn signed_in(parts: &mut Parts, state: &AppState) -> Option<Authenticated> {
    if let Some(who) = parts.extensions.get::<Authenticated>() {
        return Some(who.clone());
    }
    let token = session_token(&parts.headers, state.secure_cookies)?;
    match state.app.authenticate(token).await {
        Ok(Some(who)) => {
            parts.extensions.insert(who.clone());
            Some(who)
        }
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "the session could not be read; the page is shown signed out");
            None
        }
    }
}

/// A page that needs a signed-in user. The policy guard has normally sent everyone else to the
/// login page already; if not, this does.
#[derive(Debug)]
pub(crate) struct Who(pub Authenticated);

impl FromRequestParts<AppState> for Who {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match signed_in(parts, state).await {
            Some(who) => Ok(Who(who)),
            None => Err(to_login(parts.uri.path_and_query().map_or("/", |pq| pq.as_str()))),
        }
    }
}

/// To the login page, and back to `path` afterwards.
fn to_login(path: &str) -> Response {
    let next: String = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
    Redirect::to(&format!("/login?{next}")).into_response()
}

/// The id of the record a path names (`/…/{id}`), typed: a path that names no such id is
/// answered as a record that does not exist is, with the not-found page.
#[derive(Debug)]
pub(crate) struct PathId<T>(pub T);

impl<T: std::str::FromStr + Send> FromRequestParts<AppState> for PathId<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let text = axum::extract::Path::<String>::from_request_parts(parts, state).await.ok();
        match text.and_then(|axum::extract::Path(text)| text.parse().ok()) {
            Some(id) => Ok(PathId(id)),
            None => {
                let Ok(page) = Page::from_request_parts(parts, state).await;
                Err(super::not_found(page))
            }
        }
    }
}

/// `next` when it is a path on this site: it starts with one `/` (not `//`, which a browser
/// reads as another host), has no backslash (which some browsers read as a slash) and no
/// control character (a browser drops tabs and newlines, and a header cannot carry them).
pub(crate) fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control))
}

/// Is this a cross-site request? A browser sends `Origin` with every form post; when it does
/// not name the host the request was sent to, another site made the browser post it.
pub(crate) fn cross_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, host)| host);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        _ => true,
    }
}

/// A form post from one of our pages, checked: it comes from this site (`Origin`), and when
/// the sender is signed in it carries the session's CSRF token (the hidden `csrf_token` field,
/// or the `X-CSRF-Token` header), which another site cannot know. The body must be an
/// ordinary form (`application/x-www-form-urlencoded`).
#[derive(Debug)]
pub(crate) struct FormPost {
    pub page: Page,
    pub who: Option<Authenticated>,
    pub fields: Params,
}

/// A form post by a signed-in user (see [`FormPost`]); anyone else is sent to the login page.
#[derive(Debug)]
pub(crate) struct SignedInPost {
    pub page: Page,
    pub who: Authenticated,
    pub fields: Params,
}

impl FromRequest<AppState> for SignedInPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let FormPost { page, who, fields } = FormPost::from_request(request, state).await?;
        match who {
            Some(who) => Ok(SignedInPost { page, who, fields }),
            None => Err(to_login(&page.path)),
        }
    }
}

/// What every post is checked for first: it comes from this site. The page it answers with, and
/// who sent it (when signed in).
async fn poster(parts: &mut Parts, state: &AppState) -> Result<(Page, Option<Authenticated>), Response> {
    let Ok(page) = Page::from_request_parts(parts, state).await;
    if cross_origin(&parts.headers) {
        return Err(refused(page, StatusCode::FORBIDDEN));
    }
    Ok((page, signed_in(parts, state).await))
}

impl FromRequest<AppState> for FormPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let (page, who) = poster(&mut parts, state).await?;
        // A form without a file is never that long: nothing of a cut one is taken.
        if parts.extensions.get::<crate::BodyCut>().is_some() {
            return Err(refused(page, StatusCode::PAYLOAD_TOO_LARGE));
        }
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        // The whole body has already been read under the size limit (`read_body_first`).
        let bytes = match axum::body::to_bytes(Body::new(body), usize::MAX).await {
            Ok(bytes) => bytes,
            Err(_) => return Err(refused(page, StatusCode::BAD_REQUEST)),
        };
        let fields = if is_form {
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
                Ok(pairs) => Params(pairs),
                Err(_) => return Err(refused(page, StatusCode::BAD_REQUEST)),
            }
        } else {
            Params::default()
        };
        if let Some(who) = &who
            && !csrf_holds(&parts.headers, fields.get(CSRF_FIELD), who)
        {
            return Err(refused(page, StatusCode::FORBIDDEN));
        }
        if !is_form {
            return Err(refused(page, StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let mut page = page;
        let kept = fields.0.iter().filter(|(name, _)| name != CSRF_FIELD).cloned().collect();
        page.posted = Some(crate::pages::Posted { action: parts.uri.path().to_owned(), fields: kept });
        Ok(FormPost { page, who, fields })
    }
}

/// The page answering a form post that is refused before it is read: a cross-site post or a
/// missing CSRF token (403), a body that is too long (413) or not a form (415 / 400).
pub(crate) fn refused(page: Page, status: StatusCode) -> Response {
    let t = page.t;
    let (title, message) = match status {
        StatusCode::FORBIDDEN => (t.csrf_title, t.csrf_failed),
        StatusCode::PAYLOAD_TOO_LARGE => (t.bad_request_title, t.body_too_large),
        _ => (t.bad_request_title, t.bad_request),
    };
    crate::error::error_response(&page, status, title, message)
}

/// The session's CSRF token was sent (the header, or the form's hidden field).
fn csrf_holds(headers: &HeaderMap, field: Option<&str>, who: &Authenticated) -> bool {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).or(field).unwrap_or("");
    constant_time_eq(sent.as_bytes(), who.session.csrf_token.as_bytes())
}

/// A file sent with a multipart form.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The form field it was sent in.
    pub field: String,
    /// The name the sender's machine gave it.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A multipart form post (a form with a file input), checked as [`FormPost`] is: from this
/// site, and with the session's CSRF token when the sender is signed in. Its text fields, and
/// its files; a file input left empty (an empty part with no name) is not among them.
#[derive(Debug)]
pub(crate) struct MultipartPost {
    pub page: Page,
    pub who: Option<Authenticated>,
    pub fields: Params,
    pub files: Vec<Upload>,
    /// The post was longer than its limit (a file too large): the fields before the cut are
    /// here, the file being sent when it came is not.
    pub too_large: Option<usize>,
}

impl MultipartPost {
    /// The first file sent in `field`, as (its name, its bytes).
    pub fn take_file(&mut self, field: &str) -> Option<(String, Vec<u8>)> {
        let i = self.files.iter().position(|f| f.field == field)?;
        let upload = self.files.remove(i);
        Some((upload.filename, upload.bytes))
    }
}

impl MultipartPost {
    /// A post cut for being too long, as the refusal its form shows: an error beside the file
    /// input `file_field`, naming the policy's limit per file. `None` for a post read whole.
    pub async fn too_large_refusal(&self, state: &AppState, file_field: &str) -> Option<skillbase_app::AppError> {
        let cut = self.too_large?;
        let today = state.app.clock.today();
        let limit =
            state.app.policy_in_force(today).await.map_or(cut as u64, |(_, policy)| policy.max_attachment_bytes());
        let message = self.page.t.file_too_large.replace("{mb}", &(limit / (1024 * 1024)).to_string());
        let error = skillbase_app::FieldError::new(file_field, "too_large", message);
        Some(skillbase_app::AppError::Fields(vec![error]))
    }
}

impl FromRequest<AppState> for MultipartPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let (page, who) = poster(&mut parts, state).await?;
        let cut = parts.extensions.get::<crate::BodyCut>().map(|cut| cut.limit);
        let headers = parts.headers.clone();
        let request = Request::from_parts(parts, body);
        let Ok(mut multipart) = axum::extract::Multipart::from_request(request, state).await else {
            return Err(refused(page, StatusCode::BAD_REQUEST));
        };
        let (mut fields, mut files) = (Vec::new(), Vec::new());
        // The body ends where a cut one was cut: what was read whole before it is kept.
        let broken =
            |page: &Page| if cut.is_some() { None } else { Some(refused(page.clone(), StatusCode::BAD_REQUEST)) };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => match broken(&page) {
                    Some(refusal) => return Err(refusal),
                    None => break,
                },
            };
            let name = field.name().unwrap_or_default().to_owned();
            let read = match field.file_name().map(str::to_owned) {
                Some(filename) => field.bytes().await.map(|bytes| {
                    // A browser sends an empty part when no file was chosen.
                    if !(filename.is_empty() && bytes.is_empty()) {
                        files.push(Upload { field: name, filename, bytes: bytes.to_vec() });
                    }
                }),
                None => field.text().await.map(|text| fields.push((name, text))),
            };
            if read.is_err() {
                match broken(&page) {
                    Some(refusal) => return Err(refusal),
                    None => break,
                }
            }
        }
        let fields = Params(fields);
        if let Some(who) = &who
            && !csrf_holds(&headers, fields.get(CSRF_FIELD), who)
        {
            return Err(refused(page, StatusCode::FORBIDDEN));
        }
        Ok(MultipartPost { page, who, fields, files, too_large: cut })
    }
}

/// A multipart form post by a signed-in user (see [`MultipartPost`]); anyone else is sent to
/// the login page.
#[derive(Debug)]
pub(crate) struct SignedInMultipart {
    pub page: Page,
    pub who: Authenticated,
    pub post: MultipartPost,
}

impl FromRequest<AppState> for SignedInMultipart {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let mut post = MultipartPost::from_request(request, state).await?;
        match post.who.take() {
            Some(who) => Ok(SignedInMultipart { page: post.page.clone(), who, post }),
            None => Err(to_login(&post.page.path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_local_paths_are_followed() {
        for good in ["/", "/account", "/account?tab=1", "/基地"] {
            assert_eq!(safe_next(Some(good)), Some(good));
        }
        for bad in ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "/a\nb", ""] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn a_post_from_another_site_is_recognised() {
        let headers = |origin: Option<&'static str>, host: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static(host));
            if let Some(origin) = origin {
                headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
            }
            headers
        };
        assert!(!cross_origin(&headers(None, "example.gov.cn")));
        assert!(!cross_origin(&headers(Some("https://example.gov.cn"), "example.gov.cn")));
        assert!(!cross_origin(&headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080")));
        assert!(cross_origin(&headers(Some("https://evil.example"), "example.gov.cn")));
        assert!(cross_origin(&headers(Some("http://127.0.0.1:9999"), "127.0.0.1:8080")));
        assert!(cross_origin(&headers(Some("null"), "example.gov.cn")));
    }
}
