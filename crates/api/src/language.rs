//! Choosing the language of localised fields: the `lang` argument, else the request's
//! `Accept-Language`, else English.

use async_graphql::Context;
use coalition_domain::language::{Language, LocalisedText};

use crate::context::RequestLanguage;
use crate::error::ApiError;

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

/// Renders a localised text for the field's `lang` argument.
pub(crate) fn localise(
    ctx: &Context<'_>,
    text: &LocalisedText,
    lang: Option<&str>,
) -> Result<String, ApiError> {
    Ok(text.get(resolve_language(ctx, lang)?).to_owned())
}
