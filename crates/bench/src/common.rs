//! What the benchmark binaries share: an administrator created, a process's resident
//! memory, and a subscription to one group's activity.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Runs `coalition create-admin` (`command`, its environment set) for `email`, with
/// `passphrase` on stdin; the database is migrated on the way.
pub fn create_admin(mut command: Command, email: &str, passphrase: &str) {
    let mut admin = command
        .args(["create-admin", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the coalition binary runs");
    let mut stdin = admin.stdin.take().unwrap();
    stdin
        .write_all(format!("{passphrase}\n").as_bytes())
        .unwrap();
    drop(stdin);
    assert!(admin.wait().unwrap().success(), "administrator created");
}

/// Starts `coalition serve` (`command`, its environment set) and waits for the address it
/// listens on; every other line of its stderr goes to `on_line`.
pub fn serve(mut command: Command, on_line: impl Fn(&str) + Send + 'static) -> (Child, String) {
    let mut child = command
        .arg("serve")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the coalition binary runs");
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = sender.send(line[at + "listening on ".len()..].trim().to_owned());
            } else {
                on_line(&line);
            }
        }
    });
    let address = receiver
        .recv_timeout(Duration::from_secs(120))
        .expect("server started");
    (child, address)
}

/// The resident memory (VmRSS) of process `pid`, in KiB; 0 if unknown.
pub fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Opens a graphql-transport-ws socket to the server at `address` (`http://…`), signs in
/// with `token` and subscribes to `group`'s activity.
pub async fn subscribe_to_group(address: &str, token: &str, group: &str) -> Socket {
    let url = format!("{}/graphql", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("socket opens");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let _ack = socket.next().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription ($g: ID!) { groupActivity(groupId: $g) { id verb } }",
        "variables": { "g": group } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}
