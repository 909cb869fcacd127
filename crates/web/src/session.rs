//! Who is asking: the session cookie, the CSRF token of writes, the client's address.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use skillbase_app::auth::{Authenticated, RequestMeta};

use crate::AppState;
use crate::error::{ApiError, current_request_id};

/// The session cookie's name. Served over TLS it carries the `__Host-` prefix, which browsers
/// accept only from a secure origin, with `Path=/` and no `Domain` — so neither a sibling
/// subdomain nor a plain-HTTP page can plant or overwrite it (SEC-05).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-skillbase_session" } else { "skillbase_session" }
}

/// The session cookie's value in the request, if any.
pub fn session_token(headers: &axum::http::HeaderMap, secure: bool) -> Option<&str> {
    cookie_value(headers, session_cookie_name(secure)).filter(|t| !t.is_empty())
}
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of one cookie of the request.
pub fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// The `Set-Cookie` value that opens a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let name = session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes it.
pub fn clear_session_cookie(secure: bool) -> String {
    let name = session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// A signed-in user (any method). Requests without a valid session get 401.
#[derive(Debug)]
pub struct SignedIn(pub Authenticated);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Usually the policy check has already found the user.
        if let Some(who) = parts.extensions.get::<Authenticated>() {
            return Ok(SignedIn(who.clone()));
        }
        let Some(token) = session_token(&parts.headers, state.secure_cookies) else {
            return Err(unauthenticated());
        };
        match state.app.authenticate(token).await? {
            Some(who) => Ok(SignedIn(who)),
            None => Err(unauthenticated()),
        }
    }
}

fn unauthenticated() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录，或登录已过期")
}

/// The signed-in user if there is one (public pages and lists that show more to the bureau).
#[derive(Debug)]
pub struct MaybeSignedIn(pub Option<Authenticated>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeSignedIn(crate::pages::kit::signed_in(parts, state).await))
    }
}

/// A signed-in user making a change: the request must also carry the session's CSRF token in
/// `X-CSRF-Token`, which a cross-site form cannot know.
#[derive(Debug)]
pub struct SignedInWrite(pub Authenticated);

impl FromRequestParts<AppState> for SignedInWrite {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SignedIn(who) = SignedIn::from_request_parts(parts, state).await?;
        if who.via_token.is_some() {
            // A bearer token is not sent by browsers on their own: no cross-site forgery.
            return Ok(SignedInWrite(who));
        }
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), who.session.csrf_token.as_bytes()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "请求缺少有效的 CSRF 令牌，请刷新页面后重试",
            ));
        }
        Ok(SignedInWrite(who))
    }
}

/// Compares two secrets without an early exit on the first differing byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address as the policy guard determined it (see [`client_ip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client's address: the peer's, unless the peer is a trusted proxy (the gateway), in
/// which case the last `X-Forwarded-For` entry not itself a trusted proxy. A client cannot
/// choose the address the audit trail records by sending the header itself (SEC-34).
pub fn client_ip(headers: &axum::http::HeaderMap, peer: Option<IpAddr>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer))
}

/// The client's address and the request id, for the audit trail.
#[derive(Debug)]
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let client_ip = match parts.extensions.get::<ClientIp>() {
            Some(ClientIp(ip)) => Some(ip.to_string()),
            None => parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string()),
        };
        Ok(Meta(RequestMeta { client_ip, request_id: current_request_id() }))
    }
}

/// A JSON body; anything else is a 400/415 problem with a stable code.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体应为 JSON（Content-Type: application/json）",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("请求体字段不正确：{}", e.body_text()),
            )),
            Err(JsonRejection::BytesRejection(_)) => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "请求体过大"))
            }
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", "请求体不是有效的 JSON")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{client_ip, constant_time_eq};
    use std::net::IpAddr;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let gateway: IpAddr = [10, 0, 0, 1].into();
        let client: IpAddr = [203, 0, 113, 7].into();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.1, 203.0.113.7".parse().expect("header"));
        // From the gateway: the right-most address the gateway saw.
        assert_eq!(client_ip(&headers, Some(gateway), &[gateway]), Some(client));
        // From anyone else: the header is ignored.
        assert_eq!(client_ip(&headers, Some(client), &[gateway]), Some(client));
        let spoofer: IpAddr = [192, 0, 2, 9].into();
        assert_eq!(client_ip(&headers, Some(spoofer), &[]), Some(spoofer));
        // A trusted peer without the header is the client itself.
        assert_eq!(client_ip(&axum::http::HeaderMap::new(), Some(gateway), &[gateway]), Some(gateway));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
