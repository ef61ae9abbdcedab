//! Revision-token contents as the domain sees them (decryption is elsewhere), and the rule for
//! what the next token lists.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::exposure::Exposure;
use crate::interval::{interval_of, saturating_sub};

/// One key a token allows to be revised: key bytes and interval metadata only.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RevisableKey {
    /// TEK bytes.
    pub key_bytes: [u8; 16],
    /// `rollingStartNumber`.
    pub interval_number: i32,
    /// `rollingPeriod`.
    pub interval_count: i32,
}

debug_redacting_key!(
    RevisableKey,
    key_bytes;
    interval_number,
    interval_count,
);

/// Defined here rather than beside `Exposure`, so that `exposure` needs nothing of `revision`.
impl Exposure {
    /// The entry this key contributes to a revision token.
    pub fn revisable_key(&self) -> RevisableKey {
        RevisableKey {
            key_bytes: *self.key_bytes.as_bytes(),
            interval_number: self.interval_number,
            interval_count: self.interval_count.get(),
        }
    }
}

/// What the request's revision token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenState {
    /// No token, or one that was not even base64 (treated as absent, no error).
    #[default]
    Absent,
    /// Decrypted entries (filler entries already removed).
    Valid(Vec<RevisableKey>),
    /// Present but undecryptable: treated as absent, and every merge error becomes
    /// `invalid_revision_token`.
    DecryptFailed,
}

impl TokenState {
    /// Entries of a valid token; empty otherwise.
    pub fn entries(&self) -> &[RevisableKey] {
        match self {
            Self::Valid(entries) => entries,
            Self::Absent | Self::DecryptFailed => &[],
        }
    }
}

/// Entries of the token to issue after a successful merge: the incoming entries still inside the
/// retention window (`interval_number + interval_count >= interval(batch_time - max_interval_age)`),
/// in their order with the first occurrence of a key winning, then every processed entry whose
/// key is not already listed. Empty means "issue no token".
pub fn next_token_entries(
    incoming_token_entries: &[RevisableKey],
    processed: &[RevisableKey],
    batch_time: DateTime<Utc>,
    max_interval_age: Duration,
) -> Vec<RevisableKey> {
    let min_interval = interval_of(saturating_sub(batch_time, max_interval_age));
    let mut seen = HashSet::new();
    let retained = incoming_token_entries
        .iter()
        .filter(|e| e.interval_number.wrapping_add(e.interval_count) >= min_interval);
    retained
        .chain(processed)
        .filter(|e| seen.insert(e.key_bytes))
        .copied()
        .collect()
}
