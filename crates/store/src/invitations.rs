//! Invitations to join a group: issued to an address, accepted once by whoever signs in
//! with that address.

use chrono::{DateTime, Utc};
use coalition_domain::accounts::TokenProblem;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, InvitationFacts};
use coalition_domain::membership::InvitationStatus;
use coalition_domain::membership::{
    Invitation, InvitationId, Membership, MembershipRefusal, MembershipRole, MembershipStatus,
};
use coalition_domain::pagination::{Page, PageRequest};
use coalition_domain::people::{Email, PersonId};
use coalition_domain::policy::Standing;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::activity::Recorded;
use crate::entities::{account, invitation, membership, person, working_group};
use crate::error::{StoreError, corrupt};
use crate::joining::{find_membership, membership_facts};
use crate::membership::membership_from_row;
use crate::outbox::{NewMail, enqueue};

/// An invitation to record.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// The group.
    pub group: WorkingGroupId,
    /// The address invited.
    pub email: Email,
    /// The role offered.
    pub role: MembershipRole,
    /// SHA-256 of the token mailed, hex.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Records an invitation, replacing any earlier one still open for the same address
    /// and group. Refused when the address belongs to an active member of the group.
    pub async fn create_invitation(
        &self,
        actor: PersonId,
        new: NewInvitation,
        mail: NewMail,
    ) -> Result<Recorded<Invitation>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        ensure_group_open(&txn, new.group).await?;
        let invitee = person::Entity::find()
            .filter(person::Column::EmailNormalized.eq(new.email.normalized()))
            .one(&txn)
            .await?;
        if let Some(invitee) = invitee {
            let existing = find_membership(&txn, PersonId(invitee.id), new.group).await?;
            if existing.is_some_and(|m| m.status == MembershipStatus::Active.as_str()) {
                return Err(StoreError::Membership(
                    MembershipRefusal::InviteeAlreadyMember,
                ));
            }
        }
        invitation::Entity::update_many()
            .col_expr(invitation::Column::RevokedAt, Expr::value(now))
            .filter(invitation::Column::WorkingGroupId.eq(new.group.0))
            .filter(invitation::Column::EmailNormalized.eq(new.email.normalized()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let row = invitation::ActiveModel {
            working_group_id: Set(new.group.0),
            email: Set(new.email.as_str().to_owned()),
            email_normalized: Set(new.email.normalized()),
            role: Set(new.role.as_str().to_owned()),
            token_hash: Set(new.token_hash),
            invited_by: Set(Some(actor.0)),
            created_at: Set(now),
            expires_at: Set(new.expires_at),
            accepted_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        enqueue(&txn, mail, now).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::InvitationSent(invitation_facts(&row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(invitation_from_row(row)?, vec![event]))
    }

    /// One invitation.
    pub async fn invitation(&self, id: InvitationId) -> Result<Invitation, StoreError> {
        invitation::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "invitation",
            })
            .and_then(invitation_from_row)
    }

    /// One page of a group's invitations, newest first, of one status or all; the status
    /// is decided at the store's "now" (an open invitation past its expiry is expired).
    pub async fn group_invitations(
        &self,
        group: WorkingGroupId,
        status: Option<InvitationStatus>,
        page: PageRequest,
    ) -> Result<Page<Invitation>, StoreError> {
        let now = self.clock.now();
        let mut condition = Condition::all().add(invitation::Column::WorkingGroupId.eq(group.0));
        let open = || {
            Condition::all()
                .add(invitation::Column::AcceptedAt.is_null())
                .add(invitation::Column::RevokedAt.is_null())
        };
        condition = match status {
            None => condition,
            Some(InvitationStatus::Accepted) => {
                condition.add(invitation::Column::AcceptedAt.is_not_null())
            }
            Some(InvitationStatus::Revoked) => condition
                .add(invitation::Column::AcceptedAt.is_null())
                .add(invitation::Column::RevokedAt.is_not_null()),
            Some(InvitationStatus::Pending) => condition
                .add(open())
                .add(invitation::Column::ExpiresAt.gt(now)),
            Some(InvitationStatus::Expired) => condition
                .add(open())
                .add(invitation::Column::ExpiresAt.lte(now)),
        };
        let total_count = invitation::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let mut query = invitation::Entity::find()
            .filter(condition)
            .order_by_desc(invitation::Column::Id)
            .limit(u64::from(page.size) + 1);
        if let Some(after) = page.after {
            query = query.filter(invitation::Column::Id.lt(after));
        }
        let mut rows = query.all(&self.db).await?;
        let has_next_page = rows.len() > page.size as usize;
        rows.truncate(page.size as usize);
        Ok(Page {
            items: rows
                .into_iter()
                .map(invitation_from_row)
                .collect::<Result<_, _>>()?,
            has_next_page,
            total_count,
        })
    }

    /// The invitation whose mailed token hashes to `token_hash`, whatever its status.
    pub async fn invitation_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
            .map(invitation_from_row)
            .transpose()
    }

    /// Withdraws an invitation that was not accepted yet.
    pub async fn revoke_invitation(
        &self,
        actor: PersonId,
        id: InvitationId,
    ) -> Result<Recorded<Invitation>, StoreError> {
        let txn = self.begin_write().await?;
        // Locked on PostgreSQL (as SQLite's write transactions are serialised) so that an
        // acceptance and a revocation at once cannot both succeed.
        let row = invitation::Entity::find_by_id(id.0)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "invitation",
            })?;
        if row.accepted_at.is_some() {
            return Err(StoreError::Token(TokenProblem::AlreadyUsed));
        }
        let mut update = row.into_active_model();
        update.revoked_at = Set(Some(self.clock.now()));
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::InvitationRevoked(invitation_facts(&row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(invitation_from_row(row)?, vec![event]))
    }

    /// Accepts an invitation for `person`, whose address must be the one invited: the
    /// membership becomes active with the role offered, whatever it was before. The
    /// issuer's standing now (read in the transaction, their membership row locked on
    /// PostgreSQL against a concurrent demotion) must satisfy `issuer_may_invite`, so an
    /// invitation from someone since removed or demoted gives nothing.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        person: PersonId,
        email: &Email,
        issuer_may_invite: impl FnOnce(&Standing, WorkingGroupId) -> bool,
    ) -> Result<Recorded<Membership>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        // Locked: see `revoke_invitation`.
        let row = invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(token_hash))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::Token(TokenProblem::Unknown))?;
        if row.accepted_at.is_some() {
            return Err(StoreError::Token(TokenProblem::AlreadyUsed));
        }
        if row.revoked_at.is_some() {
            return Err(StoreError::Token(TokenProblem::Unknown));
        }
        if row.expires_at <= now {
            return Err(StoreError::Token(TokenProblem::Expired));
        }
        if row.email_normalized != email.normalized() {
            return Err(StoreError::InvitationForAnotherAddress);
        }
        let group = WorkingGroupId(row.working_group_id);
        ensure_group_open(&txn, group).await?;
        let issuer = match row.invited_by {
            Some(issuer) => standing_in(&txn, PersonId(issuer), group).await?,
            None => None,
        };
        if !issuer.is_some_and(|issuer| issuer_may_invite(&issuer, group)) {
            return Err(StoreError::Membership(
                MembershipRefusal::InviterLostAuthority,
            ));
        }
        let membership_row = match find_membership(&txn, person, group).await? {
            Some(existing) if existing.status == MembershipStatus::Active.as_str() => {
                return Err(StoreError::Membership(MembershipRefusal::AlreadyMember));
            }
            Some(existing) => {
                let mut update = existing.into_active_model();
                update.role = Set(row.role.clone());
                update.status = Set(MembershipStatus::Active.as_str().to_owned());
                update.since = Set(now);
                update.decided_by = Set(row.invited_by);
                update.decision_reason = Set(None);
                update.update(&txn).await?
            }
            None => {
                membership::ActiveModel {
                    person_id: Set(person.0),
                    working_group_id: Set(group.0),
                    role: Set(row.role.clone()),
                    status: Set(MembershipStatus::Active.as_str().to_owned()),
                    since: Set(now),
                    created_at: Set(now),
                    motivation: Set(None),
                    decision_reason: Set(None),
                    decided_by: Set(row.invited_by),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        let mut accepted = row.into_active_model();
        accepted.accepted_at = Set(Some(now));
        accepted.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(person),
                Change::InvitationAccepted(membership_facts(&membership_row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(
            membership_from_row(membership_row)?,
            vec![event],
        ))
    }
}

/// Refuses a change that would add someone to an archived group.
pub(crate) async fn ensure_group_open(
    db: &impl ConnectionTrait,
    group: WorkingGroupId,
) -> Result<(), StoreError> {
    let row = working_group::Entity::find_by_id(group.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "working group",
        })?;
    if row.archived_at.is_some() {
        return Err(StoreError::Membership(MembershipRefusal::GroupArchived));
    }
    Ok(())
}

/// What `person` may do in `group` as stored (`None`: no such account), their membership
/// row locked on PostgreSQL until the transaction ends.
async fn standing_in(
    db: &impl ConnectionTrait,
    person: PersonId,
    group: WorkingGroupId,
) -> Result<Option<Standing>, StoreError> {
    let Some(account) = account::Entity::find_by_id(person.0).one(db).await? else {
        return Ok(None);
    };
    let membership = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person.0))
        .filter(membership::Column::WorkingGroupId.eq(group.0))
        .lock_shared()
        .one(db)
        .await?
        .map(membership_from_row)
        .transpose()?;
    Ok(Some(Standing {
        person,
        is_admin: account.is_admin,
        disabled: account.disabled_at.is_some(),
        memberships: membership
            .map(|m| (m.working_group_id, (m.role, m.status)))
            .into_iter()
            .collect(),
    }))
}

/// An invitation row as the activity log describes it (the address stays out of the log:
/// the invitation row holds it).
fn invitation_facts(row: &invitation::Model) -> Result<InvitationFacts, StoreError> {
    Ok(InvitationFacts {
        invitation: InvitationId(row.id),
        group: WorkingGroupId(row.working_group_id),
        role: MembershipRole::parse(&row.role).map_err(corrupt("invitation.role"))?,
    })
}

pub(crate) fn invitation_from_row(row: invitation::Model) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: InvitationId(row.id),
        working_group_id: WorkingGroupId(row.working_group_id),
        email: Email::parse(&row.email).map_err(corrupt("invitation.email"))?,
        role: MembershipRole::parse(&row.role).map_err(corrupt("invitation.role"))?,
        invited_by: row.invited_by.map(PersonId),
        expires_at: row.expires_at,
        accepted_at: row.accepted_at,
        revoked_at: row.revoked_at,
    })
}
