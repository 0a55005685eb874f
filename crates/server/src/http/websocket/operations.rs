//! The operations running on one connection. The connection's read loop owns them alone:
//! it starts and stops them, and learns from their tasks' results when they end, so no
//! lock is shared.

use std::collections::HashMap;

use async_graphql::Response;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::Value;
use tokio::task::{AbortHandle, JoinSet};

use super::super::graphql::{error_json, request_error_of, response_json};
use super::outbox::Outbox;
use super::protocol::ServerMessage;

/// How an operation ended by itself (one the client stopped just ends).
#[derive(Debug)]
pub(super) enum Ended {
    /// Its results are all sent: `complete` follows.
    Completed,
    /// It never ran (the document did not parse or validate): these errors, no `complete`.
    Refused(Vec<Value>),
    /// The client's queue was full.
    ClientTooSlow,
}

/// The running operations, by the id the client gave them.
#[derive(Default)]
pub(super) struct Operations {
    running: HashMap<String, AbortHandle>,
    /// Each task yields its operation's id and how it ended. Dropping the set aborts
    /// whatever still runs.
    tasks: JoinSet<(String, Ended)>,
}

impl Operations {
    /// Whether an operation with this id runs.
    pub(super) fn is_running(&self, id: &str) -> bool {
        self.running.contains_key(id)
    }

    /// The ids of the running operations.
    pub(super) fn ids(&self) -> Vec<String> {
        self.running.keys().cloned().collect()
    }

    /// How many operations run.
    pub(super) fn count(&self) -> usize {
        self.running.len()
    }

    /// Runs operation `id`, sending its `responses` to `outbox`.
    pub(super) fn start(
        &mut self,
        id: String,
        responses: BoxStream<'static, Response>,
        outbox: Outbox,
    ) {
        let task_id = id.clone();
        self.run(id, async move {
            send_results(responses, &task_id, &outbox).await
        });
    }

    /// Runs operation `id` as `sending`, which sends its results and says how it ended.
    pub(super) fn run(
        &mut self,
        id: String,
        sending: impl std::future::Future<Output = Ended> + Send + 'static,
    ) {
        let task_id = id.clone();
        let task = self.tasks.spawn(async move { (task_id, sending.await) });
        self.running.insert(id, task);
    }

    /// Stops operation `id`, if it runs.
    pub(super) fn stop(&mut self, id: &str) {
        if let Some(task) = self.running.remove(id) {
            task.abort();
        }
    }

    /// The next operation to end by itself, with how it ended; `None` when none runs.
    /// Cancel safe, to be raced against the client's messages.
    pub(super) async fn next_ended(&mut self) -> Option<(String, Ended)> {
        while let Some(joined) = self.tasks.join_next_with_id().await {
            match joined {
                Ok((task, (id, ended))) => {
                    // A task stopped too late to be aborted may report after a new
                    // operation took its id: only the current task's end counts.
                    if self
                        .running
                        .get(&id)
                        .is_some_and(|current| current.id() == task)
                    {
                        self.running.remove(&id);
                        return Some((id, ended));
                    }
                }
                Err(error) if error.is_panic() => {
                    tracing::error!(%error, "a WebSocket operation panicked");
                    self.running.retain(|_, running| running.id() != error.id());
                }
                // Aborted: the client stopped it, and it was forgotten then.
                Err(_) => {}
            }
        }
        None
    }
}

/// Sends each result of one operation as `next`; says how it ended.
async fn send_results(
    mut responses: BoxStream<'static, Response>,
    id: &str,
    outbox: &Outbox,
) -> Ended {
    let mut first = true;
    while let Some(response) = responses.next().await {
        if first && request_error_of(&response) {
            return Ended::Refused(response.errors.into_iter().map(error_json).collect());
        }
        first = false;
        let next = ServerMessage::Next {
            id: id.to_owned(),
            payload: response_json(response, true),
        };
        if outbox.send(next).is_err() {
            return Ended::ClientTooSlow;
        }
    }
    Ended::Completed
}
