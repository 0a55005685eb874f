//! Batched reads: what the feature modules read for one parent, read for many parents in
//! one statement (the per-request loaders of the API call these), so that the statements
//! a request runs do not grow with page sizes or with the number of parents. Long key
//! lists are cut into chunks of [`MAX_KEYS_PER_STATEMENT`] (SQLite bounds the parameters
//! of one statement).

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, Utc};
use coalition_domain::accounts::Account;
use coalition_domain::agenda::{ActionItem, ActionStatus, AgendaItem};
use coalition_domain::balance::BalanceReport;
use coalition_domain::coalition::{AreaId, AreaOfAction, WorkingGroup, WorkingGroupId};
use coalition_domain::documents::{Document, DocumentId};
use coalition_domain::meetings::{Meeting, MeetingId, RsvpResponse};
use coalition_domain::membership::{
    Invitation, InvitationId, Member, MemberFilter, Membership, MembershipId, MembershipStatus,
};
use coalition_domain::pagination::PageRequest;
use coalition_domain::people::{Person, PersonId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, StatementBuilder,
};

use crate::Store;
use crate::accounts::account_from_row;
use crate::agenda::{action_from_row, item_from_row};
use crate::coalition::{area_from_row, group_from_row};
use crate::documents::load_documents;
use crate::entities::{
    account, action_item, agenda_item, area_of_action, document, invitation, meeting, membership,
    person, rsvp, working_group,
};
use crate::error::{StoreError, corrupt};
use crate::invitations::invitation_from_row;
use crate::meetings::{meeting_from_row, with_exceptions};
use crate::membership::{filters_people, members_condition, membership_from_row};
use crate::people::person_from_row;

/// Most keys bound in one statement; longer lists take one statement per chunk.
pub const MAX_KEYS_PER_STATEMENT: usize = 500;

/// Groups whose member pages one statement reads: each brings its own filter parameters
/// (a region filter binds its forty-odd countries), which SQLite bounds per statement.
const GROUPS_PER_PAGE_STATEMENT: usize = 64;

/// One page of each group's members: the members, and whether more follow.
pub type MemberPages = HashMap<WorkingGroupId, (Vec<Member>, bool)>;

/// Groups `items` by `key`, keeping their order within each group.
fn group_by<K: Eq + Hash, T>(items: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut grouped: HashMap<K, Vec<T>> = HashMap::new();
    for item in items {
        grouped.entry(key(&item)).or_default().push(item);
    }
    grouped
}

impl Store {
    /// The first page after `page.after` of each group's members matching `filter`, in
    /// the order they joined: one statement per chunk of groups. Each group's page is cut
    /// by its own `ORDER BY id LIMIT` over the (group, status, id) index, so a page costs
    /// its own rows whatever the group's size (a row number over every member, as a window
    /// function gives, read them all); only the rows of the pages are then read in full
    /// with their people.
    pub async fn members_pages(
        &self,
        groups: &[WorkingGroupId],
        filter: &MemberFilter,
        page: PageRequest,
    ) -> Result<MemberPages, StoreError> {
        let mut pages = MemberPages::new();
        for chunk in groups.chunks(GROUPS_PER_PAGE_STATEMENT) {
            let mut on_pages: Option<SelectStatement> = None;
            for (index, group) in chunk.iter().enumerate() {
                let mut ids = membership::Entity::find()
                    .select_only()
                    .column(membership::Column::Id)
                    .filter(members_condition(std::slice::from_ref(group), filter))
                    .order_by_asc(membership::Column::Id)
                    // One more than the page, to tell whether another follows.
                    .limit(u64::from(page.size) + 1);
                if filters_people(filter) {
                    ids = ids.inner_join(person::Entity);
                }
                if let Some(after) = page.after {
                    ids = ids.filter(membership::Column::Id.gt(after));
                }
                // A LIMIT inside a UNION member needs a subquery of its own.
                let group_page = Query::select()
                    .column(membership::Column::Id)
                    .from_subquery(ids.into_query(), Alias::new(format!("page_{index}")))
                    .to_owned();
                on_pages = Some(match on_pages {
                    None => group_page,
                    Some(mut union) => union.union(UnionType::All, group_page).to_owned(),
                });
            }
            let Some(on_pages) = on_pages else { continue };
            let query: SelectStatement = membership::Entity::find()
                .find_also_related(person::Entity)
                .filter(membership::Column::Id.in_subquery(on_pages))
                .order_by_asc(membership::Column::WorkingGroupId)
                .order_by_asc(membership::Column::Id)
                .into_query();
            let backend = self.db.get_database_backend();
            let rows = self
                .db
                .query_all_raw(StatementBuilder::build(&query, &backend))
                .await?;
            for row in rows {
                let membership = membership::Model::from_query_result(&row, "A_")?;
                let person = person::Model::from_query_result(&row, "B_")?;
                let group = WorkingGroupId(membership.working_group_id);
                let (items, has_next_page) = pages.entry(group).or_default();
                if items.len() < page.size as usize {
                    items.push(Member {
                        membership: membership_from_row(membership)?,
                        person: person_from_row(person)?,
                    });
                } else {
                    *has_next_page = true;
                }
            }
        }
        Ok(pages)
    }

    /// How many members of each group match `filter` (groups with none are left out).
    pub async fn member_counts(
        &self,
        groups: &[WorkingGroupId],
        filter: &MemberFilter,
    ) -> Result<HashMap<WorkingGroupId, u64>, StoreError> {
        let mut counts = HashMap::new();
        for chunk in groups.chunks(MAX_KEYS_PER_STATEMENT) {
            let mut counted = membership::Entity::find()
                .select_only()
                .column(membership::Column::WorkingGroupId)
                .column_as(membership::Column::Id.count(), "n")
                .filter(members_condition(chunk, filter))
                .group_by(membership::Column::WorkingGroupId);
            if filters_people(filter) {
                counted = counted.inner_join(person::Entity);
            }
            let rows: Vec<(i32, i64)> = counted.into_tuple().all(&self.db).await?;
            counts.extend(
                rows.into_iter()
                    .map(|(group, n)| (WorkingGroupId(group), u64::try_from(n).unwrap_or(0))),
            );
        }
        Ok(counts)
    }

    /// Working groups by id (unknown ids are left out).
    pub async fn working_groups_by_id(
        &self,
        ids: &[WorkingGroupId],
    ) -> Result<Vec<WorkingGroup>, StoreError> {
        let mut groups = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = working_group::Entity::find()
                .filter(working_group::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            for row in rows {
                groups.push(group_from_row(row)?);
            }
        }
        Ok(groups)
    }

    /// The working groups carrying these areas of action.
    pub async fn working_groups_for_areas(
        &self,
        areas: &[AreaId],
    ) -> Result<Vec<WorkingGroup>, StoreError> {
        let mut groups = Vec::with_capacity(areas.len());
        for chunk in areas.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = working_group::Entity::find()
                .filter(working_group::Column::AreaId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(working_group::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                groups.push(group_from_row(row)?);
            }
        }
        Ok(groups)
    }

    /// Areas of action by id.
    pub async fn areas_by_id(&self, ids: &[AreaId]) -> Result<Vec<AreaOfAction>, StoreError> {
        let mut areas = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = area_of_action::Entity::find()
                .filter(area_of_action::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            areas.extend(rows.into_iter().map(area_from_row));
        }
        Ok(areas)
    }

    /// People by id (unknown ids are left out).
    pub async fn people_by_id(&self, ids: &[PersonId]) -> Result<Vec<Person>, StoreError> {
        let mut people = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            people.extend(self.people(chunk).await?);
        }
        Ok(people)
    }

    /// The accounts of these people (people without one are left out).
    pub async fn accounts_of(&self, people: &[PersonId]) -> Result<Vec<Account>, StoreError> {
        let mut accounts = Vec::with_capacity(people.len());
        for chunk in people.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = account::Entity::find()
                .filter(account::Column::PersonId.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            accounts.extend(rows.into_iter().map(account_from_row));
        }
        Ok(accounts)
    }

    /// Every membership of these people, whatever its status, by person, oldest first.
    pub async fn memberships_of_people(
        &self,
        people: &[PersonId],
    ) -> Result<HashMap<PersonId, Vec<Membership>>, StoreError> {
        let mut memberships = Vec::new();
        for chunk in people.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = membership::Entity::find()
                .filter(membership::Column::PersonId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(membership::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                memberships.push(membership_from_row(row)?);
            }
        }
        Ok(group_by(memberships, |membership| membership.person_id))
    }

    /// Documents by id, with their editions and versions.
    pub async fn documents_by_id(&self, ids: &[DocumentId]) -> Result<Vec<Document>, StoreError> {
        let mut documents = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = document::Entity::find()
                .filter(document::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            documents.extend(load_documents(&self.db, rows).await?);
        }
        Ok(documents)
    }

    /// Invitations by id.
    pub async fn invitations_by_id(
        &self,
        ids: &[InvitationId],
    ) -> Result<Vec<Invitation>, StoreError> {
        let mut invitations = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = invitation::Entity::find()
                .filter(invitation::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            for row in rows {
                invitations.push(invitation_from_row(row)?);
            }
        }
        Ok(invitations)
    }

    /// Memberships by id, each with its person (those whose person is gone are left out).
    pub async fn members_by_id(&self, ids: &[MembershipId]) -> Result<Vec<Member>, StoreError> {
        let mut members = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = membership::Entity::find()
                .filter(membership::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .find_also_related(person::Entity)
                .all(&self.db)
                .await?;
            for (membership, person) in rows {
                if let Some(person) = person {
                    members.push(Member {
                        membership: membership_from_row(membership)?,
                        person: person_from_row(person)?,
                    });
                }
            }
        }
        Ok(members)
    }

    /// Meetings by id, with their changed occurrences.
    pub async fn meetings_by_id(&self, ids: &[MeetingId]) -> Result<Vec<Meeting>, StoreError> {
        let mut meetings = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = meeting::Entity::find()
                .filter(meeting::Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            let found = rows
                .into_iter()
                .map(meeting_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            meetings.extend(with_exceptions(&self.db, found).await?);
        }
        Ok(meetings)
    }

    /// The agendas of these meetings, each in order.
    pub async fn agendas(
        &self,
        meetings: &[MeetingId],
    ) -> Result<HashMap<MeetingId, Vec<AgendaItem>>, StoreError> {
        let mut items = Vec::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = agenda_item::Entity::find()
                .filter(agenda_item::Column::MeetingId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(agenda_item::Column::MeetingId)
                .order_by_asc(agenda_item::Column::Position)
                .order_by_asc(agenda_item::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                items.push(item_from_row(row)?);
            }
        }
        Ok(group_by(items, |item| item.meeting))
    }

    /// The action items raised at these meetings, each meeting's in the order raised.
    pub async fn action_items_of_meetings(
        &self,
        meetings: &[MeetingId],
    ) -> Result<HashMap<MeetingId, Vec<ActionItem>>, StoreError> {
        let mut items = Vec::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = action_item::Entity::find()
                .filter(action_item::Column::MeetingId.is_in(chunk.iter().map(|id| id.0)))
                .order_by_asc(action_item::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                items.push(action_from_row(row)?);
            }
        }
        Ok(group_by(items, |item| item.meeting))
    }

    /// The open action items of these groups (`None`: the plenaries') raised before
    /// `before`, in the order raised: what their meetings carry over (each meeting then
    /// keeps those raised before its own occurrence).
    pub async fn open_action_items_of_groups(
        &self,
        groups: &[Option<WorkingGroupId>],
        before: DateTime<Utc>,
    ) -> Result<Vec<ActionItem>, StoreError> {
        let mut items = Vec::new();
        for chunk in groups.chunks(MAX_KEYS_PER_STATEMENT) {
            let ids: Vec<i32> = chunk.iter().flatten().map(|group| group.0).collect();
            let mut owners = Condition::any();
            if !ids.is_empty() {
                owners = owners.add(action_item::Column::WorkingGroupId.is_in(ids));
            }
            if chunk.iter().any(Option::is_none) {
                owners = owners.add(action_item::Column::WorkingGroupId.is_null());
            }
            let rows = action_item::Entity::find()
                .filter(owners)
                .filter(action_item::Column::Status.eq(ActionStatus::Open.as_str()))
                .filter(action_item::Column::RaisedAt.lt(before))
                .order_by_asc(action_item::Column::RaisedAt)
                .order_by_asc(action_item::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                items.push(action_from_row(row)?);
            }
        }
        Ok(items)
    }

    /// How many answered each way, for each of these meetings (every answer listed, with
    /// 0 where nobody gave it).
    pub async fn rsvp_counts_of(
        &self,
        meetings: &[MeetingId],
    ) -> Result<HashMap<MeetingId, Vec<(RsvpResponse, u64)>>, StoreError> {
        let mut rows: Vec<(i32, String, i64)> = Vec::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            rows.extend(
                rsvp::Entity::find()
                    .select_only()
                    .column(rsvp::Column::MeetingId)
                    .column(rsvp::Column::Response)
                    .column_as(rsvp::Column::PersonId.count(), "n")
                    .filter(rsvp::Column::MeetingId.is_in(chunk.iter().map(|id| id.0)))
                    .group_by(rsvp::Column::MeetingId)
                    .group_by(rsvp::Column::Response)
                    .into_tuple::<(i32, String, i64)>()
                    .all(&self.db)
                    .await?,
            );
        }
        Ok(meetings
            .iter()
            .map(|id| {
                let counts = RsvpResponse::ALL
                    .into_iter()
                    .map(|answer| {
                        let count = rows
                            .iter()
                            .find(|(meeting, code, _)| *meeting == id.0 && code == answer.as_str())
                            .map_or(0, |(_, _, n)| u64::try_from(*n).unwrap_or(0));
                        (answer, count)
                    })
                    .collect();
                (*id, counts)
            })
            .collect())
    }

    /// One person's answers to these meetings (meetings not answered are left out).
    pub async fn answers_of(
        &self,
        person: PersonId,
        meetings: &[MeetingId],
    ) -> Result<HashMap<MeetingId, RsvpResponse>, StoreError> {
        let mut answers = HashMap::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = rsvp::Entity::find()
                .filter(rsvp::Column::PersonId.eq(person.0))
                .filter(rsvp::Column::MeetingId.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            for row in rows {
                let answer =
                    RsvpResponse::parse(&row.response).map_err(corrupt("rsvp.response"))?;
                answers.insert(MeetingId(row.meeting_id), answer);
            }
        }
        Ok(answers)
    }

    /// The balance of each group's active members: four grouped counts, whatever the
    /// number of groups.
    pub async fn balances(
        &self,
        groups: &[WorkingGroupId],
    ) -> Result<HashMap<WorkingGroupId, BalanceReport>, StoreError> {
        let mut reports = HashMap::new();
        for chunk in groups.chunks(MAX_KEYS_PER_STATEMENT) {
            let totals = self.counts_by_group(chunk, None).await?;
            let stakeholders = self
                .counts_by_group(chunk, Some(person::Column::StakeholderType))
                .await?;
            let countries = self
                .counts_by_group(chunk, Some(person::Column::Country))
                .await?;
            let genders = self
                .counts_by_group(chunk, Some(person::Column::Gender))
                .await?;
            for group in chunk {
                let of = |counts: &[(i32, Option<String>, u64)]| -> Vec<(Option<String>, u64)> {
                    counts
                        .iter()
                        .filter(|(g, _, _)| *g == group.0)
                        .map(|(_, key, n)| (key.clone(), *n))
                        .collect()
                };
                let known = |counts: Vec<(Option<String>, u64)>| -> Vec<(String, u64)> {
                    counts
                        .into_iter()
                        .filter_map(|(key, n)| key.map(|key| (key, n)))
                        .collect()
                };
                let total = of(&totals).first().map_or(0, |(_, n)| *n);
                let report = BalanceReport::from_counts(
                    total,
                    &known(of(&stakeholders)),
                    &known(of(&countries)),
                    &of(&genders),
                );
                reports.insert(*group, report);
            }
        }
        Ok(reports)
    }

    /// `SELECT group, column, COUNT(*)` over the active members of `groups`, grouped by
    /// group (and column).
    async fn counts_by_group(
        &self,
        groups: &[WorkingGroupId],
        column: Option<person::Column>,
    ) -> Result<Vec<(i32, Option<String>, u64)>, StoreError> {
        let mut query = Query::select()
            .expr_as(
                Expr::col((membership::Entity, membership::Column::WorkingGroupId)),
                Alias::new("g"),
            )
            .expr_as(
                Expr::col((person::Entity, person::Column::Id)).count(),
                Alias::new("n"),
            )
            .from(person::Entity)
            .inner_join(
                membership::Entity,
                Expr::col((membership::Entity, membership::Column::PersonId))
                    .equals((person::Entity, person::Column::Id)),
            )
            .and_where(
                Expr::col((membership::Entity, membership::Column::Status))
                    .eq(MembershipStatus::Active.as_str()),
            )
            .and_where(
                Expr::col((membership::Entity, membership::Column::WorkingGroupId))
                    .is_in(groups.iter().map(|group| group.0)),
            )
            .group_by_col((membership::Entity, membership::Column::WorkingGroupId))
            .to_owned();
        if let Some(column) = column {
            query
                .expr_as(Expr::col((person::Entity, column)), Alias::new("k"))
                .group_by_col((person::Entity, column));
        }
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(StatementBuilder::build(&query, &backend))
            .await?;
        rows.into_iter()
            .map(|row| {
                let group: i32 = row.try_get("", "g")?;
                let count: i64 = row.try_get("", "n")?;
                let key: Option<String> = if column.is_some() {
                    row.try_get("", "k")?
                } else {
                    None
                };
                Ok((group, key, u64::try_from(count).unwrap_or_default()))
            })
            .collect()
    }
}
