//! Events of the publish pipeline:
//! `PublishReceived` (ingest → processor), `PublishProcessed` (processor → projector) and
//! `PublishOutcome` (projector → ingest).
//!
//! These topics carry Temporary Exposure Keys, so they are retained only for `TEK_RETENTION`.
//! No IP address or raw user agent is ever part of an event.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Event;

/// A key exactly as the phone sent it (before per-key validation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SentKey {
    /// Base64 text as sent (not normalised: the certificate HMAC covers this exact text).
    pub key: String,
    pub rolling_start_number: i32,
    pub rolling_period: i32,
    pub transmission_risk: i64,
}

/// Claims of a verified certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedClaims {
    /// The verifying [`crate::config::HealthAuthority::id`].
    pub health_authority_id: i64,
    /// `confirmed`, `likely`, `negative` or `user-report`.
    pub report_type: String,
    /// Symptom onset interval from the certificate; 0 when absent.
    pub symptom_onset_interval: u32,
}

/// One entry of a revision token: a key and its interval metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisableKey {
    /// Standard base64 (with padding) of the 16 key bytes.
    pub key: String,
    pub interval_number: i32,
    pub interval_count: i32,
}

/// What ingest made of the request's `revisionToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum RevisionTokenState {
    /// No token, or one that was not even base64.
    Absent,
    /// A token that decrypted; its entries.
    Valid { entries: Vec<RevisableKey> },
    /// A token that was base64 but did not decrypt or parse (or belongs to another app).
    DecryptFailed,
}

/// Device platform, derived from the `User-Agent` (which itself is never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Platform {
    Unknown,
    Android,
    Ios,
}

/// The publish settings a request was accepted under, carried in the event so that processing
/// and replay make the same decisions whatever the processor's own environment says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishSettings {
    pub max_keys_on_publish: u32,
    pub max_same_start_interval_keys: u32,
    pub max_interval_age_seconds: i64,
    pub truncate_window_seconds: i64,
    pub max_symptom_onset_days: u32,
    pub max_valid_symptom_onset_report_days: u32,
    pub default_symptom_onset_days_ago: u32,
    pub debug_release_same_day_keys: bool,
    pub allow_partial_failure: bool,
    pub allow_partial_revisions: bool,
}

/// A publish request that passed every stateless check at the edge (ingest → processor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishReceived {
    /// Lower-cased `healthAuthorityID` of the authorized app (also the record key).
    pub authorized_app: String,
    /// The request's batch time (`now` of the request, used for every interval computation).
    pub batch_time: DateTime<Utc>,
    /// Regions resolved at the edge (app regions, or `DEFAULT_REGION`).
    pub regions: Vec<String>,
    /// Verified certificate claims; `None` when verification was bypassed.
    pub claims: Option<VerifiedClaims>,
    /// Keys as sent, in the order that error indices refer to (sorted by key text when the
    /// certificate check reached its HMAC step).
    pub keys: Vec<SentKey>,
    /// `symptomOnsetInterval` of the request; 0 when absent.
    pub symptom_onset_interval: i32,
    pub traveler: bool,
    pub platform: Platform,
    pub revision_token: RevisionTokenState,
    /// False when the app bypasses revision tokens.
    pub require_revision_token: bool,
    pub settings: PublishSettings,
    /// Ingest instance waiting for the outcome.
    /// Base64 SHA-256 of the verified certificate and its HMAC key (`domain::upload_digest`);
    /// only when the certificate was verified. Recognises identical retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_digest: Option<String>,
    pub reply_to: String,
}

impl Event for PublishReceived {
    const TYPE: &'static str = "publish.received";
    const VERSION: u32 = 1;
}

/// A key ready for the query store, with claims and metadata applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessedExposure {
    /// Standard base64 (with padding) of the 16 key bytes.
    pub key: String,
    pub interval_number: i32,
    pub interval_count: i32,
    pub transmission_risk: i32,
    pub app_package_name: String,
    /// Upper-cased regions.
    pub regions: Vec<String>,
    pub traveler: bool,
    /// Release time (truncated batch time, or the embargo time of a still-valid key).
    pub created_at: DateTime<Utc>,
    pub health_authority_id: Option<i64>,
    /// Report type; empty when verification was bypassed.
    pub report_type: String,
    pub days_since_symptom_onset: Option<i32>,
}

/// Publish statistics inputs of one request, without personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishStats {
    pub platform: Platform,
    pub missing_onset: bool,
    pub onset_days_ago: Option<i32>,
    pub oldest_days: i32,
}

/// A request the processor rejected outright (only possible when the edge's checks and the
/// processor's disagree, e.g. across a rolling upgrade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub code: String,
    pub error: String,
}

/// A publish request after claims, regions, traveler and embargo were applied (processor →
/// projector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishProcessed {
    pub authorized_app: String,
    pub batch_time: DateTime<Utc>,
    pub exposures: Vec<ProcessedExposure>,
    /// Per-key errors of dropped keys (`partial_failure` mode only).
    pub key_errors: Vec<String>,
    pub warnings: Vec<String>,
    pub revision_token: RevisionTokenState,
    pub require_revision_token: bool,
    pub allow_partial_revisions: bool,
    /// Entries of the incoming token still within `MAX_INTERVAL_AGE_ON_PUBLISH`, for the next token.
    pub max_interval_age_seconds: i64,
    pub stats: PublishStats,
    /// Set when the processor rejected the request; then `exposures` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// [`PublishReceived::upload_digest`], passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_digest: Option<String>,
    pub reply_to: String,
    /// Where the `PublishReceived` this event was computed from sits in the log. The processor
    /// writes without Kafka transactions, so after a crash it may emit the same event again; every
    /// reader of the processed topic skips an event whose source position it has already seen.
    /// Absent only on events written before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePosition>,
}

/// The position of a record in the log: topic, partition and offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourcePosition {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl Event for PublishProcessed {
    const TYPE: &'static str = "publish.processed";
    const VERSION: u32 = 1;
}

/// The result of applying a publish to the query store (projector → ingest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishOutcome {
    /// Ingest instance waiting for this outcome.
    pub reply_to: String,
    /// HTTP status the request gets (reference semantics).
    pub status: u16,
    /// Reference error code, if any (`partial_failure` on success with dropped keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Keys newly inserted.
    pub inserted: u32,
    /// Keys revised.
    pub revised: u32,
    /// Keys dropped as duplicates or by partial revision.
    pub dropped: u32,
    pub warnings: Vec<String>,
    /// Entries of the next revision token (empty = no token). Only on success.
    pub token_entries: Vec<RevisableKey>,
}

impl Event for PublishOutcome {
    const TYPE: &'static str = "publish.outcome";
    const VERSION: u32 = 1;
}
