//! The membership workflow: requests, decisions, roles, leaving and removal, each in one
//! transaction with its activity entry. The rules themselves live in the domain
//! (`coalition_domain::membership`); this module loads, locks and saves around them.

use coalition_domain::coalition::{JoinPolicy, WorkingGroup, WorkingGroupId};
use coalition_domain::events::{Change, MembershipFacts};
use coalition_domain::membership::{
    Membership, MembershipId, MembershipRefusal, MembershipRole, MembershipStatus,
    ensure_coordinator_remains, request_outcome,
};
use coalition_domain::people::{Person, PersonId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::activity::Recorded;
use crate::coalition::group_from_row;
use crate::entities::{membership, person, working_group};
use crate::error::{StoreError, corrupt};
use crate::membership::membership_from_row;
use crate::outbox::{NewMail, enqueue};
use crate::people::person_from_row;

/// A coordinator's decision on a pending request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Admit the person as a member.
    Approve,
    /// Turn the request down, with a reason the person will read.
    Reject {
        /// Why.
        reason: String,
    },
}

impl Store {
    /// One membership.
    pub async fn membership(&self, id: MembershipId) -> Result<Membership, StoreError> {
        membership::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "membership",
            })
            .and_then(membership_from_row)
    }

    /// The membership of `person` in `group`, whatever its status.
    pub async fn membership_of(
        &self,
        person: PersonId,
        group: WorkingGroupId,
    ) -> Result<Option<Membership>, StoreError> {
        find_membership(&self.db, person, group)
            .await?
            .map(membership_from_row)
            .transpose()
    }

    /// The group's active coordinators.
    pub async fn coordinators(&self, group: WorkingGroupId) -> Result<Vec<Person>, StoreError> {
        let rows = person::Entity::find()
            .inner_join(membership::Entity)
            .filter(membership::Column::WorkingGroupId.eq(group.0))
            .filter(membership::Column::Role.eq(MembershipRole::Coordinator.as_str()))
            .filter(membership::Column::Status.eq(MembershipStatus::Active.as_str()))
            .order_by_asc(membership::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(person_from_row).collect()
    }

    /// Makes a group open or moderated.
    pub async fn set_join_policy(
        &self,
        actor: PersonId,
        group: WorkingGroupId,
        policy: JoinPolicy,
    ) -> Result<Recorded<WorkingGroup>, StoreError> {
        let txn = self.begin_write().await?;
        let row = working_group::Entity::find_by_id(group.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "working group",
            })?;
        let mut update = row.into_active_model();
        update.join_policy = Set(policy.as_str().to_owned());
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::JoinPolicyChanged {
                    group,
                    join_policy: policy,
                },
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(group_from_row(row)?, vec![event]))
    }

    /// Records a request to join: pending in a moderated group, active in an open one.
    /// Someone who left or was turned down may ask again; the same row is reused.
    pub async fn request_to_join(
        &self,
        person: PersonId,
        group: WorkingGroupId,
        motivation: Option<String>,
        mails_if_pending: Vec<NewMail>,
    ) -> Result<Recorded<Membership>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let group_row = working_group::Entity::find_by_id(group.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "working group",
            })?;
        if group_row.archived_at.is_some() {
            return Err(StoreError::Membership(MembershipRefusal::GroupArchived));
        }
        let policy = group_from_row(group_row)?.join_policy;
        let existing = find_membership(&txn, person, group).await?;
        let previous = existing.clone().map(membership_from_row).transpose()?;
        let status =
            request_outcome(previous.map(|m| m.status), policy).map_err(StoreError::Membership)?;
        let row = match existing {
            Some(row) => {
                let mut update = row.into_active_model();
                update.role = Set(MembershipRole::Member.as_str().to_owned());
                update.status = Set(status.as_str().to_owned());
                update.since = Set(now);
                update.motivation = Set(motivation);
                update.decision_reason = Set(None);
                update.decided_by = Set(None);
                update.update(&txn).await?
            }
            None => {
                membership::ActiveModel {
                    person_id: Set(person.0),
                    working_group_id: Set(group.0),
                    role: Set(MembershipRole::Member.as_str().to_owned()),
                    status: Set(status.as_str().to_owned()),
                    since: Set(now),
                    created_at: Set(now),
                    motivation: Set(motivation),
                    decision_reason: Set(None),
                    decided_by: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        let facts = membership_facts(&row)?;
        let change = if status == MembershipStatus::Active {
            Change::MembershipJoined(facts)
        } else {
            // Only a request waits for someone: only then are the coordinators told.
            for mail in mails_if_pending {
                enqueue(&txn, mail, now).await?;
            }
            Change::MembershipRequested(facts)
        };
        let event = self.record(&txn, Some(person), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(membership_from_row(row)?, vec![event]))
    }

    /// Approves or rejects a pending request.
    pub async fn decide_request(
        &self,
        actor: PersonId,
        id: MembershipId,
        decision: Decision,
        mail: Option<NewMail>,
    ) -> Result<Recorded<Membership>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_membership(&txn, id).await?;
        if membership_from_row(row.clone())?.status != MembershipStatus::Pending {
            return Err(StoreError::Membership(MembershipRefusal::NotPending));
        }
        let mut update = row.into_active_model();
        update.since = Set(self.clock.now());
        update.decided_by = Set(Some(actor.0));
        let rejection = match decision {
            Decision::Approve => {
                update.status = Set(MembershipStatus::Active.as_str().to_owned());
                None
            }
            Decision::Reject { reason } => {
                update.status = Set(MembershipStatus::Rejected.as_str().to_owned());
                update.decision_reason = Set(Some(reason.clone()));
                Some(reason)
            }
        };
        let row = update.update(&txn).await?;
        let membership = membership_facts(&row)?;
        let change = match rejection {
            None => Change::MembershipApproved(membership),
            Some(reason) => Change::MembershipRejected { membership, reason },
        };
        if let Some(mail) = mail {
            enqueue(&txn, mail, self.clock.now()).await?;
        }
        let event = self.record(&txn, Some(actor), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(membership_from_row(row)?, vec![event]))
    }

    /// Changes the role of an active member, keeping at least one coordinator.
    pub async fn change_member_role(
        &self,
        actor: PersonId,
        id: MembershipId,
        role: MembershipRole,
    ) -> Result<Recorded<Membership>, StoreError> {
        let txn = self.begin_write().await?;
        let (row, current) = load_active_keeping_a_coordinator(&txn, id, Some(role)).await?;
        let mut update = row.into_active_model();
        update.role = Set(role.as_str().to_owned());
        let row = update.update(&txn).await?;

        let event = self
            .record(
                &txn,
                Some(actor),
                Change::MembershipRoleChanged {
                    membership: membership_facts(&row)?,
                    from: current.role,
                    to: role,
                },
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(membership_from_row(row)?, vec![event]))
    }

    /// Ends an active membership: the person left (`actor` is themselves) or was removed.
    /// The group keeps at least one coordinator.
    pub async fn end_membership(
        &self,
        actor: PersonId,
        id: MembershipId,
    ) -> Result<Recorded<Membership>, StoreError> {
        let txn = self.begin_write().await?;
        let (row, current) = load_active_keeping_a_coordinator(&txn, id, None).await?;
        let mut update = row.into_active_model();
        update.status = Set(MembershipStatus::Ended.as_str().to_owned());
        update.since = Set(self.clock.now());
        let row = update.update(&txn).await?;
        let facts = membership_facts(&row)?;
        let change = if actor == current.person_id {
            Change::MembershipLeft(facts)
        } else {
            Change::MembershipRemoved(facts)
        };
        let event = self.record(&txn, Some(actor), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(membership_from_row(row)?, vec![event]))
    }
}

pub(crate) async fn find_membership(
    db: &impl ConnectionTrait,
    person: PersonId,
    group: WorkingGroupId,
) -> Result<Option<membership::Model>, StoreError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person.0))
        .filter(membership::Column::WorkingGroupId.eq(group.0))
        .one(db)
        .await?)
}

async fn load_membership(
    db: &impl ConnectionTrait,
    id: MembershipId,
) -> Result<membership::Model, StoreError> {
    // Locked on PostgreSQL so two coordinators deciding at once are serialised, as
    // SQLite's write transactions already are.
    membership::Entity::find_by_id(id.0)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "membership",
        })
}

/// Loads an active membership about to change role (`Some`) or end (`None`), refusing
/// when the change would leave its group without an active coordinator.
async fn load_active_keeping_a_coordinator(
    db: &impl ConnectionTrait,
    id: MembershipId,
    new_role: Option<MembershipRole>,
) -> Result<(membership::Model, Membership), StoreError> {
    // A membership never changes group, so an unlocked read finds which rows to lock.
    let group = membership::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "membership",
        })?
        .working_group_id;
    // The membership and the group's active coordinators are locked in one statement, in
    // id order (on PostgreSQL; SQLite's write transactions are serialised): two
    // coordinators demoting each other then wait for one another instead of each holding
    // one row and waiting for the other's (a deadlock). Under READ COMMITTED, rows changed
    // meanwhile are re-read, so the count is the committed one.
    let rows = membership::Entity::find()
        .filter(
            Condition::any().add(membership::Column::Id.eq(id.0)).add(
                Condition::all()
                    .add(membership::Column::WorkingGroupId.eq(group))
                    .add(membership::Column::Role.eq(MembershipRole::Coordinator.as_str()))
                    .add(membership::Column::Status.eq(MembershipStatus::Active.as_str())),
            ),
        )
        .order_by_asc(membership::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    let row = rows
        .iter()
        .find(|row| row.id == id.0)
        .cloned()
        .ok_or(StoreError::NotFound {
            entity: "membership",
        })?;
    let current = membership_from_row(row.clone())?;
    if current.status != MembershipStatus::Active {
        return Err(StoreError::Membership(MembershipRefusal::NotActive));
    }
    let coordinators = rows
        .iter()
        .filter(|row| {
            row.role == MembershipRole::Coordinator.as_str()
                && row.status == MembershipStatus::Active.as_str()
        })
        .count() as u64;
    ensure_coordinator_remains(&current, new_role, coordinators).map_err(StoreError::Membership)?;
    Ok((row, current))
}

/// A membership row as the activity log describes it.
pub(crate) fn membership_facts(row: &membership::Model) -> Result<MembershipFacts, StoreError> {
    Ok(MembershipFacts {
        membership: MembershipId(row.id),
        group: WorkingGroupId(row.working_group_id),
        person: PersonId(row.person_id),
        role: MembershipRole::parse(&row.role).map_err(corrupt("membership.role"))?,
        status: MembershipStatus::parse(&row.status).map_err(corrupt("membership.status"))?,
    })
}
