//! The notification inbox: `me.notifications`, `me.unreadNotificationCount` and marking
//! them read.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use coalition_domain::inbox::{Notification as StoredNotification, NotificationId};
use coalition_domain::pagination::PageWindow;
use coalition_domain::people::PersonId;

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::live::ActivityEvent;
use crate::notifications::NotificationCategory;

/// Something the signed-in person was told of.
pub(crate) struct Notification(StoredNotification);

#[Object]
impl Notification {
    /// Opaque global ID, for `markNotificationsRead`.
    async fn id(&self) -> ID {
        global_id(NodeKind::Notification, self.0.id.0)
    }
    /// When it was delivered: when the change happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the person marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    /// Whether it was marked read.
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }
    /// Its category, as for mail preferences.
    async fn category(&self) -> NotificationCategory {
        self.0.category.into()
    }
    /// What happened, as `myNotifications` streams it.
    async fn event(&self) -> ActivityEvent {
        ActivityEvent::from(self.0.event.clone())
    }
}

/// Position in a person's notifications; opaque to clients.
pub(crate) struct NotificationCursor(i32);

impl NotificationCursor {
    fn parse(raw: &str, argument: &'static str) -> Result<Self, ApiError> {
        crate::cursor::decode(raw, "notification", argument).map(NotificationCursor)
    }
}

impl CursorType for NotificationCursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        Self::parse(raw, "after").map_err(|error| error.message())
    }

    fn encode_cursor(&self) -> String {
        crate::cursor::encode("notification", self.0)
    }
}

/// Counts that come with a page of notifications.
#[derive(SimpleObject)]
pub(crate) struct NotificationTotals {
    /// How many notifications match, across all pages.
    total_count: u64,
}

/// A page of one's notifications, newest first.
pub(crate) type NotificationConnection =
    Connection<NotificationCursor, Notification, NotificationTotals>;

/// Which page of the inbox a client asks for: Relay's arguments as they came.
pub(crate) struct InboxPageArguments {
    /// Page size, reading forward (older).
    pub(crate) first: Option<i32>,
    /// The `endCursor` of the page before.
    pub(crate) after: Option<String>,
    /// Page size, reading backward (newer).
    pub(crate) last: Option<i32>,
    /// The `startCursor` of the page after.
    pub(crate) before: Option<String>,
}

/// Resolves `Person.notifications`: for the person themselves only.
pub(crate) async fn notifications_of(
    ctx: &Context<'_>,
    person: PersonId,
    arguments: InboxPageArguments,
    unread_only: bool,
) -> Result<Option<NotificationConnection>, ApiError> {
    let viewer = viewer(ctx);
    if viewer.person_id() != Some(person) {
        return Ok(None);
    }
    let api = api(ctx)?;
    let cursor = |raw: Option<String>, argument| {
        raw.as_deref()
            .map(|raw| NotificationCursor::parse(raw, argument).map(|cursor| cursor.0))
            .transpose()
    };
    let window = PageWindow::new(
        arguments.first,
        cursor(arguments.after, "after")?,
        arguments.last,
        cursor(arguments.before, "before")?,
        api.page_limits,
    )?;
    let notifications = api
        .services
        .my_notification_inbox(viewer, unread_only, window)
        .await?;
    let mut connection = Connection::with_additional_fields(
        notifications.has_previous_page,
        notifications.has_next_page,
        NotificationTotals {
            total_count: notifications.total_count,
        },
    );
    connection.edges.extend(
        notifications
            .items
            .into_iter()
            .map(|item| Edge::new(NotificationCursor(item.id.0), Notification(item))),
    );
    Ok(Some(connection))
}

/// Resolves `Person.unreadNotificationCount`: for the person themselves only.
pub(crate) async fn unread_count_of(
    ctx: &Context<'_>,
    person: PersonId,
) -> Result<Option<u64>, ApiError> {
    let viewer = viewer(ctx);
    if viewer.person_id() != Some(person) {
        return Ok(None);
    }
    let count = api(ctx)?.services.unread_notification_count(viewer).await?;
    Ok(Some(count))
}

/// Marking one's notifications read.
#[derive(Default)]
pub struct InboxMutation;

#[Object]
impl InboxMutation {
    /// Marks the signed-in person's notifications `ids` read; returns how many were still
    /// unread. Marking again changes nothing. `NOT_FOUND`, and nothing marked, when any
    /// is not theirs.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<u64, ApiError> {
        let ids = ids
            .iter()
            .map(|id| decode_id_of(NodeKind::Notification, id, "ids").map(NotificationId))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(api(ctx)?
            .services
            .mark_notifications_read(viewer(ctx), &ids)
            .await?)
    }

    /// Marks all the signed-in person's notifications read; returns how many were unread.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> Result<u64, ApiError> {
        Ok(api(ctx)?
            .services
            .mark_all_notifications_read(viewer(ctx))
            .await?)
    }
}
