//! The plaque as a one-page A4 landscape PDF written with `pdf-writer`, in the viewer's
//! STSong-Light through `UniGB-UCS2-H` (no font embedded).

use super::*;

// ---------------------------------------------------------------------------------------------
// The plaque as PDF: one A4 landscape page written with pdf-writer

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

/// The width of `text` in the Adobe-GB1 font at `size` points: CJK glyphs are square, the
/// proportional Latin ones (CIDs 1–95) are given 500/1000 in `/W`.
pub(super) fn text_width(text: &str, size: f32) -> f32 {
    let units: f32 = text.chars().map(|c| if c.is_ascii() { 500.0 } else { 1000.0 }).sum();
    units * size / 1000.0
}

/// `text` as a PDF hex string of UCS-2 big-endian code units (the `UniGB-UCS2-H` encoding).
pub(super) fn ucs2_hex(text: &str) -> String {
    let mut out = String::with_capacity(2 + text.len() * 4);
    out.push('<');
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

impl PdfPlaque<'_> {
    /// One A4 landscape page; Chinese text in the viewer's STSong-Light (Adobe-GB1), not
    /// embedded.
    pub(super) fn render(&self) -> Vec<u8> {
        use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
        use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

        const W: f32 = 841.89;
        const H: f32 = 595.28;
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let page_id = Ref::new(3);
        let font = Ref::new(4);
        let cid_font = Ref::new(5);
        let descriptor = Ref::new(6);
        let content_id = Ref::new(7);
        let info = Ref::new(8);
        let font_name = Name(b"F1");

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids([page_id]).count(1);
        let mut page = pdf.page(page_id);
        page.parent(tree).media_box(Rect::new(0.0, 0.0, W, H)).contents(content_id);
        page.resources().fonts().pair(font_name, font);
        page.finish();
        pdf.type0_font(font)
            .base_font(Name(b"STSong-Light"))
            .encoding_predefined(Name(b"UniGB-UCS2-H"))
            .descendant_font(cid_font);
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type0)
            .base_font(Name(b"STSong-Light"))
            .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"GB1"), supplement: 2 })
            .font_descriptor(descriptor)
            .default_width(1000.0);
        cid.widths().same(1, 95, 500.0);
        cid.finish();
        pdf.font_descriptor(descriptor)
            .name(Name(b"STSong-Light"))
            .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
            .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
            .italic_angle(0.0)
            .ascent(880.0)
            .descent(-120.0)
            .cap_height(880.0)
            .stem_v(93.0);
        pdf.document_info(info)
            .title(TextStr(&format!("{} {}", self.number, self.name)))
            .subject(TextStr(self.number))
            .author(TextStr(self.issuer))
            .producer(TextStr("skillbase"));

        // Frame and QR code: filled shapes.
        let mut content = Content::new();
        content.set_fill_rgb(0.69, 0.086, 0.11);
        content.rect(28.0, 28.0, W - 56.0, H - 56.0).set_line_width(6.0).set_stroke_rgb(0.69, 0.086, 0.11).stroke();
        content.rect(40.0, 40.0, W - 80.0, H - 80.0).set_line_width(1.5).stroke();
        let (size, runs) = self.qr;
        let module = 110.0 / size as f32;
        let (qx, qy) = (W - 60.0 - 110.0, 70.0);
        content.set_fill_gray(1.0).rect(qx, qy, 110.0, 110.0).fill_nonzero();
        content.set_fill_gray(0.0);
        for run in runs {
            let x = qx + run.x as f32 * module;
            let y = qy + 110.0 - (run.y + 1) as f32 * module;
            content.rect(x, y, run.w as f32 * module, module);
        }
        content.fill_nonzero();
        let mut bytes = content.finish().as_slice().to_vec();

        // Text: hex strings of UCS-2 code units, each line placed on its own.
        let mut text = String::from("\nBT\n");
        let mut line = |s: &str, size: f32, x: Option<f32>, y: f32, rgb: (f32, f32, f32)| {
            // A long name is set smaller so that it stays inside the frame.
            let size = if x.is_none() { size.min((W - 160.0) / text_width(s, 1.0).max(1.0)) } else { size };
            let x = x.unwrap_or((W - text_width(s, size)) / 2.0);
            text.push_str(&format!(
                "{} {} {} rg /F1 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm {} Tj\n",
                rgb.0,
                rgb.1,
                rgb.2,
                ucs2_hex(s)
            ));
        };
        let red = (0.69, 0.086, 0.11);
        let black = (0.0, 0.0, 0.0);
        line(self.issuer, 22.0, None, H - 120.0, black);
        line(self.title, 44.0, None, H - 215.0, red);
        line(self.name, 28.0, None, H - 300.0, black);
        line(&format!("牌匾编号：{}", self.number), 18.0, None, H - 360.0, black);
        line(&format!("认定日期：{}", self.date), 18.0, None, H - 392.0, black);
        line("扫码核验", 10.0, Some(qx + 35.0), qy - 14.0, black);
        line(&format!("核验：{}", self.url), 8.0, Some(60.0), 78.0, black);
        line(&format!("SM2 签名：{}", self.signature), 6.0, Some(60.0), 64.0, black);
        text.push_str("ET\n");
        bytes.extend_from_slice(text.as_bytes());
        pdf.stream(content_id, &bytes);
        pdf.finish()
    }
}
