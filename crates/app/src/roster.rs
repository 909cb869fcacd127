//! Excel rosters (名册) of a base's training records: the template a base fills in, the reading
//! of an uploaded workbook into rows, the mapping of rows to the domain's inputs, every problem of
//! the file at once, and the workbook that hands the rows back with their problems marked.
//!
//! Pure functions over bytes: no database. The use case that imports a roster reads it here,
//! checks it here and against what is on file, and saves all rows or none.
//!
//! A roster is read from the sheet named [`DATA_SHEET`] (else the first sheet). Columns are
//! found by their header text, in any order; other columns are ignored. Every cell becomes
//! trimmed text: dates as `YYYY-MM-DD`, whole numbers without a decimal point, booleans as 是/否.
//! A formula is refused for its cell: what a roster says must be what was typed, not what a
//! spreadsheet computed from elsewhere.
//!
//! An uploaded workbook is untrusted. It must sniff as XLSX (not a zip bomb, not macro-enabled,
//! [`attachment::sniff`]); its sheet is streamed cell by cell, never expanded into a dense grid
//! (a single cell at `XFD1048576` would otherwise cost gigabytes), and the rows, columns and
//! cells kept are bounded.
//!
//! Privacy: a resident ID number never appears in a [`Problem`] (only its masked form), nor in
//! an error message. The report workbook returns the uploaded rows to the person who uploaded
//! them, so that they can correct and upload it again; its 错误说明 column repeats no value.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use rust_xlsxwriter::{Color, DataValidation, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use skillbase_domain::attachment::{self, FileKind, UploadError, neutralise};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::fields::FieldError;
use skillbase_domain::occupation::OccupationCode;
use skillbase_domain::resident_id::ResidentId;
use skillbase_domain::training::{
    Category, ClassInput, Completion, EnrolmentInput, MAX_CLASS_HOURS, Mode, Outcome, Relation, TraineeInput,
    check_class, check_enrolment, check_trainee, mask_phone,
};

/// The most data rows a roster may have.
pub const MAX_ROWS: usize = 100_000;
/// The sheet the rows are on (the template's first sheet).
pub const DATA_SHEET: &str = "名册";
/// The template's second sheet.
pub const HELP_SHEET: &str = "填写说明";
/// The report workbook's last column.
pub const ERROR_HEADER: &str = "错误说明";
/// The header row is looked for among this many first rows (a title row above it is allowed).
const HEADER_SEARCH_ROWS: u32 = 10;
/// Cells right of this many columns are not read (a roster has a dozen).
const MAX_COLUMNS_READ: u32 = 64;
/// The most cells a sheet may hold, empty and ignored ones included.
const MAX_CELLS: usize = MAX_ROWS * 64;
/// The formula refusal.
const FORMULA: &str = "不接受公式，请粘贴为数值";

// ---------------------------------------------------------------- kinds and columns

/// What a roster lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterKind {
    Trainees,
    Classes,
    Enrolments,
}

/// How a column's cells are formatted in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// General text.
    Text,
    /// Digits that must stay text (`@`): ID numbers, codes, phone numbers keep their leading
    /// zeros and their X.
    Code,
    /// A date, shown `yyyy-mm-dd`.
    Date,
    /// A whole number.
    Number,
}

/// One column of a roster.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header text the column is found by.
    pub header: &'static str,
    /// The input field it fills (the name a [`FieldError`] carries).
    pub field: &'static str,
    pub required: bool,
    /// What to write (the instructions sheet).
    pub hint: &'static str,
    pub cell: CellKind,
    /// The allowed values (a dropdown), if the column is a dictionary.
    pub choices: Option<fn() -> Vec<&'static str>>,
}

impl Column {
    const fn new(
        header: &'static str,
        field: &'static str,
        required: bool,
        cell: CellKind,
        hint: &'static str,
    ) -> Self {
        Column { header, field, required, hint, cell, choices: None }
    }

    const fn choose(self, choices: fn() -> Vec<&'static str>) -> Self {
        Column { choices: Some(choices), ..self }
    }
}

fn key_groups() -> Vec<&'static str> {
    Category::ALL.iter().filter(|c| c.is_key_group()).map(|c| c.label()).collect()
}

const TRAINEES: &[Column] = &[
    Column::new("姓名", "name", true, CellKind::Text, "与身份证一致，不超过 50 字"),
    Column::new("居民身份证号码", "resident_id", true, CellKind::Code, "18 位，末位可为 X；同一文件中不得重复"),
    Column::new("联系电话", "phone", false, CellKind::Code, "11 位手机号码，或带区号的固定电话（如 021-69221234）"),
    Column::new("工作单位或学校", "employer", false, CellKind::Text, "非本单位人员必填，不超过 100 字"),
    Column::new(
        "统一社会信用代码",
        "employer_uscc",
        false,
        CellKind::Code,
        "工作单位的 18 位统一社会信用代码；上下游企业必填",
    ),
    Column::new("与基地的关系", "relation", true, CellKind::Text, "从下拉列表中选择").choose(Relation::labels),
    Column::new(
        "人员类别",
        "category",
        true,
        CellKind::Text,
        "从下拉列表中选择；产业链上下游企业职工的单位须为上游或下游企业",
    )
    .choose(Category::labels),
];

const CLASSES: &[Column] = &[
    Column::new("班级名称", "name", true, CellKind::Text, "不超过 100 字；同一文件中不得重复"),
    Column::new("职业编码", "project", true, CellKind::Code, "基地已登记的培训项目的职业编码，如 6-31-01-02"),
    Column::new("培训方式", "mode", true, CellKind::Text, "从下拉列表中选择").choose(Mode::labels),
    Column::new("联合培训院校", "college", false, CellKind::Text, "校企联合培训必填：合作的职业院校"),
    Column::new("定向培训群体", "target_group", false, CellKind::Text, "定向培训必填：从下拉列表中选择重点就业群体")
        .choose(key_groups),
    Column::new("开班日期", "starts_on", true, CellKind::Date, "日期，格式 YYYY-MM-DD"),
    Column::new("结业日期", "ends_on", true, CellKind::Date, "日期，格式 YYYY-MM-DD，不早于开班日期"),
    Column::new("培训课时", "hours", true, CellKind::Number, "1 至 2000 之间的整数"),
    Column::new("培训地点", "place", true, CellKind::Text, "不超过 200 字"),
    Column::new("授课教师", "teachers", true, CellKind::Text, "多位教师以、分隔，不超过 200 字"),
    Column::new(
        "新技术新工艺新设备新材料",
        "innovations",
        false,
        CellKind::Text,
        "培训内容涉及的，可填多项，以、分隔：新技术、新工艺、新设备、新材料",
    ),
];

const ENROLMENTS: &[Column] = &[
    Column::new("班级名称", "class", true, CellKind::Text, "基地已登记的班级名称"),
    Column::new(
        "居民身份证号码",
        "resident_id",
        true,
        CellKind::Code,
        "已登记学员的 18 位身份证号码；同一班级中不得重复",
    ),
    Column::new("出勤课时", "hours", false, CellKind::Number, "整数，不超过班级的培训课时；不填为 0"),
    Column::new("结业情况", "completion", false, CellKind::Text, "从下拉列表中选择；不填为在训")
        .choose(Completion::labels),
    Column::new("考核结果", "outcome", false, CellKind::Text, "从下拉列表中选择；不填为未考核，结业后才能登记")
        .choose(Outcome::labels),
];

impl RosterKind {
    pub const ALL: [RosterKind; 3] = [RosterKind::Trainees, RosterKind::Classes, RosterKind::Enrolments];

    /// The stable code (URLs, the API).
    pub const fn code(self) -> &'static str {
        match self {
            RosterKind::Trainees => "trainees",
            RosterKind::Classes => "classes",
            RosterKind::Enrolments => "enrolments",
        }
    }

    pub fn parse(code: &str) -> Option<RosterKind> {
        RosterKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub const fn label(self) -> &'static str {
        match self {
            RosterKind::Trainees => "学员名册",
            RosterKind::Classes => "培训班名册",
            RosterKind::Enrolments => "报名名册",
        }
    }

    /// The columns, in the template's order.
    pub const fn columns(self) -> &'static [Column] {
        match self {
            RosterKind::Trainees => TRAINEES,
            RosterKind::Classes => CLASSES,
            RosterKind::Enrolments => ENROLMENTS,
        }
    }

    fn index_of(self, field: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.field == field)
    }
}

/// The header of the column that fills `field` (so a [`FieldError`] names its column).
pub fn column_of_field(kind: RosterKind, field: &str) -> Option<&'static str> {
    kind.index_of(field).map(|i| kind.columns()[i].header)
}

// ---------------------------------------------------------------- errors

/// Why a workbook is not read at all. [`RosterError::code`] is stable; messages are for people.
/// No message repeats a cell's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("文件是空的，请重新选择文件")]
    Empty,
    #[error("名册须为 Excel 工作簿（.xlsx 格式）；请用下载的模板填写后上传（按文件内容识别，改扩展名无效）")]
    NotXlsx,
    #[error("表格文件解压后过大或压缩比异常，已拒绝；请删除多余内容后另存为普通 XLSX 文件再上传")]
    ArchiveTooLarge,
    #[error("无法读取该工作簿，文件可能已损坏；请用 Excel 打开后另存为 .xlsx 文件再上传")]
    Unreadable,
    #[error("工作簿中没有工作表")]
    NoSheet,
    #[error(
        "{}的表头不完整，缺少以下列：{}；请使用模板，第一行为列名，勿修改列名",
        .kind.label(),
        .missing.join("、")
    )]
    MissingHeaders { kind: RosterKind, missing: Vec<&'static str> },
    #[error("表头中“{header}”出现了不止一次，请删除多余的一列")]
    DuplicateHeader { header: &'static str },
    #[error("名册最多 {max} 行，请分成几个文件上传")]
    TooManyRows { max: usize },
    #[error("工作表内容过多（超过 {max} 个单元格），请删除多余的行和列后再上传")]
    TooManyCells { max: usize },
    #[error("名册中没有数据：请从表头的下一行起填写")]
    NoRows,
    /// Writing a workbook failed (a bug, not the user's doing).
    #[error("生成工作簿失败：{0}")]
    Write(String),
}

impl RosterError {
    pub const fn code(&self) -> &'static str {
        match self {
            RosterError::Empty => "empty",
            RosterError::NotXlsx => "not_xlsx",
            RosterError::ArchiveTooLarge => "archive_too_large",
            RosterError::Unreadable => "unreadable",
            RosterError::NoSheet => "no_sheet",
            RosterError::MissingHeaders { .. } => "missing_headers",
            RosterError::DuplicateHeader { .. } => "duplicate_header",
            RosterError::TooManyRows { .. } => "too_many_rows",
            RosterError::TooManyCells { .. } => "too_many_cells",
            RosterError::NoRows => "empty_roster",
            RosterError::Write(_) => "write_failed",
        }
    }
}

impl From<XlsxError> for RosterError {
    fn from(error: XlsxError) -> Self {
        RosterError::Write(error.to_string())
    }
}

// ---------------------------------------------------------------- the template

/// The template: sheet [`DATA_SHEET`] with the header, text/date formats and dropdowns for
/// [`MAX_ROWS`] rows, and sheet [`HELP_SHEET`] saying how to fill it in.
pub fn template(kind: RosterKind) -> Result<Vec<u8>, RosterError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    write_header(sheet, kind)?;
    let last_row = u32::try_from(MAX_ROWS).unwrap_or(u32::MAX);
    for (index, column) in kind.columns().iter().enumerate() {
        let col = col_num(index);
        if let Some(format) = cell_format(column.cell) {
            sheet.set_column_format(col, &format)?;
        }
        if let Some(choices) = column.choices {
            let validation = DataValidation::new()
                .allow_list_strings(&choices())?
                .set_error_title(column.header)?
                .set_error_message(format!("请从下拉列表中选择{}", column.header))?;
            sheet.add_data_validation(1, col, last_row, col, &validation)?;
        }
    }

    let help = workbook.add_worksheet();
    help.set_name(HELP_SHEET)?;
    write_help(help, kind)?;
    workbook.save_to_buffer().map_err(RosterError::from)
}

fn col_num(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

fn cell_format(cell: CellKind) -> Option<Format> {
    match cell {
        CellKind::Code => Some(Format::new().set_num_format("@")),
        CellKind::Date => Some(Format::new().set_num_format("yyyy-mm-dd")),
        CellKind::Number => Some(Format::new().set_num_format("0")),
        CellKind::Text => None,
    }
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
}

fn column_width(column: &Column) -> f64 {
    match column.cell {
        CellKind::Code => 24.0,
        CellKind::Date | CellKind::Number => 14.0,
        CellKind::Text if column.header.chars().count() > 8 => 30.0,
        CellKind::Text => 20.0,
    }
}

/// The bold, frozen header row and the column widths.
fn write_header(sheet: &mut Worksheet, kind: RosterKind) -> Result<(), RosterError> {
    let bold = header_format();
    for (index, column) in kind.columns().iter().enumerate() {
        let col = col_num(index);
        sheet.write_string_with_format(0, col, column.header, &bold)?;
        sheet.set_column_width(col, column_width(column))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write_help(sheet: &mut Worksheet, kind: RosterKind) -> Result<(), RosterError> {
    let bold = header_format();
    let wrap = Format::new().set_text_wrap();
    for (col, (title, width)) in
        [("列名", 26.0), ("是否必填", 10.0), ("填写说明", 60.0), ("可选值", 50.0)].into_iter().enumerate()
    {
        let col = col_num(col);
        sheet.write_string_with_format(0, col, title, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    let mut row = 1;
    for column in kind.columns() {
        sheet.write_string(row, 0, column.header)?;
        sheet.write_string(row, 1, if column.required { "必填" } else { "选填" })?;
        sheet.write_string_with_format(row, 2, column.hint, &wrap)?;
        let choices = column.choices.map(|choices| choices().join("、")).unwrap_or_default();
        sheet.write_string_with_format(row, 3, choices, &wrap)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "填写规则", &Format::new().set_bold())?;
    let unique = match kind {
        RosterKind::Trainees => "一人一行；同一文件中居民身份证号码不得重复。",
        RosterKind::Classes => "一个班级一行；同一文件中班级名称不得重复。",
        RosterKind::Enrolments => "一人报名一个班级为一行；同一班级中居民身份证号码不得重复。",
    };
    let rules = [
        format!("1. 在“{DATA_SHEET}”工作表中填写，第一行是列名：请勿修改列名；列的顺序可以调整，多余的列不会导入。"),
        format!("2. {unique}"),
        "3. 不接受公式：从别处复制的内容请“选择性粘贴为数值”。".to_owned(),
        "4. 日期写作 YYYY-MM-DD（如 2026-03-01），或使用 Excel 的日期格式。".to_owned(),
        format!("5. 每个文件最多 {MAX_ROWS} 行。"),
        "6. 整体导入：只要有一行有误，整个文件都不导入，系统会返回标出错误的名册，改正后重新上传即可。".to_owned(),
    ];
    for rule in rules {
        row += 1;
        sheet.write_string(row, 0, rule)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- reading

/// One data row of a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The Excel row number (1-based; the template's header is row 1).
    pub line: u32,
    /// One trimmed text per column of the kind, in [`RosterKind::columns`]'s order.
    pub cells: Vec<String>,
}

impl RosterRow {
    /// The cell of `field` in this row (empty if the kind has no such column).
    pub fn get(&self, kind: RosterKind, field: &str) -> String {
        kind.index_of(field).and_then(|i| self.cells.get(i)).cloned().unwrap_or_default()
    }
}

/// An uploaded roster: its rows, and the problems found while reading them (formulas, error
/// cells), which [`check_rows`] reports with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub kind: RosterKind,
    pub rows: Vec<RosterRow>,
    pub problems: Vec<Problem>,
}

/// One problem of one row, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// The Excel row number.
    pub line: u32,
    /// The column's header.
    pub column: String,
    /// The cell's text as shown in a report: a resident ID number only masked
    /// (`3101**********123X`), a phone number masked.
    pub value: String,
    pub reason: String,
}

/// A cell as read: its text, or why it has none.
#[derive(Debug)]
enum Raw {
    Text(String),
    Formula,
    Error,
}

/// Reads an uploaded roster of `kind`.
///
/// # Errors
///
/// See [`RosterError`]: not an XLSX workbook (or a zip bomb), unreadable, no header, too many
/// rows or cells, no data row.
pub fn read(kind: RosterKind, bytes: &[u8]) -> Result<Roster, RosterError> {
    match attachment::sniff(bytes) {
        Ok(FileKind::Xlsx) => {}
        Ok(_) | Err(UploadError::TypeNotAllowed | UploadError::TypeMismatch { .. } | UploadError::TooLarge { .. }) => {
            return Err(RosterError::NotXlsx);
        }
        Err(UploadError::Empty) => return Err(RosterError::Empty),
        Err(UploadError::ArchiveTooLarge) => return Err(RosterError::ArchiveTooLarge),
    }
    // The parser is a third party's, fed untrusted bytes: a panic in it is an unreadable file,
    // not a crashed request.
    let cells = std::panic::catch_unwind(|| read_cells(bytes)).map_err(|_| RosterError::Unreadable)??;
    to_roster(kind, cells)
}

/// The non-empty cells of the data sheet left of [`MAX_COLUMNS_READ`], by row then column.
fn read_cells(bytes: &[u8]) -> Result<BTreeMap<u32, BTreeMap<u32, Raw>>, RosterError> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| RosterError::Unreadable)?;
    let names = workbook.sheet_names();
    let name = names.iter().find(|n| n.trim() == DATA_SHEET).or(names.first()).cloned().ok_or(RosterError::NoSheet)?;
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(|_| RosterError::Unreadable)?;
    let mut rows: BTreeMap<u32, BTreeMap<u32, Raw>> = BTreeMap::new();
    let mut seen = 0usize;
    while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(|_| RosterError::Unreadable)? {
        seen += 1;
        if seen > MAX_CELLS {
            return Err(RosterError::TooManyCells { max: MAX_CELLS });
        }
        let (row, col) = cell.pos;
        if col >= MAX_COLUMNS_READ {
            continue;
        }
        let raw = if cell.formula.is_some() {
            Raw::Formula
        } else {
            match text_of(&cell.value) {
                Some(text) if text.is_empty() => continue,
                Some(text) => Raw::Text(text),
                None => Raw::Error,
            }
        };
        rows.entry(row).or_default().insert(col, raw);
        if rows.len() > MAX_ROWS + HEADER_SEARCH_ROWS as usize {
            return Err(RosterError::TooManyRows { max: MAX_ROWS });
        }
    }
    Ok(rows)
}

/// A cell's trimmed text; `None` for an error value (`#N/A`, `#DIV/0!` …).
fn text_of(value: &DataRef<'_>) -> Option<String> {
    let text = match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.trim().to_owned(),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (year, month, day, ..) = dt.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::Error(_) => return None,
        DataRef::Empty => String::new(),
    };
    // An ISO date-time keeps its date only.
    let date = match value {
        DataRef::DateTimeIso(_) => {
            text.get(..10).filter(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()).map(str::to_owned)
        }
        _ => None,
    };
    Some(date.unwrap_or(text))
}

/// A number as a person typed it: a whole number without `.0` (also a resident ID number typed
/// as a number: its digits, as far as a double kept them), else its shortest decimal form.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 { format!("{f:.0}") } else { f.to_string() }
}

/// A header cell's text as compared: trimmed, a required-mark star dropped.
fn header_key(text: &str) -> &str {
    text.trim().trim_matches(['*', '＊']).trim()
}

fn to_roster(kind: RosterKind, cells: BTreeMap<u32, BTreeMap<u32, Raw>>) -> Result<Roster, RosterError> {
    let columns = kind.columns();
    let is_header = |raw: &Raw| matches!(raw, Raw::Text(t) if columns.iter().any(|c| c.header == header_key(t)));
    let header_row = cells
        .iter()
        .take_while(|(row, _)| **row < HEADER_SEARCH_ROWS)
        .find(|(_, row)| row.values().any(is_header))
        .map(|(row, _)| *row);
    let Some(header_row) = header_row else {
        return Err(RosterError::MissingHeaders { kind, missing: columns.iter().map(|c| c.header).collect() });
    };
    // Which sheet column holds each roster column.
    let mut at: Vec<Option<u32>> = vec![None; columns.len()];
    for (col, raw) in cells.get(&header_row).into_iter().flatten() {
        let Raw::Text(text) = raw else { continue };
        if let Some(index) = columns.iter().position(|c| c.header == header_key(text)) {
            if at[index].is_some() {
                return Err(RosterError::DuplicateHeader { header: columns[index].header });
            }
            at[index] = Some(*col);
        }
    }
    let missing: Vec<&'static str> =
        columns.iter().zip(&at).filter(|(_, at)| at.is_none()).map(|(c, _)| c.header).collect();
    if !missing.is_empty() {
        return Err(RosterError::MissingHeaders { kind, missing });
    }

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (row, sheet_cells) in cells.range(header_row + 1..) {
        let line = row.saturating_add(1);
        let mut texts = vec![String::new(); columns.len()];
        let mut any = false;
        for (index, column) in columns.iter().enumerate() {
            let Some(raw) = at[index].and_then(|col| sheet_cells.get(&col)) else { continue };
            any = true;
            match raw {
                Raw::Text(text) => texts[index] = text.clone(),
                Raw::Formula => problems.push(Problem {
                    line,
                    column: column.header.to_owned(),
                    value: String::new(),
                    reason: FORMULA.to_owned(),
                }),
                Raw::Error => problems.push(Problem {
                    line,
                    column: column.header.to_owned(),
                    value: String::new(),
                    reason: "单元格是错误值（如 #N/A），请改为正确的内容".to_owned(),
                }),
            }
        }
        if any {
            if rows.len() == MAX_ROWS {
                return Err(RosterError::TooManyRows { max: MAX_ROWS });
            }
            rows.push(RosterRow { line, cells: texts });
        }
    }
    if rows.is_empty() {
        return Err(RosterError::NoRows);
    }
    Ok(Roster { kind, rows, problems })
}

// ---------------------------------------------------------------- rows to inputs

/// A trainees roster row as the domain's input.
pub fn trainee_input(row: &RosterRow) -> TraineeInput {
    let get = |field| row.get(RosterKind::Trainees, field);
    TraineeInput {
        name: get("name"),
        resident_id: get("resident_id"),
        phone: get("phone"),
        employer: get("employer"),
        employer_uscc: get("employer_uscc"),
        relation: get("relation"),
        category: get("category"),
    }
}

/// A classes roster row: the occupation code of its project, and the class as the domain's
/// input.
pub fn class_input(row: &RosterRow) -> (String, ClassInput) {
    let get = |field: &str| row.get(RosterKind::Classes, field);
    let innovations = get("innovations");
    let input = ClassInput::from_fields(get, if innovations.is_empty() { Vec::new() } else { vec![innovations] });
    (get("project"), input)
}

/// An enrolments roster row: the class's name, the trainee's resident ID number, and the
/// enrolment as the domain's input.
pub fn enrolment_input(row: &RosterRow) -> (String, String, EnrolmentInput) {
    let get = |field| row.get(RosterKind::Enrolments, field);
    let input = EnrolmentInput { hours: get("hours"), completion: get("completion"), outcome: get("outcome") };
    (get("class"), get("resident_id"), input)
}

// ---------------------------------------------------------------- checking

/// A resident ID number as a report may show it: `3101**********123X` when it has 18
/// characters, else nothing.
pub fn mask_resident_id(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    if chars.len() == 18 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[14..].iter().collect();
        format!("{head}**********{tail}")
    } else {
        String::new()
    }
}

/// The value a [`Problem`] shows for a cell of `field`.
fn shown(field: &str, value: &str) -> String {
    match field {
        "resident_id" => mask_resident_id(value),
        "phone" => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() { String::new() } else { mask_phone(&digits) }
        }
        _ => value.to_owned(),
    }
}

/// The same ID number however it was typed (a lower-case x, spaces).
fn id_key(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Every problem of the rows: those found while reading, each row's domain check, and
/// duplicates within the file (a resident ID number twice in a trainees roster, a class name
/// twice in a classes roster, a trainee twice in one class in an enrolments roster). Ordered by
/// line, then column. What the file says is checked against what is on file by the use case.
pub fn check_rows(kind: RosterKind, roster: &Roster, today: NaiveDate) -> Vec<Problem> {
    let mut problems = roster.problems.clone();
    let problem = |row: &RosterRow, field: &str, reason: String| {
        let index = kind.index_of(field);
        let column = index.map(|i| kind.columns()[i]);
        Problem {
            line: row.line,
            column: column.map(|c| c.header).unwrap_or_default().to_owned(),
            value: index.and_then(|i| row.cells.get(i)).map(|v| shown(field, v)).unwrap_or_default(),
            reason,
        }
    };
    let from_fields = |row: &RosterRow, errors: Vec<FieldError>| {
        errors.into_iter().map(move |e| problem(row, &e.field, e.message)).collect::<Vec<_>>()
    };
    let mut first_seen: HashMap<(String, String), u32> = HashMap::new();
    let mut duplicate = |row: &RosterRow, key: (String, String), field: &str, what: &str| {
        if key.1.is_empty() {
            return None;
        }
        match first_seen.get(&key) {
            Some(first) => Some(problem(row, field, format!("与第 {first} 行的{what}重复"))),
            None => {
                first_seen.insert(key, row.line);
                None
            }
        }
    };

    for row in &roster.rows {
        let mut found = Vec::new();
        match kind {
            RosterKind::Trainees => {
                if let Err(errors) = check_trainee(&trainee_input(row), today) {
                    found.extend(from_fields(row, errors));
                }
                let id = id_key(&row.get(kind, "resident_id"));
                found.extend(duplicate(row, (String::new(), id), "resident_id", "身份证号码"));
            }
            RosterKind::Classes => {
                let (occupation, input) = class_input(row);
                if occupation.is_empty() {
                    found.push(problem(row, "project", "请填写培训项目的职业编码".to_owned()));
                } else if let Err(e) = OccupationCode::parse(&occupation) {
                    found.push(problem(row, "project", e.to_string()));
                }
                if let Err(errors) = check_class(&input) {
                    found.extend(from_fields(row, errors));
                }
                found.extend(duplicate(row, (String::new(), input.name.trim().to_owned()), "name", "班级名称"));
            }
            RosterKind::Enrolments => {
                let (class, resident_id, input) = enrolment_input(row);
                if class.is_empty() {
                    found.push(problem(row, "class", "请填写班级名称".to_owned()));
                }
                if resident_id.is_empty() {
                    found.push(problem(row, "resident_id", "请填写居民身份证号码".to_owned()));
                } else if let Err(e) = ResidentId::parse_at(&resident_id, today) {
                    found.push(problem(row, "resident_id", e.to_string()));
                }
                if let Err(errors) = check_enrolment(&input, MAX_CLASS_HOURS) {
                    found.extend(from_fields(row, errors));
                }
                if !class.is_empty() {
                    let key = (class, id_key(&resident_id));
                    found.extend(duplicate(row, key, "resident_id", "身份证号码（同一班级）"));
                }
            }
        }
        // A cell already refused while reading (a formula) says nothing more.
        found.retain(|p| !roster.problems.iter().any(|r| r.line == p.line && r.column == p.column));
        problems.extend(found);
    }
    let order = |p: &Problem| {
        let column = kind.columns().iter().position(|c| c.header == p.column).unwrap_or(usize::MAX);
        (p.line, column)
    };
    problems.sort_by_key(order);
    problems
}

// ---------------------------------------------------------------- the report

/// The uploaded rows handed back: the template's columns (all text, neutralised), each row on
/// its original line, an extra last column [`ERROR_HEADER`] with the row's reasons
/// (`列：原因；列：原因`), the rows with problems highlighted and their faulty cells marked.
/// The file can be corrected and uploaded again (the extra column is ignored).
pub fn report_workbook(kind: RosterKind, bytes_of_upload: &[u8], problems: &[Problem]) -> Result<Vec<u8>, RosterError> {
    let roster = read(kind, bytes_of_upload)?;
    let mut by_line: BTreeMap<u32, Vec<&Problem>> = BTreeMap::new();
    for problem in problems {
        by_line.entry(problem.line).or_default().push(problem);
    }

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    write_header(sheet, kind)?;
    let columns = kind.columns();
    let error_col = col_num(columns.len());
    sheet.write_string_with_format(
        0,
        error_col,
        ERROR_HEADER,
        &header_format().set_font_color(Color::RGB(0xC00000)),
    )?;
    sheet.set_column_width(error_col, 60.0)?;
    let rows_with_problems = by_line.len();
    let note = if problems.is_empty() {
        "未发现问题。".to_owned()
    } else {
        format!(
            "共 {rows_with_problems} 行、{} 处问题，有问题的行已标黄、出错的单元格标红。改正后可直接上传本文件（本列不会导入）。",
            problems.len()
        )
    };
    sheet.insert_note(0, error_col, &Note::new(note).add_author_prefix(false).set_width(320).set_height(90))?;

    let text = Format::new().set_num_format("@");
    let flagged_row = text.clone().set_background_color(Color::RGB(0xFFF2CC));
    let flagged_cell = text.clone().set_background_color(Color::RGB(0xF8CBAD));
    let reasons_format = Format::new().set_text_wrap().set_font_color(Color::RGB(0xC00000));
    for row in &roster.rows {
        let line = row.line.saturating_sub(1);
        let found = by_line.get(&row.line).map(Vec::as_slice).unwrap_or_default();
        for (index, (column, value)) in columns.iter().zip(&row.cells).enumerate() {
            let format = if found.iter().any(|p| p.column == column.header) {
                &flagged_cell
            } else if found.is_empty() {
                &text
            } else {
                &flagged_row
            };
            sheet.write_string_with_format(line, col_num(index), neutralise(value), format)?;
        }
        if !found.is_empty() {
            let reasons = found
                .iter()
                .map(|p| if p.column.is_empty() { p.reason.clone() } else { format!("{}：{}", p.column, p.reason) })
                .collect::<Vec<_>>()
                .join("；");
            sheet.write_string_with_format(line, error_col, neutralise(&reasons), &reasons_format)?;
        }
    }
    workbook.save_to_buffer().map_err(RosterError::from)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use std::io::{Read as _, Write as _};

    use proptest::prelude::*;
    use rust_xlsxwriter::ExcelDateTime;

    use super::*;

    const ID: &str = "11010519491231002X";
    const ID2: &str = "310101199001011234";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()
    }

    /// A cell written into a test workbook.
    #[derive(Debug, Clone)]
    enum Cell {
        S(String),
        N(f64),
        D(u16, u8, u8),
        F(&'static str),
        B(bool),
    }

    fn s(text: &str) -> Cell {
        Cell::S(text.to_owned())
    }

    /// A workbook with `header` in row 1 (or below `title_rows` rows) and `rows` below it, as a
    /// person filling in the template would leave it.
    fn workbook(header: &[&str], rows: &[Vec<Cell>], title_rows: u32) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(DATA_SHEET).unwrap();
        if title_rows > 0 {
            sheet.write_string(0, 0, "某某基地学员名册").unwrap();
        }
        for (col, title) in header.iter().enumerate() {
            sheet.write_string(title_rows, col_num(col), *title).unwrap();
        }
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (index, row) in rows.iter().enumerate() {
            let line = title_rows + 1 + u32::try_from(index).unwrap();
            for (col, cell) in row.iter().enumerate() {
                let col = col_num(col);
                match cell {
                    Cell::S(text) => sheet.write_string(line, col, text).map(drop),
                    Cell::N(n) => sheet.write_number(line, col, *n).map(drop),
                    Cell::D(y, m, d) => {
                        let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        sheet.write_datetime_with_format(line, col, &dt, &date).map(drop)
                    }
                    Cell::F(formula) => sheet.write_formula(line, col, *formula).map(drop),
                    Cell::B(b) => sheet.write_boolean(line, col, *b).map(drop),
                }
                .unwrap();
            }
        }
        workbook.save_to_buffer().unwrap()
    }

    fn headers(kind: RosterKind) -> Vec<&'static str> {
        kind.columns().iter().map(|c| c.header).collect()
    }

    fn trainee_row(name: &str, id: &str, phone: Cell, relation: &str, category: &str) -> Vec<Cell> {
        vec![s(name), s(id), phone, s(""), s(""), s(relation), s(category)]
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// `bytes` (a zip) with the part `name` replaced by `content`.
    fn replace_part(bytes: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entries = Vec::new();
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            let entry_name = entry.name().unwrap().into_owned();
            let data = if entry_name == name { content.to_vec() } else { data };
            entries.push((entry_name, data));
        }
        let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        zip_of(&entries)
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    /// The cells of a written workbook's data sheet, as text.
    fn sheet_text(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = workbook.worksheet_range(DATA_SHEET).unwrap();
        range.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn kinds_have_codes_labels_and_columns() {
        for kind in RosterKind::ALL {
            assert_eq!(RosterKind::parse(kind.code()), Some(kind));
            for column in kind.columns() {
                assert_eq!(column_of_field(kind, column.field), Some(column.header));
            }
        }
        assert_eq!(RosterKind::Trainees.label(), "学员名册");
        assert_eq!(column_of_field(RosterKind::Classes, "project"), Some("职业编码"));
        assert_eq!(column_of_field(RosterKind::Enrolments, "outcome"), Some("考核结果"));
        assert_eq!(column_of_field(RosterKind::Trainees, "nope"), None);
        assert_eq!(key_groups(), ["高校毕业生", "退役军人", "农民工", "失业人员", "就业困难人员"]);
    }

    #[test]
    fn the_template_has_the_header_formats_dropdowns_and_instructions() {
        for kind in RosterKind::ALL {
            let bytes = template(kind).unwrap();
            // Headers recognised, no row yet.
            assert_eq!(read(kind, &bytes), Err(RosterError::NoRows));
            let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.as_slice())).unwrap();
            assert_eq!(workbook.sheet_names(), [DATA_SHEET, HELP_SHEET]);
            let help = workbook.worksheet_range(HELP_SHEET).unwrap();
            let help: Vec<String> = help.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
            for column in kind.columns() {
                assert!(help.iter().any(|line| line.starts_with(column.header)), "{}", column.header);
            }
            assert!(help.iter().any(|line| line.contains("不接受公式")));
            assert!(help.iter().any(|line| line.contains("100000 行")));

            let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
            let dropdowns = kind.columns().iter().filter(|c| c.choices.is_some()).count();
            assert_eq!(sheet.matches("<dataValidation ").count(), dropdowns, "{kind:?}");
            assert!(sheet.contains("<pane ") && sheet.contains("state=\"frozen\""));
            let styles = part(&bytes, "xl/styles.xml");
            assert!(styles.contains("formatCode=\"@\""));
        }
        let sheet = part(&template(RosterKind::Trainees).unwrap(), "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("sqref=\"F2:F100001\""), "{sheet}");
        assert!(sheet.contains("本单位,上游企业,下游企业,其他单位"));
        let styles = part(&template(RosterKind::Classes).unwrap(), "xl/styles.xml");
        assert!(styles.contains("formatCode=\"yyyy-mm-dd\""));
    }

    #[test]
    fn filled_rows_come_back_as_text_dates_and_digits() {
        let rows = vec![
            vec![
                s("电工中级班"),
                s("6-31-01-02"),
                s("自主培训"),
                s(""),
                s(""),
                Cell::D(2026, 3, 1),
                s("2026-04-01"),
                Cell::N(120.0),
                s("  实训楼 301  "),
                s("李四、王五"),
                s("新技术、新材料"),
            ],
            vec![],
            vec![s("钳工班"), s("6-31-01-03"), s("self_run"), s(""), s(""), Cell::D(2026, 5, 1)],
        ];
        let roster = read(RosterKind::Classes, &workbook(&headers(RosterKind::Classes), &rows, 0)).unwrap();
        assert!(roster.problems.is_empty());
        assert_eq!(roster.rows.len(), 2, "the empty row is skipped");
        assert_eq!(roster.rows[0].line, 2);
        assert_eq!(roster.rows[1].line, 4);
        let (code, input) = class_input(&roster.rows[0]);
        assert_eq!(code, "6-31-01-02");
        assert_eq!(input.starts_on, "2026-03-01");
        assert_eq!(input.ends_on, "2026-04-01");
        assert_eq!(input.hours, "120");
        assert_eq!(input.place, "实训楼 301");
        assert_eq!(input.innovations, ["新技术、新材料"]);
        assert!(check_class(&input).is_ok());
        assert_eq!(class_input(&roster.rows[1]).1.hours, "");

        let rows = vec![
            trainee_row("张三", ID, Cell::N(13812345678.0), "本单位", "本单位职工"),
            trainee_row("李四", "11010519491231002x", s("021-69221234"), "own", "own_employee"),
            vec![s("王五"), Cell::N(3101011990.0), Cell::N(1.5), s(""), s(""), Cell::B(true), Cell::B(false)],
        ];
        let roster = read(RosterKind::Trainees, &workbook(&headers(RosterKind::Trainees), &rows, 0)).unwrap();
        let first = trainee_input(&roster.rows[0]);
        assert_eq!(
            (first.name.as_str(), first.resident_id.as_str(), first.phone.as_str()),
            ("张三", ID, "13812345678")
        );
        assert!(check_trainee(&first, today()).is_ok());
        assert_eq!(trainee_input(&roster.rows[1]).resident_id, "11010519491231002x");
        let third = trainee_input(&roster.rows[2]);
        assert_eq!((third.resident_id.as_str(), third.phone.as_str()), ("3101011990", "1.5"));
        assert_eq!((third.relation.as_str(), third.category.as_str()), ("是", "否"));
    }

    #[test]
    fn columns_are_found_by_header_in_any_order_below_a_title() {
        let header = ["备注", "出勤课时", "居民身份证号码", "考核结果", "结业情况", "*班级名称"];
        let rows = vec![vec![s("随便"), Cell::N(40.0), s(ID), s("合格"), s("结业"), s("电工中级班")]];
        let roster = read(RosterKind::Enrolments, &workbook(&header, &rows, 1)).unwrap();
        assert_eq!(
            roster.rows,
            [RosterRow {
                line: 3,
                cells: vec!["电工中级班".into(), ID.into(), "40".into(), "结业".into(), "合格".into()]
            }]
        );
        let (class, id, input) = enrolment_input(&roster.rows[0]);
        assert_eq!((class.as_str(), id.as_str()), ("电工中级班", ID));
        assert_eq!(input, EnrolmentInput { hours: "40".into(), completion: "结业".into(), outcome: "合格".into() });
        assert!(check_rows(RosterKind::Enrolments, &roster, today()).is_empty());
    }

    #[test]
    fn a_formula_is_refused_for_its_cell() {
        let rows = vec![
            vec![Cell::F("=CONCATENATE(\"张\",\"三\")"), s(ID), s(""), s(""), s(""), s("本单位"), s("本单位职工")],
            trainee_row("李四", ID2, Cell::F("=1+1"), "本单位", "本单位职工"),
        ];
        let roster = read(RosterKind::Trainees, &workbook(&headers(RosterKind::Trainees), &rows, 0)).unwrap();
        let formula = |line: u32, column: &str| Problem {
            line,
            column: column.into(),
            value: String::new(),
            reason: FORMULA.into(),
        };
        assert_eq!(roster.problems, [formula(2, "姓名"), formula(3, "联系电话")]);
        assert_eq!(roster.rows[0].cells[0], "", "the cached value is not taken");
        let problems = check_rows(RosterKind::Trainees, &roster, today());
        // 请填写姓名 is not said on top of the formula.
        let at: Vec<(u32, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert!(at.iter().filter(|a| **a == (2, "姓名")).count() == 1, "{problems:?}");
        assert!(problems.contains(&formula(2, "姓名")) && problems.contains(&formula(3, "联系电话")));
    }

    #[test]
    fn what_is_not_an_xlsx_workbook_is_refused_in_chinese() {
        let kind = RosterKind::Trainees;
        assert_eq!(read(kind, b""), Err(RosterError::Empty));
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
        let err = read(kind, pdf).unwrap_err();
        assert_eq!((err.code(), err.to_string().contains("Excel 工作簿")), ("not_xlsx", true));
        assert_eq!(read(kind, &zip_of(&[("readme.txt", b"hello")])), Err(RosterError::NotXlsx));
        let good = workbook(&headers(kind), &[trainee_row("张三", ID, s(""), "本单位", "本单位职工")], 0);
        assert_eq!(read(kind, &good[..good.len() / 2]), Err(RosterError::NotXlsx));
        // The parts a sniffer looks for, but no workbook in them.
        let fake = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]);
        let err = read(kind, &fake).unwrap_err();
        assert!(matches!(err, RosterError::Unreadable | RosterError::NoSheet), "{err:?}");
        // 4 MiB of zeros deflate to a few KiB: a zip bomb.
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &zeros),
        ]);
        let err = read(kind, &bomb).unwrap_err();
        assert_eq!(err, RosterError::ArchiveTooLarge);
        assert!(err.to_string().contains("压缩比异常"));
    }

    #[test]
    fn missing_and_repeated_headers_are_named() {
        let kind = RosterKind::Trainees;
        let err = read(kind, &workbook(&["姓名", "联系电话"], &[vec![s("张三")]], 0)).unwrap_err();
        assert_eq!(
            err,
            RosterError::MissingHeaders {
                kind,
                missing: vec!["居民身份证号码", "工作单位或学校", "统一社会信用代码", "与基地的关系", "人员类别"]
            }
        );
        assert_eq!(err.code(), "missing_headers");
        assert!(err.to_string().contains("缺少以下列：居民身份证号码、工作单位或学校"), "{err}");
        // No header at all: a classes template uploaded as trainees.
        let classes = workbook(&headers(RosterKind::Classes), &[vec![s("班")]], 0);
        let Err(RosterError::MissingHeaders { missing, .. }) = read(kind, &classes) else { panic!("no header") };
        assert_eq!(missing, headers(kind));
        let mut twice = headers(kind);
        twice.push("姓名");
        let err = read(kind, &workbook(&twice, &[vec![s("张三")]], 0)).unwrap_err();
        assert_eq!(err, RosterError::DuplicateHeader { header: "姓名" });
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_column_without_an_id_number() {
        let kind = RosterKind::Trainees;
        let bad_id = "110105194912310021";
        let rows = vec![
            trainee_row("张三", ID, s("13812345678"), "本单位", "本单位职工"),
            trainee_row("李四", bad_id, s(""), "本单位", "本单位职工"),
            trainee_row("", ID2, s(""), "朋友", "本单位职工"),
            trainee_row("赵六", "310101199001011", s("12345"), "本单位", "在校学生"),
        ];
        let upload = workbook(&headers(kind), &rows, 0);
        let roster = read(kind, &upload).unwrap();
        let problems = check_rows(kind, &roster, today());
        let at: Vec<(u32, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(
            at,
            [(3, "居民身份证号码"), (4, "姓名"), (4, "与基地的关系"), (5, "居民身份证号码"), (5, "联系电话")],
            "{problems:#?}"
        );
        assert_eq!(problems[0].value, "1101**********0021");
        assert_eq!(problems[3].value, "", "not 18 characters: nothing shown");
        assert_eq!(problems[4].value, "*****");
        assert_eq!(problems[2].value, "朋友");
        let json = serde_json::to_string(&problems).unwrap();
        for number in [bad_id, ID, ID2, "310101199001011", "19491231"] {
            assert!(!json.contains(number), "{json}");
        }

        let report = report_workbook(kind, &upload, &problems).unwrap();
        let cells = sheet_text(&report);
        assert_eq!(cells[0].last().map(String::as_str), Some(ERROR_HEADER));
        assert_eq!(cells[1].last().map(String::as_str), Some(""));
        assert!(cells[3][7].starts_with("姓名：请填写姓名；与基地的关系："), "{:?}", cells[3]);
        assert!(cells[4][7].contains("联系电话："));
        let reasons: String = cells.iter().filter_map(|r| r.last()).cloned().collect();
        assert!(!reasons.contains(bad_id) && !reasons.contains("310101199001011"));
        // Corrected or not, the report can be uploaded again (its extra column is ignored).
        assert_eq!(read(kind, &report).unwrap().rows, roster.rows);
        let note = part(&report, "xl/comments1.xml");
        assert!(note.contains("共 3 行、5 处问题"), "{note}");
    }

    #[test]
    fn duplicates_within_the_file_name_the_first_row() {
        let kind = RosterKind::Trainees;
        let rows = vec![
            trainee_row("张三", ID, s(""), "本单位", "本单位职工"),
            trainee_row("李四", ID2, s(""), "本单位", "本单位职工"),
            trainee_row("张三", &ID.to_lowercase(), s(""), "本单位", "本单位职工"),
        ];
        let roster = read(kind, &workbook(&headers(kind), &rows, 0)).unwrap();
        let problems = check_rows(kind, &roster, today());
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column.as_str()), (4, "居民身份证号码"));
        assert_eq!(problems[0].reason, "与第 2 行的身份证号码重复");
        assert_eq!(problems[0].value, "1101**********002x");

        let kind = RosterKind::Classes;
        let class = |name: &str| {
            vec![
                s(name),
                s("6-31-01-02"),
                s("自主培训"),
                s(""),
                s(""),
                s("2026-03-01"),
                s("2026-04-01"),
                Cell::N(40.0),
                s("实训楼"),
                s("李四"),
            ]
        };
        let roster =
            read(kind, &workbook(&headers(kind), &[class("电工班"), class("钳工班"), class("电工班")], 0)).unwrap();
        let problems = check_rows(kind, &roster, today());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].reason.as_str()), (4, "与第 2 行的班级名称重复"));

        let kind = RosterKind::Enrolments;
        let rows = vec![
            vec![s("电工班"), s(ID)],
            vec![s("钳工班"), s(ID)],
            vec![s("电工班"), s(ID)],
            vec![s("电工班"), s("")],
        ];
        let roster = read(kind, &workbook(&headers(kind), &rows, 0)).unwrap();
        let problems = check_rows(kind, &roster, today());
        let at: Vec<(u32, &str)> = problems.iter().map(|p| (p.line, p.reason.as_str())).collect();
        assert_eq!(at, [(4, "与第 2 行的身份证号码（同一班级）重复"), (5, "请填写居民身份证号码")]);
    }

    #[test]
    fn classes_and_enrolments_are_checked_by_the_domain() {
        let kind = RosterKind::Classes;
        let rows = vec![vec![
            s("班"),
            s("6-31"),
            s("定向培训"),
            s(""),
            s("本单位职工"),
            s("2026-04-01"),
            Cell::D(2026, 3, 1),
            Cell::N(0.0),
            s("楼"),
            s("师"),
        ]];
        let roster = read(kind, &workbook(&headers(kind), &rows, 0)).unwrap();
        let problems = check_rows(kind, &roster, today());
        let at: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(at, ["职业编码", "定向培训群体", "结业日期", "培训课时"], "{problems:?}");

        let kind = RosterKind::Enrolments;
        let rows = vec![vec![s("电工班"), s(ID), Cell::N(2001.0), s("在训"), s("合格")]];
        let roster = read(kind, &workbook(&headers(kind), &rows, 0)).unwrap();
        let at: Vec<(String, String)> =
            check_rows(kind, &roster, today()).into_iter().map(|p| (p.column, p.value)).collect();
        assert_eq!(at, [("出勤课时".into(), "2001".into()), ("考核结果".into(), "合格".into())]);
    }

    #[test]
    fn a_far_away_cell_costs_nothing_and_rows_are_bounded() {
        let kind = RosterKind::Enrolments;
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, title) in headers(kind).iter().enumerate() {
            sheet.write_string(0, col_num(col), *title).unwrap();
        }
        sheet.write_string(1, 0, "电工班").unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        sheet.write_string(1_048_575, 0, "钳工班").unwrap();
        let roster = read(kind, &workbook.save_to_buffer().unwrap()).unwrap();
        assert_eq!(roster.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 1_048_576]);

        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, title) in headers(kind).iter().enumerate() {
            sheet.write_string(0, col_num(col), *title).unwrap();
        }
        for row in 1..=u32::try_from(MAX_ROWS).unwrap() + 1 {
            sheet.write_number(row, 2, 1.0).unwrap();
        }
        let err = read(kind, &workbook.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, RosterError::TooManyRows { max: MAX_ROWS });
        assert_eq!(err.to_string(), "名册最多 100000 行，请分成几个文件上传");
    }

    #[test]
    fn ids_are_masked_only_when_whole() {
        assert_eq!(mask_resident_id("31010119900101123X"), "3101**********123X");
        assert_eq!(mask_resident_id("3101011990"), "");
        assert_eq!(mask_resident_id(""), "");
        // An ID number typed as a number: its digits, never an exponent (what a double lost is
        // lost; the check digit then fails).
        assert_eq!(number_text(110_105_194_912_310_021.0), "110105194912310016");
        assert_eq!(
            (number_text(40.0), number_text(1.5), number_text(f64::NAN)),
            ("40".into(), "1.5".into(), "NaN".into())
        );
    }

    #[test]
    fn the_report_neutralises_formula_like_text_and_says_when_all_is_well() {
        let kind = RosterKind::Trainees;
        let upload =
            workbook(&headers(kind), &[trainee_row("=HYPERLINK(\"http://x\")", ID, s(""), "本单位", "本单位职工")], 0);
        let report = report_workbook(kind, &upload, &[]).unwrap();
        let cells = sheet_text(&report);
        assert_eq!(cells[1][0], "'=HYPERLINK(\"http://x\")");
        assert!(!part(&report, "xl/worksheets/sheet1.xml").contains("<f>"));
        assert!(part(&report, "xl/comments1.xml").contains("未发现问题"));
        assert_eq!(report_workbook(kind, b"%PDF-1.7", &[]), Err(RosterError::NotXlsx));
    }

    fn cell_strategy() -> impl Strategy<Value = Cell> {
        prop_oneof![
            "[a-z0-9X张三、 =+-]{0,12}".prop_map(Cell::S),
            (0u32..10_000_000).prop_map(|n| Cell::N(f64::from(n))),
            (1990u16..2030, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Cell::D(y, m, d)),
        ]
    }

    fn expected(cell: &Cell) -> String {
        match cell {
            Cell::S(text) => text.trim().to_owned(),
            Cell::N(n) => format!("{n:.0}"),
            Cell::D(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
            Cell::F(_) | Cell::B(_) => unreachable!(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_bytes_are_refused_without_panicking(
            bytes in prop::collection::vec(any::<u8>(), 0..2048),
            zip_prefix in any::<bool>(),
            kind in prop::sample::select(RosterKind::ALL.to_vec()),
        ) {
            let mut bytes = bytes;
            if zip_prefix {
                bytes.splice(0..0, b"PK\x03\x04".iter().copied());
            }
            prop_assert!(read(kind, &bytes).is_err());
        }

        #[test]
        fn a_damaged_workbook_never_panics(at in 0usize..4096, junk in prop::collection::vec(any::<u8>(), 1..64)) {
            let kind = RosterKind::Trainees;
            let mut bytes = workbook(&headers(kind), &[trainee_row("张三", ID, s(""), "本单位", "本单位职工")], 0);
            let at = at % bytes.len();
            let end = (at + junk.len()).min(bytes.len());
            bytes[at..end].copy_from_slice(&junk[..end - at]);
            let _ = read(kind, &bytes);
        }

        #[test]
        fn any_sheet_xml_never_panics(tokens in prop::collection::vec(prop::sample::select(vec![
            "<row r=\"1\">", "<row r=\"2\">", "<row r=\"1048576\">", "<row r=\"0\">", "<row>", "</row>",
            "<c r=\"A1\" t=\"inlineStr\"><is><t>姓名</t></is></c>", "<c r=\"B1\" t=\"inlineStr\"><is><t>居民身份证号码</t></is></c>",
            "<c r=\"A2\" t=\"s\"><v>0</v></c>", "<c t=\"s\"><v>99</v></c>", "<c t=\"d\"><v>2026-01-0中文</v></c>",
            "<c t=\"d\"><v>2026-01-02T10:00:00</v></c>", "<c><f>1+1</f><v>2</v></c>", "<c><f t=\"shared\" si=\"0\"/></c>",
            "<c r=\"XFD1048576\"><v>1</v></c>", "<c r=\"ZZZZ9\"><v>1</v></c>", "<c t=\"e\"><v>#N/A</v></c>",
            "<c t=\"b\"><v>1</v></c>", "<c s=\"1\"><v>45000.5</v></c>", "<c><v>NaN</v></c>", "<c><v>1e400</v></c>",
            "<c>", "</c>", "<v>", "</v>", "&amp;", "&#0;", "<", ">", "\"", "x",
        ]), 0..40)) {
            let kind = RosterKind::Trainees;
            let good = workbook(&headers(kind), &[trainee_row("张三", ID, s(""), "本单位", "本单位职工")], 0);
            let mut xml = String::from("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
            xml.extend(tokens);
            xml.push_str("</sheetData></worksheet>");
            let _ = read(kind, &replace_part(&good, "xl/worksheets/sheet1.xml", xml.as_bytes()));
        }

        #[test]
        fn any_filled_workbook_reads_back(
            rows in prop::collection::vec(prop::collection::vec(cell_strategy(), 5), 1..20),
            order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
            title in any::<bool>(),
        ) {
            let kind = RosterKind::Enrolments;
            let columns = headers(kind);
            let mut header: Vec<&str> = order.iter().map(|i| columns[*i]).collect();
            header.push("备注");
            let written: Vec<Vec<Cell>> = rows.iter().map(|row| {
                let mut cells: Vec<Cell> = order.iter().map(|i| row[*i].clone()).collect();
                cells.push(s("多余的列"));
                cells
            }).collect();
            let title_rows = u32::from(title);
            let bytes = workbook(&header, &written, title_rows);
            let want: Vec<RosterRow> = rows.iter().enumerate().filter_map(|(index, row)| {
                let cells: Vec<String> = row.iter().map(expected).collect();
                let line = title_rows + 2 + u32::try_from(index).unwrap_or(0);
                cells.iter().any(|c| !c.is_empty()).then_some(RosterRow { line, cells })
            }).collect();
            match read(kind, &bytes) {
                Ok(roster) => {
                    prop_assert_eq!(roster.rows, want);
                    prop_assert!(roster.problems.is_empty());
                }
                Err(err) => {
                    prop_assert_eq!(err, RosterError::NoRows);
                    prop_assert!(want.is_empty());
                }
            }
        }
    }
}
