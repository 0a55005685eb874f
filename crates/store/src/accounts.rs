//! Accounts, sessions and single-use tokens. Secrets arrive here already hashed.

use chrono::{DateTime, Utc};
use coalition_domain::accounts::{Account, SessionId, SessionRecord, TokenProblem, TokenPurpose};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{AccountFacts, Change};
use coalition_domain::membership::{Membership, MembershipStatus};
use coalition_domain::people::{Email, NewPerson, Person, PersonId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::outbox::{NewMail, enqueue};

/// Builds the mail for a person created in the same transaction (their id is known only
/// then).
pub type NewMailFor = Box<dyn FnOnce(&Person) -> NewMail + Send>;
use crate::activity::Recorded;
use crate::entities::{account, calendar_feed, membership, one_time_token, person, session};
use crate::error::StoreError;
use crate::membership::membership_from_row;
use crate::people::{insert_person, person_from_row};

/// A new account: the person, their password hash and how they start out.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The person to record.
    pub person: NewPerson,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Set for accounts created already verified (by an administrator).
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Whether the account is a coalition administrator.
    pub is_admin: bool,
}

/// A single-use token to store with the change that issues it.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// What it is for.
    pub purpose: TokenPurpose,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// What changes when someone is promoted, disabled or enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Make the account a coalition administrator.
    GrantAdmin,
    /// Take the administrator's rights away; refused for the last enabled administrator.
    RevokeAdmin,
    /// Stop the account from signing in, ending its sessions.
    Disable,
    /// Let a disabled account sign in again.
    Enable,
}

impl Store {
    /// Records a person, their account and, if given, a verification token, with an
    /// activity entry, in one transaction. A taken address is a conflict on `email`.
    pub async fn create_account(
        &self,
        new: NewAccount,
        token: Option<NewToken>,
        mail: Option<NewMailFor>,
    ) -> Result<Person, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let person = insert_person(&txn, new.person, now).await?;
        account::ActiveModel {
            person_id: Set(person.id.0),
            password_hash: Set(new.password_hash),
            email_verified_at: Set(new.email_verified_at),
            is_admin: Set(new.is_admin),
            disabled_at: Set(None),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if let Some(token) = token {
            insert_token(&txn, person.id, token, now).await?;
        }
        if let Some(mail) = mail {
            enqueue(&txn, mail(&person), now).await?;
        }
        self.record(
            &txn,
            Some(person.id),
            Change::PersonRegistered {
                person: person.id,
                admin: new.is_admin,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(person)
    }

    /// The person and account registered under `email`, compared case-insensitively.
    pub async fn account_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<(Person, Account)>, StoreError> {
        let Some(row) = person::Entity::find()
            .filter(person::Column::EmailNormalized.eq(email.normalized()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(account) = account::Entity::find_by_id(row.id).one(&self.db).await? else {
            return Ok(None);
        };
        Ok(Some((person_from_row(row)?, account_from_row(account))))
    }

    /// The account of one person.
    pub async fn account(&self, person: PersonId) -> Result<Account, StoreError> {
        account::Entity::find_by_id(person.0)
            .one(&self.db)
            .await?
            .map(account_from_row)
            .ok_or(StoreError::NotFound { entity: "account" })
    }

    /// Replaces a password hash as is (a re-hash with stronger parameters at sign-in).
    pub async fn replace_password_hash(
        &self,
        person: PersonId,
        password_hash: String,
    ) -> Result<(), StoreError> {
        account::Entity::update_many()
            .col_expr(account::Column::PasswordHash, Expr::value(password_hash))
            .filter(account::Column::PersonId.eq(person.0))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Sets a new password and ends every session of the person but `keep`, in one
    /// transaction. Returns how many sessions ended.
    pub async fn change_password(
        &self,
        person: PersonId,
        password_hash: String,
        keep: Option<SessionId>,
    ) -> Result<Recorded<u64>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        account::Entity::update_many()
            .col_expr(account::Column::PasswordHash, Expr::value(password_hash))
            .filter(account::Column::PersonId.eq(person.0))
            .exec(&txn)
            .await?;
        let ended = revoke_sessions(&txn, person, keep, now).await?;
        end_calendar_feed(&txn, person).await?;
        let event = self
            .record(&txn, Some(person), Change::PasswordChanged(account(person)))
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(ended, vec![event]))
    }

    /// Opens a session for `person`, stored by the hash of its token.
    pub async fn create_session(
        &self,
        person: PersonId,
        token_hash: String,
        expires_at: DateTime<Utc>,
    ) -> Result<SessionId, StoreError> {
        let now = self.clock.now();
        let row = session::ActiveModel {
            person_id: Set(person.0),
            token_hash: Set(token_hash),
            created_at: Set(now),
            last_used_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(SessionId(row.id))
    }

    /// The session whose token hashes to `token_hash`, with its owner's account and
    /// memberships, whatever its state (the caller decides whether it is still live).
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(SessionRecord, Vec<Membership>)>, StoreError> {
        let Some(row) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let account = self.account(PersonId(row.person_id)).await?;
        let memberships = self.memberships_of(PersonId(row.person_id)).await?;
        let record = SessionRecord {
            id: SessionId(row.id),
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            account,
        };
        Ok(Some((record, memberships)))
    }

    /// Records that a session was used at `now`.
    pub async fn touch_session(&self, id: SessionId, now: DateTime<Utc>) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastUsedAt, Expr::value(now))
            .filter(session::Column::Id.eq(id.0))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends one session of `person` (signing out), recording it so that live connections
    /// on every instance learn of it.
    pub async fn revoke_session(
        &self,
        person: PersonId,
        id: SessionId,
    ) -> Result<Recorded<()>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.eq(id.0))
            .filter(session::Column::PersonId.eq(person.0))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let event = self
            .record(&txn, Some(person), Change::SignedOut(account(person)))
            .await?;
        txn.commit().await?;
        Ok(Recorded::new((), vec![event]))
    }

    /// Ends every live session of `person` (signing out everywhere); returns how many ended.
    pub async fn revoke_sessions(&self, person: PersonId) -> Result<Recorded<u64>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let ended = revoke_sessions(&txn, person, None, now).await?;
        let event = self
            .record(
                &txn,
                Some(person),
                Change::SignedOutEverywhere(account(person)),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(ended, vec![event]))
    }

    /// Stores a single-use token for `person` and queues the mail that carries it, in one
    /// transaction.
    pub async fn issue_token(
        &self,
        person: PersonId,
        token: NewToken,
        mail: NewMail,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        insert_token(&txn, person, token, now).await?;
        enqueue(&txn, mail, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Spends a verification token and marks the address verified, in one transaction.
    pub async fn verify_email(&self, token_hash: &str) -> Result<PersonId, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let person = spend_token(&txn, TokenPurpose::VerifyEmail, token_hash, now).await?;
        account::Entity::update_many()
            .col_expr(account::Column::EmailVerifiedAt, Expr::value(now))
            .filter(account::Column::PersonId.eq(person.0))
            .filter(account::Column::EmailVerifiedAt.is_null())
            .exec(&txn)
            .await?;
        self.record(&txn, Some(person), Change::EmailVerified(account(person)))
            .await?;
        txn.commit().await?;
        Ok(person)
    }

    /// Spends a reset token, sets the new password and ends every session, in one
    /// transaction. A reset also proves the address, so it counts as verification.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: String,
    ) -> Result<Recorded<PersonId>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let person = spend_token(&txn, TokenPurpose::ResetPassword, token_hash, now).await?;
        let row = account::Entity::find_by_id(person.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound { entity: "account" })?;
        let verified_at = row.email_verified_at.unwrap_or(now);
        let mut update = row.into_active_model();
        update.password_hash = Set(password_hash);
        update.email_verified_at = Set(Some(verified_at));
        update.update(&txn).await?;
        revoke_sessions(&txn, person, None, now).await?;
        end_calendar_feed(&txn, person).await?;
        let event = self
            .record(&txn, Some(person), Change::PasswordReset(account(person)))
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(person, vec![event]))
    }

    /// Promotes, disables or enables an account; disabling ends its sessions and its private
    /// calendar feed in the same transaction.
    pub async fn change_account(
        &self,
        actor: Option<PersonId>,
        person: PersonId,
        change: AccountChange,
    ) -> Result<Recorded<Account>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = account::Entity::find_by_id(person.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound { entity: "account" })?;
        if change == AccountChange::RevokeAdmin && row.is_admin {
            // Every administrator's row is locked (PostgreSQL; SQLite serialises writers),
            // so two administrators revoking each other at once cannot both succeed.
            let others = account::Entity::find()
                .filter(account::Column::IsAdmin.eq(true))
                .filter(account::Column::DisabledAt.is_null())
                .lock_exclusive()
                .all(&txn)
                .await?
                .into_iter()
                .filter(|admin| admin.person_id != person.0)
                .count();
            if others == 0 {
                return Err(StoreError::LastAdministrator);
            }
        }
        let mut update = row.into_active_model();
        let recorded = match change {
            AccountChange::GrantAdmin => {
                update.is_admin = Set(true);
                Change::AdminGranted(account(person))
            }
            AccountChange::RevokeAdmin => {
                update.is_admin = Set(false);
                Change::AdminRevoked(account(person))
            }
            AccountChange::Disable => {
                update.disabled_at = Set(Some(now));
                revoke_sessions(&txn, person, None, now).await?;
                // The private feed is a standing credential too: it ends with the account.
                end_calendar_feed(&txn, person).await?;
                Change::AccountDisabled(account(person))
            }
            AccountChange::Enable => {
                update.disabled_at = Set(None);
                Change::AccountEnabled(account(person))
            }
        };
        let row = update.update(&txn).await?;
        let event = self.record(&txn, actor, recorded).await?;
        txn.commit().await?;
        Ok(Recorded::new(account_from_row(row), vec![event]))
    }

    /// The groups each of `people` is an active member of, in one query.
    pub async fn active_groups_of(
        &self,
        people: &[PersonId],
    ) -> Result<Vec<(PersonId, WorkingGroupId)>, StoreError> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let rows = membership::Entity::find()
            .filter(membership::Column::PersonId.is_in(people.iter().map(|p| p.0)))
            .filter(membership::Column::Status.eq(MembershipStatus::Active.as_str()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                (
                    PersonId(row.person_id),
                    WorkingGroupId(row.working_group_id),
                )
            })
            .collect())
    }

    /// Every membership of a person, whatever its status.
    pub async fn memberships_of(&self, person: PersonId) -> Result<Vec<Membership>, StoreError> {
        membership::Entity::find()
            .filter(membership::Column::PersonId.eq(person.0))
            .order_by_asc(membership::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(membership_from_row)
            .collect()
    }
}

/// The account a change concerns.
fn account(person: PersonId) -> AccountFacts {
    AccountFacts { person }
}

async fn insert_token(
    db: &impl ConnectionTrait,
    person: PersonId,
    token: NewToken,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    one_time_token::ActiveModel {
        person_id: Set(person.0),
        purpose: Set(token.purpose.as_str().to_owned()),
        token_hash: Set(token.token_hash),
        created_at: Set(now),
        expires_at: Set(token.expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Marks a token used, refusing unknown, expired and spent ones. The update is
/// conditional on `used_at IS NULL`, so two concurrent uses cannot both succeed.
pub(crate) async fn spend_token(
    db: &impl ConnectionTrait,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<PersonId, StoreError> {
    let row = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(token_hash))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .ok_or(StoreError::Token(TokenProblem::Unknown))?;
    if row.used_at.is_some() {
        return Err(StoreError::Token(TokenProblem::AlreadyUsed));
    }
    if row.expires_at <= now {
        return Err(StoreError::Token(TokenProblem::Expired));
    }
    let spent = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::Id.eq(row.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected == 0 {
        return Err(StoreError::Token(TokenProblem::AlreadyUsed));
    }
    Ok(PersonId(row.person_id))
}

pub(crate) async fn revoke_sessions(
    db: &impl ConnectionTrait,
    person: PersonId,
    keep: Option<SessionId>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut query = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::PersonId.eq(person.0))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        query = query.filter(session::Column::Id.ne(keep.0));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// A new password ends the private calendar URL too: whoever took over the account may
/// have copied it.
pub(crate) async fn end_calendar_feed(
    db: &impl ConnectionTrait,
    person: PersonId,
) -> Result<(), StoreError> {
    calendar_feed::Entity::delete_by_id(person.0)
        .exec(db)
        .await?;
    Ok(())
}

pub(crate) fn account_from_row(row: account::Model) -> Account {
    Account {
        person_id: PersonId(row.person_id),
        password_hash: row.password_hash,
        email_verified_at: row.email_verified_at,
        is_admin: row.is_admin,
        disabled_at: row.disabled_at,
    }
}
