//! Counting attempts per key in fixed windows: in memory for one instance, in Redis when
//! several instances must count together.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use redis::aio::ConnectionManager;

use crate::error::ServiceError;

/// At most `max` attempts per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    /// Attempts allowed in one window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

/// The limits on attempts that guess or flood: per account and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-ins per account.
    pub login_per_account: RateRule,
    /// Sign-ins per client address.
    pub login_per_address: RateRule,
    /// Registrations per client address.
    pub registration_per_address: RateRule,
    /// Reset requests and resets per account.
    pub reset_per_account: RateRule,
    /// Reset requests and resets per client address.
    pub reset_per_address: RateRule,
}

/// Counts one attempt for `key` under `rule`; refuses with the seconds to wait when over.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync {
    /// Records an attempt made at `now`; `Err(RateLimited)` when the window's allowance is
    /// spent.
    async fn hit(&self, key: &str, rule: RateRule, now: DateTime<Utc>) -> Result<(), ServiceError>;
}

/// The window of `rule` that `now` falls in, and the seconds left in it.
fn window(rule: RateRule, now: DateTime<Utc>) -> (u64, u64) {
    let now = u64::try_from(now.timestamp()).unwrap_or_default();
    let length = rule.window.as_secs().max(1);
    (now / length, length - now % length)
}

fn over(count: u64, rule: RateRule, seconds_left: u64) -> Result<(), ServiceError> {
    if count > u64::from(rule.max) {
        Err(ServiceError::RateLimited {
            retry_after_secs: seconds_left,
        })
    } else {
        Ok(())
    }
}

/// Counts in this process: right for a single instance.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    counts: Mutex<HashMap<String, (u64, u64)>>,
}

/// Above this many keys, entries of past windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

#[async_trait::async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, rule: RateRule, now: DateTime<Utc>) -> Result<(), ServiceError> {
        let (current, seconds_left) = window(rule, now);
        let count = {
            let mut counts = self
                .counts
                .lock()
                .map_err(|_| ServiceError::internal("rate limiter lock poisoned"))?;
            if counts.len() > PRUNE_ABOVE {
                counts.retain(|_, (window, _)| *window >= current);
            }
            let entry = counts.entry(key.to_owned()).or_insert((current, 0));
            if entry.0 != current {
                *entry = (current, 0);
            }
            entry.1 += 1;
            entry.1
        };
        over(count, rule, seconds_left)
    }
}

/// Counts in Redis, so several instances share one allowance. When Redis cannot be
/// reached the attempt is allowed and the failure logged: an outage of the counter must
/// not lock everybody out.
pub struct RedisRateLimiter {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisRateLimiter {
    /// Uses `connection`, with every key under `prefix`.
    pub fn new(connection: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            connection,
            prefix: prefix.into(),
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, rule: RateRule, now: DateTime<Utc>) -> Result<(), ServiceError> {
        let (current, seconds_left) = window(rule, now);
        let redis_key = format!("{}ratelimit:{key}:{current}", self.prefix);
        let mut connection = self.connection.clone();
        let mut pipeline = redis::pipe();
        pipeline
            .atomic()
            .incr(&redis_key, 1u64)
            .expire(&redis_key, (rule.window.as_secs().max(1) + 1) as i64)
            .ignore();
        // A Redis that hangs must not hang sign-ins: give up after two seconds.
        let result = tokio::time::timeout(
            Duration::from_secs(2),
            pipeline.query_async::<(u64,)>(&mut connection),
        )
        .await;
        match result {
            Ok(Ok((count,))) => over(count, rule, seconds_left),
            Ok(Err(error)) => {
                tracing::warn!(%error, "rate limiter: Redis unavailable, attempt allowed");
                Ok(())
            }
            Err(_) => {
                tracing::warn!("rate limiter: Redis timed out, attempt allowed");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limiter_refuses_past_the_allowance() {
        let limiter = MemoryRateLimiter::default();
        let rule = RateRule {
            max: 2,
            window: Duration::from_secs(3600),
        };
        // Ten minutes into an hour-long window: 50 minutes left.
        let now = DateTime::from_timestamp(3600 * 500_000 + 600, 0).unwrap_or_default();
        limiter.hit("login:a", rule, now).await.unwrap();
        limiter.hit("login:a", rule, now).await.unwrap();
        let refused = limiter.hit("login:a", rule, now).await.unwrap_err();
        assert!(
            matches!(refused, ServiceError::RateLimited { retry_after_secs } if retry_after_secs == 3000)
        );
        // Another key has its own allowance, and the next window a new one.
        limiter.hit("login:b", rule, now).await.unwrap();
        let next_window = now + chrono::Duration::hours(1);
        limiter.hit("login:a", rule, next_window).await.unwrap();
    }
}
