//! People: the experts who take part in the coalition, and the values that describe them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::geography::{CountryCode, UnescoRegion};
use crate::language::Language;
use crate::stakeholder::StakeholderType;

/// Identifies a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub i32);

/// An email address, checked for shape, kept as written and compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// The longest address SMTP can carry (RFC 5321 §4.5.3.1.3, path length less brackets).
    pub const MAX_LENGTH: usize = 254;

    /// Parses an address of the form `local@domain.tld`, trimmed.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let address = raw.trim();
        let invalid = |why: &str| {
            InvalidInput::new(
                "email",
                format!("'{address}' is not a valid email address: {why}"),
            )
        };
        if address.len() > Self::MAX_LENGTH {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(invalid("it has no '@'"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before '@' must be 1 to 64 characters"));
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control())
            || local.contains('@')
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(invalid("it contains spaces or misplaced characters"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |label: &&str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(invalid("the domain must look like example.org"));
        }
        Ok(Self(address.to_owned()))
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form addresses are compared and indexed by: lower-cased throughout.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone name such as `Africa/Nairobi`, known to the bundled tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Parses an IANA name; case matters as in the tz database.
    pub fn parse(name: &str) -> Result<Self, InvalidInput> {
        name.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            InvalidInput::new(
                "timeZone",
                format!("'{name}' is not an IANA time zone name (e.g. Europe/Paris, Africa/Nairobi, UTC)"),
            )
        })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zone itself, for converting instants to local time.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::UTC)
    }
}

/// A gender as the person describes it; optional and shown to nobody but themselves and
/// administrators. Reports count it, never show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SelfDescribedGender(String);

impl SelfDescribedGender {
    /// Longest description accepted.
    pub const MAX_CHARS: usize = 64;

    /// Accepts any non-empty description of at most 64 characters; a blank one means
    /// "not disclosed" and yields `None`.
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        let description = raw.trim();
        if description.is_empty() {
            return Ok(None);
        }
        if description.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::new(
                "gender",
                format!("use at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Some(Self(description.to_owned())))
    }

    /// The description as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a required short text (a name, an organisation): trimmed, 1 to `max_chars`
/// characters, no control characters.
pub fn parse_short_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, InvalidInput> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(InvalidInput::new(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(InvalidInput::new(
            field,
            format!("use at most {max_chars} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A person as the rest of the system sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Identity.
    pub id: PersonId,
    /// The name shown to others.
    pub display_name: String,
    /// Private: visible to the person and administrators only.
    pub email: Email,
    /// The organisation the person works for.
    pub organisation: String,
    /// Where the person is based.
    pub country: CountryCode,
    /// The kind of organisation the person speaks for.
    pub stakeholder_type: StakeholderType,
    /// Private; `None` when not disclosed.
    pub gender: Option<SelfDescribedGender>,
    /// Language of mails and default language of content.
    pub preferred_language: Language,
    /// Where the person's working day happens.
    pub time_zone: TimeZone,
    /// When the person joined.
    pub created_at: DateTime<Utc>,
}

impl Person {
    /// The UNESCO region of the person's country, `None` outside the Member States.
    pub fn region(&self) -> Option<UnescoRegion> {
        self.country.unesco_region()
    }
}

/// A person about to be recorded, every field already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPerson {
    /// The name shown to others.
    pub display_name: String,
    /// Unique, case-insensitively.
    pub email: Email,
    /// The organisation the person works for.
    pub organisation: String,
    /// Where the person is based.
    pub country: CountryCode,
    /// The kind of organisation the person speaks for.
    pub stakeholder_type: StakeholderType,
    /// `None` when not disclosed.
    pub gender: Option<SelfDescribedGender>,
    /// Language of mails and default language of content.
    pub preferred_language: Language,
    /// Where the person's working day happens.
    pub time_zone: TimeZone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_parse_and_normalise() {
        let email = Email::parse("  Ana.Silva@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Ana.Silva@Example.ORG");
        assert_eq!(email.normalized(), "ana.silva@example.org");
        assert!(Email::parse("josé@université.fr").is_ok());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "plain",
            "@example.org",
            "a@",
            "a@localhost",
            "a b@example.org",
            "a@exa mple.org",
            "a..b@example.org",
            "a@-example.org",
            "a@example..org",
        ] {
            let error = Email::parse(bad).unwrap_err();
            assert_eq!(error.field, "email", "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(65))).is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse("Africa/Nairobi").unwrap().name(),
            "Africa/Nairobi"
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("GMT+25").is_err());
    }

    #[test]
    fn gender_is_optional_and_bounded() {
        assert_eq!(SelfDescribedGender::parse("  ").unwrap(), None);
        assert_eq!(
            SelfDescribedGender::parse(" woman ")
                .unwrap()
                .unwrap()
                .as_str(),
            "woman"
        );
        assert!(SelfDescribedGender::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn short_texts_are_trimmed_and_bounded() {
        assert_eq!(parse_short_text("displayName", " Ana ", 10).unwrap(), "Ana");
        assert!(parse_short_text("displayName", "  ", 10).is_err());
        assert!(parse_short_text("displayName", "abcdefghijk", 10).is_err());
        assert!(parse_short_text("displayName", "a\u{7}b", 10).is_err());
    }
}
