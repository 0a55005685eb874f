//! Accounts: passwords that meet the rules, the roles a person holds, and what a session
//! knows about who is asking.

mod password;

pub use password::Password;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::people::PersonId;

/// Identifies one signed-in session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(pub i32);

/// The credentials and standing of a person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Whose account it is.
    pub person_id: PersonId,
    /// The PHC string of the password hash (argon2id).
    pub password_hash: String,
    /// When the address was proven; `None` until then.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// A coalition administrator (the secretariat).
    pub is_admin: bool,
    /// When an administrator disabled the account; `None` while it is usable.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl Account {
    /// Whether the owner has proven the address.
    pub fn is_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    /// Whether an administrator disabled the account.
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// Where an account stands, as the people directory filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Signed up, address not proven yet: cannot sign in.
    Unverified,
    /// Verified and enabled: can sign in.
    Active,
    /// Disabled by an administrator.
    Disabled,
    /// A coalition administrator (verified and enabled or not: the flag is what counts).
    Admin,
}

impl Account {
    /// The account's standing, the administrator flag aside: disabled wins over
    /// unverified.
    pub fn status(&self) -> AccountStatus {
        if self.is_disabled() {
            AccountStatus::Disabled
        } else if !self.is_verified() {
            AccountStatus::Unverified
        } else {
            AccountStatus::Active
        }
    }
}

/// What a single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Proves the owner reads the registered address.
    VerifyEmail,
    /// Lets the owner choose a new password.
    ResetPassword,
    // Members managing themselves (issue 15 item 4).
    /// Proves the owner reads the new address they asked to sign in with.
    ChangeEmail,
}

impl TokenPurpose {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::ChangeEmail => "change_email",
        }
    }
}

/// Why a single-use token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// No such token (mistyped, or for another purpose).
    Unknown,
    /// The token's time ran out.
    Expired,
    /// The token was already used once.
    AlreadyUsed,
}

impl TokenProblem {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Unknown => "this link is not valid; ask for a new one",
            TokenProblem::Expired => "this link has expired; ask for a new one",
            TokenProblem::AlreadyUsed => "this link was already used; ask for a new one",
        }
    }
}

/// A session as stored, with what deciding its validity needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Identity.
    pub id: SessionId,
    /// When it was last used.
    pub last_used_at: DateTime<Utc>,
    /// Its absolute end, however active it is.
    pub expires_at: DateTime<Utc>,
    /// When it was ended by sign-out, reset or an administrator.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The owner's account.
    pub account: Account,
}

impl SessionRecord {
    /// Whether the session may still be used at `now`, given the inactivity timeout.
    pub fn is_live(&self, now: DateTime<Utc>, idle_timeout: chrono::Duration) -> bool {
        self.revoked_at.is_none()
            && now < self.expires_at
            && now < self.last_used_at + idle_timeout
            && !self.account.is_disabled()
            && self.account.is_verified()
    }
}
