//! Occupations (职业, 细类) of the 2022 中华人民共和国职业分类大典, for the application form's
//! occupation picker and for validating occupation codes.
//!
//! The table is embedded from `data/occupations/csco-2022.csv` (see its `PROVENANCE.md`) and parsed
//! once, on first use. The CSV's key is `(code, level)`: the same code can name a 中类, a 小类 and
//! an occupation at once. Only the level-4 rows (1,643 occupations) are occupations here, so a code
//! that exists only as a group (e.g. `6-18-02-00` 机械热加工人员) is refused as unknown.
//!
//! Rows whose `check` column is not `agree` were found in only one of the two unofficial sources,
//! or the sources disagreed on the name; they are flagged [`Occupation::needs_confirmation`].

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The embedded classification: `code,name,level,level_name,mark,check`, CRLF line ends.
const CSV: &str = include_str!("../data/occupations/csco-2022.csv");

const HEADER: &str = "code,name,level,level_name,mark,check";

/// Level-4 rows by code, parsed once.
static TABLE: LazyLock<BTreeMap<&'static str, Occupation>> =
    LazyLock::new(|| parse_table(CSV).expect("embedded csco-2022.csv is well-formed (checked by the tests)"));

/// One occupation (level 4, 职业/细类) of the 2022 classification.
///
/// Values exist only inside the embedded table; get them with [`OccupationCode::occupation`],
/// [`Occupation::all`] or [`search`]. Serialises as
/// `{"code", "name", "green", "digital", "needs_confirmation"}`.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Occupation {
    code: &'static str,
    name: &'static str,
    /// 绿色职业 (mark `L` or `L/S`).
    green: bool,
    /// 数字职业 (mark `S` or `L/S`).
    digital: bool,
    /// The `check` column is not `agree`: confirm against the book before relying on the row.
    needs_confirmation: bool,
    /// The raw `check` column (`agree`, `B only`, `differs: B=…`, …).
    #[serde(skip)]
    source_check: &'static str,
}

impl Occupation {
    /// The occupation's code as a validated [`OccupationCode`].
    #[must_use]
    pub fn code(&'static self) -> OccupationCode {
        OccupationCode(self)
    }

    /// The code as text, e.g. `"6-18-02-04"`.
    #[must_use]
    pub fn code_str(&self) -> &'static str {
        self.code
    }

    /// The occupation's name, e.g. `"焊工"`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Labelled 绿色职业 (green occupation) in the 2022 edition.
    #[must_use]
    pub fn is_green(&self) -> bool {
        self.green
    }

    /// Labelled 数字职业 (digital occupation) in the 2022 edition.
    #[must_use]
    pub fn is_digital(&self) -> bool {
        self.digital
    }

    /// Whether the row was not confirmed by both sources (its `check` is not `agree`).
    #[must_use]
    pub fn needs_confirmation(&self) -> bool {
        self.needs_confirmation
    }

    /// How the row was cross-checked (the CSV's `check` column), for staff-facing notes.
    #[must_use]
    pub fn source_check(&self) -> &'static str {
        self.source_check
    }

    /// Every occupation, in code order.
    pub fn all() -> impl Iterator<Item = &'static Occupation> {
        TABLE.values()
    }
}

/// A code of an occupation (level 4) in the 2022 classification, e.g. `6-18-02-04`.
///
/// Serialises as the code string; deserialising parses it, so unknown codes fail.
#[derive(Clone, Copy)]
pub struct OccupationCode(&'static Occupation);

/// Why a string is not an occupation code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OccupationError {
    /// Not of the shape `X-XX-XX-XX` (ASCII digits).
    #[error("职业编码格式应为 X-XX-XX-XX，例如 6-18-02-04")]
    Format,
    /// Well-formed, but not an occupation (细类) of the 2022 classification.
    #[error("职业编码 {code} 不是《中华人民共和国职业分类大典（2022年版）》中的职业")]
    Unknown {
        /// The code that was looked up.
        code: String,
    },
}

impl OccupationError {
    /// A stable machine-readable code for this error (for APIs, logs and field errors).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Format => "occupation_format",
            Self::Unknown { .. } => "occupation_unknown",
        }
    }
}

/// Whether `s` has the shape `\d-\d\d-\d\d-\d\d`.
fn has_code_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| match i {
            1 | 4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        })
}

impl OccupationCode {
    /// Parses an occupation code: trims whitespace, checks the shape `X-XX-XX-XX`, and looks it
    /// up among the level-4 rows.
    ///
    /// # Errors
    /// [`OccupationError::Format`] or [`OccupationError::Unknown`].
    pub fn parse(input: &str) -> Result<Self, OccupationError> {
        let code = input.trim();
        if !has_code_shape(code) {
            return Err(OccupationError::Format);
        }
        TABLE.get(code).map(OccupationCode).ok_or_else(|| OccupationError::Unknown { code: code.to_owned() })
    }

    /// The code, e.g. `"6-18-02-04"`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        self.0.code
    }

    /// The occupation's name, e.g. `"焊工"`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// The full table row.
    #[must_use]
    pub fn occupation(&self) -> &'static Occupation {
        self.0
    }
}

impl PartialEq for OccupationCode {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for OccupationCode {}

impl Hash for OccupationCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for OccupationCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OccupationCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OccupationCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OccupationCode {
    type Err = OccupationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for OccupationCode {
    type Error = OccupationError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for OccupationCode {
    type Error = OccupationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl Serialize for OccupationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OccupationCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Occupations matching `query`, best first, at most `limit` of them (for the occupation picker).
///
/// The query is trimmed. It matches an occupation whose code starts with it (`6-18`, `6-18-02-04`)
/// or whose name contains it (`焊`). Ranking: exact code or name first, then code or name
/// prefixes, then other name matches; ties in code order. An empty query matches nothing.
#[must_use]
pub fn search(query: &str, limit: usize) -> Vec<&'static Occupation> {
    let q = query.trim();
    if q.is_empty() || limit == 0 {
        return Vec::new();
    }
    let mut hits: Vec<(u8, &'static Occupation)> = TABLE
        .values()
        .filter_map(|o| {
            let rank = if o.code == q || o.name == q {
                0
            } else if o.code.starts_with(q) || o.name.starts_with(q) {
                1
            } else if o.name.contains(q) {
                2
            } else {
                return None;
            };
            Some((rank, o))
        })
        .collect();
    // Stable: equal ranks stay in code order.
    hits.sort_by_key(|&(rank, _)| rank);
    hits.into_iter().take(limit).map(|(_, o)| o).collect()
}

/// Parses the embedded CSV into its level-4 rows, refusing anything unexpected so that a change
/// to the data file cannot slip in silently.
fn parse_table(csv: &'static str) -> Result<BTreeMap<&'static str, Occupation>, String> {
    let mut lines = csv.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_start_matches('\u{feff}') == HEADER => {}
        other => return Err(format!("unexpected header: {other:?}")),
    }
    let mut table = BTreeMap::new();
    for (index, line) in lines {
        let line_no = index + 1;
        if line.is_empty() {
            continue;
        }
        if line.contains('"') {
            return Err(format!("line {line_no}: quoted fields are not supported"));
        }
        let fields: Vec<&'static str> = line.split(',').collect();
        let [code, name, level, _level_name, mark, check] = fields.as_slice() else {
            return Err(format!("line {line_no}: expected 6 fields"));
        };
        if !has_code_shape(code) {
            return Err(format!("line {line_no}: bad code {code:?}"));
        }
        if name.is_empty() || name.trim() != *name {
            return Err(format!("line {line_no}: bad name {name:?}"));
        }
        match *level {
            "1" | "2" | "3" => continue,
            "4" => {}
            _ => return Err(format!("line {line_no}: bad level {level:?}")),
        }
        let (green, digital) = match *mark {
            "" => (false, false),
            "L" => (true, false),
            "S" => (false, true),
            "L/S" => (true, true),
            _ => return Err(format!("line {line_no}: bad mark {mark:?}")),
        };
        if check.is_empty() {
            return Err(format!("line {line_no}: empty check"));
        }
        let occupation =
            Occupation { code, name, green, digital, needs_confirmation: *check != "agree", source_check: check };
        if table.insert(*code, occupation).is_some() {
            return Err(format!("line {line_no}: duplicate level-4 code {code}"));
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> OccupationCode {
        OccupationCode::parse(s).expect(s)
    }

    #[test]
    fn table_parses_with_1643_occupations() {
        let table = parse_table(CSV).expect("well-formed");
        assert_eq!(table.len(), 1_643);
        assert_eq!(Occupation::all().count(), 1_643);
        // Totals stated in PROVENANCE.md: green (L + L/S) 134, digital (S + L/S) 95, both 23.
        let green = Occupation::all().filter(|o| o.is_green()).count();
        let digital = Occupation::all().filter(|o| o.is_digital()).count();
        let both = Occupation::all().filter(|o| o.is_green() && o.is_digital()).count();
        assert_eq!((green, digital, both), (134, 95, 23));
        let agree = Occupation::all().filter(|o| !o.needs_confirmation()).count();
        assert_eq!(agree, 1_622);
    }

    #[test]
    fn spot_checks() {
        assert_eq!(code("6-18-02-04").name(), "焊工");
        assert_eq!(code("6-31-01-03").name(), "电工");
        assert_eq!(code("4-10-01-05").name(), "养老护理员");
        let ai = code("4-04-05-05").occupation();
        assert_eq!(ai.name(), "人工智能训练师");
        assert!(ai.is_digital() && !ai.is_green());
        let carbon = code("4-09-07-04").occupation();
        assert_eq!(carbon.name(), "碳排放管理员");
        assert!(carbon.is_green() && !carbon.is_digital());
        assert!(!carbon.needs_confirmation());
        assert_eq!(carbon.source_check(), "agree");
        assert_eq!(code(" 6-18-01-01 ").name(), "车工");
    }

    #[test]
    fn group_codes_are_unknown() {
        // 6-18-02-00 is only a 小类; 6-20-03-00 was relabelled from level 4 to level 3.
        for s in ["6-18-02-00", "6-20-03-00", "6-00-00-00"] {
            let e = OccupationCode::parse(s).expect_err(s);
            assert_eq!(e, OccupationError::Unknown { code: s.to_owned() });
            assert_eq!(e.code(), "occupation_unknown");
        }
        // 1-02-01-00 is a 小类 and an occupation at once: accepted as the occupation.
        assert_eq!(code("1-02-01-00").name(), "国家权力机关负责人");
        // Vacant per PROVENANCE.md.
        assert!(OccupationCode::parse("4-10-01-02").is_err());
    }

    #[test]
    fn rows_needing_confirmation_are_flagged() {
        let o = code("4-04-05-09").occupation();
        assert!(o.needs_confirmation());
        assert_eq!(o.source_check(), "B only");
    }

    #[test]
    fn format_errors() {
        for s in ["", "6-18-02", "61802 04", "6-18-02-4", "6/18/02/04", "6-18-02-04-", "６-18-02-04", "a-bc-de-fg"] {
            let e = OccupationCode::parse(s).expect_err(s);
            assert_eq!(e, OccupationError::Format, "{s}");
            assert_eq!(e.code(), "occupation_format");
        }
        assert!(OccupationError::Format.to_string().contains("X-XX-XX-XX"));
    }

    #[test]
    fn serde_as_string() {
        let c = code("6-18-02-04");
        assert_eq!(serde_json::to_string(&c).expect("ser"), "\"6-18-02-04\"");
        let back: OccupationCode = serde_json::from_str("\"6-31-01-03\"").expect("de");
        assert_eq!(back.name(), "电工");
        assert!(serde_json::from_str::<OccupationCode>("\"6-18-02-00\"").is_err());
        assert_eq!(
            serde_json::to_value(code("4-04-05-05").occupation()).expect("ser"),
            serde_json::json!({
                "code": "4-04-05-05",
                "name": "人工智能训练师",
                "green": false,
                "digital": true,
                "needs_confirmation": false
            })
        );
    }

    #[test]
    fn codes_compare_by_code() {
        assert_eq!(code("6-18-02-04"), code("6-18-02-04"));
        assert!(code("4-10-01-05") < code("6-18-02-04"));
        assert_eq!(format!("{:?}", code("6-31-01-03")), "OccupationCode(\"6-31-01-03\")");
        assert_eq!(code("6-31-01-03").to_string(), "6-31-01-03");
        assert_eq!(code("6-31-01-03").occupation().code(), code("6-31-01-03"));
    }

    #[test]
    fn search_by_name_and_code() {
        let names: Vec<_> = search("焊工", 10).iter().map(|o| o.name()).collect();
        assert_eq!(names.first(), Some(&"焊工"));
        assert!(names.contains(&"喷涂喷焊工"));

        let by_code = search("6-18-02", 100);
        assert!(!by_code.is_empty());
        assert!(by_code.iter().all(|o| o.code_str().starts_with("6-18-02")));
        assert!(by_code.iter().any(|o| o.name() == "焊工"));

        assert_eq!(search("6-18-02-04", 5).len(), 1);
        assert_eq!(search("焊", 2).len(), 2);
        assert!(search("", 10).is_empty());
        assert!(search("   ", 10).is_empty());
        assert!(search("焊", 0).is_empty());
        assert!(search("不存在的职业名称", 10).is_empty());
    }
}
