//! Memberships of people in working groups, and the paged lists of members.

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::membership::{
    Member, MemberFilter, Membership, MembershipId, MembershipRole, MembershipStatus,
};
use coalition_domain::pagination::{Page, PageRequest};
use coalition_domain::people::PersonId;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::Store;
use crate::entities::{membership, person};
use crate::error::{StoreError, corrupt};
use crate::people::person_from_row;

impl Store {
    /// Adds a person to a group with the given role and status. A second membership of
    /// the same person in the same group is a [`StoreError::Conflict`].
    pub async fn insert_membership(
        &self,
        group: WorkingGroupId,
        person: PersonId,
        role: MembershipRole,
        status: MembershipStatus,
    ) -> Result<Membership, StoreError> {
        let now = self.clock.now();
        let row = membership::ActiveModel {
            person_id: Set(person.0),
            working_group_id: Set(group.0),
            role: Set(role.as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            since: Set(now),
            created_at: Set(now),
            motivation: Set(None),
            decision_reason: Set(None),
            decided_by: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        membership_from_row(row)
    }

    /// One page of a group's members, in the order they joined, with the total count of
    /// members matching `filter`. Only active memberships unless the filter says otherwise.
    pub async fn members(
        &self,
        group: WorkingGroupId,
        filter: &MemberFilter,
        page: PageRequest,
    ) -> Result<Page<Member>, StoreError> {
        let condition = members_condition(&[group], filter);
        let total_count = membership::Entity::find()
            .inner_join(person::Entity)
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let mut query = membership::Entity::find()
            .find_also_related(person::Entity)
            .filter(condition)
            .order_by_asc(membership::Column::Id)
            .limit(u64::from(page.size) + 1);
        if let Some(after) = page.after {
            query = query.filter(membership::Column::Id.gt(after));
        }
        let mut rows = query.all(&self.db).await?;
        let has_next_page = rows.len() > page.size as usize;
        rows.truncate(page.size as usize);
        let items = rows
            .into_iter()
            .filter_map(|(membership, person)| person.map(|person| (membership, person)))
            .map(|(membership, person)| {
                Ok(Member {
                    membership: membership_from_row(membership)?,
                    person: person_from_row(person)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page {
            items,
            has_next_page,
            total_count,
        })
    }
}

/// Whether `filter` looks at the people behind the memberships, so that a statement built
/// on [`members_condition`] must join `person` (every membership has its person).
pub(crate) fn filters_people(filter: &MemberFilter) -> bool {
    filter.stakeholder_type.is_some()
        || filter.country.is_some()
        || filter.region.is_some()
        || filter.public_roster.is_some()
        || filter
            .name_contains
            .as_deref()
            .is_some_and(|text| !text.trim().is_empty())
}

/// The members of `groups` that `filter` selects (one group, or a batch of them).
pub(crate) fn members_condition(groups: &[WorkingGroupId], filter: &MemberFilter) -> Condition {
    let status = filter.status.unwrap_or(MembershipStatus::Active);
    let mut condition = Condition::all()
        .add(membership::Column::WorkingGroupId.is_in(groups.iter().map(|group| group.0)))
        .add(membership::Column::Status.eq(status.as_str()));
    if let Some(kind) = filter.stakeholder_type {
        condition = condition.add(person::Column::StakeholderType.eq(kind.as_str()));
    }
    if let Some(country) = filter.country {
        condition = condition.add(person::Column::Country.eq(country.as_str()));
    }
    if let Some(role) = filter.role {
        condition = condition.add(membership::Column::Role.eq(role.as_str()));
    }
    if let Some(text) = filter
        .name_contains
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Compared with the lower-cased copy kept beside each name (Unicode-aware, as
        // SQLite's LOWER() is not). LIKE wildcards in the text match literally.
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        condition = condition.add(
            Expr::col((person::Entity, person::Column::DisplayNameNormalized))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(roster) = filter.public_roster {
        let mut shown = Condition::any().add(person::Column::ListedPublicly.eq(true));
        if let Some(viewer) = roster.besides {
            shown = shown.add(person::Column::Id.eq(viewer.0));
        }
        condition = condition.add(shown);
    }
    if let Some(region) = filter.region {
        // The region is derived from the country, never stored, so the mapping has one home.
        let countries: Vec<String> = region.countries().map(|c| c.as_str().to_owned()).collect();
        condition = condition.add(person::Column::Country.is_in(countries));
    }
    condition
}

pub(crate) fn membership_from_row(row: membership::Model) -> Result<Membership, StoreError> {
    Ok(Membership {
        id: MembershipId(row.id),
        working_group_id: WorkingGroupId(row.working_group_id),
        person_id: PersonId(row.person_id),
        role: MembershipRole::parse(&row.role).map_err(corrupt("membership.role"))?,
        status: MembershipStatus::parse(&row.status).map_err(corrupt("membership.status"))?,
        since: row.since,
        motivation: row.motivation,
        decision_reason: row.decision_reason,
    })
}

impl Store {
    /// One membership with its person.
    pub async fn member(&self, id: MembershipId) -> Result<Member, StoreError> {
        let (membership, person) = membership::Entity::find_by_id(id.0)
            .find_also_related(person::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "membership",
            })?;
        let person = person.ok_or(StoreError::NotFound { entity: "person" })?;
        Ok(Member {
            membership: membership_from_row(membership)?,
            person: person_from_row(person)?,
        })
    }
}
