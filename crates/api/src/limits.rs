//! What one operation may ask for: nesting depth, complexity and aliases, checked before
//! anything runs.
//!
//! Depth and aliases are counted on data fields only; the cost model is in [`crate::cost`]. Introspection (`__schema`, `__type`)
//! has a depth bound of its own, because the query every standard client sends (graphql-js
//! `getIntrospectionQuery()`, used by GraphiQL, code generators, Postman) nests `ofType`
//! nine levels below `__schema { types { fields { type`, deeper than any sane data query.
//! The cost counts every field, introspection included, so the breadth of an
//! introspection query stays bounded too; lists count their selection once per item.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Name, Positioned, Request, ServerError, ServerResult, Variables,
};

use crate::cost::CostModel;

/// Limits that keep one request from monopolising the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Deepest nesting of data fields accepted.
    pub max_depth: usize,
    /// Highest cost accepted ([`crate::cost`]: fields, lists counted once per item they may
    /// return), for one operation and for a batch together.
    pub max_complexity: usize,
    /// Largest page of a connection: the cost of a connection without `first`/`last`.
    pub max_page_size: usize,
    /// Most aliased data fields in one operation.
    pub max_aliases: usize,
    /// Whether `__schema` and `__type` answer (off hides the schema from clients).
    pub introspection: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 10_000,
            max_page_size: 100,
            max_aliases: 30,
            introspection: true,
        }
    }
}

/// Deepest nesting accepted below `__schema` or `__type`: room for the standard
/// introspection queries (14 levels with graphql-js's nine `ofType`s) and a margin for
/// clients that ask for deeper type references.
pub const INTROSPECTION_MAX_DEPTH: usize = 24;

/// The mutations that run argon2 (a password hash or check). Each holds a core for tens of
/// milliseconds, so aliasing one many times in an operation would hold the hasher from
/// everyone's sign-ins; at most [`MAX_HASHING_FIELDS`] may appear in an operation.
const HASHING_FIELDS: [&str; 4] = ["login", "register", "changePassword", "resetPassword"];

/// Most password-hashing fields in one operation.
const MAX_HASHING_FIELDS: usize = 1;

/// Installs the checks on a schema.
pub(crate) struct LimitsExtension(pub(crate) QueryLimits);

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsCheck {
            limits: self.0,
            operation_name: Mutex::default(),
        })
    }
}

/// The checks for one request.
struct LimitsCheck {
    limits: QueryLimits,
    /// The operation the request names, learnt before the document is parsed.
    operation_name: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for LimitsCheck {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *self
            .operation_name
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let operation_name = self
            .operation_name
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let shape = Shape::of(&document, operation_name.as_deref());
        let limits = self.limits;
        if shape.depth > limits.max_depth {
            return Err(refusal(format!(
                "the query nests fields {} levels deep; the limit is {} (setting graphql.max_depth)",
                shape.depth, limits.max_depth
            )));
        }
        if shape.introspection_depth > INTROSPECTION_MAX_DEPTH {
            return Err(refusal(format!(
                "the introspection query nests fields {} levels deep; the limit is {INTROSPECTION_MAX_DEPTH}",
                shape.introspection_depth
            )));
        }
        if shape.hashing_fields > MAX_HASHING_FIELDS {
            return Err(refusal(format!(
                "the operation asks for {} of {}; at most {MAX_HASHING_FIELDS} may run per \
                 operation, as each hashes a password",
                shape.hashing_fields,
                HASHING_FIELDS.join(", ")
            )));
        }
        if shape.aliases > limits.max_aliases {
            return Err(refusal(format!(
                "the query uses {} aliases; the limit is {} (setting graphql.max_aliases)",
                shape.aliases, limits.max_aliases
            )));
        }
        let cost = CostModel::coalition().cost(
            &document,
            operation_name.as_deref(),
            variables,
            limits.max_page_size,
        );
        if cost > limits.max_complexity {
            return Err(refusal(too_costly(cost, limits.max_complexity, false)));
        }
        Ok(document)
    }
}

/// Why an operation (or a batch) costs too much: the computed cost and the limit.
fn too_costly(cost: usize, limit: usize, batch: bool) -> String {
    let what = if batch {
        "the batch's operations together cost"
    } else {
        "the query costs"
    };
    format!(
        "{what} {cost}; the limit is {limit} (setting graphql.max_complexity; each field \
         counts 1 and a list counts its selection once per item it may return: a page, \
         a day of a meeting window, or the documented bound of the list)"
    )
}

/// The cost of one request of a batch, for [`check_batch_cost`]; a document that does not
/// parse costs nothing here (it is refused as it runs).
pub fn request_cost(
    query: &str,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &QueryLimits,
) -> usize {
    async_graphql::parser::parse_query(query).map_or(0, |document| {
        CostModel::coalition().cost(&document, operation_name, variables, limits.max_page_size)
    })
}

/// Checks the summed cost of a batch's requests against the limit: a batch counts
/// together, so splitting a costly operation into a batch gains nothing. `Err` holds the
/// message naming the limit and the computed cost.
pub fn check_batch_cost(costs: &[usize], limits: &QueryLimits) -> Result<usize, String> {
    let total = costs.iter().copied().fold(0, usize::saturating_add);
    if total > limits.max_complexity {
        return Err(too_costly(total, limits.max_complexity, true));
    }
    Ok(total)
}

fn refusal(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", crate::ErrorCode::BadUserInput.as_str());
    error.extensions = Some(extensions);
    error
}

/// What the limits look at in a document.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// Deepest nesting of data fields.
    depth: usize,
    /// Deepest nesting inside `__schema` / `__type`, counted from them.
    introspection_depth: usize,
    /// Aliased data fields, each fragment counted once per use.
    aliases: usize,
    /// Root fields that hash a password ([`HASHING_FIELDS`]), each fragment counted once per
    /// use.
    hashing_fields: usize,
}

impl Shape {
    /// The shape of the operation `operation_name` names (of every operation when the
    /// document has several and the request names none: validation refuses it anyway).
    fn of(document: &ExecutableDocument, operation_name: Option<&str>) -> Self {
        let mut walker = Walker {
            fragments: &document.fragments,
            memo: HashMap::new(),
            visiting: Vec::new(),
        };
        let selection_sets: Vec<&SelectionSet> = match &document.operations {
            DocumentOperations::Single(operation) => vec![&operation.node.selection_set.node],
            DocumentOperations::Multiple(operations) => operations
                .iter()
                .filter(|(name, _)| operation_name.is_none_or(|wanted| name.as_str() == wanted))
                .map(|(_, operation)| &operation.node.selection_set.node)
                .collect(),
        };
        selection_sets
            .into_iter()
            .map(|set| Shape {
                hashing_fields: hashing_fields(&document.fragments, set, 0),
                ..walker.selection_set(set)
            })
            .fold(Shape::default(), Shape::max)
    }

    fn max(self, other: Shape) -> Shape {
        Shape {
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            aliases: self.aliases.max(other.aliases),
            hashing_fields: self.hashing_fields.max(other.hashing_fields),
        }
    }
}

/// How many root fields of `set` hash a password, looking through fragments at the root
/// (a cycle of fragments stops at a depth the validation refuses anyway).
fn hashing_fields(
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
    set: &SelectionSet,
    nesting: usize,
) -> usize {
    if nesting > fragments.len() {
        return 0;
    }
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(HASHING_FIELDS.contains(&field.node.name.node.as_str()))
            }
            Selection::FragmentSpread(spread) => fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| {
                    hashing_fields(fragments, &fragment.node.selection_set.node, nesting + 1)
                }),
            Selection::InlineFragment(inline) => {
                hashing_fields(fragments, &inline.node.selection_set.node, nesting + 1)
            }
        })
        .fold(0, usize::saturating_add)
}

/// Walks selection sets, following fragment spreads once each (their shape is remembered,
/// so a document that spreads fragments into each other cannot make the walk explode).
struct Walker<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, Shape>,
    visiting: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Shape {
        let mut shape = Shape::default();
        for selection in &set.items {
            let inner = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let below = self.selection_set(&field.selection_set.node);
                    if matches!(field.name.node.as_str(), "__schema" | "__type") {
                        Shape {
                            depth: 0,
                            introspection_depth: 1 + below.depth.max(below.introspection_depth),
                            ..Shape::default()
                        }
                    } else {
                        Shape {
                            depth: 1 + below.depth,
                            introspection_depth: below.introspection_depth,
                            aliases: below.aliases + usize::from(field.alias.is_some()),
                            ..Shape::default()
                        }
                    }
                }
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node),
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)
                }
            };
            shape = Shape {
                depth: shape.depth.max(inner.depth),
                introspection_depth: shape.introspection_depth.max(inner.introspection_depth),
                aliases: shape.aliases.saturating_add(inner.aliases),
                ..Shape::default()
            };
        }
        shape
    }

    fn fragment(&mut self, name: &'a Name) -> Shape {
        let key = name.as_str();
        if let Some(shape) = self.memo.get(key) {
            return *shape;
        }
        // A cycle or an unknown fragment is for validation to report; count nothing here.
        if self.visiting.contains(&key) {
            return Shape::default();
        }
        let Some(definition) = self.fragments.get(name) else {
            return Shape::default();
        };
        self.visiting.push(key);
        let shape = self.selection_set(&definition.node.selection_set.node);
        self.visiting.pop();
        self.memo.insert(key, shape);
        shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn shape(query: &str) -> Shape {
        let document = parse_query(query).unwrap_or_else(|error| panic!("{error}"));
        Shape::of(&document, None)
    }

    #[test]
    fn data_fields_count_depth_and_aliases() {
        let found = shape("{ a { b { c } } x: a { y: b { c } } }");
        assert_eq!(found.depth, 3);
        assert_eq!(found.aliases, 2);
        assert_eq!(found.introspection_depth, 0);
    }

    #[test]
    fn fragments_count_where_they_are_spread() {
        let found = shape("{ a { ...F } b { ...F } } fragment F on T { x: c { d } }");
        assert_eq!(found.depth, 3);
        assert_eq!(found.aliases, 2);
    }

    #[test]
    fn introspection_is_measured_apart_from_data() {
        let found = shape(
            "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } \
               a { __typename } }",
        );
        assert_eq!(found.depth, 2);
        assert_eq!(found.introspection_depth, 8);
    }

    #[test]
    fn the_standard_introspection_query_fits() {
        let query = include_str!("../../../tests/fixtures/introspection/standard.graphql");
        let found = shape(query);
        assert_eq!(found.depth, 0);
        assert!(
            found.introspection_depth <= INTROSPECTION_MAX_DEPTH,
            "{found:?}"
        );
    }

    #[test]
    fn password_hashing_fields_are_counted_at_the_root() {
        let found = shape(
            "mutation { a: changePassword(currentPassword: \"x\", newPassword: \"y\") \
               ...F ... on Mutation { login(email: \"e\", password: \"p\") { token } } } \
             fragment F on Mutation { b: changePassword(currentPassword: \"x\", newPassword: \"y\") }",
        );
        assert_eq!(found.hashing_fields, 3);
        assert_eq!(
            shape("mutation { logout me: login { token } }").hashing_fields,
            1
        );
        assert_eq!(shape("{ me { login } }").hashing_fields, 0);
    }

    #[test]
    fn fragment_cycles_end() {
        let found = shape("{ a { ...F } } fragment F on T { b { ...G } } fragment G on T { ...F }");
        assert_eq!(found.depth, 2);
    }

    #[test]
    fn only_the_named_operation_counts() {
        let document = parse_query("query Shallow { a } query Deep { a { b { c } } }")
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(Shape::of(&document, Some("Shallow")).depth, 1);
        assert_eq!(Shape::of(&document, Some("Deep")).depth, 3);
    }
}
