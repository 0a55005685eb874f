//! The notification inbox: rows written with the change they tell of (one `INSERT …
//! SELECT` whatever the audience's size), read newest first and marked read by their
//! owner.

use coalition_domain::events::Event;
use coalition_domain::inbox::{Audience, Notification, NotificationId, notice};
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::notifications::NotificationCategory;
use coalition_domain::pagination::{PageWindow, WindowPage};
use coalition_domain::people::PersonId;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, StatementBuilder,
};

use crate::Store;
use crate::activity::event_from_row;
use crate::entities::{account, activity, membership, notification};
use crate::error::StoreError;

/// Stores the notice of `event`, if it has one, in the inbox of everyone it reaches but
/// the actor and disabled accounts: one statement, inside the caller's transaction.
pub(crate) async fn deliver(db: &impl ConnectionTrait, event: &Event) -> Result<(), StoreError> {
    let Some(notice) = notice(&event.change) else {
        return Ok(());
    };
    let active_members = || {
        Query::select()
            .column(membership::Column::PersonId)
            .from(membership::Entity)
            .and_where(Expr::col(membership::Column::Status).eq(MembershipStatus::Active.as_str()))
            .to_owned()
    };
    let person = Expr::col((account::Entity, account::Column::PersonId));
    let reached = match notice.audience {
        Audience::Person(who) => person.clone().eq(who.0),
        Audience::RequesterAndDeciders { person: who, group } => {
            let coordinators: SelectStatement = active_members()
                .and_where(Expr::col(membership::Column::WorkingGroupId).eq(group.0))
                .and_where(
                    Expr::col(membership::Column::Role).eq(MembershipRole::Coordinator.as_str()),
                )
                .to_owned();
            person
                .clone()
                .eq(who.0)
                .or(Expr::col((account::Entity, account::Column::IsAdmin)).eq(true))
                .or(person.clone().in_subquery(coordinators))
        }
        Audience::Members(group) => {
            let mut members = active_members();
            if let Some(group) = group {
                members.and_where(Expr::col(membership::Column::WorkingGroupId).eq(group.0));
            }
            person.clone().in_subquery(members)
        }
    };
    let mut recipients = Query::select()
        .expr(person.clone())
        .expr(Expr::val(event.id))
        .expr(Expr::val(notice.category.as_str()))
        .expr(Expr::val(event.occurred_at))
        .from(account::Entity)
        .and_where(Expr::col((account::Entity, account::Column::DisabledAt)).is_null())
        .and_where(reached)
        .to_owned();
    if let Some(actor) = event.actor {
        recipients.and_where(person.ne(actor.0));
    }
    let insert = Query::insert()
        .into_table(notification::Entity)
        .columns([
            notification::Column::PersonId,
            notification::Column::ActivityId,
            notification::Column::Category,
            notification::Column::CreatedAt,
        ])
        .select_from(recipients)
        .map_err(|error| StoreError::Corrupt {
            field: "notification",
            reason: error.to_string(),
        })?
        .to_owned();
    let backend = db.get_database_backend();
    db.execute_raw(StatementBuilder::build(&insert, &backend))
        .await?;
    Ok(())
}

impl Store {
    /// A page of `person`'s notifications, newest first (keyed by id), only the unread
    /// ones when `unread_only`. Forward pages hold the `size` notifications older than
    /// `after`; backward pages the `size` newer than `before`, still newest first. The
    /// page flags say exactly whether notifications precede or follow the page.
    pub async fn notifications_of(
        &self,
        person: PersonId,
        unread_only: bool,
        window: PageWindow,
    ) -> Result<WindowPage<Notification>, StoreError> {
        let mut condition = Condition::all().add(notification::Column::PersonId.eq(person.0));
        if unread_only {
            condition = condition.add(notification::Column::ReadAt.is_null());
        }
        let total_count = notification::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let query = notification::Entity::find().filter(condition.clone());
        let (size, mut rows, has_previous_page, has_next_page) = match window {
            PageWindow::Forward { size, after } => {
                let mut query = query
                    .order_by_desc(notification::Column::Id)
                    .limit(u64::from(size) + 1);
                if let Some(after) = after {
                    query = query.filter(notification::Column::Id.lt(after));
                }
                let rows = query.all(&self.db).await?;
                let more = rows.len() > size as usize;
                let newer = match after {
                    Some(after) => {
                        self.any_notification(condition.add(notification::Column::Id.gte(after)))
                            .await?
                    }
                    None => false,
                };
                (size, rows, newer, more)
            }
            PageWindow::Backward { size, before } => {
                let mut query = query
                    .order_by_asc(notification::Column::Id)
                    .limit(u64::from(size) + 1);
                if let Some(before) = before {
                    query = query.filter(notification::Column::Id.gt(before));
                }
                let rows = query.all(&self.db).await?;
                let more = rows.len() > size as usize;
                let older = match before {
                    Some(before) => {
                        self.any_notification(condition.add(notification::Column::Id.lte(before)))
                            .await?
                    }
                    None => false,
                };
                (size, rows, more, older)
            }
        };
        rows.truncate(size as usize);
        if matches!(window, PageWindow::Backward { .. }) {
            rows.reverse();
        }
        let entries = activity::Entity::find()
            .filter(activity::Column::Id.is_in(rows.iter().map(|row| row.activity_id)))
            .all(&self.db)
            .await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let entry = entries
                    .iter()
                    .find(|entry| entry.id == row.activity_id)
                    .cloned()
                    .ok_or(StoreError::NotFound { entity: "activity" })?;
                Ok(Notification {
                    id: NotificationId(row.id),
                    person: PersonId(row.person_id),
                    event: event_from_row(entry)?,
                    category: NotificationCategory::parse(&row.category).map_err(|error| {
                        StoreError::Corrupt {
                            field: "notification.category",
                            reason: error.to_string(),
                        }
                    })?,
                    read_at: row.read_at,
                    created_at: row.created_at,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(WindowPage {
            items,
            has_next_page,
            has_previous_page,
            total_count,
        })
    }

    /// Whether any notification meets `condition`: one indexed probe.
    async fn any_notification(&self, condition: Condition) -> Result<bool, StoreError> {
        Ok(notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(condition)
            .limit(1)
            .into_tuple::<i32>()
            .one(&self.db)
            .await?
            .is_some())
    }

    /// How many of `person`'s notifications are unread.
    pub async fn unread_notification_count(&self, person: PersonId) -> Result<u64, StoreError> {
        Ok(notification::Entity::find()
            .filter(notification::Column::PersonId.eq(person.0))
            .filter(notification::Column::ReadAt.is_null())
            .count(&self.db)
            .await?)
    }

    /// Marks `ids` of `person`'s notifications read (those already read keep their time);
    /// returns how many were unread. `NotFound` when any id is not one of theirs, and then
    /// nothing changes.
    pub async fn mark_notifications_read(
        &self,
        person: PersonId,
        ids: &[NotificationId],
    ) -> Result<u64, StoreError> {
        let mut ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let txn = self.begin_write().await?;
        let owned = notification::Entity::find()
            .filter(notification::Column::PersonId.eq(person.0))
            .filter(notification::Column::Id.is_in(ids.iter().copied()))
            .count(&txn)
            .await?;
        if owned != ids.len() as u64 {
            return Err(StoreError::NotFound {
                entity: "notification",
            });
        }
        let marked = self
            .mark_read(
                &txn,
                Condition::all()
                    .add(notification::Column::PersonId.eq(person.0))
                    .add(notification::Column::Id.is_in(ids)),
            )
            .await?;
        txn.commit().await?;
        Ok(marked)
    }

    /// Marks all of `person`'s notifications read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self, person: PersonId) -> Result<u64, StoreError> {
        self.mark_read(
            &self.db,
            Condition::all().add(notification::Column::PersonId.eq(person.0)),
        )
        .await
    }

    async fn mark_read(
        &self,
        db: &impl ConnectionTrait,
        which: Condition,
    ) -> Result<u64, StoreError> {
        let result = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::val(self.clock.now()))
            .filter(which)
            .filter(notification::Column::ReadAt.is_null())
            .exec(db)
            .await?;
        Ok(result.rows_affected)
    }
}
