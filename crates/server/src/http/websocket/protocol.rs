//! The two subprotocols on the wire: what a client may send, what the server sends back,
//! and the close codes.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::{Value, json};

/// The subprotocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library).
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws, legacy Apollo).
    LegacyWs,
}

impl Protocol {
    /// Every subprotocol the server speaks, preferred first.
    pub(super) const ALL: [Protocol; 2] = [Protocol::TransportWs, Protocol::LegacyWs];

    /// The name negotiated in `Sec-WebSocket-Protocol`.
    pub(super) fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        }
    }

    /// The subprotocol of a negotiated name.
    pub(super) fn named(name: &str) -> Option<Protocol> {
        Protocol::ALL
            .into_iter()
            .find(|protocol| protocol.name() == name)
    }
}

/// The close codes the server sends, and when.
pub(super) mod close_code {
    /// A message that is not the protocol's: not a JSON object, an unknown type, a field
    /// missing or of the wrong type, a binary frame.
    pub(crate) const BAD_REQUEST: u16 = 4400;
    /// An operation started before the server acknowledged `connection_init`, or the
    /// session of a connection with running operations ended.
    pub(crate) const UNAUTHORIZED: u16 = 4401;
    /// The token in `connection_init` is unknown, expired or revoked, or the session ended
    /// before the client started another operation.
    pub(crate) const FORBIDDEN: u16 = 4403;
    /// The client offered neither subprotocol the server speaks.
    pub(crate) const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    /// No `connection_init` arrived within the configured time.
    pub(crate) const INIT_TIMEOUT: u16 = 4408;
    /// graphql-transport-ws: a `subscribe` reused the id of an operation still running.
    pub(crate) const SUBSCRIBER_EXISTS: u16 = 4409;
    /// A second `connection_init` on the same connection.
    pub(crate) const TOO_MANY_INIT_REQUESTS: u16 = 4429;
    /// The client stopped reading: its queue of outgoing messages is full.
    pub(crate) const TOO_SLOW: u16 = 1008;
    /// Checking a session token failed inside the server (the database, for one).
    pub(crate) const INTERNAL_ERROR: u16 = 1011;
    /// The server is shutting down: the client should reconnect (to another instance).
    pub(crate) const GOING_AWAY: u16 = 1001;
}

/// Why the server closes a connection: a close code and a reason for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Closing {
    pub(super) code: u16,
    pub(super) reason: String,
}

/// The longest reason a close frame holds: 125 bytes of payload less the 2-byte code.
const MAX_REASON_BYTES: usize = 123;

impl Closing {
    /// A close with `reason` cut to fit the frame: a reason that quotes the client (an id,
    /// a message type) can be longer, and an oversized frame would break the connection
    /// instead of closing it with the code.
    pub(super) fn new(code: u16, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        if reason.len() > MAX_REASON_BYTES {
            let mut end = MAX_REASON_BYTES - '…'.len_utf8();
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            reason.push('…');
        }
        Self { code, reason }
    }

    /// A message that is not the protocol's.
    pub(super) fn bad_request(why: impl std::fmt::Display) -> Self {
        Self::new(close_code::BAD_REQUEST, format!("Invalid message: {why}"))
    }

    /// The server is stopping.
    pub(super) fn going_away() -> Self {
        Self::new(close_code::GOING_AWAY, "Server shutting down")
    }

    /// A client that stopped reading.
    pub(super) fn too_slow() -> Self {
        Self::new(
            close_code::TOO_SLOW,
            "Too slow: messages were not read; connection dropped",
        )
    }
}

/// What a client asks for, whichever subprotocol it speaks.
#[derive(Debug)]
pub(super) enum Intent {
    /// `connection_init`, with the payload that may carry a session token.
    Init { payload: Option<Value> },
    /// graphql-transport-ws `ping`: answered with `pong`.
    Ping,
    /// graphql-transport-ws `pong`: nothing to do.
    Pong,
    /// `subscribe` (legacy `start`). Its fields are checked only once the connection is
    /// acknowledged: before that, any start is refused as unauthorized.
    Start(Result<OperationRequest, serde_json::Error>),
    /// `complete` (legacy `stop`): the client no longer wants an operation.
    Stop { id: String },
    /// Legacy `connection_terminate`: the client is leaving.
    Terminate,
}

impl Intent {
    /// Reads one text message; `Err` closes the connection with 4400.
    pub(super) fn parse(protocol: Protocol, text: &str) -> Result<Intent, Closing> {
        // Parsed to a JSON value first, so a repeated key keeps its last value rather than
        // failing the derived parser.
        let message = match serde_json::from_str::<Value>(text) {
            Ok(message @ Value::Object(_)) => message,
            _ => return Err(Closing::bad_request("not a JSON object")),
        };
        let intent = match protocol {
            Protocol::TransportWs => serde_json::from_value(message).map(TransportWsMessage::into),
            Protocol::LegacyWs => serde_json::from_value(message).map(LegacyWsMessage::into),
        };
        intent.map_err(Closing::bad_request)
    }
}

/// A graphql-transport-ws client message.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum TransportWsMessage {
    ConnectionInit { payload: Option<Value> },
    Ping,
    Pong,
    Subscribe(Unchecked<OperationRequest>),
    Complete { id: String },
}

impl From<TransportWsMessage> for Intent {
    fn from(message: TransportWsMessage) -> Self {
        match message {
            TransportWsMessage::ConnectionInit { payload } => Intent::Init { payload },
            TransportWsMessage::Ping => Intent::Ping,
            TransportWsMessage::Pong => Intent::Pong,
            TransportWsMessage::Subscribe(Unchecked(request)) => Intent::Start(request),
            TransportWsMessage::Complete { id } => Intent::Stop { id },
        }
    }
}

/// A legacy graphql-ws client message.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum LegacyWsMessage {
    ConnectionInit { payload: Option<Value> },
    Start(Unchecked<OperationRequest>),
    Stop { id: String },
    ConnectionTerminate,
}

impl From<LegacyWsMessage> for Intent {
    fn from(message: LegacyWsMessage) -> Self {
        match message {
            LegacyWsMessage::ConnectionInit { payload } => Intent::Init { payload },
            LegacyWsMessage::Start(Unchecked(request)) => Intent::Start(request),
            LegacyWsMessage::Stop { id } => Intent::Stop { id },
            LegacyWsMessage::ConnectionTerminate => Intent::Terminate,
        }
    }
}

/// An operation a client starts: its id on this connection and the GraphQL request
/// (checked for shape by the HTTP handler's rules, so any JSON value is taken here).
#[derive(Debug, serde::Deserialize)]
pub(super) struct OperationRequest {
    pub(super) id: String,
    pub(super) payload: Value,
}

/// Fields parsed now but judged later: the message's type is known even when they are wrong.
struct Unchecked<T>(Result<T, serde_json::Error>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Unchecked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Value::deserialize(deserializer)?;
        Ok(Self(serde_json::from_value(fields)))
    }
}

/// A message the server sends.
#[derive(Debug)]
pub(super) enum ServerMessage {
    /// The answer to `connection_init`.
    ConnectionAck,
    /// The server's keep-alive: `ping` (legacy `ka`).
    KeepAlive,
    /// The answer to a client's `ping`.
    Pong,
    /// One result of an operation: `next` (legacy `data`).
    Next { id: String, payload: Value },
    /// One result of a subscription shared by several subscribers, serialised once.
    SharedNext {
        id: String,
        payload: std::sync::Arc<str>,
    },
    /// The operation was refused before it ran; no `complete` follows.
    Error { id: String, errors: Vec<Value> },
    /// The operation has no more results (legacy: also the answer to `stop`).
    Complete { id: String },
}

impl ServerMessage {
    /// The message as the subprotocol spells it.
    pub(super) fn encode(&self, protocol: Protocol) -> String {
        let legacy = protocol == Protocol::LegacyWs;
        let message = match self {
            ServerMessage::ConnectionAck => json!({ "type": "connection_ack" }),
            ServerMessage::KeepAlive if legacy => json!({ "type": "ka" }),
            ServerMessage::KeepAlive => json!({ "type": "ping" }),
            ServerMessage::Pong => json!({ "type": "pong" }),
            ServerMessage::Next { id, payload } => {
                let kind = if legacy { "data" } else { "next" };
                json!({ "id": id, "type": kind, "payload": payload })
            }
            ServerMessage::Error { id, errors } if legacy => {
                json!({ "id": id, "type": "error", "payload": { "errors": errors } })
            }
            ServerMessage::Error { id, errors } => {
                json!({ "id": id, "type": "error", "payload": errors })
            }
            ServerMessage::Complete { id } => json!({ "id": id, "type": "complete" }),
            ServerMessage::SharedNext { id, payload } => {
                let kind = if legacy { "data" } else { "next" };
                // The payload is JSON already: written in place, as `Next` would write it.
                return format!(
                    r#"{{"id":{},"type":"{kind}","payload":{payload}}}"#,
                    Value::from(id.as_str())
                );
            }
        };
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(protocol: Protocol, text: &str) -> Result<Intent, u16> {
        Intent::parse(protocol, text).map_err(|closing| closing.code)
    }

    #[test]
    fn each_protocol_reads_its_own_messages() {
        use Protocol::{LegacyWs, TransportWs};
        assert!(matches!(
            parse(TransportWs, r#"{"type":"connection_init"}"#),
            Ok(Intent::Init { payload: None })
        ));
        assert!(matches!(
            parse(TransportWs, r#"{"type":"ping","payload":{"at":1}}"#),
            Ok(Intent::Ping)
        ));
        assert!(matches!(
            parse(
                TransportWs,
                r#"{"type":"subscribe","id":"1","payload":null}"#
            ),
            Ok(Intent::Start(Ok(_)))
        ));
        assert!(matches!(
            parse(LegacyWs, r#"{"type":"stop","id":"1"}"#),
            Ok(Intent::Stop { .. })
        ));
        assert!(matches!(
            parse(LegacyWs, r#"{"type":"connection_terminate"}"#),
            Ok(Intent::Terminate)
        ));
        // The other protocol's words are unknown types.
        assert_eq!(parse(LegacyWs, r#"{"type":"ping"}"#).err(), Some(4400));
        assert_eq!(
            parse(TransportWs, r#"{"type":"start","id":"1","payload":{}}"#).err(),
            Some(4400)
        );
    }

    #[test]
    fn a_start_with_bad_fields_keeps_its_type() {
        for text in [
            r#"{"type":"subscribe"}"#,
            r#"{"type":"subscribe","id":1,"payload":{}}"#,
            r#"{"type":"subscribe","id":"1"}"#,
        ] {
            assert!(
                matches!(
                    parse(Protocol::TransportWs, text),
                    Ok(Intent::Start(Err(_)))
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn other_messages_are_bad_requests() {
        for text in [
            "not json",
            "[]",
            "{}",
            r#"{"type":1}"#,
            r#"{"type":"launch"}"#,
            r#"{"type":"complete","id":7}"#,
            r#"{"type":"complete"}"#,
        ] {
            assert_eq!(
                parse(Protocol::TransportWs, text).err(),
                Some(4400),
                "{text}"
            );
        }
    }

    #[test]
    fn long_reasons_are_cut_between_characters() {
        let reason = format!("a{}", "é".repeat(100));
        let closing = Closing::new(close_code::SUBSCRIBER_EXISTS, reason);
        assert!(
            closing.reason.len() <= MAX_REASON_BYTES,
            "{}",
            closing.reason
        );
        assert!(closing.reason.ends_with("é…"), "{}", closing.reason);
        let short = Closing::new(close_code::UNAUTHORIZED, "Unauthorized");
        assert_eq!(short.reason, "Unauthorized");
    }

    #[test]
    fn a_shared_result_reads_as_its_own() {
        let payload = json!({ "data": { "groupActivity": { "verb": "membership.requested" } } });
        for protocol in Protocol::ALL {
            let own = ServerMessage::Next {
                id: "a\"1".to_owned(),
                payload: payload.clone(),
            };
            let shared = ServerMessage::SharedNext {
                id: "a\"1".to_owned(),
                payload: payload.to_string().into(),
            };
            assert_eq!(own.encode(protocol), shared.encode(protocol));
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        assert!(matches!(
            parse(Protocol::TransportWs, r#"{"type":"launch","type":"pong"}"#),
            Ok(Intent::Pong)
        ));
    }
}
