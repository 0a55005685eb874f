//! Errors the domain raises. The API layer maps each variant to one `extensions.code`.

use std::fmt;

/// A value from outside that the domain refuses, naming the field and what is allowed instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    /// The input field (as the client spells it) that holds the bad value.
    pub field: &'static str,
    /// What is wrong and what would be accepted.
    pub message: String,
    /// A stable name for what is wrong (e.g. `too_short`), by which pages show the message
    /// in the reader's language; `None` when only the English message exists.
    pub reason: Option<&'static str>,
}

impl InvalidInput {
    /// Builds the error for `field` with a message that says what is allowed.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
            reason: None,
        }
    }

    /// Names what is wrong with a stable key, so the message can be translated.
    pub fn because(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InvalidInput {}
