//! Sign-up, sign-in, sessions and passwords; administrators' account actions.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use coalition_domain::people::PersonId;
use coalition_services::accounts::Registration;

use crate::context::{api, client_address, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of};
use crate::membership::StakeholderType;
use crate::people::Person;

/// What a person fills in to sign up.
#[derive(InputObject)]
pub(crate) struct RegisterInput {
    /// The sign-in address; unique whatever its case.
    email: String,
    /// At least 8 characters, not among the most common passwords.
    password: String,
    /// The name shown to others.
    display_name: String,
    /// The organisation the person works for.
    organisation: String,
    /// ISO 3166-1 alpha-2 code of the country the person is based in, e.g. "KE".
    country: String,
    /// The kind of organisation the person speaks for.
    stakeholder_type: StakeholderType,
    /// "en" or "fr": the language of mails and of content by default.
    preferred_language: String,
    /// Optional, in the person's own words; shown to nobody but them and administrators.
    gender: Option<String>,
    /// IANA time zone, e.g. "Africa/Nairobi"; UTC when not given.
    time_zone: Option<String>,
}

/// A new session.
#[derive(SimpleObject)]
pub(crate) struct LoginPayload {
    /// The bearer token, for `Authorization: Bearer …` (and the WebSocket `connection_init`
    /// payload). Shown once; keep it secret.
    token: String,
    /// When the session ends at the latest (it also ends after a period without use).
    expires_at: DateTime<Utc>,
    /// Who signed in.
    person: Person,
}

/// Queries about the signed-in person.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in person; null without a valid session.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Person>, ApiError> {
        let Some(person) = viewer(ctx).person_id() else {
            return Ok(None);
        };
        Ok(Some(Person(api(ctx)?.store.person(person).await?)))
    }
}

/// Account changes.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs up. A link to confirm the address is mailed; sign-in works once it is used.
    /// Always `true` once the input is valid: an address that already has an account gets
    /// the same answer (its owner is mailed instead), so this does not tell who is signed
    /// up. The new person is `verifyEmail`'s answer.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<bool, ApiError> {
        let form = Registration {
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            organisation: input.organisation,
            country: input.country,
            stakeholder_type: input.stakeholder_type.into(),
            preferred_language: input.preferred_language,
            gender: input.gender,
            time_zone: input.time_zone,
        };
        api(ctx)?
            .services
            .register(form, client_address(ctx))
            .await?;
        Ok(true)
    }

    /// Confirms an address with the token from the mailed link. Each token works once.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<Person, ApiError> {
        Ok(Person(api(ctx)?.services.verify_email(&token).await?))
    }

    /// Signs in and opens a session.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> Result<LoginPayload, ApiError> {
        let sign_in = api(ctx)?
            .services
            .login(&email, &password, client_address(ctx))
            .await?;
        Ok(LoginPayload {
            token: sign_in.token,
            expires_at: sign_in.expires_at,
            person: Person(sign_in.person),
        })
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        api(ctx)?.services.logout(viewer(ctx)).await?;
        Ok(true)
    }

    /// Ends every session of the signed-in person, this one included; returns how many.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> Result<u64, ApiError> {
        Ok(api(ctx)?.services.logout_everywhere(viewer(ctx)).await?)
    }

    /// Changes the signed-in person's password; their other sessions and their private
    /// calendar URL end. Limited per account and client address like `login`.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .change_password(
                viewer(ctx),
                &current_password,
                &new_password,
                client_address(ctx),
            )
            .await?;
        Ok(true)
    }

    /// Mails a link to choose a new password. Answers `true` whether or not the address
    /// has an account.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .request_password_reset(&email, client_address(ctx))
            .await?;
        Ok(true)
    }

    /// Sets a new password with the token from the mailed link; every session ends.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .reset_password(&token, &new_password, client_address(ctx))
            .await?;
        Ok(true)
    }

    /// Disables an account and ends its sessions. Administrators only.
    async fn disable_account(&self, ctx: &Context<'_>, person_id: ID) -> Result<Person, ApiError> {
        let person = PersonId(decode_id_of(NodeKind::Person, &person_id, "personId")?);
        let person = api(ctx)?
            .services
            .set_account_disabled(viewer(ctx), person, true)
            .await?;
        Ok(Person(person))
    }

    /// Lets a disabled account sign in again. Administrators only.
    async fn enable_account(&self, ctx: &Context<'_>, person_id: ID) -> Result<Person, ApiError> {
        let person = PersonId(decode_id_of(NodeKind::Person, &person_id, "personId")?);
        let person = api(ctx)?
            .services
            .set_account_disabled(viewer(ctx), person, false)
            .await?;
        Ok(Person(person))
    }
}
