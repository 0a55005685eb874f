//! Notification preferences, and the administrators' view of the mail outbox.

use coalition_domain::notifications::{
    DeliveryMode, NotificationCategory, OutboxStatus, check_preferences,
};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::OutboxMessage;

use crate::{ServiceError, Services};

/// Most outbox messages listed at once.
pub const MAX_OUTBOX_PAGE: u64 = 200;

impl Services {
    /// The signed-in person's delivery mode for every category.
    pub async fn notification_preferences(
        &self,
        viewer: &Viewer,
    ) -> Result<Vec<(NotificationCategory, DeliveryMode)>, ServiceError> {
        let person = crate::actor(viewer)?;
        Ok(self.store.notification_preferences(person).await?)
    }

    /// Changes the signed-in person's delivery modes; security mails stay on.
    pub async fn update_notification_preferences(
        &self,
        viewer: &Viewer,
        changes: Vec<(NotificationCategory, DeliveryMode)>,
    ) -> Result<Vec<(NotificationCategory, DeliveryMode)>, ServiceError> {
        let person = crate::actor(viewer)?;
        check_preferences(&changes)?;
        self.store
            .set_notification_preferences(person, &changes)
            .await?;
        Ok(self.store.notification_preferences(person).await?)
    }

    /// The newest outbox messages, optionally of one status. Administrators only.
    pub async fn outbox_messages(
        &self,
        viewer: &Viewer,
        status: Option<OutboxStatus>,
        limit: u64,
    ) -> Result<Vec<OutboxMessage>, ServiceError> {
        policy::ensure(viewer, Action::ReadOutbox)?;
        Ok(self
            .store
            .outbox_messages(status, limit.min(MAX_OUTBOX_PAGE))
            .await?)
    }

    /// Queues a failed message again. Administrators only.
    pub async fn retry_mail(
        &self,
        viewer: &Viewer,
        id: i32,
    ) -> Result<OutboxMessage, ServiceError> {
        policy::ensure(viewer, Action::AdministerAccounts)?;
        Ok(self.store.retry_mail(id).await?)
    }
}
