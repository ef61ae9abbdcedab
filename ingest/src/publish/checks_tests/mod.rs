//! The edge checks on the conformance fixture: app, regions, certificate and bypass, tokens,
//! transform (whole-batch and partial), and the answers built from an accepted request.

use super::*;
use crate::certificate::KeyCache;
use crate::kit::{self as testkit, Signer, APP};
use crate::revision_token::{KeyRing, TokenCodec};
use base64::Engine as _;
use chrono::Duration;
use domain::PublishPolicy;
use domain::{ReportType, RevisableKey};
use schemas::config::ConfigChange;
use schemas::publish::RevisableKey as WireRevisableKey;
use schemas::publish::{PublishOutcome, RevisionTokenState};

struct Fixture {
    signer: Signer,
    now: DateTime<Utc>,
    config: ConfigSnapshot,
    rules: EdgeRules,
    secret: Vec<u8>,
}

fn rules(policy: PublishPolicy) -> EdgeRules {
    let keys = format!(
        "k1:{}",
        base64::engine::general_purpose::STANDARD.encode([3u8; 64])
    );
    EdgeRules {
        policy,
        allow_partial_revisions: false,
        default_region: None,
        tokens: TokenCodec::new(KeyRing::parse(&keys).unwrap(), 28),
        certificate_keys: KeyCache::default(),
    }
}

impl Fixture {
    fn new() -> Self {
        let (signer, _, now, config) = testkit::generated_fixture();
        Self {
            signer,
            now,
            config,
            rules: rules(PublishPolicy::default()),
            secret: b"s3cret".to_vec(),
        }
    }

    fn request(&self, keys: Vec<RawKey>, report_type: &str) -> PublishRequestData {
        PublishRequestData {
            verification_payload: self.signer.certificate(
                &keys,
                &self.secret,
                report_type,
                self.now,
            ),
            hmac_key: base64::engine::general_purpose::STANDARD.encode(&self.secret),
            keys,
            health_authority_id: APP.into(),
            ..Default::default()
        }
    }

    fn check(&self, request: PublishRequestData) -> Checked {
        let now = self.now;
        self.rules
            .check(request, Platform::Android, &self.config, true, &move || now)
    }

    fn refusal(&self, request: PublishRequestData) -> Refusal {
        self.check(request).decision.unwrap_err()
    }

    /// Checks `request`, which must be refused with `status` and `code`; returns the refusal.
    fn refused_as(
        &self,
        request: PublishRequestData,
        status: StatusCode,
        code: ErrorCode,
    ) -> Refusal {
        let r = self.refusal(request);
        assert_eq!((r.status, r.code), (status, Some(code)), "{}", r.error);
        r
    }

    fn accepted(&self, request: PublishRequestData) -> Box<Accepted> {
        self.check(request).decision.unwrap()
    }

    fn set_app(&mut self, edit: impl FnOnce(&mut schemas::config::AuthorizedApp)) {
        let mut app = testkit::app();
        edit(&mut app);
        self.config
            .apply(&ConfigChange::AuthorizedAppSaved { entity: app });
    }

    fn keys(&self, days: &[i32]) -> Vec<RawKey> {
        days.iter()
            .map(|d| testkit::key_days_ago(*d, self.now))
            .collect()
    }
}

mod apps;
mod keys;
mod tokens_and_outcomes;
mod v1alpha1_and_time;
