//! Excel exports. Every cell is written as text or number, never as a formula, and text that a
//! spreadsheet could take for a formula (`= + - @`, tab, carriage return) is prefixed with an
//! apostrophe (QUALITY.md SEC-23), so a value such as `=HYPERLINK(…)` stays inert text even
//! after being copied elsewhere.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Text that cannot be taken for a formula.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// A one-sheet workbook: a bold header row, then the rows, all cells as (neutralised) text.
pub fn sheet(name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    for (column, title) in header.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, column, *title, &bold)?;
        sheet.set_column_width(column, 18)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for (column, value) in row.iter().enumerate() {
            sheet.write_string(line, u16::try_from(column).unwrap_or(u16::MAX), neutralise(value))?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"http://x\",\"y\")"), "'=HYPERLINK(\"http://x\",\"y\")");
        for risky in ["+1", "-1+2", "@SUM(A1)", "\tcmd", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(neutralise("青浦区"), "青浦区");
        assert_eq!(neutralise(""), "");
    }
}
