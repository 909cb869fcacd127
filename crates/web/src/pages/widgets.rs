//! The form widgets the bureau's pages draw with `widgets/input.html`: one input with its label,
//! hint and error (ids and `aria-describedby` from `forms::described_by`), and the options of a
//! select.

use super::feedback::Errors;

/// One input of a form as drawn by `widgets/input.html`.
#[derive(Debug)]
pub(super) struct Input {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    /// `text`, `date` or `number`.
    pub(super) kind: &'static str,
    pub(super) value: String,
    pub(super) hint: Option<&'static str>,
    pub(super) error: Option<String>,
    /// `min`/`max` of a number.
    pub(super) range: Option<(i64, i64)>,
    pub(super) maxlength: Option<u16>,
    pub(super) required: bool,
    pub(super) autofocus: bool,
}

impl Input {
    pub(super) fn new(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Input {
        Input {
            name,
            label,
            kind,
            value: value.to_owned(),
            hint: None,
            error: None,
            range: None,
            maxlength: None,
            required: true,
            autofocus: false,
        }
    }

    pub(super) fn number(name: &'static str, label: &'static str, value: &str, range: (i64, i64)) -> Input {
        Input { range: Some(range), ..Input::new(name, label, "number", value) }
    }

    pub(super) fn id(&self) -> String {
        format!("f-{}", self.name.replace('_', "-"))
    }

    pub(super) fn described_by(&self) -> String {
        super::forms::described_by(&self.id(), self.hint.is_some(), self.error.is_some())
    }
}

/// Gives each input its error, and the cursor to the first one with an error.
pub(super) fn place_errors(inputs: &mut [Input], errors: &mut Errors) {
    for input in inputs.iter_mut() {
        input.error = errors.take(input.name);
    }
    if let Some(first) = inputs.iter_mut().find(|i| i.error.is_some()) {
        first.autofocus = true;
    }
}

/// One option of a select.
#[derive(Debug)]
pub(super) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

pub(super) fn choices(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}
