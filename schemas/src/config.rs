//! Configuration entities and the change events on the compacted `en.config` topic.
//!
//! Each record carries the full new state of one entity (or its deletion), keyed by
//! [`ConfigChange::entity_key`], so compaction keeps exactly the current configuration and a
//! reader that replays the topic from the start rebuilds it.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Event;

/// A verification server whose certificates (ES256 JWTs) the key server can trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthAuthority {
    /// Numeric id, assigned by the admin service, never reused.
    pub id: i64,
    /// JWT `iss` of its certificates; unique across health authorities.
    pub issuer: String,
    /// JWT `aud` its certificates must carry.
    pub audience: String,
    /// Human-readable name.
    pub name: String,
    /// Where its public keys are published as a JSON array of JWKs, if it publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// Whether it may read publish statistics.
    #[serde(default = "default_true")]
    pub enable_stats: bool,
}

fn default_true() -> bool {
    true
}

/// One public key of a health authority, selected by the certificate's `kid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthAuthorityKey {
    /// The owning [`HealthAuthority::id`].
    pub health_authority_id: i64,
    /// Key version, compared with the JWT `kid` header.
    pub version: String,
    /// ECDSA P-256 public key, PEM `PUBLIC KEY` (PKIX).
    pub public_key_pem: String,
    /// Valid strictly after this instant.
    pub from: DateTime<Utc>,
    /// Valid strictly before this instant; `None` = no end (not revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thru: Option<DateTime<Utc>>,
}

impl HealthAuthorityKey {
    /// Whether the key may verify certificates at `now` (reference: `now > from` and
    /// (`thru` unset or `thru > now`)).
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now > self.from && self.thru.is_none_or(|thru| thru > now)
    }
}

/// An app allowed to publish keys: the `healthAuthorityID` it sends, and what applies to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedApp {
    /// The `healthAuthorityID` (Android package name or iOS bundle id), stored lower-case.
    #[serde(rename = "healthAuthorityID")]
    pub health_authority_id: String,
    /// Regions stamped on every key the app publishes (as entered; upper-cased when stamped).
    pub regions: Vec<String>,
    /// Health authorities whose certificates this app accepts.
    #[serde(rename = "allowedHealthAuthorityIDs")]
    pub allowed_health_authority_ids: Vec<i64>,
    /// Accept uploads whose certificate fails verification, without claims (development only).
    pub bypass_health_authority_verification: bool,
    /// Allow revising existing keys without (or with a mismatching) revision token.
    pub bypass_revision_token: bool,
}

/// What to export, how often and where: one series of export files and its `index.txt`
/// (reference `ExportConfig`). Existing batches keep the settings they were cut with; an edit
/// applies to future batches only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportConfig {
    /// Numeric id, assigned by the admin service, never reused.
    pub id: i64,
    /// Object-path prefix of the files and the index (`{filenameRoot}/index.txt`); unique,
    /// case-insensitively, across export configs.
    pub filename_root: String,
    /// Batch length in seconds; divides 24h.
    pub period_seconds: i64,
    /// The `region` written into every file.
    pub output_region: String,
    /// Regions whose keys are exported; empty means `[outputRegion]`.
    #[serde(default)]
    pub input_regions: Vec<String>,
    /// Keys carrying any of these regions are left out (travelers included).
    #[serde(default)]
    pub exclude_regions: Vec<String>,
    /// Also export every traveler key, whatever its regions.
    #[serde(default)]
    pub include_travelers: bool,
    /// Export only keys of non-travelers.
    #[serde(default)]
    pub only_non_travelers: bool,
    /// Batches are cut for windows after this instant.
    pub from: DateTime<Utc>,
    /// No batches for windows after this instant; `None` = open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thru: Option<DateTime<Utc>>,
    /// Most keys (primary plus revised) per file; `None` = the exporter's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_records_override: Option<i64>,
    /// The [`SignatureInfo`]s that sign the files (at most 10).
    #[serde(default)]
    pub signature_info_ids: Vec<i64>,
}

/// A signing key the files carry a signature of, and how devices identify it (reference
/// `SignatureInfo`). The private key itself is never on the log: `signingKey` names it for the
/// exporter's key manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInfo {
    /// Numeric id, assigned by the admin service; newer infos sign first (id descending).
    pub id: i64,
    /// The key's source: for the file key manager, a PEM file relative to its key directory.
    pub signing_key: String,
    /// `verification_key_id` registered with Apple and Google (e.g. the MCC); `[A-Za-z0-9_]`.
    #[serde(default)]
    pub signing_key_id: String,
    /// `verification_key_version` registered with Apple and Google (e.g. `v1`); `[A-Za-z0-9_]`.
    #[serde(default)]
    pub signing_key_version: String,
    /// Android package the key is registered for (bookkeeping only, never in a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_package_name: Option<String>,
    /// iOS bundle id the key is registered for (bookkeeping only, never in a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Files built after this instant no longer carry this signature; `None` = no end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thru: Option<DateTime<Utc>>,
}

impl SignatureInfo {
    /// Whether files built at `now` carry this signature (reference: `thru` unset or
    /// `thru >= now`).
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        self.thru.is_none_or(|thru| thru >= now)
    }
}

/// What changed in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConfigChange {
    /// A health authority was created or updated (full new state).
    HealthAuthoritySaved { entity: HealthAuthority },
    /// A health-authority key was added, updated or revoked (full new state).
    HealthAuthorityKeySaved { entity: HealthAuthorityKey },
    /// A health-authority key was removed (e.g. long after its revocation).
    HealthAuthorityKeyDeleted {
        #[serde(rename = "healthAuthorityId")]
        health_authority_id: i64,
        version: String,
    },
    /// An authorized app was created or updated (full new state).
    AuthorizedAppSaved { entity: AuthorizedApp },
    /// An authorized app was deleted.
    AuthorizedAppDeleted {
        #[serde(rename = "healthAuthorityID")]
        health_authority_id: String,
    },
    /// An export config was created or updated (full new state).
    ExportConfigSaved { entity: ExportConfig },
    /// A signature info was created or updated (full new state).
    SignatureInfoSaved { entity: SignatureInfo },
}

impl ConfigChange {
    /// The Kafka record key: one per entity, so compaction keeps its latest state.
    pub fn entity_key(&self) -> String {
        match self {
            ConfigChange::HealthAuthoritySaved { entity } => {
                format!("health-authority/{}", entity.id)
            }
            ConfigChange::HealthAuthorityKeySaved { entity } => format!(
                "health-authority-key/{}/{}",
                entity.health_authority_id, entity.version
            ),
            ConfigChange::HealthAuthorityKeyDeleted {
                health_authority_id,
                version,
            } => format!("health-authority-key/{health_authority_id}/{version}"),
            ConfigChange::AuthorizedAppSaved { entity } => {
                format!("authorized-app/{}", entity.health_authority_id)
            }
            ConfigChange::AuthorizedAppDeleted {
                health_authority_id,
            } => format!("authorized-app/{health_authority_id}"),
            ConfigChange::ExportConfigSaved { entity } => format!("export-config/{}", entity.id),
            ConfigChange::SignatureInfoSaved { entity } => {
                format!("signature-info/{}", entity.id)
            }
        }
    }
}

/// A configuration change and who made it: the payload of `en.config` and `en.config.audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigEvent {
    /// Who made the change: an operator name, `admin-token`, or a system job such as `jwks-sync`.
    pub actor: String,
    /// The change.
    pub change: ConfigChange,
}

impl Event for ConfigEvent {
    const TYPE: &'static str = "config.changed";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(from: i64, thru: Option<i64>) -> HealthAuthorityKey {
        HealthAuthorityKey {
            health_authority_id: 1,
            version: "v1".into(),
            public_key_pem: String::new(),
            from: Utc.timestamp_opt(from, 0).single().unwrap_or_default(),
            thru: thru.and_then(|t| Utc.timestamp_opt(t, 0).single()),
        }
    }

    #[test]
    fn key_validity_window_is_exclusive_at_both_ends() {
        let at = |t| Utc.timestamp_opt(t, 0).single().unwrap_or_default();
        assert!(!key(100, None).is_valid_at(at(100)));
        assert!(key(100, None).is_valid_at(at(101)));
        assert!(key(100, Some(200)).is_valid_at(at(199)));
        assert!(!key(100, Some(200)).is_valid_at(at(200)));
    }

    #[test]
    fn entity_keys_of_save_and_delete_match() {
        let app = AuthorizedApp {
            health_authority_id: "com.example.app".into(),
            regions: vec!["US".into()],
            allowed_health_authority_ids: vec![1],
            bypass_health_authority_verification: false,
            bypass_revision_token: false,
        };
        let saved = ConfigChange::AuthorizedAppSaved { entity: app };
        let deleted = ConfigChange::AuthorizedAppDeleted {
            health_authority_id: "com.example.app".into(),
        };
        assert_eq!(saved.entity_key(), deleted.entity_key());
        let k = ConfigChange::HealthAuthorityKeySaved {
            entity: key(0, None),
        };
        let d = ConfigChange::HealthAuthorityKeyDeleted {
            health_authority_id: 1,
            version: "v1".into(),
        };
        assert_eq!(k.entity_key(), d.entity_key());
    }

    #[test]
    fn export_entities_have_their_own_keys_and_signature_infos_end_inclusively() {
        let at = |t| Utc.timestamp_opt(t, 0).single().unwrap_or_default();
        let info = SignatureInfo {
            id: 3,
            signing_key: "key.pem".into(),
            signing_key_id: "310".into(),
            signing_key_version: "v1".into(),
            app_package_name: None,
            bundle_id: None,
            thru: Some(at(100)),
        };
        assert!(info.is_active_at(at(100)));
        assert!(!info.is_active_at(at(101)));
        let change = ConfigChange::SignatureInfoSaved { entity: info };
        assert_eq!(change.entity_key(), "signature-info/3");
        let config = ExportConfig {
            id: 7,
            filename_root: "us".into(),
            period_seconds: 3600,
            output_region: "US".into(),
            input_regions: vec![],
            exclude_regions: vec![],
            include_travelers: false,
            only_non_travelers: false,
            from: at(0),
            thru: None,
            max_records_override: None,
            signature_info_ids: vec![3],
        };
        assert_eq!(
            ConfigChange::ExportConfigSaved { entity: config }.entity_key(),
            "export-config/7"
        );
    }
}
