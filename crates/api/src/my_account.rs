//! Members managing themselves: their profile, sign-in address, privacy, a copy of their
//! data, deleting the account, and what is theirs across groups (action items, invitations).

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::types::Json;
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use coalition_domain::pagination::PageRequest;
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action};
use coalition_services::self_service::ProfileForm;

use crate::agenda::{ActionItem, ActionStatus};
use crate::context::{api, client_address, viewer};
use crate::error::ApiError;
use crate::membership::{Invitation, StakeholderType};
use crate::people::Person;

/// Local working hours, Monday to Friday, in the person's time zone.
#[derive(InputObject, SimpleObject, Clone, Copy)]
#[graphql(input_name = "WorkingHoursInput")]
pub(crate) struct WorkingHours {
    /// First working hour, 0–23.
    pub start_hour: i32,
    /// Hour the working day ends, 1–24; after `startHour`.
    pub end_hour: i32,
}

impl From<coalition_domain::scheduling::WorkingHours> for WorkingHours {
    fn from(hours: coalition_domain::scheduling::WorkingHours) -> Self {
        Self {
            start_hour: i32::try_from(hours.start_hour).unwrap_or(0),
            end_hour: i32::try_from(hours.end_hour).unwrap_or(24),
        }
    }
}

/// A person's changes to their own profile: fields left out stay as they are.
#[derive(InputObject, Default)]
pub(crate) struct UpdateProfileInput {
    /// The name shown to others.
    display_name: Option<String>,
    /// The organisation the person works for.
    organisation: Option<String>,
    /// ISO 3166-1 alpha-2 code of the country the person is based in.
    country: Option<String>,
    /// The kind of organisation the person speaks for.
    stakeholder_type: Option<StakeholderType>,
    /// In the person's own words; null (or blank) clears it.
    gender: MaybeUndefined<String>,
    /// The language of mails and of content by default.
    preferred_language: Option<String>,
    /// IANA time zone, e.g. "Africa/Nairobi": where slot suggestions, reminders and
    /// digests put the person's day.
    time_zone: Option<String>,
    /// Local working hours, counted by slot suggestions; null clears them (the
    /// suggestion's own hours apply then).
    working_hours: MaybeUndefined<WorkingHours>,
    /// Whether the name appears on rosters seen from outside the person's groups
    /// (anonymous visitors and other groups' members); the person's own groups always
    /// see it.
    listed_publicly: Option<bool>,
}

impl UpdateProfileInput {
    fn into_form(self) -> ProfileForm {
        ProfileForm {
            display_name: self.display_name,
            organisation: self.organisation,
            country: self.country,
            stakeholder_type: self.stakeholder_type.map(Into::into),
            gender: match self.gender {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(String::new()),
                MaybeUndefined::Value(gender) => Some(gender),
            },
            preferred_language: self.preferred_language,
            time_zone: self.time_zone,
            working_hours: match self.working_hours {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(hours) => Some(Some((hours.start_hour, hours.end_hour))),
            },
            listed_publicly: self.listed_publicly,
        }
    }
}

/// Reads about oneself.
#[derive(Default)]
pub struct MyAccountQuery;

#[Object]
impl MyAccountQuery {
    /// Everything stored about the signed-in person, as one JSON document: profile,
    /// account standing, memberships with their notes, answers to meetings, action items,
    /// invitations sent and received, documents uploaded, notification preferences,
    /// sessions (times only) and mail sent to them (kind and dates). Never password or
    /// token hashes, never other people's private data.
    async fn export_my_data(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>, ApiError> {
        Ok(Json(api(ctx)?.services.export_my_data(viewer(ctx)).await?))
    }
}

/// Changes to oneself.
#[derive(Default)]
pub struct MyAccountMutation;

#[Object]
impl MyAccountMutation {
    /// Changes the signed-in person's profile; returns it.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> Result<Person, ApiError> {
        let person = api(ctx)?
            .services
            .update_profile(viewer(ctx), input.into_form())
            .await?;
        Ok(Person(person))
    }

    /// Asks to sign in with another address: checks the password, and mails a link to
    /// confirm to the new address (`{publicUrl}/confirm-email?token=…`). Nothing changes
    /// until it is used. Answers `true` even when the new address already has an account
    /// (no mail goes then), so this does not tell who is signed up.
    async fn change_email(
        &self,
        ctx: &Context<'_>,
        new_email: String,
        current_password: String,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .change_email(
                viewer(ctx),
                &new_email,
                &current_password,
                client_address(ctx),
            )
            .await?;
        Ok(true)
    }

    /// Confirms a new address with the mailed token: it signs in from now on, and the
    /// person's other sessions end. `CONFLICT` if another account took it meanwhile.
    async fn confirm_email_change(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<Person, ApiError> {
        let person = api(ctx)?
            .services
            .confirm_email_change(viewer(ctx), &token)
            .await?;
        Ok(Person(person))
    }

    /// Mails a new link to confirm an address not yet verified: of `email`, or the
    /// signed-in person's. Answers `true` whatever the address; limited like
    /// `requestPasswordReset`.
    async fn resend_verification(
        &self,
        ctx: &Context<'_>,
        email: Option<String>,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .resend_verification(viewer(ctx), email.as_deref(), client_address(ctx))
            .await?;
        Ok(true)
    }

    /// Deletes the signed-in person's account after checking their password: the name
    /// becomes "Former member", the address and private fields are erased, sessions and
    /// memberships end, open invitations and requests are withdrawn and answers to
    /// meetings still to come removed; group history keeps its entries. `CONFLICT` while
    /// they are the last coordinator of a group or the last administrator.
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        current_password: String,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .delete_account(viewer(ctx), &current_password, client_address(ctx))
            .await?;
        Ok(true)
    }
}

/// Position in a person's action items; opaque to clients.
pub(crate) struct MyActionCursor(i32);

impl CursorType for MyActionCursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        crate::cursor::decode(raw, "my_action_item", "after")
            .map(MyActionCursor)
            .map_err(|error| error.message())
    }

    fn encode_cursor(&self) -> String {
        crate::cursor::encode("my_action_item", self.0)
    }
}

/// Counts that come with a list of one's action items.
#[derive(SimpleObject)]
pub(crate) struct MyActionTotals {
    /// How many items match, across all pages.
    total_count: u64,
}

/// A page of one's action items.
pub(crate) type MyActionConnection = Connection<MyActionCursor, ActionItem, MyActionTotals>;

/// Resolves `Person.actionItems`: for the person themselves (and administrators, who
/// see every account: only through `me`, so their own).
pub(crate) async fn action_items_of(
    ctx: &Context<'_>,
    person: PersonId,
    status: Option<ActionStatus>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Option<MyActionConnection>, ApiError> {
    let viewer = viewer(ctx);
    if viewer.person_id() != Some(person) {
        return Ok(None);
    }
    let api = api(ctx)?;
    let after = after
        .as_deref()
        .map(|raw| crate::cursor::decode(raw, "my_action_item", "after"))
        .transpose()?;
    let page = PageRequest::new(first, after, api.page_limits)?;
    let items = api
        .services
        .my_action_items(viewer, status.map(Into::into), page)
        .await?;
    let meetings = api
        .store
        .meetings_by_id(
            &items
                .items
                .iter()
                .map(|item| item.meeting)
                .collect::<Vec<_>>(),
        )
        .await?;
    let mut connection = Connection::with_additional_fields(
        after.is_some(),
        items.has_next_page,
        MyActionTotals {
            total_count: items.total_count,
        },
    );
    connection
        .edges
        .extend(items.items.into_iter().filter_map(|item| {
            let id = item.id.0;
            // An item stays the owner's, but it shows only while they may see its meeting.
            let raised_at = meetings.iter().find(|meeting| meeting.id == item.meeting)?;
            ActionItem::visible_to(viewer, item, raised_at)
                .map(|item| Edge::new(MyActionCursor(id), item))
        }));
    Ok(Some(connection))
}

/// Resolves `Person.invitations`: the open invitations to the person's address, for
/// themselves only.
pub(crate) async fn invitations_of(
    ctx: &Context<'_>,
    person: PersonId,
) -> Result<Option<Vec<Invitation>>, ApiError> {
    let viewer = viewer(ctx);
    if viewer.person_id() != Some(person) || !policy::allows(viewer, Action::ManageOwnAccount) {
        return Ok(None);
    }
    let invitations = api(ctx)?.services.my_invitations(viewer).await?;
    Ok(Some(invitations.into_iter().map(Invitation).collect()))
}
