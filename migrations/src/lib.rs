//! Database migrations, one dated module per change. A landed migration is never edited:
//! later changes add their own.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_accounts;
mod m20261125_000003_membership_workflow;
mod m20261125_000004_notifications;
mod m20261125_000005_meetings;
mod m20261125_000006_calendar_feeds;
mod m20261125_000007_meeting_exceptions;
mod m20261125_000008_agenda;
mod m20261125_000009_meeting_reminders;
mod m20261125_000010_person_search;
mod m20261130_000011_calendar_feed_last_used;
mod m20261130_000013_outbox_claims;
mod m20261130_000015_document_search;
mod m20261130_000015_documents;
mod m20261201_000120_document_search_index;
mod m20261201_000130_group_archiving;
// Members managing themselves (issue 15 items 4, 5, 7).
mod m20261201_000140_member_self_service;
mod m20261201_000155_occurrence_rsvp;
// Notification inbox and activity history.
mod m20261201_000150_notification_inbox;
mod m20261201_000151_activity_history;
// Content in the six UN languages.
mod m20261201_000160_content_translation;

/// Runs the coalition's migrations in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_accounts::Migration),
            Box::new(m20261125_000003_membership_workflow::Migration),
            Box::new(m20261125_000004_notifications::Migration),
            Box::new(m20261125_000005_meetings::Migration),
            Box::new(m20261125_000006_calendar_feeds::Migration),
            Box::new(m20261125_000007_meeting_exceptions::Migration),
            Box::new(m20261125_000008_agenda::Migration),
            Box::new(m20261125_000009_meeting_reminders::Migration),
            Box::new(m20261125_000010_person_search::Migration),
            Box::new(m20261130_000011_calendar_feed_last_used::Migration),
            Box::new(m20261130_000013_outbox_claims::Migration),
            Box::new(m20261130_000015_documents::Migration),
            Box::new(m20261130_000015_document_search::Migration),
            Box::new(m20261201_000120_document_search_index::Migration),
            Box::new(m20261201_000130_group_archiving::Migration),
            // Members managing themselves.
            Box::new(m20261201_000140_member_self_service::Migration),
            Box::new(m20261201_000155_occurrence_rsvp::Migration),
            // Notification inbox and activity history.
            Box::new(m20261201_000150_notification_inbox::Migration),
            Box::new(m20261201_000151_activity_history::Migration),
            // Content in the six UN languages.
            Box::new(m20261201_000160_content_translation::Migration),
        ]
    }
}
