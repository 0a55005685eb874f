//! The languages the coalition publishes in, and text held in each of them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;

/// A language in which the coalition's content is written: its working languages.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English, the fallback whenever a text lacks the requested language.
    #[default]
    En,
    /// French.
    Fr,
    // Six UN languages (pages and languages): the other four working languages.
    /// Arabic.
    Ar,
    /// Chinese.
    Zh,
    /// Russian.
    Ru,
    /// Spanish.
    Es,
}

impl Language {
    /// Every supported language, in order of preference when nothing else decides.
    pub const ALL: [Language; 6] = [
        Language::En,
        Language::Fr,
        Language::Ar,
        Language::Zh,
        Language::Ru,
        Language::Es,
    ];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
            Language::Ar => "ar",
            Language::Zh => "zh",
            Language::Ru => "ru",
            Language::Es => "es",
        }
    }

    /// Parses a BCP 47 tag by its primary subtag: "fr", "FR", "fr-CA" are all French.
    pub fn parse(tag: &str) -> Result<Self, InvalidInput> {
        Self::from_primary_subtag(tag).ok_or_else(|| {
            InvalidInput::new(
                "lang",
                format!(
                    "unsupported language '{}': use one of {}",
                    tag.trim(),
                    Self::ALL.map(Language::code).join(", ")
                ),
            )
        })
    }

    fn from_primary_subtag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|language| language.code().eq_ignore_ascii_case(primary))
    }

    /// Picks the supported language a client prefers most from an `Accept-Language` header
    /// value (RFC 9110 §12.5.4), or `None` when it names none we have. Entries with `q=0`
    /// are refusals and never chosen.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(u16, Self)> = None;
        for entry in accept_language.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let quality = parts
                .find_map(|param| param.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let (Some(quality), Some(language)) = (quality, Self::from_primary_subtag(tag)) else {
                continue;
            };
            // The first of equally preferred entries wins, as the client listed it first.
            if quality > 0 && best.is_none_or(|(best_quality, _)| quality > best_quality) {
                best = Some((quality, language));
            }
        }
        best.map(|(_, language)| language)
    }
}

/// Parses a qvalue ("0.8", "1", "0.125") into thousandths, `None` when malformed.
fn parse_quality(value: &str) -> Option<u16> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    let quality = whole * 1000 + thousandths;
    (quality <= 1000).then_some(quality)
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text the coalition publishes in both working languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalisedText {
    /// The English text; always present.
    pub en: String,
    /// The French text; empty while no translation exists.
    pub fr: String,
    /// Texts in the other languages (ar, zh, ru, es) being set: they are stored beside the
    /// entity (content translations), not loaded with it; an empty text removes one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub others: BTreeMap<Language, String>,
}

impl LocalisedText {
    /// Builds a text from its English and French versions.
    pub fn new(en: impl Into<String>, fr: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            fr: fr.into(),
            others: BTreeMap::new(),
        }
    }

    /// Sets the text in `language` (empty: no translation).
    pub fn set(&mut self, language: Language, text: String) {
        match language {
            Language::En => self.en = text,
            Language::Fr => self.fr = text,
            // Other languages are stored beside the entity (content translations).
            Language::Ar | Language::Zh | Language::Ru | Language::Es => {
                self.others.insert(language, text);
            }
        }
    }

    /// The text in `language`, falling back to English when no translation exists.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Fr if !self.fr.trim().is_empty() => &self.fr,
            Language::Ar | Language::Zh | Language::Ru | Language::Es => self
                .others
                .get(&language)
                .filter(|text| !text.trim().is_empty())
                .unwrap_or(&self.en),
            _ => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_primary_subtags_case_insensitively() {
        assert_eq!(Language::parse("fr"), Ok(Language::Fr));
        assert_eq!(Language::parse("FR-ca"), Ok(Language::Fr));
        assert_eq!(Language::parse(" en_GB "), Ok(Language::En));
    }

    #[test]
    fn refuses_unsupported_languages_naming_the_allowed_ones() {
        let error = Language::parse("de").unwrap_err();
        assert_eq!(error.field, "lang");
        assert!(
            error.message.contains("en, fr, ar, zh, ru, es"),
            "{}",
            error.message
        );
        assert!(Language::parse("").is_err());
    }

    #[test]
    fn negotiates_by_quality_then_order() {
        assert_eq!(
            Language::negotiate("fr-FR,fr;q=0.9,en;q=0.8"),
            Some(Language::Fr)
        );
        assert_eq!(
            Language::negotiate("de, fr;q=0.5, en;q=0.7"),
            Some(Language::En)
        );
        assert_eq!(Language::negotiate("en, fr"), Some(Language::En));
        assert_eq!(Language::negotiate("fr;q=0, en;q=0.1"), Some(Language::En));
        assert_eq!(Language::negotiate("de, es"), Some(Language::Es));
        assert_eq!(
            Language::negotiate("de, ar;q=0.4, zh-Hans;q=0.9"),
            Some(Language::Zh)
        );
        assert_eq!(Language::negotiate("de, it"), None);
        assert_eq!(Language::negotiate("fr;q=2"), None);
        assert_eq!(Language::negotiate("*"), None);
    }

    #[test]
    fn localised_text_falls_back_to_english() {
        let text = LocalisedText::new("Supportive policy", "");
        assert_eq!(text.get(Language::Fr), "Supportive policy");
        let text = LocalisedText::new("Supportive policy", "Politiques de soutien");
        assert_eq!(text.get(Language::Fr), "Politiques de soutien");
    }
}
