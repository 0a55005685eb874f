//! What a viewer may see of meetings: one meeting, a group's calendar, upcoming meetings.

use chrono::{DateTime, Duration, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::meetings::{
    MAX_OCCURRENCES, Meeting, MeetingId, Occurrence, OccurrenceStatus,
};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::MeetingScope;

use super::{MAX_WINDOW_DAYS, check_window, visible_occurrences};
use crate::{ServiceError, Services};

impl Services {
    /// A meeting the viewer may see; others are "not found", not "forbidden", so their
    /// existence does not leak.
    pub async fn meeting_for(
        &self,
        viewer: &Viewer,
        id: MeetingId,
    ) -> Result<Meeting, ServiceError> {
        let meeting = self.store.meeting(id).await?;
        if policy::allows(viewer, Action::read_meeting(&meeting)) {
            Ok(meeting)
        } else {
            Err(ServiceError::NotFound("meeting"))
        }
    }

    /// The occurrences of a group's meetings in `[from, to)` the viewer may see.
    pub async fn group_meetings(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        check_window(from, to)?;
        let scope = MeetingScope {
            groups: vec![group],
            plenaries: false,
        };
        self.occurrences(viewer, &scope, from, to).await
    }

    /// The signed-in person's meetings in the coming `days`: their groups' and plenaries.
    pub async fn upcoming_meetings(
        &self,
        viewer: &Viewer,
        person: PersonId,
        days: i64,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        policy::ensure(viewer, Action::ViewPrivateProfile(person))?;
        let from = self.now();
        let to = from + Duration::days(days.clamp(1, MAX_WINDOW_DAYS));
        let scope = MeetingScope {
            groups: self.active_groups(person).await?,
            plenaries: true,
        };
        let mut found = self.occurrences(viewer, &scope, from, to).await?;
        // What one will attend: no cancelled meeting or occurrence.
        found.retain(|occurrence| occurrence.status != OccurrenceStatus::Cancelled);
        Ok(found)
    }

    /// The coalition's calendar: the occurrences in `[from, to)` of every meeting the
    /// viewer may see (public ones, plenaries included, for anyone; the others per the
    /// policy), in order, cancelled ones kept. One query, whatever the number of groups:
    /// the viewer's reach is applied in it.
    pub async fn coalition_meetings(
        &self,
        viewer: &Viewer,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        check_window(from, to)?;
        let reach = policy::meeting_reach(viewer);
        let meetings = self.store.meetings_within_reach(&reach, from, to).await?;
        let mut found = visible_occurrences(viewer, &meetings, from, to);
        found.truncate(usize::from(MAX_OCCURRENCES));
        Ok(found)
    }
}
