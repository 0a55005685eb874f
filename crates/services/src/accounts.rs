//! Signing up, proving the address, signing in and out, passwords, and what
//! administrators do to accounts.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use coalition_domain::InvalidInput;
use coalition_domain::accounts::{Password, TokenPurpose};
use coalition_domain::geography::CountryCode;
use coalition_domain::language::Language;
use coalition_domain::mail::{LinkToken, Mail, OneTimeLink};
use coalition_domain::people::{
    Email, NewPerson, Person, PersonId, SelfDescribedGender, TimeZone, parse_short_text,
};
use coalition_domain::policy::{self, Action, SignedIn, Viewer};
use coalition_domain::sealing::{SealedToken, TokenKey};
use coalition_domain::stakeholder::StakeholderType;
use coalition_store::{AccountChange, NewAccount, NewMail, NewMailFor, NewToken, StoreError};

use crate::rate_limit::RateRule;
use crate::secrets::{new_token, token_hash};
use crate::{ServiceError, Services};

/// Lifetimes and links for accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    /// A session unused for this long ends.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// How long an email verification link works.
    pub verification_lifetime: Duration,
    /// How long a password reset link works.
    pub reset_lifetime: Duration,
    /// How long an invitation to join a group works.
    pub invitation_lifetime: Duration,
    /// Where links in mails point: the external frontend, or the server's built-in pages.
    pub public_url: String,
    /// Seals the one-time tokens of queued mail; the delivery worker opens them.
    pub token_key: TokenKey,
    // Built-in pages (pages and languages).
    /// The server's own public address (one-click unsubscribe, feeds, files).
    pub server_url: String,
}

/// What a person fills in to sign up, as received.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Sign-in address.
    pub email: String,
    /// Chosen password.
    pub password: String,
    /// Name shown to others.
    pub display_name: String,
    /// Organisation.
    pub organisation: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// Kind of stakeholder.
    pub stakeholder_type: StakeholderType,
    /// `en` or `fr`.
    pub preferred_language: String,
    /// Optional, self-described.
    pub gender: Option<String>,
    /// IANA name; UTC when not given.
    pub time_zone: Option<String>,
}

/// Where a request came from, for per-address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// A new session.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The bearer token: shown once, stored only as a hash.
    pub token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub person: Person,
}

const WRONG_CREDENTIALS: &str = "wrong email address or password";
const SESSION_ENDED: &str = "this session has ended or is not valid; sign in again";

impl Services {
    pub(crate) async fn limit(&self, key: String, rule: RateRule) -> Result<(), ServiceError> {
        self.rate_limiter.hit(&key, rule, self.now()).await
    }

    /// Signs a person up and mails them a link to prove their address. An address that
    /// already has an account gets the same answer (so sign-up, like sign-in and reset,
    /// does not tell who has an account); its owner is mailed a notice with a link to reset
    /// the password instead.
    pub async fn register(
        &self,
        form: Registration,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        self.limit(
            format!("register:addr:{}", from.0),
            self.rate_limits.registration_per_address,
        )
        .await?;
        let person = NewPerson {
            display_name: parse_short_text("displayName", &form.display_name, 120)?,
            email: Email::parse(&form.email)?,
            organisation: parse_short_text("organisation", &form.organisation, 200)?,
            country: CountryCode::parse(&form.country)?,
            stakeholder_type: form.stakeholder_type,
            gender: match form.gender.as_deref() {
                Some(gender) => SelfDescribedGender::parse(gender)?,
                None => None,
            },
            preferred_language: Language::parse(&form.preferred_language)
                .map_err(|error| InvalidInput::new("preferredLanguage", error.message))?,
            time_zone: match form.time_zone.as_deref() {
                Some(zone) => TimeZone::parse(zone)?,
                None => TimeZone::default(),
            },
        };
        let password = Password::parse("password", &form.password)?;
        let password_hash = self.passwords.hash(&password).await?;
        let token = new_token();
        let new = NewAccount {
            person,
            password_hash,
            email_verified_at: None,
            is_admin: false,
        };
        let verification = NewToken {
            purpose: TokenPurpose::VerifyEmail,
            token_hash: token_hash(&token),
            expires_at: self.now() + self.accounts.verification_lifetime,
        };
        let email = new.person.email.clone();
        let public_url = self.accounts.public_url.clone();
        let sealed = self.seal(&token)?;
        let mail: NewMailFor = Box::new(move |person: &Person| {
            account_mail(person, AccountMail::Verify, sealed, &public_url)
        });
        match self
            .store
            .create_account(new, Some(verification), Some(mail))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.is_conflict_on("email") => {
                self.tell_owner_of_registration_attempt(&email).await
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Mails the owner of `email` that someone tried to sign up with it. Limited like
    /// reset links per account; past the limit nothing is sent, and the caller is not told.
    async fn tell_owner_of_registration_attempt(&self, email: &Email) -> Result<(), ServiceError> {
        let limited = self
            .limit(
                format!("reset:account:{}", email.normalized()),
                self.rate_limits.reset_per_account,
            )
            .await;
        if limited.is_err() {
            return Ok(());
        }
        self.send_reset_link(email, AccountMail::RegistrationAttempted)
            .await
    }

    /// Spends a verification link and marks the address proven.
    pub async fn verify_email(&self, token: &str) -> Result<Person, ServiceError> {
        let person = self.store.verify_email(&token_hash(token.trim())).await?;
        Ok(self.store.person(person).await?)
    }

    /// Signs in. Unknown addresses and wrong passwords get the same answer after the same
    /// work, so neither the text nor the timing tells whether an account exists.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        from: ClientAddress,
    ) -> Result<SignIn, ServiceError> {
        self.limit(
            format!("login:addr:{}", from.0),
            self.rate_limits.login_per_address,
        )
        .await?;
        let Ok(email) = Email::parse(email) else {
            self.passwords.verify_dummy(password).await?;
            return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS));
        };
        self.limit(
            format!("login:account:{}", email.normalized()),
            self.rate_limits.login_per_account,
        )
        .await?;
        let Some((person, account)) = self.store.account_by_email(&email).await? else {
            self.passwords.verify_dummy(password).await?;
            return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS));
        };
        let check = self
            .passwords
            .verify(password, &account.password_hash)
            .await?;
        if !check.matches {
            return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS));
        }
        // Only someone who knows the password learns why they cannot go further.
        if account.is_disabled() {
            return Err(ServiceError::Forbidden(
                "this account is disabled; contact the secretariat".to_owned(),
            ));
        }
        if !account.is_verified() {
            return Err(ServiceError::Forbidden(
                "confirm your email address first, with the link we sent you".to_owned(),
            ));
        }
        if check.needs_rehash {
            let password = Password::parse("password", password);
            // A password accepted under older rules may fail today's; keep its hash then.
            if let Ok(password) = password {
                let hash = self.passwords.hash(&password).await?;
                self.store.replace_password_hash(person.id, hash).await?;
            }
        }
        let token = new_token();
        let expires_at = self.now() + self.accounts.session_lifetime;
        self.store
            .create_session(person.id, token_hash(&token), expires_at)
            .await?;
        Ok(SignIn {
            token,
            expires_at,
            person,
        })
    }

    /// Finds who a bearer token belongs to. An unknown, revoked, idle or expired session,
    /// or one whose account was disabled, is refused.
    pub async fn authenticate(&self, token: &str) -> Result<Viewer, ServiceError> {
        self.session_viewer(token, true).await
    }

    /// Checks again that a session a live connection holds still stands, as
    /// [`Services::authenticate`] does but without counting as use: an open socket alone
    /// does not keep a session from its inactivity timeout.
    pub async fn recheck_session(&self, token: &str) -> Result<Viewer, ServiceError> {
        self.session_viewer(token, false).await
    }

    async fn session_viewer(&self, token: &str, in_use: bool) -> Result<Viewer, ServiceError> {
        let now = self.now();
        let Some((session, memberships)) =
            self.store.session_by_token_hash(&token_hash(token)).await?
        else {
            return Err(ServiceError::Unauthenticated(SESSION_ENDED));
        };
        if !session.is_live(now, self.accounts.session_idle_timeout) {
            return Err(ServiceError::Unauthenticated(SESSION_ENDED));
        }
        // Writing on every request would make reads write; a minute's precision is plenty
        // for an inactivity timeout counted in days.
        if in_use && now - session.last_used_at > Duration::minutes(1) {
            self.store.touch_session(session.id, now).await?;
        }
        Ok(Viewer::Person(SignedIn {
            person: session.account.person_id,
            session: session.id,
            is_admin: session.account.is_admin,
            memberships: memberships
                .into_iter()
                .map(|m| (m.working_group_id, (m.role, m.status)))
                .collect::<HashMap<_, _>>(),
        }))
    }

    /// Ends the viewer's current session.
    pub async fn logout(&self, viewer: &Viewer) -> Result<(), ServiceError> {
        let signed_in = crate::actor_session(viewer)?;
        let recorded = self
            .store
            .revoke_session(signed_in.person, signed_in.session)
            .await?;
        self.announce(recorded).await;
        Ok(())
    }

    /// Ends every session of the viewer, this one included; returns how many.
    pub async fn logout_everywhere(&self, viewer: &Viewer) -> Result<u64, ServiceError> {
        let signed_in = crate::actor_session(viewer)?;
        let recorded = self.store.revoke_sessions(signed_in.person).await?;
        Ok(self.announce(recorded).await)
    }

    /// Changes the viewer's password, ending their other sessions and their private
    /// calendar URL. Limited like sign-in: it checks a password and hashes one.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        current: &str,
        new: &str,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        let signed_in = crate::actor_session(viewer)?;
        self.check_own_password(viewer, current, from).await?;
        let password = Password::parse("newPassword", new)?;
        let hash = self.passwords.hash(&password).await?;
        let recorded = self
            .store
            .change_password(signed_in.person, hash, Some(signed_in.session))
            .await?;
        self.announce(recorded).await;
        Ok(())
    }

    /// Checks the viewer's password (off the runtime, limited like sign-in).
    pub(crate) async fn check_own_password(
        &self,
        viewer: &Viewer,
        password: &str,
        from: ClientAddress,
    ) -> Result<coalition_domain::people::PersonId, ServiceError> {
        let me = crate::actor(viewer)?;
        self.limit(
            format!("password:addr:{}", from.0),
            self.rate_limits.login_per_address,
        )
        .await?;
        self.limit(
            format!("password:account:{}", me.0),
            self.rate_limits.login_per_account,
        )
        .await?;
        let account = self.store.account(me).await?;
        let check = self
            .passwords
            .verify(password, &account.password_hash)
            .await?;
        if !check.matches {
            return Err(
                InvalidInput::new("currentPassword", "is not your current password").into(),
            );
        }
        Ok(me)
    }

    /// Queues a reset link if the address has an account. Answers the same either way, and
    /// does the work in the background so the answer takes the same time too.
    pub async fn request_password_reset(
        &self,
        email: &str,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        self.limit_resets_from(from).await?;
        let email = Email::parse(email)?;
        self.limit(
            format!("reset:account:{}", email.normalized()),
            self.rate_limits.reset_per_account,
        )
        .await?;
        let services = self.clone();
        tokio::spawn(async move {
            if let Err(error) = services.send_reset_link(&email, AccountMail::Reset).await {
                tracing::error!(%error, "password reset link not sent");
            }
        });
        Ok(())
    }

    /// Mails the owner of `email`, unless disabled, a password-reset link in a mail of
    /// `kind` (a reset they asked for, or the notice of someone's sign-up attempt).
    async fn send_reset_link(&self, email: &Email, kind: AccountMail) -> Result<(), ServiceError> {
        let Some((person, account)) = self.store.account_by_email(email).await? else {
            return Ok(());
        };
        if account.is_disabled() {
            return Ok(());
        }
        let token = new_token();
        let mail = account_mail(&person, kind, self.seal(&token)?, &self.accounts.public_url);
        self.store
            .issue_token(
                person.id,
                NewToken {
                    purpose: TokenPurpose::ResetPassword,
                    token_hash: token_hash(&token),
                    expires_at: self.now() + self.accounts.reset_lifetime,
                },
                mail,
            )
            .await?;
        Ok(())
    }

    /// Counts a reset request or reset from `from` against its address's allowance.
    pub(crate) async fn limit_resets_from(&self, from: ClientAddress) -> Result<(), ServiceError> {
        self.limit(
            format!("reset:addr:{}", from.0),
            self.rate_limits.reset_per_address,
        )
        .await
    }

    /// Spends a reset link: sets the new password and ends every session and the private
    /// calendar URL.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
        from: ClientAddress,
    ) -> Result<(), ServiceError> {
        self.limit_resets_from(from).await?;
        let password = Password::parse("newPassword", new_password)?;
        let hash = self.passwords.hash(&password).await?;
        let recorded = self
            .store
            .reset_password(&token_hash(token.trim()), hash)
            .await?;
        self.announce(recorded).await;
        Ok(())
    }

    /// Disables (ending every session) or re-enables an account. Administrators only, and
    /// not their own.
    pub async fn set_account_disabled(
        &self,
        viewer: &Viewer,
        person: PersonId,
        disabled: bool,
    ) -> Result<Person, ServiceError> {
        policy::ensure(viewer, Action::AdministerAccounts)?;
        if viewer.person_id() == Some(person) {
            return Err(InvalidInput::new(
                "personId",
                "you cannot disable or enable your own account; ask another administrator",
            )
            .into());
        }
        let change = if disabled {
            AccountChange::Disable
        } else {
            AccountChange::Enable
        };
        let recorded = self
            .store
            .change_account(viewer.person_id(), person, change)
            .await?;
        self.announce(recorded).await;
        Ok(self.store.person(person).await?)
    }

    /// Promotes the account of `email` to administrator; when there is none, creates one,
    /// verified, with `password` and `profile`. For the command line.
    pub async fn create_admin(
        &self,
        email: &str,
        password: Option<&str>,
        profile: AdminProfile,
    ) -> Result<(Person, bool), ServiceError> {
        let email = Email::parse(email)?;
        if let Some((person, _)) = self.store.account_by_email(&email).await? {
            self.store
                .change_account(None, person.id, AccountChange::GrantAdmin)
                .await?;
            return Ok((person, false));
        }
        let Some(password) = password else {
            return Err(InvalidInput::new(
                "password",
                "no account has this address: give a password on standard input to create one",
            )
            .into());
        };
        let password = Password::parse("password", password)?;
        let new = NewAccount {
            person: NewPerson {
                display_name: parse_short_text("name", &profile.display_name, 120)?,
                email,
                organisation: parse_short_text("organisation", &profile.organisation, 200)?,
                country: CountryCode::parse(&profile.country)?,
                stakeholder_type: profile.stakeholder_type,
                gender: None,
                preferred_language: Language::parse(&profile.preferred_language)?,
                time_zone: TimeZone::parse(&profile.time_zone)?,
            },
            password_hash: self.passwords.hash(&password).await?,
            email_verified_at: Some(self.now()),
            is_admin: true,
        };
        let person = self
            .store
            .create_account(new, None, None)
            .await
            .map_err(email_taken)?;
        Ok((person, true))
    }
}

/// The profile of an administrator created from the command line.
#[derive(Debug, Clone)]
pub struct AdminProfile {
    /// Name shown to others.
    pub display_name: String,
    /// Organisation.
    pub organisation: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// Kind of stakeholder.
    pub stakeholder_type: StakeholderType,
    /// `en` or `fr`.
    pub preferred_language: String,
    /// IANA name.
    pub time_zone: String,
}

fn email_taken(error: StoreError) -> ServiceError {
    if error.is_conflict_on("email") {
        ServiceError::Conflict {
            field: Some("email"),
            message:
                "an account with this email address already exists; sign in or reset your password"
                    .to_owned(),
        }
    } else {
        error.into()
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum AccountMail {
    Verify,
    Reset,
    RegistrationAttempted,
}

/// The queued mail for an account link, rendered later in the recipient's language; its
/// token stays sealed until the worker sends it.
pub(crate) fn account_mail(
    person: &Person,
    kind: AccountMail,
    sealed_token: SealedToken,
    public_url: &str,
) -> NewMail {
    let base = public_url.trim_end_matches('/');
    let (variant, path): (fn(OneTimeLink) -> Mail, _) = match kind {
        AccountMail::Verify => (Mail::VerifyEmail, "verify-email"),
        AccountMail::Reset => (Mail::ResetPassword, "reset-password"),
        AccountMail::RegistrationAttempted => (Mail::RegistrationAttempted, "reset-password"),
    };
    NewMail {
        person: Some(person.id),
        to: person.email.clone(),
        to_name: person.display_name.clone(),
        language: person.preferred_language,
        mail: variant(OneTimeLink {
            name: person.display_name.clone(),
            token: LinkToken::Sealed {
                link_prefix: format!("{base}/{path}?token="),
                sealed_token,
            },
        }),
    }
}
