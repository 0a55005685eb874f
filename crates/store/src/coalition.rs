//! Reading the coalition, its areas of action and its working groups.

use coalition_domain::coalition::{
    AreaId, AreaOfAction, Coalition, CoalitionId, JoinPolicy, WorkingGroup, WorkingGroupId,
};
use coalition_domain::language::LocalisedText;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::Store;
use crate::entities::{area_of_action, coalition, working_group};
use crate::error::{StoreError, corrupt};

impl Store {
    /// The coalition this deployment serves (the first one recorded).
    pub async fn coalition(&self) -> Result<Coalition, StoreError> {
        coalition::Entity::find()
            .order_by_asc(coalition::Column::Id)
            .one(&self.db)
            .await?
            .map(coalition_from_row)
            .ok_or(StoreError::NotFound {
                entity: "coalition",
            })
    }

    /// Every area of action, by number.
    pub async fn areas_of_action(&self) -> Result<Vec<AreaOfAction>, StoreError> {
        let rows = area_of_action::Entity::find()
            .order_by_asc(area_of_action::Column::Number)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(area_from_row).collect())
    }

    /// One area of action.
    pub async fn area_of_action(&self, id: AreaId) -> Result<AreaOfAction, StoreError> {
        area_of_action::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(area_from_row)
            .ok_or(StoreError::NotFound {
                entity: "area of action",
            })
    }

    /// Every working group, in the order of their areas of action.
    pub async fn working_groups(&self) -> Result<Vec<WorkingGroup>, StoreError> {
        let rows = working_group::Entity::find()
            .order_by_asc(working_group::Column::AreaId)
            .order_by_asc(working_group::Column::Id)
            .all(&self.db)
            .await?;
        rows.into_iter().map(group_from_row).collect()
    }

    /// The working group that carries an area of action, if any.
    pub async fn working_group_for_area(
        &self,
        area: AreaId,
    ) -> Result<Option<WorkingGroup>, StoreError> {
        let row = working_group::Entity::find()
            .filter(working_group::Column::AreaId.eq(area.0))
            .one(&self.db)
            .await?;
        row.map(group_from_row).transpose()
    }

    /// One working group.
    pub async fn working_group(&self, id: WorkingGroupId) -> Result<WorkingGroup, StoreError> {
        working_group::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "working group",
            })
            .and_then(group_from_row)
    }
}

pub(crate) fn coalition_from_row(row: coalition::Model) -> Coalition {
    Coalition {
        id: CoalitionId(row.id),
        slug: row.slug,
        name: LocalisedText::new(row.name_en, row.name_fr),
        description: LocalisedText::new(row.description_en, row.description_fr),
        launched_on: row.launched_on,
    }
}

pub(crate) fn area_from_row(row: area_of_action::Model) -> AreaOfAction {
    AreaOfAction {
        id: AreaId(row.id),
        coalition_id: CoalitionId(row.coalition_id),
        number: row.number,
        name: LocalisedText::new(row.name_en, row.name_fr),
    }
}

pub(crate) fn group_from_row(row: working_group::Model) -> Result<WorkingGroup, StoreError> {
    Ok(WorkingGroup {
        id: WorkingGroupId(row.id),
        coalition_id: CoalitionId(row.coalition_id),
        area_id: AreaId(row.area_id),
        slug: row.slug,
        name: LocalisedText::new(row.name_en, row.name_fr),
        summary: LocalisedText::new(row.summary_en, row.summary_fr),
        mandate: LocalisedText::new(row.mandate_en, row.mandate_fr),
        join_policy: JoinPolicy::parse(&row.join_policy)
            .map_err(corrupt("working_group.join_policy"))?,
        created_at: row.created_at,
        archived_at: row.archived_at,
    })
}
