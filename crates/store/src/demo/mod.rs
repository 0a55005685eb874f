//! Demo data for frontend developers and benchmarks: a realistic population generated from a
//! fixed seed, so the same scale and the same "now" give the same rows. Everything is written
//! with multi-row inserts in one transaction. Demo people are recognised by their address
//! domain ([`DEMO_EMAIL_DOMAIN`]); a database holding anyone else is refused unless forced,
//! and a database that already holds demo people gets nothing more.

mod content;

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use coalition_domain::events::Change;
use coalition_domain::geography::{CountryCode, UnescoRegion};
use coalition_domain::people::Email;
use coalition_domain::stakeholder::StakeholderType;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::Store;
use crate::entities::{
    account, action_item, agenda_item, attendance, coalition, document, document_edition,
    document_version, meeting, membership, person, rsvp, working_group,
};
use crate::error::StoreError;
use content::{DocumentText, region_names};

/// The address domain of every demo person (`.invalid` is reserved: no mail can reach it).
pub const DEMO_EMAIL_DOMAIN: &str = "demo.invalid";

/// The seed of the generator: the coalition's launch date.
const DEMO_SEED: u64 = 20_200_302;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 500;

/// The address of the `number`th demo person (from 1): `demo-00001@demo.invalid` is the
/// demo administrator, `demo-00002` to `demo-00005` coordinate the four working groups.
pub fn demo_email(number: u32) -> String {
    format!("demo-{number:05}@{DEMO_EMAIL_DOMAIN}")
}

/// What a demo seed added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoReport {
    /// People, each with a verified account.
    pub people: u64,
    /// Memberships of every status and role.
    pub memberships: u64,
    /// Meetings and series (plenaries included).
    pub meetings: u64,
    /// Agenda items.
    pub agenda_items: u64,
    /// RSVP answers.
    pub rsvps: u64,
    /// Attendance of past meetings.
    pub attendances: u64,
    /// Action items.
    pub action_items: u64,
    /// Documents.
    pub documents: u64,
    /// Document versions (their bytes are in the blob store).
    pub versions: u64,
}

/// How a demo seed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    /// The population was written.
    Seeded(DemoReport),
    /// Demo people were there already: nothing was added.
    AlreadySeeded {
        /// How many.
        people: u64,
    },
    /// People who are not demo people are there, and the seed was not forced.
    RealPeoplePresent {
        /// How many.
        people: u64,
    },
}

/// A document of the demo population with its editions and versions' bytes. The caller keeps
/// the bytes in the blob store and fills in each version's `sha256` before seeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDocument {
    /// The working group (index in id order), or the coalition's own when `None`.
    pub group: Option<usize>,
    /// Attached to the coalition's launch meeting.
    pub launch_meeting: bool,
    /// Document kind (`report`, `presentation`, …).
    pub kind: &'static str,
    /// Tags.
    pub tags: Vec<String>,
    /// `public`, `coalition` or `group`.
    pub visibility: &'static str,
    /// One edition per language.
    pub editions: Vec<DemoEdition>,
}

/// An edition of a demo document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEdition {
    /// `en` or `fr`.
    pub language: &'static str,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Versions, oldest first.
    pub versions: Vec<DemoFile>,
}

/// The bytes of a demo version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// File name.
    pub file_name: String,
    /// What changed.
    pub note: String,
    /// The bytes (a small Markdown text).
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`, filled in by the caller.
    pub sha256: String,
}

/// The demo documents: the coalition's published ones and, per working group, a few more
/// (one more per thousand people).
pub fn demo_documents(scale: u32, groups: usize) -> Vec<DemoDocument> {
    let mut documents: Vec<DemoDocument> = content::COALITION_DOCUMENTS
        .iter()
        .enumerate()
        .map(|(index, text)| demo_document(None, index == 0, text, "public", 1 + index % 2))
        .collect();
    let per_group = content::GROUP_DOCUMENTS
        .len()
        .min(2 + scale as usize / 1000);
    for group in 0..groups {
        for (index, text) in content::GROUP_DOCUMENTS.iter().take(per_group).enumerate() {
            let visibility = ["public", "coalition", "group"][(group + index) % 3];
            documents.push(demo_document(
                Some(group),
                false,
                text,
                visibility,
                1 + (group + index) % 3,
            ));
        }
    }
    documents
}

fn demo_document(
    group: Option<usize>,
    launch_meeting: bool,
    text: &DocumentText,
    visibility: &'static str,
    versions: usize,
) -> DemoDocument {
    let editions = ["en", "fr"]
        .into_iter()
        .enumerate()
        .map(|(language_index, language)| {
            let title = text.title[language_index];
            let stem = text.title[0]
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
            let owner = group.map_or("coalition".to_owned(), |group| format!("group{group}"));
            DemoEdition {
                language,
                title: title.to_owned(),
                description: text.description[language_index].to_owned(),
                versions: (1..=versions)
                    .map(|number| {
                        let bytes = format!(
                            "# {title}\n\n{}\n\nVersion {number} ({owner}, {language}). Demo content generated by `coalition seed --demo`.\n",
                            text.description[language_index]
                        )
                        .into_bytes();
                        DemoFile {
                            file_name: format!("{stem}-{owner}-{language}-v{number}.md"),
                            note: if number == 1 {
                                "First version".to_owned()
                            } else {
                                format!("Revised after review round {}", number - 1)
                            },
                            bytes,
                            sha256: String::new(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    DemoDocument {
        group,
        launch_meeting,
        kind: text.kind,
        tags: text.tags.iter().map(|tag| (*tag).to_owned()).collect(),
        visibility,
        editions,
    }
}

/// The `LIKE` pattern of demo addresses.
fn demo_pattern() -> String {
    format!("%@{DEMO_EMAIL_DOMAIN}")
}

impl Store {
    /// How many demo people and how many other people the database holds.
    pub async fn demo_census(&self) -> Result<(u64, u64), StoreError> {
        census(&self.db).await
    }

    /// Writes the demo population of `scale` people in one transaction (the coalition must be
    /// seeded). `password_hash` is every demo account's; `documents` come from
    /// [`demo_documents`] with their hashes filled in and their bytes stored.
    pub async fn seed_demo(
        &self,
        scale: u32,
        force: bool,
        password_hash: &str,
        documents: &[DemoDocument],
    ) -> Result<DemoOutcome, StoreError> {
        let txn = self.begin_write().await?;
        let (demo, real) = census(&txn).await?;
        if demo > 0 {
            return Ok(DemoOutcome::AlreadySeeded { people: demo });
        }
        if real > 0 && !force {
            return Ok(DemoOutcome::RealPeoplePresent { people: real });
        }
        let coalition_id = coalition::Entity::find()
            .order_by_asc(coalition::Column::Id)
            .one(&txn)
            .await?
            .map(|row| row.id)
            .ok_or(StoreError::NotFound {
                entity: "coalition",
            })?;
        let groups: Vec<i32> = working_group::Entity::find()
            .select_only()
            .column(working_group::Column::Id)
            .order_by_asc(working_group::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?;
        // Every time is counted from the start of today (UTC): the same scale on the same day
        // gives the same rows.
        let now = self.clock.now();
        let today = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(now, |midnight| midnight.and_utc());
        let mut seeder = Seeder {
            txn: &txn,
            rng: StdRng::seed_from_u64(DEMO_SEED),
            now: today,
            groups,
            names: HashMap::new(),
            report: DemoReport::default(),
        };
        let people = seeder.people(scale, password_hash).await?;
        let members = seeder.memberships(&people).await?;
        let launch = seeder.meetings(&people, &members).await?;
        seeder
            .documents(documents, &people, &members, launch)
            .await?;
        let report = seeder.report;
        self.record(
            &txn,
            None,
            Change::DemoSeeded {
                coalition: coalition_id,
                people: report.people,
                memberships: report.memberships,
                meetings: report.meetings,
                documents: report.documents,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(DemoOutcome::Seeded(report))
    }
}

async fn census(db: &impl ConnectionTrait) -> Result<(u64, u64), StoreError> {
    let demo = person::Entity::find()
        .filter(person::Column::EmailNormalized.like(demo_pattern()))
        .count(db)
        .await?;
    let all = person::Entity::find().count(db).await?;
    Ok((demo, all - demo))
}

/// A membership the generator made, for meetings to pick participants from.
#[derive(Debug, Clone, Copy)]
struct Member {
    person: i32,
    active: bool,
}

struct Seeder<'a> {
    txn: &'a DatabaseTransaction,
    rng: StdRng,
    /// The start of today (UTC).
    now: DateTime<Utc>,
    groups: Vec<i32>,
    /// Display names by person id, for agenda presenters.
    names: HashMap<i32, String>,
    report: DemoReport,
}

impl Seeder<'_> {
    fn pick<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// People and their verified accounts; returns their ids in generation order.
    async fn people(&mut self, scale: u32, password_hash: &str) -> Result<Vec<i32>, StoreError> {
        let countries: Vec<Vec<CountryCode>> = UnescoRegion::ALL
            .iter()
            .map(|region| region.countries().collect())
            .collect();
        let mut rows = Vec::with_capacity(scale as usize);
        for index in 0..scale {
            let region_index = index as usize % UnescoRegion::ALL.len();
            let names = region_names(UnescoRegion::ALL[region_index]);
            let country = *self.pick(&countries[region_index]);
            let woman = self.rng.random_bool(0.5);
            let given = *self.pick(if woman { names.women } else { names.men });
            let family = *self.pick(names.families);
            let display_name = format!("{given} {family}");
            let stakeholder = *self.pick(&StakeholderType::ALL);
            let gender = match self.rng.random_range(0..100) {
                0..90 if woman => Some("woman"),
                0..90 => Some("man"),
                90..93 => Some("non-binary"),
                _ => None,
            };
            let language = if self.rng.random_bool(names.french) {
                "fr"
            } else {
                "en"
            };
            let time_zone = *self.pick(names.time_zones);
            let pick = self.rng.random_range(0..16);
            let email = demo_email(index + 1);
            let normalized = Email::parse(&email)
                .map(|email| email.normalized())
                .unwrap_or_else(|_| email.clone());
            // Spread sign-ups over the coalition's life, oldest first.
            let joined = self.now - Duration::days(i64::from(scale - index) % 2000);
            rows.push(person::ActiveModel {
                display_name_normalized: Set(display_name.to_lowercase()),
                display_name: Set(display_name),
                email: Set(email),
                email_normalized: Set(normalized),
                organisation: Set(content::organisation(stakeholder, country.name_en(), pick)),
                country: Set(country.as_str().to_owned()),
                stakeholder_type: Set(stakeholder.as_str().to_owned()),
                gender: Set(gender.map(str::to_owned)),
                preferred_language: Set(language.to_owned()),
                time_zone: Set(time_zone.to_owned()),
                created_at: Set(joined),
                updated_at: Set(joined),
                ..Default::default()
            });
        }
        insert_chunks(self.txn, rows).await?;
        let ids: Vec<(i32, String, String)> = person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::Email,
                person::Column::DisplayName,
            ])
            .filter(person::Column::EmailNormalized.like(demo_pattern()))
            .into_tuple()
            .all(self.txn)
            .await?;
        let mut by_email = HashMap::with_capacity(ids.len());
        for (id, email, name) in ids {
            by_email.insert(email, id);
            self.names.insert(id, name);
        }
        let people: Vec<i32> = (0..scale)
            .filter_map(|index| by_email.get(&demo_email(index + 1)).copied())
            .collect();
        let accounts = people
            .iter()
            .enumerate()
            .map(|(index, id)| account::ActiveModel {
                person_id: Set(*id),
                password_hash: Set(password_hash.to_owned()),
                email_verified_at: Set(Some(self.now)),
                is_admin: Set(index == 0),
                disabled_at: Set(None),
                created_at: Set(self.now),
            });
        insert_chunks(self.txn, accounts.collect()).await?;
        self.report.people = people.len() as u64;
        Ok(people)
    }

    /// Memberships: most people in one group, some in two or three; most active, some
    /// observers, a few pending requests, rejected or ended. `demo-00002`.. coordinate.
    async fn memberships(&mut self, people: &[i32]) -> Result<Vec<Vec<Member>>, StoreError> {
        let launch = Utc
            .with_ymd_and_hms(2020, 3, 2, 9, 0, 0)
            .single()
            .unwrap_or(self.now);
        let days_since_launch = (self.now - launch).num_days().max(1);
        let mut members: Vec<Vec<Member>> = vec![Vec::new(); self.groups.len()];
        let mut rows = Vec::new();
        if self.groups.is_empty() {
            return Ok(members);
        }
        for (index, person_id) in people.iter().enumerate() {
            let count = match self.rng.random_range(0..100) {
                0..70 => 1,
                70..95 => 2,
                _ => 3,
            }
            .min(self.groups.len());
            let first = self.rng.random_range(0..self.groups.len());
            for step in 0..count {
                let group = (first + step) % self.groups.len();
                // The coordinators named in the README: demo-00002 to demo-00005.
                let named_coordinator = (1..=self.groups.len()).contains(&index) && step == 0;
                let group = if named_coordinator { index - 1 } else { group };
                if members[group].iter().any(|m| m.person == *person_id) {
                    continue;
                }
                let (status, role) = if named_coordinator {
                    ("active", "coordinator")
                } else {
                    match self.rng.random_range(0..100) {
                        0..10 => ("pending", "member"),
                        10..13 => ("ended", "member"),
                        13..15 => ("rejected", "member"),
                        15..28 => ("active", "observer"),
                        28..29 => ("active", "coordinator"),
                        _ => ("active", "member"),
                    }
                };
                let since = if status == "pending" {
                    self.now - Duration::days(self.rng.random_range(0..30))
                } else {
                    launch + Duration::days(self.rng.random_range(0..days_since_launch))
                };
                let motivation = (status == "pending" || status == "rejected").then(|| {
                    "I would like to contribute my experience with OER in my country.".to_owned()
                });
                let decision_reason = (status == "rejected")
                    .then(|| "The group is full for this cycle; please apply again.".to_owned());
                rows.push(membership::ActiveModel {
                    person_id: Set(*person_id),
                    working_group_id: Set(self.groups[group]),
                    role: Set(role.to_owned()),
                    status: Set(status.to_owned()),
                    since: Set(since),
                    created_at: Set(since),
                    motivation: Set(motivation),
                    decision_reason: Set(decision_reason),
                    decided_by: Set(
                        (status == "rejected" || status == "ended").then_some(people[0])
                    ),
                    ..Default::default()
                });
                members[group].push(Member {
                    person: *person_id,
                    active: status == "active",
                });
            }
        }
        self.report.memberships = rows.len() as u64;
        insert_chunks(self.txn, rows).await?;
        Ok(members)
    }

    /// Per group a fortnightly series and single meetings, past (minutes, decisions,
    /// attendance, action items) and upcoming (agenda, RSVPs, one cancelled); plenaries of
    /// the coalition, the launch among them. Returns the launch meeting's id.
    async fn meetings(
        &mut self,
        people: &[i32],
        members: &[Vec<Member>],
    ) -> Result<i32, StoreError> {
        let scale = people.len();
        let today = self.now;
        let mut agenda = Vec::new();
        let mut rsvps = Vec::new();
        let mut attendances = Vec::new();
        let mut actions = Vec::new();

        let launch_start = Utc
            .with_ymd_and_hms(2020, 3, 2, 9, 0, 0)
            .single()
            .unwrap_or(self.now);
        let everyone: Vec<Member> = people
            .iter()
            .map(|person| Member {
                person: *person,
                active: true,
            })
            .collect();
        let launch = self
            .meeting(MeetingPlan {
                group: None,
                uid: "demo-launch".to_owned(),
                title: "Launch of the OER Dynamic Coalition".to_owned(),
                starts_at: launch_start,
                hours: 7,
                visibility: "public",
                location: Some("UNESCO Headquarters, Paris".to_owned()),
                recurrence: None,
                cancelled: false,
                created_by: people.first().copied(),
            })
            .await?;
        self.agenda(launch, launch_start, true, &everyone, &mut agenda);
        let plenary_start = today + Duration::days(45) + Duration::hours(12);
        let plenary = self
            .meeting(MeetingPlan {
                group: None,
                uid: "demo-plenary".to_owned(),
                title: "Annual plenary of the OER Dynamic Coalition".to_owned(),
                starts_at: plenary_start,
                hours: 3,
                visibility: "coalition",
                location: None,
                recurrence: None,
                cancelled: false,
                created_by: people.first().copied(),
            })
            .await?;
        self.agenda(plenary, plenary_start, false, &everyone, &mut agenda);
        self.answers(plenary, &everyone, 0.1, &mut rsvps);

        let past = 4 + scale / 1000;
        let upcoming = 3 + scale / 1000;
        for (group_index, group) in self.groups.clone().into_iter().enumerate() {
            let active: Vec<Member> = members
                .get(group_index)
                .map(|list| list.iter().filter(|m| m.active).copied().collect())
                .unwrap_or_default();
            let creator = active.first().map(|m| m.person);
            let hour = 8 + (group_index as i64 * 2) % 10;
            let series_start = today - Duration::days(98) + Duration::hours(hour);
            let series = self
                .meeting(MeetingPlan {
                    group: Some(group),
                    uid: format!("demo-g{group_index}-series"),
                    title: "Fortnightly working session".to_owned(),
                    starts_at: series_start,
                    hours: 1,
                    visibility: "group",
                    location: None,
                    recurrence: Some("FREQ=WEEKLY;INTERVAL=2;COUNT=52".to_owned()),
                    cancelled: false,
                    created_by: creator,
                })
                .await?;
            self.agenda(series, series_start, false, &active, &mut agenda);
            self.answers(series, &active, 0.3, &mut rsvps);
            for k in 0..past + upcoming {
                let is_past = k < past;
                let offset = if is_past {
                    -(7 * (past - k) as i64 * 3)
                } else {
                    10 * (k - past + 1) as i64
                };
                let starts_at = today + Duration::days(offset) + Duration::hours(hour + 1);
                let title =
                    content::MEETING_TITLES[(group_index + k) % content::MEETING_TITLES.len()];
                let visibility = ["group", "coalition", "public"][k % 3];
                let cancelled = !is_past && k == past + upcoming - 1;
                let id = self
                    .meeting(MeetingPlan {
                        group: Some(group),
                        uid: format!("demo-g{group_index}-m{k}"),
                        title: title.to_owned(),
                        starts_at,
                        hours: 2,
                        visibility,
                        location: (k % 4 == 0).then(|| "UNESCO Headquarters, Paris".to_owned()),
                        recurrence: None,
                        cancelled,
                        created_by: creator,
                    })
                    .await?;
                self.agenda(id, starts_at, is_past, &active, &mut agenda);
                if is_past {
                    for member in &active {
                        if self.rng.random_bool(0.3) {
                            attendances.push(attendance::ActiveModel {
                                meeting_id: Set(id),
                                occurrence_start: Set(starts_at),
                                person_id: Set(member.person),
                            });
                        }
                    }
                    let count = self.rng.random_range(1..=3);
                    for _ in 0..count {
                        let title = *self.pick(content::ACTION_TITLES);
                        let owner = (!active.is_empty()).then(|| self.pick(&active).person);
                        let due = (starts_at + Duration::days(self.rng.random_range(14..60)))
                            .date_naive();
                        let done = due < today.date_naive() && self.rng.random_bool(0.7);
                        actions.push(action_item::ActiveModel {
                            meeting_id: Set(id),
                            working_group_id: Set(Some(group)),
                            title: Set(title.to_owned()),
                            owner_id: Set(owner),
                            due_on: Set(Some(due)),
                            status: Set(if done { "done" } else { "open" }.to_owned()),
                            raised_at: Set(starts_at),
                            created_at: Set(starts_at),
                            done_at: Set(done.then(|| starts_at + Duration::days(10))),
                            ..Default::default()
                        });
                    }
                } else if !cancelled {
                    self.answers(id, &active, 0.35, &mut rsvps);
                }
            }
        }
        self.report.agenda_items = agenda.len() as u64;
        self.report.rsvps = rsvps.len() as u64;
        self.report.attendances = attendances.len() as u64;
        self.report.action_items = actions.len() as u64;
        insert_chunks(self.txn, agenda).await?;
        insert_chunks(self.txn, rsvps).await?;
        insert_chunks(self.txn, attendances).await?;
        insert_chunks(self.txn, actions).await?;
        Ok(launch)
    }

    async fn meeting(&mut self, plan: MeetingPlan) -> Result<i32, StoreError> {
        let created = (plan.starts_at - Duration::days(21)).min(self.now);
        let row = meeting::ActiveModel {
            working_group_id: Set(plan.group),
            online_url: Set(Some(format!(
                "https://meet.{DEMO_EMAIL_DOMAIN}/{}",
                plan.uid
            ))),
            uid: Set(format!("{}@{DEMO_EMAIL_DOMAIN}", plan.uid)),
            title: Set(plan.title),
            description: Set(
                "Demo meeting: agenda and papers are shared ahead of the session.".to_owned(),
            ),
            starts_at: Set(plan.starts_at),
            ends_at: Set(plan.starts_at + Duration::hours(plan.hours)),
            time_zone: Set("Europe/Paris".to_owned()),
            location: Set(plan.location),
            visibility: Set(plan.visibility.to_owned()),
            status: Set(if plan.cancelled {
                "cancelled"
            } else {
                "scheduled"
            }
            .to_owned()),
            cancel_reason: Set(plan
                .cancelled
                .then(|| "Postponed: too few members could attend.".to_owned())),
            sequence: Set(i32::from(plan.cancelled)),
            recurrence: Set(plan.recurrence),
            created_by: Set(plan.created_by),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        self.report.meetings += 1;
        Ok(row.id)
    }

    fn agenda(
        &mut self,
        meeting: i32,
        starts_at: DateTime<Utc>,
        past: bool,
        presenters: &[Member],
        rows: &mut Vec<agenda_item::ActiveModel>,
    ) {
        let count = self.rng.random_range(3..=5);
        let first = self.rng.random_range(0..content::AGENDA_ITEMS.len());
        for position in 0..count {
            let (title, minutes) =
                content::AGENDA_ITEMS[(first + position) % content::AGENDA_ITEMS.len()];
            let presenter = (!presenters.is_empty() && position % 2 == 1)
                .then(|| self.pick(presenters).person)
                .and_then(|person| self.names.get(&person).cloned());
            let (text, decisions) = if past {
                (
                    Some((*self.pick(content::MINUTES)).to_owned()),
                    json!([*self.pick(content::DECISIONS)]),
                )
            } else {
                (None, json!([]))
            };
            rows.push(agenda_item::ActiveModel {
                meeting_id: Set(meeting),
                position: Set(position as i32 + 1),
                title: Set(title.to_owned()),
                presenter: Set(presenter),
                minutes_allotted: Set(Some(minutes)),
                notes: Set(String::new()),
                minutes: Set(text),
                decisions: Set(decisions),
                created_at: Set((starts_at - Duration::days(14)).min(self.now)),
                ..Default::default()
            });
        }
    }

    fn answers(
        &mut self,
        meeting: i32,
        members: &[Member],
        share: f64,
        rows: &mut Vec<rsvp::ActiveModel>,
    ) {
        for member in members {
            if !self.rng.random_bool(share) {
                continue;
            }
            let response = match self.rng.random_range(0..100) {
                0..60 => "yes",
                60..85 => "maybe",
                _ => "no",
            };
            rows.push(rsvp::ActiveModel {
                meeting_id: Set(meeting),
                person_id: Set(member.person),
                response: Set(response.to_owned()),
                answered_at: Set(self.now - Duration::hours(self.rng.random_range(1..240))),
            });
        }
    }

    async fn documents(
        &mut self,
        documents: &[DemoDocument],
        people: &[i32],
        members: &[Vec<Member>],
        launch: i32,
    ) -> Result<(), StoreError> {
        let mut editions = Vec::new();
        let mut versions = Vec::new();
        let mut written = Vec::new();
        for (index, demo) in documents.iter().enumerate() {
            let group = demo.group.and_then(|group| self.groups.get(group).copied());
            let author = demo
                .group
                .and_then(|group| members.get(group))
                .and_then(|list| list.iter().find(|m| m.active))
                .map(|m| m.person)
                .or(people.first().copied());
            let created = if demo.launch_meeting {
                Utc.with_ymd_and_hms(2020, 3, 20, 12, 0, 0)
                    .single()
                    .unwrap_or(self.now)
            } else {
                self.now - Duration::days(30 * (documents.len() - index) as i64)
            };
            let row = document::ActiveModel {
                working_group_id: Set(group),
                meeting_id: Set(demo.launch_meeting.then_some(launch)),
                kind: Set(demo.kind.to_owned()),
                tags: Set(serde_json::Value::from(demo.tags.clone()).to_string()),
                visibility: Set(demo.visibility.to_owned()),
                licence: Set("CC-BY-4.0".to_owned()),
                archived: Set(false),
                created_by: Set(author),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            written.push(row.id);
            for edition in &demo.editions {
                editions.push(document_edition::ActiveModel {
                    document_id: Set(row.id),
                    language: Set(edition.language.to_owned()),
                    title: Set(edition.title.clone()),
                    description: Set(edition.description.clone()),
                });
                for (number, file) in edition.versions.iter().enumerate() {
                    versions.push(document_version::ActiveModel {
                        document_id: Set(row.id),
                        language: Set(edition.language.to_owned()),
                        number: Set(number as i32 + 1),
                        file_name: Set(file.file_name.clone()),
                        media_type: Set("text/markdown".to_owned()),
                        byte_size: Set(file.bytes.len() as i64),
                        sha256: Set(file.sha256.clone()),
                        note: Set(file.note.clone()),
                        uploaded_by: Set(author),
                        uploaded_at: Set(created + Duration::days(number as i64)),
                        ..Default::default()
                    });
                }
            }
            self.report.documents += 1;
        }
        self.report.versions = versions.len() as u64;
        insert_chunks(self.txn, editions).await?;
        insert_chunks(self.txn, versions).await?;
        for id in written {
            crate::document_search::reindex(self.txn, id).await?;
        }
        Ok(())
    }
}

/// A meeting to write.
struct MeetingPlan {
    group: Option<i32>,
    uid: String,
    title: String,
    starts_at: DateTime<Utc>,
    hours: i64,
    visibility: &'static str,
    location: Option<String>,
    recurrence: Option<String>,
    cancelled: bool,
    created_by: Option<i32>,
}

/// Multi-row inserts of `rows`, [`CHUNK`] at a time.
async fn insert_chunks<A>(db: &DatabaseTransaction, rows: Vec<A>) -> Result<(), StoreError>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
