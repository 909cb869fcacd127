//! Excel exports. Every cell is written as text or number, never as a formula, and text that a
//! spreadsheet could take for a formula (`= + - @`, tab, carriage return) is prefixed with an
//! apostrophe (QUALITY.md SEC-23), so a value such as `=HYPERLINK(…)` stays inert text even
//! after being copied elsewhere. The rule is the domain's ([`neutralise`]), shared with the
//! roster workbooks.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use skillbase_domain::attachment::neutralise;

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
