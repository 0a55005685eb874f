//! Opaque Relay global IDs: `base64url("Kind:id")`, so clients never build or parse them.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The kinds of object that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Coalition,
    AreaOfAction,
    WorkingGroup,
    Person,
    Membership,
    Invitation,
    Meeting,
    AgendaItem,
    ActionItem,
    Document,
    DocumentVersion,
    OutboxMessage,
    // Notification inbox.
    Notification,
}

impl NodeKind {
    const ALL: [NodeKind; 13] = [
        NodeKind::Coalition,
        NodeKind::AreaOfAction,
        NodeKind::WorkingGroup,
        NodeKind::Person,
        NodeKind::Membership,
        NodeKind::Invitation,
        NodeKind::Meeting,
        NodeKind::AgendaItem,
        NodeKind::ActionItem,
        NodeKind::Document,
        NodeKind::DocumentVersion,
        NodeKind::OutboxMessage,
        NodeKind::Notification,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeKind::Coalition => "Coalition",
            NodeKind::AreaOfAction => "AreaOfAction",
            NodeKind::WorkingGroup => "WorkingGroup",
            NodeKind::Person => "Person",
            NodeKind::Membership => "Membership",
            NodeKind::Invitation => "Invitation",
            NodeKind::Meeting => "Meeting",
            NodeKind::AgendaItem => "AgendaItem",
            NodeKind::ActionItem => "ActionItem",
            NodeKind::Document => "Document",
            NodeKind::DocumentVersion => "DocumentVersion",
            NodeKind::OutboxMessage => "OutboxMessage",
            NodeKind::Notification => "Notification",
        }
    }
}

/// Encodes the global ID of the object of `kind` with database id `id`.
pub(crate) fn global_id(kind: NodeKind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any global ID into its kind and database id. `argument` names the argument or
/// input field as the client wrote it (`groupId`), so a form can show the error beside it.
pub(crate) fn decode_global_id(
    id: &ID,
    argument: &'static str,
) -> Result<(NodeKind, i32), ApiError> {
    let malformed = || {
        ApiError::invalid(
            argument,
            format!("'{}' is not an id issued by this API", id.as_str()),
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (kind, raw) = text.split_once(':').ok_or_else(malformed)?;
    let kind = NodeKind::ALL
        .into_iter()
        .find(|candidate| candidate.name() == kind)
        .ok_or_else(malformed)?;
    let value = raw
        .parse::<i32>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(malformed)?;
    Ok((kind, value))
}

/// Decodes a global ID that must name an object of `expected` kind, given as `argument`.
pub(crate) fn decode_id_of(
    expected: NodeKind,
    id: &ID,
    argument: &'static str,
) -> Result<i32, ApiError> {
    match decode_global_id(id, argument)? {
        (kind, value) if kind == expected => Ok(value),
        (kind, _) => Err(ApiError::invalid(
            argument,
            format!(
                "'{}' names a {}, not a {}",
                id.as_str(),
                kind.name(),
                expected.name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_opaque() {
        let id = global_id(NodeKind::WorkingGroup, 42);
        assert!(!id.as_str().contains("WorkingGroup"));
        assert_eq!(
            decode_global_id(&id, "id").unwrap(),
            (NodeKind::WorkingGroup, 42)
        );
        assert_eq!(decode_id_of(NodeKind::WorkingGroup, &id, "id").unwrap(), 42);
    }

    #[test]
    fn malformed_or_mismatched_ids_are_bad_input() {
        for raw in [
            "",
            "!!",
            "V29ya2luZ0dyb3Vw",
            &URL_SAFE_NO_PAD.encode("Planet:1"),
            &URL_SAFE_NO_PAD.encode("Person:-3"),
        ] {
            let error = decode_global_id(&ID(raw.to_owned()), "id").unwrap_err();
            assert_eq!(error.code(), "BAD_USER_INPUT", "{raw}");
        }
        let person = global_id(NodeKind::Person, 1);
        let error = decode_id_of(NodeKind::WorkingGroup, &person, "groupId").unwrap_err();
        assert!(
            error
                .message()
                .contains("groupId: 'UGVyc29uOjE' names a Person, not a WorkingGroup"),
            "{}",
            error.message()
        );
    }
}
