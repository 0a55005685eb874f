//! The mails a meeting change sends, and reminders before each occurrence.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use coalition_domain::coalition::{TextKey, WorkingGroupId};
use coalition_domain::language::Language;
use coalition_domain::mail::{CalendarMethod, Mail, MeetingNotice, MeetingNoticeKind};
use coalition_domain::meetings::{Meeting, MeetingId, MeetingStatus};
use coalition_domain::people::{Person, PersonId};
use coalition_store::{MeetingMails, MeetingScope, NewMail};

use crate::{ServiceError, Services};

/// When a meeting takes place, in the reader's time zone (the organiser's zone named when
/// it differs), e.g. `2027-03-16 10:00–11:30 (Europe/Paris)`.
pub(super) fn describe_when(meeting: &Meeting, zone: coalition_domain::people::TimeZone) -> String {
    let start = meeting.starts_at.with_timezone(&zone.tz());
    let end = meeting.ends_at.with_timezone(&zone.tz());
    let end_format = if start.date_naive() == end.date_naive() {
        "%H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    format!(
        "{}–{} ({})",
        start.format("%Y-%m-%d %H:%M"),
        end.format(end_format),
        zone.name()
    )
}

impl Services {
    /// The mails a meeting change sends to everyone invited (a group's active members, or
    /// for a plenary every active member of any group), each in the recipient's language
    /// and time zone, with the iTIP invitation attached. Built from the meeting as stored;
    /// `titles` are its title's translations, used for whoever prefers one of them.
    pub(super) async fn meeting_mails(
        &self,
        group: Option<WorkingGroupId>,
        kind: MeetingNoticeKind,
        titles: BTreeMap<Language, String>,
    ) -> Result<MeetingMails, ServiceError> {
        let invitees = match group {
            Some(group) => self.active_members(group).await?,
            None => {
                let mut everyone: BTreeMap<PersonId, Person> = BTreeMap::new();
                for group in self.store.working_groups().await? {
                    for person in self.active_members(group.id).await? {
                        everyone.insert(person.id, person);
                    }
                }
                everyone.into_values().collect()
            }
        };
        let public_url = self.accounts.public_url.trim_end_matches('/').to_owned();
        let clock = self.store.clock().clone();
        Ok(Box::new(move |meeting: &Meeting| {
            let now = clock.now();
            // The meeting as each language reads it: the same event, its title translated.
            let mut in_language: HashMap<Language, (String, Option<String>)> = HashMap::new();
            let mut localised = |language: Language| {
                in_language
                    .entry(language)
                    .or_insert_with(|| {
                        let mut translated = meeting.clone();
                        if let Some(title) = titles.get(&language) {
                            translated.title.clone_from(title);
                        }
                        // A reminder changes nothing in calendars: no invitation rides along.
                        let ics = (kind != MeetingNoticeKind::Reminder)
                            .then(|| crate::calendar::render_invitation(&translated, now));
                        (translated.title, ics)
                    })
                    .clone()
            };
            let method = if meeting.status == MeetingStatus::Cancelled {
                CalendarMethod::Cancel
            } else {
                CalendarMethod::Request
            };
            invitees
                .into_iter()
                .map(|person| {
                    let (title, ics) = localised(person.preferred_language);
                    NewMail {
                        person: Some(person.id),
                        to: person.email.clone(),
                        to_name: person.display_name.clone(),
                        language: person.preferred_language,
                        mail: Mail::Meeting(MeetingNotice {
                            kind,
                            name: person.display_name.clone(),
                            title,
                            when: describe_when(meeting, person.time_zone),
                            online_url: meeting.online_url.clone(),
                            location: meeting.location.clone(),
                            recurrence: meeting
                                .recurrence
                                .as_ref()
                                .map(|rule| rule.as_str().to_owned()),
                            reason: meeting.cancel_reason.clone(),
                            link: format!("{public_url}/meetings/{}", meeting.id.0),
                            ics,
                            ics_method: method,
                        }),
                    }
                })
                .collect()
        }))
    }

    /// The stored translations of a meeting's title, by language.
    pub(super) async fn meeting_titles(
        &self,
        id: MeetingId,
    ) -> Result<BTreeMap<Language, String>, ServiceError> {
        let keys: Vec<TextKey> = Language::ALL
            .into_iter()
            .filter(|language| *language != Language::En)
            .map(|language| TextKey {
                kind: "meeting",
                id: id.0,
                field: "title",
                language,
            })
            .collect();
        Ok(self
            .store
            .content_translations(&keys)
            .await?
            .into_iter()
            .map(|(key, text)| (key.language, text))
            .collect())
    }

    /// Queues a reminder for every occurrence starting within `lead` of `now` that has not
    /// had one, to everyone invited, in their language and time zone; returns how many
    /// occurrences were reminded of. Run periodically by the server.
    pub async fn send_meeting_reminders(
        &self,
        now: DateTime<Utc>,
        lead: Duration,
    ) -> Result<usize, ServiceError> {
        let groups = self
            .store
            .working_groups()
            .await?
            .into_iter()
            .map(|group| group.id)
            .collect();
        let scope = MeetingScope {
            groups,
            plenaries: true,
        };
        let meetings = self
            .store
            .meetings_overlapping(&scope, now, now + lead)
            .await?;
        let mut reminded = 0;
        for meeting in meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Scheduled)
        {
            for occurrence in meeting.occurrences_between(now, now + lead) {
                if occurrence.starts_at < now
                    || self
                        .store
                        .reminded(meeting.id, occurrence.starts_at)
                        .await?
                {
                    continue;
                }
                let mut at_this_time = meeting.clone();
                at_this_time.starts_at = occurrence.starts_at;
                at_this_time.ends_at = occurrence.ends_at;
                let titles = self.meeting_titles(meeting.id).await?;
                let mails = self
                    .meeting_mails(meeting.working_group, MeetingNoticeKind::Reminder, titles)
                    .await?(&at_this_time);
                if self
                    .store
                    .queue_reminders(meeting.id, occurrence.starts_at, mails)
                    .await?
                {
                    reminded += 1;
                }
            }
        }
        Ok(reminded)
    }
}
