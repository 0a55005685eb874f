//! GraphQL subscriptions over WebSocket, speaking `graphql-transport-ws` to the letter
//! (and the legacy `graphql-ws` of older Apollo clients). Our own handler, because the stock
//! one departs from the protocol: no init timeout, wrong close codes for early or duplicate
//! subscriptions and for invalid messages, and no server-sent pings.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coalition_api::{ErrorCode, RequestLanguage};
use coalition_domain::language::Language;
use coalition_domain::policy::Viewer;
use coalition_services::ServiceError;
use coalition_services::accounts::ClientAddress;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::AppState;
use super::graphql::{error_json, missing_required_variable, params_from_json, request_error_of};

/// The WebSocket settings.
#[derive(Debug, Clone)]
pub struct WebSocketLimits {
    /// How long a client has to send `connection_init` (4408 after).
    pub init_timeout: Duration,
    /// How often the server pings.
    pub ping_interval: Duration,
    /// Most operations one connection may run at once.
    pub max_subscriptions: usize,
    /// Origins allowed to open a socket from a browser; empty = same host only.
    pub allowed_origins: Vec<String>,
    /// Largest client message accepted (the HTTP body limit).
    pub max_message_bytes: usize,
}

/// The subprotocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws` (the graphql-ws library).
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws, legacy Apollo).
    LegacyWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        }
    }
    fn next(self) -> &'static str {
        match self {
            Protocol::TransportWs => "next",
            Protocol::LegacyWs => "data",
        }
    }
}

/// Answers the upgrade: checks the `Origin` against the allow-list, then negotiates the
/// subprotocol.
pub fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Response {
    if !origin_allowed(headers, &state.websocket.allowed_origins) {
        return (
            StatusCode::FORBIDDEN,
            "this origin may not open a WebSocket here",
        )
            .into_response();
    }
    let language = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Language::negotiate)
        .unwrap_or_default();
    // tungstenite's default 128 KiB read and write buffers dominate an idle subscriber's
    // memory; GraphQL messages are small, so 4 KiB buffers serve as well.
    let upgrade = upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(state.websocket.max_message_bytes)
        .protocols([Protocol::TransportWs.name(), Protocol::LegacyWs.name()]);
    let protocol = match upgrade.selected_protocol().and_then(|p| p.to_str().ok()) {
        Some("graphql-transport-ws") => Some(Protocol::TransportWs),
        Some("graphql-ws") => Some(Protocol::LegacyWs),
        _ => None,
    };
    let client = state.client_ip(headers, peer);
    upgrade.on_upgrade(move |socket| async move {
        match protocol {
            Some(protocol) => Connection::run(socket, protocol, state, language, client).await,
            None => close_now(socket, 4406, "Subprotocol not acceptable").await,
        }
    })
}

/// Browsers send `Origin`; other clients usually do not. Without an allow-list only the
/// server's own host may connect from a browser.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if allowed.is_empty() {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        return origin_host.eq_ignore_ascii_case(host);
    }
    allowed
        .iter()
        .any(|candidate| candidate == "*" || candidate.eq_ignore_ascii_case(origin))
}

async fn close_now(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}

/// What the writer task sends.
enum Outgoing {
    Json(Value),
    Close(u16, String),
}

struct Connection {
    protocol: Protocol,
    state: AppState,
    language: Language,
    address: ClientAddress,
    viewer: Viewer,
    /// The session token from `connection_init`, checked again before each operation so
    /// a socket loses what its session loses (logout, disabled account, a changed role).
    token: Option<String>,
    acknowledged: bool,
    operations: Arc<Mutex<HashMap<String, AbortHandle>>>,
    outgoing: mpsc::Sender<Outgoing>,
    /// Raised by an operation that could not queue a message: the client stopped reading.
    too_slow: Arc<tokio::sync::watch::Sender<bool>>,
}

/// How a client that stops reading is dropped.
static TOO_SLOW: std::sync::LazyLock<Closing> = std::sync::LazyLock::new(|| {
    (
        1008,
        "Too slow: messages were not read; connection dropped".to_owned(),
    )
});

/// Why the connection ends: a close code and reason for the client.
type Closing = (u16, String);

/// Messages queued for one client; past this the client is too slow and is dropped.
const OUTGOING_BUFFER: usize = 256;

impl Connection {
    async fn run(
        socket: WebSocket,
        protocol: Protocol,
        state: AppState,
        language: Language,
        client: std::net::IpAddr,
    ) {
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut queue) = mpsc::channel::<Outgoing>(OUTGOING_BUFFER);
        let ping_interval = state.websocket.ping_interval;
        let init_deadline = tokio::time::Instant::now() + state.websocket.init_timeout;
        let mut writer = tokio::spawn(async move {
            let mut ping = tokio::time::interval_at(
                tokio::time::Instant::now() + ping_interval,
                ping_interval,
            );
            loop {
                let message = tokio::select! {
                    next = queue.recv() => match next {
                        Some(Outgoing::Json(value)) => Message::Text(value.to_string().into()),
                        Some(Outgoing::Close(code, reason)) => {
                            let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                            break;
                        }
                        None => break,
                    },
                    _ = ping.tick() => {
                        let kind = if protocol == Protocol::TransportWs { "ping" } else { "ka" };
                        Message::Text(json!({ "type": kind }).to_string().into())
                    }
                };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        let mut connection = Connection {
            protocol,
            state,
            language,
            address: ClientAddress(client),
            viewer: Viewer::Anonymous,
            token: None,
            acknowledged: false,
            operations: Arc::default(),
            outgoing: outgoing.clone(),
            too_slow: Arc::new(tokio::sync::watch::channel(false).0),
        };
        let mut too_slow = connection.too_slow.subscribe();
        let closing = loop {
            let received = if connection.acknowledged {
                tokio::select! {
                    received = stream.next() => received,
                    // A subscription found the client's queue full: drop the connection.
                    _ = too_slow.changed() => break Some(TOO_SLOW.clone()),
                }
            } else {
                match tokio::time::timeout_at(init_deadline, stream.next()).await {
                    Ok(received) => received,
                    Err(_) => break Some((4408, "Connection initialisation timeout".to_owned())),
                }
            };
            let text = match received {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Binary(_))) => {
                    break Some((
                        4400,
                        "Binary messages are not part of the protocol".to_owned(),
                    ));
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            };
            if let Err(closing) = connection.handle(text.as_str()).await {
                break closing;
            }
        };
        for (_, handle) in connection
            .operations
            .lock()
            .map(|mut ops| ops.drain().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            handle.abort();
        }
        if let Some((code, reason)) = closing {
            // A client that stopped reading has a full queue: then there is no polite close.
            if outgoing.try_send(Outgoing::Close(code, reason)).is_err() {
                writer.abort();
            }
        }
        drop(outgoing);
        drop(connection);
        if tokio::time::timeout(Duration::from_secs(5), &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }

    async fn send(&self, value: Value) -> Result<(), Option<Closing>> {
        self.outgoing
            .try_send(Outgoing::Json(value))
            .map_err(|_| Some(TOO_SLOW.clone()))
    }

    /// Handles one client message; `Err` closes the connection (with a code, or silently).
    async fn handle(&mut self, text: &str) -> Result<(), Option<Closing>> {
        let invalid = |why: &str| Some((4400, why.to_owned()));
        let Ok(Value::Object(mut message)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("Invalid message: not a JSON object"));
        };
        let Some(Value::String(kind)) = message.remove("type") else {
            return Err(invalid("Invalid message: missing type"));
        };
        match (self.protocol, kind.as_str()) {
            (_, "connection_init") => self.init(message.remove("payload")).await,
            (Protocol::TransportWs, "ping") => self.send(json!({ "type": "pong" })).await,
            (Protocol::TransportWs, "pong") => Ok(()),
            (Protocol::TransportWs, "subscribe") | (Protocol::LegacyWs, "start") => {
                if !self.acknowledged {
                    return Err(Some((4401, "Unauthorized".to_owned())));
                }
                let Some(Value::String(id)) = message.remove("id") else {
                    return Err(invalid("Invalid message: subscribe needs a string id"));
                };
                let Some(payload) = message.remove("payload") else {
                    return Err(invalid("Invalid message: subscribe needs a payload"));
                };
                self.subscribe(id, payload).await
            }
            (Protocol::TransportWs, "complete") | (Protocol::LegacyWs, "stop") => {
                let Some(Value::String(id)) = message.remove("id") else {
                    return Err(invalid("Invalid message: complete needs a string id"));
                };
                if let Some(handle) = self
                    .operations
                    .lock()
                    .ok()
                    .and_then(|mut ops| ops.remove(&id))
                {
                    handle.abort();
                }
                // The legacy protocol acknowledges a stop with `complete`; graphql-transport-ws
                // sends nothing after the client's own `complete`.
                if self.protocol == Protocol::LegacyWs {
                    self.send(json!({ "id": id, "type": "complete" })).await?;
                }
                Ok(())
            }
            (Protocol::LegacyWs, "connection_terminate") => Err(None),
            (_, other) => Err(invalid(&format!("Invalid message type '{other}'"))),
        }
    }

    async fn init(&mut self, payload: Option<Value>) -> Result<(), Option<Closing>> {
        if self.acknowledged {
            return Err(Some((4429, "Too many initialisation requests".to_owned())));
        }
        let token = payload.as_ref().and_then(|payload| {
            ["authorization", "Authorization", "token", "authToken"]
                .iter()
                .find_map(|key| payload.get(*key).and_then(Value::as_str))
                .map(|value| {
                    value
                        .strip_prefix("Bearer ")
                        .unwrap_or(value)
                        .trim()
                        .to_owned()
                })
        });
        if let Some(token) = token.filter(|token| !token.is_empty()) {
            match self.state.services.authenticate(&token).await {
                Ok(viewer) => {
                    self.viewer = viewer;
                    self.token = Some(token);
                }
                Err(ServiceError::Unauthenticated(_)) => {
                    return Err(Some((4403, "Forbidden".to_owned())));
                }
                Err(error) => {
                    tracing::error!(%error, "WebSocket authentication failed");
                    return Err(Some((1011, "Internal error".to_owned())));
                }
            }
        }
        self.acknowledged = true;
        self.send(json!({ "type": "connection_ack" })).await?;
        if self.protocol == Protocol::LegacyWs {
            self.send(json!({ "type": "ka" })).await?;
        }
        Ok(())
    }

    async fn subscribe(&mut self, id: String, payload: Value) -> Result<(), Option<Closing>> {
        let count = self
            .operations
            .lock()
            .map(|ops| (ops.contains_key(&id), ops.len()));
        let (duplicate, running) = count.unwrap_or((false, 0));
        if duplicate {
            if self.protocol == Protocol::TransportWs {
                return Err(Some((4409, format!("Subscriber for {id} already exists"))));
            }
            return self
                .send_error(&id, "an operation with this id is already running")
                .await;
        }
        if running >= self.state.websocket.max_subscriptions {
            let message = format!(
                "at most {} operations may run at once on one connection",
                self.state.websocket.max_subscriptions
            );
            return self.send_error(&id, &message).await;
        }
        let params = match params_from_json(payload) {
            Ok(params) => params,
            Err(refusal) => return self.send_error(&id, &refusal.message).await,
        };
        if let Some(message) = missing_required_variable(&params) {
            return self.send_error(&id, &message).await;
        }
        if let Some(token) = &self.token {
            match self.state.services.authenticate(token).await {
                Ok(viewer) => self.viewer = viewer,
                Err(ServiceError::Unauthenticated(_)) => {
                    return Err(Some((4403, "Forbidden: the session has ended".to_owned())));
                }
                Err(error) => {
                    tracing::error!(%error, "WebSocket authentication failed");
                    return Err(Some((1011, "Internal error".to_owned())));
                }
            }
        }
        let request = params
            .into_request()
            .data(RequestLanguage(self.language))
            .data(self.viewer.clone())
            .data(self.address);
        let schema = self.state.schema.clone();
        let outgoing = self.outgoing.clone();
        let operations = self.operations.clone();
        let protocol = self.protocol;
        let too_slow = self.too_slow.clone();
        let task_id = id.clone();
        // Registered before the task starts, so a quick `complete` can find it.
        let (start, started) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = started.await;
            let mut responses = Box::pin(schema.execute_stream(request));
            let mut first = true;
            while let Some(response) = responses.next().await {
                let message = if first && request_error_of(&response) {
                    let errors: Vec<Value> = response.errors.into_iter().map(error_json).collect();
                    let payload = if protocol == Protocol::TransportWs {
                        json!(errors)
                    } else {
                        json!({ "errors": errors })
                    };
                    if outgoing
                        .try_send(Outgoing::Json(
                            json!({ "id": task_id, "type": "error", "payload": payload }),
                        ))
                        .is_err()
                    {
                        too_slow.send_replace(true);
                    }
                    if let Ok(mut ops) = operations.lock() {
                        ops.remove(&task_id);
                    }
                    return;
                } else {
                    json!({ "id": task_id, "type": protocol.next(), "payload": response_json(response) })
                };
                first = false;
                if outgoing.try_send(Outgoing::Json(message)).is_err() {
                    // The queue is full: the reader loop closes the connection.
                    too_slow.send_replace(true);
                    return;
                }
            }
            if outgoing
                .try_send(Outgoing::Json(json!({ "id": task_id, "type": "complete" })))
                .is_err()
            {
                too_slow.send_replace(true);
            }
            if let Ok(mut ops) = operations.lock() {
                ops.remove(&task_id);
            }
        });
        if let Ok(mut ops) = self.operations.lock() {
            ops.insert(id, task.abort_handle());
        }
        let _ = start.send(());
        Ok(())
    }

    async fn send_error(&self, id: &str, message: &str) -> Result<(), Option<Closing>> {
        let error = ErrorCode::BadUserInput.error_json(message);
        let payload = if self.protocol == Protocol::TransportWs {
            json!([error])
        } else {
            json!({ "errors": [error] })
        };
        self.send(json!({ "id": id, "type": "error", "payload": payload }))
            .await
    }
}

fn response_json(response: async_graphql::Response) -> Value {
    let mut body = serde_json::Map::new();
    body.insert(
        "data".to_owned(),
        serde_json::to_value(&response.data).unwrap_or(Value::Null),
    );
    if !response.errors.is_empty() {
        let errors = response.errors.into_iter().map(error_json).collect();
        body.insert("errors".to_owned(), Value::Array(errors));
    }
    Value::Object(body)
}
