//! Parsed health-authority public keys, cached by PEM text so each key is parsed once, not on
//! every request. Keys come from the configuration snapshot; a revoked or rotated key simply
//! stops being looked up.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jsonwebtoken::DecodingKey;

/// Most keys kept before the cache starts over (keys are few; this only bounds memory).
const MAX_CACHED_KEYS: usize = 1024;

/// A cache of parsed ECDSA public keys.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, Arc<DecodingKey>>>,
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.keys.lock().map(|k| k.len()).unwrap_or(0);
        f.debug_struct("KeyCache").field("keys", &len).finish()
    }
}

impl KeyCache {
    /// The parsed key for a PEM `PUBLIC KEY`, parsing it on first use.
    pub fn get(&self, pem: &str) -> Result<Arc<DecodingKey>, String> {
        if let Ok(keys) = self.keys.lock() {
            if let Some(key) = keys.get(pem) {
                return Ok(key.clone());
            }
        }
        let key = Arc::new(
            DecodingKey::from_ec_pem(pem.as_bytes())
                .map_err(|e| format!("unable to parse public key of health authority: {e}"))?,
        );
        if let Ok(mut keys) = self.keys.lock() {
            if keys.len() >= MAX_CACHED_KEYS {
                keys.clear();
            }
            keys.insert(pem.to_owned(), key.clone());
        }
        Ok(key)
    }
}
