//! What members do to their own account: their profile, a new sign-in address, a copy of
//! everything stored about them, and deleting the account while keeping group history.

use coalition_domain::accounts::{SessionId, TokenProblem, TokenPurpose};
use coalition_domain::agenda::{ActionItem, ActionStatus};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{AccountFacts, Change, MembershipFacts};
use coalition_domain::membership::{
    Invitation, MembershipId, MembershipRefusal, MembershipRole, MembershipStatus,
};
use coalition_domain::notifications::OutboxStatus;
use coalition_domain::pagination::{Page, PageRequest};
use coalition_domain::people::{Email, Person, PersonId, ProfileUpdate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::Store;
use crate::accounts::{NewToken, end_calendar_feed, revoke_sessions, spend_token};
use crate::activity::Recorded;
use crate::agenda::action_from_row;
use crate::entities::{
    account, action_item, document, invitation, meeting, membership, notification_preference,
    one_time_token, outbox, person, rsvp, session,
};
use crate::error::StoreError;
use crate::invitations::invitation_from_row;
use crate::outbox::{NewMail, enqueue};
use crate::people::person_from_row;

/// The name a deleted account leaves in group history.
pub const FORMER_MEMBER: &str = "Former member";

impl Store {
    /// Applies a person's own changes to their profile, with an activity entry, in one
    /// transaction.
    pub async fn update_profile(
        &self,
        id: PersonId,
        update: ProfileUpdate,
    ) -> Result<Recorded<Person>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = person::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound { entity: "person" })?;
        let mut row = row.into_active_model();
        if let Some(name) = update.display_name {
            row.display_name_normalized = Set(name.to_lowercase());
            row.display_name = Set(name);
        }
        if let Some(organisation) = update.organisation {
            row.organisation = Set(organisation);
        }
        if let Some(country) = update.country {
            row.country = Set(country.as_str().to_owned());
        }
        if let Some(kind) = update.stakeholder_type {
            row.stakeholder_type = Set(kind.as_str().to_owned());
        }
        if let Some(gender) = update.gender {
            row.gender = Set(gender.map(|gender| gender.as_str().to_owned()));
        }
        if let Some(language) = update.preferred_language {
            row.preferred_language = Set(language.code().to_owned());
        }
        if let Some(zone) = update.time_zone {
            row.time_zone = Set(zone.name().to_owned());
        }
        if let Some(hours) = update.working_hours {
            row.working_hours_start = Set(hours.map(|h| i32::try_from(h.start_hour).unwrap_or(0)));
            row.working_hours_end = Set(hours.map(|h| i32::try_from(h.end_hour).unwrap_or(24)));
        }
        if let Some(listed) = update.listed_publicly {
            row.listed_publicly = Set(listed);
        }
        row.updated_at = Set(now);
        let row = row.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(id),
                Change::ProfileUpdated(AccountFacts { person: id }),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(person_from_row(row)?, vec![event]))
    }

    /// Stores a change-of-address token holding `new_email` and queues its mails, in one
    /// transaction. Earlier unused change tokens of the person stop working.
    pub async fn issue_email_change(
        &self,
        person: PersonId,
        token: NewToken,
        new_email: &Email,
        mails: Vec<NewMail>,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        one_time_token::Entity::update_many()
            .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
            .filter(one_time_token::Column::PersonId.eq(person.0))
            .filter(one_time_token::Column::Purpose.eq(TokenPurpose::ChangeEmail.as_str()))
            .filter(one_time_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        one_time_token::ActiveModel {
            person_id: Set(person.0),
            purpose: Set(token.purpose.as_str().to_owned()),
            token_hash: Set(token.token_hash),
            created_at: Set(now),
            expires_at: Set(token.expires_at),
            used_at: Set(None),
            new_email: Set(Some(new_email.as_str().to_owned())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for mail in mails {
            enqueue(&txn, mail, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Spends a change-of-address token: the person signs in with the new address from
    /// now on (it is proven), and every session but `keep` ends. An address taken in the
    /// meantime is a conflict on `email`.
    pub async fn confirm_email_change(
        &self,
        token_hash: &str,
        keep: impl FnOnce(PersonId) -> Option<SessionId>,
    ) -> Result<Recorded<PersonId>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let stored = one_time_token::Entity::find()
            .filter(one_time_token::Column::TokenHash.eq(token_hash))
            .filter(one_time_token::Column::Purpose.eq(TokenPurpose::ChangeEmail.as_str()))
            .one(&txn)
            .await?
            .and_then(|row| row.new_email)
            .ok_or(StoreError::Token(TokenProblem::Unknown))?;
        let person = spend_token(&txn, TokenPurpose::ChangeEmail, token_hash, now).await?;
        let email = Email::parse(&stored).map_err(StoreError::Invalid)?;
        person::Entity::update_many()
            .col_expr(person::Column::Email, Expr::value(email.as_str()))
            .col_expr(
                person::Column::EmailNormalized,
                Expr::value(email.normalized()),
            )
            .col_expr(person::Column::UpdatedAt, Expr::value(now))
            .filter(person::Column::Id.eq(person.0))
            .exec(&txn)
            .await
            .map_err(|error| match StoreError::from(error) {
                conflict @ StoreError::Conflict { .. } => StoreError::Conflict {
                    constraint: format!("email ({conflict})"),
                },
                other => other,
            })?;
        account::Entity::update_many()
            .col_expr(account::Column::EmailVerifiedAt, Expr::value(now))
            .filter(account::Column::PersonId.eq(person.0))
            .exec(&txn)
            .await?;
        revoke_sessions(&txn, person, keep(person), now).await?;
        let event = self
            .record(
                &txn,
                Some(person),
                Change::EmailChanged(AccountFacts { person }),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(person, vec![event]))
    }

    /// Anonymises a person in one transaction, keeping the rows group history points to:
    /// the name becomes [`FORMER_MEMBER`], the address a unique undeliverable one, private
    /// fields are cleared, the password can never match, sessions, the calendar feed,
    /// unused tokens and preferences go, memberships end, open invitations to or from them
    /// are withdrawn, mail not yet sent to them is withdrawn and the outbox forgets their
    /// address, and their answers to meetings still to come are removed. Refused while
    /// they are the last active coordinator of a group, or the last administrator.
    pub async fn delete_account(&self, id: PersonId) -> Result<Recorded<()>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let person_row = person::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound { entity: "person" })?;
        let account_row = account::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound { entity: "account" })?;
        let memberships = membership::Entity::find()
            .filter(membership::Column::PersonId.eq(id.0))
            .all(&txn)
            .await?;
        for coordinated in memberships.iter().filter(|m| {
            m.status == MembershipStatus::Active.as_str()
                && m.role == MembershipRole::Coordinator.as_str()
        }) {
            let others = membership::Entity::find()
                .filter(membership::Column::WorkingGroupId.eq(coordinated.working_group_id))
                .filter(membership::Column::Status.eq(MembershipStatus::Active.as_str()))
                .filter(membership::Column::Role.eq(MembershipRole::Coordinator.as_str()))
                .filter(membership::Column::PersonId.ne(id.0))
                .lock_exclusive()
                .count(&txn)
                .await?;
            if others == 0 {
                return Err(StoreError::Membership(MembershipRefusal::LastCoordinator));
            }
        }
        if account_row.is_admin {
            let others = account::Entity::find()
                .filter(account::Column::IsAdmin.eq(true))
                .filter(account::Column::DisabledAt.is_null())
                .filter(account::Column::PersonId.ne(id.0))
                .lock_exclusive()
                .count(&txn)
                .await?;
            if others == 0 {
                return Err(StoreError::LastAdministrator);
            }
        }
        let old_address = person_row.email_normalized.clone();
        let sign_in_address = person_row.email.clone();
        let mut row = person_row.into_active_model();
        row.display_name = Set(FORMER_MEMBER.to_owned());
        row.display_name_normalized = Set(FORMER_MEMBER.to_lowercase());
        // `.invalid` is reserved (RFC 2606): nothing is ever delivered there.
        let placeholder = format!("former-member-{}@deleted.invalid", id.0);
        row.email = Set(placeholder.clone());
        row.email_normalized = Set(placeholder);
        row.organisation = Set(String::new());
        row.gender = Set(None);
        row.working_hours_start = Set(None);
        row.working_hours_end = Set(None);
        row.listed_publicly = Set(false);
        row.updated_at = Set(now);
        row.update(&txn).await?;
        let mut account = account_row.into_active_model();
        // Not a PHC string: no password ever verifies against it.
        account.password_hash = Set("!deleted".to_owned());
        account.is_admin = Set(false);
        account.disabled_at = Set(Some(now));
        account.update(&txn).await?;
        revoke_sessions(&txn, id, None, now).await?;
        end_calendar_feed(&txn, id).await?;
        one_time_token::Entity::delete_many()
            .filter(one_time_token::Column::PersonId.eq(id.0))
            .filter(one_time_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        notification_preference::Entity::delete_many()
            .filter(notification_preference::Column::PersonId.eq(id.0))
            .exec(&txn)
            .await?;
        invitation::Entity::update_many()
            .col_expr(invitation::Column::RevokedAt, Expr::value(now))
            .filter(
                Condition::any()
                    .add(invitation::Column::EmailNormalized.eq(old_address))
                    .add(invitation::Column::InvitedBy.eq(id.0)),
            )
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        withdraw_mail(&txn, id, &sign_in_address).await?;
        let answered: Vec<i32> = rsvp::Entity::find()
            .select_only()
            .column(rsvp::Column::MeetingId)
            .filter(rsvp::Column::PersonId.eq(id.0))
            .into_tuple()
            .all(&txn)
            .await?;
        let coming: Vec<i32> = if answered.is_empty() {
            Vec::new()
        } else {
            meeting::Entity::find()
                .select_only()
                .column(meeting::Column::Id)
                .filter(meeting::Column::Id.is_in(answered))
                .filter(meeting::Column::StartsAt.gte(now))
                .into_tuple()
                .all(&txn)
                .await?
        };
        if !coming.is_empty() {
            rsvp::Entity::delete_many()
                .filter(rsvp::Column::PersonId.eq(id.0))
                .filter(rsvp::Column::MeetingId.is_in(coming))
                .exec(&txn)
                .await?;
        }
        let mut events = Vec::new();
        for open in memberships.iter().filter(|m| {
            m.status == MembershipStatus::Active.as_str()
                || m.status == MembershipStatus::Pending.as_str()
        }) {
            membership::Entity::update_many()
                .col_expr(
                    membership::Column::Status,
                    Expr::value(MembershipStatus::Ended.as_str()),
                )
                .col_expr(membership::Column::Since, Expr::value(now))
                .filter(membership::Column::Id.eq(open.id))
                .exec(&txn)
                .await?;
            let facts = MembershipFacts {
                membership: MembershipId(open.id),
                group: WorkingGroupId(open.working_group_id),
                person: id,
                role: MembershipRole::parse(&open.role)
                    .map_err(crate::error::corrupt("membership.role"))?,
                status: MembershipStatus::Ended,
            };
            events.push(
                self.record(&txn, Some(id), Change::MembershipLeft(facts))
                    .await?,
            );
        }
        events.push(
            self.record(
                &txn,
                Some(id),
                Change::AccountDeleted(AccountFacts { person: id }),
            )
            .await?,
        );
        txn.commit().await?;
        Ok(Recorded::new((), events))
    }

    /// The action items a person owns, across groups, oldest first, of one status or all.
    pub async fn action_items_owned_by(
        &self,
        owner: PersonId,
        status: Option<ActionStatus>,
        page: PageRequest,
    ) -> Result<Page<ActionItem>, StoreError> {
        let mut condition = Condition::all().add(action_item::Column::OwnerId.eq(owner.0));
        if let Some(status) = status {
            condition = condition.add(action_item::Column::Status.eq(status.as_str()));
        }
        let total_count = action_item::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let mut query = action_item::Entity::find()
            .filter(condition)
            .order_by_asc(action_item::Column::Id)
            .limit(u64::from(page.size) + 1);
        if let Some(after) = page.after {
            query = query.filter(action_item::Column::Id.gt(after));
        }
        let mut rows = query.all(&self.db).await?;
        let has_next_page = rows.len() > page.size as usize;
        rows.truncate(page.size as usize);
        Ok(Page {
            items: rows
                .into_iter()
                .map(action_from_row)
                .collect::<Result<_, _>>()?,
            has_next_page,
            total_count,
        })
    }

    /// The open, unexpired invitations to `email`, newest first.
    pub async fn pending_invitations_to(
        &self,
        email: &Email,
    ) -> Result<Vec<Invitation>, StoreError> {
        invitation::Entity::find()
            .filter(invitation::Column::EmailNormalized.eq(email.normalized()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::RevokedAt.is_null())
            .filter(invitation::Column::ExpiresAt.gt(self.clock.now()))
            .order_by_desc(invitation::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(invitation_from_row)
            .collect()
    }

    /// Everything stored about a person, as one JSON document: their profile and account
    /// standing, memberships with their notes, answers to meetings, action items,
    /// invitations they sent and received, documents they uploaded, notification
    /// preferences, sessions (times only) and the mail queued for them (kind and dates).
    /// Password hashes, token hashes and other people's private data are left out.
    pub async fn personal_data(&self, id: PersonId) -> Result<Value, StoreError> {
        let db = &self.db;
        let person = self.person(id).await?;
        let account = self.account(id).await?;
        let memberships = membership::Entity::find()
            .filter(membership::Column::PersonId.eq(id.0))
            .order_by_asc(membership::Column::Id)
            .all(db)
            .await?;
        let rsvps = rsvp::Entity::find()
            .filter(rsvp::Column::PersonId.eq(id.0))
            .order_by_asc(rsvp::Column::MeetingId)
            .all(db)
            .await?;
        let actions = action_item::Entity::find()
            .filter(action_item::Column::OwnerId.eq(id.0))
            .order_by_asc(action_item::Column::Id)
            .all(db)
            .await?;
        let received = invitation::Entity::find()
            .filter(invitation::Column::EmailNormalized.eq(person.email.normalized()))
            .order_by_asc(invitation::Column::Id)
            .all(db)
            .await?;
        let sent = invitation::Entity::find()
            .filter(invitation::Column::InvitedBy.eq(id.0))
            .order_by_asc(invitation::Column::Id)
            .all(db)
            .await?;
        let documents = document::Entity::find()
            .filter(document::Column::CreatedBy.eq(id.0))
            .order_by_asc(document::Column::Id)
            .all(db)
            .await?;
        let preferences = notification_preference::Entity::find()
            .filter(notification_preference::Column::PersonId.eq(id.0))
            .order_by_asc(notification_preference::Column::Category)
            .all(db)
            .await?;
        let sessions = session::Entity::find()
            .filter(session::Column::PersonId.eq(id.0))
            .order_by_asc(session::Column::Id)
            .all(db)
            .await?;
        let mails = outbox::Entity::find()
            .filter(outbox::Column::PersonId.eq(id.0))
            .order_by_asc(outbox::Column::Id)
            .all(db)
            .await?;
        let invitation_json = |row: &invitation::Model| {
            json!({
                "workingGroupId": row.working_group_id,
                "email": row.email,
                "role": row.role,
                "createdAt": row.created_at,
                "expiresAt": row.expires_at,
                "acceptedAt": row.accepted_at,
                "revokedAt": row.revoked_at,
            })
        };
        Ok(json!({
            "exportedAt": self.clock.now(),
            "profile": {
                "id": person.id.0,
                "displayName": person.display_name,
                "email": person.email.as_str(),
                "organisation": person.organisation,
                "country": person.country.as_str(),
                "stakeholderType": person.stakeholder_type.as_str(),
                "gender": person.gender.as_ref().map(|g| g.as_str()),
                "preferredLanguage": person.preferred_language.code(),
                "timeZone": person.time_zone.name(),
                "workingHours": person.working_hours.map(|h| json!({
                    "startHour": h.start_hour,
                    "endHour": h.end_hour,
                })),
                "listedPublicly": person.listed_publicly,
                "createdAt": person.created_at,
            },
            "account": {
                "emailVerifiedAt": account.email_verified_at,
                "isAdmin": account.is_admin,
                "disabledAt": account.disabled_at,
            },
            "memberships": memberships.iter().map(|m| json!({
                "workingGroupId": m.working_group_id,
                "role": m.role,
                "status": m.status,
                "since": m.since,
                "createdAt": m.created_at,
                "motivation": m.motivation,
                "decisionReason": m.decision_reason,
            })).collect::<Vec<_>>(),
            "rsvps": rsvps.iter().map(|r| json!({
                "meetingId": r.meeting_id,
                "response": r.response,
                "answeredAt": r.answered_at,
            })).collect::<Vec<_>>(),
            "actionItems": actions.iter().map(|a| json!({
                "meetingId": a.meeting_id,
                "title": a.title,
                "dueOn": a.due_on,
                "status": a.status,
                "raisedAt": a.raised_at,
                "doneAt": a.done_at,
            })).collect::<Vec<_>>(),
            "invitationsReceived": received.iter().map(invitation_json).collect::<Vec<_>>(),
            "invitationsSent": sent.iter().map(invitation_json).collect::<Vec<_>>(),
            "documentsUploaded": documents.iter().map(|d| json!({
                "documentId": d.id,
                "workingGroupId": d.working_group_id,
                "kind": d.kind,
                "visibility": d.visibility,
                "createdAt": d.created_at,
            })).collect::<Vec<_>>(),
            "notificationPreferences": preferences.iter().map(|p| json!({
                "category": p.category,
                "mode": p.mode,
            })).collect::<Vec<_>>(),
            "sessions": sessions.iter().map(|s| json!({
                "createdAt": s.created_at,
                "lastUsedAt": s.last_used_at,
                "expiresAt": s.expires_at,
                "revokedAt": s.revoked_at,
            })).collect::<Vec<_>>(),
            "mails": mails.iter().map(|m| json!({
                "kind": m.template,
                "to": m.to_address,
                "status": m.status,
                "queuedAt": m.created_at,
                "sentAt": m.sent_at,
            })).collect::<Vec<_>>(),
        }))
    }
}

/// Why mail still waiting for a deleted person was not sent (shown to administrators).
const WITHDRAWN: &str = "not sent: the recipient deleted their account";

/// Mail waiting for `person` (to their account, or to their address before they had one)
/// is withdrawn, and every message keeps neither their address, their name nor the mail's
/// fields. A message a worker holds right now is only scrubbed: its lease decides it.
async fn withdraw_mail(
    txn: &impl sea_orm::ConnectionTrait,
    person: PersonId,
    address: &str,
) -> Result<(), StoreError> {
    let waiting = outbox::Column::Status.is_in([
        OutboxStatus::Pending.as_str(),
        OutboxStatus::Digest.as_str(),
    ]);
    let placeholder = format!("former-member-{}@deleted.invalid", person.0);
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::case(waiting.clone(), OutboxStatus::Failed.as_str())
                .finally(Expr::col(outbox::Column::Status))
                .into(),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::case(waiting, WITHDRAWN)
                .finally(Expr::col(outbox::Column::LastError))
                .into(),
        )
        .col_expr(
            outbox::Column::Data,
            Expr::value(Option::<serde_json::Value>::None),
        )
        .col_expr(outbox::Column::ToAddress, Expr::value(placeholder))
        .col_expr(outbox::Column::ToName, Expr::value(FORMER_MEMBER))
        .filter(
            Condition::any()
                .add(outbox::Column::PersonId.eq(person.0))
                .add(outbox::Column::ToAddress.eq(address)),
        )
        .exec(txn)
        .await?;
    Ok(())
}
