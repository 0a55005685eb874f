//! What an operation costs before it runs: every field counts 1, and a field that returns a
//! list counts its selection once per item it may return, nested multiplicatively.
//!
//! The bound of a list is known from its arguments where they decide it: a connection's
//! `first`/`last` (the largest page when absent), `suggestMeetingSlots(first)`,
//! `outboxMessages(first)`, `upcomingMeetings(days)`, the window of `WorkingGroup.meetings`
//! and `Coalition.meetings` (one occurrence a day, at most 366 days, so a daily series fills
//! it). Lists whose length
//! the data decides have a documented bound ([`DATA_BOUNDS`]); any other list counts as a
//! full page. Lists of scalars and enums cost their field only: they come with their parent.
//!
//! Aliases count as often as they appear and fragments where they are spread.
//! Introspection (`__schema`, `__type`) reads no data: its fields count 1 each, unmultiplied,
//! so the standard introspection queries pass.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, FragmentDefinition, Selection,
    SelectionSet, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Value, Variables};
use chrono::{DateTime, Utc};

/// Lists whose length the data decides, by `Type.field`, with the bound the cost model
/// assumes for them. They are estimates of a large but real case, not limits the server
/// enforces on the data.
pub const DATA_BOUNDS: [(&str, usize); 13] = [
    // The coalition oversees one working group per area of action (four today).
    ("Query.workingGroups", 10),
    ("Coalition.workingGroups", 10),
    ("Coalition.areasOfAction", 10),
    // A meeting's agenda and its action items.
    ("Meeting.agenda", 50),
    ("Meeting.actionItems", 50),
    // Open action items of the group, carried from meeting to meeting.
    ("Meeting.carriedOverActionItems", 50),
    // A document's editions (one per language) and an edition's versions.
    ("Document.editions", 10),
    ("DocumentEdition.versions", 50),
    // A member's own meetings overlapping one proposed slot.
    ("MeetingConflict.occurrences", 10),
    // A person's memberships: at most one per group.
    ("Person.memberships", 10),
    // Counts by category: a handful of rows each.
    ("Balance.byStakeholderType", 10),
    ("Balance.byRegion", 10),
    ("Balance.byGender", 10),
];

/// One occurrence a day over a meeting window of at most this many days.
const MAX_WINDOW_DAYS: usize = 366;

/// Lists bounded by one of their arguments: `Type.field`, the argument, its largest value
/// and its value when not given (`None`: the largest).
const ARGUMENT_BOUNDS: [(&str, &str, usize, Option<usize>); 3] = [
    ("Query.suggestMeetingSlots", "first", 20, Some(5)),
    ("Query.outboxMessages", "first", 200, Some(50)),
    ("Person.upcomingMeetings", "days", MAX_WINDOW_DAYS, Some(30)),
];

/// The schema's shape as the cost model needs it, read from its SDL once.
pub(crate) struct CostModel {
    /// Object, interface and union types by name: their fields.
    types: HashMap<String, HashMap<String, FieldShape>>,
}

/// What a field returns.
struct FieldShape {
    /// The named type inside any list and non-null wrappers.
    returns: String,
    /// Whether it returns a list.
    list: bool,
}

static MODEL: LazyLock<CostModel> = LazyLock::new(|| CostModel::from_sdl(&crate::sdl()));

impl CostModel {
    /// The model of the coalition's schema.
    pub(crate) fn coalition() -> &'static CostModel {
        &MODEL
    }

    fn from_sdl(sdl: &str) -> Self {
        let mut types = HashMap::new();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return Self { types };
        };
        for definition in document_types(&document) {
            let fields = match &definition.kind {
                TypeKind::Object(object) => &object.fields,
                TypeKind::Interface(interface) => &interface.fields,
                TypeKind::Union(_) => {
                    types.insert(definition.name.node.to_string(), HashMap::new());
                    continue;
                }
                _ => continue,
            };
            let shapes = fields
                .iter()
                .map(|field| {
                    let (returns, list) = unwrap_type(&field.node.ty.node);
                    (
                        field.node.name.node.to_string(),
                        FieldShape { returns, list },
                    )
                })
                .collect();
            types.insert(definition.name.node.to_string(), shapes);
        }
        Self { types }
    }

    /// The cost of the operation `operation_name` names in `document` (of the costliest
    /// when the document has several and names none: validation refuses that anyway).
    pub(crate) fn cost(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
        max_page_size: usize,
    ) -> usize {
        let mut walker = CostWalker {
            model: self,
            fragments: &document.fragments,
            variables,
            max_page_size,
            memo: HashMap::new(),
            visiting: Vec::new(),
        };
        let operations: Vec<_> = match &document.operations {
            DocumentOperations::Single(operation) => vec![&operation.node],
            DocumentOperations::Multiple(operations) => operations
                .iter()
                .filter(|(name, _)| operation_name.is_none_or(|wanted| name.as_str() == wanted))
                .map(|(_, operation)| &operation.node)
                .collect(),
        };
        operations
            .into_iter()
            .map(|operation| {
                let root = match operation.ty {
                    async_graphql::parser::types::OperationType::Query => "Query",
                    async_graphql::parser::types::OperationType::Mutation => "Mutation",
                    async_graphql::parser::types::OperationType::Subscription => "Subscription",
                };
                walker.selection_set(&operation.selection_set.node, Some(root), None)
            })
            .max()
            .unwrap_or(0)
    }
}

fn document_types(
    document: &ServiceDocument,
) -> impl Iterator<Item = &async_graphql::parser::types::TypeDefinition> {
    document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(definition) => Some(&definition.node),
            _ => None,
        })
}

/// The named type inside `ty`, and whether a list wraps it.
fn unwrap_type(ty: &Type) -> (String, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (unwrap_type(inner).0, true),
    }
}

/// Walks one operation; fragments are costed once per parent type and page.
struct CostWalker<'a> {
    model: &'a CostModel,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    max_page_size: usize,
    memo: HashMap<(&'a str, Option<usize>), usize>,
    visiting: Vec<&'a str>,
}

impl<'a> CostWalker<'a> {
    /// The cost of `set` on type `on` (`None`: unknown, or inside introspection); `page` is
    /// the page size when `on` is a connection.
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        on: Option<&str>,
        page: Option<usize>,
    ) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => self.field(&field.node, on, page),
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, on, page)
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = match &inline.type_condition {
                        Some(condition) if on.is_some() => Some(condition.node.on.node.as_str()),
                        _ => on,
                    };
                    self.selection_set(&inline.selection_set.node, on, page)
                }
            })
            .fold(0, usize::saturating_add)
    }

    fn field(&mut self, field: &'a Field, on: Option<&str>, page: Option<usize>) -> usize {
        let name = field.name.node.as_str();
        let shape = on
            .filter(|_| !name.starts_with("__"))
            .and_then(|on| self.model.types.get(on))
            .and_then(|fields| fields.get(name));
        let Some(shape) = shape else {
            // Introspection, `__typename` or a field validation will refuse: each field
            // below counts once.
            return 1usize.saturating_add(self.selection_set(
                &field.selection_set.node,
                None,
                None,
            ));
        };
        let leaf = !self.model.types.contains_key(&shape.returns);
        if leaf {
            return 1;
        }
        let parent = on.unwrap_or_default();
        let connection = shape.returns.ends_with("Connection");
        let inner_page = connection.then(|| self.page_size(field));
        let below = self.selection_set(&field.selection_set.node, Some(&shape.returns), inner_page);
        let items = if parent.ends_with("Connection") && matches!(name, "edges" | "nodes") {
            page.unwrap_or(self.max_page_size)
        } else if shape.list {
            self.list_bound(parent, field)
        } else {
            1
        };
        1usize.saturating_add(items.saturating_mul(below))
    }

    /// A connection's page: `first` or `last`, at most the largest page; the largest page
    /// when neither is given.
    fn page_size(&self, field: &Field) -> usize {
        ["first", "last"]
            .iter()
            .filter_map(|name| self.integer_argument(field, name))
            .max()
            .map_or(self.max_page_size, |size| size.min(self.max_page_size))
    }

    /// How many items the list field `field` of `parent` may return.
    fn list_bound(&self, parent: &str, field: &Field) -> usize {
        let key = format!("{parent}.{}", field.name.node);
        if key == "WorkingGroup.meetings" || key == "Coalition.meetings" {
            return self.window_days(field).unwrap_or(MAX_WINDOW_DAYS);
        }
        if let Some((_, argument, max, default)) = ARGUMENT_BOUNDS
            .iter()
            .find(|(name, ..)| *name == key.as_str())
        {
            return self
                .integer_argument(field, argument)
                .or(*default)
                .map_or(*max, |value| value.min(*max));
        }
        DATA_BOUNDS
            .iter()
            .find(|(name, _)| *name == key.as_str())
            .map_or(self.max_page_size, |(_, bound)| *bound)
    }

    /// The days `from` to `to` span, counting a started day, at most [`MAX_WINDOW_DAYS`].
    fn window_days(&self, field: &Field) -> Option<usize> {
        let from = self.instant_argument(field, "from")?;
        let to = self.instant_argument(field, "to")?;
        let seconds = (to - from).num_seconds().max(0);
        let days = usize::try_from((seconds + 86_399) / 86_400).ok()?;
        Some(days.clamp(1, MAX_WINDOW_DAYS))
    }

    fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        let value = field.get_argument(name)?;
        value
            .node
            .clone()
            .into_const_with(|variable| self.variables.get(&variable).cloned().ok_or(()))
            .ok()
    }

    /// A non-negative integer argument, from the document or a variable.
    fn integer_argument(&self, field: &Field, name: &str) -> Option<usize> {
        match self.argument(field, name)? {
            Value::Number(number) => number
                .as_u64()
                .map(|value| usize::try_from(value).unwrap_or(usize::MAX))
                .or_else(|| number.as_i64().map(|_| 0)),
            _ => None,
        }
    }

    fn instant_argument(&self, field: &Field, name: &str) -> Option<DateTime<Utc>> {
        match self.argument(field, name)? {
            Value::String(text) => DateTime::parse_from_rfc3339(&text)
                .ok()
                .map(|instant| instant.with_timezone(&Utc)),
            _ => None,
        }
    }

    fn fragment(&mut self, name: &'a Name, on: Option<&str>, page: Option<usize>) -> usize {
        let key = name.as_str();
        // A cycle or an unknown fragment is for validation to report; count nothing here.
        if self.visiting.contains(&key) {
            return 0;
        }
        let Some(definition) = self.fragments.get(name) else {
            return 0;
        };
        let definition = &definition.node;
        let on = on.map(|_| definition.type_condition.node.on.node.as_str());
        let memo_key = (key, page);
        if on.is_some()
            && let Some(cost) = self.memo.get(&memo_key)
        {
            return *cost;
        }
        self.visiting.push(key);
        let cost = self.selection_set(&definition.selection_set.node, on, page);
        self.visiting.pop();
        if on.is_some() {
            self.memo.insert(memo_key, cost);
        }
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn cost(query: &str) -> usize {
        cost_with(query, serde_json::json!({}))
    }

    fn cost_with(query: &str, variables: serde_json::Value) -> usize {
        let document = parse_query(query).unwrap_or_else(|error| panic!("{error}"));
        CostModel::coalition().cost(&document, None, &Variables::from_json(variables), 100)
    }

    #[test]
    fn scalars_count_one_and_lists_multiply() {
        assert_eq!(cost("{ workingGroups { slug } }"), 1 + 10);
        assert_eq!(cost("{ workingGroups { slug name } }"), 1 + 10 * 2);
        assert_eq!(cost("{ coalition { name } }"), 2);
    }

    #[test]
    fn connections_count_their_page() {
        let page = |first: &str| {
            cost(&format!(
                "{{ coalition {{ workingGroups {{ members{first} {{ totalCount edges {{ node {{ role }} }} }} }} }} }}"
            ))
        };
        // members: 1 + totalCount 1 + edges (1 + page × (node 1 + role 1)).
        assert_eq!(page("(first: 10)"), 1 + 1 + 10 * (1 + 1 + (1 + 10 * 2)));
        assert_eq!(page("(first: 1000)"), 1 + 1 + 10 * (1 + 1 + (1 + 100 * 2)));
        assert_eq!(page(""), page("(first: 100)"));
        assert_eq!(
            cost_with(
                "query ($n: Int) { coalition { workingGroups { members(first: $n) { totalCount edges { node { role } } } } } }",
                serde_json::json!({ "n": 10 })
            ),
            page("(first: 10)")
        );
    }

    #[test]
    fn aliases_and_fragments_count_where_they_appear() {
        let once = cost("{ workingGroups { slug } }");
        assert_eq!(
            cost("{ a: workingGroups { slug } b: workingGroups { slug } }"),
            2 * once
        );
        assert_eq!(
            cost(
                "{ a: workingGroups { ...F } b: workingGroups { ...F } } fragment F on WorkingGroup { slug }"
            ),
            2 * once
        );
        assert_eq!(
            cost("{ workingGroups { ... on WorkingGroup { slug } } }"),
            once
        );
    }

    #[test]
    fn the_meeting_window_bounds_occurrences() {
        let query = |from: &str, to: &str| {
            format!(
                "{{ workingGroups {{ meetings(from: \"{from}\", to: \"{to}\") {{ startsAt }} }} }}"
            )
        };
        let week = cost(&query("2030-01-01T00:00:00Z", "2030-01-08T00:00:00Z"));
        assert_eq!(week, 1 + 10 * (1 + 7));
        let year = cost(&query("2030-01-01T00:00:00Z", "2035-01-01T00:00:00Z"));
        assert_eq!(year, 1 + 10 * (1 + 366));
    }

    #[test]
    fn introspection_counts_each_field_once() {
        let query = include_str!("../../../tests/fixtures/introspection/standard.graphql");
        assert!(cost(query) < 1_000, "{}", cost(query));
    }

    #[test]
    fn fragment_cycles_end() {
        let found = cost(
            "{ workingGroups { ...F } } fragment F on WorkingGroup { ...G } fragment G on WorkingGroup { ...F }",
        );
        assert_eq!(found, 1);
    }

    #[test]
    fn every_list_of_objects_has_a_bound_or_counts_a_page() {
        // The documented bounds name fields that exist.
        let model = CostModel::coalition();
        for (name, _) in DATA_BOUNDS {
            let (ty, field) = name.split_once('.').unwrap_or_default();
            let shape = model.types.get(ty).and_then(|fields| fields.get(field));
            assert!(shape.is_some_and(|shape| shape.list), "{name}");
        }
        for (name, ..) in ARGUMENT_BOUNDS {
            let (ty, field) = name.split_once('.').unwrap_or_default();
            let shape = model.types.get(ty).and_then(|fields| fields.get(field));
            assert!(shape.is_some_and(|shape| shape.list), "{name}");
        }
    }
}
