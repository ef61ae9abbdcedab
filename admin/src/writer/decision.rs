//! What a write decides: the events it produces (possibly none) and the value it answers with;
//! and the one "saved" event of each entity kind, so creating or editing any entity is decided
//! the same way by the API and the console.

use schemas::config::{
    AuthorizedApp, ConfigChange, ExportConfig, HealthAuthority, HealthAuthorityKey, SignatureInfo,
};

use crate::validation::AppUpdate;

/// The events a write produces (possibly none) and the value it answers with.
#[derive(Debug)]
pub struct Decision<T> {
    pub changes: Vec<ConfigChange>,
    pub result: T,
}

impl<T> Decision<T> {
    /// One event.
    pub fn one(change: ConfigChange, result: T) -> Self {
        Self {
            changes: vec![change],
            result,
        }
    }

    /// No event (the state already is as asked).
    pub fn none(result: T) -> Self {
        Self {
            changes: Vec::new(),
            result,
        }
    }

    /// The same events, answering `f(result)`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Decision<U> {
        Decision {
            changes: self.changes,
            result: f(self.result),
        }
    }

    /// The same events, answering whether there are any.
    pub fn changed(self) -> Decision<bool> {
        let changed = !self.changes.is_empty();
        self.map(|_| changed)
    }
}

/// An entity whose whole state one "saved" event records.
pub trait Saved: Clone + PartialEq {
    /// The event that saves this state.
    fn saved(self) -> ConfigChange;
}

impl<E: Saved> Decision<E> {
    /// A new entity: its saved event, and the entity as the result.
    pub fn created(entity: E) -> Self {
        Self::one(entity.clone().saved(), entity)
    }

    /// An edited entity: its saved event unless it equals `before`; the entity as the result.
    pub fn edited(before: Option<&E>, entity: E) -> Self {
        Self::saved_if(before != Some(&entity), entity)
    }

    /// An entity whose saved event is written only if it `changed`; the entity as the result.
    pub fn saved_if(changed: bool, entity: E) -> Self {
        if changed {
            Self::created(entity)
        } else {
            Self::none(entity)
        }
    }
}

impl Decision<AuthorizedApp> {
    /// An app's update, which may rename it: its events, unless the app equals `before`.
    pub fn app_update(before: Option<&AuthorizedApp>, update: AppUpdate) -> Self {
        if before == Some(&update.app) {
            Self::none(update.app)
        } else {
            Self {
                changes: update.changes,
                result: update.app,
            }
        }
    }
}

/// `Saved` for each entity kind: its state goes into the `ConfigChange` variant named.
macro_rules! saved_as {
    ($($entity:ty => $variant:ident),+ $(,)?) => {$(
        impl Saved for $entity {
            fn saved(self) -> ConfigChange {
                ConfigChange::$variant { entity: self }
            }
        }
    )+};
}

saved_as! {
    HealthAuthority => HealthAuthoritySaved,
    HealthAuthorityKey => HealthAuthorityKeySaved,
    AuthorizedApp => AuthorizedAppSaved,
    ExportConfig => ExportConfigSaved,
    SignatureInfo => SignatureInfoSaved,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: i64) -> SignatureInfo {
        SignatureInfo {
            id,
            signing_key: "k.pem".into(),
            signing_key_id: "310".into(),
            signing_key_version: "v1".into(),
            app_package_name: None,
            bundle_id: None,
            thru: None,
        }
    }

    #[test]
    fn an_edit_to_the_same_state_writes_nothing_and_a_real_one_its_saved_event() {
        let before = info(1);
        let same = Decision::edited(Some(&before), before.clone());
        assert!(same.changes.is_empty());
        assert_eq!(same.result, before);
        let mut other = before.clone();
        other.signing_key = "other.pem".into();
        let edit = Decision::edited(Some(&before), other.clone()).changed();
        assert_eq!(
            edit.changes,
            vec![ConfigChange::SignatureInfoSaved { entity: other }]
        );
        assert!(edit.result);
    }

    #[test]
    fn a_creation_writes_the_saved_event_of_its_kind() {
        let created = Decision::created(info(7));
        assert_eq!(
            created.changes,
            vec![ConfigChange::SignatureInfoSaved { entity: info(7) }]
        );
        assert_eq!(created.result.id, 7);
    }
}
