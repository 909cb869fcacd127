//! 统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.
//!
//! Layout of the 18 characters:
//!
//! | position | meaning |
//! |----------|---------|
//! | 1        | 登记管理部门码 (registration authority, e.g. `9` 市场监管) |
//! | 2        | 机构类别码 (organisation type, e.g. `1` 企业 under `9`) |
//! | 3–8      | 登记管理机关行政区划码 (GB/T 2260 division code) |
//! | 9–17     | 主体标识码 (the GB 11714 organisation code, with its own check) |
//! | 18       | 校验码 (mod-31 check character) |
//!
//! [`Uscc::parse`] is the only way to build a [`Uscc`]; it checks length, character set and the
//! mod-31 check character. It does **not** apply the GB 11714 check to positions 9–17 (most public
//! validators don't, and rejecting codes that the registration authority issued would lock real
//! organisations out); [`Uscc::org_code_check_ok`] exposes that check for callers that want to warn.
//!
//! Input policy: surrounding whitespace is trimmed and ASCII lower-case letters are upper-cased
//! before validation, because people type codes in lower case. The stored value is always the
//! canonical upper-case form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 31 characters of the code, in value order (0…30). I, O, Z, S and V are never used.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Wi = 3^(i−1) mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// GB 11714 organisation-code weights over its first 8 characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Number of characters in a code.
const USCC_LEN: usize = 18;

/// A syntactically valid 统一社会信用代码 (canonical upper-case form).
///
/// Serialises as its 18-character string; deserialising parses, so invalid input fails.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a string is not a valid 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not exactly 18 characters (after trimming).
    #[error("统一社会信用代码应为18位，实际为{actual}位")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// A character outside `0-9 A-H J-N P-R T U W-Y` (1-based position).
    #[error("统一社会信用代码第{position}位字符“{found}”无效（只能使用数字和除 I、O、S、V、Z 以外的大写字母）")]
    Charset {
        /// 1-based position of the offending character.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The mod-31 check character (position 18) does not match positions 1–17.
    ///
    /// The message deliberately does not tell the user which character "should" be there: the
    /// typo is as likely to be in positions 1–17.
    #[error("统一社会信用代码校验位不符，请核对是否输入有误")]
    Check {
        /// The check character computed from positions 1–17.
        expected: char,
        /// The character found at position 18.
        found: char,
    },
}

impl UsccError {
    /// A stable machine-readable code for this error (for APIs, logs and field errors).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "uscc_length",
            Self::Charset { .. } => "uscc_charset",
            Self::Check { .. } => "uscc_check",
        }
    }
}

/// Value (0…30) of a character of the code, or `None` if it is not in the set.
fn char_value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).and_then(|v| u32::try_from(v).ok())
}

/// The check character for 17 characters that are all in [`CHARSET`].
fn check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0_u32;
    for (&c, w) in body.iter().zip(WEIGHTS) {
        sum += char_value(c)? * w;
    }
    let value = (31 - sum % 31) % 31;
    CHARSET.get(usize::try_from(value).ok()?).copied()
}

impl Uscc {
    /// Parses a code: trims surrounding whitespace, upper-cases ASCII letters, then checks the
    /// length, the character set and the mod-31 check character.
    ///
    /// # Errors
    /// [`UsccError::Length`], [`UsccError::Charset`] or [`UsccError::Check`], in that order of
    /// precedence.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let trimmed = input.trim();
        let actual = trimmed.chars().count();
        if actual != USCC_LEN {
            return Err(UsccError::Length { actual });
        }
        let mut canonical = String::with_capacity(USCC_LEN);
        for (i, c) in trimmed.chars().enumerate() {
            let upper = c.to_ascii_uppercase();
            let in_set = u8::try_from(upper).is_ok_and(|b| CHARSET.contains(&b));
            if !in_set {
                return Err(UsccError::Charset { position: i + 1, found: c });
            }
            canonical.push(upper);
        }
        let bytes = canonical.as_bytes();
        let (body, found) = bytes.split_at(USCC_LEN - 1);
        let expected = check_char(body).unwrap_or(b'?');
        let found = found.first().copied().unwrap_or(b'?');
        if expected != found {
            return Err(UsccError::Check { expected: char::from(expected), found: char::from(found) });
        }
        Ok(Self(canonical))
    }

    /// The canonical 18-character code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: 登记管理部门码 (e.g. `'9'` for 市场监管, `'5'` 民政, `'1'` 机构编制).
    #[must_use]
    pub fn registration_authority(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: 机构类别码 (meaning depends on the registration authority).
    #[must_use]
    pub fn org_type(&self) -> char {
        self.char_at(1)
    }

    /// Positions 3–8: the registering authority's GB/T 2260 division code (e.g. `"310118"`).
    #[must_use]
    pub fn division_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// Positions 9–17: the subject identifier, i.e. the GB 11714 organisation code with its
    /// own check character.
    #[must_use]
    pub fn org_code(&self) -> &str {
        self.0.get(8..17).unwrap_or_default()
    }

    /// Whether positions 9–17 pass the GB 11714 organisation-code check (weights
    /// `3 7 9 10 5 8 4 2`, digits at face value, letters A=10…Z=35, c9 = 11 − (S mod 11) with
    /// 10 written `X` and 11 written `0`).
    ///
    /// Not applied by [`Uscc::parse`]; use it to warn, not to reject.
    #[must_use]
    pub fn org_code_check_ok(&self) -> bool {
        let org = self.org_code().as_bytes();
        let Some((&given, body)) = org.split_last() else {
            return false;
        };
        let mut sum = 0_u32;
        for (&c, w) in body.iter().zip(ORG_WEIGHTS) {
            let value = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => return false,
            };
            sum += value * w;
        }
        let expected = match 11 - sum % 11 {
            10 => b'X',
            11 => b'0',
            // 1..=9
            d => b'0' + u8::try_from(d).unwrap_or(0),
        };
        expected == given
    }

    /// The ASCII character at a 0-based index (always present: the code is 18 ASCII chars).
    fn char_at(&self, index: usize) -> char {
        self.0.as_bytes().get(index).map_or('?', |&b| char::from(b))
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Uscc {
    type Error = UsccError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> Self {
        value.0
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        uscc: Section,
    }
    #[derive(serde::Deserialize)]
    struct Section {
        valid: Vec<Valid>,
        invalid: Vec<Invalid>,
    }
    #[derive(serde::Deserialize)]
    struct Valid {
        value: String,
    }
    #[derive(serde::Deserialize)]
    struct Invalid {
        value: String,
        reason: String,
    }

    fn vectors() -> Section {
        let v: Vectors = serde_json::from_str(include_str!("../data/test-vectors/ids.json")).expect("ids.json parses");
        v.uscc
    }

    #[test]
    fn published_and_synthetic_vectors_are_valid() {
        let section = vectors();
        assert_eq!(section.valid.len(), 6);
        for v in &section.valid {
            let code = Uscc::parse(&v.value).expect(&v.value);
            assert_eq!(code.as_str(), v.value);
            assert!(code.org_code_check_ok(), "{} org code", v.value);
        }
    }

    #[test]
    fn invalid_vectors_fail_for_their_stated_reason() {
        let section = vectors();
        assert_eq!(section.invalid.len(), 10);
        for v in &section.invalid {
            let result = Uscc::parse(&v.value);
            match v.reason.as_str() {
                "length" => assert!(matches!(result, Err(UsccError::Length { .. })), "{}: {result:?}", v.value),
                "check" => assert!(matches!(result, Err(UsccError::Check { .. })), "{}: {result:?}", v.value),
                "format" if v.value.bytes().any(|b| b.is_ascii_lowercase()) => {
                    // Our policy upper-cases input: the vector is accepted iff its upper-case
                    // form is valid, and then normalises to it.
                    let upper = v.value.to_ascii_uppercase();
                    match Uscc::parse(&upper) {
                        Ok(expected) => assert_eq!(result, Ok(expected), "{}", v.value),
                        Err(e) => assert_eq!(result, Err(e), "{}", v.value),
                    }
                }
                "format" => assert!(matches!(result, Err(UsccError::Charset { .. })), "{}: {result:?}", v.value),
                "org_code_check" => {
                    let code = result.expect("mod-31 check passes, so parse accepts it");
                    assert!(!code.org_code_check_ok(), "{}", v.value);
                }
                other => panic!("unknown reason {other}"),
            }
        }
    }

    #[test]
    fn lower_case_is_accepted_and_upper_cased() {
        let code = Uscc::parse("  91512081ma62k0260e\n").expect("valid after upper-casing");
        assert_eq!(code.as_str(), "91512081MA62K0260E");
    }

    #[test]
    fn charset_error_names_position_and_char() {
        assert_eq!(Uscc::parse("91350100M000100Y4Z"), Err(UsccError::Charset { position: 18, found: 'Z' }));
        assert_eq!(Uscc::parse("914403001922O38216"), Err(UsccError::Charset { position: 13, found: 'O' }));
        // Non-ASCII counts as one character, not as its UTF-8 bytes.
        assert_eq!(Uscc::parse("91350100M000100Y4中"), Err(UsccError::Charset { position: 18, found: '中' }));
    }

    #[test]
    fn check_error_reports_expected_and_found() {
        assert_eq!(Uscc::parse("91350100M000100Y44"), Err(UsccError::Check { expected: '3', found: '4' }));
    }

    #[test]
    fn accessors() {
        let code = Uscc::parse("91310118MA1G00011T").expect("valid");
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.org_type(), '1');
        assert_eq!(code.division_code(), "310118");
        assert_eq!(code.org_code(), "MA1G00011");
        assert_eq!(code.to_string(), "91310118MA1G00011T");
    }

    #[test]
    fn error_codes_and_messages() {
        let e = Uscc::parse("123").expect_err("too short");
        assert_eq!(e.code(), "uscc_length");
        assert_eq!(e.to_string(), "统一社会信用代码应为18位，实际为3位");
        let e = Uscc::parse("91350100I000100Y43").expect_err("letter I");
        assert_eq!(e.code(), "uscc_charset");
        assert!(e.to_string().contains("第9位"));
        let e = Uscc::parse("91350100M000100Y44").expect_err("check");
        assert_eq!(e.code(), "uscc_check");
    }

    #[test]
    fn serde_round_trip_and_rejects_invalid() {
        let code = Uscc::parse("914403001922038216").expect("valid");
        let json = serde_json::to_string(&code).expect("serialises");
        assert_eq!(json, "\"914403001922038216\"");
        let back: Uscc = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, code);
        assert!(serde_json::from_str::<Uscc>("\"914403001922038217\"").is_err());
        let mut de = serde_json::Deserializer::from_str("\"91512081ma62k0260e\"");
        let lower = Uscc::deserialize(&mut de).expect("lower case accepted");
        assert_eq!(lower.as_str(), "91512081MA62K0260E");
    }

    fn with_check(body: &str) -> String {
        let check = check_char(body.as_bytes()).expect("body in charset");
        format!("{body}{}", char::from(check))
    }

    fn charset_char() -> impl Strategy<Value = char> {
        (0..CHARSET.len()).prop_map(|i| char::from(CHARSET[i]))
    }

    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(charset_char(), 17).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn generated_codes_parse(body in body()) {
            let code = with_check(&body);
            let parsed = Uscc::parse(&code).expect("generated code is valid");
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn any_single_substitution_fails(
            body in body(),
            position in 0..USCC_LEN,
            replacement in charset_char(),
        ) {
            let code = with_check(&body);
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            let is_check_error = matches!(Uscc::parse(&changed), Err(UsccError::Check { .. }));
            prop_assert!(is_check_error);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = Uscc::parse(&s);
        }

        #[test]
        fn near_miss_strings_never_panic(s in "[0-9A-Za-z \u{4e2d}]{0,20}") {
            if let Ok(code) = Uscc::parse(&s) {
                prop_assert_eq!(code.as_str().len(), USCC_LEN);
                let _ = code.org_code_check_ok();
            }
        }
    }
}
