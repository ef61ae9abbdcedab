//! Revision tokens: AES-256-SIV with a random nonce, bound through the associated
//! data to the token key id and to the authorized app, padded to a constant size.
//!
//! Wire form: standard base64 (with padding) of
//! `version (1) || key id length (1) || key id || nonce (16) || SIV tag (16) || ciphertext`.
//! Associated data, in order: the format label, the key id, the lower-cased app name, the nonce.
//! The plaintext is a sequence of 24-byte entries (`key (16) || interval number (i32 BE) ||
//! interval count (i32 BE)`), padded with filler entries (all zero) to `min_entries`, and beyond
//! that to a multiple of [`BLOCK_ENTRIES`], so a token's length reveals almost nothing. Filler
//! entries (interval number and count both 0) are dropped on decode, as in the reference.

use aes_siv::siv::Aes256Siv;
use aes_siv::KeyInit as _;
use base64::Engine as _;
use domain::{RevisableKey, TokenState};
use rand::RngCore as _;

use super::keyring::KeyRing;

/// Format version byte.
const VERSION: u8 = 1;
/// Format label bound into the associated data.
const LABEL: &[u8] = b"en-revision-token/v1";
const NONCE_LEN: usize = 16;
const TAG_LEN: usize = 16;
const ENTRY_LEN: usize = 24;
/// Beyond the minimum, tokens grow in steps of this many entries.
pub const BLOCK_ENTRIES: usize = 8;
/// Decoding refuses plaintexts with more entries than this (a sanity bound).
const MAX_ENTRIES: usize = 4096;

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("no revision token key is configured")]
    NoKey,
    #[error("too many entries for one revision token: {0}")]
    TooLarge(usize),
    #[error("encryption failed")]
    Encrypt,
}

/// What a presented token turned out to be (before it becomes a [`TokenState`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Not base64 at all: treated as no token.
    NotBase64,
    /// Base64 but not a token this server (and this app) issued.
    Invalid,
    /// A valid token's entries.
    Valid(Vec<RevisableKey>),
}

impl Opened {
    /// The domain's view (`NotBase64` is "absent", `Invalid` is "decrypt failed").
    pub fn into_state(self) -> TokenState {
        match self {
            Opened::NotBase64 => TokenState::Absent,
            Opened::Invalid => TokenState::DecryptFailed,
            Opened::Valid(entries) => TokenState::Valid(entries),
        }
    }
}

/// Mints and opens revision tokens.
#[derive(Debug, Clone)]
pub struct TokenCodec {
    keys: KeyRing,
    min_entries: usize,
}

impl TokenCodec {
    /// A codec over `keys`, padding tokens to at least `min_entries` entries
    /// (`REVISION_TOKEN_MIN_LENGTH`).
    pub fn new(keys: KeyRing, min_entries: usize) -> Self {
        Self { keys, min_entries }
    }

    /// Encrypts `entries` for `app` (the authorized-app name; compared case-insensitively).
    pub fn mint(&self, app: &str, entries: &[RevisableKey]) -> Result<String, MintError> {
        let key = self.keys.current().ok_or(MintError::NoKey)?;
        if entries.len() > MAX_ENTRIES {
            return Err(MintError::TooLarge(entries.len()));
        }
        let slots = padded_len(entries.len(), self.min_entries);
        let mut plaintext = vec![0u8; slots * ENTRY_LEN];
        for (slot, entry) in plaintext.chunks_exact_mut(ENTRY_LEN).zip(entries) {
            slot[..16].copy_from_slice(&entry.key_bytes);
            slot[16..20].copy_from_slice(&entry.interval_number.to_be_bytes());
            slot[20..].copy_from_slice(&entry.interval_count.to_be_bytes());
        }
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let app = app.to_lowercase();
        let mut cipher = Aes256Siv::new_from_slice(&key.key).map_err(|_| MintError::Encrypt)?;
        let sealed = cipher
            .encrypt(
                [LABEL, key.id.as_bytes(), app.as_bytes(), &nonce],
                &plaintext,
            )
            .map_err(|_| MintError::Encrypt)?;
        let id_len = u8::try_from(key.id.len()).map_err(|_| MintError::Encrypt)?;
        let mut out = Vec::with_capacity(2 + key.id.len() + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.push(id_len);
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(domain::base64::encode_std(&out))
    }

    /// Opens a token presented by `app`. Input is decoded with the lenient base64 of the
    /// reference; anything that does not authenticate (other key, other app, tampering, foreign
    /// format) is [`Opened::Invalid`].
    pub fn open(&self, app: &str, token: &str) -> Opened {
        // Tokens come back as this server wrote them (standard, padded): decode that strictly
        // and fast; anything else goes through the reference's lenient decoder (same bytes
        // whenever both accept).
        let strict = base64::engine::general_purpose::STANDARD.decode(token);
        let Ok(bytes) = strict.or_else(|_| domain::base64::decode_lenient(token)) else {
            return Opened::NotBase64;
        };
        self.open_bytes(app, &bytes)
            .map_or(Opened::Invalid, Opened::Valid)
    }

    fn open_bytes(&self, app: &str, bytes: &[u8]) -> Option<Vec<RevisableKey>> {
        let (&version, rest) = bytes.split_first()?;
        if version != VERSION {
            return None;
        }
        let (&id_len, rest) = rest.split_first()?;
        let (id, rest) = rest.split_at_checked(usize::from(id_len))?;
        let (nonce, sealed) = rest.split_at_checked(NONCE_LEN)?;
        if sealed.len() < TAG_LEN {
            return None;
        }
        let key = self.keys.get(std::str::from_utf8(id).ok()?)?;
        let app = app.to_lowercase();
        let mut cipher = Aes256Siv::new_from_slice(&key.key).ok()?;
        let plaintext = cipher
            .decrypt([LABEL, id, app.as_bytes(), nonce], sealed)
            .ok()?;
        if plaintext.len() % ENTRY_LEN != 0 || plaintext.len() / ENTRY_LEN > MAX_ENTRIES {
            return None;
        }
        let entries = plaintext
            .chunks_exact(ENTRY_LEN)
            .filter_map(|c| {
                let key_bytes: [u8; 16] = c.get(..16)?.try_into().ok()?;
                let interval_number = i32::from_be_bytes(c.get(16..20)?.try_into().ok()?);
                let interval_count = i32::from_be_bytes(c.get(20..24)?.try_into().ok()?);
                let filler = interval_number == 0 && interval_count == 0;
                (!filler).then_some(RevisableKey {
                    key_bytes,
                    interval_number,
                    interval_count,
                })
            })
            .collect();
        Some(entries)
    }
}

/// Number of entry slots for `n` entries: at least `min`, beyond that a multiple of
/// [`BLOCK_ENTRIES`].
pub fn padded_len(n: usize, min: usize) -> usize {
    if n <= min {
        min.max(1)
    } else {
        n.div_ceil(BLOCK_ENTRIES) * BLOCK_ENTRIES
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
