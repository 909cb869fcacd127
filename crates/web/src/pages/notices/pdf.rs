//! The plaque as a one-page A4 landscape PDF, written by the kit's one PDF writer
//! (`kit::pdf`).

use pdf_writer::Content;

use super::*;
use crate::pages::kit::pdf::{A4_LANDSCAPE, Lines, Sheet, draw_qr};

/// What the PDF plaque shows.
pub(super) struct PdfPlaque<'a> {
    pub(super) issuer: &'a str,
    pub(super) title: &'a str,
    pub(super) name: &'a str,
    pub(super) number: &'a str,
    pub(super) date: &'a str,
    pub(super) url: &'a str,
    pub(super) signature: &'a str,
    pub(super) qr: (usize, &'a [QrRun]),
}

impl PdfPlaque<'_> {
    /// One A4 landscape page: the double red frame, the text centred, the QR code at the
    /// lower right.
    pub(super) fn render(&self) -> Vec<u8> {
        let (w, h) = A4_LANDSCAPE;
        // Frame and QR code: filled shapes.
        let mut content = Content::new();
        content.set_fill_rgb(0.69, 0.086, 0.11);
        content.rect(28.0, 28.0, w - 56.0, h - 56.0).set_line_width(6.0).set_stroke_rgb(0.69, 0.086, 0.11).stroke();
        content.rect(40.0, 40.0, w - 80.0, h - 80.0).set_line_width(1.5).stroke();
        let (qx, qy) = (w - 60.0 - 110.0, 70.0);
        draw_qr(&mut content, self.qr, (qx, qy, 110.0));

        // A long name is set smaller so that it stays inside the frame.
        let mut text = Lines::new(w, 160.0);
        let red = (0.69, 0.086, 0.11);
        let black = (0.0, 0.0, 0.0);
        text.line(self.issuer, 22.0, None, h - 120.0, black);
        text.line(self.title, 44.0, None, h - 215.0, red);
        text.line(self.name, 28.0, None, h - 300.0, black);
        text.line(&format!("牌匾编号：{}", self.number), 18.0, None, h - 360.0, black);
        text.line(&format!("认定日期：{}", self.date), 18.0, None, h - 392.0, black);
        text.line("扫码核验", 10.0, Some(qx + 35.0), qy - 14.0, black);
        text.line(&format!("核验：{}", self.url), 8.0, Some(60.0), 78.0, black);
        text.line(&format!("SM2 签名：{}", self.signature), 6.0, Some(60.0), 64.0, black);
        let title = format!("{} {}", self.number, self.name);
        Sheet { size: A4_LANDSCAPE, title: &title, subject: self.number, author: self.issuer }.render(content, text)
    }
}
