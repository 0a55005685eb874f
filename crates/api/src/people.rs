//! GraphQL view of a person's public profile.

use async_graphql::{Context, ID, Object};
use coalition_domain::people::{self as domain, PersonId};
use coalition_domain::policy::{self, Action};

use crate::context::viewer;
use crate::error::ApiError;
use crate::ids::{NodeKind, global_id};
use crate::loaders::{AccountOf, MembershipsOf};
use crate::meetings::{CalendarFeed, MeetingOccurrence, calendar_feed_of, upcoming_meetings};
use crate::membership::{Membership, StakeholderType, UnescoRegion};

/// An expert taking part in the coalition. Email and gender are private: null for anyone
/// but the person and administrators.
pub(crate) struct Person(pub domain::Person);

impl Person {
    fn is_visible_privately(&self, ctx: &Context<'_>) -> bool {
        policy::allows(viewer(ctx), Action::ViewPrivateProfile(self.0.id))
    }
}

#[Object]
impl Person {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Person, self.0.id.0)
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// The sign-in address; only for the person themselves and administrators.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.is_visible_privately(ctx)
            .then(|| self.0.email.as_str())
    }

    /// Gender in the person's own words, if they gave it; only for the person themselves
    /// and administrators.
    async fn gender(&self, ctx: &Context<'_>) -> Option<&str> {
        if !self.is_visible_privately(ctx) {
            return None;
        }
        self.0.gender.as_ref().map(|gender| gender.as_str())
    }

    /// The organisation the person works for.
    async fn organisation(&self) -> &str {
        &self.0.organisation
    }

    /// Where the person is based: an ISO 3166-1 alpha-2 code.
    async fn country(&self) -> &str {
        self.0.country.as_str()
    }

    /// The English short name of the country.
    async fn country_name(&self) -> &'static str {
        self.0.country.name_en()
    }

    /// The UNESCO region of the country; none outside the Member States.
    async fn region(&self) -> Option<UnescoRegion> {
        self.0.region().map(Into::into)
    }

    /// The kind of organisation the person speaks for.
    async fn stakeholder_type(&self) -> StakeholderType {
        self.0.stakeholder_type.into()
    }

    /// The language the person reads the coalition in (ISO 639-1).
    async fn preferred_language(&self) -> &'static str {
        self.0.preferred_language.code()
    }

    /// The person's memberships, oldest first: active ones for everyone; all of them,
    /// pending and past included, for the person and administrators.
    async fn memberships(&self, ctx: &Context<'_>) -> Result<Vec<Membership>, ApiError> {
        Membership::of_person(ctx, self).await
    }

    /// The person's meetings in the coming `days` (30 by default): their groups' and
    /// the coalition's plenaries. For the person themselves and administrators.
    async fn upcoming_meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: i32,
    ) -> Result<Vec<MeetingOccurrence>, ApiError> {
        upcoming_meetings(ctx, self.0.id, days).await
    }

    /// Whether the person has a private calendar URL (`createCalendarFeed`), since when and
    /// when a calendar last read it; null when there is none, and for anyone but the person
    /// and administrators.
    async fn calendar_feed(&self, ctx: &Context<'_>) -> Result<Option<CalendarFeed>, ApiError> {
        calendar_feed_of(ctx, self.0.id).await
    }

    /// Whether the person administers the coalition (so a frontend knows which screens
    /// to show); only for the person themselves and administrators, null for others.
    async fn is_admin(&self, ctx: &Context<'_>) -> Result<Option<bool>, ApiError> {
        crate::administration::is_admin(ctx, self.0.id).await
    }

    /// Where the person's account stands (`UNVERIFIED`, `ACTIVE`, `DISABLED`); only for
    /// the person themselves and administrators, null for others.
    async fn account_status(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::administration::AccountStatus>, ApiError> {
        crate::administration::account_status_of(ctx, self.0.id).await
    }

    /// The person's IANA time zone.
    async fn time_zone(&self) -> &'static str {
        self.0.time_zone.name()
    }

    /// Whether the person's name appears on rosters seen from outside their groups; only
    /// for the person themselves and administrators, null for others.
    async fn listed_publicly(&self, ctx: &Context<'_>) -> Option<bool> {
        self.is_visible_privately(ctx)
            .then_some(self.0.listed_publicly)
    }

    /// The person's local working hours, if they gave them; only for the person
    /// themselves and administrators.
    async fn working_hours(&self, ctx: &Context<'_>) -> Option<crate::my_account::WorkingHours> {
        if !self.is_visible_privately(ctx) {
            return None;
        }
        self.0.working_hours.map(Into::into)
    }

    /// The action items the person owns, across groups, oldest first (optionally of one
    /// status); only for the person themselves (`me`), null for anyone else.
    async fn action_items(
        &self,
        ctx: &Context<'_>,
        status: Option<crate::agenda::ActionStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<crate::my_account::MyActionConnection>, ApiError> {
        crate::my_account::action_items_of(ctx, self.0.id, status, first, after).await
    }

    /// Open, unexpired invitations to the person's address, newest first, with their
    /// group and role (accept with `acceptInvitation` and the mailed token); only for the
    /// person themselves (`me`), null for anyone else.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<crate::membership::Invitation>>, ApiError> {
        crate::my_account::invitations_of(ctx, self.0.id).await
    }

    // Notification inbox.
    /// What the person was notified of (as `myNotifications` streams it, and while
    /// away), newest first, only the unread ones with `unreadOnly`; a page at a time
    /// (`first`/`after` toward older ones, `last`/`before` back toward newer ones); only
    /// for the person themselves (`me`), null for anyone else.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, newest first.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the page before.")] after: Option<String>,
        #[graphql(desc = "How many of the newer ones, reading backward.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the page after.")] before: Option<String>,
        #[graphql(desc = "Only those not yet read.", default)] unread_only: bool,
    ) -> Result<Option<crate::inbox::NotificationConnection>, ApiError> {
        let arguments = crate::inbox::InboxPageArguments {
            first,
            after,
            last,
            before,
        };
        crate::inbox::notifications_of(ctx, self.0.id, arguments, unread_only).await
    }

    /// How many of the person's notifications are unread; only for the person
    /// themselves (`me`), null for anyone else.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<Option<u64>, ApiError> {
        crate::inbox::unread_count_of(ctx, self.0.id).await
    }
}

/// The person `id`, if the viewer may see them: the decision of `Services::person_for`
/// (themselves, anyone for an administrator, otherwise through a membership the viewer
/// may see), on the request's batched reads, so that a list of people costs the same few
/// statements however long it is.
pub(crate) async fn visible_person(
    ctx: &Context<'_>,
    id: PersonId,
) -> Result<Option<coalition_domain::people::Person>, ApiError> {
    let loaders = crate::loaders::loaders(ctx)?;
    let Some(person) = loaders.one(id).await? else {
        return Ok(None);
    };
    let viewer = viewer(ctx);
    if coalition_services::membership::sees_person_directly(viewer, id) {
        return Ok(Some(person));
    }
    let (account, memberships) =
        futures_util::future::try_join(loaders.one(AccountOf(id)), loaders.one(MembershipsOf(id)))
            .await?;
    let visible = coalition_services::membership::visible_through_memberships(
        viewer,
        id,
        person.listed_publicly,
        account.as_ref(),
        &memberships.unwrap_or_default(),
    );
    Ok(visible.then_some(person))
}
