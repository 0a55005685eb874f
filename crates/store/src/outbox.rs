//! The transactional outbox: notifications are queued in the transaction of the change
//! that causes them, then claimed and delivered by the mail worker. Claims are leases, so a
//! worker that dies mid-send leaves its messages to be retried, not lost; on PostgreSQL
//! several workers claim with `FOR UPDATE SKIP LOCKED` and never share a message.

use chrono::{DateTime, Utc};
use coalition_domain::language::Language;
use coalition_domain::mail::{Mail, MailKind};
use coalition_domain::notifications::{DeliveryMode, NotificationCategory, OutboxStatus};
use coalition_domain::people::{Email, Person, PersonId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use crate::Store;
use crate::entities::{notification_preference, outbox};
use crate::error::{StoreError, corrupt};

/// A notification to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMail {
    /// The recipient, when they have an account (preferences apply then).
    pub person: Option<PersonId>,
    /// The address.
    pub to: Email,
    /// The recipient's name.
    pub to_name: String,
    /// The language to render it in.
    pub language: Language,
    /// What to send; it also decides the preference that governs it.
    pub mail: Mail,
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
    /// Which mail it is, known even once its fields are erased.
    pub kind: MailKind,
    /// The mail to send, unless its fields were erased (once sent, or failed holding a
    /// one-time token) or no longer read as its kind.
    pub mail: Result<Mail, MailUnavailable>,
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

/// Why a queued message no longer has its mail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailUnavailable {
    /// Its fields were erased: it was sent, or failed while holding a one-time token.
    #[error("its data was already erased (sent, or failed holding a one-time token)")]
    Erased,
    /// Its fields do not read as its kind of mail (a bug, or a manual edit). Only that
    /// message fails: the rest of the queue goes on.
    #[error("its data cannot be read: {0}")]
    Unreadable(String),
}

/// A worker's hold on the messages it claimed together. Deliveries are recorded only
/// while the claim still holds (the fence): once a lease runs out and another worker
/// claims a message, the first can neither send it again nor overwrite its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim(String);

/// Messages claimed at once, under one [`Claim`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedMail {
    /// The hold on them.
    pub claim: Claim,
    /// The messages, oldest first.
    pub messages: Vec<OutboxMessage>,
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
    let category = mail.mail.category();
    let mode = match (mail.person, category) {
        (_, NotificationCategory::Security) | (None, _) => DeliveryMode::Immediately,
        (Some(person), category) => preference(db, person, category).await?,
    };
    let status = match mode {
        DeliveryMode::Off => return Ok(None),
        DeliveryMode::DailyDigest => OutboxStatus::Digest,
        DeliveryMode::Immediately => OutboxStatus::Pending,
    };
    let row = new_row(mail, status, now)?.insert(db).await?;
    Ok(Some(row.id))
}

/// The outbox row for a new message: the mail's category, template name and fields.
fn new_row(
    mail: NewMail,
    status: OutboxStatus,
    now: DateTime<Utc>,
) -> Result<outbox::ActiveModel, StoreError> {
    let stored = mail.mail.to_stored().map_err(|error| StoreError::Corrupt {
        field: "outbox.data",
        reason: error.to_string(),
    })?;
    Ok(outbox::ActiveModel {
        message_id: Set(format!("<{}@coalition.outbox>", uuid::Uuid::new_v4())),
        category: Set(mail.mail.category().as_str().to_owned()),
        person_id: Set(mail.person.map(|person| person.0)),
        to_address: Set(mail.to.as_str().to_owned()),
        to_name: Set(mail.to_name),
        language: Set(mail.language.code().to_owned()),
        template: Set(stored.template.to_owned()),
        data: Set(Some(stored.data)),
        status: Set(status.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        claim_token: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    })
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

    /// Records how a person wants each category delivered, all in one transaction of two
    /// statements (the last entry for a category wins).
    pub async fn set_notification_preferences(
        &self,
        person: PersonId,
        changes: &[(NotificationCategory, DeliveryMode)],
    ) -> Result<(), StoreError> {
        let mut latest: Vec<(NotificationCategory, DeliveryMode)> = Vec::new();
        for (category, mode) in changes.iter().rev() {
            if !latest.iter().any(|(seen, _)| seen == category) {
                latest.push((*category, *mode));
            }
        }
        if latest.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write().await?;
        notification_preference::Entity::delete_many()
            .filter(notification_preference::Column::PersonId.eq(person.0))
            .filter(
                notification_preference::Column::Category
                    .is_in(latest.iter().map(|(category, _)| category.as_str())),
            )
            .exec(&txn)
            .await?;
        notification_preference::Entity::insert_many(latest.iter().map(|(category, mode)| {
            notification_preference::ActiveModel {
                person_id: Set(person.0),
                category: Set(category.as_str().to_owned()),
                mode: Set(mode.as_str().to_owned()),
            }
        }))
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due messages for `lease`: pending ones whose time has come,
    /// and ones whose earlier claim ran out (a worker died mid-send, or took longer than
    /// its lease: its claim is then void).
    pub async fn claim_due_mail(
        &self,
        limit: u64,
        lease: chrono::Duration,
    ) -> Result<ClaimedMail, StoreError> {
        let now = self.clock.now();
        let until = now + lease;
        let claim = Claim(uuid::Uuid::new_v4().simple().to_string());
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
            return Ok(ClaimedMail {
                claim,
                messages: Vec::new(),
            });
        }
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Status,
                Expr::value(OutboxStatus::Sending.as_str()),
            )
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(until))
            .col_expr(outbox::Column::ClaimToken, Expr::value(claim.0.clone()))
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
        let messages = rows
            .into_iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        Ok(ClaimedMail { claim, messages })
    }

    /// Messages waiting to go out (pending, whether due or backing off) and being sent.
    pub async fn outbox_backlog(&self) -> Result<u64, StoreError> {
        Ok(outbox::Entity::find()
            .filter(outbox::Column::Status.is_in([
                OutboxStatus::Pending.as_str(),
                OutboxStatus::Sending.as_str(),
            ]))
            .count(&self.db)
            .await?)
    }

    /// Extends the claim on one message by `lease` from now, just before it is sent, so
    /// a batch sent one by one keeps what it has not sent yet only as long as a lease.
    /// `false` when the claim no longer holds (another worker took the message over):
    /// the caller must not send it.
    pub async fn renew_claim(
        &self,
        id: i32,
        claim: &Claim,
        lease: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let result = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::ClaimedUntil,
                Expr::value(self.clock.now() + lease),
            )
            .filter(held(id, claim))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Gives back the messages of a claim that were not attempted (a worker stopping),
    /// due at once and without counting an attempt; returns how many.
    pub async fn release_claims(&self, claim: &Claim) -> Result<u64, StoreError> {
        let result = unclaimed()
            .col_expr(
                outbox::Column::Status,
                Expr::value(OutboxStatus::Pending.as_str()),
            )
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(self.clock.now()))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).sub(1),
            )
            .filter(outbox::Column::ClaimToken.eq(claim.0.as_str()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Sending.as_str()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    /// Records the outcome of an attempt, if `claim` still holds the message; `false`
    /// when it does not (the lease ran out and another worker claimed it), and then
    /// nothing changes.
    pub async fn record_delivery(
        &self,
        id: i32,
        claim: &Claim,
        outcome: DeliveryOutcome,
    ) -> Result<bool, StoreError> {
        let update = unclaimed();
        let update = match outcome {
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
                // person asks for a new link instead. Which mails hold one is a property
                // of their kind, stored in the template column.
                .col_expr(
                    outbox::Column::Data,
                    Expr::case(
                        outbox::Column::Template.is_in(
                            MailKind::ALL
                                .into_iter()
                                .filter(|kind| kind.carries_one_time_token())
                                .map(MailKind::template),
                        ),
                        Expr::null(),
                    )
                    .finally(Expr::col(outbox::Column::Data))
                    .into(),
                ),
        };
        let result = update.filter(held(id, claim)).exec(&self.db).await?;
        Ok(result.rows_affected == 1)
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
    /// digest is due at once and the items are marked sent (with it). `None`, and nothing
    /// changes, when any item was no longer held (another worker gathered it first).
    pub async fn release_digest(
        &self,
        items: &[i32],
        digest: NewMail,
    ) -> Result<Option<i32>, StoreError> {
        let now = self.clock.now();
        let row = new_row(digest, OutboxStatus::Pending, now)?;
        let txn = self.begin_write().await?;
        let row = row.insert(&txn).await?;
        let released = outbox::Entity::update_many()
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
        // On PostgreSQL a concurrent release waits on the rows, then finds them sent.
        if released.rows_affected != items.len() as u64 {
            txn.rollback().await?;
            return Ok(None);
        }
        txn.commit().await?;
        Ok(Some(row.id))
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

/// An update that ends a claim: the lease and its token go.
fn unclaimed() -> sea_orm::UpdateMany<outbox::Entity> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::ClaimToken,
            Expr::value(Option::<String>::None),
        )
}

/// The row `id` while `claim` holds it.
fn held(id: i32, claim: &Claim) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox::Column::Id.eq(id))
        .add(outbox::Column::ClaimToken.eq(claim.0.as_str()))
        .add(outbox::Column::Status.eq(OutboxStatus::Sending.as_str()))
}

fn message_from_row(row: outbox::Model) -> Result<OutboxMessage, StoreError> {
    let category =
        NotificationCategory::parse(&row.category).map_err(corrupt("outbox.category"))?;
    let kind = MailKind::parse(&row.template).map_err(corrupt("outbox.template"))?;
    Ok(OutboxMessage {
        id: row.id,
        message_id: row.message_id,
        category,
        person: row.person_id.map(PersonId),
        to: row.to_address,
        to_name: row.to_name,
        language: Language::parse(&row.language).map_err(corrupt("outbox.language"))?,
        kind,
        mail: match row.data {
            Some(data) => read_mail(kind, category, data),
            None => Err(MailUnavailable::Erased),
        },
        status: OutboxStatus::parse(&row.status).map_err(corrupt("outbox.status"))?,
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        next_attempt_at: row.next_attempt_at,
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
    })
}

/// Reads a row's fields as its kind of mail. Digests queued before they recorded their
/// category in their fields take it from the row's column, which always held it.
fn read_mail(
    kind: MailKind,
    category: NotificationCategory,
    mut data: serde_json::Value,
) -> Result<Mail, MailUnavailable> {
    let unreadable = |error: serde_json::Error| MailUnavailable::Unreadable(error.to_string());
    if kind == MailKind::DailyDigest
        && let Some(fields) = data.as_object_mut()
        && !fields.contains_key("category")
    {
        fields.insert(
            "category".to_owned(),
            serde_json::to_value(category).map_err(unreadable)?,
        );
    }
    Mail::from_stored(kind, data).map_err(unreadable)
}

#[cfg(test)]
mod tests {
    use coalition_domain::mail::{
        CalendarMethod, DailyDigest, GroupName, Invitation, JoinRequested, MeetingNotice,
        MeetingNoticeKind, MembershipDecided, MembershipDecision, OneTimeLink,
    };
    use serde_json::json;

    use super::*;

    fn row(template: &str, category: &str, data: Option<serde_json::Value>) -> outbox::Model {
        outbox::Model {
            id: 7,
            message_id: "<7@coalition.outbox>".to_owned(),
            category: category.to_owned(),
            person_id: Some(3),
            to_address: "claire@example.fr".to_owned(),
            to_name: "Claire Martin".to_owned(),
            language: "fr".to_owned(),
            template: template.to_owned(),
            data,
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: DateTime::UNIX_EPOCH,
            claimed_until: None,
            claim_token: None,
            last_error: None,
            created_at: DateTime::UNIX_EPOCH,
            sent_at: None,
        }
    }

    fn group() -> GroupName {
        GroupName {
            en: "Supportive policy".to_owned(),
            fr: "Politiques de soutien".to_owned(),
        }
    }

    /// Rows queued before mails were typed: the template name and exactly the JSON the
    /// services wrote then (`json!` blocks with these keys, `null` for absent values).
    #[test]
    fn rows_queued_before_mails_were_typed_read_back_as_their_variant() {
        let link = "https://coalition.example.org/verify-email?token=abc";
        let cases = [
            (
                "verify_email",
                "security",
                json!({ "name": "Claire Martin", "link": link, "token": "abc" }),
                Mail::VerifyEmail(OneTimeLink {
                    name: "Claire Martin".to_owned(),
                    link: link.to_owned(),
                    token: "abc".to_owned(),
                }),
            ),
            (
                "reset_password",
                "security",
                json!({ "name": "Claire Martin", "link": link, "token": "abc" }),
                Mail::ResetPassword(OneTimeLink {
                    name: "Claire Martin".to_owned(),
                    link: link.to_owned(),
                    token: "abc".to_owned(),
                }),
            ),
            (
                "join_requested",
                "membership",
                json!({
                    "name": "Claire Martin", "requester": "Amina Diallo",
                    "group_en": "Supportive policy", "group_fr": "Politiques de soutien",
                    "motivation": null, "link": "https://x/groups/policy/requests",
                }),
                Mail::JoinRequested(JoinRequested {
                    name: "Claire Martin".to_owned(),
                    requester: "Amina Diallo".to_owned(),
                    group: group(),
                    motivation: None,
                    link: "https://x/groups/policy/requests".to_owned(),
                }),
            ),
            (
                "membership_decided",
                "membership",
                json!({
                    "name": "Amina Diallo", "group_en": "Supportive policy",
                    "group_fr": "Politiques de soutien", "approved": true, "reason": null,
                }),
                Mail::MembershipDecided(MembershipDecided {
                    name: "Amina Diallo".to_owned(),
                    group: group(),
                    decision: MembershipDecision::Approved,
                }),
            ),
            (
                "membership_decided",
                "membership",
                json!({
                    "name": "Amina Diallo", "group_en": "Supportive policy",
                    "group_fr": "Politiques de soutien", "approved": false,
                    "reason": "Full for now",
                }),
                Mail::MembershipDecided(MembershipDecided {
                    name: "Amina Diallo".to_owned(),
                    group: group(),
                    decision: MembershipDecision::Rejected {
                        reason: "Full for now".to_owned(),
                    },
                }),
            ),
            (
                "invitation",
                "membership",
                json!({
                    "inviter": "Claire Martin", "group_en": "Supportive policy",
                    "group_fr": "Politiques de soutien",
                    "link": "https://x/invitations/accept?token=abc", "token": "abc",
                }),
                Mail::Invitation(Invitation {
                    inviter: "Claire Martin".to_owned(),
                    group: group(),
                    link: "https://x/invitations/accept?token=abc".to_owned(),
                    token: "abc".to_owned(),
                }),
            ),
            (
                "meeting",
                "meetings",
                json!({
                    "kind": "cancelled", "name": "Amina Diallo", "title": "Policy review",
                    "when": "mardi 2 février 2027, 10:00", "online_url": "https://meet/x",
                    "location": null, "recurrence": "FREQ=WEEKLY;BYDAY=TU",
                    "reason": "Holidays", "link": "https://x/meetings/4",
                    "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "ics_method": "CANCEL",
                }),
                Mail::Meeting(MeetingNotice {
                    kind: MeetingNoticeKind::Cancelled,
                    name: "Amina Diallo".to_owned(),
                    title: "Policy review".to_owned(),
                    when: "mardi 2 février 2027, 10:00".to_owned(),
                    online_url: Some("https://meet/x".to_owned()),
                    location: None,
                    recurrence: Some("FREQ=WEEKLY;BYDAY=TU".to_owned()),
                    reason: Some("Holidays".to_owned()),
                    link: "https://x/meetings/4".to_owned(),
                    ics: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_owned()),
                    ics_method: CalendarMethod::Cancel,
                }),
            ),
            (
                "meeting",
                "meetings",
                json!({
                    "kind": "reminder", "name": "Amina Diallo", "title": "Policy review",
                    "when": "mardi 2 février 2027, 10:00", "online_url": null,
                    "location": "Paris", "recurrence": null, "reason": null,
                    "link": "https://x/meetings/4", "ics": null, "ics_method": "REQUEST",
                }),
                Mail::Meeting(MeetingNotice {
                    kind: MeetingNoticeKind::Reminder,
                    name: "Amina Diallo".to_owned(),
                    title: "Policy review".to_owned(),
                    when: "mardi 2 février 2027, 10:00".to_owned(),
                    online_url: None,
                    location: Some("Paris".to_owned()),
                    recurrence: None,
                    reason: None,
                    link: "https://x/meetings/4".to_owned(),
                    ics: None,
                    ics_method: CalendarMethod::Request,
                }),
            ),
            (
                "daily_digest",
                "meetings",
                json!({ "name": "Claire Martin", "items": ["Rappel : Policy review"] }),
                Mail::DailyDigest(DailyDigest {
                    name: "Claire Martin".to_owned(),
                    items: vec!["Rappel : Policy review".to_owned()],
                    category: NotificationCategory::Meetings,
                }),
            ),
        ];
        for (template, category, data, expected) in cases {
            let message = message_from_row(row(template, category, Some(data))).unwrap();
            assert_eq!(message.kind.template(), template);
            assert_eq!(message.mail, Ok(expected), "{template}");
        }
    }

    #[test]
    fn erased_and_unreadable_fields_leave_the_kind_known() {
        let sent = message_from_row(row("invitation", "membership", None)).unwrap();
        assert_eq!(sent.kind, MailKind::Invitation);
        assert_eq!(sent.mail, Err(MailUnavailable::Erased));
        let broken = message_from_row(row("meeting", "meetings", Some(json!({})))).unwrap();
        assert!(matches!(broken.mail, Err(MailUnavailable::Unreadable(_))));
        assert!(message_from_row(row("newsletter", "membership", None)).is_err());
    }

    #[test]
    fn new_rows_keep_the_template_and_field_names() {
        let mail = NewMail {
            person: None,
            to: Email::parse("claire@example.fr").unwrap(),
            to_name: "Claire Martin".to_owned(),
            language: Language::Fr,
            mail: Mail::DailyDigest(DailyDigest {
                name: "Claire Martin".to_owned(),
                items: vec!["Request to join Supportive policy".to_owned()],
                category: NotificationCategory::Membership,
            }),
        };
        let row = new_row(mail.clone(), OutboxStatus::Pending, DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(row.template.as_ref(), "daily_digest");
        assert_eq!(row.category.as_ref(), "membership");
        let data = row.data.as_ref().clone().unwrap();
        assert_eq!(data["items"], json!(["Request to join Supportive policy"]));
        let stored = outbox::Model {
            template: row.template.unwrap(),
            category: row.category.unwrap(),
            data: Some(data),
            ..self::row("", "", None)
        };
        assert_eq!(message_from_row(stored).unwrap().mail, Ok(mail.mail));
    }
}
