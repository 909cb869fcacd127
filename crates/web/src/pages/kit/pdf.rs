//! The one PDF writer of the pages' documents (the plaque, the skill certificate): one page of
//! any size written with `pdf-writer`, the Chinese text in the viewer's STSong-Light through
//! `UniGB-UCS2-H` (no font embedded), shapes drawn by the caller, and a QR code from
//! [`super::qr_runs`].

use pdf_writer::Content;

use super::QrRun;

/// A4 portrait, in points.
pub(crate) const A4_PORTRAIT: (f32, f32) = (595.28, 841.89);
/// A4 landscape, in points.
pub(crate) const A4_LANDSCAPE: (f32, f32) = (841.89, 595.28);

/// The advance widths (in 1/1000 em) of STSong-Light's proportional Latin glyphs, CIDs 1–95 of
/// Adobe-GB1, which `UniGB-UCS2-H` maps U+0020–U+007E to (the font's published metrics, as
/// viewers' built-in STSong-Light has them). `/W` must give these: with one width for all of
/// them (500, as before) a viewer drew each glyph at its own width but advanced by 500, so the
/// Latin text of a plaque — its number, the address — ran together or fell apart.
const LATIN_WIDTHS: [f32; 95] = [
    207.0, 270.0, 342.0, 467.0, 462.0, 797.0, 710.0, 239.0, 374.0, 374.0, 423.0, 605.0, 238.0, 375.0, 238.0, 334.0,
    462.0, 462.0, 462.0, 462.0, 462.0, 462.0, 462.0, 462.0, 462.0, 462.0, 238.0, 238.0, 605.0, 605.0, 605.0, 344.0,
    748.0, 684.0, 560.0, 695.0, 739.0, 563.0, 511.0, 729.0, 793.0, 318.0, 312.0, 666.0, 526.0, 896.0, 758.0, 772.0,
    544.0, 772.0, 628.0, 465.0, 607.0, 753.0, 711.0, 972.0, 647.0, 620.0, 607.0, 374.0, 333.0, 374.0, 606.0, 500.0,
    239.0, 417.0, 503.0, 427.0, 529.0, 415.0, 264.0, 444.0, 518.0, 241.0, 230.0, 495.0, 228.0, 793.0, 527.0, 524.0,
    524.0, 504.0, 338.0, 336.0, 277.0, 517.0, 450.0, 652.0, 466.0, 452.0, 407.0, 370.0, 258.0, 370.0, 605.0,
];

/// The advance of one character in 1/1000 em: a Latin glyph its own, anything else (CJK) a
/// square 1000.
fn advance(c: char) -> f32 {
    match u32::from(c).checked_sub(0x20).and_then(|i| usize::try_from(i).ok()).and_then(|i| LATIN_WIDTHS.get(i)) {
        Some(width) => *width,
        None => 1000.0,
    }
}

/// The width of `text` in the Adobe-GB1 font at `size` points, by the widths `/W` declares.
pub(crate) fn text_width(text: &str, size: f32) -> f32 {
    let units: f32 = text.chars().map(advance).sum();
    units * size / 1000.0
}

/// `text` as a PDF hex string of UCS-2 big-endian code units (the `UniGB-UCS2-H` encoding).
pub(crate) fn ucs2_hex(text: &str) -> String {
    let mut out = String::with_capacity(2 + text.len() * 4);
    out.push('<');
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// A colour as red, green, blue from 0 to 1.
pub(crate) type Rgb = (f32, f32, f32);

/// The text of a page: lines of the one font, each placed on its own.
#[derive(Debug)]
pub(crate) struct Lines {
    out: String,
    /// The widest a centred line may be (the page less its margins); a longer one is set
    /// smaller.
    measure: f32,
    page_width: f32,
}

impl Lines {
    pub(crate) fn new(page_width: f32, margins: f32) -> Lines {
        Lines { out: String::from("\nBT\n"), measure: page_width - margins, page_width }
    }

    /// A line of `text` at `size` points with its baseline at `y`: from `x`, or centred (and
    /// made smaller to stay within the measure) when `x` is `None`.
    pub(crate) fn line(&mut self, text: &str, size: f32, x: Option<f32>, y: f32, rgb: Rgb) {
        let size = if x.is_none() { size.min(self.measure / text_width(text, 1.0).max(1.0)) } else { size };
        let x = x.unwrap_or((self.page_width - text_width(text, size)) / 2.0);
        self.out.push_str(&format!(
            "{} {} {} rg /F1 {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm {} Tj\n",
            rgb.0,
            rgb.1,
            rgb.2,
            ucs2_hex(text)
        ));
    }

    fn finish(mut self) -> String {
        self.out.push_str("ET\n");
        self.out
    }
}

/// Draws a QR code's dark runs (`(size in modules, runs)`) as a `side`-point square with its
/// lower left corner at (`x`, `y`), on a white ground.
pub(crate) fn draw_qr(content: &mut Content, (size, runs): (usize, &[QrRun]), (x, y, side): (f32, f32, f32)) {
    let module = side / size as f32;
    content.set_fill_gray(1.0).rect(x, y, side, side).fill_nonzero();
    content.set_fill_gray(0.0);
    for run in runs {
        let rx = x + run.x as f32 * module;
        let ry = y + side - (run.y + 1) as f32 * module;
        content.rect(rx, ry, run.w as f32 * module, module);
    }
    content.fill_nonzero();
}

/// One page of `size` points with the document's title, subject and author.
#[derive(Debug)]
pub(crate) struct Sheet<'a> {
    pub(crate) size: (f32, f32),
    pub(crate) title: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) author: &'a str,
}

impl Sheet<'_> {
    /// The PDF: `shapes` drawn first, `lines` over them.
    pub(crate) fn render(&self, shapes: Content, lines: Lines) -> Vec<u8> {
        use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
        use pdf_writer::{Finish, Name, Pdf, Rect, Ref, Str, TextStr};

        let (w, h) = self.size;
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
        page.parent(tree).media_box(Rect::new(0.0, 0.0, w, h)).contents(content_id);
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
        cid.widths().consecutive(1, LATIN_WIDTHS);
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
            .title(TextStr(self.title))
            .subject(TextStr(self.subject))
            .author(TextStr(self.author))
            .producer(TextStr("skillbase"));

        let mut bytes = shapes.finish().as_slice().to_vec();
        bytes.extend_from_slice(lines.finish().as_bytes());
        pdf.stream(content_id, &bytes);
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_and_encoded_as_the_font_reads_it() {
        assert_eq!(ucs2_hex("青A"), "<97520041>");
        assert!((text_width("青A", 10.0) - 16.84).abs() < 1e-4);
        // Wide and narrow letters take their own room: "M" is almost four times "l".
        assert!((text_width("M", 1000.0) - 896.0).abs() < f32::EPSILON);
        assert!((text_width("l", 1000.0) - 228.0).abs() < f32::EPSILON);
        assert!((text_width("~", 1000.0) - 605.0).abs() < f32::EPSILON, "the last of the 95");
        let mut lines = Lines::new(100.0, 20.0);
        // Eight CJK characters at 20 pt would be 160 pt wide: set at 10 pt to fit 80.
        lines.line("一二三四五六七八", 20.0, None, 50.0, (0.0, 0.0, 0.0));
        let text = lines.finish();
        assert!(text.contains("/F1 10 Tf 1 0 0 1 10.00 50.00 Tm"), "{text}");
    }
}
