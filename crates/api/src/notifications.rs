//! Notification preferences, and the administrators' view of outgoing mail.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use coalition_store::OutboxMessage as StoredMessage;

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};

/// A kind of notification.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::notifications::NotificationCategory")]
pub(crate) enum NotificationCategory {
    /// Address verification and password resets: always sent.
    Security,
    /// Join requests, decisions and invitations.
    Membership,
    /// Meetings.
    Meetings,
    /// New documents.
    Documents,
}

/// How a category is delivered.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::notifications::DeliveryMode")]
pub(crate) enum DeliveryMode {
    /// One mail per notification, as it happens.
    Immediately,
    /// Gathered into one mail a day, at the configured hour of the person's time zone.
    DailyDigest,
    /// Not mailed.
    Off,
}

/// Where an outgoing mail stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::notifications::OutboxStatus")]
pub(crate) enum OutboxStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Held for a digest.
    Digest,
    /// Being sent.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
}

/// How one category reaches the person.
#[derive(SimpleObject)]
pub(crate) struct NotificationPreference {
    category: NotificationCategory,
    mode: DeliveryMode,
}

/// A change of one category's delivery.
#[derive(InputObject)]
pub(crate) struct NotificationPreferenceInput {
    category: NotificationCategory,
    mode: DeliveryMode,
}

fn preferences(
    list: Vec<(
        coalition_domain::notifications::NotificationCategory,
        coalition_domain::notifications::DeliveryMode,
    )>,
) -> Vec<NotificationPreference> {
    list.into_iter()
        .map(|(category, mode)| NotificationPreference {
            category: category.into(),
            mode: mode.into(),
        })
        .collect()
}

/// An outgoing mail, for administrators.
pub(crate) struct OutboxMessage(StoredMessage);

#[Object]
impl OutboxMessage {
    /// Its id in the outbox (for `retryMail`).
    async fn id(&self) -> ID {
        global_id(NodeKind::OutboxMessage, self.0.id)
    }
    /// The `Message-ID` header, the same on every attempt.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    /// Which preference governs it.
    async fn category(&self) -> NotificationCategory {
        self.0.category.into()
    }
    /// The recipient's address.
    async fn to(&self) -> &str {
        &self.0.to
    }
    /// The kind of mail.
    async fn template(&self) -> &str {
        self.0.kind.template()
    }
    /// Where it stands.
    async fn status(&self) -> OutboxStatus {
        self.0.status.into()
    }
    /// Attempts made.
    async fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// When it is (or was) due.
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the mail server accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}

/// Queries about notifications.
#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// How each category of notification reaches the signed-in person.
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<NotificationPreference>, ApiError> {
        let list = api(ctx)?
            .services
            .notification_preferences(viewer(ctx))
            .await?;
        Ok(preferences(list))
    }

    /// The newest outgoing mails, optionally of one status. Administrators only.
    async fn outbox_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only mails in this state; all when not given.")] status: Option<
            OutboxStatus,
        >,
        #[graphql(default = 50, desc = "At most 200.")] first: i32,
    ) -> Result<Vec<OutboxMessage>, ApiError> {
        if !(0..=200).contains(&first) {
            return Err(ApiError::invalid("first", "ask for 0 to 200 messages"));
        }
        let messages = api(ctx)?
            .services
            .outbox_messages(
                viewer(ctx),
                status.map(Into::into),
                u64::try_from(first).unwrap_or(0),
            )
            .await?;
        Ok(messages.into_iter().map(OutboxMessage).collect())
    }
}

/// Notification changes.
#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Changes how categories reach the signed-in person; security mails cannot be turned
    /// off. Returns every category's setting.
    async fn update_notification_preferences(
        &self,
        ctx: &Context<'_>,
        preferences: Vec<NotificationPreferenceInput>,
    ) -> Result<Vec<NotificationPreference>, ApiError> {
        let changes = preferences
            .into_iter()
            .map(|change| (change.category.into(), change.mode.into()))
            .collect();
        let list = api(ctx)?
            .services
            .update_notification_preferences(viewer(ctx), changes)
            .await?;
        Ok(self::preferences(list))
    }

    /// Queues a failed mail again, due now. Administrators only.
    async fn retry_mail(&self, ctx: &Context<'_>, id: ID) -> Result<OutboxMessage, ApiError> {
        let id = decode_id_of(NodeKind::OutboxMessage, &id, "id")?;
        let message = api(ctx)?.services.retry_mail(viewer(ctx), id).await?;
        Ok(OutboxMessage(message))
    }
}
