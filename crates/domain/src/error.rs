//! Errors the domain raises. The API layer maps each variant to one `extensions.code`.

use std::fmt;

/// A value from outside that the domain refuses, naming the field and what is allowed instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    /// The input field (as the client spells it) that holds the bad value.
    pub field: &'static str,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl InvalidInput {
    /// Builds the error for `field` with a message that says what is allowed.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InvalidInput {}
