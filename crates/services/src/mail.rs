//! Outgoing mail: one trait, and the embedded default that writes each message as an
//! `.eml` file a newcomer can open. (The transactional outbox and SMTP delivery build on
//! this trait.)

use std::path::PathBuf;

use coalition_domain::people::Email;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::ServiceError;

/// A message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient's name, as they gave it.
    pub to_name: String,
    /// The recipient's address.
    pub to: Email,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// Sends mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Hands one message to the transport.
    async fn send(&self, mail: OutgoingMail) -> Result<(), ServiceError>;
}

/// Writes each message as `<uuid>.eml` in a folder.
pub struct FileMailer {
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
    folder: PathBuf,
}

impl FileMailer {
    /// Writes into `folder` (created if missing), with `from` as sender
    /// (e.g. `OER Dynamic Coalition <no-reply@example.org>`).
    pub fn new(folder: impl Into<PathBuf>, from: &str) -> Result<Self, ServiceError> {
        let folder = folder.into();
        std::fs::create_dir_all(&folder).map_err(|error| {
            ServiceError::Internal(format!(
                "cannot create mail folder {}: {error}",
                folder.display()
            ))
        })?;
        let from = from.parse::<Mailbox>().map_err(|error| {
            ServiceError::Internal(format!("mail.from is not an address: {error}"))
        })?;
        Ok(Self {
            from,
            transport: AsyncFileTransport::new(&folder),
            folder,
        })
    }

    /// Where the files go.
    pub fn folder(&self) -> &PathBuf {
        &self.folder
    }
}

/// Builds the RFC 5322 message.
pub fn build_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, ServiceError> {
    let to = Mailbox::new(
        Some(mail.to_name.clone()),
        mail.to.as_str().parse().map_err(|error| {
            ServiceError::Internal(format!("recipient address refused: {error}"))
        })?,
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|error| ServiceError::Internal(format!("message not built: {error}")))
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), ServiceError> {
        let message = build_message(&self.from, &mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| ServiceError::Internal(format!("mail not written: {error}")))
    }
}
