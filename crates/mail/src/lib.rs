//! Mail: rendering queued notifications (text and HTML, in the recipient's language),
//! handing them to a transport (SMTP, or `.eml` files by default), and the worker that
//! drains the outbox with retries.

mod render;
mod transport;
mod worker;

pub use render::{RenderedMail, Renderer, text_files};
pub use transport::{DeliveryError, FileTransport, MailTransport, SmtpTransport};
pub use worker::{MailWorker, WorkerSettings};
