//! The edge checks on the conformance fixture: app, regions, certificate and bypass, tokens,
//! transform (whole-batch and partial), and the answers built from an accepted request.

use super::*;
use crate::revision_token::KeyRing;
use crate::testkit::{self, Signer, APP};
use base64::Engine as _;
use chrono::Duration;
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
        let signer = Signer::generate();
        let other = Signer::generate();
        let now = Utc::now();
        let config = testkit::fixture(&signer, &other, now);
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
            verification_payload: testkit::certificate(
                &self.signer,
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

#[test]
fn valid_publish_is_accepted() {
    let f = Fixture::new();
    let keys = f.keys(&[1, 2]);
    let a = f.accepted(f.request(keys.clone(), "confirmed"));
    assert_eq!(a.app, APP);
    assert_eq!(a.regions, ["US"]);
    assert_eq!(a.claims.unwrap().report_type, ReportType::Confirmed);
    assert_eq!(a.transformed.exposures.len(), 2);
    assert!(a.require_token);
    assert_eq!(a.platform, Platform::Android);
    // Keys are in key-string order once the HMAC step ran.
    let mut sorted = keys;
    domain::hmac::sort_keys(&mut sorted);
    assert_eq!(a.keys, sorted);
}

#[test]
fn configuration_not_loaded() {
    let f = Fixture::new();
    let now = f.now;
    let r = f.rules.check(
        f.request(f.keys(&[1]), "confirmed"),
        Platform::Unknown,
        &f.config,
        false,
        &move || now,
    );
    let r = r.decision.unwrap_err();
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.code, Some(ErrorCode::UnableToLoadHealthAuthority));
    assert!(r
        .error
        .starts_with("error loading health authority config: "));
}

#[test]
fn c1_unknown_app_and_case_insensitive_lookup() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.health_authority_id = "com.example.appWRONG".into();
    let r = f.refusal(req.clone());
    assert_eq!(
        (r.status, r.code),
        (
            StatusCode::UNAUTHORIZED,
            Some(ErrorCode::UnknownHealthAuthorityId)
        )
    );
    assert_eq!(
        r.error,
        "unauthorized health authority: com.example.appWRONG"
    );
    assert_eq!(r.result, ResultLabel::UnauthorizedHealthAuthority);
    // A huge id comes back clipped, never whole.
    let mut huge = req.clone();
    huge.health_authority_id = "x".repeat(60_000);
    let r = f.refusal(huge);
    assert!(r.error.len() < 300, "{} bytes", r.error.len());
    req.health_authority_id = "COM.Example.APP".into();
    assert_eq!(f.accepted(req).app, APP);
}

#[test]
fn c3_missing_regions_and_default_region() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions.clear());
    let r = f.refusal(f.request(f.keys(&[1]), "confirmed"));
    assert_eq!(
        (r.status, r.code),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(ErrorCode::HealthAuthorityMissingRegionConfig)
        )
    );
    assert_eq!(
        r.error,
        format!("unknown health authority regions for {APP}")
    );
    // Regions are checked before the certificate.
    let mut bad_cert = f.request(f.keys(&[1]), "confirmed");
    bad_cert.verification_payload = "garbage".into();
    assert_eq!(
        f.refusal(bad_cert).code,
        Some(ErrorCode::HealthAuthorityMissingRegionConfig)
    );
    f.rules.default_region = Some("CA".into());
    assert_eq!(
        f.accepted(f.request(f.keys(&[1]), "confirmed")).regions,
        ["CA"]
    );
}

#[test]
fn c5_regions_are_passed_as_configured_and_deduplicated() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions = vec!["us".into(), "ca".into(), "us".into()]);
    let a = f.accepted(f.request(f.keys(&[1]), "confirmed"));
    assert_eq!(a.regions, ["us", "ca"]);
    // The transform upper-cases them for storage.
    assert_eq!(a.transformed.exposures[0].regions, ["CA", "US"]);
}

#[test]
fn certificate_failure_and_bypass() {
    let mut f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.verification_payload = "totally not a JWT".into();
    let r = f.refusal(req.clone());
    assert_eq!(
        (r.status, r.code),
        (
            StatusCode::UNAUTHORIZED,
            Some(ErrorCode::VerificationCertificateInvalid)
        )
    );
    assert_eq!(
        r.error,
        "unable to validate diagnosis verification: token contains an invalid number of segments"
    );
    assert_eq!(r.result, ResultLabel::BadVerification);

    f.set_app(|a| a.bypass_health_authority_verification = true);
    let checked = f.check(req);
    assert!(checked.notes.verification_bypassed);
    let a = checked.decision.unwrap();
    assert_eq!(a.claims, None);
    assert_eq!(
        a.transformed.exposures[0].report_type,
        ReportType::Unspecified
    );
    // A valid certificate is applied even when bypass is on.
    let a = f.accepted(f.request(f.keys(&[1]), "likely"));
    assert_eq!(a.claims.unwrap().report_type, ReportType::Likely);
}

#[test]
fn d19_sorted_indices_in_rejection() {
    let f = Fixture::new();
    let keys = [
        ("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032),
        ("dPCphLzfG4uzXneNimkPRQ====", 2_650_176),
        ("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320),
    ]
    .map(|(k, s)| RawKey {
        key: k.into(),
        rolling_start_number: s,
        rolling_period: 144,
        transmission_risk: 4,
    })
    .to_vec();
    let r = f.refusal(f.request(keys, "confirmed"));
    assert_eq!(
        (r.status, r.code),
        (StatusCode::BAD_REQUEST, Some(ErrorCode::BadRequest))
    );
    assert!(r.error.starts_with("unable to read request data: 3 errors occurred:\n\t* key 0 cannot be imported: key expires before minimum window; 2650320 + 144"), "{}", r.error);
    assert_eq!(r.result, ResultLabel::TransformFailed);
}

fn e1_keys(f: &Fixture) -> Vec<RawKey> {
    let mut keys = f.keys(&[1, 2, 3, 4, 5]);
    keys[1].key = base64::engine::general_purpose::STANDARD.encode([0u8; 18]);
    keys[2].rolling_start_number = 100;
    keys[3].rolling_period = 200;
    keys[4].rolling_start_number += 100_000;
    keys
}

#[test]
fn e1_whole_batch_rejection_by_default() {
    let mut f = Fixture::new();
    f.set_app(|a| a.bypass_health_authority_verification = true);
    let req = PublishRequestData {
        keys: e1_keys(&f),
        health_authority_id: APP.into(),
        ..Default::default()
    };
    let r = f.refusal(req);
    assert_eq!(
        (r.status, r.code),
        (StatusCode::BAD_REQUEST, Some(ErrorCode::BadRequest))
    );
    assert!(r.error.starts_with("unable to read request data: 4 errors occurred:\n\t* key 1 cannot be imported: invalid key length, 18, must be 16"), "{}", r.error);
    assert!(r
        .error
        .contains("key 3 cannot be imported: invalid interval count, 200, must be >= 1 && <= 144"));
}

#[test]
fn e1_partial_failure_when_allowed() {
    let mut f = Fixture::new();
    f.rules = rules(PublishPolicy {
        allow_partial_failure: true,
        ..PublishPolicy::default()
    });
    f.set_app(|a| a.bypass_health_authority_verification = true);
    let req = PublishRequestData {
        keys: e1_keys(&f),
        health_authority_id: APP.into(),
        ..Default::default()
    };
    let a = f.accepted(req);
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.code.as_deref(), Some("partial_failure"));
    assert!(answer.error.starts_with("4 errors occurred:"));
    assert_eq!(answer.inserted, 1);
    assert_eq!(answer.token_entries.len(), 1);
    assert!(a.event(&f.rules, "me").settings.allow_partial_failure);
}

#[test]
fn e15_and_d21_no_keys() {
    let mut f = Fixture::new();
    let r = f.refusal(f.request(vec![], "confirmed"));
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r
        .error
        .ends_with("calculating expected HMAC: cannot calculate hmac on empty exposure keys"));
    f.set_app(|a| a.bypass_health_authority_verification = true);
    let r = f.refusal(PublishRequestData {
        health_authority_id: APP.into(),
        ..Default::default()
    });
    assert_eq!(
        r.error,
        "unable to read request data: no exposure keys in publish request"
    );
}

#[test]
fn g5_negative_keys_are_not_counted_but_get_a_token() {
    let f = Fixture::new();
    let a = f.accepted(f.request(f.keys(&[1, 2]), "negative"));
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.inserted, 0);
    assert_eq!(answer.code, None);
    assert_eq!(answer.token_entries.len(), 2);
}

#[test]
fn revision_tokens_are_bound_to_the_app() {
    let mut f = Fixture::new();
    let entries = vec![RevisableKey {
        key_bytes: [1; 16],
        interval_number: domain::interval::interval_of(f.now) - 144,
        interval_count: 144,
    }];
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.revision_token = f.rules.tokens.mint(APP, &entries).unwrap();
    let checked = f.check(req.clone());
    assert_eq!(checked.notes.token, Some(TokenPresented::Valid));
    assert_eq!(
        checked.decision.unwrap().token,
        TokenState::Valid(entries.clone())
    );

    // The same token presented through another app does not open.
    let mut other = testkit::app();
    other.health_authority_id = "com.example.other".into();
    f.config
        .apply(&ConfigChange::AuthorizedAppSaved { entity: other });
    let mut via_other = req.clone();
    via_other.health_authority_id = "com.example.other".into();
    let checked = f.check(via_other);
    assert_eq!(checked.notes.token, Some(TokenPresented::Invalid));
    assert_eq!(checked.decision.unwrap().token, TokenState::DecryptFailed);

    // Not base64: treated as absent.
    req.revision_token = "!!!".into();
    let checked = f.check(req);
    assert_eq!(checked.notes.token, Some(TokenPresented::NotBase64));
    assert_eq!(checked.decision.unwrap().token, TokenState::Absent);
}

#[test]
fn degraded_token_keeps_retained_incoming_entries_first() {
    let f = Fixture::new();
    let now_iv = domain::interval::interval_of(f.now);
    let fresh = RevisableKey {
        key_bytes: [7; 16],
        interval_number: now_iv - 300,
        interval_count: 144,
    };
    let expired = RevisableKey {
        key_bytes: [8; 16],
        interval_number: now_iv - 20 * 144,
        interval_count: 144,
    };
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.revision_token = f.rules.tokens.mint(APP, &[expired, fresh]).unwrap();
    let a = f.accepted(req);
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.token_entries.len(), 2);
    assert_eq!(answer.token_entries[0], fresh);
    assert_eq!(
        answer.token_entries[1],
        a.transformed.exposures[0].revisable_key()
    );
}

#[test]
fn event_carries_everything_the_pipeline_needs() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[3, 1]), "likely");
    req.traveler = true;
    req.symptom_onset_interval = 123;
    let a = f.accepted(req);
    let e = a.event(&f.rules, "ingest-1");
    assert_eq!(e.authorized_app, APP);
    assert_eq!(e.batch_time, f.now);
    assert_eq!(e.regions, ["US"]);
    let claims = e.claims.unwrap();
    assert_eq!(
        (claims.health_authority_id, claims.report_type.as_str()),
        (1, "likely")
    );
    assert_eq!(e.keys.len(), 2);
    assert!(e.keys[0].key < e.keys[1].key, "sorted by key string");
    assert!(e.traveler);
    assert_eq!(e.symptom_onset_interval, 123);
    assert_eq!(e.revision_token, RevisionTokenState::Absent);
    assert!(e.require_revision_token);
    assert_eq!(e.settings.max_symptom_onset_days, 21);
    assert_eq!(e.settings.max_interval_age_seconds, 360 * 3600);
    assert_eq!(e.reply_to, "ingest-1");
    assert_eq!(e.platform, Platform::Android);
}

#[test]
fn outcome_answers() {
    let f = Fixture::new();
    let a = f.accepted(f.request(f.keys(&[1]), "confirmed"));
    let entry = RevisableKey {
        key_bytes: [9; 16],
        interval_number: 5,
        interval_count: 6,
    };
    assert_eq!(
        RevisableKey::try_from(&WireRevisableKey::from(&entry)),
        Ok(entry)
    );
    let ok = PublishOutcome {
        reply_to: "x".into(),
        status: 200,
        code: None,
        error: None,
        inserted: 1,
        revised: 2,
        dropped: 3,
        warnings: vec!["w".into()],
        token_entries: vec![WireRevisableKey::from(&entry)],
    };
    let answer = a.outcome_answer(&ok);
    assert_eq!(
        (answer.status, answer.inserted, answer.revised),
        (StatusCode::OK, 1, 2)
    );
    assert_eq!(answer.token_entries, [entry]);
    assert_eq!(answer.result, ResultLabel::Ok);
    let bad = PublishOutcome {
        status: 400,
        code: Some("key_already_revised".into()),
        error: Some("key was already revised".into()),
        inserted: 0,
        revised: 0,
        dropped: 0,
        ..ok
    };
    let answer = a.outcome_answer(&bad);
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.token_entries.is_empty());
    assert_eq!(answer.result, ResultLabel::KeyAlreadyRevised);
    assert_eq!(answer.error, "key was already revised");
}

#[test]
fn v1alpha1_regions() {
    let mut f = Fixture::new();
    f.set_app(|a| a.regions = vec!["US".into(), "CA".into()]);
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.regions = Some(vec!["US".into(), "CA".into()]);
    req.traveler = true;
    let a = f.accepted(req.clone());
    assert_eq!(a.regions, ["US", "CA"]);
    assert!(a.transformed.exposures[0].traveler);
    req.regions = Some(vec!["US".into(), "MX".into()]);
    let r = f.refusal(req.clone());
    assert_eq!((r.status, r.code), (StatusCode::UNAUTHORIZED, None));
    assert_eq!(
        r.error,
        format!("verifying allowed regions: app {APP} tried to write to unauthorized region MX")
    );
    // Case-sensitive match.
    req.regions = Some(vec!["us".into()]);
    assert!(f.check(req.clone()).decision.is_err());
    // Empty: the app's regions.
    req.regions = Some(vec![]);
    assert_eq!(f.accepted(req.clone()).regions, ["US", "CA"]);
    // An app without regions allows any.
    f.set_app(|a| a.regions.clear());
    req.regions = Some(vec!["ZZ".into()]);
    assert_eq!(f.accepted(req).regions, ["ZZ"]);
}

#[test]
fn key_validity_follows_time() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[1]), "confirmed");
    let later = f.now + Duration::days(1);
    let config = f.config.clone();
    let a = f
        .rules
        .check(req.clone(), Platform::Unknown, &config, true, &move || {
            later
        });
    // The certificate has expired by then.
    assert!(a
        .decision
        .unwrap_err()
        .error
        .contains("token is expired by"));
    req.verification_payload.clear();
    assert_eq!(
        f.refusal(req).code,
        Some(ErrorCode::VerificationCertificateInvalid)
    );
}
