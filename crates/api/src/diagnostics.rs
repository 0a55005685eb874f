//! Makes async-graphql's own refusals say what would be accepted: a value that is not one
//! of an enum's values is answered with the list of valid ones, so a client can correct it
//! without reading the schema.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use async_graphql::{Response, ServerError};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

/// Installs the explanations on a schema.
pub(crate) struct Diagnostics;

impl ExtensionFactory for Diagnostics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Diagnostics)
    }
}

#[async_trait::async_trait]
impl Extension for Diagnostics {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        explain_response(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(explain_response).boxed()
    }
}

fn explain_response(mut response: Response) -> Response {
    response.errors.iter_mut().for_each(explain);
    response
}

/// Adds the valid values to a refusal that names an enum and a value outside it.
fn explain(error: &mut ServerError) {
    let Some(enum_name) = refused_enum(&error.message) else {
        return;
    };
    if let Some(values) = enum_values().get(enum_name) {
        let list = values.join(", ");
        error.message = format!("{}; valid values: {list}", error.message);
    }
}

/// The enum a refusal is about: async-graphql writes `enumeration type "X" does not contain
/// the value "Y"` for literals and `Failed to parse "X": ...` for variables.
fn refused_enum(message: &str) -> Option<&str> {
    const PATTERNS: [(&str, &str); 2] = [
        ("enumeration type \"", "\" does not contain the value"),
        ("Failed to parse \"", "\":"),
    ];
    PATTERNS.iter().find_map(|(before, after)| {
        let start = message.find(before)? + before.len();
        let length = message[start..].find(after)?;
        Some(&message[start..start + length])
    })
}

/// Every enum of the schema with its values, read once from the exported SDL.
fn enum_values() -> &'static HashMap<String, Vec<String>> {
    static VALUES: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    VALUES.get_or_init(|| {
        let Ok(document) = parse_schema(crate::sdl()) else {
            return HashMap::new();
        };
        document
            .definitions
            .into_iter()
            .filter_map(|definition| match definition {
                TypeSystemDefinition::Type(definition) => Some(definition.node),
                _ => None,
            })
            .filter_map(|definition| match definition.kind {
                TypeKind::Enum(enumeration) => Some((
                    definition.name.node.to_string(),
                    enumeration
                        .values
                        .into_iter()
                        .map(|value| value.node.value.node.to_string())
                        .collect(),
                )),
                _ => None,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_enum_value_lists_the_valid_ones() {
        let mut error = ServerError::new(
            "Invalid value for argument \"input.stakeholderType\", enumeration type \
             \"StakeholderType\" does not contain the value \"ACADEMIA\"",
            None,
        );
        explain(&mut error);
        assert!(
            error.message.contains("valid values: MEMBER_STATE,"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("PRIVATE_SECTOR"),
            "{}",
            error.message
        );
    }

    #[test]
    fn other_errors_are_left_alone() {
        let mut error = ServerError::new("Unknown field \"x\" on type \"Query\".", None);
        explain(&mut error);
        assert_eq!(error.message, "Unknown field \"x\" on type \"Query\".");
        assert_eq!(refused_enum("Failed to parse \"Int\": x"), Some("Int"));
    }
}
