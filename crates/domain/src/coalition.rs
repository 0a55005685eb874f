//! The coalition, the areas of action it works on, and its working groups.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::language::LocalisedText;

/// How people join a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    /// A request makes the person a member at once.
    Open,
    /// A coordinator approves each request.
    #[default]
    Moderated,
}

impl JoinPolicy {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinPolicy::Open => "open",
            JoinPolicy::Moderated => "moderated",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "open" => Ok(JoinPolicy::Open),
            "moderated" => Ok(JoinPolicy::Moderated),
            other => Err(InvalidInput::new(
                "joinPolicy",
                format!("unknown join policy '{other}': use open or moderated"),
            )),
        }
    }
}

/// Identifies the coalition (one per deployment today; the id keeps the model honest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CoalitionId(pub i32);

/// Identifies an area of action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AreaId(pub i32);

/// Identifies a working group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkingGroupId(pub i32);

/// The umbrella network that oversees the working groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Coalition {
    /// Identity.
    pub id: CoalitionId,
    /// Stable, URL-safe name.
    pub slug: String,
    /// Full name.
    pub name: LocalisedText,
    /// What the coalition is for.
    pub description: LocalisedText,
    /// When it was launched.
    pub launched_on: NaiveDate,
}

/// One of the five areas of action of the UNESCO Recommendation on OER (2019).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaOfAction {
    /// Identity.
    pub id: AreaId,
    /// The coalition the area belongs to.
    pub coalition_id: CoalitionId,
    /// Its number in the Recommendation, 1 to 5.
    pub number: i16,
    /// The area's title.
    pub name: LocalisedText,
}

/// An expert working group, tied to one area of action.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingGroup {
    /// Identity.
    pub id: WorkingGroupId,
    /// The coalition overseeing the group.
    pub coalition_id: CoalitionId,
    /// The area of action the group works on.
    pub area_id: AreaId,
    /// Stable, URL-safe name.
    pub slug: String,
    /// Short name.
    pub name: LocalisedText,
    /// One or two sentences on what the group does.
    pub summary: LocalisedText,
    /// What the coalition asks of the group.
    pub mandate: LocalisedText,
    /// Whether requests to join need a coordinator's approval.
    pub join_policy: JoinPolicy,
    /// When the group was created.
    pub created_at: DateTime<Utc>,
}
