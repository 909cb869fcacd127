//! QR codes drawn on the server as SVG from the `qrcode` crate's module matrix (no script, and
//! printable): the plaque's and the certificate's verification address, the authenticator's `otpauth://` key.

use axum::http::{HeaderMap, header};
use skillbase_app::AppError;

use crate::AppState;

/// The absolute address of the public verification page of `number` (a plaque's or a
/// certificate's): this request's host, over HTTPS when the platform is reached over TLS.
pub(crate) fn verify_url(state: &AppState, headers: &HeaderMap, number: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255)
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/verify/{number}")
}

/// A QR code's dark modules as runs of one row: (x, y, width), in modules, with the quiet zone.
#[derive(Debug)]
pub(crate) struct QrRun {
    pub(crate) x: usize,
    pub(crate) y: usize,
    pub(crate) w: usize,
}

/// The QR code of `text`: its size in modules (with a quiet zone of 4) and its dark runs.
pub(crate) fn qr_runs(text: &str) -> Result<(usize, Vec<QrRun>), AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let mut runs = Vec::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                runs.push(QrRun { x: start + quiet, y: y + quiet, w: x - start });
            } else {
                x += 1;
            }
        }
    }
    Ok((width + 2 * quiet, runs))
}
