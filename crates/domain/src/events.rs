//! What happened: the one description of a change that the activity log stores, the event
//! bus carries to live subscriptions, and notification rules read. Each event is an entry
//! of the activity log, so its id is the log's and nothing is announced that was not
//! recorded.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::coalition::WorkingGroupId;
use crate::membership::{MembershipRole, MembershipStatus};
use crate::people::PersonId;

/// The version of the serialised form; bumped when a field changes meaning.
pub const EVENT_FORMAT_VERSION: u16 = 1;

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The activity log entry's id.
    pub id: i32,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it; `None` for the system.
    pub actor: Option<PersonId>,
    /// What happened, as `subject.past_tense_verb` (e.g. `membership.approved`).
    pub verb: String,
    /// The kind of thing it happened to (e.g. `membership`).
    pub subject_type: String,
    /// The id of that thing.
    pub subject_id: i32,
    /// The group concerned, if any.
    pub working_group: Option<WorkingGroupId>,
    /// Details, versioned JSON.
    pub payload: serde_json::Value,
}

/// How an event travels between instances: versioned, so a newer instance can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// [`EVENT_FORMAT_VERSION`] of the sender.
    pub v: u16,
    /// The event.
    pub event: Event,
}

/// A change to someone's membership, read from an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipChange {
    /// Whose membership.
    pub person: PersonId,
    /// The group.
    pub group: WorkingGroupId,
    /// The role after the change.
    pub role: MembershipRole,
    /// The status after the change.
    pub status: MembershipStatus,
}

impl Event {
    /// The membership change this event records, if it records one.
    pub fn membership_change(&self) -> Option<MembershipChange> {
        if self.subject_type != "membership" {
            return None;
        }
        let field = |name: &str| self.payload.get(name);
        Some(MembershipChange {
            person: PersonId(i32::try_from(field("personId")?.as_i64()?).ok()?),
            group: self.working_group?,
            role: MembershipRole::parse(field("role")?.as_str()?).ok()?,
            status: MembershipStatus::parse(field("status")?.as_str()?).ok()?,
        })
    }

    /// The person whose account this event ends (disabled), if any.
    pub fn ended_account(&self) -> Option<PersonId> {
        (self.verb == "account.disabled" && self.subject_type == "person")
            .then_some(PersonId(self.subject_id))
    }

    /// Whether this event concerns `person` directly: their membership, account or
    /// invitation acceptance.
    pub fn concerns(&self, person: PersonId) -> bool {
        self.membership_change()
            .is_some_and(|change| change.person == person)
            || (self.subject_type == "person" && self.subject_id == person.0)
    }
}
