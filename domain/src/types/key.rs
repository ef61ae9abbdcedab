//! `TemporaryExposureKey`: exactly 16 key bytes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::base64::{decode_lenient, encode_std, Base64Error};

/// Why a key string is not a TEK. Displays the reference texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    /// Not base64 at all: `illegal base64 data at input byte N`.
    #[error(transparent)]
    Base64(#[from] Base64Error),
    /// Decoded, but not 16 bytes: `invalid key length, N, must be 16`.
    #[error("invalid key length, {len}, must be 16")]
    Length {
        /// Number of decoded bytes.
        len: usize,
    },
}

/// A Temporary Exposure Key: 16 opaque bytes.
///
/// `Debug` does not print the bytes (key material stays out of logs); use
/// [`TemporaryExposureKey::to_base64`] where the key itself is needed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemporaryExposureKey([u8; 16]);

impl TemporaryExposureKey {
    /// Length of a TEK in bytes.
    pub const LEN: usize = 16;

    /// Wrap 16 bytes (always valid).
    pub const fn from_array(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Accept a slice of exactly 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyParseError> {
        <[u8; 16]>::try_from(bytes)
            .map(Self)
            .map_err(|_| KeyParseError::Length { len: bytes.len() })
    }

    /// Decode any base64 flavour the reference accepts (lenient, see [`crate::base64`]) and
    /// check the length.
    pub fn from_base64(s: &str) -> Result<Self, KeyParseError> {
        // Fast path for the canonical form (24 characters of padded standard base64, what phones
        // send and the store holds): whatever strict decoding accepts, the lenient rules decode
        // to the same bytes, without an allocation.
        if s.len() == 24 {
            let mut bytes = [0u8; 18];
            if let Ok(16) = ::base64::Engine::decode_slice(
                &::base64::engine::general_purpose::STANDARD,
                s,
                &mut bytes,
            ) {
                let mut key = [0u8; 16];
                key.copy_from_slice(&bytes[..16]);
                return Ok(Self(key));
            }
        }
        Self::from_slice(&decode_lenient(s)?)
    }

    /// The key bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Standard base64 with padding (24 characters): the stored `exposure_key` form.
    pub fn to_base64(&self) -> String {
        encode_std(&self.0)
    }
}

impl From<[u8; 16]> for TemporaryExposureKey {
    fn from(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for TemporaryExposureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TemporaryExposureKey(<redacted>)")
    }
}

impl Serialize for TemporaryExposureKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for TemporaryExposureKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::from_base64(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_canonical_fast_path_agrees_with_the_lenient_rules(s in "[A-Za-z0-9+/=_-]{24}") {
            let lenient = decode_lenient(&s)
                .map_err(KeyParseError::from)
                .and_then(|b| TemporaryExposureKey::from_slice(&b));
            prop_assert_eq!(TemporaryExposureKey::from_base64(&s), lenient);
        }

        #[test]
        fn canonical_keys_round_trip(bytes in any::<[u8; 16]>()) {
            let key = TemporaryExposureKey::from_array(bytes);
            prop_assert_eq!(TemporaryExposureKey::from_base64(&key.to_base64()), Ok(key));
        }
    }

    #[test]
    fn length_errors_use_reference_text() {
        let err = TemporaryExposureKey::from_slice(&[0u8; 18]).unwrap_err();
        assert_eq!(err.to_string(), "invalid key length, 18, must be 16");
        let err = TemporaryExposureKey::from_base64("QUJD2").unwrap_err();
        assert_eq!(err.to_string(), "illegal base64 data at input byte 4");
    }

    #[test]
    fn over_padded_key_normalises() {
        let k = TemporaryExposureKey::from_base64("dPCphLzfG4uzXneNimkPRQ====").unwrap();
        assert_eq!(k.to_base64(), "dPCphLzfG4uzXneNimkPRQ==");
        assert_eq!(format!("{k:?}"), "TemporaryExposureKey(<redacted>)");
    }

    #[test]
    fn serde_uses_std_base64() {
        let k = TemporaryExposureKey::from_array([0xff; 16]);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, "\"/////////////////////w==\"");
        let back: TemporaryExposureKey =
            serde_json::from_str("\"_____________________w\"").unwrap();
        assert_eq!(back, k);
        assert!(serde_json::from_str::<TemporaryExposureKey>("\"AAAA\"").is_err());
    }

    proptest! {
        #[test]
        fn only_sixteen_bytes_accepted(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let r = TemporaryExposureKey::from_slice(&bytes);
            prop_assert_eq!(r.is_ok(), bytes.len() == 16);
            if let Ok(k) = r {
                prop_assert_eq!(&k.as_bytes()[..], &bytes[..]);
                prop_assert_eq!(TemporaryExposureKey::from_base64(&k.to_base64()).unwrap(), k);
            }
        }
    }
}
