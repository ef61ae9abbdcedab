//! Revision-token entries and token states: domain [`RevisableKey`] (key bytes) and
//! [`TokenState`] to and from their wire forms (standard base64 keys).

use schemas::publish::{RevisableKey as WireRevisableKey, RevisionTokenState};

use super::WireError;
use crate::base64::encode_std;
use crate::revision::{RevisableKey, TokenState};
use crate::types::TemporaryExposureKey;

impl From<&RevisableKey> for WireRevisableKey {
    fn from(entry: &RevisableKey) -> Self {
        WireRevisableKey {
            key: encode_std(&entry.key_bytes),
            interval_number: entry.interval_number,
            interval_count: entry.interval_count,
        }
    }
}

/// An entry whose key is not 16 bytes of (lenient) base64 is refused.
impl TryFrom<&WireRevisableKey> for RevisableKey {
    type Error = WireError;

    fn try_from(entry: &WireRevisableKey) -> Result<Self, WireError> {
        Ok(RevisableKey {
            key_bytes: *TemporaryExposureKey::from_base64(&entry.key)?.as_bytes(),
            interval_number: entry.interval_number,
            interval_count: entry.interval_count,
        })
    }
}

impl From<&TokenState> for RevisionTokenState {
    fn from(state: &TokenState) -> Self {
        match state {
            TokenState::Absent => RevisionTokenState::Absent,
            TokenState::DecryptFailed => RevisionTokenState::DecryptFailed,
            TokenState::Valid(entries) => RevisionTokenState::Valid {
                entries: entries.iter().map(WireRevisableKey::from).collect(),
            },
        }
    }
}

/// A valid token with any entry that does not convert is refused as a whole.
impl TryFrom<&RevisionTokenState> for TokenState {
    type Error = WireError;

    fn try_from(state: &RevisionTokenState) -> Result<Self, WireError> {
        Ok(match state {
            RevisionTokenState::Absent => TokenState::Absent,
            RevisionTokenState::DecryptFailed => TokenState::DecryptFailed,
            RevisionTokenState::Valid { entries } => TokenState::Valid(
                entries
                    .iter()
                    .map(RevisableKey::try_from)
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_states_round_trip_through_the_wire_form() {
        let entry = RevisableKey {
            key_bytes: [7; 16],
            interval_number: 2_650_000,
            interval_count: 144,
        };
        let wire = WireRevisableKey::from(&entry);
        assert_eq!(wire.key, "BwcHBwcHBwcHBwcHBwcHBw==");
        assert_eq!(RevisableKey::try_from(&wire), Ok(entry));
        for state in [
            TokenState::Absent,
            TokenState::DecryptFailed,
            TokenState::Valid(vec![entry]),
        ] {
            let wire = RevisionTokenState::from(&state);
            assert_eq!(TokenState::try_from(&wire), Ok(state));
        }
    }

    #[test]
    fn an_entry_that_is_not_a_key_is_refused() {
        let bad = WireRevisableKey {
            key: "c2hvcnQ=".into(),
            interval_number: 1,
            interval_count: 1,
        };
        assert!(RevisableKey::try_from(&bad).is_err());
        let state = RevisionTokenState::Valid { entries: vec![bad] };
        assert!(TokenState::try_from(&state).is_err());
    }
}
