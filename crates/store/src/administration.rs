//! What administrators change: working groups (created with their first coordinator,
//! described, archived, restored), the coalition's and the areas' texts, and the people
//! directory they search.

use coalition_domain::accounts::{Account, AccountStatus};
use coalition_domain::coalition::{
    AreaId, AreaOfAction, Coalition, GroupChanges, GroupDraft, WorkingGroup, WorkingGroupId,
};
use coalition_domain::events::{Change, GroupFacts};
use coalition_domain::geography::{CountryCode, UnescoRegion};
use coalition_domain::language::LocalisedText;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::pagination::{PageWindow, WindowPage};
use coalition_domain::people::{Person, PersonId};
use coalition_domain::stakeholder::StakeholderType;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::accounts::account_from_row;
use crate::activity::Recorded;
use crate::coalition::{area_from_row, coalition_from_row, group_from_row};
use crate::entities::{account, area_of_action, coalition, membership, person, working_group};
use crate::error::StoreError;
use crate::joining::membership_facts;
use crate::people::person_from_row;
use crate::translations::save_translations;

/// What the people directory narrows to; every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeopleFilter {
    /// Words found in the name or the address (case-insensitive).
    pub query: Option<String>,
    /// Based in this country.
    pub country: Option<CountryCode>,
    /// Based in this UNESCO region.
    pub region: Option<UnescoRegion>,
    /// Speaking for this kind of stakeholder.
    pub stakeholder_type: Option<StakeholderType>,
    /// Accounts standing so.
    pub status: Option<AccountStatus>,
}

impl Store {
    /// Creates a group and makes `coordinator` (a verified, enabled account) its first
    /// coordinator, in one transaction. A taken slug or area is a conflict naming `slug`
    /// or `area_id`; a coordinator who cannot sign in is [`StoreError::NotEligible`].
    pub async fn create_working_group(
        &self,
        actor: PersonId,
        draft: GroupDraft,
        coordinator: PersonId,
    ) -> Result<Recorded<WorkingGroup>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let eligible = account::Entity::find_by_id(coordinator.0)
            .one(&txn)
            .await?
            .map(account_from_row)
            .is_some_and(|account| account.status() == AccountStatus::Active);
        if !eligible {
            return Err(StoreError::NotEligible {
                field: "coordinatorId",
                message: "the first coordinator must be a person whose address is verified and whose account is enabled",
            });
        }
        let coalition = coalition::Entity::find()
            .order_by_asc(coalition::Column::Id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "coalition",
            })?;
        if area_of_action::Entity::find_by_id(draft.area_id.0)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(StoreError::NotEligible {
                field: "areaId",
                message: "no such area of action",
            });
        }
        let texts = [
            ("name", draft.name.clone()),
            ("summary", draft.summary.clone()),
            ("mandate", draft.mandate.clone()),
        ];
        let row = working_group::ActiveModel {
            coalition_id: Set(coalition.id),
            area_id: Set(draft.area_id.0),
            slug: Set(draft.slug),
            name_en: Set(draft.name.en),
            name_fr: Set(draft.name.fr),
            summary_en: Set(draft.summary.en),
            summary_fr: Set(draft.summary.fr),
            mandate_en: Set(draft.mandate.en),
            mandate_fr: Set(draft.mandate.fr),
            join_policy: Set(draft.join_policy.as_str().to_owned()),
            created_at: Set(now),
            archived_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let group = group_from_row(row)?;
        for (field, text) in &texts {
            save_translations(&txn, "group", group.id.0, field, text).await?;
        }
        let membership = membership::ActiveModel {
            person_id: Set(coordinator.0),
            working_group_id: Set(group.id.0),
            role: Set(MembershipRole::Coordinator.as_str().to_owned()),
            status: Set(MembershipStatus::Active.as_str().to_owned()),
            since: Set(now),
            created_at: Set(now),
            motivation: Set(None),
            decision_reason: Set(None),
            decided_by: Set(Some(actor.0)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let created = self
            .record(
                &txn,
                Some(actor),
                Change::GroupCreated(GroupFacts { group: group.id }),
            )
            .await?;
        let appointed = self
            .record(
                &txn,
                Some(actor),
                Change::CoordinatorAppointed(membership_facts(&membership)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(group, vec![created, appointed]))
    }

    /// Changes a group's description, area, slug or join policy (validated by
    /// `changes`); conflicts as for [`Store::create_working_group`].
    pub async fn update_working_group(
        &self,
        actor: PersonId,
        id: WorkingGroupId,
        changes: &GroupChanges,
    ) -> Result<Recorded<WorkingGroup>, StoreError> {
        let txn = self.begin_write().await?;
        let row = working_group::Entity::find_by_id(id.0)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "working group",
            })?;
        let mut group = group_from_row(row.clone())?;
        changes.apply(&mut group).map_err(StoreError::Invalid)?;
        if let Some(area) = changes.area_id
            && area_of_action::Entity::find_by_id(area.0)
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(StoreError::NotEligible {
                field: "areaId",
                message: "no such area of action",
            });
        }
        let mut update = row.into_active_model();
        update.area_id = Set(group.area_id.0);
        update.slug = Set(group.slug.clone());
        update.name_en = Set(group.name.en.clone());
        update.name_fr = Set(group.name.fr.clone());
        update.summary_en = Set(group.summary.en.clone());
        update.summary_fr = Set(group.summary.fr.clone());
        update.mandate_en = Set(group.mandate.en.clone());
        update.mandate_fr = Set(group.mandate.fr.clone());
        update.join_policy = Set(group.join_policy.as_str().to_owned());
        let row = update.update(&txn).await?;
        save_translations(&txn, "group", id.0, "name", &group.name).await?;
        save_translations(&txn, "group", id.0, "summary", &group.summary).await?;
        save_translations(&txn, "group", id.0, "mandate", &group.mandate).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::GroupUpdated(GroupFacts { group: id }),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(group_from_row(row)?, vec![event]))
    }

    /// Archives (`true`) or restores a group. Doing what is already done changes nothing
    /// and records nothing.
    pub async fn set_group_archived(
        &self,
        actor: PersonId,
        id: WorkingGroupId,
        archived: bool,
    ) -> Result<Recorded<WorkingGroup>, StoreError> {
        let txn = self.begin_write().await?;
        let row = working_group::Entity::find_by_id(id.0)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "working group",
            })?;
        if row.archived_at.is_some() == archived {
            return Ok(Recorded::new(group_from_row(row)?, Vec::new()));
        }
        let mut update = row.into_active_model();
        update.archived_at = Set(archived.then(|| self.clock.now()));
        let row = update.update(&txn).await?;
        let facts = GroupFacts { group: id };
        let change = if archived {
            Change::GroupArchived(facts)
        } else {
            Change::GroupRestored(facts)
        };
        let event = self.record(&txn, Some(actor), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(group_from_row(row)?, vec![event]))
    }

    /// Replaces the coalition's name and description.
    pub async fn update_coalition(
        &self,
        actor: PersonId,
        name: LocalisedText,
        description: LocalisedText,
    ) -> Result<Recorded<Coalition>, StoreError> {
        let txn = self.begin_write().await?;
        let row = coalition::Entity::find()
            .order_by_asc(coalition::Column::Id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "coalition",
            })?;
        let id = row.id;
        save_translations(&txn, "coalition", id, "name", &name).await?;
        save_translations(&txn, "coalition", id, "description", &description).await?;
        let mut update = row.into_active_model();
        update.name_en = Set(name.en);
        update.name_fr = Set(name.fr);
        update.description_en = Set(description.en);
        update.description_fr = Set(description.fr);
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::CoalitionUpdated { coalition: id },
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(coalition_from_row(row), vec![event]))
    }

    /// Replaces an area of action's name.
    pub async fn update_area_of_action(
        &self,
        actor: PersonId,
        id: AreaId,
        name: LocalisedText,
    ) -> Result<Recorded<AreaOfAction>, StoreError> {
        let txn = self.begin_write().await?;
        let row = area_of_action::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "area of action",
            })?;
        save_translations(&txn, "area", id.0, "name", &name).await?;
        let mut update = row.into_active_model();
        update.name_en = Set(name.en);
        update.name_fr = Set(name.fr);
        let row = update.update(&txn).await?;
        let event = self
            .record(&txn, Some(actor), Change::AreaUpdated { area: id })
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(area_from_row(row), vec![event]))
    }

    /// How many enabled accounts administer the coalition.
    pub async fn administrator_count(&self) -> Result<u64, StoreError> {
        Ok(account::Entity::find()
            .filter(account::Column::IsAdmin.eq(true))
            .filter(account::Column::DisabledAt.is_null())
            .count(&self.db)
            .await?)
    }

    /// One page of everyone with an account, by id, with their accounts.
    pub async fn people_directory(
        &self,
        filter: &PeopleFilter,
        window: PageWindow,
    ) -> Result<WindowPage<(Person, Account)>, StoreError> {
        let condition = directory_condition(filter);
        let total_count = person::Entity::find()
            .inner_join(account::Entity)
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let query = person::Entity::find()
            .find_also_related(account::Entity)
            .filter(condition);
        let (size, mut rows, has_next_page, has_previous_page) = match window {
            PageWindow::Forward { size, after } => {
                let mut query = query
                    .order_by_asc(person::Column::Id)
                    .limit(u64::from(size) + 1);
                if let Some(after) = after {
                    query = query.filter(person::Column::Id.gt(after));
                }
                let rows = query.all(&self.db).await?;
                let more = rows.len() > size as usize;
                (size, rows, more, after.is_some())
            }
            PageWindow::Backward { size, before } => {
                let mut query = query
                    .order_by_desc(person::Column::Id)
                    .limit(u64::from(size) + 1);
                if let Some(before) = before {
                    query = query.filter(person::Column::Id.lt(before));
                }
                let rows = query.all(&self.db).await?;
                let more = rows.len() > size as usize;
                (size, rows, before.is_some(), more)
            }
        };
        rows.truncate(size as usize);
        if matches!(window, PageWindow::Backward { .. }) {
            rows.reverse();
        }
        let items = rows
            .into_iter()
            .filter_map(|(person, account)| account.map(|account| (person, account)))
            .map(|(person, account)| Ok((person_from_row(person)?, account_from_row(account))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(WindowPage {
            items,
            has_next_page,
            has_previous_page,
            total_count,
        })
    }
}

fn directory_condition(filter: &PeopleFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(text) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Every word must be found in the name or in the address, as the lower-cased
        // copies kept beside them hold them. LIKE wildcards in the text match literally.
        for word in text.split_whitespace() {
            let escaped = word
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            condition = condition.add(
                Condition::any()
                    .add(
                        Expr::col((person::Entity, person::Column::DisplayNameNormalized))
                            .like(LikeExpr::new(pattern.clone()).escape('\\')),
                    )
                    .add(
                        Expr::col((person::Entity, person::Column::EmailNormalized))
                            .like(LikeExpr::new(pattern).escape('\\')),
                    ),
            );
        }
    }
    if let Some(country) = filter.country {
        condition = condition.add(person::Column::Country.eq(country.as_str()));
    }
    if let Some(region) = filter.region {
        // The region is derived from the country, never stored, so the mapping has one home.
        let countries: Vec<String> = region.countries().map(|c| c.as_str().to_owned()).collect();
        condition = condition.add(person::Column::Country.is_in(countries));
    }
    if let Some(kind) = filter.stakeholder_type {
        condition = condition.add(person::Column::StakeholderType.eq(kind.as_str()));
    }
    match filter.status {
        None => {}
        Some(AccountStatus::Admin) => condition = condition.add(account::Column::IsAdmin.eq(true)),
        Some(AccountStatus::Disabled) => {
            condition = condition.add(account::Column::DisabledAt.is_not_null());
        }
        Some(AccountStatus::Unverified) => {
            condition = condition
                .add(account::Column::DisabledAt.is_null())
                .add(account::Column::EmailVerifiedAt.is_null());
        }
        Some(AccountStatus::Active) => {
            condition = condition
                .add(account::Column::DisabledAt.is_null())
                .add(account::Column::EmailVerifiedAt.is_not_null());
        }
    }
    condition
}
