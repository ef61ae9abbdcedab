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

/// Implements [`NumberedEntity`] from what differs between the entities: the form, the noun, the
/// write kinds, the snapshot's list and lookup, and the rules of a create and of an edit.
macro_rules! numbered_entity {
    ($entity:ty {
        form: $form:ty,
        noun: $noun:literal,
        writes: ($create_kind:ident, $update_kind:ident),
        snapshot: ($all:ident, $find:ident),
        create: $create:expr,
        update: $update:expr $(,)?
    }) => {
        impl NumberedEntity for $entity {
            type Form = $form;
            const NOUN: &'static str = $noun;
            const WRITES: (WriteKind, WriteKind) =
                (WriteKind::$create_kind, WriteKind::$update_kind);

            fn id(&self) -> i64 {
                self.id
            }

            fn all(snapshot: &ConfigSnapshot) -> impl Iterator<Item = &Self> {
                snapshot.$all()
            }

            fn find(snapshot: &ConfigSnapshot, id: i64) -> Option<&Self> {
                snapshot.$find(id)
            }

            fn rule(
                id: Option<i64>,
                form: &$form,
                snapshot: &ConfigSnapshot,
                now: DateTime<Utc>,
            ) -> Result<Self, ValidationError> {
                match id {
                    None => ($create)(form, snapshot, now),
                    Some(id) => ($update)(id, form, snapshot, now),
                }
            }
        }
    };
}

numbered_entity!(HealthAuthority {
    form: HealthAuthorityForm,
    noun: "health authority",
    writes: (HealthAuthorityCreate, HealthAuthorityUpdate),
    snapshot: (health_authorities, health_authority),
    create: |form, snapshot, _| validation::create_health_authority(form, snapshot),
    update: |id, form, snapshot, _| validation::update_health_authority(id, form, snapshot),
});

numbered_entity!(ExportConfig {
    form: ExportConfigForm,
    noun: "export config",
    writes: (ExportConfigCreate, ExportConfigUpdate),
    snapshot: (export_configs, export_config),
    create: validation::create_export_config,
    update: validation::update_export_config,
});

numbered_entity!(SignatureInfo {
    form: SignatureInfoForm,
    noun: "signature info",
    writes: (SignatureInfoCreate, SignatureInfoUpdate),
    snapshot: (signature_infos, signature_info),
    create: |form, snapshot, _| validation::create_signature_info(form, snapshot),
    update: |id, form, snapshot, _| validation::update_signature_info(id, form, snapshot),
});
