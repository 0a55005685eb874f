//! What a viewer may see of meetings: one meeting, a group's calendar, upcoming meetings.

use chrono::{DateTime, Duration, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::meetings::{Meeting, MeetingId, MeetingStatus, Occurrence};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::MeetingScope;

use super::{MAX_WINDOW_DAYS, check_window};
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
        found.retain(|occurrence| occurrence.meeting.status == MeetingStatus::Scheduled);
        Ok(found)
    }
}
