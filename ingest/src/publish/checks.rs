//! Every check of a publish request that needs no stored state, in the reference order:
//! configuration loaded, authorized app, regions, certificate (or bypass),
//! revision token, batch time, transform. Pure: configuration, time and input come in, a
//! decision comes out; nothing here does I/O, so it is unit-tested and benchmarked directly.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use domain::{Claims, RawKey, TokenState, TransformOutcome, TransformRequest, Transformed};
use http::StatusCode;
use platform::log_text::{clip, DEFAULT_CLIP};
use schemas::config::AuthorizedApp;
use schemas::publish::Platform;

use crate::api::PublishRequestData;
use crate::certificate::{self, CertificateInput};
use crate::codes::{ErrorCode, ResultLabel};
pub use crate::edge_rules::EdgeRules;
use crate::revision_token::Opened;

/// A request refused at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: Option<ErrorCode>,
    pub error: String,
    pub warnings: Vec<String>,
    pub result: ResultLabel,
}

impl Refusal {
    fn new(
        status: StatusCode,
        code: Option<ErrorCode>,
        error: String,
        result: ResultLabel,
    ) -> Self {
        Self {
            status,
            code,
            error,
            warnings: Vec::new(),
            result,
        }
    }
}

/// What became of a presented revision token (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPresented {
    Valid,
    Invalid,
    NotBase64,
}

impl TokenPresented {
    /// Metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenPresented::Valid => "valid",
            TokenPresented::Invalid => "invalid",
            TokenPresented::NotBase64 => "not_base64",
        }
    }
}

/// Side observations of a check, for metrics and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    /// The certificate failed and the app's bypass let the request through without claims.
    pub verification_bypassed: bool,
    /// The certificate failed because of a future `iat`/`nbf`.
    pub jwt_not_yet_valid: bool,
    /// The certificate failure reason, when it failed (bypassed or not).
    pub certificate_failure: Option<String>,
    /// The request carried a revision token.
    pub token: Option<TokenPresented>,
}

/// A request that passed every edge check: what goes into `PublishReceived`, and what the edge
/// needs to answer without the pipeline (degraded mode).
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The authorized app, lower-cased (record key, token binding).
    pub app: String,
    /// Regions resolved at the edge (as configured; the pipeline upper-cases them).
    pub regions: Vec<String>,
    /// Verified claims; `None` when verification was bypassed.
    pub claims: Option<Claims>,
    /// The keys as sent, in the order error indices refer to.
    pub keys: Vec<RawKey>,
    pub symptom_onset_interval: i32,
    pub traveler: bool,
    pub platform: Platform,
    /// The decoded revision token.
    pub token: TokenState,
    /// False when the app bypasses revision tokens.
    pub require_token: bool,
    /// The request's batch time.
    pub batch_time: DateTime<Utc>,
    /// The edge's transform of the keys (the pipeline repeats it from the event).
    pub transformed: Transformed,
    /// `domain::upload_digest` of the certificate and HMAC key, when the certificate was
    /// verified (identical retries).
    pub upload_digest: Option<[u8; 32]>,
}

/// The result of [`EdgeRules::check`].
#[derive(Debug, Clone)]
pub struct Checked {
    pub notes: Notes,
    pub decision: Result<Box<Accepted>, Refusal>,
}

impl EdgeRules {
    /// Runs the checks on a decoded request. `config_loaded` is false until the configuration
    /// log has been read to its end once; `now` is called for the certificate check and again
    /// for the batch time, as the reference reads its clock.
    pub fn check(
        &self,
        request: PublishRequestData,
        platform: Platform,
        config: &ConfigSnapshot,
        config_loaded: bool,
        now: &dyn Fn() -> DateTime<Utc>,
    ) -> Checked {
        let mut notes = Notes::default();
        let decision = self.decide(request, platform, config, config_loaded, now, &mut notes);
        Checked { notes, decision }
    }

    fn decide(
        &self,
        request: PublishRequestData,
        platform: Platform,
        config: &ConfigSnapshot,
        config_loaded: bool,
        now: &dyn Fn() -> DateTime<Utc>,
        notes: &mut Notes,
    ) -> Result<Box<Accepted>, Refusal> {
        if !config_loaded {
            return Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(ErrorCode::UnableToLoadHealthAuthority),
                "error loading health authority config: configuration is not loaded yet".into(),
                ResultLabel::LoadingHealthAuthority,
            ));
        }
        let Some(app) = config.app(&request.health_authority_id) else {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                Some(ErrorCode::UnknownHealthAuthorityId),
                // Client input: clipped, so a 60 KB id cannot come back (or reach a log) whole.
                format!(
                    "unauthorized health authority: {}",
                    clip(&request.health_authority_id, DEFAULT_CLIP)
                ),
                ResultLabel::UnauthorizedHealthAuthority,
            ));
        };
        let regions = self.regions(app, &request)?;

        let mut keys = request.keys;
        let verification = certificate::verify(
            CertificateInput {
                payload: &request.verification_payload,
                hmac_key: &request.hmac_key,
                keys: &keys,
            },
            app,
            config,
            &self.certificate_keys,
            now(),
        );
        if verification.keys_sorted {
            domain::hmac::sort_keys(&mut keys);
        }
        notes.jwt_not_yet_valid = verification.not_yet_valid;
        let claims = match verification.result {
            Ok(claims) => Some(claims),
            Err(reason) if app.bypass_health_authority_verification => {
                notes.verification_bypassed = true;
                notes.certificate_failure = Some(reason);
                None
            }
            Err(reason) => {
                let error = format!("unable to validate diagnosis verification: {reason}");
                notes.certificate_failure = Some(reason);
                return Err(Refusal::new(
                    StatusCode::UNAUTHORIZED,
                    Some(ErrorCode::VerificationCertificateInvalid),
                    error,
                    ResultLabel::BadVerification,
                ));
            }
        };

        let upload_digest = claims
            .is_some()
            .then(|| domain::upload_digest(&request.verification_payload, &request.hmac_key));
        let app_name = app.health_authority_id.to_lowercase();
        let token = if request.revision_token.is_empty() {
            TokenState::Absent
        } else {
            let opened = self.tokens.open(&app_name, &request.revision_token);
            notes.token = Some(match &opened {
                Opened::Valid(_) => TokenPresented::Valid,
                Opened::Invalid => TokenPresented::Invalid,
                Opened::NotBase64 => TokenPresented::NotBase64,
            });
            opened.into_state()
        };

        let batch_time = now();
        let transform_request = TransformRequest {
            keys,
            claims,
            symptom_onset_interval: request.symptom_onset_interval,
            batch_time,
            regions: regions.clone(),
            traveler: request.traveler,
            app_package_name: app_name.clone(),
        };
        let transformed = match domain::transform(&transform_request, &self.policy) {
            TransformOutcome::Transformed(t) => t,
            TransformOutcome::Rejected(rejected) => {
                return Err(Refusal {
                    status: StatusCode::BAD_REQUEST,
                    code: Some(ErrorCode::BadRequest),
                    error: rejected.error,
                    warnings: rejected.warnings,
                    result: ResultLabel::TransformFailed,
                });
            }
        };
        Ok(Box::new(Accepted {
            app: app_name,
            regions,
            claims,
            keys: transform_request.keys,
            symptom_onset_interval: request.symptom_onset_interval,
            traveler: request.traveler,
            platform,
            token,
            require_token: !app.bypass_revision_token,
            batch_time,
            transformed,
            upload_digest,
        }))
    }

    /// Step 4: the regions stamped on the keys.
    ///
    /// v1 requests use the app's regions, else `DEFAULT_REGION`. v1alpha1 requests may name
    /// regions; each must be one of the app's (exactly; an app without regions allows any), and
    /// then they replace the app's.
    fn regions(
        &self,
        app: &AuthorizedApp,
        request: &PublishRequestData,
    ) -> Result<Vec<String>, Refusal> {
        if let Some(requested) = request.regions.as_ref().filter(|r| !r.is_empty()) {
            if !app.regions.is_empty() {
                if let Some(bad) = requested.iter().find(|r| !app.regions.contains(r)) {
                    return Err(Refusal::new(
                        StatusCode::UNAUTHORIZED,
                        None,
                        format!(
                            "verifying allowed regions: app {} tried to write to unauthorized region {}",
                            app.health_authority_id,
                            clip(bad, DEFAULT_CLIP)
                        ),
                        ResultLabel::RegionNotAuthorized,
                    ));
                }
            }
            return Ok(dedup(requested));
        }
        if !app.regions.is_empty() {
            return Ok(dedup(&app.regions));
        }
        match self.default_region.as_deref().filter(|r| !r.is_empty()) {
            Some(region) => Ok(vec![region.to_owned()]),
            None => Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(ErrorCode::HealthAuthorityMissingRegionConfig),
                format!(
                    "unknown health authority regions for {}",
                    clip(&request.health_authority_id, DEFAULT_CLIP)
                ),
                ResultLabel::RegionNotSpecified,
            )),
        }
    }
}

/// Region set semantics: first occurrence order, no duplicates.
fn dedup(regions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(regions.len());
    for r in regions {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

#[cfg(test)]
#[path = "checks_tests/mod.rs"]
mod tests;
