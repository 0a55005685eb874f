//! What a meeting is about and what comes of it: agenda items with their minutes and
//! decisions, and action items that stay on the group's table until done.

use chrono::{DateTime, NaiveDate, Utc};

use crate::coalition::WorkingGroupId;
use crate::error::InvalidInput;
use crate::meetings::MeetingId;
use crate::people::{PersonId, parse_short_text};

/// Most people one call may record as attending an occurrence: far above any meeting of
/// the coalition, low enough that one request stays cheap.
pub const MAX_ATTENDEES: usize = 1000;

/// Checks the size of an attendance list.
pub fn check_attendance(people: &[PersonId]) -> Result<(), InvalidInput> {
    if people.len() > MAX_ATTENDEES {
        return Err(InvalidInput::new(
            "attendeeIds",
            format!("at most {MAX_ATTENDEES} people at once"),
        ));
    }
    Ok(())
}

/// Identifies an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgendaItemId(pub i32);

/// Identifies an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionItemId(pub i32);

/// One point of a meeting's agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaItem {
    /// Identity.
    pub id: AgendaItemId,
    /// The meeting.
    pub meeting: MeetingId,
    /// Its place, from 1.
    pub position: i32,
    /// What it is about.
    pub title: String,
    /// Who presents it.
    pub presenter: Option<String>,
    /// Minutes set aside.
    pub minutes_allotted: Option<i32>,
    /// Preparation notes.
    pub notes: String,
    /// What was said, recorded after the discussion.
    pub minutes: Option<String>,
    /// What was decided.
    pub decisions: Vec<String>,
}

/// Where an action item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// Still to do: carried to the group's next meetings.
    Open,
    /// Done.
    Done,
}

impl ActionStatus {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "open" => Ok(ActionStatus::Open),
            "done" => Ok(ActionStatus::Done),
            other => Err(InvalidInput::new(
                "status",
                format!("unknown status '{other}'"),
            )),
        }
    }
}

/// Something someone agreed to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItem {
    /// Identity.
    pub id: ActionItemId,
    /// The meeting where it was raised.
    pub meeting: MeetingId,
    /// The group it belongs to (none for a plenary's).
    pub working_group: Option<WorkingGroupId>,
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner: Option<PersonId>,
    /// By when.
    pub due_on: Option<NaiveDate>,
    /// Open or done.
    pub status: ActionStatus,
    /// When the meeting that raised it started (orders carry-over).
    pub raised_at: DateTime<Utc>,
}

/// The editable fields of an agenda item, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaItemDraft {
    /// What it is about (1–200 characters).
    pub title: String,
    /// Who presents it (up to 120 characters).
    pub presenter: Option<String>,
    /// Minutes set aside (1–600).
    pub minutes_allotted: Option<i32>,
    /// Preparation notes (up to 20,000 characters).
    pub notes: String,
}

impl AgendaItemDraft {
    /// Checks the fields.
    pub fn parse(
        title: &str,
        presenter: Option<&str>,
        minutes_allotted: Option<i32>,
        notes: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let presenter = match presenter.map(str::trim).filter(|p| !p.is_empty()) {
            Some(name) => Some(parse_short_text("presenter", name, 120)?),
            None => None,
        };
        if minutes_allotted.is_some_and(|m| !(1..=600).contains(&m)) {
            return Err(InvalidInput::new(
                "minutesAllotted",
                "give 1 to 600 minutes",
            ));
        }
        Ok(Self {
            title: parse_short_text("title", title, 200)?,
            presenter,
            minutes_allotted,
            notes: long_text("notes", notes.unwrap_or_default())?,
        })
    }
}

/// Checks minutes and decisions before they are recorded.
pub fn check_minutes(
    minutes: &str,
    decisions: &[String],
) -> Result<(String, Vec<String>), InvalidInput> {
    if decisions.len() > 50 {
        return Err(InvalidInput::new(
            "decisions",
            "record at most 50 decisions per item",
        ));
    }
    let decisions = decisions
        .iter()
        .map(|decision| parse_short_text("decisions", decision, 2_000))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((long_text("minutes", minutes)?, decisions))
}

fn long_text(field: &'static str, text: &str) -> Result<String, InvalidInput> {
    let text = text.trim();
    if text.chars().count() > 20_000 {
        return Err(InvalidInput::new(field, "use at most 20,000 characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agenda_items_and_minutes_are_checked() {
        assert!(AgendaItemDraft::parse("Budget", Some("Amina"), Some(15), None).is_ok());
        assert_eq!(
            AgendaItemDraft::parse(" ", None, None, None)
                .unwrap_err()
                .field,
            "title"
        );
        assert_eq!(
            AgendaItemDraft::parse("Budget", None, Some(0), None)
                .unwrap_err()
                .field,
            "minutesAllotted"
        );
        assert!(check_minutes("Discussed.", &["Adopt the plan".to_owned()]).is_ok());
        assert_eq!(
            check_minutes("", &[" ".to_owned()]).unwrap_err().field,
            "decisions"
        );
        assert_eq!(ActionStatus::parse("done"), Ok(ActionStatus::Done));
    }
}
