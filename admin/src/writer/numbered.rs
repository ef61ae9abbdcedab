//! The entities with a numeric id that the REST API and the console create and replace by the
//! same rules (health authorities, export configs, signature infos): each says once how it is
//! found, which rule decides it and which write kinds record it.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::{ExportConfig, HealthAuthority, SignatureInfo};

use super::{Saved, WriteKind};
use crate::validation::ValidationError;
use crate::validation::{self, ExportConfigForm, HealthAuthorityForm, SignatureInfoForm};

/// An entity with a numeric id, created from a form and replaced whole.
pub trait NumberedEntity: Saved + Send + Sync + 'static {
    /// The REST API's form.
    type Form: Send + Sync;
    /// The entity's name in messages ("export config").
    const NOUN: &'static str;
    /// The write kinds of a create and of an edit.
    const WRITES: (WriteKind, WriteKind);

    /// Its id.
    fn id(&self) -> i64;
    /// Every saved one, by id.
    fn all(snapshot: &ConfigSnapshot) -> impl Iterator<Item = &Self>;
    /// The saved one with `id`.
    fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&Self>;
    /// The rule for a create (`id` is `None`) or an edit of entity `id`.
    fn rule(
        id: Option<i64>,
        form: &Self::Form,
        snapshot: &ConfigSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError>;
}

impl NumberedEntity for HealthAuthority {
    type Form = HealthAuthorityForm;
    const NOUN: &'static str = "health authority";
    const WRITES: (WriteKind, WriteKind) = (
        WriteKind::HealthAuthorityCreate,
        WriteKind::HealthAuthorityUpdate,
    );

    fn id(&self) -> i64 {
        self.id
    }

    fn all(snapshot: &ConfigSnapshot) -> impl Iterator<Item = &Self> {
        snapshot.health_authorities()
    }

    fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&Self> {
        snapshot.health_authority(id)
    }

    fn rule(
        id: Option<i64>,
        form: &HealthAuthorityForm,
        snapshot: &ConfigSnapshot,
        _now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        match id {
            None => validation::create_health_authority(form, snapshot),
            Some(id) => validation::update_health_authority(id, form, snapshot),
        }
    }
}

impl NumberedEntity for ExportConfig {
    type Form = ExportConfigForm;
    const NOUN: &'static str = "export config";
    const WRITES: (WriteKind, WriteKind) =
        (WriteKind::ExportConfigCreate, WriteKind::ExportConfigUpdate);

    fn id(&self) -> i64 {
        self.id
    }

    fn all(snapshot: &ConfigSnapshot) -> impl Iterator<Item = &Self> {
        snapshot.export_configs()
    }

    fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&Self> {
        snapshot.export_config(id)
    }

    fn rule(
        id: Option<i64>,
        form: &ExportConfigForm,
        snapshot: &ConfigSnapshot,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        match id {
            None => validation::create_export_config(form, snapshot, now),
            Some(id) => validation::update_export_config(id, form, snapshot, now),
        }
    }
}

impl NumberedEntity for SignatureInfo {
    type Form = SignatureInfoForm;
    const NOUN: &'static str = "signature info";
    const WRITES: (WriteKind, WriteKind) = (
        WriteKind::SignatureInfoCreate,
        WriteKind::SignatureInfoUpdate,
    );

    fn id(&self) -> i64 {
        self.id
    }

    fn all(snapshot: &ConfigSnapshot) -> impl Iterator<Item = &Self> {
        snapshot.signature_infos()
    }

    fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&Self> {
        snapshot.signature_info(id)
    }

    fn rule(
        id: Option<i64>,
        form: &SignatureInfoForm,
        snapshot: &ConfigSnapshot,
        _now: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        match id {
            None => validation::create_signature_info(form, snapshot),
            Some(id) => validation::update_signature_info(id, form, snapshot),
        }
    }
}
