//! iCalendar feeds: public per group, private (by secret token) per person, the latter in
//! the person's language.

use chrono::Duration;
use coalition_domain::coalition::{TextKey, WorkingGroupId};
use coalition_domain::language::Language;
use coalition_domain::meetings::{Meeting, MeetingId, Visibility};
use coalition_domain::policy::Viewer;
use coalition_store::MeetingScope;

use crate::{ServiceError, Services};

impl Services {
    /// The public calendar of a group: its public meetings, as iCalendar.
    pub async fn group_calendar(&self, group: WorkingGroupId) -> Result<String, ServiceError> {
        let record = self.store.working_group(group).await?;
        let scope = MeetingScope {
            groups: vec![group],
            plenaries: false,
        };
        let now = self.now();
        let mut meetings = self
            .store
            .meetings_for_feed(&scope, now - Duration::days(90))
            .await?;
        meetings.retain(|meeting| meeting.visibility == Visibility::Public);
        let name = format!("{} — OER Dynamic Coalition", record.name.en);
        Ok(crate::calendar::render_calendar(&name, &meetings, now))
    }

    /// The coalition's public calendar: its public plenaries, as iCalendar.
    pub async fn coalition_calendar(&self) -> Result<String, ServiceError> {
        let scope = MeetingScope {
            groups: Vec::new(),
            plenaries: true,
        };
        let now = self.now();
        let mut meetings = self
            .store
            .meetings_for_feed(&scope, now - Duration::days(90))
            .await?;
        meetings.retain(|meeting| meeting.visibility == Visibility::Public);
        Ok(crate::calendar::render_calendar(
            "OER Dynamic Coalition — plenaries",
            &meetings,
            now,
        ))
    }

    /// A person's private calendar, opened by the secret token of its URL: every meeting of
    /// their groups and the coalition's plenaries.
    pub async fn personal_calendar(&self, token: &str) -> Result<String, ServiceError> {
        let person = self
            .store
            .calendar_feed_owner(&crate::secrets::token_hash(token))
            .await?
            .ok_or(ServiceError::NotFound("calendar"))?;
        if self.store.account(person).await?.is_disabled() {
            return Err(ServiceError::NotFound("calendar"));
        }
        // Every meeting of one's own groups and every plenary is visible to a member.
        let scope = MeetingScope {
            groups: self.active_groups(person).await?,
            plenaries: true,
        };
        let now = self.now();
        let mut meetings = self
            .store
            .meetings_for_feed(&scope, now - Duration::days(90))
            .await?;
        // A plenary for the coalition's members (`Visibility::Group`, see the policy's
        // `ReadMeeting`) stays out of the feed of an account in no group.
        if scope.groups.is_empty() {
            meetings.retain(|m| m.working_group.is_some() || m.visibility != Visibility::Group);
        }
        let language = self.store.person(person).await?.preferred_language;
        self.translate_meetings(&mut meetings, language).await?;
        Ok(crate::calendar::render_calendar(
            "OER Dynamic Coalition",
            &meetings,
            now,
        ))
    }

    /// Puts the titles and descriptions of `meetings` in `language` where the organiser
    /// gave one (one statement for them all; none for English, the meetings' own texts).
    async fn translate_meetings(
        &self,
        meetings: &mut [Meeting],
        language: Language,
    ) -> Result<(), ServiceError> {
        if language == Language::En || meetings.is_empty() {
            return Ok(());
        }
        let key = |id: MeetingId, field: &'static str| TextKey {
            kind: "meeting",
            id: id.0,
            field,
            language,
        };
        let keys: Vec<TextKey> = meetings
            .iter()
            .flat_map(|meeting| [key(meeting.id, "title"), key(meeting.id, "description")])
            .collect();
        let texts = self.store.content_translations(&keys).await?;
        for meeting in meetings {
            if let Some(title) = texts.get(&key(meeting.id, "title")) {
                meeting.title.clone_from(title);
            }
            if let Some(description) = texts.get(&key(meeting.id, "description")) {
                meeting.description.clone_from(description);
            }
        }
        Ok(())
    }

    /// Creates (or replaces) the signed-in person's private calendar URL; returns it.
    pub async fn create_calendar_feed(&self, viewer: &Viewer) -> Result<String, ServiceError> {
        let person = crate::actor(viewer)?;
        let token = crate::secrets::new_token();
        self.store
            .replace_calendar_feed(person, crate::secrets::token_hash(&token))
            .await?;
        Ok(format!(
            "{}/calendar/people/{token}.ics",
            self.accounts.server_url.trim_end_matches('/')
        ))
    }

    /// `person`'s private calendar feed, if any; hidden (`None`) from anyone but them and
    /// administrators.
    pub async fn calendar_feed_of(
        &self,
        viewer: &Viewer,
        person: coalition_domain::people::PersonId,
    ) -> Result<Option<coalition_store::CalendarFeedInfo>, ServiceError> {
        let private = coalition_domain::policy::Action::ViewPrivateProfile(person);
        if !coalition_domain::policy::allows(viewer, private) {
            return Ok(None);
        }
        Ok(self.store.calendar_feed_of(person).await?)
    }

    /// Ends the signed-in person's private calendar URL.
    pub async fn revoke_calendar_feed(&self, viewer: &Viewer) -> Result<bool, ServiceError> {
        let person = crate::actor(viewer)?;
        Ok(self.store.revoke_calendar_feed(person).await?)
    }
}
