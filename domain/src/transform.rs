//! The publish transform: keys as sent → validated [`Exposure`]s, or a rejection.
//!
//! A pure function of the request, the verified claims, the batch time and the policy: the same
//! input always gives the same output, which is what lets `processor` replay events. Steps, in the
//! reference order:
//!
//! 1. batch size;
//! 2. per key, in the caller's order: base64, length, period, age, future, transmission risk
//!    ([`KeyProblem`]), then claims and backfill, then the days-since-onset limit
//!    (a *warning* that drops the key);
//! 3. outcome of the per-key errors: by default any error rejects the whole batch (the
//!    project's deliberate difference); with `allow_partial_failure` the reference behaviour;
//! 4. overlap and same-start checks on the survivors.
//!
//! Indices in `key N ...` messages are positions in `TransformRequest::keys`; callers that ran
//! the HMAC check must pass the keys in sorted order ([`crate::hmac::sort_keys`]).

mod batch;
mod key_check;
mod onset;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use key_check::KeyProblem;

use crate::exposure::Exposure;
use crate::interval::{days_between, interval_of, saturating_sub, truncate};
use crate::multierror::aggregate;
use crate::policy::PublishPolicy;
use crate::types::{transmission_risk_for, RawKey, ReportType};
use key_check::{check_key, KeyWindow};
use onset::{go_float_int, select_onset};

/// Verified claims of a verification certificate (absent when an app bypassed verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    /// Numeric id of the verifying health authority (applied only if > 0).
    pub health_authority_id: i64,
    /// The `reportType` claim.
    pub report_type: ReportType,
    /// The `symptomOnsetInterval` claim; 0 = absent.
    pub symptom_onset_interval: u32,
}

/// Everything the transform needs from one publish request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformRequest {
    /// Keys as sent, in the order whose indices the messages should use.
    pub keys: Vec<RawKey>,
    /// Verified claims, if the certificate verified.
    pub claims: Option<Claims>,
    /// The request's `symptomOnsetInterval`; 0 = absent.
    pub symptom_onset_interval: i32,
    /// The request's batch time (the only clock input).
    pub batch_time: DateTime<Utc>,
    /// Regions already resolved for the app (any case, possibly duplicated).
    pub regions: Vec<String>,
    /// The request's `traveler` flag.
    pub traveler: bool,
    /// The authorized app (`healthAuthorityID`), any case.
    pub app_package_name: String,
}

/// Figures for the per-health-authority hourly stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublishStatsInfo {
    /// The onset was defaulted.
    pub missing_onset: bool,
    /// Days from the onset to the batch time, when the onset was not defaulted.
    pub onset_days_ago: Option<i32>,
    /// Age in days of the oldest saved key (0 if none is older).
    pub oldest_days: i32,
}

/// Successful transform: keys to store (possibly none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformed {
    /// Surviving keys sorted by (interval number, interval count).
    pub exposures: Vec<Exposure>,
    /// `key <i> cannot be imported: ...` for dropped keys; only non-empty with
    /// `allow_partial_failure`.
    pub key_errors: Vec<String>,
    /// `key <i> symptom onset is too large, ...` for keys dropped by the onset limit.
    pub warnings: Vec<String>,
    /// Stats figures.
    pub stats: PublishStatsInfo,
}

impl Transformed {
    /// The `error` text of a `partial_failure` response, if any key was dropped with an error.
    pub fn partial_failure_error(&self) -> Option<String> {
        (!self.key_errors.is_empty()).then(|| aggregate(&self.key_errors))
    }
}

/// Why a whole request is rejected (400 `bad_request`). Displays the transform's error text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No keys at all.
    #[error("no exposure keys in publish request")]
    NoKeys,
    /// More keys than `max_keys_on_publish`, counted before any validation.
    #[error("too many exposure keys in publish: {count}, max of {max} is allowed")]
    TooManyKeys {
        /// Keys sent.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// Per-key errors: any at all (whole-batch mode) or every key failed (partial mode).
    #[error("{}", aggregate(.errors))]
    InvalidKeys {
        /// `key <i> cannot be imported: ...`, one per failed key.
        errors: Vec<String>,
    },
    /// Two keys overlap without sharing a start interval.
    #[error(
        "exposure keys have non aligned overlapping intervals. {start} overlaps with previous key \
         that is good from {last_start} to {next_start}."
    )]
    NonAlignedOverlap {
        /// Start of the offending key.
        start: i32,
        /// Start of the previous group.
        last_start: i32,
        /// End of the previous group.
        next_start: i32,
    },
    /// Too many keys with one start interval.
    #[error("too many overlapping keys for start interval: {start} want: <= {max}, got: {count}")]
    TooManySameStart {
        /// The start interval.
        start: i32,
        /// The limit.
        max: u32,
        /// Keys with that start.
        count: usize,
    },
}

/// A rejected request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Structured reason (for metrics and logs).
    pub reason: Rejection,
    /// The response's `error` text, verbatim: `unable to read request data: <reason>` (the
    /// reference handler prefixes every transform error this way).
    pub error: String,
    /// Onset warnings collected before the rejection.
    pub warnings: Vec<String>,
}

impl Rejected {
    fn new(reason: Rejection, warnings: Vec<String>) -> Self {
        let error = format!("unable to read request data: {reason}");
        Self {
            reason,
            error,
            warnings,
        }
    }
}

/// Result of [`transform`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformOutcome {
    /// Keys to store (possibly none), with errors and warnings to report.
    Transformed(Transformed),
    /// The whole request fails with 400 `bad_request`.
    Rejected(Rejected),
}

/// Apply the publish rules to one request. Never panics, whatever the input or policy.
pub fn transform(request: &TransformRequest, policy: &PublishPolicy) -> TransformOutcome {
    let keys = &request.keys;
    if keys.is_empty() {
        return reject(Rejection::NoKeys, Vec::new());
    }
    if u32::try_from(keys.len()).map_or(true, |n| n > policy.max_keys_on_publish) {
        let reason = Rejection::TooManyKeys {
            count: keys.len(),
            max: policy.max_keys_on_publish,
        };
        return reject(reason, Vec::new());
    }

    let batch_time = request.batch_time;
    let now_iv = interval_of(batch_time);
    let window = KeyWindow {
        min_start: interval_of(saturating_sub(batch_time, policy.max_interval_age)),
        now_iv,
        default_created_at: truncate(batch_time, policy.truncate_window),
        truncate_window: policy.truncate_window,
        release_same_day: policy.debug_release_same_day_keys,
    };
    let regions = normalise_regions(&request.regions);
    let app_package_name = go_lower(&request.app_package_name);
    let claims = request.claims.as_ref();
    let onset = select_onset(
        request.symptom_onset_interval,
        claims.map(|c| c.symptom_onset_interval),
        batch_time,
        policy,
    );

    let mut exposures = Vec::with_capacity(keys.len());
    let mut key_errors = Vec::new();
    let mut warnings = Vec::new();
    for (i, raw) in keys.iter().enumerate() {
        let checked = match check_key(raw, &window) {
            Ok(c) => c,
            Err(problem) => {
                key_errors.push(format!("key {i} cannot be imported: {problem}"));
                continue;
            }
        };
        let report_type = claims.map_or(ReportType::Unspecified, |c| c.report_type);
        let dsos = days_between(onset.interval, checked.interval_number);
        if dsos.unsigned_abs() > policy.max_symptom_onset_days {
            warnings.push(format!(
                "key {i} symptom onset is too large, {} > {} - saving without this key",
                go_float_int(dsos.unsigned_abs()),
                policy.max_symptom_onset_days
            ));
            continue;
        }
        exposures.push(Exposure {
            key: checked.key.to_base64(),
            key_bytes: checked.key,
            interval_number: checked.interval_number,
            interval_count: checked.interval_count,
            transmission_risk: transmission_risk_for(report_type, checked.transmission_risk),
            app_package_name: app_package_name.clone(),
            regions: regions.clone(),
            traveler: request.traveler,
            local_provenance: true,
            created_at: checked.created_at,
            health_authority_id: claims.map(|c| c.health_authority_id).filter(|id| *id > 0),
            report_type,
            days_since_symptom_onset: Some(dsos),
        });
    }

    if !key_errors.is_empty() && (!policy.allow_partial_failure || exposures.is_empty()) {
        return reject(Rejection::InvalidKeys { errors: key_errors }, warnings);
    }

    // Stable sort: ties keep the request order (the reference's sort is unstable).
    exposures.sort_by_key(|e| (e.interval_number, e.interval_count));
    if let Err(reason) = batch::check_overlaps(&exposures)
        .and_then(|()| batch::check_same_start(&exposures, policy.max_same_start_interval_keys))
    {
        return reject(reason, warnings);
    }

    let stats = PublishStatsInfo {
        missing_onset: onset.defaulted,
        onset_days_ago: (!onset.defaulted).then(|| days_between(onset.interval, now_iv)),
        oldest_days: exposures
            .iter()
            .map(|e| days_between(e.interval_number, now_iv))
            .fold(0, i32::max),
    };
    TransformOutcome::Transformed(Transformed {
        exposures,
        key_errors,
        warnings,
        stats,
    })
}

fn reject(reason: Rejection, warnings: Vec<String>) -> TransformOutcome {
    TransformOutcome::Rejected(Rejected::new(reason, warnings))
}

/// Upper-case (Go `strings.ToUpper`, one character at a time), de-duplicate and sort.
fn normalise_regions(regions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = regions.iter().map(|r| go_upper(r)).collect();
    out.sort();
    out.dedup();
    out
}

/// Go's `strings.ToUpper`: simple per-character mapping; characters whose upper case is more
/// than one character (e.g. `ß`) are kept as they are.
fn go_upper(s: &str) -> String {
    s.chars()
        .map(|c| single_char(c.to_uppercase()).unwrap_or(c))
        .collect()
}

/// Go's `strings.ToLower`, with the same single-character rule as [`go_upper`].
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| single_char(c.to_lowercase()).unwrap_or(c))
        .collect()
}

fn single_char(mut it: impl Iterator<Item = char>) -> Option<char> {
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}
