//! Passwords as people choose them: long enough, not too long to hash, and not among the
//! most common ones.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use crate::error::InvalidInput;

/// The most common passwords, lower-cased (see `data/README.md` for the source).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// A new password that meets the rules. Its text never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Fewest characters accepted (NIST SP 800-63B, OWASP).
    pub const MIN_CHARS: usize = 8;
    /// Most characters accepted: long passphrases are welcome, unbounded input is not.
    pub const MAX_CHARS: usize = 256;

    /// Checks a new password for `field` (e.g. `password`, `newPassword`). Spaces and any
    /// Unicode are allowed; nothing is trimmed, as the password is exactly what was typed.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidInput> {
        let length = raw.chars().count();
        if length < Self::MIN_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("use at least {} characters", Self::MIN_CHARS),
            )
            .because("too_short"));
        }
        if length > Self::MAX_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("use at most {} characters", Self::MAX_CHARS),
            )
            .because("too_long"));
        }
        if is_common(raw) {
            return Err(InvalidInput::new(
                field,
                "this password is among the most common ones; choose another (a few unrelated words make a good one)",
            )
            .because("common"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Whether `raw` is one of the most common passwords, ignoring case.
pub fn is_common(raw: &str) -> bool {
    COMMON_PASSWORDS.contains(raw.to_lowercase().as_str())
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_at_least_ten_thousand_passwords() {
        assert!(
            COMMON_PASSWORDS.len() >= 10_000,
            "{}",
            COMMON_PASSWORDS.len()
        );
    }

    #[test]
    fn refuses_common_short_and_overlong_passwords() {
        for common in [
            "password1",
            "Password1",
            "QWERTYUIOP",
            "iloveyou",
            "1q2w3e4r5t",
        ] {
            let error = Password::parse("password", common).unwrap_err();
            assert!(error.message.contains("most common"), "{common}");
        }
        assert!(
            Password::parse("password", "Sh0rt!")
                .unwrap_err()
                .message
                .contains("at least 8")
        );
        assert!(Password::parse("password", &"x".repeat(257)).is_err());
    }

    #[test]
    fn accepts_passphrases_up_to_the_limit() {
        assert!(Password::parse("password", "correct horse battery staple").is_ok());
        assert!(Password::parse("password", "ressources éducatives libres").is_ok());
        let long: String = "ab1-".repeat(32);
        assert_eq!(long.chars().count(), 128);
        assert!(Password::parse("password", &long).is_ok());
        assert!(Password::parse("password", &"z".repeat(256)).is_ok());
    }

    #[test]
    fn never_prints_the_text() {
        let password = Password::parse("password", "correct horse battery staple").unwrap();
        assert_eq!(format!("{password:?}"), "Password(<redacted>)");
    }
}
