//! Password hashing with argon2id at (at least) the OWASP parameters, on the blocking pool
//! and behind a semaphore, so a storm of sign-ins cannot starve the async workers.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use coalition_domain::accounts::Password;
use tokio::sync::Semaphore;

use crate::error::ServiceError;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashCost {
    /// The OWASP recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: HashCost = HashCost {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password matches.
    pub matches: bool,
    /// The hash was made with weaker parameters than today's: store a new one.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords off the async runtime.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the account does not exist, so
    /// a failed sign-in takes the same time either way.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once (0 = one per core).
    pub fn new(cost: HashCost, concurrency: usize) -> Result<Self, ServiceError> {
        let concurrency = if concurrency == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            concurrency
        };
        let dummy_hash = hash_blocking(cost, &crate::secrets::new_token())?;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password (PHC string).
    pub async fn hash(&self, password: &Password) -> Result<String, ServiceError> {
        let cost = self.cost;
        let text = password.expose().to_owned();
        self.run(move || hash_blocking(cost, &text)).await?
    }

    /// Checks `candidate` against a stored hash.
    pub async fn verify(
        &self,
        candidate: &str,
        stored: &str,
    ) -> Result<Verification, ServiceError> {
        let cost = self.cost;
        let (candidate, stored) = (candidate.to_owned(), stored.to_owned());
        self.run(move || verify_blocking(cost, &candidate, &stored))
            .await?
    }

    /// Spends the same effort as [`verify`](Self::verify) on an account that does not exist.
    pub async fn verify_dummy(&self, candidate: &str) -> Result<(), ServiceError> {
        let stored = self.dummy_hash.clone();
        self.verify(candidate, &stored).await.map(|_| ())
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        // The queue an operator watches: hashes waiting for a core, and hashes running.
        let waiting = metrics::gauge!("coalition_password_hashes_waiting");
        waiting.increment(1.0);
        let permit = self.permits.acquire().await;
        waiting.decrement(1.0);
        let _permit = permit.map_err(|_| ServiceError::internal("password hasher closed"))?;
        let running = metrics::gauge!("coalition_password_hashes_running");
        running.increment(1.0);
        let _running = on_drop(move || running.decrement(1.0));
        tokio::task::spawn_blocking(work).await.map_err(|error| {
            ServiceError::internal(format!("password hashing task failed: {error}"))
        })
    }
}

fn argon2(cost: HashCost) -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
        .map_err(|error| ServiceError::internal(format!("argon2 parameters: {error}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(cost: HashCost, password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| ServiceError::internal(format!("hashing failed: {error}")))
}

fn verify_blocking(
    cost: HashCost,
    candidate: &str,
    stored: &str,
) -> Result<Verification, ServiceError> {
    let parsed = PasswordHash::new(stored)
        .map_err(|error| ServiceError::internal(format!("stored hash unreadable: {error}")))?;
    let matches = argon2(cost)?
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok();
    Ok(Verification {
        matches,
        needs_rehash: matches && is_weaker(&parsed, cost),
    })
}

/// Whether a stored hash used another algorithm or lower parameters than `cost`.
fn is_weaker(hash: &PasswordHash<'_>, cost: HashCost) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    let Ok(params) = Params::try_from(hash) else {
        return true;
    };
    params.m_cost() < cost.memory_kib
        || params.t_cost() < cost.iterations
        || params.p_cost() < cost.parallelism
}

/// Runs `undo` when dropped, so a gauge comes back down however the work ends.
fn on_drop(undo: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(undo) = self.0.take() {
                undo();
            }
        }
    }
    Guard(Some(undo))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: HashCost = HashCost {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test]
    async fn hashes_verify_and_carry_the_owasp_parameters() {
        let hasher = PasswordHasher::new(HashCost::OWASP, 1).unwrap();
        let password = Password::parse("password", "correct horse battery staple").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let ok = hasher
            .verify("correct horse battery staple", &hash)
            .await
            .unwrap();
        assert_eq!(
            ok,
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        let wrong = hasher
            .verify("correct horse battery stable", &hash)
            .await
            .unwrap();
        assert!(!wrong.matches);
        hasher.verify_dummy("anything at all").await.unwrap();
    }

    #[tokio::test]
    async fn weaker_hashes_ask_to_be_redone() {
        let weak = PasswordHasher::new(CHEAP, 1).unwrap();
        let password = Password::parse("password", "ressources educatives libres").unwrap();
        let old_hash = weak.hash(&password).await.unwrap();
        let strong = PasswordHasher::new(HashCost::OWASP, 1).unwrap();
        let check = strong
            .verify("ressources educatives libres", &old_hash)
            .await
            .unwrap();
        assert_eq!(
            check,
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
        let check = strong.verify("not the password", &old_hash).await.unwrap();
        assert_eq!(
            check,
            Verification {
                matches: false,
                needs_rehash: false
            }
        );
    }
}
