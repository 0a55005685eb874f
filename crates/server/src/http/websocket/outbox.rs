//! The way out to the client: a bounded queue, and the task that writes it to the socket
//! with the server's keep-alive pings in between.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::protocol::{Closing, Protocol, ServerMessage};

/// Messages queued for one client; past this the client is too slow and is dropped.
const OUTGOING_BUFFER: usize = 256;

/// How long the writer may take to flush what is queued once the connection ends.
const WRITER_GRACE: Duration = Duration::from_secs(5);

/// The client did not read its messages: its queue is full (or the writer has stopped).
#[derive(Debug)]
pub(super) struct TooSlow;

/// What the writer task sends.
enum Outgoing {
    Message(ServerMessage),
    Close(Closing),
}

/// The sending end of one client's queue, shared by the read loop and the operations.
#[derive(Clone)]
pub(super) struct Outbox {
    queue: mpsc::Sender<Outgoing>,
}

impl Outbox {
    /// Queues a message without waiting. A full queue means the client stopped reading;
    /// the caller then drops the connection rather than buffer without bound.
    pub(super) fn send(&self, message: ServerMessage) -> Result<(), TooSlow> {
        self.queue
            .try_send(Outgoing::Message(message))
            .map_err(|_| TooSlow)
    }

    /// Queues the close frame; the writer stops after sending it.
    pub(super) fn close(&self, closing: Closing) -> Result<(), TooSlow> {
        self.queue
            .try_send(Outgoing::Close(closing))
            .map_err(|_| TooSlow)
    }
}

/// The task writing to one client.
pub(super) struct Writer {
    task: JoinHandle<()>,
}

impl Writer {
    /// Starts writing to `sink` what the returned outbox queues, pinging every
    /// `ping_interval`.
    pub(super) fn start(
        sink: SplitSink<WebSocket, Message>,
        protocol: Protocol,
        ping_interval: Duration,
    ) -> (Writer, Outbox) {
        let (queue, queued) = mpsc::channel(OUTGOING_BUFFER);
        let task = tokio::spawn(write_to_client(sink, queued, protocol, ping_interval));
        (Writer { task }, Outbox { queue })
    }

    /// Closes the connection, politely when the client still reads (with `closing`'s code
    /// when there is one), and waits a little for the writer to finish.
    pub(super) async fn finish(mut self, outbox: Outbox, closing: Option<Closing>) {
        if let Some(closing) = closing {
            // A client that stopped reading has a full queue: then there is no polite close.
            if outbox.close(closing).is_err() {
                self.task.abort();
            }
        }
        drop(outbox);
        if tokio::time::timeout(WRITER_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// Writes queued messages, and a keep-alive every `ping_interval`, until the queue closes,
/// a close frame is sent, or the socket fails.
async fn write_to_client(
    mut sink: SplitSink<WebSocket, Message>,
    mut queued: mpsc::Receiver<Outgoing>,
    protocol: Protocol,
    ping_interval: Duration,
) {
    let mut ping =
        tokio::time::interval_at(tokio::time::Instant::now() + ping_interval, ping_interval);
    loop {
        let message = tokio::select! {
            next = queued.recv() => match next {
                Some(Outgoing::Message(message)) => message,
                Some(Outgoing::Close(Closing { code, reason })) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                None => break,
            },
            _ = ping.tick() => ServerMessage::KeepAlive,
        };
        if sink
            .send(Message::Text(message.encode(protocol).into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let _ = sink.close().await;
}
