//! GraphQL subscriptions over WebSocket, speaking `graphql-transport-ws` to the letter
//! (and the legacy `graphql-ws` of older Apollo clients). Our own handler, because the stock
//! one departs from the protocol: no init timeout, wrong close codes for early or duplicate
//! subscriptions and for invalid messages, and no server-sent pings.
//!
//! Each connection has a read loop that owns its state (who the client is, the running
//! operations) and a writer task that sends what the loop and the operations queue.

mod admission;
mod fanout;
mod operations;
mod outbox;
mod protocol;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coalition_api::{ErrorCode, LiveSession, RequestLanguage};
use coalition_domain::language::Language;
use coalition_domain::policy::Viewer;
use coalition_services::ServiceError;
use coalition_services::accounts::ClientAddress;
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use serde_json::Value;
use tokio::sync::{Notify, watch};

use super::AppState;
use super::graphql::{
    GraphqlParams, missing_required_variable, params_from_json, selected_operation,
};
pub use admission::Admission;
use admission::{Admitted, Refusal};
pub use fanout::LiveFeeds;
use operations::{Ended, Operations};
use outbox::{Outbox, TooSlow, Writer};
use protocol::{Closing, Intent, OperationRequest, Protocol, ServerMessage, close_code};

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
    /// How often a signed-in connection's session is checked against the store.
    pub session_check: Duration,
    /// The connections open now, against the limits in all and per client address.
    pub admission: Arc<Admission>,
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
        .protocols(Protocol::ALL.map(Protocol::name));
    let protocol = upgrade
        .selected_protocol()
        .and_then(|name| name.to_str().ok())
        .and_then(Protocol::named);
    let client = state.client_ip(headers, peer);
    let admitted = match state.websocket.admission.admit(client) {
        Ok(admitted) => admitted,
        Err(refusal) => return refuse_connection(refusal),
    };
    upgrade.on_upgrade(move |socket| async move {
        match protocol {
            Some(protocol) => {
                Connection::run(socket, protocol, state, language, client, admitted).await;
            }
            None => {
                let closing = Closing::new(
                    close_code::SUBPROTOCOL_NOT_ACCEPTABLE,
                    "Subprotocol not acceptable",
                );
                close_now(socket, closing).await;
            }
        }
    })
}

/// The answer to an upgrade over the connection limits: 503 when the instance is full,
/// 429 when the client holds its share; both say to try again later.
fn refuse_connection(refusal: Refusal) -> Response {
    let (status, message) = match refusal {
        Refusal::Full => (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many WebSocket connections; try again later",
        ),
        Refusal::TooManyFromClient => (
            StatusCode::TOO_MANY_REQUESTS,
            "too many WebSocket connections from this address; try again later",
        ),
    };
    tracing::warn!(?refusal, "WebSocket upgrade refused");
    (status, [(header::RETRY_AFTER, "5")], message).into_response()
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

async fn close_now(mut socket: WebSocket, Closing { code, reason }: Closing) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Why a connection's read loop stopped.
enum Ending {
    /// The server closes the connection with a code.
    Close(Closing),
    /// The client left, or said it is leaving: the server has nothing to add.
    Quietly,
}

impl From<Closing> for Ending {
    fn from(closing: Closing) -> Self {
        Ending::Close(closing)
    }
}

impl From<TooSlow> for Ending {
    fn from(_: TooSlow) -> Self {
        Ending::Close(Closing::too_slow())
    }
}

/// One client's connection, as its read loop sees it.
struct Connection {
    protocol: Protocol,
    state: AppState,
    language: Language,
    address: ClientAddress,
    viewer: Viewer,
    /// The session token from `connection_init`, checked again before each operation,
    /// every `session_check` and when an event says the session may have ended, so a
    /// socket loses what its session loses (logout, disabled account, a changed role).
    token: Option<String>,
    /// The viewer as last checked, for the running operations.
    current_viewer: watch::Sender<Viewer>,
    /// Notified by an operation that saw an event that may have ended the session.
    recheck: Arc<Notify>,
    /// Holds this connection's place under the connection limits.
    _admitted: Admitted,
    acknowledged: bool,
    operations: Operations,
    outbox: Outbox,
}

impl Connection {
    /// Serves one upgraded socket until it closes.
    async fn run(
        socket: WebSocket,
        protocol: Protocol,
        state: AppState,
        language: Language,
        client: IpAddr,
        admitted: Admitted,
    ) {
        let _open = state.sockets.open();
        let (sink, stream) = socket.split();
        let (writer, outbox) = Writer::start(sink, protocol, state.websocket.ping_interval);
        let mut connection = Connection {
            protocol,
            state,
            language,
            address: ClientAddress(client),
            viewer: Viewer::Anonymous,
            token: None,
            current_viewer: watch::Sender::new(Viewer::Anonymous),
            recheck: Arc::new(Notify::new()),
            _admitted: admitted,
            acknowledged: false,
            operations: Operations::default(),
            outbox,
        };
        let ending = connection.serve(stream).await;
        let Connection {
            operations, outbox, ..
        } = connection;
        // Dropping them aborts the operations still running, before the close goes out.
        drop(operations);
        let closing = match ending {
            Ending::Close(closing) => Some(closing),
            Ending::Quietly => None,
        };
        writer.finish(outbox, closing).await;
    }

    /// Acts on the client's messages and on operations that end, until the connection ends.
    async fn serve(&mut self, mut stream: SplitStream<WebSocket>) -> Ending {
        let init_deadline = tokio::time::Instant::now() + self.state.websocket.init_timeout;
        let period = self.state.websocket.session_check;
        let mut session_check =
            tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        session_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let recheck = self.recheck.clone();
        let mut shutdown = self.state.shutdown.clone();
        loop {
            let outcome = tokio::select! {
                () = shutdown.requested() => Err(Closing::going_away().into()),
                Some((id, ended)) = self.operations.next_ended() => self.report_end(id, ended),
                // Only while operations run: a new one checks the session as it starts.
                _ = session_check.tick(), if self.watches_session() => self.check_session().await,
                () = recheck.notified(), if self.watches_session() => self.check_session().await,
                () = tokio::time::sleep_until(init_deadline), if !self.acknowledged => {
                    let reason = "Connection initialisation timeout";
                    Err(Closing::new(close_code::INIT_TIMEOUT, reason).into())
                }
                frame = stream.next() => self.receive(frame).await,
            };
            if let Err(ending) = outcome {
                return ending;
            }
        }
    }

    /// Acts on one frame from the client.
    async fn receive(&mut self, frame: Option<Result<Message, axum::Error>>) -> Result<(), Ending> {
        match frame {
            Some(Ok(Message::Text(text))) => {
                let intent = Intent::parse(self.protocol, text.as_str())?;
                self.act_on(intent).await
            }
            Some(Ok(Message::Binary(_))) => {
                let reason = "Binary messages are not part of the protocol";
                Err(Closing::new(close_code::BAD_REQUEST, reason).into())
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
            Some(Ok(Message::Close(_)) | Err(_)) | None => Err(Ending::Quietly),
        }
    }

    /// Does what the client asked for.
    async fn act_on(&mut self, intent: Intent) -> Result<(), Ending> {
        match intent {
            Intent::Init { payload } => self.init(payload.as_ref()).await,
            Intent::Ping => Ok(self.outbox.send(ServerMessage::Pong)?),
            Intent::Pong => Ok(()),
            // Checked before the fields: a start before the ack is refused as it stands.
            Intent::Start(_) if !self.acknowledged => {
                Err(Closing::new(close_code::UNAUTHORIZED, "Unauthorized").into())
            }
            Intent::Start(Err(malformed)) => Err(Closing::bad_request(malformed).into()),
            Intent::Start(Ok(request)) => self.start(request).await,
            Intent::Stop { id } => self.stop(id),
            Intent::Terminate => Err(Ending::Quietly),
        }
    }

    /// `connection_init`: takes the session the payload names, if any, and acknowledges.
    async fn init(&mut self, payload: Option<&Value>) -> Result<(), Ending> {
        if self.acknowledged {
            let reason = "Too many initialisation requests";
            return Err(Closing::new(close_code::TOO_MANY_INIT_REQUESTS, reason).into());
        }
        if let Some(token) = session_token(payload) {
            let viewer = self.authenticate(&token, "Forbidden").await?;
            self.set_viewer(viewer);
            self.token = Some(token);
        }
        self.acknowledged = true;
        self.outbox.send(ServerMessage::ConnectionAck)?;
        if self.protocol == Protocol::LegacyWs {
            self.outbox.send(ServerMessage::KeepAlive)?;
        }
        Ok(())
    }

    /// `subscribe` (legacy `start`): runs the operation if it may run, or refuses it.
    async fn start(&mut self, request: OperationRequest) -> Result<(), Ending> {
        let OperationRequest { id, payload } = request;
        if self.operations.is_running(&id) {
            return self.refuse_duplicate(id);
        }
        let params = match self.admit(payload) {
            Ok(params) => params,
            Err(error) => {
                return Ok(self.outbox.send(ServerMessage::Error {
                    id,
                    errors: vec![error],
                })?);
            }
        };
        self.refresh_viewer().await?;
        if selected_operation(&params).is_some_and(|operation| {
            operation.ty == async_graphql::parser::types::OperationType::Subscription
        }) {
            // Shared with the subscribers who would see the same.
            let subscriber = fanout::Subscriber {
                schema: self.state.schema.clone(),
                params,
                language: self.language,
                address: self.address,
                viewer: self.current_viewer.subscribe(),
                recheck: self.recheck.clone(),
            };
            let following =
                self.state
                    .live_feeds
                    .clone()
                    .follow(id.clone(), subscriber, self.outbox.clone());
            self.operations.run(id, following);
            return Ok(());
        }
        let live = LiveSession::new(self.current_viewer.subscribe(), self.recheck.clone());
        let request = params
            .into_request()
            .data(RequestLanguage(self.language))
            .data(self.viewer.clone())
            .data(live)
            .data(self.address);
        let responses = self.state.schema.execute_stream(request);
        self.operations.start(id, responses, self.outbox.clone());
        Ok(())
    }

    /// A start with the id of a running operation: graphql-transport-ws closes the
    /// connection, the legacy protocol refuses the operation.
    fn refuse_duplicate(&self, id: String) -> Result<(), Ending> {
        match self.protocol {
            Protocol::TransportWs => {
                let reason = format!("Subscriber for {id} already exists");
                Err(Closing::new(close_code::SUBSCRIBER_EXISTS, reason).into())
            }
            Protocol::LegacyWs => self.refuse(id, "an operation with this id is already running"),
        }
    }

    /// The operation's parameters, or the error saying why it may not run: too many run
    /// already, the request is malformed or names a persisted query the server does not
    /// know, or a required variable is missing.
    fn admit(&self, payload: Value) -> Result<GraphqlParams, Value> {
        let limit = self.state.websocket.max_subscriptions;
        if self.operations.count() >= limit {
            return Err(ErrorCode::BadUserInput.error_json(&format!(
                "at most {limit} operations may run at once on one connection"
            )));
        }
        let params = params_from_json(payload)
            .and_then(|sent| sent.resolve(&self.state.persisted_queries))
            .map_err(|error| error.error_json())?;
        match missing_required_variable(&params) {
            Some(message) => Err(ErrorCode::BadUserInput.error_json(&message)),
            None => Ok(params),
        }
    }

    /// Checks the session again, so an operation runs for whom the session is now.
    async fn refresh_viewer(&mut self) -> Result<(), Closing> {
        if let Some(token) = &self.token {
            let viewer = self
                .authenticate(token, "Forbidden: the session has ended")
                .await?;
            self.set_viewer(viewer);
        }
        Ok(())
    }

    /// Whether a session stands behind running operations, to be checked while they run.
    fn watches_session(&self) -> bool {
        self.token.is_some() && self.operations.count() > 0
    }

    /// The viewer from now on, for this connection and its running operations.
    fn set_viewer(&mut self, viewer: Viewer) {
        self.current_viewer.send_if_modified(|current| {
            let changed = *current != viewer;
            if changed {
                current.clone_from(&viewer);
            }
            changed
        });
        self.viewer = viewer;
    }

    /// Checks the session against the store while operations run. Once it has ended
    /// (signed out, new password, expired, account disabled), each running operation gets
    /// an `UNAUTHENTICATED` error and the connection closes with 4401; anything else it
    /// loses (a membership) reaches the operations as a refreshed viewer. A failure to check
    /// keeps the connection: the next check tries again.
    async fn check_session(&mut self) -> Result<(), Ending> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        match self.state.services.recheck_session(token).await {
            Ok(viewer) => {
                self.set_viewer(viewer);
                Ok(())
            }
            Err(ServiceError::Unauthenticated(_)) => {
                let message = "the session has ended; sign in again";
                for id in self.operations.ids() {
                    // Stopped first, so no result of theirs follows the error.
                    self.operations.stop(&id);
                    let errors = vec![ErrorCode::Unauthenticated.error_json(message)];
                    self.outbox.send(ServerMessage::Error { id, errors })?;
                }
                let reason = "Unauthorized: the session has ended";
                Err(Closing::new(close_code::UNAUTHORIZED, reason).into())
            }
            Err(error) => {
                tracing::warn!(%error, "WebSocket session check failed; retried later");
                Ok(())
            }
        }
    }

    /// The viewer a session token stands for. A session that is unknown, expired or revoked
    /// closes with 4403 and `forbidden` as the reason; failing to check closes with 1011.
    async fn authenticate(&self, token: &str, forbidden: &str) -> Result<Viewer, Closing> {
        match self.state.services.authenticate(token).await {
            Ok(viewer) => Ok(viewer),
            Err(ServiceError::Unauthenticated(_)) => {
                Err(Closing::new(close_code::FORBIDDEN, forbidden))
            }
            Err(error) => {
                tracing::error!(%error, "WebSocket authentication failed");
                Err(Closing::new(close_code::INTERNAL_ERROR, "Internal error"))
            }
        }
    }

    /// Refuses one operation with an `error` message; the connection stays open.
    fn refuse(&self, id: String, message: &str) -> Result<(), Ending> {
        let errors = vec![ErrorCode::BadUserInput.error_json(message)];
        Ok(self.outbox.send(ServerMessage::Error { id, errors })?)
    }

    /// `complete` (legacy `stop`). The legacy protocol acknowledges with `complete`;
    /// graphql-transport-ws sends nothing after the client's own `complete`.
    fn stop(&mut self, id: String) -> Result<(), Ending> {
        self.operations.stop(&id);
        if self.protocol == Protocol::LegacyWs {
            self.outbox.send(ServerMessage::Complete { id })?;
        }
        Ok(())
    }

    /// Tells the client that an operation ended by itself.
    fn report_end(&self, id: String, ended: Ended) -> Result<(), Ending> {
        let message = match ended {
            Ended::Completed => ServerMessage::Complete { id },
            Ended::Refused(errors) => ServerMessage::Error { id, errors },
            Ended::ClientTooSlow => return Err(TooSlow.into()),
        };
        Ok(self.outbox.send(message)?)
    }
}

/// The session token a `connection_init` payload carries, under any of the keys clients
/// use, with or without `Bearer `.
fn session_token(payload: Option<&Value>) -> Option<String> {
    let payload = payload?;
    let value = ["authorization", "Authorization", "token", "authToken"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(Value::as_str))?;
    let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
    (!token.is_empty()).then(|| token.to_owned())
}
