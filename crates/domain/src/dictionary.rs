//! Dictionaries: closed lists of values a person picks from (a level, a training mode, a
//! trainee's category), each with a stable code for storage and the API and the Chinese label a
//! form, a workbook's dropdown and a printed report show.
//!
//! [`dictionary!`](crate::dictionary!) declares one as an enum; [`Dictionary`] is what every one
//! offers, so a form's choices, an Excel dropdown and a parser are written once for all of them.

/// What every dictionary offers.
pub trait Dictionary: Copy + Eq + Sized + 'static {
    /// Every value, in the order forms list them.
    const ALL: &'static [Self];
    /// The field error code for a value not in the list.
    const UNKNOWN: &'static str = "not_in_dictionary";

    /// The stable code (storage, API).
    fn code(self) -> &'static str;
    /// The label people read.
    fn label(self) -> &'static str;

    /// The value of a stored or posted code.
    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// The value of a code or of a label (a workbook's dropdown writes the label; a person may
    /// type the code).
    fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL.iter().copied().find(|v| v.code() == text || v.label() == text)
    }

    /// Every label, in order (a dropdown's list).
    fn labels() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.label()).collect()
    }
}

/// Declares a dictionary: `Name { Variant = ("code", "标签"), … }`. The enum serialises as its
/// code.
#[macro_export]
macro_rules! dictionary {
    ($($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = ($code:literal, $label:literal)),+ $(,)? })*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $crate::dictionary::Dictionary for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::dictionary::Dictionary::code(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                <$name as $crate::dictionary::Dictionary>::parse(&text)
                    .ok_or_else(|| ::serde::de::Error::custom(format!("unknown value {text:?}")))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::dictionary::Dictionary::label(*self))
            }
        }
    )*};
}

/// A set of dictionary values stored as one text column: the codes joined by commas, in the
/// dictionary's order.
pub fn join_codes<D: Dictionary>(values: &[D]) -> String {
    D::ALL.iter().filter(|v| values.contains(v)).map(|v| v.code()).collect::<Vec<_>>().join(",")
}

/// The values of [`join_codes`]'s text; `None` if any part is not a code.
pub fn split_codes<D: Dictionary>(text: &str) -> Option<Vec<D>> {
    text.split(',').filter(|part| !part.is_empty()).map(D::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::dictionary! {
        Colour { Red = ("red", "红"), Blue = ("blue", "蓝") }
    }

    #[test]
    fn codes_labels_and_sets_round_trip() {
        assert_eq!(Colour::parse("red"), Some(Colour::Red));
        assert_eq!(Colour::parse("红"), None);
        assert_eq!(Colour::from_text(" 蓝 "), Some(Colour::Blue));
        assert_eq!(Colour::from_text("blue"), Some(Colour::Blue));
        assert_eq!(Colour::from_text("green"), None);
        assert_eq!(Colour::labels(), ["红", "蓝"]);
        assert_eq!(join_codes(&[Colour::Blue, Colour::Red]), "red,blue");
        assert_eq!(split_codes::<Colour>("red,blue"), Some(vec![Colour::Red, Colour::Blue]));
        assert_eq!(split_codes::<Colour>(""), Some(vec![]));
        assert_eq!(split_codes::<Colour>("red,green"), None);
        assert_eq!(serde_json::to_string(&Colour::Blue).ok().as_deref(), Some("\"blue\""));
        assert_eq!(serde_json::from_str::<Colour>("\"red\"").ok(), Some(Colour::Red));
        assert!(serde_json::from_str::<Colour>("\"红\"").is_err());
    }
}
