//! Authorized apps (the UI's "Authorized Health Authorities"): who may publish, and with which
//! regions and trusted certificate issuers.
//!
//! The id is the `healthAuthorityID` clients send, stored lower-case (publish matches it
//! case-insensitively). At least one region is required: blank entries (empty lines of a
//! textarea) are dropped, the rest trimmed and de-duplicated in order. Every allowed health
//! authority must exist; an unknown one is a 400 on `allowedHealthAuthorityIDs`.
//! An update may rename the app: the new name is saved first, then the old one deleted, so a
//! failure between the two leaves the app reachable under both names rather than neither.

use config::ConfigSnapshot;
use schemas::config::{AuthorizedApp, ConfigChange};
use serde::Deserialize;

use super::{distinct, Problems, ValidationError};

/// What an operator submits to create or replace an authorized app.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizedAppForm {
    /// The app's `healthAuthorityID`. On update, blank keeps the name from the path; a different
    /// name renames the app.
    #[serde(default, rename = "healthAuthorityID")]
    pub health_authority_id: String,
    /// Regions stamped on its keys; at least one.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Health authorities whose certificates it accepts.
    #[serde(default, rename = "allowedHealthAuthorityIDs")]
    pub allowed_health_authority_ids: Vec<i64>,
    /// Accept uploads whose certificate fails verification (development only).
    #[serde(default)]
    pub bypass_health_authority_verification: bool,
    /// Allow revisions without a valid revision token (development only).
    #[serde(default)]
    pub bypass_revision_token: bool,
}

/// The outcome of an update: the new state and the events that produce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUpdate {
    pub app: AuthorizedApp,
    pub changes: Vec<ConfigChange>,
}

/// A conflict on `healthAuthorityID`, worded by `message`, when an app is named `name` already.
fn free_name(
    snapshot: &ConfigSnapshot,
    name: &str,
    message: impl FnOnce(&str) -> String,
) -> Result<(), ValidationError> {
    match snapshot.app(name) {
        Some(_) => Err(ValidationError::conflict(
            "healthAuthorityID",
            message(name),
        )),
        None => Ok(()),
    }
}

/// Validates a new app; its id must not be taken.
pub fn create_app(
    form: &AuthorizedAppForm,
    snapshot: &ConfigSnapshot,
) -> Result<AuthorizedApp, ValidationError> {
    let app = checked(form, &form.health_authority_id, snapshot)?;
    free_name(snapshot, &app.health_authority_id, |name| {
        format!("authorized app {name:?} already exists")
    })?;
    Ok(app)
}

/// Validates the full new state of app `current` (which must exist), possibly renaming it.
pub fn update_app(
    current: &str,
    form: &AuthorizedAppForm,
    snapshot: &ConfigSnapshot,
) -> Result<AppUpdate, ValidationError> {
    let Some(existing) = snapshot.app(current) else {
        return Err(ValidationError::not_found(format!(
            "no authorized app {current:?}"
        )));
    };
    let old_name = existing.health_authority_id.clone();
    let name = if form.health_authority_id.trim().is_empty() {
        old_name.as_str()
    } else {
        form.health_authority_id.as_str()
    };
    let app = checked(form, name, snapshot)?;
    let mut changes = vec![ConfigChange::AuthorizedAppSaved {
        entity: app.clone(),
    }];
    if app.health_authority_id != old_name {
        free_name(snapshot, &app.health_authority_id, |name| {
            format!("cannot rename to {name:?}: that authorized app already exists")
        })?;
        changes.push(ConfigChange::AuthorizedAppDeleted {
            health_authority_id: old_name,
        });
    }
    Ok(AppUpdate { app, changes })
}

/// Checks that app `name` exists and returns the event deleting it.
pub fn delete_app(name: &str, snapshot: &ConfigSnapshot) -> Result<ConfigChange, ValidationError> {
    match snapshot.app(name) {
        Some(app) => Ok(ConfigChange::AuthorizedAppDeleted {
            health_authority_id: app.health_authority_id.clone(),
        }),
        None => Err(ValidationError::not_found(format!(
            "no authorized app {name:?}"
        ))),
    }
}

fn checked(
    form: &AuthorizedAppForm,
    name: &str,
    snapshot: &ConfigSnapshot,
) -> Result<AuthorizedApp, ValidationError> {
    let mut problems = Problems::default();
    let name = problems
        .required_text("healthAuthorityID", name)
        .to_lowercase();
    let mut regions: Vec<String> = Vec::new();
    for region in form
        .regions
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        if region.len() > super::MAX_TEXT_LEN || region.chars().any(char::is_control) {
            problems.add(
                "regions",
                format!("region {region:?} is not a valid region code"),
            );
        } else if !regions.iter().any(|r| r == region) {
            regions.push(region.to_owned());
        }
    }
    if regions.is_empty() && form.regions.iter().all(|r| r.trim().is_empty()) {
        problems.add("regions", "at least one region is required");
    }
    let allowed = distinct(&form.allowed_health_authority_ids);
    problems.unknown_ids(
        "allowedHealthAuthorityIDs",
        "health authority",
        &allowed,
        |id| snapshot.health_authority(id).is_some(),
    );
    problems.finish()?;
    Ok(AuthorizedApp {
        health_authority_id: name,
        regions,
        allowed_health_authority_ids: allowed,
        bypass_health_authority_verification: form.bypass_health_authority_verification,
        bypass_revision_token: form.bypass_revision_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::test_support::{refused, snapshot_with_two_authorities};
    use crate::validation::Rejection;

    fn form(name: &str, regions: &[&str], allowed: &[i64]) -> AuthorizedAppForm {
        AuthorizedAppForm {
            health_authority_id: name.into(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            allowed_health_authority_ids: allowed.to_vec(),
            ..Default::default()
        }
    }

    fn saved(snapshot: &mut ConfigSnapshot, f: &AuthorizedAppForm) {
        let app = create_app(f, snapshot).unwrap_or_else(|e| panic!("{e}"));
        snapshot.apply(&ConfigChange::AuthorizedAppSaved { entity: app });
    }

    fn fields(e: &ValidationError) -> Vec<&'static str> {
        e.problems.iter().filter_map(|p| p.field).collect()
    }

    #[test]
    fn name_is_lower_cased_and_regions_trimmed_and_deduplicated() {
        let snapshot = snapshot_with_two_authorities();
        let app = create_app(
            &form(" Com.Example.App ", &[" US ", "", "US", "CA"], &[2, 1, 2]),
            &snapshot,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(app.health_authority_id, "com.example.app");
        assert_eq!(app.regions, ["US", "CA"]);
        assert_eq!(app.allowed_health_authority_ids, [2, 1]);
    }

    #[test]
    fn empty_name_and_empty_regions_are_both_reported() {
        let snapshot = snapshot_with_two_authorities();
        for regions in [&[][..], &["", "  "][..]] {
            let e = refused(create_app(&form(" ", regions, &[]), &snapshot));
            assert_eq!(e.rejection, Rejection::Invalid);
            assert_eq!(fields(&e), ["healthAuthorityID", "regions"]);
        }
    }

    #[test]
    fn unknown_allowed_authority_is_a_bad_request() {
        let snapshot = snapshot_with_two_authorities();
        let e = refused(create_app(&form("app", &["US"], &[1, 42]), &snapshot));
        assert_eq!(
            (e.rejection, fields(&e)),
            (Rejection::Invalid, vec!["allowedHealthAuthorityIDs"])
        );
        assert!(e.to_string().contains("42"), "{e}");
    }

    #[test]
    fn duplicate_app_conflicts_case_insensitively() {
        let mut snapshot = snapshot_with_two_authorities();
        saved(&mut snapshot, &form("com.example.app", &["US"], &[]));
        let e = refused(create_app(
            &form("COM.example.APP", &["US"], &[]),
            &snapshot,
        ));
        assert_eq!(e.rejection, Rejection::Conflict);
    }

    #[test]
    fn update_keeps_or_renames_and_checks_existence() {
        let mut snapshot = snapshot_with_two_authorities();
        saved(&mut snapshot, &form("a", &["US"], &[]));
        saved(&mut snapshot, &form("b", &["US"], &[]));
        let update =
            update_app("A", &form("", &["CA"], &[1]), &snapshot).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(update.app.health_authority_id, "a");
        assert_eq!(update.changes.len(), 1);
        let rename =
            update_app("a", &form("C", &["CA"], &[]), &snapshot).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rename.changes.last(),
            Some(&ConfigChange::AuthorizedAppDeleted {
                health_authority_id: "a".into()
            })
        );
        let e = refused(update_app("a", &form("b", &["CA"], &[]), &snapshot));
        assert_eq!(e.rejection, Rejection::Conflict);
        let e = refused(update_app("zz", &form("", &["CA"], &[]), &snapshot));
        assert_eq!(e.rejection, Rejection::NotFound);
        assert!(delete_app("B", &snapshot).is_ok());
        assert_eq!(
            delete_app("zz", &snapshot).map_err(|e| e.rejection),
            Err(Rejection::NotFound)
        );
    }

    proptest::proptest! {
        #[test]
        fn accepted_apps_are_normalized(
            name in "[ A-Za-z.]{0,12}",
            regions in proptest::collection::vec("[ A-Z]{0,4}", 0..5),
        ) {
            let snapshot = snapshot_with_two_authorities();
            let f = AuthorizedAppForm {
                health_authority_id: name.clone(),
                regions: regions.clone(),
                ..Default::default()
            };
            match create_app(&f, &snapshot) {
                Ok(app) => {
                    proptest::prop_assert_eq!(&app.health_authority_id, &name.trim().to_lowercase());
                    proptest::prop_assert!(!app.health_authority_id.is_empty());
                    proptest::prop_assert!(!app.regions.is_empty());
                    for (i, region) in app.regions.iter().enumerate() {
                        proptest::prop_assert!(!region.is_empty() && region.trim() == region);
                        proptest::prop_assert!(!app.regions[..i].contains(region));
                    }
                }
                Err(e) => proptest::prop_assert!(
                    name.trim().is_empty() || regions.iter().all(|r| r.trim().is_empty()),
                    "unexpected rejection: {}", e
                ),
            }
        }
    }
}
