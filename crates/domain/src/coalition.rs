//! The coalition, the areas of action it works on, and its working groups.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::language::{Language, LocalisedText};

/// How people join a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    /// A request makes the person a member at once.
    Open,
    /// A coordinator approves each request.
    #[default]
    Moderated,
}

impl JoinPolicy {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinPolicy::Open => "open",
            JoinPolicy::Moderated => "moderated",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "open" => Ok(JoinPolicy::Open),
            "moderated" => Ok(JoinPolicy::Moderated),
            other => Err(InvalidInput::new(
                "joinPolicy",
                format!("unknown join policy '{other}': use open or moderated"),
            )),
        }
    }
}

/// Identifies the coalition (one per deployment today; the id keeps the model honest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CoalitionId(pub i32);

/// Identifies an area of action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AreaId(pub i32);

/// Identifies a working group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkingGroupId(pub i32);

/// The umbrella network that oversees the working groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Coalition {
    /// Identity.
    pub id: CoalitionId,
    /// Stable, URL-safe name.
    pub slug: String,
    /// Full name.
    pub name: LocalisedText,
    /// What the coalition is for.
    pub description: LocalisedText,
    /// When it was launched.
    pub launched_on: NaiveDate,
}

/// One of the five areas of action of the UNESCO Recommendation on OER (2019).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaOfAction {
    /// Identity.
    pub id: AreaId,
    /// The coalition the area belongs to.
    pub coalition_id: CoalitionId,
    /// Its number in the Recommendation, 1 to 5.
    pub number: i16,
    /// The area's title.
    pub name: LocalisedText,
}

/// An expert working group, tied to one area of action.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingGroup {
    /// Identity.
    pub id: WorkingGroupId,
    /// The coalition overseeing the group.
    pub coalition_id: CoalitionId,
    /// The area of action the group works on.
    pub area_id: AreaId,
    /// Stable, URL-safe name.
    pub slug: String,
    /// Short name.
    pub name: LocalisedText,
    /// One or two sentences on what the group does.
    pub summary: LocalisedText,
    /// What the coalition asks of the group.
    pub mandate: LocalisedText,
    /// Whether requests to join need a coordinator's approval.
    pub join_policy: JoinPolicy,
    /// When the group was created.
    pub created_at: DateTime<Utc>,
    /// When an administrator archived the group: it is left out of lists (but for
    /// administrators), takes no new members and schedules no meetings.
    pub archived_at: Option<DateTime<Utc>>,
}

/// A text in one language, as a client sends it (`{ lang, text }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// A BCP 47 tag; its primary subtag picks the language.
    pub lang: String,
    /// The text in that language.
    pub text: String,
}

/// Longest name of a group, area or coalition, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest summary, mandate or description, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Applies `translations` to `text`: each language given is set, an empty text removes a
/// translation; English cannot be left empty (it is what every language falls back to).
pub fn apply_translations(
    field: &'static str,
    text: &mut LocalisedText,
    translations: &[Translation],
    max_chars: usize,
) -> Result<(), InvalidInput> {
    for (language, value) in parse_translation_list(field, translations, max_chars)? {
        text.set(language, value);
    }
    if text.get(Language::En).trim().is_empty() {
        return Err(InvalidInput::new(
            field,
            "needs an English text (\"en\"): it is shown when a translation is missing",
        ));
    }
    Ok(())
}

/// Checks `translations` one by one: a supported language given once, at most `max_chars`
/// characters, no control characters but line breaks and tabs. The texts come back
/// trimmed; an empty one stands for a translation to remove.
pub fn parse_translation_list(
    field: &'static str,
    translations: &[Translation],
    max_chars: usize,
) -> Result<Vec<(Language, String)>, InvalidInput> {
    let mut parsed: Vec<(Language, String)> = Vec::with_capacity(translations.len());
    for translation in translations {
        let language =
            Language::parse(&translation.lang).map_err(|error| InvalidInput { field, ..error })?;
        if parsed.iter().any(|(seen, _)| *seen == language) {
            return Err(InvalidInput::new(
                field,
                format!("'{}' is given twice", language.code()),
            ));
        }
        let value = translation.text.trim();
        if value.chars().count() > max_chars {
            return Err(InvalidInput::new(
                field,
                format!("use at most {max_chars} characters in each language"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(InvalidInput::new(
                field,
                "must not contain control characters",
            ));
        }
        parsed.push((language, value.to_owned()));
    }
    Ok(parsed)
}

/// Builds a text from `translations` alone.
pub fn parse_translations(
    field: &'static str,
    translations: &[Translation],
    max_chars: usize,
) -> Result<LocalisedText, InvalidInput> {
    let mut text = LocalisedText::default();
    apply_translations(field, &mut text, translations, max_chars)?;
    Ok(text)
}

/// A group's stable, URL-safe name: 2 to 64 lower-case ASCII letters, digits and single
/// hyphens, starting with a letter.
pub fn parse_slug(raw: &str) -> Result<String, InvalidInput> {
    let slug = raw.trim();
    let well_formed = (2..=64).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if well_formed {
        Ok(slug.to_owned())
    } else {
        Err(InvalidInput::new(
            "slug",
            format!(
                "'{slug}' is not a slug: use 2 to 64 lower-case letters, digits and single hyphens, starting with a letter (e.g. \"digital-skills\")"
            ),
        ))
    }
}

/// What an administrator gives to create a group, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDraft {
    /// The area of action it works on.
    pub area_id: AreaId,
    /// Stable, URL-safe name (unique).
    pub slug: String,
    /// Short name.
    pub name: LocalisedText,
    /// What the group does.
    pub summary: LocalisedText,
    /// What the coalition asks of it.
    pub mandate: LocalisedText,
    /// How people join.
    pub join_policy: JoinPolicy,
}

/// Changes to a group's description; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupChanges {
    /// Another area of action.
    pub area_id: Option<AreaId>,
    /// Another slug.
    pub slug: Option<String>,
    /// Translations of the name to set.
    pub name: Vec<Translation>,
    /// Translations of the summary to set.
    pub summary: Vec<Translation>,
    /// Translations of the mandate to set.
    pub mandate: Vec<Translation>,
    /// Another join policy.
    pub join_policy: Option<JoinPolicy>,
}

impl GroupChanges {
    /// Applies the changes to `group`, validating each.
    pub fn apply(&self, group: &mut WorkingGroup) -> Result<(), InvalidInput> {
        if let Some(area) = self.area_id {
            group.area_id = area;
        }
        if let Some(slug) = &self.slug {
            group.slug = parse_slug(slug)?;
        }
        apply_translations("name", &mut group.name, &self.name, MAX_NAME_CHARS)?;
        apply_translations("summary", &mut group.summary, &self.summary, MAX_TEXT_CHARS)?;
        apply_translations("mandate", &mut group.mandate, &self.mandate, MAX_TEXT_CHARS)?;
        if let Some(join_policy) = self.join_policy {
            group.join_policy = join_policy;
        }
        Ok(())
    }
}

/// One localised field of one entity in one of the languages kept beside the entity
/// (ar, zh, ru, es): what a content translation is found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextKey {
    /// The kind of entity: `"coalition"`, `"area"`, `"group"` or `"meeting"`.
    pub kind: &'static str,
    /// Its id.
    pub id: i32,
    /// The field: `"name"`, `"summary"`, `"mandate"`, `"title"` or `"description"`.
    pub field: &'static str,
    /// The language.
    pub language: Language,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(lang: &str, text: &str) -> Translation {
        Translation {
            lang: lang.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_hyphens() {
        assert_eq!(parse_slug(" digital-skills ").unwrap(), "digital-skills");
        assert!(parse_slug("oer2").is_ok());
        for bad in [
            "", "a", "Digital", "2oer", "oer--x", "oer-", "oer x", "é-oer",
        ] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn translations_need_english_and_known_languages() {
        let text = parse_translations("name", &[t("en", "Skills"), t("fr-CA", "Compétences")], 50)
            .unwrap();
        assert_eq!(text.get(Language::Fr), "Compétences");
        assert_eq!(
            parse_translations("name", &[t("fr", "Compétences")], 50)
                .unwrap_err()
                .field,
            "name"
        );
        assert!(parse_translations("name", &[t("xx", "?"), t("en", "a")], 50).is_err());
        assert!(parse_translations("name", &[t("en", "a"), t("en", "b")], 50).is_err());
        assert!(parse_translations("name", &[t("en", "abcdef")], 5).is_err());
        let mut text = LocalisedText::new("Skills", "Compétences");
        apply_translations("name", &mut text, &[t("fr", "")], 50).unwrap();
        assert_eq!(text.get(Language::Fr), "Skills");
        assert!(apply_translations("name", &mut text, &[t("en", " ")], 50).is_err());
    }

    #[test]
    fn texts_in_the_other_un_languages_fall_back_to_english() {
        let mut text = LocalisedText::new("Skills", "");
        apply_translations(
            "name",
            &mut text,
            &[t("es-AR", "Habilidades"), t("ar", "")],
            50,
        )
        .unwrap();
        assert_eq!(text.get(Language::Es), "Habilidades");
        assert_eq!(text.get(Language::Ar), "Skills");
        assert_eq!(text.get(Language::Zh), "Skills");
        assert_eq!(text.others.get(&Language::Ar).map(String::as_str), Some(""));
    }
}
