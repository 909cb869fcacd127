//! A problem with one field of an input, named by its path (`sites[0].area_m2`), so a form can
//! show the message beside the field and an API client can find it.

/// One field's problem: where, a stable code for programs, a message for people (Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), code, message: message.into() }
    }
}
