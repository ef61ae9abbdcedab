//! Certificate verification: every reason of the reference, in its order, with keys generated
//! here.

use super::*;
use crate::kit::{self as testkit, Signer};
use chrono::Duration;
use schemas::config::{ConfigChange, HealthAuthorityKey};

struct Fixture {
    signer: Signer,
    other: Signer,
    now: DateTime<Utc>,
    config: ConfigSnapshot,
    keys: Vec<RawKey>,
    secret: Vec<u8>,
    cache: KeyCache,
}

impl Fixture {
    fn new() -> Self {
        let (signer, other, now, config) = testkit::generated_fixture();
        let keys = vec![testkit::key_days_ago(1, now), testkit::key_days_ago(2, now)];
        Self {
            signer,
            other,
            now,
            config,
            keys,
            secret: b"device secret".to_vec(),
            cache: KeyCache::default(),
        }
    }

    fn claims(&self, extra: &str) -> String {
        format!(
            r#"{{"iss":"iss1","aud":"aud1","iat":{},"exp":{},"reportType":"confirmed","tekmac":"{}"{extra}}}"#,
            self.now.timestamp(),
            (self.now + Duration::minutes(5)).timestamp(),
            testkit::tekmac(&self.secret, &self.keys),
        )
    }

    fn run(&self, payload: &str) -> Verification {
        self.run_keys(payload, &self.keys)
    }

    fn run_keys(&self, payload: &str, keys: &[RawKey]) -> Verification {
        let hmac_key = base64::engine::general_purpose::STANDARD.encode(&self.secret);
        let input = CertificateInput {
            payload,
            hmac_key: &hmac_key,
            keys,
        };
        verify(input, &testkit::app(), &self.config, &self.cache, self.now)
    }

    fn reason(&self, payload: &str) -> String {
        self.run(payload).result.unwrap_err()
    }

    fn header(&self) -> &'static str {
        r#"{"alg":"ES256","kid":"v1"}"#
    }
}

mod header_and_claims;
mod signature_and_hmac;
