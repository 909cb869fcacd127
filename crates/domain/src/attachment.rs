//! Uploaded files: what they are (sniffed from their content), whether they may be kept, and the
//! name they are shown under (PRODUCT.md §5; QUALITY.md SEC-19, SEC-20, SEC-21).
//!
//! The type of a file is decided by its bytes, never by its name or by the `Content-Type` the
//! browser sent: [`sniff`] recognises the four kinds the platform accepts (PDF, JPEG, PNG, XLSX)
//! from their signatures, and [`check_upload`] additionally requires the file name's extension to
//! agree, so a renamed program (`x.exe` → `x.pdf`) or a web page saved as `x.png` is refused.
//!
//! An XLSX file is a zip archive. Before it is recognised, its central directory is read (no
//! entry is decompressed) and the archive is refused if it has too many entries, declares too
//! much uncompressed data, or an entry compresses suspiciously well — the signature of a zip
//! bomb (SEC-20). Those declared sizes are what a well-formed archive promises; whoever later
//! parses the workbook must still bound what it actually inflates.
//!
//! The user's file name is kept only for display ([`Upload::display_name`]): any directory part,
//! control characters (CR, LF, NUL …), invisible direction and zero-width characters and leading
//! dots are removed and the length is capped. Files themselves are stored under their content
//! hash ([`content_address`]), never under a name the user chose (SEC-21).

use std::fmt;
use std::io::Cursor;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of file the platform accepts (SEC-19's allowlist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Xlsx,
}

impl FileKind {
    pub const ALL: [FileKind; 4] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png, FileKind::Xlsx];

    /// The stored spelling (TEXT column), identical to the serde spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Xlsx => "xlsx",
        }
    }

    /// The inverse of [`FileKind::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|kind| kind.as_str() == s)
    }

    /// The media type to serve the file with (always together with `nosniff`).
    #[must_use]
    pub const fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file-name extensions (lower case, without the dot) that this kind may carry.
    #[must_use]
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Xlsx => &["xlsx"],
        }
    }

    /// The usual extension (lower case, without the dot).
    #[must_use]
    pub const fn extension(self) -> &'static str {
        self.extensions()[0]
    }

    /// What users call it.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF 文档",
            FileKind::Jpeg => "JPG 图片",
            FileKind::Png => "PNG 图片",
            FileKind::Xlsx => "Excel 表格（XLSX）",
        }
    }

    /// Whether `extension` (without the dot, any case) is one this kind may carry.
    #[must_use]
    pub fn accepts_extension(self, extension: &str) -> bool {
        self.extensions().iter().any(|known| known.eq_ignore_ascii_case(extension))
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an upload is refused. The messages are for the person uploading; [`UploadError::code`] is
/// the stable code of the API's problem+json answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Zero bytes.
    #[error("文件是空的，请重新选择文件")]
    Empty,
    /// More bytes than allowed.
    #[error("文件过大，单个文件不能超过 {} MB", mb(.limit_bytes))]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit_bytes: u64,
    },
    /// The content is none of the accepted kinds (whatever the name says).
    #[error("只能上传 PDF、JPG、PNG 或 XLSX 文件（按文件内容识别，改扩展名无效）")]
    TypeNotAllowed,
    /// The content is an accepted kind, but the file name says otherwise.
    #[error("文件内容是{}，文件名应以 .{} 结尾，请确认选择的文件是否正确", .sniffed.label(), .sniffed.extension())]
    TypeMismatch {
        /// What the content is.
        sniffed: FileKind,
    },
    /// A spreadsheet that would unpack to too much (a zip bomb, or simply far too big).
    #[error("表格文件解压后过大或压缩比异常，已拒绝；请删除多余内容后另存为普通 XLSX 文件再上传")]
    ArchiveTooLarge,
}

impl UploadError {
    /// A stable machine-readable code for this error (API problem+json, logs, field errors).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            UploadError::Empty => "empty",
            UploadError::TooLarge { .. } => "too_large",
            UploadError::TypeNotAllowed => "type_not_allowed",
            UploadError::TypeMismatch { .. } => "type_mismatch",
            UploadError::ArchiveTooLarge => "archive_too_large",
        }
    }
}

/// `bytes` in MB (MiB) for a message: a whole number when exact, else one decimal.
fn mb(bytes: &u64) -> String {
    const MIB: u64 = 1024 * 1024;
    let bytes = *bytes;
    if bytes.is_multiple_of(MIB) {
        (bytes / MIB).to_string()
    } else {
        // Display only: the precision of f64 is more than enough for one decimal.
        let value = bytes as f64 / MIB as f64;
        format!("{value:.1}")
    }
}

/// An upload that passed [`check_upload`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// What the content is.
    pub kind: FileKind,
    /// Its length in bytes.
    pub size: u64,
    /// The user's file name made safe to show: no directories, no control or invisible
    /// characters, no leading dots, at most [`MAX_DISPLAY_NAME_CHARS`] characters, never empty,
    /// ending with an extension that [`Upload::kind`] accepts.
    pub display_name: String,
}

/// The longest display name kept, in characters (extension included).
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

/// The limits applied to an XLSX (zip) archive before it is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ZipLimits {
    /// At most this many entries.
    pub max_entries: usize,
    /// At most this many uncompressed bytes, summed over the entries as declared.
    pub max_total_uncompressed: u64,
    /// No entry larger than `ratio_grace_bytes` may declare more than this many uncompressed
    /// bytes per compressed byte.
    pub max_ratio: u64,
    /// Entries up to this uncompressed size are exempt from the ratio check (small XML parts
    /// compress very well and cannot hurt).
    pub ratio_grace_bytes: u64,
}

impl ZipLimits {
    /// Generous for any real workbook a base uploads; far below what would hurt the server.
    pub(crate) const DEFAULT: ZipLimits = ZipLimits {
        max_entries: 10_000,
        max_total_uncompressed: 200 * 1024 * 1024,
        // Apache POI's ZipSecureFile refuses below an inflate ratio of 0.01, i.e. above 100:1.
        max_ratio: 100,
        ratio_grace_bytes: 1024 * 1024,
    };
}

const PDF_MAGIC: &[u8] = b"%PDF-";
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// A PNG's first chunk must be IHDR, 13 bytes long.
const PNG_IHDR: &[u8] = &[0, 0, 0, 13, b'I', b'H', b'D', b'R'];
/// A zip archive starting with a local file header (an empty zip starts with `PK\x05\x06` and is
/// no workbook).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// What `bytes` are, from their content alone.
///
/// # Errors
///
/// [`UploadError::Empty`] for no bytes, [`UploadError::ArchiveTooLarge`] for a zip that is a
/// bomb or unpacks to too much, [`UploadError::TypeNotAllowed`] for anything else that is not a
/// PDF, JPEG, PNG or XLSX file (programs, web pages, other archives, macro-enabled workbooks).
pub fn sniff(bytes: &[u8]) -> Result<FileKind, UploadError> {
    sniff_with(bytes, ZipLimits::DEFAULT)
}

pub(crate) fn sniff_with(bytes: &[u8], limits: ZipLimits) -> Result<FileKind, UploadError> {
    if bytes.is_empty() {
        Err(UploadError::Empty)
    } else if bytes.starts_with(PDF_MAGIC) {
        Ok(FileKind::Pdf)
    } else if bytes.starts_with(JPEG_MAGIC) {
        Ok(FileKind::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        if bytes[PNG_MAGIC.len()..].starts_with(PNG_IHDR) {
            Ok(FileKind::Png)
        } else {
            Err(UploadError::TypeNotAllowed)
        }
    } else if bytes.starts_with(ZIP_MAGIC) {
        check_xlsx(bytes, limits).map(|()| FileKind::Xlsx)
    } else {
        Err(UploadError::TypeNotAllowed)
    }
}

/// Reads the zip's central directory only (nothing is inflated) and decides whether it is a
/// workbook that may be kept.
fn check_xlsx(bytes: &[u8], limits: ZipLimits) -> Result<(), UploadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| UploadError::TypeNotAllowed)?;
    if archive.len() > limits.max_entries {
        return Err(UploadError::ArchiveTooLarge);
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(|_| UploadError::TypeNotAllowed)?;
        if entry.encrypted() {
            return Err(UploadError::TypeNotAllowed);
        }
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limits.max_total_uncompressed {
            return Err(UploadError::ArchiveTooLarge);
        }
        if size > limits.ratio_grace_bytes && size / entry.compressed_size().max(1) > limits.max_ratio {
            return Err(UploadError::ArchiveTooLarge);
        }
    }
    let names: Vec<&[u8]> = archive.file_names_raw().collect();
    let has = |wanted: &str| names.iter().any(|name| name.eq_ignore_ascii_case(wanted.as_bytes()));
    if !has("[Content_Types].xml") || !has("xl/workbook.xml") {
        // Any other zip (a plain archive, a Word document, an OpenDocument sheet …).
        return Err(UploadError::TypeNotAllowed);
    }
    if has("xl/vbaProject.bin") {
        // A macro-enabled workbook (.xlsm) renamed to .xlsx.
        return Err(UploadError::TypeNotAllowed);
    }
    Ok(())
}

/// Text that a spreadsheet cannot take for a formula (QUALITY.md SEC-23): text starting with
/// `= + - @`, a tab or a carriage return is prefixed with an apostrophe, so a value such as
/// `=HYPERLINK(…)` written into a workbook stays inert text even after being copied elsewhere.
/// Every workbook the platform writes (exports, roster templates and reports) passes its text
/// cells through this.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Checks an upload: first its size (`max_bytes`), then its content, then that the file name's
/// extension agrees with the content.
///
/// # Errors
///
/// See [`UploadError`]; `limit + 1` bytes is [`UploadError::TooLarge`], a program named `x.pdf`
/// is [`UploadError::TypeNotAllowed`], a PNG named `x.pdf` is [`UploadError::TypeMismatch`].
pub fn check_upload(filename: &str, bytes: &[u8], max_bytes: u64) -> Result<Upload, UploadError> {
    check_upload_with(filename, bytes, max_bytes, ZipLimits::DEFAULT)
}

pub(crate) fn check_upload_with(
    filename: &str,
    bytes: &[u8],
    max_bytes: u64,
    limits: ZipLimits,
) -> Result<Upload, UploadError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > max_bytes {
        return Err(UploadError::TooLarge { limit_bytes: max_bytes });
    }
    let kind = sniff_with(bytes, limits)?;
    let name = SafeName::from_raw(filename);
    match &name.extension {
        Some(extension) if kind.accepts_extension(extension) => {}
        _ => return Err(UploadError::TypeMismatch { sniffed: kind }),
    }
    Ok(Upload { kind, size, display_name: name.display(kind) })
}

/// The user's file name, split and cleaned.
#[derive(Debug)]
struct SafeName {
    stem: String,
    /// The text after the last dot, if it looks like an extension.
    extension: Option<String>,
}

/// The longest text after the last dot that is taken as an extension.
const MAX_EXTENSION_CHARS: usize = 10;

impl SafeName {
    fn from_raw(raw: &str) -> SafeName {
        // The last path component, whichever separator the client's system uses.
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = base.chars().filter(|&c| !is_unsafe_char(c)).collect();
        let cleaned = cleaned.trim().trim_end_matches(['.', ' ']);
        let (stem, extension) = match cleaned.rsplit_once('.') {
            Some((stem, extension))
                if !extension.is_empty()
                    && extension.chars().count() <= MAX_EXTENSION_CHARS
                    && extension.chars().all(|c| c.is_alphanumeric()) =>
            {
                (stem, Some(extension.to_owned()))
            }
            _ => (cleaned, None),
        };
        let stem = stem.trim_start_matches(|c: char| c == '.' || c.is_whitespace()).trim_end();
        SafeName { stem: stem.to_owned(), extension }
    }

    /// `stem.extension`, capped at [`MAX_DISPLAY_NAME_CHARS`]; "附件" when the stem is empty.
    fn display(&self, kind: FileKind) -> String {
        let extension = self.extension.as_deref().unwrap_or(kind.extension());
        let room = MAX_DISPLAY_NAME_CHARS - 1 - extension.chars().count();
        let stem: String = self.stem.chars().take(room).collect();
        let stem = stem.trim_end();
        let stem = if stem.is_empty() { "附件" } else { stem };
        format!("{stem}.{extension}")
    }
}

/// Characters never kept in a display name: control characters (CR, LF, NUL, DEL, C1) and the
/// invisible ones that reorder or hide text (`gpj.exe` shown as `exe.jpg`).
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2069}' // word joiner, invisible operators, bidi isolates
            | '\u{FEFF}' // BOM / zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
            | '\u{061C}' // Arabic letter mark
        )
}

/// The SM3 hash of a file's content, 64 lower-case hex digits: the name it is stored under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(String);

impl ContentHash {
    /// Exactly 64 lower-case hex digits, or `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<ContentHash> {
        let valid = s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| ContentHash(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ContentHash::parse(&s).ok_or_else(|| serde::de::Error::custom("not an SM3 content hash (64 lower-case hex)"))
    }
}

/// The content address of `bytes`: their SM3 hash.
#[must_use]
pub fn content_address(bytes: &[u8]) -> ContentHash {
    ContentHash(crate::audit::sm3_hex(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;

    const MB: u64 = 1024 * 1024;

    fn pdf() -> Vec<u8> {
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
    }

    fn jpeg() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0");
        bytes.extend_from_slice(&[0x01, 0x01, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9]);
        bytes
    }

    fn png() -> Vec<u8> {
        let mut bytes = PNG_MAGIC.to_vec();
        bytes.extend_from_slice(PNG_IHDR);
        // 1×1, 8-bit greyscale, then the CRC (not checked by sniffing).
        bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        bytes.extend_from_slice(&[0x3A, 0x7E, 0x9B, 0x55]);
        bytes
    }

    fn xlsx() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().write_string(0, 0, "青浦区").unwrap();
        workbook.save_to_buffer().unwrap()
    }

    /// A zip holding `entries` (name, content), deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    const WORKBOOK_PARTS: [(&str, &[u8]); 2] =
        [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")];

    #[test]
    fn each_kind_is_sniffed() {
        assert_eq!(sniff(&pdf()), Ok(FileKind::Pdf));
        assert_eq!(sniff(&jpeg()), Ok(FileKind::Jpeg));
        assert_eq!(sniff(&png()), Ok(FileKind::Png));
        assert_eq!(sniff(&xlsx()), Ok(FileKind::Xlsx));
    }

    #[test]
    fn each_kind_passes_with_its_extensions() {
        let cases = [
            ("申报书.pdf", pdf(), FileKind::Pdf),
            ("照片.JPG", jpeg(), FileKind::Jpeg),
            ("照片.jpeg", jpeg(), FileKind::Jpeg),
            ("营业执照.png", png(), FileKind::Png),
            ("学员名单.XLSX", xlsx(), FileKind::Xlsx),
        ];
        for (name, bytes, kind) in cases {
            let upload = check_upload(name, &bytes, 10 * MB).unwrap();
            assert_eq!(upload.kind, kind);
            assert_eq!(upload.size, bytes.len() as u64);
            assert_eq!(upload.display_name, name);
        }
    }

    #[test]
    fn kind_spellings_round_trip() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::json!(kind.as_str()));
            assert!(kind.accepts_extension(kind.extension()));
            assert!(!kind.label().is_empty());
        }
        assert_eq!(FileKind::parse("exe"), None);
        assert_eq!(FileKind::Xlsx.mime(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }

    #[test]
    fn a_program_renamed_to_pdf_is_refused() {
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00".to_vec();
        exe.extend_from_slice(b"This program cannot be run in DOS mode.");
        let err = check_upload("x.pdf", &exe, 10 * MB).unwrap_err();
        assert_eq!(err.code(), "type_not_allowed");
    }

    #[test]
    fn html_named_pdf_or_png_is_refused() {
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        assert_eq!(check_upload("x.pdf", html, 10 * MB).unwrap_err().code(), "type_not_allowed");
        assert_eq!(check_upload("x.png", html, 10 * MB).unwrap_err().code(), "type_not_allowed");
        // Leading whitespace does not make it a PDF either.
        let mut padded = b" ".to_vec();
        padded.extend_from_slice(&pdf());
        assert_eq!(sniff(&padded), Err(UploadError::TypeNotAllowed));
    }

    #[test]
    fn an_accepted_kind_under_another_extension_is_a_mismatch() {
        let err = check_upload("x.pdf", &png(), 10 * MB).unwrap_err();
        assert_eq!(err, UploadError::TypeMismatch { sniffed: FileKind::Png });
        assert_eq!(err.code(), "type_mismatch");
        assert!(err.to_string().contains(".png"), "{err}");
        for name in ["x", "x.", "pdf", "x.pdf.exe", "x.png"] {
            assert_eq!(check_upload(name, &pdf(), 10 * MB).unwrap_err().code(), "type_mismatch", "{name}");
        }
    }

    #[test]
    fn empty_is_refused() {
        assert_eq!(sniff(&[]), Err(UploadError::Empty));
        let err = check_upload("x.pdf", &[], 10 * MB).unwrap_err();
        assert_eq!(err.code(), "empty");
    }

    #[test]
    fn the_size_limit_is_checked_first_and_inclusive() {
        let mut bytes = pdf();
        bytes.resize(1000, b' ');
        assert!(check_upload("x.pdf", &bytes, 1000).is_ok());
        bytes.push(b' ');
        let err = check_upload("x.pdf", &bytes, 1000).unwrap_err();
        assert_eq!(err, UploadError::TooLarge { limit_bytes: 1000 });
        assert_eq!(err.code(), "too_large");
        // Size before type: an oversized program is "too large", not "not allowed".
        assert_eq!(check_upload("x.exe", b"MZ\x90\x00", 3).unwrap_err().code(), "too_large");
        let message = UploadError::TooLarge { limit_bytes: 20 * MB }.to_string();
        assert!(message.contains("20 MB"), "{message}");
        let message = UploadError::TooLarge { limit_bytes: MB + MB / 2 }.to_string();
        assert!(message.contains("1.5 MB"), "{message}");
    }

    #[test]
    fn other_archives_and_signatures_are_refused() {
        let plain = zip_of(&[("readme.txt", b"hello")]);
        assert_eq!(sniff(&plain), Err(UploadError::TypeNotAllowed));
        let docx = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<document/>")]);
        assert_eq!(sniff(&docx), Err(UploadError::TypeNotAllowed));
        let mut xlsm = WORKBOOK_PARTS.to_vec();
        xlsm.push(("xl/vbaProject.bin", b"\xD0\xCF\x11\xE0"));
        assert_eq!(sniff(&zip_of(&xlsm)), Err(UploadError::TypeNotAllowed));
        assert_eq!(sniff(&zip_of(&WORKBOOK_PARTS)), Ok(FileKind::Xlsx));
        // An empty zip, a truncated zip, a PNG signature without its header chunk, a GIF.
        assert_eq!(sniff(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), Err(UploadError::TypeNotAllowed));
        let workbook = xlsx();
        assert_eq!(sniff(&workbook[..workbook.len() / 2]), Err(UploadError::TypeNotAllowed));
        assert_eq!(sniff(PNG_MAGIC), Err(UploadError::TypeNotAllowed));
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), Err(UploadError::TypeNotAllowed));
    }

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"http://x\",\"y\")"), "'=HYPERLINK(\"http://x\",\"y\")");
        for risky in ["+1", "-1+2", "@SUM(A1)", "\tcmd", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(neutralise("青浦区"), "青浦区");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn a_zip_bomb_is_refused_without_inflating_it() {
        // 4 MiB of zeros deflate to a few KiB: a ratio of about 1000:1.
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let mut parts = WORKBOOK_PARTS.to_vec();
        parts.push(("xl/worksheets/sheet1.xml", &zeros));
        let bomb = zip_of(&parts);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let err = check_upload("名单.xlsx", &bomb, 10 * MB).unwrap_err();
        assert_eq!(err, UploadError::ArchiveTooLarge);
        assert_eq!(err.code(), "archive_too_large");
    }

    #[test]
    fn the_archive_caps_apply() {
        let data = vec![b'a'; 10_000];
        let mut parts = WORKBOOK_PARTS.to_vec();
        parts.push(("xl/worksheets/sheet1.xml", &data));
        let workbook = zip_of(&parts);
        let tiny =
            ZipLimits { max_entries: 3, max_total_uncompressed: 20_000, max_ratio: 100, ratio_grace_bytes: 20_000 };
        assert_eq!(sniff_with(&workbook, tiny), Ok(FileKind::Xlsx));
        // Total declared size.
        let limits = ZipLimits { max_total_uncompressed: 9_999, ..tiny };
        assert_eq!(sniff_with(&workbook, limits), Err(UploadError::ArchiveTooLarge));
        // Entry count.
        let limits = ZipLimits { max_entries: 2, ..tiny };
        assert_eq!(sniff_with(&workbook, limits), Err(UploadError::ArchiveTooLarge));
        // Compression ratio (10 000 'a's deflate to a few dozen bytes), once past the grace size.
        let limits = ZipLimits { ratio_grace_bytes: 1_000, ..tiny };
        assert_eq!(check_upload_with("x.xlsx", &workbook, MB, limits).unwrap_err().code(), "archive_too_large");
    }

    #[test]
    fn display_names_lose_paths_and_control_characters() {
        let name = |raw: &str| check_upload(raw, &pdf(), MB).unwrap().display_name;
        assert_eq!(name("../../x.pdf"), "x.pdf");
        assert_eq!(name("/etc/passwd/x.pdf"), "x.pdf");
        assert_eq!(name(r"C:\a\b.pdf"), "b.pdf");
        assert_eq!(name("..\\..\\申报 材料.pdf"), "申报 材料.pdf");
        assert_eq!(name("a\r\nSet-Cookie:x.pdf"), "aSet-Cookie:x.pdf");
        assert_eq!(name("a\0b.pdf"), "ab.pdf");
        assert_eq!(name("...hidden.pdf"), "hidden.pdf");
        assert_eq!(name(" .pdf"), "附件.pdf");
        assert_eq!(name("../.pdf"), "附件.pdf");
        assert_eq!(name("x.pdf. "), "x.pdf");
        // A right-to-left override cannot make "fdp.exe" look like something else.
        assert_eq!(name("a\u{202E}fdp.pdf"), "afdp.pdf");
        assert_eq!(name("\u{FEFF}\u{200B}报告.PDF"), "报告.PDF");
    }

    #[test]
    fn long_display_names_keep_their_extension() {
        let long = format!("{}.pdf", "很长的名字".repeat(60));
        let name = check_upload(&long, &pdf(), MB).unwrap().display_name;
        assert_eq!(name.chars().count(), MAX_DISPLAY_NAME_CHARS);
        assert!(name.ends_with(".pdf"));
        assert!(name.starts_with("很长的名字"));
    }

    #[test]
    fn content_hashes() {
        // GB/T 32905-2016 example 1: SM3("abc").
        let hash = content_address(b"abc");
        assert_eq!(hash.as_str(), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assert_eq!(ContentHash::parse(hash.as_str()), Some(hash.clone()));
        assert_eq!(hash.to_string(), hash.as_str());
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(serde_json::from_str::<ContentHash>(&json).unwrap(), hash);
        for bad in ["", "abc", &hash.as_str().to_uppercase(), &format!("{}0", hash.as_str()), &"g".repeat(64)] {
            assert_eq!(ContentHash::parse(bad), None, "{bad}");
        }
        assert!(serde_json::from_str::<ContentHash>("\"../../etc/passwd\"").is_err());
    }

    fn any_name() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[./\\\\\r\n\0 a-z\u{202E}\u{4E00}]{0,40}(\\.(pdf|PDF|png|jpg|xlsx|exe))?",
            "[^/]{100,300}\\.pdf",
        ]
    }

    fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
        let prefix = prop_oneof![
            Just(Vec::new()),
            Just(PDF_MAGIC.to_vec()),
            Just(JPEG_MAGIC.to_vec()),
            Just(PNG_MAGIC.to_vec()),
            Just([PNG_MAGIC, PNG_IHDR].concat()),
            Just(ZIP_MAGIC.to_vec()),
        ];
        (prefix, proptest::collection::vec(any::<u8>(), 0..512)).prop_map(|(mut prefix, rest)| {
            prefix.extend(rest);
            prefix
        })
    }

    /// A real workbook with some bytes overwritten: exercises the zip reader on near-valid input.
    fn damaged_xlsx() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8).prop_map(|edits| {
            let mut bytes = zip_of(&WORKBOOK_PARTS);
            for (index, byte) in edits {
                let at = index.index(bytes.len());
                bytes[at] = byte;
            }
            bytes
        })
    }

    proptest! {
        #[test]
        fn sniff_never_panics(bytes in prop_oneof![any_bytes(), damaged_xlsx()]) {
            let _ = sniff(&bytes);
        }

        #[test]
        fn check_upload_never_panics_and_names_are_safe(
            name in any_name(),
            bytes in prop_oneof![any_bytes(), damaged_xlsx(), Just(pdf()), Just(png())],
            max in 0u64..2048,
        ) {
            if let Ok(upload) = check_upload(&name, &bytes, max) {
                let shown = &upload.display_name;
                prop_assert!(!shown.is_empty());
                prop_assert!(shown.chars().count() <= MAX_DISPLAY_NAME_CHARS, "{shown}");
                prop_assert!(!shown.contains(['/', '\\']), "{shown:?}");
                prop_assert!(!shown.chars().any(|c| c.is_control() || is_unsafe_char(c)), "{shown:?}");
                prop_assert!(!shown.starts_with('.'), "{shown:?}");
                let (_, extension) = shown.rsplit_once('.').unwrap();
                prop_assert!(upload.kind.accepts_extension(extension), "{shown:?}");
                prop_assert!(upload.size <= max);
            }
        }

        #[test]
        fn display_names_are_safe_for_any_input(name in any_name()) {
            for kind in FileKind::ALL {
                let shown = SafeName::from_raw(&name).display(kind);
                prop_assert!(!shown.is_empty());
                prop_assert!(shown.chars().count() <= MAX_DISPLAY_NAME_CHARS, "{shown}");
                prop_assert!(!shown.contains(['/', '\\']) && !shown.chars().any(is_unsafe_char), "{shown:?}");
                prop_assert!(!shown.starts_with('.') && !shown.starts_with(char::is_whitespace), "{shown:?}");
            }
        }
    }
}
