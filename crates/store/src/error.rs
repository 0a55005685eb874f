//! The one error type of the storage layer.

use sea_orm::{DbErr, SqlErr};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("{entity} not found")]
    NotFound {
        /// The kind of thing that was looked up.
        entity: &'static str,
    },
    /// A unique constraint refused the write; `constraint` names the index or column.
    #[error("conflicts with an existing row ({constraint})")]
    Conflict {
        /// What the database said was duplicated.
        constraint: String,
    },
    /// A stored value no longer parses as its domain type (a bug or a manual edit).
    #[error("stored {field} is invalid: {reason}")]
    Corrupt {
        /// The column holding the bad value.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A single-use token was refused.
    #[error("token refused: {0:?}")]
    Token(coalition_domain::accounts::TokenProblem),
    /// The group's membership rules refuse the change.
    #[error("refused: {}", .0.message())]
    Membership(coalition_domain::membership::MembershipRefusal),
    /// An invitation was accepted by someone signed in with another address.
    #[error("invitation is for another address")]
    InvitationForAnotherAddress,
    /// The meeting was cancelled: it can no longer change.
    #[error("meeting cancelled")]
    MeetingCancelled,
    /// A value the change names is not one it can use (a first coordinator who cannot
    /// sign in, an unknown area).
    #[error("{field}: {message}")]
    NotEligible {
        /// The input field at fault.
        field: &'static str,
        /// Why, for the client.
        message: &'static str,
    },
    /// Validating the change against the stored row failed.
    #[error("{0}")]
    Invalid(coalition_domain::InvalidInput),
    /// The change would leave the coalition without an administrator.
    #[error("last administrator")]
    LastAdministrator,
    /// The group is archived: it schedules no meetings.
    #[error("group archived")]
    GroupArchived,
    /// The database could not be reached or refused the statement.
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                StoreError::Conflict { constraint: detail }
            }
            _ => StoreError::Database(error),
        }
    }
}

impl StoreError {
    /// Whether the error is a conflict on a unique index whose name or column mentions
    /// `needle` (SQLite names the columns, PostgreSQL the index).
    pub fn is_conflict_on(&self, needle: &str) -> bool {
        matches!(self, StoreError::Conflict { constraint } if constraint.contains(needle))
    }
}

/// Maps a stored code that fails to parse into [`StoreError::Corrupt`].
pub(crate) fn corrupt(
    field: &'static str,
) -> impl FnOnce(coalition_domain::InvalidInput) -> StoreError {
    move |error| StoreError::Corrupt {
        field,
        reason: error.message,
    }
}
