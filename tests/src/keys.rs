//! Temporary Exposure Keys and interval numbers for tests.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use rand::RngCore;

use schemas::api::ExposureKey;

/// EN interval number of `t` (10-minute slots since the epoch).
pub fn interval_of(t: DateTime<Utc>) -> i32 {
    i32::try_from(t.timestamp() / 600).expect("interval fits i32")
}

/// Interval of today's UTC midnight (`D` of the conformance fixture).
pub fn today_midnight() -> i32 {
    let now = interval_of(Utc::now());
    now - now % 144
}

/// 16 random bytes, standard base64.
pub fn random_key_text() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `K(n)` of the conformance fixture: a fresh key starting `n` days before today's midnight,
/// a full day long, transmission risk 0.
pub fn k(n: i32) -> ExposureKey {
    ExposureKey {
        key: random_key_text(),
        rolling_start_number: today_midnight() - 144 * n,
        rolling_period: 144,
        transmission_risk: 0,
    }
}

/// A random secret for the certificate HMAC, and its base64 form for `hmacKey`.
pub fn hmac_secret() -> (Vec<u8>, String) {
    let mut bytes = vec![0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
    (bytes, text)
}
