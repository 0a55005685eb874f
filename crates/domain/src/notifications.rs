//! Email notifications: what kinds there are, how each person wants them, and how
//! delivery is retried.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;

/// A kind of notification a person can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationCategory {
    /// Address verification and password resets: always sent.
    Security,
    /// Join requests, decisions and invitations.
    Membership,
    /// Meetings scheduled, changed, cancelled, and reminders.
    Meetings,
    /// New documents in one's groups.
    Documents,
}

impl NotificationCategory {
    /// Every category.
    pub const ALL: [NotificationCategory; 4] = [
        NotificationCategory::Security,
        NotificationCategory::Membership,
        NotificationCategory::Meetings,
        NotificationCategory::Documents,
    ];

    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationCategory::Security => "security",
            NotificationCategory::Membership => "membership",
            NotificationCategory::Meetings => "meetings",
            NotificationCategory::Documents => "documents",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str() == code)
            .ok_or_else(|| InvalidInput::new("category", format!("unknown category '{code}'")))
    }
}

/// How a person wants a category delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DeliveryMode {
    /// One mail per notification, as it happens.
    #[default]
    Immediately,
    /// Gathered into one mail a day.
    DailyDigest,
    /// Not mailed at all.
    Off,
}

impl DeliveryMode {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Immediately => "immediately",
            DeliveryMode::DailyDigest => "daily_digest",
            DeliveryMode::Off => "off",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "immediately" => Ok(DeliveryMode::Immediately),
            "daily_digest" => Ok(DeliveryMode::DailyDigest),
            "off" => Ok(DeliveryMode::Off),
            other => Err(InvalidInput::new(
                "mode",
                format!("unknown delivery mode '{other}'"),
            )),
        }
    }
}

/// Checks a list of preference changes: at most one per category (a longer list can
/// only repeat one), none that would turn security mails off or delay them.
pub fn check_preferences(
    changes: &[(NotificationCategory, DeliveryMode)],
) -> Result<(), InvalidInput> {
    if changes.len() > NotificationCategory::ALL.len() {
        return Err(InvalidInput::new(
            "preferences",
            format!(
                "at most {} entries, one per category",
                NotificationCategory::ALL.len()
            ),
        ));
    }
    for (category, mode) in changes {
        check_preference(*category, *mode)?;
    }
    Ok(())
}

/// Checks a preference change: security mails cannot be turned off or delayed.
pub fn check_preference(
    category: NotificationCategory,
    mode: DeliveryMode,
) -> Result<(), InvalidInput> {
    if category == NotificationCategory::Security && mode != DeliveryMode::Immediately {
        return Err(InvalidInput::new(
            "category",
            "security mails (address verification, password resets) are always sent at once",
        ));
    }
    Ok(())
}

/// Where an outbox message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutboxStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Held for the recipient's daily digest.
    Digest,
    /// Claimed by a worker (until its lease runs out).
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
}

impl OutboxStatus {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Digest => "digest",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Digest,
            OutboxStatus::Sending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == code)
        .ok_or_else(|| InvalidInput::new("status", format!("unknown outbox status '{code}'")))
    }
}

/// Exponential backoff with jitter between delivery attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Backoff {
    /// The wait after `attempts` failed attempts (1 = the first), scaled by `jitter` in
    /// [0, 1): "full jitter" spreads retries of many messages over the whole window.
    pub fn delay(&self, attempts: u32, jitter: f64) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let ceiling = self
            .base
            .saturating_mul(1u32 << exponent.min(20))
            .min(self.cap);
        let jitter = jitter.clamp(0.0, 1.0);
        // Never zero: at least half the ceiling, so a failing server is not hammered.
        ceiling.mul_f64(0.5 + jitter / 2.0)
    }
}

/// The signed ticket of a one-click unsubscribe link (RFC 8058): it names a person and a
/// category, sealed with the mail token key so nobody can forge or alter one, and works
/// without signing in. It does not expire: an unsubscribe link in an old mail must still
/// work, and all it can do is turn one category of mail off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubscribeTicket {
    /// Whose mail.
    pub person: crate::people::PersonId,
    /// Which category to turn off; never security mails.
    pub category: NotificationCategory,
}

impl UnsubscribeTicket {
    const PREFIX: &'static str = "unsubscribe:v1";

    /// The ticket for `person`'s mails of `category`, `None` for security mails (which
    /// cannot be turned off).
    pub fn new(person: crate::people::PersonId, category: NotificationCategory) -> Option<Self> {
        (category != NotificationCategory::Security).then_some(Self { person, category })
    }

    /// The token to put in the link.
    pub fn seal(
        &self,
        key: &crate::sealing::TokenKey,
    ) -> Result<crate::sealing::SealedToken, crate::sealing::SealError> {
        key.seal(&format!(
            "{}:{}:{}",
            Self::PREFIX,
            self.person.0,
            self.category.as_str()
        ))
    }

    /// Reads a token sealed by [`Self::seal`] with `key`; `None` when forged, altered,
    /// sealed with another key, or naming security mails.
    pub fn open(token: &str, key: &crate::sealing::TokenKey) -> Option<Self> {
        let token = token.trim();
        if token.is_empty() || token.len() > 300 {
            return None;
        }
        let clear = key
            .open(&crate::sealing::SealedToken::from_raw(token))
            .ok()?;
        let rest = clear.strip_prefix(Self::PREFIX)?.strip_prefix(':')?;
        let (person, category) = rest.split_once(':')?;
        let person = crate::people::PersonId(person.parse().ok()?);
        Self::new(person, NotificationCategory::parse(category).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap() {
        let backoff = Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(600),
        };
        assert_eq!(backoff.delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(backoff.delay(2, 1.0), Duration::from_secs(20));
        assert_eq!(backoff.delay(3, 0.0), Duration::from_secs(20));
        assert_eq!(backoff.delay(40, 1.0), Duration::from_secs(600));
        assert!(backoff.delay(1, 0.3) >= Duration::from_secs(5));
    }

    #[test]
    fn security_mails_stay_on() {
        assert!(check_preference(NotificationCategory::Security, DeliveryMode::Off).is_err());
        assert!(
            check_preference(NotificationCategory::Security, DeliveryMode::Immediately).is_ok()
        );
        assert!(check_preference(NotificationCategory::Membership, DeliveryMode::Off).is_ok());
        let entry = (NotificationCategory::Meetings, DeliveryMode::Off);
        assert!(check_preferences(&[entry; 4]).is_ok());
        assert_eq!(
            check_preferences(&[entry; 5]).unwrap_err().field,
            "preferences"
        );
    }

    #[test]
    fn unsubscribe_tickets_open_with_their_key_only() {
        use crate::people::PersonId;
        use crate::sealing::TokenKey;
        let key = TokenKey::generate();
        let ticket = UnsubscribeTicket::new(PersonId(7), NotificationCategory::Meetings).unwrap();
        let token = ticket.seal(&key).unwrap();
        assert_eq!(UnsubscribeTicket::open(token.as_str(), &key), Some(ticket));
        assert_eq!(
            UnsubscribeTicket::open(token.as_str(), &TokenKey::generate()),
            None
        );
        assert_eq!(UnsubscribeTicket::open("garbage", &key), None);
        assert!(UnsubscribeTicket::new(PersonId(7), NotificationCategory::Security).is_none());
        // A one-time token sealed for a mail is not a ticket.
        let other = key.seal("a-reset-token").unwrap();
        assert_eq!(UnsubscribeTicket::open(other.as_str(), &key), None);
    }
}
