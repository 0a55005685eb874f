//! The words around the data: the built-in pages' texts, the display names of enum values,
//! and translations of validation messages, in every language that has a folder of them.
//!
//! Each language folder holds `pages.toml` (`key = "text"`, with a `[messages.<field>]`
//! table of `<reason> = "text"`) and `labels.toml` (a table per GraphQL enum, keyed by the
//! GraphQL value). English is complete and is what any missing text falls back to; the
//! English labels file also decides which enums have labels, and in which order.

use std::collections::HashMap;

use crate::error::InvalidInput;
use crate::language::Language;

/// The file of a folder that holds page texts.
pub const PAGES_FILE: &str = "pages.toml";
/// The file of a folder that holds enum labels.
pub const LABELS_FILE: &str = "labels.toml";

/// Every page text and enum label, by language.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    /// Page texts by language, nested tables flattened to dotted keys.
    pages: HashMap<Language, HashMap<String, String>>,
    /// Labels by language, then (enum, value).
    labels: HashMap<Language, HashMap<(String, String), String>>,
    /// The labelled enums and their values, in the English file's order.
    enums: Vec<(String, Vec<String>)>,
}

/// The display name of one enum value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    /// The enum, as GraphQL names it (`StakeholderType`).
    pub enum_name: &'a str,
    /// The value, as GraphQL spells it (`MEMBER_STATE`).
    pub value: &'a str,
    /// What a person reads.
    pub text: &'a str,
    /// The language `text` is in: the one asked for, or English when it has no label.
    pub language: Language,
}

/// A texts file that cannot be read: a bug in the file, reported with its name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct TextsError {
    file: String,
    reason: String,
}

impl Texts {
    /// Reads `(<language>/<file name>, contents)` pairs: every `pages.toml` and
    /// `labels.toml` of a supported language's folder. Other files, and folders that are
    /// not a supported language, are skipped (they are mail templates).
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, TextsError> {
        let mut texts = Texts::default();
        let mut english_labels = None;
        for (name, contents) in files {
            let Some((folder, file)) = name.split_once('/') else {
                continue;
            };
            let Some(language) = Language::ALL
                .into_iter()
                .find(|language| language.code() == folder)
            else {
                continue;
            };
            if file != PAGES_FILE && file != LABELS_FILE {
                continue;
            }
            let fail = |reason: String| TextsError {
                file: name.to_owned(),
                reason,
            };
            let table: toml::Table = contents
                .parse()
                .map_err(|error: toml::de::Error| fail(error.message().to_owned()))?;
            if file == PAGES_FILE {
                let pages = texts.pages.entry(language).or_default();
                flatten("", &table, pages).map_err(fail)?;
            } else {
                let labels = texts.labels.entry(language).or_default();
                let mut order = Vec::new();
                for (enum_name, values) in &table {
                    let toml::Value::Table(values) = values else {
                        return Err(fail(format!("{enum_name} is not a table of labels")));
                    };
                    let mut names = Vec::new();
                    for (value, label) in values {
                        let toml::Value::String(label) = label else {
                            return Err(fail(format!("{enum_name}.{value} is not a text")));
                        };
                        labels.insert((enum_name.clone(), value.clone()), label.clone());
                        names.push(value.clone());
                    }
                    order.push((enum_name.clone(), names));
                }
                if language == Language::En {
                    english_labels = Some(order);
                }
            }
        }
        texts.enums = english_labels.unwrap_or_default();
        Ok(texts)
    }

    /// A page text in `language`, else in English; empty when English lacks it too (a
    /// test checks every key the pages use exists).
    pub fn page(&self, language: Language, key: &str) -> &str {
        self.find_page(language, key)
            .or_else(|| self.find_page(Language::En, key))
            .unwrap_or_default()
    }

    /// A page text in exactly `language`, without falling back.
    pub fn find_page(&self, language: Language, key: &str) -> Option<&str> {
        self.pages
            .get(&language)
            .and_then(|pages| pages.get(key))
            .map(String::as_str)
    }

    /// A validation message in `language`: the translation of its field and reason
    /// (`messages.<field>.<reason>`), else the message as the domain wrote it (English).
    pub fn message(&self, language: Language, invalid: &InvalidInput) -> String {
        invalid
            .reason
            .and_then(|reason| {
                let key = format!("messages.{}.{reason}", invalid.field);
                self.find_page(language, &key)
                    .or_else(|| self.find_page(Language::En, &key))
            })
            .map_or_else(|| invalid.message.clone(), str::to_owned)
    }

    /// The labelled enums, in the English file's order.
    pub fn enums(&self) -> impl Iterator<Item = &str> {
        self.enums.iter().map(|(name, _)| name.as_str())
    }

    /// Every label of `enum_name` in `language` (English where it has none), in the
    /// English file's order; `None` when the enum has no labels.
    pub fn labels(&self, language: Language, enum_name: &str) -> Option<Vec<Label<'_>>> {
        let (enum_name, values) = self.enums.iter().find(|(name, _)| name == enum_name)?;
        Some(
            values
                .iter()
                .filter_map(|value| self.label(language, enum_name, value))
                .collect(),
        )
    }

    /// The label of one value in `language`, else in English.
    pub fn label<'a>(
        &'a self,
        language: Language,
        enum_name: &'a str,
        value: &'a str,
    ) -> Option<Label<'a>> {
        let key = (enum_name.to_owned(), value.to_owned());
        [language, Language::En].into_iter().find_map(|language| {
            self.labels
                .get(&language)
                .and_then(|labels| labels.get(&key))
                .map(|text| Label {
                    enum_name,
                    value,
                    text,
                    language,
                })
        })
    }

    /// Whether `language` has its own label for a value (no fallback), for tests of
    /// completeness.
    pub fn has_label(&self, language: Language, enum_name: &str, value: &str) -> bool {
        self.labels
            .get(&language)
            .is_some_and(|labels| labels.contains_key(&(enum_name.to_owned(), value.to_owned())))
    }
}

/// Copies a table's texts into `into`, nested tables as `outer.inner` keys.
fn flatten(
    prefix: &str,
    table: &toml::Table,
    into: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                into.insert(key, text.clone());
            }
            toml::Value::Table(inner) => flatten(&key, inner, into)?,
            _ => return Err(format!("{key} is not a text")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN_PAGES: &str = "title = \"Welcome\"\nonly_en = \"Only in English\"\n[messages.newPassword]\ntoo_short = \"Too short\"\n";
    const FR_PAGES: &str =
        "title = \"Bienvenue\"\n[messages.newPassword]\ntoo_short = \"Trop court\"\n";
    const EN_LABELS: &str =
        "[Visibility]\nPUBLIC = \"Public\"\nGROUP = \"Group\"\n[Colour]\nRED = \"Red\"\n";
    const FR_LABELS: &str = "[Visibility]\nPUBLIC = \"Publique\"\n";

    fn texts() -> Texts {
        Texts::from_files([
            ("en/pages.toml", EN_PAGES),
            ("en/labels.toml", EN_LABELS),
            ("fr/pages.toml", FR_PAGES),
            ("fr/labels.toml", FR_LABELS),
            ("fr/verify_email.txt", "not texts {{ at all"),
            ("xx/pages.toml", "not = [toml"),
        ])
        .unwrap()
    }

    #[test]
    fn pages_read_the_language_then_english() {
        let texts = texts();
        assert_eq!(texts.page(Language::Fr, "title"), "Bienvenue");
        assert_eq!(texts.page(Language::Fr, "only_en"), "Only in English");
        assert_eq!(texts.page(Language::Ar, "title"), "Welcome");
        assert_eq!(texts.page(Language::En, "missing"), "");
    }

    #[test]
    fn labels_keep_the_english_order_and_say_their_language() {
        let texts = texts();
        let labels = texts.labels(Language::Fr, "Visibility").unwrap();
        let read: Vec<_> = labels
            .iter()
            .map(|label| (label.value, label.text, label.language))
            .collect();
        assert_eq!(
            read,
            [
                ("PUBLIC", "Publique", Language::Fr),
                ("GROUP", "Group", Language::En)
            ]
        );
        assert!(texts.labels(Language::Fr, "Nope").is_none());
        assert_eq!(texts.enums().collect::<Vec<_>>(), ["Visibility", "Colour"]);
    }

    #[test]
    fn messages_are_translated_by_field_and_reason() {
        let texts = texts();
        let short =
            InvalidInput::new("newPassword", "use at least 8 characters").because("too_short");
        assert_eq!(texts.message(Language::Fr, &short), "Trop court");
        let plain = InvalidInput::new("newPassword", "as written");
        assert_eq!(texts.message(Language::Fr, &plain), "as written");
        let other = InvalidInput::new("newPassword", "as written").because("unknown");
        assert_eq!(texts.message(Language::Fr, &other), "as written");
    }

    #[test]
    fn a_broken_file_is_named() {
        let error = Texts::from_files([("fr/labels.toml", "[A]\nB = 3\n")]).unwrap_err();
        assert!(error.to_string().starts_with("fr/labels.toml"), "{error}");
        assert!(Texts::from_files([("en/pages.toml", "x = [")]).is_err());
    }
}
