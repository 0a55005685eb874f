//! A WebSocket client speaking graphql-transport-ws (or the legacy graphql-ws) to the
//! server, for subscription tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::TestApp;

/// How long a test waits for one message.
pub const WAIT: Duration = Duration::from_secs(10);

/// An open socket.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A protocol message.
    Message(Value),
    /// The close frame: code and reason.
    Closed(u16, String),
}

impl WsClient {
    /// Opens `ws://…/graphql` with the given subprotocol (none when `None`) and headers.
    pub async fn connect_with(
        app: &TestApp,
        protocol: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Self, Error> {
        Self::connect_to(&app.address, protocol, headers).await
    }

    /// Opens `ws://…/graphql` on a server at `address` (`http://HOST:PORT`).
    pub async fn connect_to(
        address: &str,
        protocol: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Self, Error> {
        let url = format!("{}/graphql", address.replace("http://", "ws://"));
        let mut request = url.into_client_request()?;
        if let Some(protocol) = protocol {
            request.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                HeaderValue::from_str(protocol).expect("header"),
            );
        }
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self { socket })
    }

    /// Opens a graphql-transport-ws socket.
    pub async fn connect(app: &TestApp) -> Self {
        Self::connect_with(app, Some("graphql-transport-ws"), &[])
            .await
            .expect("WebSocket opens")
    }

    /// Opens, sends `connection_init` (with a bearer token if given) and expects the ack.
    pub async fn initialised(app: &TestApp, token: Option<&str>) -> Self {
        let mut client = Self::connect(app).await;
        let payload = token.map_or(
            json!({}),
            |token| json!({ "authorization": format!("Bearer {token}") }),
        );
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(client.message().await["type"], "connection_ack");
        client
    }

    /// Sends a JSON message.
    pub async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("sent");
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("sent");
    }

    /// Starts an operation.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next thing the server sends (server pings skipped), within `WAIT`.
    pub async fn receive(&mut self) -> Received {
        self.receive_within(WAIT)
            .await
            .expect("the server answers in time")
    }

    /// The next thing within `wait`, or `None`.
    pub async fn receive_within(&mut self, wait: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value =
                        serde_json::from_str(text.as_str()).expect("JSON from the server");
                    if value["type"] == "ping" || value["type"] == "ka" {
                        continue;
                    }
                    return Some(Received::Message(value));
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |frame| {
                        (u16::from(frame.code), frame.reason.to_string())
                    });
                    return Some(Received::Closed(code, reason));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Received::Closed(1006, String::new())),
            }
        }
    }

    /// The next protocol message; panics on a close.
    pub async fn message(&mut self) -> Value {
        match self.receive().await {
            Received::Message(value) => value,
            Received::Closed(code, reason) => panic!("closed {code}: {reason}"),
        }
    }

    /// The close code and reason the server sends next.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            match self.receive().await {
                Received::Closed(code, reason) => return (code, reason),
                Received::Message(_) => continue,
            }
        }
    }

    /// The raw next frame, pings included, within `wait`.
    pub async fn raw_within(&mut self, wait: Duration) -> Option<Value> {
        let next = tokio::time::timeout(wait, self.socket.next())
            .await
            .ok()??;
        match next {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).ok(),
            _ => None,
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            }))
            .await;
    }
}
