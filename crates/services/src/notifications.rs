//! Notification preferences, and the administrators' view of the mail outbox.

use coalition_domain::notifications::{
    DeliveryMode, NotificationCategory, OutboxStatus, UnsubscribeTicket, check_preferences,
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

    // One-click unsubscribe (pages and languages).
    /// Reads an unsubscribe link's ticket (for the page that confirms it); `NOT_FOUND`
    /// for a token that is not one this server sealed.
    pub fn unsubscribe_ticket(&self, token: &str) -> Result<UnsubscribeTicket, ServiceError> {
        UnsubscribeTicket::open(token, &self.accounts.token_key)
            .ok_or(ServiceError::NotFound("unsubscribe link"))
    }

    /// Turns off the category an unsubscribe link names, for the person it names, without
    /// signing in (the sealed ticket is the credential; RFC 8058). Idempotent.
    pub async fn unsubscribe(&self, token: &str) -> Result<UnsubscribeTicket, ServiceError> {
        let ticket = self.unsubscribe_ticket(token)?;
        check_preferences(&[(ticket.category, DeliveryMode::Off)])?;
        self.store
            .set_notification_preferences(ticket.person, &[(ticket.category, DeliveryMode::Off)])
            .await?;
        Ok(ticket)
    }
}

// Notification settings page (pages, second part).
impl Services {
    /// The delivery modes of the person an unsubscribe link names, for the settings page
    /// it leads to (the sealed ticket is the credential); `NOT_FOUND` for a bad token.
    pub async fn ticket_preferences(
        &self,
        token: &str,
    ) -> Result<Vec<(NotificationCategory, DeliveryMode)>, ServiceError> {
        let ticket = self.unsubscribe_ticket(token)?;
        Ok(self.store.notification_preferences(ticket.person).await?)
    }

    /// Changes the delivery modes of the person an unsubscribe link names; security mails
    /// stay on.
    pub async fn update_ticket_preferences(
        &self,
        token: &str,
        changes: Vec<(NotificationCategory, DeliveryMode)>,
    ) -> Result<Vec<(NotificationCategory, DeliveryMode)>, ServiceError> {
        let ticket = self.unsubscribe_ticket(token)?;
        check_preferences(&changes)?;
        self.store
            .set_notification_preferences(ticket.person, &changes)
            .await?;
        Ok(self.store.notification_preferences(ticket.person).await?)
    }
}
