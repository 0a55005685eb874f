//! The secretariat's screens: working groups set up, described, archived and restored;
//! the coalition's and the areas' texts; the people directory and administrators; and the
//! invitation preview the accept page shows before anyone signs in.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use coalition_domain::accounts::AccountStatus as DomainAccountStatus;
use coalition_domain::coalition::{AreaId, GroupChanges, Translation, WorkingGroupId};
use coalition_domain::geography::CountryCode;
use coalition_domain::pagination::PageWindow;
use coalition_domain::people::PersonId;
use coalition_services::administration::{InvitationPreview as Preview, NewGroup};
use coalition_store::PeopleFilter;

use crate::coalition::{AreaOfAction, Coalition, WorkingGroup};
use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of};
use crate::membership::{JoinPolicy, MembershipRole, StakeholderType, UnescoRegion};
use crate::people::Person;

/// A text in one language.
#[derive(InputObject)]
pub(crate) struct TranslationInput {
    /// The language: "ar", "zh", "en", "fr", "ru", "es" or a tag such as "fr-CA".
    lang: String,
    /// The text; empty removes the translation (English cannot be removed).
    text: String,
}

/// The translations a client sent, as the domain takes them.
pub(crate) fn translations(input: Option<Vec<TranslationInput>>) -> Vec<Translation> {
    input
        .unwrap_or_default()
        .into_iter()
        .map(|t| Translation {
            lang: t.lang,
            text: t.text,
        })
        .collect()
}

/// A new working group.
#[derive(InputObject)]
pub(crate) struct CreateWorkingGroupInput {
    /// The area of action it works on (each area has at most one group).
    area_id: ID,
    /// Stable, URL-safe name, unique: lower-case letters, digits and hyphens.
    slug: String,
    /// Short name per language; English required.
    name: Vec<TranslationInput>,
    /// One or two sentences on what the group does, per language; English required.
    summary: Vec<TranslationInput>,
    /// What the coalition asks of the group, per language; English required.
    mandate: Vec<TranslationInput>,
    /// How people join; `MODERATED` when not given.
    join_policy: Option<JoinPolicy>,
    /// The first coordinator: a person whose address is verified and whose account is
    /// enabled.
    coordinator_id: ID,
}

/// Changes to a working group; what is not given stays as it is.
#[derive(InputObject)]
pub(crate) struct UpdateWorkingGroupInput {
    /// Another area of action.
    area_id: Option<ID>,
    /// Another slug.
    slug: Option<String>,
    /// Translations of the name to set.
    name: Option<Vec<TranslationInput>>,
    /// Translations of the summary to set.
    summary: Option<Vec<TranslationInput>>,
    /// Translations of the mandate to set.
    mandate: Option<Vec<TranslationInput>>,
    /// Another join policy.
    join_policy: Option<JoinPolicy>,
}

/// Where an account stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::accounts::AccountStatus")]
pub(crate) enum AccountStatus {
    /// Signed up, address not confirmed: cannot sign in.
    Unverified,
    /// Confirmed and enabled.
    Active,
    /// Disabled by an administrator.
    Disabled,
    /// A coalition administrator (as a filter; an account's own status is never this).
    Admin,
}

fn group_id(id: &ID, argument: &'static str) -> Result<WorkingGroupId, ApiError> {
    Ok(WorkingGroupId(decode_id_of(
        NodeKind::WorkingGroup,
        id,
        argument,
    )?))
}

fn area_id(id: &ID, argument: &'static str) -> Result<AreaId, ApiError> {
    Ok(AreaId(decode_id_of(NodeKind::AreaOfAction, id, argument)?))
}

fn person_id(id: &ID, argument: &'static str) -> Result<PersonId, ApiError> {
    Ok(PersonId(decode_id_of(NodeKind::Person, id, argument)?))
}

/// Counts that come with the people directory.
#[derive(SimpleObject)]
pub(crate) struct PeopleTotals {
    /// How many people match, across all pages.
    total_count: u64,
}

/// Position in the people directory; opaque to clients.
pub(crate) struct PersonCursor(i32);

impl PersonCursor {
    fn parse(raw: &str, argument: &'static str) -> Result<Self, ApiError> {
        crate::cursor::decode(raw, "person", argument).map(PersonCursor)
    }
}

impl CursorType for PersonCursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        Self::parse(raw, "after").map_err(|error| error.message())
    }

    fn encode_cursor(&self) -> String {
        crate::cursor::encode("person", self.0)
    }
}

/// A page of the people directory.
pub(crate) type PersonConnection = Connection<PersonCursor, Person, PeopleTotals>;

/// What an invitation offers, shown before signing in.
pub(crate) struct InvitationPreview(Preview);

#[Object]
impl InvitationPreview {
    /// The group the invitation is to.
    async fn working_group(&self) -> WorkingGroup {
        WorkingGroup(self.0.group.clone())
    }

    /// The role offered.
    async fn role(&self) -> MembershipRole {
        self.0.invitation.role.into()
    }

    /// The name of whoever sent it; null when that account no longer exists.
    async fn inviter_name(&self) -> Option<&str> {
        self.0.inviter_name.as_deref()
    }

    /// When the link stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.invitation.expires_at
    }
}

/// The administrators' queries, and the invitation preview.
#[derive(Default)]
pub struct AdministrationQuery;

#[Object]
impl AdministrationQuery {
    /// Everyone with an account, by the order they signed up, a page at a time
    /// (`first`/`after` forward, `last`/`before` backward). Administrators only.
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words each found in the name or the address (at most 200 characters).")]
        query: Option<String>,
        #[graphql(desc = "ISO 3166-1 alpha-2 code of the country people are based in.")]
        country: Option<String>,
        #[graphql(desc = "The UNESCO region people are based in.")] region: Option<UnescoRegion>,
        #[graphql(desc = "The kind of stakeholder people speak for.")] stakeholder_type: Option<
            StakeholderType,
        >,
        #[graphql(desc = "Where their accounts stand; `ADMIN`: the administrators.")]
        status: Option<AccountStatus>,
        #[graphql(desc = "Page size, reading forward.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Page size, reading backward.")] last: Option<i32>,
        #[graphql(desc = "The `startCursor` of the next page.")] before: Option<String>,
    ) -> Result<PersonConnection, ApiError> {
        let api = api(ctx)?;
        if query.as_deref().is_some_and(|q| q.chars().count() > 200) {
            return Err(ApiError::invalid("query", "use at most 200 characters"));
        }
        let after = after
            .as_deref()
            .map(|raw| PersonCursor::parse(raw, "after"))
            .transpose()?;
        let before = before
            .as_deref()
            .map(|raw| PersonCursor::parse(raw, "before"))
            .transpose()?;
        let window = PageWindow::new(
            first,
            after.map(|cursor| cursor.0),
            last,
            before.map(|cursor| cursor.0),
            api.page_limits,
        )?;
        let filter = PeopleFilter {
            query,
            country: country.as_deref().map(CountryCode::parse).transpose()?,
            region: region.map(Into::into),
            stakeholder_type: stakeholder_type.map(Into::into),
            status: status.map(Into::into),
        };
        let page = api
            .services
            .people_directory(viewer(ctx), &filter, window)
            .await?;
        let mut connection = Connection::with_additional_fields(
            page.has_previous_page,
            page.has_next_page,
            PeopleTotals {
                total_count: page.total_count,
            },
        );
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|(person, _)| Edge::new(PersonCursor(person.id.0), Person(person))),
        );
        Ok(connection)
    }

    /// What an invitation's token offers (group, role, who sent it, expiry), for the
    /// accept page before signing in. `NOT_FOUND` for any token that is not an open
    /// invitation to an active group, whatever the reason.
    async fn invitation_preview(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<InvitationPreview, ApiError> {
        Ok(InvitationPreview(
            api(ctx)?.services.invitation_preview(&token).await?,
        ))
    }
}

/// The administrators' changes.
#[derive(Default)]
pub struct AdministrationMutation;

#[Object]
impl AdministrationMutation {
    /// Creates a working group with its first coordinator. Administrators only; a taken
    /// slug or area is `CONFLICT`.
    async fn create_working_group(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkingGroupInput,
    ) -> Result<WorkingGroup, ApiError> {
        let new = NewGroup {
            area_id: area_id(&input.area_id, "areaId")?,
            slug: input.slug,
            name: translations(Some(input.name)),
            summary: translations(Some(input.summary)),
            mandate: translations(Some(input.mandate)),
            join_policy: input.join_policy.map(Into::into),
            coordinator: person_id(&input.coordinator_id, "coordinatorId")?,
        };
        let group = api(ctx)?
            .services
            .create_working_group(viewer(ctx), new)
            .await?;
        Ok(WorkingGroup(group))
    }

    /// Changes a group's texts, area, slug or join policy. Administrators only.
    async fn update_working_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWorkingGroupInput,
    ) -> Result<WorkingGroup, ApiError> {
        let group = group_id(&id, "id")?;
        let changes = GroupChanges {
            area_id: input
                .area_id
                .as_ref()
                .map(|id| area_id(id, "areaId"))
                .transpose()?,
            slug: input.slug,
            name: translations(input.name),
            summary: translations(input.summary),
            mandate: translations(input.mandate),
            join_policy: input.join_policy.map(Into::into),
        };
        let group = api(ctx)?
            .services
            .update_working_group(viewer(ctx), group, changes)
            .await?;
        Ok(WorkingGroup(group))
    }

    /// Archives a group: it leaves the lists (but for administrators), stays readable by
    /// its ID with its history, and takes no new members, invitations or meetings.
    /// Administrators only.
    async fn archive_working_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<WorkingGroup, ApiError> {
        let group = group_id(&id, "id")?;
        let group = api(ctx)?
            .services
            .set_group_archived(viewer(ctx), group, true)
            .await?;
        Ok(WorkingGroup(group))
    }

    /// Restores an archived group. Administrators only.
    async fn restore_working_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<WorkingGroup, ApiError> {
        let group = group_id(&id, "id")?;
        let group = api(ctx)?
            .services
            .set_group_archived(viewer(ctx), group, false)
            .await?;
        Ok(WorkingGroup(group))
    }

    /// Sets translations of the coalition's name and description. Administrators only.
    async fn update_coalition(
        &self,
        ctx: &Context<'_>,
        name: Option<Vec<TranslationInput>>,
        description: Option<Vec<TranslationInput>>,
    ) -> Result<Coalition, ApiError> {
        let coalition = api(ctx)?
            .services
            .update_coalition(viewer(ctx), &translations(name), &translations(description))
            .await?;
        Ok(Coalition(coalition))
    }

    /// Sets translations of an area of action's name. Administrators only.
    async fn update_area_of_action(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Vec<TranslationInput>,
    ) -> Result<AreaOfAction, ApiError> {
        let area = area_id(&id, "id")?;
        let area = api(ctx)?
            .services
            .update_area_of_action(viewer(ctx), area, &translations(Some(name)))
            .await?;
        Ok(AreaOfAction(area))
    }

    /// Makes a person an administrator. Administrators only.
    async fn grant_admin(&self, ctx: &Context<'_>, person_id: ID) -> Result<Person, ApiError> {
        let person = self::person_id(&person_id, "personId")?;
        let person = api(ctx)?
            .services
            .set_admin(viewer(ctx), person, true)
            .await?;
        Ok(Person(person))
    }

    /// Takes a person's administrator rights away. Administrators only; the coalition
    /// keeps at least one enabled administrator (`CONFLICT`).
    async fn revoke_admin(&self, ctx: &Context<'_>, person_id: ID) -> Result<Person, ApiError> {
        let person = self::person_id(&person_id, "personId")?;
        let person = api(ctx)?
            .services
            .set_admin(viewer(ctx), person, false)
            .await?;
        Ok(Person(person))
    }
}

/// `Person.accountStatus`: for the person and administrators.
pub(crate) async fn account_status_of(
    ctx: &Context<'_>,
    person: PersonId,
) -> Result<Option<AccountStatus>, ApiError> {
    let viewer = viewer(ctx);
    if !coalition_domain::policy::allows(
        viewer,
        coalition_domain::policy::Action::ViewPrivateProfile(person),
    ) {
        return Ok(None);
    }
    let account = account_of(ctx, person).await?;
    let status: DomainAccountStatus = account.status();
    Ok(Some(status.into()))
}

/// `Person.isAdmin`: for the person (from the session) and administrators.
pub(crate) async fn is_admin(
    ctx: &Context<'_>,
    person: PersonId,
) -> Result<Option<bool>, ApiError> {
    let viewer = viewer(ctx);
    if let Some(signed_in) = viewer.signed_in()
        && signed_in.person == person
    {
        return Ok(Some(signed_in.is_admin));
    }
    if !coalition_domain::policy::allows(
        viewer,
        coalition_domain::policy::Action::ViewPrivateProfile(person),
    ) {
        return Ok(None);
    }
    Ok(Some(account_of(ctx, person).await?.is_admin))
}

/// A person's account through the request's loaders, so that a page of people reads
/// their accounts in one statement.
async fn account_of(
    ctx: &Context<'_>,
    person: PersonId,
) -> Result<coalition_domain::accounts::Account, ApiError> {
    crate::loaders::loaders(ctx)?
        .one(crate::loaders::AccountOf(person))
        .await?
        .ok_or_else(|| ApiError::not_found("account"))
}
