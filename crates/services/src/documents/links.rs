//! Short-lived signed download links, for browsers that cannot send an `Authorization`
//! header on `<a href>`: `/files/{id}?expires=…&signature=…`, an HMAC-SHA256 of the version
//! and the expiry under a key from configuration.

use chrono::{DateTime, Duration, Utc};
use coalition_domain::documents::DocumentVersionId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key links are signed with, ready to sign. Never printed.
#[derive(Clone)]
pub struct LinkKey(Hmac<Sha256>);

impl LinkKey {
    /// A key from configuration (its bytes as given); `None` when empty.
    pub fn new(secret: &str) -> Option<Self> {
        if secret.is_empty() {
            return None;
        }
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
            .ok()
            .map(Self)
    }

    /// A random key: links then work only on this instance until it restarts.
    pub fn random() -> Self {
        // A key of SHA-256's block size, the longest HMAC uses without hashing it first.
        let bytes: [u8; 64] = rand::random();
        Self(<Hmac<Sha256> as hmac::digest::KeyInit>::new(&bytes.into()))
    }
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

/// Makes and checks signed links.
#[derive(Debug, Clone)]
pub struct DownloadLinks {
    key: LinkKey,
    lifetime: Duration,
    public_url: String,
}

impl DownloadLinks {
    /// Links signed with `key`, valid for `lifetime`, on the server at `public_url`.
    pub fn new(key: LinkKey, lifetime: Duration, public_url: &str) -> Self {
        Self {
            key,
            lifetime,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// A link to `version` valid from `now` for the configured lifetime.
    pub fn link(&self, version: DocumentVersionId, now: DateTime<Utc>) -> String {
        let expires = (now + self.lifetime).timestamp();
        format!(
            "{}/files/{}?expires={expires}&signature={}",
            self.public_url,
            version.0,
            self.sign(version, expires)
        )
    }

    /// Whether `signature` signs `version` until `expires`, and that is not past.
    pub fn verify(
        &self,
        version: DocumentVersionId,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> bool {
        if expires <= now.timestamp() {
            return false;
        }
        let Ok(signature) = hex::decode(signature) else {
            return false;
        };
        // `verify_slice` compares in constant time.
        self.mac(version, expires).verify_slice(&signature).is_ok()
    }

    fn sign(&self, version: DocumentVersionId, expires: i64) -> String {
        hex::encode(self.mac(version, expires).finalize().into_bytes())
    }

    fn mac(&self, version: DocumentVersionId, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.key.0.clone();
        mac.update(format!("document-version:{}:{expires}", version.0).as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_until_they_expire_and_only_for_their_version() {
        let links = DownloadLinks::new(
            LinkKey::new("k").unwrap_or_else(LinkKey::random),
            Duration::minutes(10),
            "http://x/",
        );
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let link = links.link(DocumentVersionId(7), now);
        assert!(link.starts_with("http://x/files/7?expires="));
        let (_, query) = link.split_once('?').unwrap_or_default();
        let mut expires = 0;
        let mut signature = "";
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", value)) => expires = value.parse().unwrap_or_default(),
                Some(("signature", value)) => signature = value,
                _ => {}
            }
        }
        let id = DocumentVersionId(7);
        assert!(links.verify(id, expires, signature, now));
        assert!(!links.verify(DocumentVersionId(8), expires, signature, now));
        assert!(!links.verify(id, expires + 1, signature, now));
        assert!(!links.verify(id, expires, signature, now + Duration::minutes(11)));
        let other = DownloadLinks::new(LinkKey::random(), Duration::minutes(10), "http://x");
        assert!(!other.verify(id, expires, signature, now));
    }
}
