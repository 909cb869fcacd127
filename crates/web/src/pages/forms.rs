//! What the HTML forms share: the signed-in user of a page, the checks every form post passes
//! (same origin; the session's CSRF token when signed in), the form body, and the fields as
//! the templates draw them (label, hint, error, value).

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use skillbase_app::FieldError;
use skillbase_app::auth::Authenticated;

use super::Page;
use crate::error::current_request_id;
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

/// `next` when it is a path on this site: it starts with one `/` (not `//`, which a browser
/// reads as another host), has no backslash (which some browsers read as a slash) and no
/// control character (a browser drops tabs and newlines, and a header cannot carry them).
/// The `aria-describedby` of the input `id`: its hint (`{id}-hint`) and its error
/// (`{id}-error`), each when shown.
pub(crate) fn described_by(id: &str, hint: bool, error: bool) -> String {
    match (hint, error) {
        (true, true) => format!("{id}-hint {id}-error"),
        (true, false) => format!("{id}-hint"),
        (false, true) => format!("{id}-error"),
        (false, false) => String::new(),
    }
}

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

impl FromRequest<AppState> for FormPost {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, state).await;
        if cross_origin(&parts.headers) {
            return Err(refused(page, StatusCode::FORBIDDEN));
        }
        let who = signed_in(&mut parts, state).await;
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
        if let Some(who) = &who {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .or_else(|| fields.get(CSRF_FIELD))
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), who.session.csrf_token.as_bytes()) {
                return Err(refused(page, StatusCode::FORBIDDEN));
            }
        }
        if !is_form {
            return Err(refused(page, StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        Ok(FormPost { page, who, fields })
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct RefusedPage<'a> {
    page: &'a Page,
    title: &'a str,
    message: &'a str,
    request_id: Option<String>,
}

/// The page answering a form post that is refused before it is read: a cross-site post or a
/// missing CSRF token (403), a body that is not a form (415 / 400).
pub(crate) fn refused(page: Page, status: StatusCode) -> Response {
    let t = page.t;
    let (title, message) = match status {
        StatusCode::FORBIDDEN => (t.csrf_title, t.csrf_failed),
        _ => (t.bad_request_title, t.bad_request),
    };
    let html = RefusedPage { page: &page, title, message, request_id: current_request_id() }.render();
    match html {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "refusal page failed to render");
            (status, message).into_response()
        }
    }
}

/// How a field is entered.
#[derive(Debug)]
pub(crate) enum Input {
    Text,
    Password,
    Email,
    Tel,
    Select(Vec<Choice>),
}

/// One option of a select.
#[derive(Debug)]
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One form field as drawn: `<label for="f-NAME">`, the hint, the error, the input named NAME.
#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    /// As typed (never set for passwords).
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
    /// The id of a message about the whole form that also describes this field.
    pub form_error: Option<&'static str>,
    pub required: bool,
    pub autocomplete: &'static str,
    pub inputmode: Option<&'static str>,
    pub maxlength: Option<u16>,
    /// Codes and usernames: no spelling check, and capitals as said here (`none`, `characters`).
    pub autocapitalize: Option<&'static str>,
    pub autofocus: bool,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, input: Input) -> Field {
        Field {
            name,
            label,
            input,
            value: String::new(),
            hint: None,
            error: None,
            form_error: None,
            required: true,
            autocomplete: "off",
            inputmode: None,
            maxlength: None,
            autocapitalize: None,
            autofocus: false,
        }
    }

    pub fn value(mut self, value: &str) -> Field {
        if !matches!(self.input, Input::Password) {
            self.value = value.to_owned();
            if let Input::Select(choices) = &mut self.input {
                for choice in choices {
                    choice.selected = choice.value == value;
                }
            }
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Field {
        self.autocomplete = autocomplete;
        self
    }

    pub fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub fn inputmode(mut self, inputmode: &'static str) -> Field {
        self.inputmode = Some(inputmode);
        self
    }

    pub fn maxlength(mut self, maxlength: u16) -> Field {
        self.maxlength = Some(maxlength);
        self
    }

    /// A code or a username: typed as is, `autocapitalize` as given.
    pub fn verbatim(mut self, autocapitalize: &'static str) -> Field {
        self.autocapitalize = Some(autocapitalize);
        self
    }

    pub fn id(&self) -> String {
        format!("f-{}", self.name.replace('_', "-"))
    }

    pub fn invalid(&self) -> bool {
        self.error.is_some() || self.form_error.is_some()
    }

    /// The ids for `aria-describedby`: the hint, the field's error, the form's error.
    pub fn described_by(&self) -> String {
        let mut ids = described_by(&self.id(), self.hint.is_some(), self.error.is_some());
        if let Some(form_error) = self.form_error {
            ids = if ids.is_empty() { form_error.to_owned() } else { format!("{ids} {form_error}") };
        }
        ids
    }

    pub fn has_description(&self) -> bool {
        self.hint.is_some() || self.invalid()
    }

    pub fn is_select(&self) -> bool {
        matches!(self.input, Input::Select(_))
    }

    pub fn choices(&self) -> &[Choice] {
        match &self.input {
            Input::Select(choices) => choices,
            _ => &[],
        }
    }

    pub fn input_type(&self) -> &'static str {
        match self.input {
            Input::Text | Input::Select(_) => "text",
            Input::Password => "password",
            Input::Email => "email",
            Input::Tel => "tel",
        }
    }
}

/// A titled group of fields (`<fieldset>` and `<legend>`).
#[derive(Debug)]
pub(crate) struct Group {
    pub legend: Option<&'static str>,
    pub fields: Vec<Field>,
}

/// A whole form: its groups of fields, and errors that belong to no field.
#[derive(Debug)]
pub(crate) struct Form {
    pub groups: Vec<Group>,
    pub errors: Vec<String>,
}

impl Form {
    pub fn new(groups: Vec<Group>) -> Form {
        Form { groups, errors: Vec::new() }
    }

    pub fn fields(&self) -> Vec<&Field> {
        self.groups.iter().flat_map(|g| g.fields.iter()).collect()
    }

    fn fields_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.groups.iter_mut().flat_map(|g| g.fields.iter_mut())
    }

    /// Gives the field `name` this error (its first one only), or the form if no field is
    /// called so.
    pub fn set_error(&mut self, name: &str, message: String) {
        if let Some(field) = self.fields_mut().find(|f| f.name == name) {
            field.error.get_or_insert(message);
            return;
        }
        self.errors.push(message);
    }

    /// The use case's field errors, in the page's language.
    pub fn set_errors(&mut self, t: &crate::i18n::Texts, errors: Vec<FieldError>) {
        for error in errors {
            self.set_error(&error.field, t.field_error(error.code, error.message));
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.fields().iter().any(|f| f.error.is_some())
    }

    /// Puts the cursor in the first field with an error (no script needed).
    pub fn focus_first_error(&mut self) {
        if let Some(field) = self.fields_mut().find(|f| f.error.is_some()) {
            field.autofocus = true;
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

    #[test]
    fn a_field_is_described_by_its_hint_and_errors() {
        let mut field = Field::new("contact_phone", "手机", Input::Tel).hint("11 位");
        assert_eq!(field.id(), "f-contact-phone");
        assert_eq!(field.described_by(), "f-contact-phone-hint");
        field.error = Some("错".to_owned());
        field.form_error = Some("form-error");
        assert_eq!(field.described_by(), "f-contact-phone-hint f-contact-phone-error form-error");
        let password = Field::new("password", "密码", Input::Password).value("secret");
        assert_eq!(password.value, "", "a password is never written back into the page");
    }
}
