//! Configuration entities and the change events on the compacted `en.config` topic (design §6).
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
}
