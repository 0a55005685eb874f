//! What members do to their own account: edit their profile, change their sign-in
//! address, ask again for the verification link, take a copy of their data, and delete
//! the account.

use coalition_domain::InvalidInput;
use coalition_domain::accounts::TokenPurpose;
use coalition_domain::agenda::{ActionItem, ActionStatus};
use coalition_domain::geography::CountryCode;
use coalition_domain::language::Language;
use coalition_domain::mail::{EmailChangeNotice, LinkToken, Mail, OneTimeLink};
use coalition_domain::membership::{Invitation, MembershipRefusal};
use coalition_domain::pagination::{Page, PageRequest};
use coalition_domain::people::{
    Email, Person, ProfileUpdate, SelfDescribedGender, TimeZone, parse_short_text,
};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_domain::scheduling::WorkingHours;
use coalition_domain::stakeholder::StakeholderType;
use coalition_store::{NewMail, NewToken, StoreError};

use crate::accounts::{AccountMail, ClientAddress, account_mail};
use crate::secrets::{new_token, token_hash};
use crate::{ServiceError, Services};

/// A person's changes to their own profile, as received; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct ProfileForm {
    /// Name shown to others.
    pub display_name: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    /// Kind of stakeholder.
    pub stakeholder_type: Option<StakeholderType>,
    /// Self-described; `Some("")` clears it.
    pub gender: Option<String>,
    /// A language code.
    pub preferred_language: Option<String>,
    /// IANA name.
    pub time_zone: Option<String>,
    /// Local working hours, start and end hour (0–24); both or neither; `Some(None)`
    /// clears them.
    pub working_hours: Option<Option<(i32, i32)>>,
    /// Whether the name appears on rosters seen from outside the person's groups.
    pub listed_publicly: Option<bool>,
}

impl ProfileForm {
    fn parse(self) -> Result<ProfileUpdate, InvalidInput> {
        Ok(ProfileUpdate {
            display_name: self
                .display_name
                .map(|name| parse_short_text("displayName", &name, 120))
                .transpose()?,
            organisation: self
                .organisation
                .map(|name| parse_short_text("organisation", &name, 200))
                .transpose()?,
            country: self
                .country
                .as_deref()
                .map(CountryCode::parse)
                .transpose()?,
            stakeholder_type: self.stakeholder_type,
            gender: self
                .gender
                .as_deref()
                .map(SelfDescribedGender::parse)
                .transpose()?,
            preferred_language: self
                .preferred_language
                .as_deref()
                .map(|code| {
                    Language::parse(code)
                        .map_err(|error| InvalidInput::new("preferredLanguage", error.message))
                })
                .transpose()?,
            time_zone: self.time_zone.as_deref().map(TimeZone::parse).transpose()?,
            working_hours: self
                .working_hours
                .map(|hours| {
                    hours
                        .map(|(start, end)| WorkingHours::parse(start, end))
                        .transpose()
                })
                .transpose()?,
            listed_publicly: self.listed_publicly,
        })
    }
}

impl Services {
    /// Changes the viewer's own profile; returns it as stored.
    pub async fn update_profile(
        &self,
        viewer: &Viewer,
        form: ProfileForm,
    ) -> Result<Person, ServiceError> {
        let me = crate::actor(viewer)?;
        let update = form.parse()?;
        let recorded = self.store.update_profile(me, update).await?;
        Ok(self.announce(recorded).await)
    }

    /// Starts a change of the viewer's sign-in address: a link to confirm it is mailed to
    /// the new address (`/confirm-email?token=…`) and a security notice to the current one;
    /// nothing changes until the link is used.
    /// An address that already has an account gets the same answer and no mail, so this
    /// does not tell who is signed up.
    pub async fn change_email(
        &self,
        viewer: &Viewer,
        new_email: &str,
        current_password: &str,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        let new_email = Email::parse(new_email)
            .map_err(|error| InvalidInput::new("newEmail", error.message))?;
        let me = self
            .check_own_password(viewer, current_password, from)
            .await?;
        let person = self.store.person(me).await?;
        if person.email.normalized() == new_email.normalized() {
            return Err(InvalidInput::new("newEmail", "is already your address").into());
        }
        if self.store.account_by_email(&new_email).await?.is_some() {
            return Ok(());
        }
        let token = new_token();
        let base = self.accounts.public_url.trim_end_matches('/');
        let confirm = NewMail {
            person: Some(me),
            to: new_email.clone(),
            to_name: person.display_name.clone(),
            language: person.preferred_language,
            mail: Mail::VerifyEmail(OneTimeLink {
                name: person.display_name.clone(),
                token: LinkToken::Sealed {
                    link_prefix: format!("{base}/confirm-email?token="),
                    sealed_token: self.seal(&token)?,
                },
            }),
        };
        // The current address hears of it too: whoever holds a stolen session learns
        // nothing from the notice, and the owner learns that someone tried.
        let notice = NewMail {
            person: Some(me),
            to: person.email.clone(),
            to_name: person.display_name.clone(),
            language: person.preferred_language,
            mail: Mail::EmailChangeRequested(EmailChangeNotice {
                name: person.display_name.clone(),
                new_email: new_email.as_str().to_owned(),
            }),
        };
        self.store
            .issue_email_change(
                me,
                NewToken {
                    purpose: TokenPurpose::ChangeEmail,
                    token_hash: token_hash(&token),
                    expires_at: self.now() + self.accounts.verification_lifetime,
                },
                &new_email,
                vec![confirm, notice],
            )
            .await?;
        Ok(())
    }

    /// Spends a change-of-address link: the new address signs in from now on, and the
    /// person's other sessions end (the one confirming, if theirs, stays).
    pub async fn confirm_email_change(
        &self,
        viewer: &Viewer,
        token: &str,
    ) -> Result<Person, ServiceError> {
        let current = viewer.signed_in().cloned();
        let recorded = self
            .store
            .confirm_email_change(&token_hash(token.trim()), |person| {
                current
                    .filter(|signed_in| signed_in.person == person)
                    .map(|signed_in| signed_in.session)
            })
            .await
            .map_err(|error| {
                if error.is_conflict_on("email") {
                    ServiceError::Conflict {
                        field: Some("email"),
                        message: "another account took this address meanwhile; choose another"
                            .to_owned(),
                    }
                } else {
                    error.into()
                }
            })?;
        let person = self.announce(recorded).await;
        Ok(self.store.person(person).await?)
    }

    /// Mails a new verification link to an account not verified yet: the viewer's, or the
    /// one of `email`. Answers the same whatever the address, limited like reset requests.
    pub async fn resend_verification(
        &self,
        viewer: &Viewer,
        email: Option<&str>,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        self.limit_resets_from(from).await?;
        let email = match (email, viewer.person_id()) {
            (Some(email), _) => Email::parse(email)?,
            (None, Some(me)) => self.store.person(me).await?.email,
            (None, None) => {
                return Err(InvalidInput::new("email", "give the address to verify").into());
            }
        };
        self.limit(
            format!("reset:account:{}", email.normalized()),
            self.rate_limits.reset_per_account,
        )
        .await?;
        let services = self.clone();
        tokio::spawn(async move {
            if let Err(error) = services.send_verification_link(&email).await {
                tracing::error!(%error, "verification link not sent");
            }
        });
        Ok(())
    }

    async fn send_verification_link(&self, email: &Email) -> Result<(), ServiceError> {
        let Some((person, account)) = self.store.account_by_email(email).await? else {
            return Ok(());
        };
        if account.is_disabled() || account.is_verified() {
            return Ok(());
        }
        let token = new_token();
        let mail = account_mail(
            &person,
            AccountMail::Verify,
            self.seal(&token)?,
            &self.accounts.public_url,
        );
        self.store
            .issue_token(
                person.id,
                NewToken {
                    purpose: TokenPurpose::VerifyEmail,
                    token_hash: token_hash(&token),
                    expires_at: self.now() + self.accounts.verification_lifetime,
                },
                mail,
            )
            .await?;
        Ok(())
    }

    /// Everything stored about the viewer, as one JSON document.
    pub async fn export_my_data(&self, viewer: &Viewer) -> Result<serde_json::Value, ServiceError> {
        let me = crate::actor(viewer)?;
        policy::ensure(viewer, Action::ViewPrivateProfile(me))?;
        Ok(self.store.personal_data(me).await?)
    }

    /// Deletes the viewer's account after checking their password: the person is
    /// anonymised, their sessions and memberships end. Refused while they are the last
    /// coordinator of a group or the last administrator.
    pub async fn delete_account(
        &self,
        viewer: &Viewer,
        current_password: &str,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        let me = self
            .check_own_password(viewer, current_password, from)
            .await?;
        let recorded = self.store.delete_account(me).await.map_err(|error| match error {
            StoreError::Membership(MembershipRefusal::LastCoordinator) => ServiceError::Conflict {
                field: None,
                message: "you are the last coordinator of a working group: appoint another coordinator (or leave the role) before deleting your account".to_owned(),
            },
            StoreError::LastAdministrator => ServiceError::Conflict {
                field: None,
                message: "you are the coalition's last administrator: grant another administrator before deleting your account".to_owned(),
            },
            other => other.into(),
        })?;
        self.announce(recorded).await;
        Ok(())
    }

    /// The action items the viewer owns, across groups.
    pub async fn my_action_items(
        &self,
        viewer: &Viewer,
        status: Option<ActionStatus>,
        page: PageRequest,
    ) -> Result<Page<ActionItem>, ServiceError> {
        let me = crate::actor(viewer)?;
        Ok(self.store.action_items_owned_by(me, status, page).await?)
    }

    /// The open, unexpired invitations to the viewer's (verified) address.
    pub async fn my_invitations(&self, viewer: &Viewer) -> Result<Vec<Invitation>, ServiceError> {
        let me = crate::actor(viewer)?;
        let person = self.store.person(me).await?;
        Ok(self.store.pending_invitations_to(&person.email).await?)
    }
}
