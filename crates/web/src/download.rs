//! The one file-download response of the pages and the API: bytes as an `attachment` (never
//! rendered inline), with their type, a plain-ASCII `filename` and the real name in an RFC 6266
//! `filename*`, never cached.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `bytes` as a download named `name`. A name in plain ASCII letters, digits and `-._` is also
/// the `filename`; any other is `download` there, for clients that do not read `filename*`.
pub fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    // RFC 5987: everything but unreserved characters percent-encoded (a slash too).
    let encoded = crate::routes::url_escape(name).replace('/', "%2F");
    let fallback = if plain { name } else { "download" };
    let disposition = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// A stored upload as a download: the type sniffed when it was stored.
pub fn stored_file(kind: &str, display_name: &str, bytes: Vec<u8>) -> Response {
    let mime = skillbase_domain::attachment::FileKind::parse(kind).map_or("application/octet-stream", |k| k.mime());
    download(bytes, mime, display_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disposition(name: &str) -> String {
        download(Vec::new(), "application/pdf", name).headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .to_owned()
    }

    #[test]
    fn the_name_is_always_in_filename_star_and_plain_names_also_in_filename() {
        assert_eq!(
            disposition("QPJD-2024-001.pdf"),
            "attachment; filename=\"QPJD-2024-001.pdf\"; filename*=UTF-8''QPJD-2024-001.pdf"
        );
        assert_eq!(
            disposition("发票.pdf"),
            "attachment; filename=\"download\"; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"
        );
        assert_eq!(disposition("a/b.pdf"), "attachment; filename=\"download\"; filename*=UTF-8''a%2Fb.pdf");
        assert_eq!(disposition("a\"b\r\n.pdf"), "attachment; filename=\"download\"; filename*=UTF-8''a%22b%0D%0A.pdf");
    }
}
