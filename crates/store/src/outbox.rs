//! The transactional outbox: notifications are queued in the transaction of the change
//! that causes them, then claimed and delivered by the mail worker. Claims are leases, so a
//! worker that dies mid-send leaves its messages to be retried, not lost; on PostgreSQL
//! several workers claim with `FOR UPDATE SKIP LOCKED` and never share a message.

use chrono::{DateTime, Utc};
use coalition_domain::language::Language;
use coalition_domain::notifications::{DeliveryMode, NotificationCategory, OutboxStatus};
use coalition_domain::people::{Email, Person, PersonId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};

use crate::Store;
use crate::entities::{notification_preference, outbox};
use crate::error::{StoreError, corrupt};

/// A notification to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMail {
    /// Which preference governs it.
    pub category: NotificationCategory,
    /// The recipient, when they have an account (preferences apply then).
    pub person: Option<PersonId>,
    /// The address.
    pub to: Email,
    /// The recipient's name.
    pub to_name: String,
    /// The language to render it in.
    pub language: Language,
    /// The template's name.
    pub template: String,
    /// What the template needs.
    pub data: serde_json::Value,
}

/// A queued message, as the worker and administrators see it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Identity.
    pub id: i32,
    /// The `Message-ID`, stable across attempts.
    pub message_id: String,
    /// Which preference governs it.
    pub category: NotificationCategory,
    /// The recipient's account, if any.
    pub person: Option<PersonId>,
    /// The address.
    pub to: String,
    /// The recipient's name.
    pub to_name: String,
    /// The language to render it in.
    pub language: Language,
    /// The template's name.
    pub template: String,
    /// What the template needs; erased once sent (it may hold a one-time token).
    pub data: Option<serde_json::Value>,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it is due.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    /// Accepted by the mail server.
    Sent,
    /// A temporary failure: try again at the given time.
    RetryAt(DateTime<Utc>, String),
    /// Refused for good, or out of attempts.
    Failed(String),
}

/// Queues a message inside the caller's transaction, honouring the recipient's preference
/// for its category. Returns the outbox id, or `None` when the person turned it off.
pub(crate) async fn enqueue(
    db: &impl ConnectionTrait,
    mail: NewMail,
    now: DateTime<Utc>,
) -> Result<Option<i32>, StoreError> {
    let mode = match (mail.person, mail.category) {
        (_, NotificationCategory::Security) | (None, _) => DeliveryMode::Immediately,
        (Some(person), category) => preference(db, person, category).await?,
    };
    let status = match mode {
        DeliveryMode::Off => return Ok(None),
        DeliveryMode::DailyDigest => OutboxStatus::Digest,
        DeliveryMode::Immediately => OutboxStatus::Pending,
    };
    let row = outbox::ActiveModel {
        message_id: Set(format!("<{}@coalition.outbox>", uuid::Uuid::new_v4())),
        category: Set(mail.category.as_str().to_owned()),
        person_id: Set(mail.person.map(|person| person.0)),
        to_address: Set(mail.to.as_str().to_owned()),
        to_name: Set(mail.to_name),
        language: Set(mail.language.code().to_owned()),
        template: Set(mail.template),
        data: Set(Some(mail.data)),
        status: Set(status.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(row.id))
}

async fn preference(
    db: &impl ConnectionTrait,
    person: PersonId,
    category: NotificationCategory,
) -> Result<DeliveryMode, StoreError> {
    let row = notification_preference::Entity::find_by_id((person.0, category.as_str().to_owned()))
        .one(db)
        .await?;
    match row {
        Some(row) => {
            DeliveryMode::parse(&row.mode).map_err(corrupt("notification_preference.mode"))
        }
        None => Ok(DeliveryMode::default()),
    }
}

impl Store {
    /// A person's preference for every category (defaults included).
    pub async fn notification_preferences(
        &self,
        person: PersonId,
    ) -> Result<Vec<(NotificationCategory, DeliveryMode)>, StoreError> {
        let mut preferences = Vec::new();
        for category in NotificationCategory::ALL {
            preferences.push((category, preference(&self.db, person, category).await?));
        }
        Ok(preferences)
    }

    /// Records how a person wants each category delivered, all in one transaction.
    pub async fn set_notification_preferences(
        &self,
        person: PersonId,
        changes: &[(NotificationCategory, DeliveryMode)],
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        for (category, mode) in changes {
            notification_preference::Entity::delete_by_id((person.0, category.as_str().to_owned()))
                .exec(&txn)
                .await?;
            notification_preference::ActiveModel {
                person_id: Set(person.0),
                category: Set(category.as_str().to_owned()),
                mode: Set(mode.as_str().to_owned()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due messages for `lease`: pending ones whose time has come,
    /// and ones whose earlier claim ran out (a worker died mid-send).
    pub async fn claim_due_mail(
        &self,
        limit: u64,
        lease: chrono::Duration,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let now = self.clock.now();
        let until = now + lease;
        let txn = self.begin_write().await?;
        let ids: Vec<i32> = if txn.get_database_backend() == DbBackend::Postgres {
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT id FROM outbox \
                     WHERE (status = 'pending' AND next_attempt_at <= $1) \
                        OR (status = 'sending' AND claimed_until < $1) \
                     ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                    [now.into(), (limit as i64).into()],
                ))
                .await?;
            rows.into_iter()
                .map(|row| row.try_get::<i32>("", "id"))
                .collect::<Result<_, _>>()?
        } else {
            // SQLite: the IMMEDIATE transaction already excludes every other writer.
            outbox::Entity::find()
                .filter(
                    sea_orm::Condition::any()
                        .add(
                            outbox::Column::Status
                                .eq(OutboxStatus::Pending.as_str())
                                .and(outbox::Column::NextAttemptAt.lte(now)),
                        )
                        .add(
                            outbox::Column::Status
                                .eq(OutboxStatus::Sending.as_str())
                                .and(outbox::Column::ClaimedUntil.lt(now)),
                        ),
                )
                .order_by_asc(outbox::Column::Id)
                .limit(limit)
                .all(&txn)
                .await?
                .into_iter()
                .map(|row| row.id)
                .collect()
        };
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Status,
                Expr::value(OutboxStatus::Sending.as_str()),
            )
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Id.is_in(ids))
            .order_by_asc(outbox::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        rows.into_iter().map(message_from_row).collect()
    }

    /// Records the outcome of an attempt.
    pub async fn record_delivery(
        &self,
        id: i32,
        outcome: DeliveryOutcome,
    ) -> Result<(), StoreError> {
        let mut update = outbox::Entity::update_many().col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
        update = match outcome {
            DeliveryOutcome::Sent => update
                .col_expr(
                    outbox::Column::Status,
                    Expr::value(OutboxStatus::Sent.as_str()),
                )
                .col_expr(outbox::Column::SentAt, Expr::value(self.clock.now()))
                .col_expr(
                    outbox::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                // The data may hold a one-time token: not kept once delivered.
                .col_expr(
                    outbox::Column::Data,
                    Expr::value(Option::<serde_json::Value>::None),
                ),
            DeliveryOutcome::RetryAt(at, error) => update
                .col_expr(
                    outbox::Column::Status,
                    Expr::value(OutboxStatus::Pending.as_str()),
                )
                .col_expr(outbox::Column::NextAttemptAt, Expr::value(at))
                .col_expr(outbox::Column::LastError, Expr::value(error)),
            DeliveryOutcome::Failed(error) => update
                .col_expr(
                    outbox::Column::Status,
                    Expr::value(OutboxStatus::Failed.as_str()),
                )
                .col_expr(outbox::Column::LastError, Expr::value(error))
                // A failed mail that carried a one-time link keeps no live token: the
                // person asks for a new link instead.
                .col_expr(
                    outbox::Column::Data,
                    Expr::cust(
                        "CASE WHEN CAST(data AS TEXT) LIKE '%\"token\"%' THEN NULL ELSE data END",
                    ),
                ),
        };
        update
            .filter(outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The most recent messages with a status, newest first (administrators' view).
    pub async fn outbox_messages(
        &self,
        status: Option<OutboxStatus>,
        limit: u64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut query = outbox::Entity::find()
            .order_by_desc(outbox::Column::Id)
            .limit(limit);
        if let Some(status) = status {
            query = query.filter(outbox::Column::Status.eq(status.as_str()));
        }
        query
            .all(&self.db)
            .await?
            .into_iter()
            .map(message_from_row)
            .collect()
    }

    /// People who have messages held for their daily digest, with what the digest needs.
    pub async fn digest_recipients(&self) -> Result<Vec<Person>, StoreError> {
        let ids: Vec<i32> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::PersonId)
            .filter(outbox::Column::Status.eq(OutboxStatus::Digest.as_str()))
            .filter(outbox::Column::PersonId.is_not_null())
            .distinct()
            .into_tuple::<Option<i32>>()
            .all(&self.db)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let mut people = Vec::with_capacity(ids.len());
        for id in ids {
            people.push(self.person(PersonId(id)).await?);
        }
        Ok(people)
    }

    /// A person's held messages queued before `before`, oldest first.
    pub async fn held_for_digest(
        &self,
        person: PersonId,
        before: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(OutboxStatus::Digest.as_str()))
            .filter(outbox::Column::PersonId.eq(person.0))
            .filter(outbox::Column::CreatedAt.lt(before))
            .order_by_asc(outbox::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(message_from_row)
            .collect()
    }

    /// Queues a digest in place of the held messages it gathers, in one transaction: the
    /// digest is due at once and the items are marked sent (with it).
    pub async fn release_digest(&self, items: &[i32], digest: NewMail) -> Result<i32, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = outbox::ActiveModel {
            message_id: Set(format!("<{}@coalition.outbox>", uuid::Uuid::new_v4())),
            category: Set(digest.category.as_str().to_owned()),
            person_id: Set(digest.person.map(|person| person.0)),
            to_address: Set(digest.to.as_str().to_owned()),
            to_name: Set(digest.to_name),
            language: Set(digest.language.code().to_owned()),
            template: Set(digest.template),
            data: Set(Some(digest.data)),
            status: Set(OutboxStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Status,
                Expr::value(OutboxStatus::Sent.as_str()),
            )
            .col_expr(outbox::Column::SentAt, Expr::value(now))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(format!("sent in digest {}", row.id)),
            )
            .col_expr(
                outbox::Column::Data,
                Expr::value(Option::<serde_json::Value>::None),
            )
            .filter(outbox::Column::Id.is_in(items.to_vec()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Digest.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(row.id)
    }

    /// Puts a failed message back in the queue, due now, with a fresh count of attempts.
    pub async fn retry_mail(&self, id: i32) -> Result<OutboxMessage, StoreError> {
        let row =
            outbox::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .ok_or(StoreError::NotFound {
                    entity: "outbox message",
                })?;
        if row.status != OutboxStatus::Failed.as_str() {
            return Err(StoreError::Conflict {
                constraint: "only failed messages can be retried".to_owned(),
            });
        }
        if row.data.is_none() {
            return Err(StoreError::Conflict {
                constraint: "this mail carried a one-time link, erased when it failed; the person can ask for a new one".to_owned(),
            });
        }
        let mut update: outbox::ActiveModel = row.into();
        update.status = Set(OutboxStatus::Pending.as_str().to_owned());
        update.attempts = Set(0);
        update.next_attempt_at = Set(self.clock.now());
        message_from_row(update.update(&self.db).await?)
    }
}

fn message_from_row(row: outbox::Model) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: row.id,
        message_id: row.message_id,
        category: NotificationCategory::parse(&row.category).map_err(corrupt("outbox.category"))?,
        person: row.person_id.map(PersonId),
        to: row.to_address,
        to_name: row.to_name,
        language: Language::parse(&row.language).map_err(corrupt("outbox.language"))?,
        template: row.template,
        data: row.data,
        status: OutboxStatus::parse(&row.status).map_err(corrupt("outbox.status"))?,
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        next_attempt_at: row.next_attempt_at,
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
    })
}
