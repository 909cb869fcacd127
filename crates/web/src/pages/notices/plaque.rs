//! The plaque (牌匾) as a printable A4 landscape page with its QR code, and its PDF download.

use super::*;

// ---------------------------------------------------------------------------------------------
// 牌匾 (bureau and the base's own organisation)

#[derive(Template)]
#[template(path = "notices/plaque.html")]
pub(super) struct PlaquePage {
    pub(super) page: Page,
    pub(super) id: String,
    pub(super) issuer: &'static str,
    pub(super) title: &'static str,
    pub(super) name: String,
    pub(super) number: String,
    pub(super) date: String,
    pub(super) status: &'static str,
    pub(super) active: bool,
    pub(super) url: String,
    pub(super) qr_size: usize,
    pub(super) qr: Vec<QrRun>,
    pub(super) signature: String,
    pub(super) public_key: String,
}

/// `GET /bureau/bases/{id}/plaque`: the plaque as a printable A4 landscape page.
pub(super) async fn plaque(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = or_error_page!(state.app.plaque(&who, &id).await, page);
    let url = verify_url(&state, &headers, &p.base.number);
    let (qr_size, qr) = or_error_page!(qr_runs(&url), page);
    let template = PlaquePage {
        page: page.clone(),
        id,
        issuer: ISSUER,
        title: PLAQUE_TITLE,
        name: p.base.name.clone(),
        number: p.base.number.clone(),
        date: chinese_date(p.statement.recognised_on),
        status: p.base.status.label(),
        active: p.base.status == BaseStatus::Active,
        url,
        qr_size,
        qr,
        signature: p.signature.clone(),
        public_key: p.public_key.clone(),
    };
    respond(StatusCode::OK, &page, &template)
}

/// `GET /bureau/bases/{id}/plaque.pdf`: the same plaque as a one-page A4 landscape PDF.
pub(super) async fn plaque_pdf(
    State(state): State<AppState>,
    page: Page,
    Who(who): Who,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = or_error_page!(state.app.plaque(&who, &id).await, page);
    let url = verify_url(&state, &headers, &p.base.number);
    let (size, runs) = or_error_page!(qr_runs(&url), page);
    let sheet = PdfPlaque {
        issuer: ISSUER,
        title: PLAQUE_TITLE,
        name: &p.base.name,
        number: &p.base.number,
        date: &chinese_date(p.statement.recognised_on),
        url: &url,
        signature: &p.signature,
        qr: (size, &runs),
    };
    let bytes = sheet.render();
    download(bytes, "application/pdf", &format!("{}.pdf", p.base.number))
}
