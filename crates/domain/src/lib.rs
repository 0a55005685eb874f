//! The coalition's domain: plain types that validate on construction, the rules that
//! govern them, and the errors they raise. Nothing here performs I/O; the store, API and
//! server crates build on these types.

pub mod accounts;
pub mod agenda;
pub mod balance;
pub mod clock;
pub mod coalition;
pub mod documents;
pub mod error;
pub mod events;
pub mod geography;
// Notification inbox and activity history.
pub mod inbox;
pub mod language;
pub mod mail;
pub mod meetings;
pub mod membership;
pub mod notifications;
pub mod pagination;
pub mod people;
pub mod policy;
pub mod scheduling;
pub mod sealing;
pub mod stakeholder;
// Page texts and enum labels by language.
pub mod texts;

pub use clock::Clock;
pub use error::InvalidInput;
