//! Choosing the language of localised fields: the `lang` argument, else the request's
//! `Accept-Language`, else English.

use async_graphql::Context;
use coalition_domain::coalition::TextKey;
use coalition_domain::language::{Language, LocalisedText};

use crate::context::RequestLanguage;
use crate::error::ApiError;
use crate::loaders::loaders;

/// The language a localised field should be rendered in.
pub(crate) fn resolve_language(
    ctx: &Context<'_>,
    lang: Option<&str>,
) -> Result<Language, ApiError> {
    match lang {
        Some(tag) => Ok(Language::parse(tag)?),
        None => Ok(ctx
            .data_opt::<RequestLanguage>()
            .map(|RequestLanguage(language)| *language)
            .unwrap_or_default()),
    }
}

/// Renders a localised text for the field's `lang` argument. English and French come with
/// the entity; the other languages are read beside it (one statement for all the fields
/// of a request level), and fall back to English.
pub(crate) async fn localise(
    ctx: &Context<'_>,
    (kind, id, field): (&'static str, i32, &'static str),
    text: &LocalisedText,
    lang: Option<&str>,
) -> Result<String, ApiError> {
    let language = resolve_language(ctx, lang)?;
    if matches!(language, Language::En | Language::Fr) {
        return Ok(text.get(language).to_owned());
    }
    read_beside(ctx, (kind, id, field), language, text.get(Language::En)).await
}

/// Renders a text whose only column is its English (or original) version, every other
/// language being kept beside the entity: a meeting's title and description. Nothing is
/// read when English is asked for.
pub(crate) async fn localise_beside(
    ctx: &Context<'_>,
    key: (&'static str, i32, &'static str),
    original: &str,
    lang: Option<&str>,
) -> Result<String, ApiError> {
    match resolve_language(ctx, lang)? {
        Language::En => Ok(original.to_owned()),
        language => read_beside(ctx, key, language, original).await,
    }
}

/// The stored text in `language`, else `fallback`.
async fn read_beside(
    ctx: &Context<'_>,
    (kind, id, field): (&'static str, i32, &'static str),
    language: Language,
    fallback: &str,
) -> Result<String, ApiError> {
    let key = TextKey {
        kind,
        id,
        field,
        language,
    };
    let stored = loaders(ctx)?.one(key).await?;
    Ok(stored
        .filter(|stored| !stored.trim().is_empty())
        .unwrap_or_else(|| fallback.to_owned()))
}
