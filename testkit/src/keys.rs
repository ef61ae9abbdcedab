//! Temporary Exposure Keys and interval numbers for tests.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use domain::RawKey;
use rand::RngCore as _;

/// EN interval number of `t` (10-minute slots since the epoch).
pub fn interval_of(t: DateTime<Utc>) -> i32 {
    domain::interval::interval_of(t)
}

/// Interval of the UTC midnight starting the day of `now`.
pub fn midnight_of(now: DateTime<Utc>) -> i32 {
    domain::interval::midnight(interval_of(now))
}

/// 16 random bytes, standard base64 (a key's text).
pub fn random_key_text() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `K(n)`: a random key starting `n` days before the midnight of `now`, a full day long,
/// transmission risk 0.
pub fn key_days_ago(n: i32, now: DateTime<Utc>) -> RawKey {
    RawKey {
        key: random_key_text(),
        rolling_start_number: midnight_of(now) - 144 * n,
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

/// Conformance case D19: the reference's three old keys as it sends them, literal strings (one
/// over-padded) in this order.
pub fn conformance_d19() -> Vec<RawKey> {
    [
        ("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032),
        ("dPCphLzfG4uzXneNimkPRQ====", 2_650_176),
        ("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320),
    ]
    .map(|(key, rolling_start_number)| RawKey {
        key: key.into(),
        rolling_start_number,
        rolling_period: 144,
        transmission_risk: 4,
    })
    .to_vec()
}
