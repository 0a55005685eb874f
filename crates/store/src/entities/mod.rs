//! sea-orm entities, one per table, mirroring the migrations. Queries live beside them in
//! the feature modules of this crate; these stay plain.

pub mod account;
pub mod action_item;
pub mod activity;
pub mod agenda_item;
pub mod area_of_action;
pub mod attendance;
pub mod calendar_feed;
pub mod coalition;
pub mod document;
pub mod document_edition;
pub mod document_version;
pub mod invitation;
pub mod meeting;
pub mod meeting_exception;
pub mod meeting_reminder;
pub mod membership;
// Notification inbox.
pub mod notification;
pub mod notification_preference;
pub mod one_time_token;
pub mod outbox;
pub mod person;
pub mod rsvp;
pub mod session;
pub mod working_group;
// Per-occurrence answers (public calendar feature).
pub mod occurrence_rsvp;
// Content in the six UN languages.
pub mod content_translation;
