//! Where rendered mail goes: an SMTP server, or `.eml` files (the embedded default).

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// A refusal that retrying will not change (SMTP 5xx, an address refused).
    pub permanent: bool,
    /// What the server or system said.
    pub message: String,
}

/// Delivers one message.
#[async_trait::async_trait]
pub trait MailTransport: Send + Sync {
    /// Hands the message over; `Ok` once the other side accepted it.
    async fn deliver(&self, message: Message) -> Result<(), DeliveryError>;
}

/// SMTP through lettre: pooled connections, STARTTLS/TLS and authentication from the URL
/// (`smtp://host:2525`, `smtp://user:pass@host:587?tls=required`, `smtps://host`).
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// Checks that `url` is a lettre SMTP URL without building anything: the pooled
    /// transport spawns a task, so it can only be built inside the async runtime, and
    /// configuration is checked before the runtime starts.
    pub fn check_url(url: &str) -> Result<(), String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// Builds the transport from a lettre SMTP URL, with a command timeout. Must run inside
    /// the Tokio runtime (the connection pool spawns a task).
    pub fn from_url(url: &str, timeout: Duration) -> Result<Self, String> {
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| error.to_string())?
            .timeout(Some(timeout))
            .build();
        Ok(Self { inner })
    }
}

#[async_trait::async_trait]
impl MailTransport for SmtpTransport {
    async fn deliver(&self, message: Message) -> Result<(), DeliveryError> {
        self.inner
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error: SmtpError| DeliveryError {
                // 5xx is final; 4xx, refused connections and timeouts are worth retrying.
                permanent: error.is_permanent(),
                message: error.to_string(),
            })
    }
}

/// Writes each message as `<uuid>.eml` in a folder.
pub struct FileTransport {
    inner: AsyncFileTransport<Tokio1Executor>,
}

impl FileTransport {
    /// Writes into `folder`, created if missing.
    pub fn new(folder: impl Into<PathBuf>) -> std::io::Result<Self> {
        let folder = folder.into();
        std::fs::create_dir_all(&folder)?;
        Ok(Self {
            inner: AsyncFileTransport::new(folder),
        })
    }
}

#[async_trait::async_trait]
impl MailTransport for FileTransport {
    async fn deliver(&self, message: Message) -> Result<(), DeliveryError> {
        self.inner
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| DeliveryError {
                permanent: false,
                message: error.to_string(),
            })
    }
}
