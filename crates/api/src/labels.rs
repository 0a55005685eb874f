//! Display names of enum values, so frontends show "Member State" rather than
//! `MEMBER_STATE`, in the reader's language. They come from `templates/<language>/labels.toml`.

use async_graphql::{Context, Object, SimpleObject};

use crate::context::api;
use crate::error::ApiError;
use crate::language::resolve_language;

/// The enum labels' root query.
#[derive(Default)]
pub struct LabelsQuery;

/// The display name of one enum value in one language.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct EnumLabel {
    /// The enum, as this schema names it (`StakeholderType`); `Language` labels the
    /// language codes of `lang` arguments.
    #[graphql(name = "enum")]
    enum_name: String,
    /// The value, as this schema spells it (`MEMBER_STATE`).
    value: String,
    /// What a person reads.
    label: String,
    /// The language of `label`: the one asked for, or `en` when it has no label yet.
    language: String,
}

#[Object]
impl LabelsQuery {
    /// Display names of enum values, enum by enum, each in its schema order.
    async fn enum_labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The language wanted (a BCP 47 tag such as `fr` or `fr-CA`); \
                          the request's `Accept-Language` when absent. Values without a \
                          label in it come in English.")]
        lang: Option<String>,
        #[graphql(
            desc = "The enums wanted, by name (`StakeholderType`); every labelled \
                          enum when absent. An enum without labels is a `BAD_USER_INPUT` \
                          error."
        )]
        enums: Option<Vec<String>>,
    ) -> Result<Vec<EnumLabel>, ApiError> {
        let language = resolve_language(ctx, lang.as_deref())?;
        let texts = api(ctx)?.texts;
        let mut wanted: Vec<String> = match enums {
            Some(enums) => enums,
            None => texts.enums().map(str::to_owned).collect(),
        };
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|name| seen.insert(name.clone()));
        let mut labels = Vec::new();
        for name in &wanted {
            let Some(values) = texts.labels(language, name) else {
                return Err(ApiError::invalid(
                    "enums",
                    format!(
                        "'{name}' has no labels: use one of {}",
                        texts.enums().collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            labels.extend(values.into_iter().map(|label| EnumLabel {
                enum_name: label.enum_name.to_owned(),
                value: label.value.to_owned(),
                label: label.text.to_owned(),
                language: label.language.code().to_owned(),
            }));
        }
        Ok(labels)
    }
}

#[cfg(test)]
mod tests {
    use coalition_domain::language::Language;
    use coalition_domain::texts::Texts;

    /// The labels files as the server compiles them in (from the mail crate's folders).
    fn texts() -> Texts {
        Texts::from_files([
            (
                "en/labels.toml",
                include_str!("../../mail/templates/en/labels.toml"),
            ),
            (
                "fr/labels.toml",
                include_str!("../../mail/templates/fr/labels.toml"),
            ),
        ])
        .unwrap()
    }

    /// A new enum, or a new value of one, needs its English and French labels, listed
    /// in the schema's order.
    #[tokio::test]
    async fn every_value_of_every_enum_has_an_english_and_a_french_label() {
        let texts = texts();
        let response = crate::builder()
            .finish()
            .execute(
                "{ __schema { types { kind name enumValues(includeDeprecated: true) { name } } } }",
            )
            .await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().unwrap();
        let enums: Vec<_> = data["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|kind| kind["kind"] == "ENUM")
            .filter(|kind| !kind["name"].as_str().unwrap().starts_with("__"))
            .collect();
        assert!(enums.len() >= 18, "{}", enums.len());
        let mut missing = Vec::new();
        for schema_enum in enums {
            let name = schema_enum["name"].as_str().unwrap();
            let values: Vec<&str> = schema_enum["enumValues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|value| value["name"].as_str().unwrap())
                .collect();
            let labelled: Vec<&str> = texts
                .labels(Language::En, name)
                .unwrap_or_default()
                .iter()
                .map(|label| label.value)
                .collect();
            if labelled != values {
                missing.push(format!("en {name}: labels {labelled:?}, schema {values:?}"));
            }
            for value in values {
                if !texts.has_label(Language::Fr, name, value) {
                    missing.push(format!("fr {name}.{value}"));
                }
            }
        }
        assert!(missing.is_empty(), "labels missing: {missing:#?}");
    }
}
