//! Temporary Exposure Keys, interval numbers and the export signing key file for tests (built on
//! the test kit's `testkit::keys`).

use chrono::Utc;

use schemas::api::ExposureKey;

pub use testkit::keys::{hmac_secret, interval_of, random_key_text};

/// Interval of today's UTC midnight (`D` of the conformance fixture).
pub fn today_midnight() -> i32 {
    testkit::keys::midnight_of(Utc::now())
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

/// Writes a fresh P-256 export signing key (PKCS#8 PEM) to `<dir>/keys/export-signing-key.pem`,
/// as the exporter's file key manager reads it; returns the file's path.
pub fn write_export_signing_key(dir: &std::path::Path) -> std::path::PathBuf {
    use p256::pkcs8::EncodePrivateKey as _;
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    let key_file = dir.join("keys/export-signing-key.pem");
    let signing = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let pem = signing.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap();
    std::fs::write(&key_file, pem.as_bytes()).unwrap();
    key_file
}
