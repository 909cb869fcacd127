//! 公民身份号码 (resident ID number), GB 11643-1999.
//!
//! Layout of the 18 characters: 6-digit address code (GB/T 2260), 8-digit birth date `YYYYMMDD`,
//! 3-digit sequence number (odd for men, even for women), and a check character computed with
//! ISO 7064:1983 MOD 11-2 (`0`–`9` or `X`).
//!
//! Input policy: surrounding whitespace is trimmed and a lower-case `x` check character is
//! accepted and normalised to `X` (people type it that way; the standard writes `X`). The stored
//! value is always the canonical upper-case form. Note that `data/test-vectors/ids.json` marks
//! the lower-case vector as `format` (the strict policy); we deliberately chose the lenient one.
//!
//! Privacy: a resident ID number is personal data. `Debug` and `Display` print only the masked
//! form (`3101**********123X`); the full number is available through the explicit
//! [`ResidentId::expose`]. There is deliberately no `Serialize`/`Deserialize`: callers must
//! choose between [`ResidentId::masked`] and [`ResidentId::expose`] when writing one out, and
//! parse with [`ResidentId::parse`] when reading one in.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Number of characters in a resident ID number.
const LEN: usize = 18;

/// ISO 7064 MOD 11-2 weights, Wi = 2^(18−i) mod 11, for positions 1–17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character indexed by S mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Earliest birth date accepted (the standard's own example uses 1880-01-01).
const EARLIEST_BIRTH: (i32, u32, u32) = (1880, 1, 1);

/// A valid 18-character resident ID number.
///
/// Build one with [`ResidentId::parse`] or [`ResidentId::parse_at`]. `Debug` and `Display` show
/// only the masked form; see the module documentation.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId {
    /// Canonical form: 17 ASCII digits and a digit or `X`.
    value: String,
    /// The birth date encoded in positions 7–14, already checked to be a real date.
    birth_date: NaiveDate,
}

/// Sex as encoded by the parity of the 17th digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

/// Why a string is not a valid resident ID number.
///
/// No variant carries the number itself, so errors can be logged safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not exactly 18 characters (after trimming). A legacy 15-digit number lands here.
    #[error("公民身份号码应为18位，实际为{actual}位")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// A character that is not allowed at its position (1-based).
    #[error("公民身份号码第{position}位字符无效：前17位应为数字，第18位应为数字或X")]
    Format {
        /// 1-based position of the offending character.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// Positions 7–14 are not a real date, or the date is before 1880-01-01.
    #[error("公民身份号码中的出生日期无效")]
    InvalidBirthDate,
    /// The MOD 11-2 check character does not match positions 1–17.
    ///
    /// The message does not say which character "should" be there: the typo is as likely to be
    /// in positions 1–17.
    #[error("公民身份号码校验位不符，请核对是否输入有误")]
    Check {
        /// The check character computed from positions 1–17.
        expected: char,
        /// The character found at position 18.
        found: char,
    },
    /// The birth date is after "today" (only from [`ResidentId::parse_at`]).
    #[error("公民身份号码中的出生日期晚于当前日期")]
    BirthDateInFuture,
}

impl ResidentIdError {
    /// A stable machine-readable code for this error (for APIs, logs and field errors).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "resident_id_length",
            Self::Format { .. } => "resident_id_format",
            Self::InvalidBirthDate => "resident_id_date",
            Self::Check { .. } => "resident_id_check",
            Self::BirthDateInFuture => "resident_id_future",
        }
    }
}

/// The MOD 11-2 check character for 17 ASCII digits.
fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d.wrapping_sub(b'0')) * w).sum();
    let index = usize::try_from(sum % 11).unwrap_or(0);
    CHECK_CHARS.get(index).copied().unwrap_or(b'?')
}

/// Value of a run of ASCII digits (the caller has checked they are digits; at most 4 of them).
fn digits_value(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

impl ResidentId {
    /// Parses a resident ID number: trims whitespace, accepts a lower-case `x` check character
    /// (normalised to `X`), then checks length, characters, birth date (a real date, not before
    /// 1880-01-01) and the MOD 11-2 check character.
    ///
    /// It does not compare the birth date with today; use [`ResidentId::parse_at`] for that.
    ///
    /// # Errors
    /// [`ResidentIdError::Length`], [`ResidentIdError::Format`],
    /// [`ResidentIdError::InvalidBirthDate`] or [`ResidentIdError::Check`], in that order of
    /// precedence.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let trimmed = input.trim();
        let actual = trimmed.chars().count();
        if actual != LEN {
            return Err(ResidentIdError::Length { actual });
        }
        let mut value = String::with_capacity(LEN);
        for (i, c) in trimmed.chars().enumerate() {
            let ok = if i < LEN - 1 { c.is_ascii_digit() } else { c.is_ascii_digit() || c == 'X' || c == 'x' };
            if !ok {
                return Err(ResidentIdError::Format { position: i + 1, found: c });
            }
            value.push(c.to_ascii_uppercase());
        }

        let bytes = value.as_bytes();
        let birth_date = bytes
            .get(6..14)
            .and_then(|d| {
                let year = i32::try_from(digits_value(d.get(0..4)?)).ok()?;
                NaiveDate::from_ymd_opt(year, digits_value(d.get(4..6)?), digits_value(d.get(6..8)?))
            })
            .filter(|&date| {
                let (y, m, d) = EARLIEST_BIRTH;
                NaiveDate::from_ymd_opt(y, m, d).is_some_and(|earliest| date >= earliest)
            })
            .ok_or(ResidentIdError::InvalidBirthDate)?;

        let (body, last) = bytes.split_at(LEN - 1);
        let expected = check_char(body);
        let found = last.first().copied().unwrap_or(b'?');
        if expected != found {
            return Err(ResidentIdError::Check { expected: char::from(expected), found: char::from(found) });
        }
        Ok(Self { value, birth_date })
    }

    /// Like [`ResidentId::parse`], and also refuses a birth date after `today`.
    ///
    /// # Errors
    /// As [`ResidentId::parse`], plus [`ResidentIdError::BirthDateInFuture`].
    pub fn parse_at(input: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let id = Self::parse(input)?;
        if id.birth_date > today {
            return Err(ResidentIdError::BirthDateInFuture);
        }
        Ok(id)
    }

    /// The full 18-character number. Named so that every use of it stands out in review: do not
    /// log it or show it where [`ResidentId::masked`] would do.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The form shown on screen: first 4 characters, 10 `*`, last 4 (`3101**********123X`).
    #[must_use]
    pub fn masked(&self) -> String {
        let head = self.value.get(..4).unwrap_or_default();
        let tail = self.value.get(LEN - 4..).unwrap_or_default();
        format!("{head}**********{tail}")
    }

    /// The birth date encoded in positions 7–14.
    #[must_use]
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Sex from the parity of the 17th digit (odd: male, even: female).
    #[must_use]
    pub fn sex(&self) -> Sex {
        let digit = self.value.as_bytes().get(16).copied().unwrap_or(b'0');
        if digit.wrapping_sub(b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// Positions 1–6: the GB/T 2260 address code at the time of issue (e.g. `"310118"`).
    #[must_use]
    pub fn address_code(&self) -> &str {
        self.value.get(..6).unwrap_or_default()
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

/// Prints the masked form; use [`ResidentId::expose`] for the full number.
impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for ResidentId {
    type Error = ResidentIdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        resident_id: Section,
    }
    #[derive(serde::Deserialize)]
    struct Section {
        valid: Vec<Valid>,
        invalid: Vec<Invalid>,
    }
    #[derive(serde::Deserialize)]
    struct Valid {
        value: String,
        birth_date: NaiveDate,
        sex: String,
        address_code: String,
    }
    #[derive(serde::Deserialize)]
    struct Invalid {
        value: String,
        reason: String,
    }

    fn vectors() -> Section {
        let v: Vectors = serde_json::from_str(include_str!("../data/test-vectors/ids.json")).expect("ids.json parses");
        v.resident_id
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("real date")
    }

    #[test]
    fn valid_vectors_parse_with_their_birth_date_and_sex() {
        let section = vectors();
        assert_eq!(section.valid.len(), 5);
        for v in &section.valid {
            let id = ResidentId::parse(&v.value).expect(&v.value);
            assert_eq!(id.expose(), v.value);
            assert_eq!(id.birth_date(), v.birth_date, "{}", v.value);
            let sex = match v.sex.as_str() {
                "M" => Sex::Male,
                "F" => Sex::Female,
                other => panic!("unknown sex {other}"),
            };
            assert_eq!(id.sex(), sex, "{}", v.value);
            assert_eq!(id.address_code(), v.address_code);
        }
    }

    #[test]
    fn invalid_vectors_fail_for_their_stated_reason() {
        let section = vectors();
        assert_eq!(section.invalid.len(), 10);
        for v in &section.invalid {
            let result = ResidentId::parse(&v.value);
            match v.reason.as_str() {
                "length" => assert!(matches!(result, Err(ResidentIdError::Length { .. })), "{}: {result:?}", v.value),
                "date" => assert_eq!(result, Err(ResidentIdError::InvalidBirthDate), "{}", v.value),
                "check" => assert!(matches!(result, Err(ResidentIdError::Check { .. })), "{}: {result:?}", v.value),
                "format" if v.value.ends_with('x') => {
                    // The vectors are strict; our policy accepts a lower-case x. The result must
                    // be exactly that of the upper-cased input: the same valid id, or a check error.
                    let upper = v.value.to_ascii_uppercase();
                    match ResidentId::parse(&upper) {
                        Ok(expected) => {
                            let id = result.expect("lower-case x is accepted");
                            assert_eq!(id, expected);
                            assert_eq!(id.expose(), upper);
                        }
                        Err(e) => {
                            assert!(matches!(e, ResidentIdError::Check { .. }), "{upper}: {e:?}");
                            assert_eq!(result, Err(e));
                        }
                    }
                }
                "format" => assert!(matches!(result, Err(ResidentIdError::Format { .. })), "{}: {result:?}", v.value),
                other => panic!("unknown reason {other}"),
            }
        }
    }

    #[test]
    fn trims_and_normalises_lower_case_x() {
        let id = ResidentId::parse(" 31011819851231108x\t").expect("valid");
        assert_eq!(id.expose(), "31011819851231108X");
    }

    #[test]
    fn masked_debug_and_display_hide_the_number() {
        let id = ResidentId::parse("11010519491231002X").expect("valid");
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.to_string(), "1101**********002X");
        let debug = format!("{id:?}");
        assert_eq!(debug, "ResidentId(\"1101**********002X\")");
        assert!(!debug.contains("19491231"));
        assert_eq!(format!("{id:#?}").matches("19491231").count(), 0);
    }

    #[test]
    fn format_error_names_position() {
        assert_eq!(ResidentId::parse("11010519491231O02X"), Err(ResidentIdError::Format { position: 15, found: 'O' }));
        assert_eq!(ResidentId::parse("11010519491231002Y"), Err(ResidentIdError::Format { position: 18, found: 'Y' }));
        // Only the check position may be X.
        assert!(matches!(ResidentId::parse("1101051949123100X2"), Err(ResidentIdError::Format { position: 17, .. })));
        // Full-width digits are characters, not bytes.
        assert!(matches!(ResidentId::parse("１10105194912310021"), Err(ResidentIdError::Format { position: 1, .. })));
    }

    #[test]
    fn birth_date_before_1880_is_refused() {
        // 1879-12-31 with a correct check character.
        let body = "44052418791231001";
        let id = format!("{body}{}", char::from(check_char(body.as_bytes())));
        assert_eq!(ResidentId::parse(&id), Err(ResidentIdError::InvalidBirthDate));
    }

    #[test]
    fn parse_at_refuses_future_birth_dates() {
        let s = "310118200002290020";
        assert!(ResidentId::parse_at(s, date(2000, 2, 29)).is_ok());
        assert_eq!(ResidentId::parse_at(s, date(2000, 2, 28)), Err(ResidentIdError::BirthDateInFuture));
        // Syntax errors still win.
        assert!(matches!(ResidentId::parse_at("310118", date(2000, 1, 1)), Err(ResidentIdError::Length { actual: 6 })));
    }

    #[test]
    fn error_codes_and_messages() {
        let cases: [(ResidentIdError, &str); 5] = [
            (ResidentIdError::Length { actual: 15 }, "resident_id_length"),
            (ResidentIdError::Format { position: 3, found: 'a' }, "resident_id_format"),
            (ResidentIdError::InvalidBirthDate, "resident_id_date"),
            (ResidentIdError::Check { expected: '1', found: 'X' }, "resident_id_check"),
            (ResidentIdError::BirthDateInFuture, "resident_id_future"),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
            assert!(e.to_string().starts_with("公民身份号码"));
        }
        assert_eq!(ResidentIdError::Length { actual: 15 }.to_string(), "公民身份号码应为18位，实际为15位");
    }

    #[test]
    fn sex_serialises_in_snake_case() {
        assert_eq!(serde_json::to_string(&Sex::Female).expect("serialises"), "\"female\"");
    }

    /// A valid id from an address code, a birth date and a sequence number.
    fn make_id(address: u32, birth: NaiveDate, sequence: u32) -> String {
        let body = format!("{address:06}{}{sequence:03}", birth.format("%Y%m%d"));
        format!("{body}{}", char::from(check_char(body.as_bytes())))
    }

    fn birth_dates() -> impl Strategy<Value = NaiveDate> {
        let start = date(1880, 1, 1);
        (0_i64..(220 * 366)).prop_map(move |days| start + chrono::Duration::days(days))
    }

    proptest! {
        #[test]
        fn generated_ids_parse(
            address in 100_000_u32..1_000_000,
            birth in birth_dates(),
            sequence in 0_u32..1000,
        ) {
            let s = make_id(address, birth, sequence);
            let id = ResidentId::parse(&s).expect("generated id is valid");
            prop_assert_eq!(id.expose(), s.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            let sex = if sequence % 2 == 1 { Sex::Male } else { Sex::Female };
            prop_assert_eq!(id.sex(), sex);
        }

        #[test]
        fn changing_any_one_character_fails(
            address in 100_000_u32..1_000_000,
            birth in birth_dates(),
            sequence in 0_u32..1000,
            position in 0..LEN,
            replacement in proptest::sample::select(b"0123456789X".to_vec()),
        ) {
            let s = make_id(address, birth, sequence);
            let mut bytes = s.into_bytes();
            prop_assume!(bytes[position] != replacement);
            prop_assume!(position == LEN - 1 || replacement != b'X');
            bytes[position] = replacement;
            let changed = String::from_utf8(bytes).expect("ascii");
            // A different digit always changes S mod 11 (weights are non-zero mod the prime 11),
            // unless the change also breaks the date, which fails too.
            prop_assert!(ResidentId::parse(&changed).is_err());
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = ResidentId::parse(&s);
            let _ = ResidentId::parse_at(&s, date(2025, 1, 1));
        }

        #[test]
        fn near_miss_strings_never_panic(s in "[0-9xX \u{ff11}]{0,20}") {
            if let Ok(id) = ResidentId::parse(&s) {
                prop_assert_eq!(id.expose().len(), LEN);
                prop_assert_eq!(id.masked().chars().count(), LEN);
            }
        }
    }
}
