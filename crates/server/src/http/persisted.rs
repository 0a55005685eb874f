//! Automatic persisted queries (Apollo APQ): a client sends the SHA-256 of its query in
//! `extensions.persistedQuery` instead of the text; the first time the server answers
//! `PersistedQueryNotFound` and the client sends text and hash together, which registers
//! it. A cache, not an allow-list: any query may be registered, and the limits run on the
//! text the hash stands for, as for any other request.
//!
//! Our own, rather than async-graphql's `ApolloPersistedQueries` extension, so it works
//! for GET and POST alike (a GET with only the hash), and so the batch's cost is known
//! before anything runs.

use std::sync::{Arc, Mutex, PoisonError};

use coalition_api::ErrorCode;
use hashlink::LruCache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The query texts each instance keeps, by hash, the least recently used dropped first once
/// their size passes the configured bytes.
#[derive(Debug)]
pub struct PersistedQueries {
    kept: Mutex<Kept>,
    max_bytes: usize,
}

#[derive(Debug)]
struct Kept {
    queries: LruCache<String, Arc<str>>,
    bytes: usize,
}

/// Why a request's persisted query cannot run.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PersistedQueryError {
    /// The hash is not known here: the client should send the text with it.
    NotFound,
    /// Persisted queries are off, or the version is not 1.
    NotSupported,
    /// Malformed `persistedQuery`, or a text whose hash is not the one sent.
    Invalid(&'static str),
}

impl PersistedQueryError {
    /// The GraphQL error, with the message and `extensions.code` Apollo clients look for.
    pub(super) fn error_json(&self) -> Value {
        match self {
            PersistedQueryError::NotFound => {
                ErrorCode::PersistedQueryNotFound.error_json("PersistedQueryNotFound")
            }
            PersistedQueryError::NotSupported => {
                ErrorCode::PersistedQueryNotSupported.error_json("PersistedQueryNotSupported")
            }
            PersistedQueryError::Invalid(message) => ErrorCode::BadUserInput.error_json(message),
        }
    }
}

/// The hash a request's `extensions.persistedQuery` carries, when it carries one.
pub(super) fn requested_hash(
    extensions: Option<&Map<String, Value>>,
) -> Result<Option<String>, PersistedQueryError> {
    let Some(persisted) = extensions.and_then(|extensions| extensions.get("persistedQuery")) else {
        return Ok(None);
    };
    let Value::Object(persisted) = persisted else {
        return Err(PersistedQueryError::Invalid(
            "`extensions.persistedQuery` must be an object",
        ));
    };
    if persisted.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(PersistedQueryError::NotSupported);
    }
    match persisted.get("sha256Hash").and_then(Value::as_str) {
        Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err(PersistedQueryError::Invalid(
            "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits",
        )),
    }
}

impl PersistedQueries {
    /// A cache holding up to `max_bytes` of query text; 0 turns persisted queries off.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            kept: Mutex::new(Kept {
                queries: LruCache::new_unbounded(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    /// The query to run for `hash`: `query` itself once its hash is checked (and kept), or
    /// the text kept for `hash` when the request has none.
    pub(super) fn resolve(
        &self,
        hash: &str,
        query: Option<String>,
    ) -> Result<String, PersistedQueryError> {
        if self.max_bytes == 0 {
            return Err(PersistedQueryError::NotSupported);
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(query) = query else {
            return kept
                .queries
                .get(hash)
                .map(|query| query.to_string())
                .ok_or(PersistedQueryError::NotFound);
        };
        if hex::encode(Sha256::digest(query.as_bytes())) != hash {
            return Err(PersistedQueryError::Invalid(
                "provided sha does not match query",
            ));
        }
        if query.len() <= self.max_bytes && !kept.queries.contains_key(hash) {
            kept.bytes += query.len();
            kept.queries
                .insert(hash.to_owned(), Arc::from(query.as_str()));
            while kept.bytes > self.max_bytes {
                match kept.queries.remove_lru() {
                    Some((_, dropped)) => kept.bytes -= dropped.len(),
                    None => kept.bytes = 0,
                }
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(query: &str) -> String {
        hex::encode(Sha256::digest(query.as_bytes()))
    }

    #[test]
    fn registers_then_serves_by_hash() {
        let cache = PersistedQueries::new(1024);
        let query = "{ workingGroups { name } }";
        assert_eq!(
            cache.resolve(&hash(query), None),
            Err(PersistedQueryError::NotFound)
        );
        assert_eq!(
            cache
                .resolve(&hash(query), Some(query.to_owned()))
                .as_deref(),
            Ok(query)
        );
        assert_eq!(cache.resolve(&hash(query), None).as_deref(), Ok(query));
    }

    #[test]
    fn a_wrong_hash_is_refused_and_not_kept() {
        let cache = PersistedQueries::new(1024);
        let other = hash("{ me { id } }");
        assert!(matches!(
            cache.resolve(&other, Some("{ workingGroups { name } }".to_owned())),
            Err(PersistedQueryError::Invalid(_))
        ));
        assert_eq!(
            cache.resolve(&other, None),
            Err(PersistedQueryError::NotFound)
        );
    }

    #[test]
    fn the_least_recently_used_goes_first() {
        let queries = ["{ a }", "{ b }", "{ c }"];
        let cache = PersistedQueries::new(10);
        for query in &queries[..2] {
            assert!(
                cache
                    .resolve(&hash(query), Some((*query).to_owned()))
                    .is_ok()
            );
        }
        // Using the first makes the second the least recently used.
        assert!(cache.resolve(&hash(queries[0]), None).is_ok());
        assert!(
            cache
                .resolve(&hash(queries[2]), Some(queries[2].to_owned()))
                .is_ok()
        );
        assert!(cache.resolve(&hash(queries[0]), None).is_ok());
        assert_eq!(
            cache.resolve(&hash(queries[1]), None),
            Err(PersistedQueryError::NotFound)
        );
    }

    #[test]
    fn off_when_no_room() {
        let cache = PersistedQueries::new(0);
        assert_eq!(
            cache.resolve(&hash("{ a }"), None),
            Err(PersistedQueryError::NotSupported)
        );
    }

    #[test]
    fn the_extension_is_read_strictly() {
        let read = |value: Value| requested_hash(value.as_object());
        assert_eq!(read(serde_json::json!({})), Ok(None));
        let digest = hash("{ a }");
        assert_eq!(
            read(serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": digest } })),
            Ok(Some(digest.clone()))
        );
        assert_eq!(
            read(serde_json::json!({ "persistedQuery": { "version": 2, "sha256Hash": digest } })),
            Err(PersistedQueryError::NotSupported)
        );
        assert!(matches!(
            read(serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": "xyz" } })),
            Err(PersistedQueryError::Invalid(_))
        ));
    }
}
