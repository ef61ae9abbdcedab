//! [`ConfigSnapshot`]: the configuration as of one position of `en.config`, five entity maps
//! (health authorities, their keys, authorized apps, export configs, signature infos) built by
//! applying every [`ConfigChange`] in log order. Immutable once published.

use std::collections::BTreeMap;

use schemas::config::{
    AuthorizedApp, ConfigChange, ExportConfig, HealthAuthority, HealthAuthorityKey, SignatureInfo,
};

/// The configuration as of one position of `en.config`. Immutable once published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSnapshot {
    health_authorities: BTreeMap<i64, HealthAuthority>,
    keys: BTreeMap<(i64, String), HealthAuthorityKey>,
    apps: BTreeMap<String, AuthorizedApp>,
    export_configs: BTreeMap<i64, ExportConfig>,
    signature_infos: BTreeMap<i64, SignatureInfo>,
    /// Offset of the next record to read: every record before it is applied.
    pub(crate) position: i64,
}

impl ConfigSnapshot {
    /// Applies one change.
    pub fn apply(&mut self, change: &ConfigChange) {
        match change {
            ConfigChange::HealthAuthoritySaved { entity } => {
                self.health_authorities.insert(entity.id, entity.clone());
            }
            ConfigChange::HealthAuthorityKeySaved { entity } => {
                self.keys.insert(
                    (entity.health_authority_id, entity.version.clone()),
                    entity.clone(),
                );
            }
            ConfigChange::HealthAuthorityKeyDeleted {
                health_authority_id,
                version,
            } => {
                self.keys.remove(&(*health_authority_id, version.clone()));
            }
            ConfigChange::AuthorizedAppSaved { entity } => {
                self.apps
                    .insert(entity.health_authority_id.to_lowercase(), entity.clone());
            }
            ConfigChange::AuthorizedAppDeleted {
                health_authority_id,
            } => {
                self.apps.remove(&health_authority_id.to_lowercase());
            }
            ConfigChange::ExportConfigSaved { entity } => {
                self.export_configs.insert(entity.id, entity.clone());
            }
            ConfigChange::SignatureInfoSaved { entity } => {
                self.signature_infos.insert(entity.id, entity.clone());
            }
        }
    }

    /// Offset of the next `en.config` record not yet applied.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// A health authority by id.
    pub fn health_authority(&self, id: i64) -> Option<&HealthAuthority> {
        self.health_authorities.get(&id)
    }

    /// The health authority whose certificates carry `issuer`.
    pub fn health_authority_by_issuer(&self, issuer: &str) -> Option<&HealthAuthority> {
        self.health_authorities
            .values()
            .find(|ha| ha.issuer == issuer)
    }

    /// All health authorities, by id.
    pub fn health_authorities(&self) -> impl Iterator<Item = &HealthAuthority> {
        self.health_authorities.values()
    }

    /// Keys of one health authority, by version.
    pub fn keys_of(&self, health_authority_id: i64) -> impl Iterator<Item = &HealthAuthorityKey> {
        self.keys
            .range((health_authority_id, String::new())..)
            .take_while(move |((id, _), _)| *id == health_authority_id)
            .map(|(_, key)| key)
    }

    /// One key of a health authority.
    pub fn key(&self, health_authority_id: i64, version: &str) -> Option<&HealthAuthorityKey> {
        self.keys.get(&(health_authority_id, version.to_owned()))
    }

    /// The authorized app for a `healthAuthorityID` (case-insensitive).
    pub fn app(&self, health_authority_id: &str) -> Option<&AuthorizedApp> {
        self.apps.get(&health_authority_id.to_lowercase())
    }

    /// All authorized apps, by name.
    pub fn apps(&self) -> impl Iterator<Item = &AuthorizedApp> {
        self.apps.values()
    }

    /// An export config by id.
    pub fn export_config(&self, id: i64) -> Option<&ExportConfig> {
        self.export_configs.get(&id)
    }

    /// All export configs, by id.
    pub fn export_configs(&self) -> impl Iterator<Item = &ExportConfig> {
        self.export_configs.values()
    }

    /// A signature info by id.
    pub fn signature_info(&self, id: i64) -> Option<&SignatureInfo> {
        self.signature_infos.get(&id)
    }

    /// All signature infos, by id.
    pub fn signature_infos(&self) -> impl Iterator<Item = &SignatureInfo> {
        self.signature_infos.values()
    }
}
