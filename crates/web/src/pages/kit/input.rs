//! The one input widget every form draws with `kit/input.html`: its label, hint, error and
//! value, how it is entered, and the ids that tie them together for screen readers; and a form
//! as titled groups of inputs (`kit/form.html`).

use skillbase_app::FieldError;

use super::refusal::Errors;

/// How an input is entered.
#[derive(Debug)]
pub(crate) enum Control {
    Text,
    Password,
    Email,
    Tel,
    Date,
    /// A whole number from `min` to `max`.
    Number {
        min: i64,
        max: i64,
    },
    /// A textarea of `rows` lines.
    Area {
        rows: u8,
    },
    /// One of `choices`; with `placeholder`, an empty 「请选择」 first.
    Select {
        choices: Vec<Choice>,
        placeholder: bool,
    },
    /// A file, of the types `accept` names.
    File {
        accept: Option<&'static str>,
    },
    /// One checkbox (value `1`).
    Check {
        checked: bool,
    },
    /// Any of `choices`, as checkboxes in a fieldset; `empty` says there is nothing to choose.
    Checks {
        choices: Vec<Choice>,
        empty: &'static str,
    },
    /// One of `choices`, as radio buttons in a fieldset (each `{id}-{value}`).
    Radios {
        choices: Vec<Choice>,
    },
}

/// One option of a select or a set of checkboxes.
#[derive(Debug)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options (value, label), the one equal to `selected` selected.
pub(crate) fn choices(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

/// One input of a form as `kit/input.html` draws it: `<label for="f-NAME">`, the hint, the error,
/// the control named NAME (a form path such as `sites[0].area_m2` is fine: the id is derived).
#[derive(Debug)]
pub(crate) struct Input {
    pub name: String,
    pub label: String,
    pub control: Control,
    /// As typed (never kept for passwords).
    pub value: String,
    pub hint: Option<String>,
    pub error: Option<String>,
    /// The id of a message about the whole form that also describes this input.
    pub form_error: Option<&'static str>,
    pub required: bool,
    /// Says 「（选填）」 beside the label.
    pub mark_optional: bool,
    pub maxlength: Option<usize>,
    pub inputmode: Option<&'static str>,
    pub autocomplete: &'static str,
    /// Codes and usernames: no spelling check, and capitals as said here (`none`, `characters`).
    pub autocapitalize: Option<&'static str>,
    pub autofocus: bool,
    /// In a table, where the column heading says what it is: the label is for screen readers.
    pub in_table: bool,
    /// The element id when it is not derived from the name (one of several forms on a page
    /// posting the same name).
    pub element_id: Option<String>,
}

impl Input {
    pub fn new(name: impl Into<String>, label: impl Into<String>, control: Control) -> Input {
        Input {
            name: name.into(),
            label: label.into(),
            control,
            value: String::new(),
            hint: None,
            error: None,
            form_error: None,
            required: true,
            mark_optional: false,
            maxlength: None,
            inputmode: None,
            autocomplete: "off",
            autocapitalize: None,
            autofocus: false,
            in_table: false,
            element_id: None,
        }
    }

    pub fn text(name: impl Into<String>, label: impl Into<String>) -> Input {
        Input::new(name, label, Control::Text)
    }

    pub fn number(name: impl Into<String>, label: impl Into<String>, (min, max): (i64, i64)) -> Input {
        Input::new(name, label, Control::Number { min, max })
    }

    /// A select of `options` (value, label), with the empty 「请选择」 first.
    pub fn select(name: impl Into<String>, label: impl Into<String>, options: Vec<(String, String)>) -> Input {
        let choices = options.into_iter().map(|(value, label)| Choice { value, label, selected: false }).collect();
        Input::new(name, label, Control::Select { choices, placeholder: true })
    }

    /// A select of ready-made `choices` (one of them selected) with no empty option, neither
    /// required nor marked optional: a list's filter, say.
    pub fn choose(name: impl Into<String>, label: impl Into<String>, choices: Vec<Choice>) -> Input {
        Input::new(name, label, Control::Select { choices, placeholder: false }).unmarked()
    }

    /// With this error (or none).
    pub fn with_error(mut self, error: Option<String>) -> Input {
        self.error = error;
        self
    }

    /// One of `options` (value, label), as radio buttons.
    pub fn radios(name: impl Into<String>, label: impl Into<String>, options: Vec<(&str, &str)>) -> Input {
        let choices = options
            .into_iter()
            .map(|(value, label)| Choice { value: value.to_owned(), label: label.to_owned(), selected: false })
            .collect();
        Input::new(name, label, Control::Radios { choices })
    }

    /// A select with no empty first option: one of its options must be chosen.
    pub fn without_placeholder(mut self) -> Input {
        if let Control::Select { placeholder, .. } = &mut self.control {
            *placeholder = false;
        }
        self
    }

    /// The value as typed; a select or a set of checkboxes selects its match.
    pub fn value(mut self, value: &str) -> Input {
        match &mut self.control {
            Control::Password => return self,
            Control::Select { choices, .. } | Control::Checks { choices, .. } | Control::Radios { choices } => {
                for choice in choices {
                    choice.selected = choice.value == value;
                }
            }
            _ => {}
        }
        self.value = value.to_owned();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Input {
        self.hint = Some(hint.into());
        self
    }

    /// May be left empty, and says so.
    pub fn optional(mut self) -> Input {
        self.required = false;
        self.mark_optional = true;
        self
    }

    /// Neither required nor marked optional (a draft's inputs: saved incomplete, checked on submit).
    pub fn unmarked(mut self) -> Input {
        self.required = false;
        self.mark_optional = false;
        self
    }

    pub fn maxlength(mut self, maxlength: usize) -> Input {
        self.maxlength = Some(maxlength);
        self
    }

    pub fn inputmode(mut self, inputmode: &'static str) -> Input {
        self.inputmode = Some(inputmode);
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Input {
        self.autocomplete = autocomplete;
        self
    }

    /// A code or a username: typed as is, `autocapitalize` as given.
    pub fn verbatim(mut self, autocapitalize: &'static str) -> Input {
        self.autocapitalize = Some(autocapitalize);
        self
    }

    /// Drawn in a table cell: the column heading is the visible label.
    pub fn cell(mut self) -> Input {
        self.in_table = true;
        self
    }

    // For the template.

    /// The element id: `f-` and the name with `_`, `.` and `[` as `-` (`sites[0].area_m2` →
    /// `f-sites-0-area-m2`), unless one was given.
    pub fn id(&self) -> String {
        self.element_id.clone().unwrap_or_else(|| field_id(&self.name))
    }

    /// On the page as `id` (the name is what is posted).
    pub fn with_id(mut self, id: impl Into<String>) -> Input {
        self.element_id = Some(id.into());
        self
    }

    /// What the template draws: `check`, `checks`, `select`, `area` or `line` (an `<input>`).
    pub fn kind(&self) -> &'static str {
        match self.control {
            Control::Check { .. } => "check",
            Control::Checks { .. } => "checks",
            Control::Radios { .. } => "radios",
            Control::Select { .. } => "select",
            Control::Area { .. } => "area",
            _ => "line",
        }
    }

    /// The `type` of an `<input>`.
    pub fn input_type(&self) -> &'static str {
        match self.control {
            Control::Password => "password",
            Control::Email => "email",
            Control::Tel => "tel",
            Control::Date => "date",
            Control::Number { .. } => "number",
            Control::File { .. } => "file",
            Control::Check { .. } | Control::Checks { .. } => "checkbox",
            Control::Radios { .. } => "radio",
            Control::Text | Control::Area { .. } | Control::Select { .. } => "text",
        }
    }

    pub fn is_file(&self) -> bool {
        matches!(self.control, Control::File { .. })
    }

    pub fn range(&self) -> Option<(i64, i64)> {
        match self.control {
            Control::Number { min, max } => Some((min, max)),
            _ => None,
        }
    }

    pub fn mode(&self) -> Option<&'static str> {
        match self.control {
            Control::Number { .. } => Some(self.inputmode.unwrap_or("numeric")),
            _ => self.inputmode,
        }
    }

    pub fn accept(&self) -> Option<&'static str> {
        match self.control {
            Control::File { accept } => accept,
            _ => None,
        }
    }

    pub fn rows(&self) -> u8 {
        match self.control {
            Control::Area { rows } => rows,
            _ => 1,
        }
    }

    pub fn checked(&self) -> bool {
        matches!(self.control, Control::Check { checked: true })
    }

    pub fn choices(&self) -> &[Choice] {
        match &self.control {
            Control::Select { choices, .. } | Control::Checks { choices, .. } | Control::Radios { choices } => choices,
            _ => &[],
        }
    }

    pub fn placeholder(&self) -> bool {
        matches!(self.control, Control::Select { placeholder: true, .. })
    }

    pub fn empty_text(&self) -> &'static str {
        match self.control {
            Control::Checks { empty, .. } => empty,
            _ => "",
        }
    }

    pub fn invalid(&self) -> bool {
        self.error.is_some() || self.form_error.is_some()
    }

    pub fn has_description(&self) -> bool {
        self.hint.is_some() || self.invalid()
    }

    /// The ids for `aria-describedby`: the hint, the input's error, the form's error.
    pub fn described_by(&self) -> String {
        let id = self.id();
        let parts = [
            self.hint.is_some().then(|| format!("{id}-hint")),
            self.error.is_some().then(|| format!("{id}-error")),
            self.form_error.map(str::to_owned),
        ];
        parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
    }
}

/// A reason (or a note) typed into a small form, and the error it drew: kept when the post is
/// refused, and drawn as a kit textarea.
#[derive(Debug, Default, Clone)]
pub(crate) struct Reason {
    pub text: String,
    pub error: Option<String>,
}

impl Reason {
    pub fn new(text: String, error: Option<String>) -> Reason {
        Reason { text, error }
    }

    /// A one-line text input posted as `name`, on the page as `id`; required, the cursor in it
    /// when it has an error.
    pub fn line(&self, name: &str, id: &str, label: &str, maxlength: usize) -> Input {
        let mut input = Input::text(name, label).value(&self.text).maxlength(maxlength).with_id(id);
        input.error.clone_from(&self.error);
        input.autofocus = self.error.is_some();
        input
    }

    /// The textarea posted as `name`, on the page as `id` followed by `key` (a row's id, or
    /// nothing); required, the cursor in it when it has an error.
    pub fn area(&self, name: &str, id: &str, key: &str, label: &str, rows: u8, maxlength: usize) -> Input {
        let mut input = Input::new(name, label, Control::Area { rows })
            .value(&self.text)
            .maxlength(maxlength)
            .with_id(format!("{id}{key}"));
        input.error.clone_from(&self.error);
        input.autofocus = self.error.is_some();
        input
    }
}

/// The bounds of a number input from a rule's range (the domain's `REVIEW_DAYS`, say).
pub(crate) fn bounds<T: Copy + Into<i64>>(range: &std::ops::RangeInclusive<T>) -> (i64, i64) {
    ((*range.start()).into(), (*range.end()).into())
}

/// The id of the input named `path`: `f-` and the path with `_`, `.` and `[` as `-`, `]` dropped.
pub(crate) fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        match c {
            '[' | '.' | '_' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

impl Errors {
    /// Gives each input its error, and the cursor to the first one with an error; what no input
    /// claims stays here.
    pub(crate) fn place(&mut self, inputs: &mut [Input]) {
        for input in inputs.iter_mut() {
            input.error = self.take(&input.name);
        }
        focus_first_error(inputs.iter_mut());
    }
}

fn focus_first_error<'a>(mut inputs: impl Iterator<Item = &'a mut Input>) {
    if let Some(first) = inputs.find(|i| i.error.is_some()) {
        first.autofocus = true;
    }
}

/// A titled group of inputs (`<fieldset>` and `<legend>`).
#[derive(Debug)]
pub(crate) struct Group {
    pub legend: Option<&'static str>,
    pub fields: Vec<Input>,
}

/// A whole form: its groups of inputs, and errors that belong to no input.
#[derive(Debug)]
pub(crate) struct Form {
    pub groups: Vec<Group>,
    pub errors: Vec<String>,
}

impl Form {
    pub fn new(groups: Vec<Group>) -> Form {
        Form { groups, errors: Vec::new() }
    }

    pub fn fields(&self) -> Vec<&Input> {
        self.groups.iter().flat_map(|g| g.fields.iter()).collect()
    }

    pub fn fields_mut(&mut self) -> impl Iterator<Item = &mut Input> {
        self.groups.iter_mut().flat_map(|g| g.fields.iter_mut())
    }

    /// Gives the input `name` this error (its first one only), or the form if no input is
    /// called so.
    pub fn set_error(&mut self, name: &str, message: String) {
        if let Some(field) = self.fields_mut().find(|f| f.name == name) {
            field.error.get_or_insert(message);
            return;
        }
        self.errors.push(message);
    }

    /// The use case's field errors, in the page's language.
    pub fn set_errors(&mut self, t: &crate::i18n::Texts, errors: Vec<FieldError>) {
        for error in errors {
            self.set_error(&error.field, t.field_error(error.code, error.message));
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.fields().iter().any(|f| f.error.is_some())
    }

    /// Puts the cursor in the first input with an error (no script needed).
    pub fn focus_first_error(&mut self) {
        focus_first_error(self.fields_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_described_by_its_hint_and_errors() {
        let mut field = Input::new("contact_phone", "手机", Control::Tel).hint("11 位");
        assert_eq!(field.id(), "f-contact-phone");
        assert_eq!(field.described_by(), "f-contact-phone-hint");
        field.error = Some("错".to_owned());
        field.form_error = Some("form-error");
        assert_eq!(field.described_by(), "f-contact-phone-hint f-contact-phone-error form-error");
        let password = Input::new("password", "密码", Control::Password).value("secret");
        assert_eq!(password.value, "", "a password is never written back into the page");
    }

    #[test]
    fn a_form_path_becomes_an_id() {
        assert_eq!(field_id("sites[0].area_m2"), "f-sites-0-area-m2");
        assert_eq!(Input::text("trainees.supply_chain[0].uscc", "代码").id(), "f-trainees-supply-chain-0-uscc");
    }

    #[test]
    fn a_select_selects_the_value() {
        let input =
            Input::select("kind", "类型", vec![("a".into(), "甲".into()), ("b".into(), "乙".into())]).value("b");
        let selected: Vec<_> = input.choices().iter().filter(|c| c.selected).map(|c| c.value.as_str()).collect();
        assert_eq!(selected, ["b"]);
        assert!(input.placeholder());
    }
}
