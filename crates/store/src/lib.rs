//! Persistence for the coalition: one [`Store`] over SQLite or PostgreSQL, with a module of
//! queries per feature. Everything it returns is a domain type; sea-orm stays inside.

mod accounts;
mod activity;
mod administration;
mod agenda;
mod balance;
mod batches;
mod coalition;
mod connection;
pub mod demo;
mod document_search;
mod documents;
pub mod entities;
mod error;
// Notification inbox.
mod inbox;
mod invitations;
mod joining;
mod meetings;
mod membership;
mod outbox;
mod people;
mod seed;
// Members managing themselves (issue 15 items 4, 5, 7).
mod self_service;
mod statements;
// Content in the six UN languages.
mod translations;

pub use accounts::{AccountChange, NewAccount, NewMailFor, NewToken};
pub use activity::Recorded;
pub use administration::PeopleFilter;
pub use batches::{MAX_KEYS_PER_STATEMENT, MemberPages};
pub use connection::{Backend, DatabaseSettings, PoolStatus, Store, sqlite_file};
pub use document_search::{MATCH_END, MATCH_START, SearchFilter, SearchHit};
pub use documents::{BlobGuard, DocumentMails, DocumentOwner, NewVersion};
pub use error::StoreError;
pub use invitations::NewInvitation;
pub use joining::Decision;
pub use meetings::{CalendarFeedInfo, MeetingMails, MeetingScope, OccurrenceOverride};
pub use outbox::{Claim, ClaimedMail, DeliveryOutcome, MailUnavailable, NewMail, OutboxMessage};
pub use seed::SeedReport;
pub use self_service::FORMER_MEMBER;
pub use statements::{StatementTally, statements_total};
