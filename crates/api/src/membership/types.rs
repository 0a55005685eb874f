//! GraphQL views of memberships, the enums they use, and the members connection.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::geography::CountryCode;
use coalition_domain::membership::{self as domain, MemberFilter, MembershipId};
use coalition_domain::pagination::PageRequest;
use coalition_domain::policy::{self, Action};
use coalition_store::Store;

use crate::coalition::WorkingGroup;
use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, global_id};
use crate::loaders::{MemberCount, MembersPage, MembershipsOf, loaders};
use crate::people::Person;

/// The kind of organisation an expert speaks for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::stakeholder::StakeholderType")]
pub(crate) enum StakeholderType {
    /// A government of a UNESCO Member State.
    MemberState,
    /// A National Commission for UNESCO.
    NationalCommission,
    /// An intergovernmental organisation.
    IntergovernmentalOrganisation,
    /// A UNESCO Category 2 Centre.
    Category2Centre,
    /// A specialised institution.
    SpecialisedInstitution,
    /// Civil society.
    CivilSociety,
    /// The private sector.
    PrivateSector,
    /// Universities and research institutions.
    AcademiaResearch,
}

/// UNESCO's five regions (not the UN M49 continents).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::geography::UnescoRegion")]
pub(crate) enum UnescoRegion {
    /// Africa.
    Africa,
    /// Arab States.
    ArabStates,
    /// Asia and the Pacific.
    AsiaAndThePacific,
    /// Europe and North America.
    EuropeAndNorthAmerica,
    /// Latin America and the Caribbean.
    LatinAmericaAndTheCaribbean,
}

/// What a person may do in a group.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::membership::MembershipRole")]
pub enum MembershipRole {
    /// Runs the group.
    Coordinator,
    /// Takes full part.
    Member,
    /// Reads without posting.
    Observer,
}

/// Where a membership stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::membership::MembershipStatus")]
pub enum MembershipStatus {
    /// Waiting for a coordinator.
    Pending,
    /// Taking part.
    Active,
    /// Turned down.
    Rejected,
    /// Left or removed.
    Ended,
}

/// Narrows a member list; every criterion given must hold.
#[derive(InputObject, Default)]
pub(crate) struct MemberFilterInput {
    /// Only memberships with this status (ACTIVE when not given). Other statuses are for
    /// the group's coordinators and administrators.
    status: Option<MembershipStatus>,
    /// Only members with this role.
    role: Option<MembershipRole>,
    /// Only members whose display name contains this text, ignoring case.
    search: Option<String>,
    /// Only members speaking for this kind of stakeholder.
    stakeholder_type: Option<StakeholderType>,
    /// Only members based in this country (ISO 3166-1 alpha-2, e.g. "KE").
    country: Option<String>,
    /// Only members based in this UNESCO region.
    region: Option<UnescoRegion>,
}

impl MemberFilterInput {
    /// A filter on status alone.
    pub(crate) fn with_status(status: MembershipStatus) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }

    fn into_domain(self) -> Result<MemberFilter, ApiError> {
        Ok(MemberFilter {
            stakeholder_type: self.stakeholder_type.map(Into::into),
            country: self
                .country
                .as_deref()
                .map(CountryCode::parse)
                .transpose()?,
            region: self.region.map(Into::into),
            status: self.status.map(Into::into),
            role: self.role.map(Into::into),
            name_contains: domain::parse_member_search(self.search)?,
            public_roster: None,
        })
    }
}

/// A person's place in a working group.
pub(crate) struct Membership(pub domain::Member);

impl Membership {
    /// Loads one membership with its person, for the person or coordinator who just
    /// changed it.
    pub(crate) async fn load(store: &Store, id: MembershipId) -> Result<Self, ApiError> {
        Ok(Membership(store.member(id).await?))
    }

    /// One membership, if the viewer may see it; otherwise "not found", so that a request
    /// or a past membership does not show it exists.
    pub(crate) async fn load_visible(
        ctx: &Context<'_>,
        id: MembershipId,
    ) -> Result<Self, ApiError> {
        let member = loaders(ctx)?
            .one(id)
            .await?
            .ok_or_else(|| ApiError::not_found("membership"))?;
        if !policy::allows(viewer(ctx), Action::read_membership(&member.membership)) {
            return Err(ApiError::not_found("membership"));
        }
        Ok(Membership(member))
    }

    /// A person's memberships, oldest first, as their profile lists them to the viewer.
    pub(crate) async fn of_person(
        ctx: &Context<'_>,
        person: &Person,
    ) -> Result<Vec<Self>, ApiError> {
        let viewer = viewer(ctx);
        let memberships = loaders(ctx)?
            .one(MembershipsOf(person.0.id))
            .await?
            .unwrap_or_default();
        Ok(memberships
            .into_iter()
            .filter(|membership| {
                policy::allows(
                    viewer,
                    Action::ReadMembershipsOfPerson {
                        person: membership.person_id,
                        status: membership.status,
                    },
                ) && policy::sees_member(
                    viewer,
                    membership.person_id,
                    person.0.listed_publicly,
                    membership.working_group_id,
                    membership.status,
                )
            })
            .map(|membership| {
                Membership(domain::Member {
                    membership,
                    person: person.0.clone(),
                })
            })
            .collect())
    }

    fn notes_are_visible(&self, ctx: &Context<'_>) -> bool {
        policy::allows(
            viewer(ctx),
            Action::ReadMembershipNotes {
                person: self.0.person.id,
                group: self.0.membership.working_group_id,
            },
        )
    }
}

#[Object]
impl Membership {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Membership, self.0.membership.id.0)
    }

    /// What the person may do in the group.
    async fn role(&self) -> MembershipRole {
        self.0.membership.role.into()
    }

    /// Where the membership stands.
    async fn status(&self) -> MembershipStatus {
        self.0.membership.status.into()
    }

    /// Since when the membership has had its current status.
    async fn since(&self) -> DateTime<Utc> {
        self.0.membership.since
    }

    /// The member.
    async fn person(&self) -> Person {
        Person(self.0.person.clone())
    }

    /// The group.
    async fn working_group(&self, ctx: &Context<'_>) -> Result<WorkingGroup, ApiError> {
        let group = loaders(ctx)?
            .one(self.0.membership.working_group_id)
            .await?;
        group
            .map(WorkingGroup)
            .ok_or(ApiError::not_found("working group"))
    }

    /// Why the person asked to join; for them, the group's coordinators and administrators.
    async fn motivation(&self, ctx: &Context<'_>) -> Option<&str> {
        self.notes_are_visible(ctx)
            .then_some(self.0.membership.motivation.as_deref())
            .flatten()
    }

    /// Why the request was turned down; for the same people as `motivation`.
    async fn decision_reason(&self, ctx: &Context<'_>) -> Option<&str> {
        self.notes_are_visible(ctx)
            .then_some(self.0.membership.decision_reason.as_deref())
            .flatten()
    }
}

/// Counts that come with a member list, counted only when asked for.
pub(crate) struct MemberListTotals(MemberCount);

#[Object]
impl MemberListTotals {
    /// How many members match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64, ApiError> {
        let count = loaders(ctx)?.one(self.0.clone()).await?;
        Ok(count.unwrap_or(0))
    }
}

/// Position in a member list; opaque to clients.
pub(crate) struct MemberCursor(i32);

impl MemberCursor {
    fn parse(raw: &str) -> Result<Self, ApiError> {
        crate::cursor::decode(raw, "member", "after").map(MemberCursor)
    }
}

impl CursorType for MemberCursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        Self::parse(raw).map_err(|error| error.message())
    }

    fn encode_cursor(&self) -> String {
        crate::cursor::encode("member", self.0)
    }
}

/// A page of members.
pub(crate) type MembershipConnection = Connection<MemberCursor, Membership, MemberListTotals>;

/// Resolves `WorkingGroup.members`.
pub(crate) async fn members_page(
    ctx: &Context<'_>,
    group: WorkingGroupId,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<MemberFilterInput>,
) -> Result<MembershipConnection, ApiError> {
    let api = api(ctx)?;
    let after = after.as_deref().map(MemberCursor::parse).transpose()?;
    let page = PageRequest::new(
        first,
        after.as_ref().map(|cursor| cursor.0),
        api.page_limits,
    )?;
    let mut filter = filter.unwrap_or_default().into_domain()?;
    let status = filter.status.unwrap_or(domain::MembershipStatus::Active);
    policy::ensure(viewer(ctx), Action::ReadMemberList { group, status })?;
    // Outside the group, the roster is the public one: who agreed to be on it (and the
    // viewer themselves). The count below uses the same filter, so it matches the list.
    if !policy::allows(viewer(ctx), Action::ReadUnlistedMembers(group)) {
        filter.public_roster = Some(domain::PublicRoster {
            besides: viewer(ctx).person_id(),
        });
    }
    let key = MembersPage {
        group,
        filter: filter.clone(),
        page,
    };
    let (items, has_next_page) = loaders(ctx)?.one(key).await?.unwrap_or_default();
    let mut connection = Connection::with_additional_fields(
        after.is_some(),
        has_next_page,
        MemberListTotals(MemberCount { group, filter }),
    );
    connection.edges.extend(
        items
            .into_iter()
            .map(|member| Edge::new(MemberCursor(member.membership.id.0), Membership(member))),
    );
    Ok(connection)
}
