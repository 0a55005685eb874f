//! Sealing one-time tokens for the outbox: the services seal a token (XChaCha20-Poly1305,
//! random nonce) into the queued mail, and only the delivery worker, holding the same key,
//! opens it to build the link at send time. A copy of the database alone then yields no
//! usable link.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;

/// Nonce length of XChaCha20-Poly1305, in bytes: random nonces this long never repeat.
const NONCE_LEN: usize = 24;

/// The key that seals and opens one-time tokens in queued mail (`mail.token_key`): every
/// instance that queues or sends mail must hold the same one.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey(Key);

/// A one-time token sealed with a [`TokenKey`]: base64url of the nonce and ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedToken(String);

/// Why a token could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The cipher refused the token (never for a token of sane length).
    #[error("the one-time token could not be sealed")]
    Seal,
    /// Sealed with another key (the key changed), or altered: it cannot be opened.
    #[error(
        "the one-time token cannot be unsealed: sealed with another mail.token_key, or altered"
    )]
    Open,
}

impl TokenKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// Reads a key written in standard base64 (32 bytes), as configured.
    pub fn from_base64(text: &str) -> Result<Self, InvalidInput> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| InvalidInput::new("mail.token_key", "must be base64"))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            InvalidInput::new(
                "mail.token_key",
                "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)",
            )
        })?;
        Ok(Self(Key::from(bytes)))
    }

    /// The key in standard base64, as configured or persisted.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0[..])
    }

    /// Seals `token` under a fresh nonce.
    pub fn seal(&self, token: &str) -> Result<SealedToken, SealError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = XChaCha20Poly1305::new(&self.0)
            .encrypt(&nonce, token.as_bytes())
            .map_err(|_| SealError::Seal)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(SealedToken(URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// Opens a token this key sealed.
    pub fn open(&self, sealed: &SealedToken) -> Result<String, SealError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(&sealed.0)
            .map_err(|_| SealError::Open)?;
        let (nonce, ciphertext) = bytes.split_at_checked(NONCE_LEN).ok_or(SealError::Open)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Open)?;
        let plain = XChaCha20Poly1305::new(&self.0)
            .decrypt(&XNonce::from(nonce), ciphertext)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

impl SealedToken {
    /// A token as received (in a link), to be opened.
    pub fn from_raw(token: &str) -> Self {
        Self(token.to_owned())
    }

    /// The token as it goes into a link (URL-safe).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_key_only() {
        let key = TokenKey::generate();
        let sealed = key.seal("tok-123").unwrap();
        assert!(!sealed.0.contains("tok-123"));
        assert_ne!(
            key.seal("tok-123").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), "tok-123");
        assert_eq!(TokenKey::generate().open(&sealed), Err(SealError::Open));
        assert_eq!(
            key.open(&SealedToken("short".to_owned())),
            Err(SealError::Open)
        );
        assert_eq!(format!("{key:?}"), "TokenKey(..)");
    }

    #[test]
    fn keys_read_back_from_base64_of_32_bytes() {
        let key = TokenKey::generate();
        let again = TokenKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.open(&key.seal("t").unwrap()).unwrap(), "t");
        assert!(TokenKey::from_base64("c2hvcnQ=").is_err());
        assert!(TokenKey::from_base64("not base64!").is_err());
    }
}
