//! The notification inbox: what a person was told while away, read and marked read by
//! them alone.

use coalition_domain::inbox::{Notification, NotificationId};
use coalition_domain::pagination::{PageWindow, WindowPage};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action, Viewer};

use crate::{ServiceError, Services};

/// The signed-in person, allowed to read their own notifications.
fn owner(viewer: &Viewer) -> Result<PersonId, ServiceError> {
    let me = crate::actor(viewer)?;
    policy::ensure(viewer, Action::ReadOwnNotifications)?;
    Ok(me)
}

impl Services {
    /// A page of the viewer's notifications, newest first.
    pub async fn my_notification_inbox(
        &self,
        viewer: &Viewer,
        unread_only: bool,
        window: PageWindow,
    ) -> Result<WindowPage<Notification>, ServiceError> {
        let me = owner(viewer)?;
        Ok(self.store.notifications_of(me, unread_only, window).await?)
    }

    /// How many of the viewer's notifications are unread.
    pub async fn unread_notification_count(&self, viewer: &Viewer) -> Result<u64, ServiceError> {
        let me = owner(viewer)?;
        Ok(self.store.unread_notification_count(me).await?)
    }

    /// Marks some of the viewer's notifications read; returns how many were unread.
    /// `NOT_FOUND` (and nothing marked) when any is not theirs.
    pub async fn mark_notifications_read(
        &self,
        viewer: &Viewer,
        ids: &[NotificationId],
    ) -> Result<u64, ServiceError> {
        let me = owner(viewer)?;
        Ok(self.store.mark_notifications_read(me, ids).await?)
    }

    /// Marks all the viewer's notifications read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self, viewer: &Viewer) -> Result<u64, ServiceError> {
        let me = owner(viewer)?;
        Ok(self.store.mark_all_notifications_read(me).await?)
    }
}
