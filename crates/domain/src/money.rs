//! Amounts of money in CNY, held as an integer number of fen (分, 0.01 元). Never floats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Fen per yuan.
const FEN_PER_YUAN: i64 = 100;

/// An amount in CNY as an integer number of fen (may be negative, e.g. a refund or a balance).
///
/// - Build one from fen with [`Money::from_fen`], or from user input with [`Money::parse`]
///   (which accepts only non-negative amounts).
/// - `Display` gives `¥200,000.00` (negative: `-¥1.50`); [`Money::to_yuan_string`] gives the
///   plain `200000.00` for forms and exports.
/// - **serde**: serialised and deserialised as the integer number of fen (`{"amount": 20000000}`
///   for ¥200,000.00), matching the `BIGINT` fen column; no strings, no floats. Any `i64` is a
///   valid amount, so deserialising does not reject negative values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money {
    fen: i64,
}

/// Why a string is not an acceptable amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing but whitespace (and perhaps a currency sign).
    #[error("请输入金额")]
    Empty,
    /// Not a plain decimal amount (letters, inner spaces, misplaced thousands separators, …).
    #[error("金额格式不正确，应为如 200000 或 200,000.00 的数字")]
    Format,
    /// More than two digits after the decimal point.
    #[error("金额最多保留两位小数")]
    TooManyDecimals,
    /// Larger than the largest representable amount.
    #[error("金额过大")]
    Overflow,
    /// A minus sign: entered amounts must not be negative.
    #[error("金额不能为负数")]
    Negative,
}

impl MoneyError {
    /// A stable machine-readable code for this error (for APIs, logs and field errors).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Empty => "money_empty",
            Self::Format => "money_format",
            Self::TooManyDecimals => "money_too_many_decimals",
            Self::Overflow => "money_overflow",
            Self::Negative => "money_negative",
        }
    }
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Self = Self { fen: 0 };

    /// An amount of `fen` fen (1 元 = 100 fen).
    #[must_use]
    pub const fn from_fen(fen: i64) -> Self {
        Self { fen }
    }

    /// An amount of whole yuan, or `None` if it does not fit.
    #[must_use]
    pub const fn from_yuan(yuan: i64) -> Option<Self> {
        match yuan.checked_mul(FEN_PER_YUAN) {
            Some(fen) => Some(Self { fen }),
            None => None,
        }
    }

    /// The amount in fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.fen
    }

    /// `self + other`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.fen.checked_add(other.fen) {
            Some(fen) => Some(Self { fen }),
            None => None,
        }
    }

    /// `self − other`, or `None` on overflow.
    #[must_use]
    pub const fn checked_sub(self, other: Self) -> Option<Self> {
        match self.fen.checked_sub(other.fen) {
            Some(fen) => Some(Self { fen }),
            None => None,
        }
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.fen < 0
    }

    /// Parses a non-negative amount of yuan as people type it.
    ///
    /// Accepted: surrounding whitespace; one optional leading `¥` or `￥`; digits with an
    /// optional decimal part of one or two digits (`200000`, `200000.5`, `0.5`); thousands
    /// separators `,` in groups of three (`200,000.00`).
    ///
    /// Refused: empty input; a leading `.` (`.5`) or trailing `.` (`5.`); more than two decimals
    /// (`1.234`, even `1.230`); badly placed separators (`2,00,000`); inner whitespace, signs
    /// other than a minus, exponents, hex; amounts above `i64::MAX` fen; and any minus sign.
    ///
    /// # Errors
    /// [`MoneyError::Empty`], [`MoneyError::Format`], [`MoneyError::TooManyDecimals`],
    /// [`MoneyError::Overflow`] or [`MoneyError::Negative`] (only for input that would otherwise
    /// be a valid amount).
    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let mut s = input.trim();
        let mut negative = false;
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        }
        if let Some(rest) = s.strip_prefix('¥').or_else(|| s.strip_prefix('￥')) {
            s = rest;
        }
        if !negative && let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        }
        if s.is_empty() {
            return Err(if negative { MoneyError::Format } else { MoneyError::Empty });
        }
        let money = parse_unsigned(s)?;
        if negative {
            return Err(MoneyError::Negative);
        }
        Ok(money)
    }

    /// The plain amount in yuan with two decimals and no separators: `200000.00`, `-1.50`.
    #[must_use]
    pub fn to_yuan_string(self) -> String {
        let sign = if self.is_negative() { "-" } else { "" };
        let (yuan, fen) = self.split();
        format!("{sign}{yuan}.{fen:02}")
    }

    /// Whole yuan and remaining fen of the absolute value.
    fn split(self) -> (u64, u64) {
        let abs = self.fen.unsigned_abs();
        let per = FEN_PER_YUAN.unsigned_abs();
        (abs / per, abs % per)
    }
}

/// Parses the amount after sign and currency symbol have been removed.
fn parse_unsigned(s: &str) -> Result<Money, MoneyError> {
    let (int_part, frac_part) = match s.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (s, None),
    };

    let mut yuan: i64 = 0;
    for (i, group) in int_part.split(',').enumerate() {
        let grouped = int_part.contains(',');
        let group_ok = !group.is_empty()
            && group.bytes().all(|b| b.is_ascii_digit())
            && (!grouped || if i == 0 { group.len() <= 3 && !group.starts_with('0') } else { group.len() == 3 });
        if !group_ok {
            return Err(MoneyError::Format);
        }
        for b in group.bytes() {
            yuan = yuan.checked_mul(10).and_then(|y| y.checked_add(i64::from(b - b'0'))).ok_or(MoneyError::Overflow)?;
        }
    }

    let mut fen: i64 = 0;
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::Format);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        for b in frac.bytes() {
            fen = fen * 10 + i64::from(b - b'0');
        }
        if frac.len() == 1 {
            fen *= 10;
        }
    }

    yuan.checked_mul(FEN_PER_YUAN).and_then(|y| y.checked_add(fen)).map(Money::from_fen).ok_or(MoneyError::Overflow)
}

/// `¥200,000.00`; negative amounts as `-¥1.50`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_negative() {
            f.write_str("-")?;
        }
        let (yuan, fen) = self.split();
        let digits = yuan.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "¥{grouped}.{fen:02}")
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s).map(Money::fen)
    }

    #[test]
    fn accepts_the_usual_forms() {
        assert_eq!(parse("200000"), Ok(20_000_000));
        assert_eq!(parse("200,000.00"), Ok(20_000_000));
        assert_eq!(parse("200000.5"), Ok(20_000_050));
        assert_eq!(parse("0.5"), Ok(50));
        assert_eq!(parse("0.05"), Ok(5));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("¥1,234,567.89"), Ok(123_456_789));
        assert_eq!(parse("￥12.3"), Ok(1_230));
        assert_eq!(parse("  ¥999 \n"), Ok(99_900));
        assert_eq!(parse("1,000"), Ok(100_000));
        assert_eq!(parse("007"), Ok(700));
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(parse(""), Err(MoneyError::Empty));
        assert_eq!(parse("   "), Err(MoneyError::Empty));
        assert_eq!(parse("¥"), Err(MoneyError::Empty));
        assert_eq!(parse(".5"), Err(MoneyError::Format));
        assert_eq!(parse("5."), Err(MoneyError::Format));
        assert_eq!(parse("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse("1.230"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse("1.2a"), Err(MoneyError::Format));
        assert_eq!(parse("1.2.3"), Err(MoneyError::Format));
        assert_eq!(parse("2,00,000"), Err(MoneyError::Format));
        assert_eq!(parse("2000,000"), Err(MoneyError::Format));
        assert_eq!(parse(",000"), Err(MoneyError::Format));
        assert_eq!(parse("1,"), Err(MoneyError::Format));
        assert_eq!(parse("1,,000"), Err(MoneyError::Format));
        assert_eq!(parse("0,100"), Err(MoneyError::Format));
        assert_eq!(parse("1,000.000"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse("1e5"), Err(MoneyError::Format));
        assert_eq!(parse("0x10"), Err(MoneyError::Format));
        assert_eq!(parse("1 000"), Err(MoneyError::Format));
        assert_eq!(parse("¥ 100"), Err(MoneyError::Format));
        assert_eq!(parse("+5"), Err(MoneyError::Format));
        assert_eq!(parse("５"), Err(MoneyError::Format));
        assert_eq!(parse("¥¥5"), Err(MoneyError::Format));
        assert_eq!(parse("NaN"), Err(MoneyError::Format));
        assert_eq!(parse("-"), Err(MoneyError::Format));
        assert_eq!(parse("--5"), Err(MoneyError::Format));
    }

    #[test]
    fn refuses_negative_amounts() {
        assert_eq!(parse("-5"), Err(MoneyError::Negative));
        assert_eq!(parse("-¥1.50"), Err(MoneyError::Negative));
        assert_eq!(parse("¥-1.50"), Err(MoneyError::Negative));
        assert_eq!(parse("-0"), Err(MoneyError::Negative));
        // A malformed negative amount reports the format problem first.
        assert_eq!(parse("-1.234"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn overflow_is_refused() {
        // i64::MAX fen = 92,233,720,368,547,758.07 yuan.
        assert_eq!(parse("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(parse("92,233,720,368,547,758.07"), Ok(i64::MAX));
        assert_eq!(parse("92233720368547758.08"), Err(MoneyError::Overflow));
        assert_eq!(parse("92233720368547759"), Err(MoneyError::Overflow));
        assert_eq!(parse("99999999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn display_and_plain_forms() {
        let m = Money::from_fen(20_000_000);
        assert_eq!(m.to_string(), "¥200,000.00");
        assert_eq!(m.to_yuan_string(), "200000.00");
        assert_eq!(Money::from_fen(-150).to_string(), "-¥1.50");
        assert_eq!(Money::from_fen(-150).to_yuan_string(), "-1.50");
        assert_eq!(Money::ZERO.to_string(), "¥0.00");
        assert_eq!(Money::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Money::from_fen(100_000).to_string(), "¥1,000.00");
        assert_eq!(Money::from_fen(99_999).to_string(), "¥999.99");
        assert_eq!(Money::from_fen(i64::MIN).to_string(), "-¥92,233,720,368,547,758.08");
        assert_eq!(Money::from_fen(i64::MIN).to_yuan_string(), "-92233720368547758.08");
    }

    #[test]
    fn arithmetic() {
        let a = Money::from_fen(150);
        assert_eq!(a.checked_add(a), Some(Money::from_fen(300)));
        assert_eq!(Money::ZERO.checked_sub(a), Some(Money::from_fen(-150)));
        assert!(Money::ZERO.checked_sub(a).is_some_and(Money::is_negative));
        assert!(!Money::ZERO.is_negative());
        assert_eq!(Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)), None);
        assert_eq!(Money::from_yuan(200_000), Some(Money::from_fen(20_000_000)));
        assert_eq!(Money::from_yuan(i64::MAX), None);
        assert!(Money::from_fen(1) > Money::ZERO);
    }

    #[test]
    fn serde_is_integer_fen() {
        let m = Money::from_fen(20_000_000);
        assert_eq!(serde_json::to_string(&m).expect("serialises"), "20000000");
        let back: Money = serde_json::from_str("-150").expect("deserialises");
        assert_eq!(back, Money::from_fen(-150));
        assert!(serde_json::from_str::<Money>("\"200000.00\"").is_err());
        assert!(serde_json::from_str::<Money>("1.5").is_err());
    }

    #[test]
    fn error_codes_and_messages() {
        let cases = [
            (MoneyError::Empty, "money_empty"),
            (MoneyError::Format, "money_format"),
            (MoneyError::TooManyDecimals, "money_too_many_decimals"),
            (MoneyError::Overflow, "money_overflow"),
            (MoneyError::Negative, "money_negative"),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
            assert!(e.to_string().contains("金额"));
        }
        assert_eq!(MoneyError::TooManyDecimals.to_string(), "金额最多保留两位小数");
    }

    proptest! {
        #[test]
        fn plain_form_round_trips(fen in 0..=i64::MAX) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&m.to_yuan_string()), Ok(m));
        }

        #[test]
        fn display_form_round_trips(fen in 0..=i64::MAX) {
            let m = Money::from_fen(fen);
            let shown = m.to_string();
            prop_assert_eq!(Money::parse(&shown), Ok(m));
            let without_sign = shown.trim_start_matches('¥');
            prop_assert_eq!(Money::parse(without_sign), Ok(m));
        }

        #[test]
        fn small_amounts_round_trip(fen in 0_i64..10_000_000) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&m.to_yuan_string()), Ok(m));
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }

        #[test]
        fn negative_amounts_are_refused(fen in (i64::MIN + 1)..0) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&m.to_yuan_string()), Err(MoneyError::Negative));
            prop_assert_eq!(Money::parse(&m.to_string()), Err(MoneyError::Negative));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = Money::parse(&s);
        }

        #[test]
        fn near_miss_strings_never_panic(s in "[-¥￥0-9,. e]{0,30}") {
            if let Ok(m) = Money::parse(&s) {
                prop_assert!(!m.is_negative());
            }
        }
    }
}
