//! Balance reports, counted by the database: three grouped counts, never a list of people.

use coalition_domain::balance::BalanceReport;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::membership::MembershipStatus;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, StatementBuilder};

use crate::Store;
use crate::entities::{membership, person};
use crate::error::StoreError;

impl Store {
    /// The balance of a group's active members, or of the coalition's (every person with
    /// at least one active membership, counted once) when `group` is `None`.
    pub async fn balance(
        &self,
        group: Option<WorkingGroupId>,
    ) -> Result<BalanceReport, StoreError> {
        let total = self.count_by(group, None).await?;
        let total = total.first().map_or(0, |(_, count)| *count);
        let stakeholders = self
            .count_by(group, Some(person::Column::StakeholderType))
            .await?;
        let countries = self.count_by(group, Some(person::Column::Country)).await?;
        let genders = self.count_by(group, Some(person::Column::Gender)).await?;
        let stakeholders: Vec<(String, u64)> = stakeholders
            .into_iter()
            .filter_map(|(key, count)| key.map(|key| (key, count)))
            .collect();
        let countries: Vec<(String, u64)> = countries
            .into_iter()
            .filter_map(|(key, count)| key.map(|key| (key, count)))
            .collect();
        Ok(BalanceReport::from_counts(
            total,
            &stakeholders,
            &countries,
            &genders,
        ))
    }

    /// `SELECT column, COUNT(*) FROM person WHERE id IN (active members) GROUP BY column`,
    /// or the plain count when `column` is `None`.
    async fn count_by(
        &self,
        group: Option<WorkingGroupId>,
        column: Option<person::Column>,
    ) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        let mut members: SelectStatement = Query::select()
            .column(membership::Column::PersonId)
            .from(membership::Entity)
            .and_where(Expr::col(membership::Column::Status).eq(MembershipStatus::Active.as_str()))
            .to_owned();
        if let Some(group) = group {
            members.and_where(Expr::col(membership::Column::WorkingGroupId).eq(group.0));
        }
        let mut query = Query::select()
            .from(person::Entity)
            .expr_as(Expr::col(person::Column::Id).count(), Alias::new("n"))
            .and_where(Expr::col((person::Entity, person::Column::Id)).in_subquery(members))
            .to_owned();
        if let Some(column) = column {
            query
                .expr_as(Expr::col(column), Alias::new("k"))
                .group_by_col(column);
        }
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(StatementBuilder::build(&query, &backend))
            .await?;
        rows.into_iter()
            .map(|row| {
                let count: i64 = row.try_get("", "n")?;
                let key: Option<String> = if column.is_some() {
                    row.try_get("", "k")?
                } else {
                    None
                };
                Ok((key, u64::try_from(count).unwrap_or_default()))
            })
            .collect()
    }
}
