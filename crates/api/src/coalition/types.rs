//! GraphQL views of the coalition, areas of action and working groups.

use crate::history::{ActivityConnection, history_page};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use coalition_domain::coalition as domain;
use coalition_services::history::HistoryScope;
use coalition_store::DocumentOwner;

use crate::context::api;
use crate::documents::{DocumentConnection, documents_page};
use crate::error::ApiError;
use crate::ids::{NodeKind, global_id};
use crate::language::localise;
use crate::loaders::{BalanceOf, GroupOfArea, loaders};
use crate::meetings::{MeetingOccurrence, group_meetings};
use crate::membership::{
    Balance, JoinPolicy, MemberFilterInput, MembershipConnection, MembershipStatus, members_page,
};
use crate::membership::{InvitationConnection, InvitationStatus, invitations_page};

/// The umbrella network that oversees the working groups.
pub(crate) struct Coalition(pub domain::Coalition);

#[Object]
impl Coalition {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Coalition, self.0.id.0)
    }

    /// Stable, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Full name, in `lang` or the request's language.
    async fn name(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise(
            ctx,
            ("coalition", self.0.id.0, "name"),
            &self.0.name,
            lang.as_deref(),
        )
        .await
    }

    /// What the coalition is for.
    async fn description(
        &self,
        ctx: &Context<'_>,
        lang: Option<String>,
    ) -> Result<String, ApiError> {
        localise(
            ctx,
            ("coalition", self.0.id.0, "description"),
            &self.0.description,
            lang.as_deref(),
        )
        .await
    }

    /// When the coalition was launched.
    async fn launched_on(&self) -> NaiveDate {
        self.0.launched_on
    }

    /// The five areas of action of the UNESCO Recommendation on OER, by number.
    async fn areas_of_action(&self, ctx: &Context<'_>) -> Result<Vec<AreaOfAction>, ApiError> {
        let areas = api(ctx)?.store.areas_of_action().await?;
        Ok(areas.into_iter().map(AreaOfAction).collect())
    }

    /// The coalition's working groups, in the order of their areas of action; archived
    /// ones only for administrators.
    async fn working_groups(&self, ctx: &Context<'_>) -> Result<Vec<WorkingGroup>, ApiError> {
        listed_groups(ctx).await
    }

    /// How the coalition's active members (each counted once, whatever their groups)
    /// spread over stakeholder types, regions and genders.
    async fn balance(&self, ctx: &Context<'_>) -> Result<Balance, ApiError> {
        Ok(Balance(api(ctx)?.store.balance(None).await?))
    }

    /// The coalition's calendar: the occurrences between `from` and `to` (at most 366
    /// days, at most 500 occurrences) of every meeting the viewer may see, plenaries and
    /// every group's, in order. Anonymous visitors see the public ones; members also the
    /// coalition-wide ones and their own groups' internal ones. Cancelled occurrences stay,
    /// with `status: CANCELLED`.
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MeetingOccurrence>, ApiError> {
        crate::meetings::coalition_meetings(ctx, from, to).await
    }

    /// The coalition's own documents (of no group) the viewer may see, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<DocumentConnection, ApiError> {
        documents_page(ctx, DocumentOwner::Coalition, None, first, after).await
    }

    /// What happened across the coalition, newest first: coalition-wide entries for
    /// everyone, each group's internals for those who follow that group, one's own account
    /// events for oneself (administrators see all).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ActivityConnection, ApiError> {
        history_page(ctx, HistoryScope::Coalition, first, after).await
    }
}

/// The groups a list shows the viewer: archived ones only to administrators.
pub(crate) async fn listed_groups(ctx: &Context<'_>) -> Result<Vec<WorkingGroup>, ApiError> {
    let groups = api(ctx)?.store.working_groups().await?;
    let with_archived = coalition_domain::policy::allows(
        crate::context::viewer(ctx),
        coalition_domain::policy::Action::AdministerCoalition,
    );
    Ok(groups
        .into_iter()
        .filter(|group| with_archived || group.archived_at.is_none())
        .map(WorkingGroup)
        .collect())
}

/// An area of action of the UNESCO Recommendation on Open Educational Resources (2019).
pub(crate) struct AreaOfAction(pub domain::AreaOfAction);

#[Object]
impl AreaOfAction {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::AreaOfAction, self.0.id.0)
    }

    /// Its number in the Recommendation, 1 to 5.
    async fn number(&self) -> i16 {
        self.0.number
    }

    /// The area's title, in `lang` or the request's language.
    async fn name(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise(
            ctx,
            ("area", self.0.id.0, "name"),
            &self.0.name,
            lang.as_deref(),
        )
        .await
    }

    /// The working group that carries this area; none for the area the coalition carries
    /// itself (international cooperation).
    async fn working_group(&self, ctx: &Context<'_>) -> Result<Option<WorkingGroup>, ApiError> {
        let group = loaders(ctx)?.one(GroupOfArea(self.0.id)).await?;
        Ok(group.map(WorkingGroup))
    }
}

/// An expert working group, tied to one area of action.
pub(crate) struct WorkingGroup(pub domain::WorkingGroup);

#[Object]
impl WorkingGroup {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::WorkingGroup, self.0.id.0)
    }

    /// Stable, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Short name, in `lang` or the request's language.
    async fn name(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise(
            ctx,
            ("group", self.0.id.0, "name"),
            &self.0.name,
            lang.as_deref(),
        )
        .await
    }

    /// One or two sentences on what the group does.
    async fn summary(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise(
            ctx,
            ("group", self.0.id.0, "summary"),
            &self.0.summary,
            lang.as_deref(),
        )
        .await
    }

    /// What the coalition asks of the group.
    async fn mandate(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise(
            ctx,
            ("group", self.0.id.0, "mandate"),
            &self.0.mandate,
            lang.as_deref(),
        )
        .await
    }

    /// The area of action the group works on.
    async fn area(&self, ctx: &Context<'_>) -> Result<AreaOfAction, ApiError> {
        let area = loaders(ctx)?.one(self.0.area_id).await?;
        area.map(AreaOfAction)
            .ok_or(ApiError::not_found("area of action"))
    }

    /// When the group was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When an administrator archived the group; null while it is active. An archived
    /// group is left out of lists (but for administrators) and takes no new members,
    /// invitations or meetings.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }

    /// The group's invitations, newest first, of one status or all. Coordinators and
    /// administrators.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only invitations standing so; all when not given.")] status: Option<
            InvitationStatus,
        >,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<InvitationConnection, ApiError> {
        invitations_page(ctx, self.0.id, status, first, after).await
    }

    /// Whether requests to join need a coordinator's approval.
    async fn join_policy(&self) -> JoinPolicy {
        self.0.join_policy.into()
    }

    /// How the group's active members spread over stakeholder types, regions and genders.
    async fn balance(&self, ctx: &Context<'_>) -> Result<Balance, ApiError> {
        let report = loaders(ctx)?.one(BalanceOf(self.0.id)).await?;
        report
            .map(Balance)
            .ok_or(ApiError::not_found("working group"))
    }

    /// The occurrences of the group's meetings between `from` and `to` (at most 366 days),
    /// the viewer may see, in order; series are expanded in their organiser's time zone.
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MeetingOccurrence>, ApiError> {
        group_meetings(ctx, self.0.id, from, to).await
    }

    /// Requests waiting for a decision, oldest first. Coordinators and administrators.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn pending_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MembershipConnection, ApiError> {
        let filter = MemberFilterInput::with_status(MembershipStatus::Pending);
        members_page(ctx, self.0.id, first, after, Some(filter)).await
    }

    /// The group's members, in the order they joined, a page at a time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list; every criterion given must hold.")] filter: Option<
            MemberFilterInput,
        >,
    ) -> Result<MembershipConnection, ApiError> {
        members_page(ctx, self.0.id, first, after, filter).await
    }

    /// The group's documents the viewer may see (archived ones left out), newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<DocumentConnection, ApiError> {
        let owner = DocumentOwner::Group(self.0.id);
        documents_page(ctx, owner, Some(self.0.id), first, after).await
    }

    /// What happened in the group, newest first, as `groupActivity` streams it: for the
    /// group's members, observers and coordinators, and administrators.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ActivityConnection, ApiError> {
        history_page(ctx, HistoryScope::Group(self.0.id), first, after).await
    }
}
