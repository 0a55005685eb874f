//! Graceful shutdown as long-lived connections see it. Plain requests are drained by
//! axum; an upgraded WebSocket has left axum's hands, so each socket is told to close
//! itself (1001, going away, so its client reconnects to another instance) and is counted
//! until its close frame is out.

use std::sync::Arc;

use tokio::sync::watch;

/// Tells a connection that the server is stopping.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Follows the server's stop switch (true = stopping).
    pub fn new(stopping: watch::Receiver<bool>) -> Self {
        Self(stopping)
    }

    /// Resolves once the server is stopping; never, if the switch is gone without a stop.
    pub async fn requested(&mut self) {
        if self.0.wait_for(|stopping| *stopping).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// How many WebSockets are open, so shutdown can wait for their close frames.
#[derive(Debug, Clone)]
pub struct OpenSockets(Arc<watch::Sender<usize>>);

impl Default for OpenSockets {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(0)))
    }
}

impl OpenSockets {
    /// Counts one socket for as long as the guard lives.
    pub fn open(&self) -> SocketGuard {
        self.0.send_modify(|open| *open += 1);
        SocketGuard(self.0.clone())
    }

    /// Sockets open now.
    pub fn count(&self) -> usize {
        *self.0.borrow()
    }

    /// Resolves when no socket is open.
    pub async fn all_closed(&self) {
        let mut open = self.0.subscribe();
        let _ = open.wait_for(|open| *open == 0).await;
    }
}

/// One open socket; dropping it counts the socket closed.
#[derive(Debug)]
pub struct SocketGuard(Arc<watch::Sender<usize>>);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open = open.saturating_sub(1));
    }
}
