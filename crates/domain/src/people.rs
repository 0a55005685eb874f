//! People: the experts who take part in the coalition, and the values that describe them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::geography::{CountryCode, UnescoRegion};
use crate::language::Language;
use crate::scheduling::WorkingHours;
use crate::stakeholder::StakeholderType;

/// Identifies a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub i32);

/// An email address, checked for shape, kept as written and compared in a normal form.
///
/// **Normal form** (what accounts and invitations are indexed and compared by): the part
/// before `@` in Unicode NFKC, then lower-cased (Unicode `to_lowercase`); the domain in its
/// ASCII form per IDNA (UTS #46 mapping, then Punycode, so `université.fr` is
/// `xn--universit-j4a.fr`), lower-case.
///
/// **Refused as confusable**, so that two addresses that look alike cannot be two accounts
/// nor one account be reached by a lookalike:
/// - a part before `@` holding a character that NFKC replaces on its own: the KELVIN SIGN
///   (U+212A, folds to `K`), the OHM SIGN, full-width letters, ligatures, superscripts;
/// - letters of more than one of the scripts whose letters look alike (Latin, Greek,
///   Cyrillic, Armenian) in the part before `@` or in one label of the domain (a Cyrillic
///   `а` among Latin letters).
///
/// Other non-ASCII addresses (`josé@université.fr`, all-Cyrillic local parts) are
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email {
    address: String,
    normalized: String,
}

/// The scripts whose letters are easily taken for one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookalikeScript {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
}

fn lookalike_script(c: char) -> Option<LookalikeScript> {
    use LookalikeScript::*;
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0xFF21..=0xFF5A => Some(Latin),
        0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Greek),
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Some(Cyrillic),
        0x530..=0x58F => Some(Armenian),
        _ => None,
    }
}

/// Whether `text` mixes letters of two lookalike scripts.
fn mixes_lookalike_scripts(text: &str) -> bool {
    let mut scripts = text.chars().filter_map(lookalike_script);
    match scripts.next() {
        Some(first) => scripts.any(|script| script != first),
        None => false,
    }
}

impl Email {
    /// The longest address SMTP can carry (RFC 5321 §4.5.3.1.3, path length less brackets).
    pub const MAX_LENGTH: usize = 254;

    /// Parses an address of the form `local@domain.tld`, trimmed.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        use unicode_normalization::UnicodeNormalization;

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
        // Character by character, so that a decomposed accent (NFD input) is accepted while
        // the canonical singletons (KELVIN SIGN → K, OHM SIGN → Ω) are caught too.
        let stands_for_another = |c: char| {
            let mut folded = std::iter::once(c).nfkc();
            folded.next() != Some(c) || folded.next().is_some()
        };
        if local.chars().any(stands_for_another) {
            return Err(invalid(
                "it contains characters that stand for others (such as the Kelvin sign or full-width letters); type the plain letters",
            ));
        }
        if mixes_lookalike_scripts(local) || domain.split('.').any(mixes_lookalike_scripts) {
            return Err(invalid(
                "it mixes letters of different alphabets (such as Latin and Cyrillic) that look alike",
            ));
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
        let ascii_domain = idna::domain_to_ascii(domain)
            .map_err(|_| invalid("the domain is not a valid internationalised domain name"))?;
        let local = local.nfkc().collect::<String>().to_lowercase();
        let normalized = format!("{local}@{ascii_domain}");
        if normalized.len() > Self::MAX_LENGTH {
            return Err(invalid("it is longer than 254 characters"));
        }
        Ok(Self {
            address: address.to_owned(),
            normalized,
        })
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The form addresses are compared and indexed by (see the type's documentation).
    pub fn normalized(&self) -> String {
        self.normalized.clone()
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
        email.address
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
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
    /// Whether the person's name appears on rosters seen from outside their groups.
    pub listed_publicly: bool,
    /// The person's local working hours, when they gave them.
    pub working_hours: Option<WorkingHours>,
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

/// A person's own changes to their profile, every field already validated; `None` keeps
/// what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileUpdate {
    /// The name shown to others.
    pub display_name: Option<String>,
    /// The organisation the person works for.
    pub organisation: Option<String>,
    /// Where the person is based.
    pub country: Option<CountryCode>,
    /// The kind of organisation the person speaks for.
    pub stakeholder_type: Option<StakeholderType>,
    /// `Some(None)` clears it.
    pub gender: Option<Option<SelfDescribedGender>>,
    /// Language of mails and default language of content.
    pub preferred_language: Option<Language>,
    /// Where the person's working day happens.
    pub time_zone: Option<TimeZone>,
    /// `Some(None)` clears them.
    pub working_hours: Option<Option<WorkingHours>>,
    /// Whether the name appears on rosters seen from outside the person's groups.
    pub listed_publicly: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_parse_and_normalise() {
        let email = Email::parse("  Ana.Silva@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Ana.Silva@Example.ORG");
        assert_eq!(email.normalized(), "ana.silva@example.org");
        let accented = Email::parse("José@Université.fr").unwrap();
        assert_eq!(accented.normalized(), "josé@xn--universit-j4a.fr");
        assert_eq!(accented.as_str(), "José@Université.fr");
        // The same domain typed in Unicode or in Punycode is one address.
        assert_eq!(
            Email::parse("josé@xn--universit-j4a.fr")
                .unwrap()
                .normalized(),
            accented.normalized()
        );
        assert_eq!(
            Email::parse("иван@пример.рф").unwrap().normalized(),
            "иван@xn--e1afmkfd.xn--p1ai"
        );
    }

    /// Lookalikes of an ASCII address are refused, not folded into it: the KELVIN SIGN,
    /// full-width letters, ligatures, and letters of another alphabet among Latin ones.
    #[test]
    fn confusable_emails_are_refused() {
        for confusable in [
            "\u{212A}im@example.org",
            "ｋim@example.org",
            "of\u{FB01}ce@example.org",
            "p\u{0430}ypal@example.org",
            "ana@p\u{0430}ypal.com",
            "x\u{00B2}@example.org",
            "\u{2126}mega@example.org",
        ] {
            let Err(error) = Email::parse(confusable) else {
                panic!("{confusable} accepted");
            };
            assert!(
                error.message.contains("stand for others") || error.message.contains("alphabets"),
                "{confusable}: {error:?}"
            );
        }
        assert_eq!(
            Email::parse("kim@example.org").unwrap().normalized(),
            "kim@example.org"
        );
        // A decomposed accent is the same address as the composed one.
        assert_eq!(
            Email::parse("jose\u{0301}@example.org")
                .unwrap()
                .normalized(),
            "jos\u{00E9}@example.org"
        );
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
