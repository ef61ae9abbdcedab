//! HTTP API types of `POST /v1/publish`, as clients send and receive them.
//!
//! The server decodes requests with Go-compatible rules (case-insensitive names, unknown fields
//! rejected) in `ingest`, into its own form (which also holds the legacy v1alpha1 body); ingest
//! writes every response from [`PublishResponse`] (with Go's encoder). Tests and tools build
//! requests and read responses with these types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One Temporary Exposure Key in a publish request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExposureKey {
    /// Base64 of the 16 key bytes.
    pub key: String,
    pub rolling_start_number: i32,
    pub rolling_period: i32,
    #[serde(default)]
    pub transmission_risk: i64,
}

/// Body of `POST /v1/publish`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    pub temporary_exposure_keys: Vec<ExposureKey>,
    #[serde(rename = "healthAuthorityID")]
    pub health_authority_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verification_payload: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hmac_key: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub symptom_onset_interval: i32,
    #[serde(default)]
    pub traveler: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_token: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

/// Body of every response of the publish handler.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishResponse {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_token: String,
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub inserted_exposures: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}
