//! Health-authority keys: adding one, and the revoke / reinstate / activate actions.
//!
//! A key is identified by `(health authority, version)`; the version is the JWT `kid`. Times are
//! RFC 3339; `from` defaults to now, `thru` (optional) must be after `from`. A key verifies at
//! `t` when `from < t` and (`thru` unset or `t < thru`).

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::HealthAuthorityKey;
use serde::{Deserialize, Serialize};

use super::pem::parse_public_key_pem;
use super::{rfc3339_time, Problems, ValidationError};

/// What an operator submits to add a key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthAuthorityKeyForm {
    /// The JWT `kid` this key answers to; unique within the health authority.
    #[serde(default)]
    pub version: String,
    /// ECDSA P-256 public key, PEM `PUBLIC KEY`.
    #[serde(default)]
    pub public_key_pem: String,
    /// Start of validity (RFC 3339); blank means now.
    #[serde(default)]
    pub from: Option<String>,
    /// End of validity (RFC 3339); blank means none.
    #[serde(default)]
    pub thru: Option<String>,
}

/// Where a key stands at a given time, as the console badges show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyStatus {
    /// Verifies certificates now.
    Current,
    /// Becomes valid later.
    Future,
    /// Revoked or expired.
    Inactive,
}

/// The status of `key` at `now`. A key whose `from` is exactly now counts as current (it
/// verifies from the next instant on), so a key added "from now" is shown as current.
pub fn key_status(key: &HealthAuthorityKey, now: DateTime<Utc>) -> KeyStatus {
    if key.thru.is_some_and(|thru| thru <= now || thru <= key.from) {
        KeyStatus::Inactive
    } else if key.from > now {
        KeyStatus::Future
    } else {
        KeyStatus::Current
    }
}

/// Validates a new key of health authority `health_authority_id` at time `now`.
pub fn add_key(
    health_authority_id: i64,
    form: &HealthAuthorityKeyForm,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<HealthAuthorityKey, ValidationError> {
    if snapshot.health_authority(health_authority_id).is_none() {
        return Err(ValidationError::not_found(format!(
            "no health authority with id {health_authority_id}"
        )));
    }
    let mut problems = Problems::default();
    let version = problems.required_text("version", &form.version);
    let public_key_pem = match parse_public_key_pem(&form.public_key_pem) {
        Ok(key) => key.pem,
        Err(message) => {
            problems.add("publicKeyPem", message);
            String::new()
        }
    };
    let from = parse_time(&mut problems, "from", form.from.as_deref()).unwrap_or(now);
    let thru = parse_time(&mut problems, "thru", form.thru.as_deref());
    if let Some(thru) = thru.filter(|thru| *thru <= from) {
        problems.add(
            "thru",
            format!(
                "thru ({}) must be after from ({})",
                thru.to_rfc3339(),
                from.to_rfc3339()
            ),
        );
    }
    problems.finish()?;
    if snapshot.key(health_authority_id, &version).is_some() {
        return Err(ValidationError::conflict(
            "version",
            format!(
                "health authority {health_authority_id} already has a key with version {version:?}"
            ),
        ));
    }
    Ok(HealthAuthorityKey {
        health_authority_id,
        version,
        public_key_pem,
        from,
        thru,
    })
}

/// Parses an optional RFC 3339 time; blank is `None`. Problems are recorded on `field`.
fn parse_time(
    problems: &mut Problems,
    field: &'static str,
    text: Option<&str>,
) -> Option<DateTime<Utc>> {
    rfc3339_time(field, text.unwrap_or_default()).unwrap_or_else(|message| {
        problems.add(field, message);
        None
    })
}

/// The state-changing actions on an existing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// `thru = now`, never earlier than `from`.
    Revoke,
    /// `thru` cleared ("clear expiry time").
    Reinstate,
    /// A future key becomes valid now (`from = now`).
    Activate,
}

impl KeyAction {
    /// Looks up the key, applies the action at `now`, and returns the new state and whether it
    /// changed: a revoke sets `thru = max(now, from)` (a key that already ended stays as it
    /// is); a reinstate clears the end of validity; an activate makes a future key valid from
    /// now (a key already valid, or past, is left as it is).
    pub fn apply(
        self,
        health_authority_id: i64,
        version: &str,
        snapshot: &ConfigSnapshot,
        now: DateTime<Utc>,
    ) -> Result<(HealthAuthorityKey, bool), ValidationError> {
        if snapshot.health_authority(health_authority_id).is_none() {
            return Err(ValidationError::not_found(format!(
                "no health authority with id {health_authority_id}"
            )));
        }
        let Some(current) = snapshot.key(health_authority_id, version) else {
            return Err(ValidationError::not_found(format!(
                "health authority {health_authority_id} has no key with version {version:?}"
            )));
        };
        let mut key = current.clone();
        match self {
            // Revoking an already ended key keeps its end: moving it to now would re-open the past.
            KeyAction::Revoke if key.thru.is_some_and(|thru| thru <= now) => {}
            KeyAction::Revoke => key.thru = Some(now.max(key.from)),
            KeyAction::Reinstate => key.thru = None,
            KeyAction::Activate if key.from > now => {
                key.from = now;
                if key.thru.is_some_and(|thru| thru <= now) {
                    key.thru = None;
                }
            }
            KeyAction::Activate => {}
        }
        let changed = key != *current;
        Ok((key, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::test_support::{
        at, refused, snapshot_with_two_authorities, P256_PEM, RSA_PEM,
    };
    use crate::validation::Rejection;
    use schemas::config::ConfigChange;

    fn form(version: &str, pem: &str) -> HealthAuthorityKeyForm {
        HealthAuthorityKeyForm {
            version: version.into(),
            public_key_pem: pem.into(),
            ..Default::default()
        }
    }

    fn field_of(e: &ValidationError) -> Option<&'static str> {
        e.first().and_then(|p| p.field)
    }

    fn with_key(from: i64, thru: Option<i64>) -> ConfigSnapshot {
        let mut snapshot = snapshot_with_two_authorities();
        snapshot.apply(&ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id: 1,
                version: "v1".into(),
                public_key_pem: P256_PEM.into(),
                from: at(from),
                thru: thru.map(at),
            },
        });
        snapshot
    }

    #[test]
    fn from_defaults_to_now_and_pem_is_normalized() {
        let snapshot = snapshot_with_two_authorities();
        let f = form(" v1 ", &format!("{}\r\n", P256_PEM.replace('\n', "\r\n")));
        let key = add_key(1, &f, &snapshot, at(0)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (key.version.as_str(), key.from, key.thru),
            ("v1", at(0), None)
        );
        assert_eq!(key.public_key_pem, P256_PEM);
    }

    #[test]
    fn bad_pem_and_rsa_key_are_invalid_on_the_pem_field() {
        let snapshot = snapshot_with_two_authorities();
        for pem in ["", "garbage", RSA_PEM] {
            let Err(e) = add_key(1, &form("v1", pem), &snapshot, at(0)) else {
                panic!("{pem:?} accepted")
            };
            assert_eq!(
                (e.rejection, field_of(&e)),
                (Rejection::Invalid, Some("publicKeyPem"))
            );
        }
        let e = refused(add_key(1, &form("v1", RSA_PEM), &snapshot, at(0)));
        assert!(e.to_string().contains("RSA"), "{e}");
    }

    #[test]
    fn times_must_parse_and_thru_must_follow_from() {
        let snapshot = snapshot_with_two_authorities();
        let mut f = form("v1", P256_PEM);
        f.from = Some("yesterday".into());
        let e = refused(add_key(1, &f, &snapshot, at(0)));
        assert_eq!(field_of(&e), Some("from"));
        f.from = Some("2024-05-01T10:00:00+02:00".into());
        f.thru = Some("2024-05-01T08:00:00Z".into());
        let e = refused(add_key(1, &f, &snapshot, at(0)));
        assert_eq!(field_of(&e), Some("thru"));
        f.thru = Some("2024-05-01T08:00:01Z".into());
        let key = add_key(1, &f, &snapshot, at(0)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.from.to_rfc3339(), "2024-05-01T08:00:00+00:00");
    }

    #[test]
    fn version_is_required_and_unique_per_authority() {
        let snapshot = with_key(0, None);
        let e = refused(add_key(1, &form("  ", P256_PEM), &snapshot, at(0)));
        assert_eq!(field_of(&e), Some("version"));
        let e = refused(add_key(1, &form("v1", P256_PEM), &snapshot, at(0)));
        assert_eq!(
            (e.rejection, field_of(&e)),
            (Rejection::Conflict, Some("version"))
        );
        assert!(add_key(2, &form("v1", P256_PEM), &snapshot, at(0)).is_ok());
        let e = refused(add_key(7, &form("v1", P256_PEM), &snapshot, at(0)));
        assert_eq!(e.rejection, Rejection::NotFound);
    }

    #[test]
    fn revoke_sets_thru_to_now_clamped_to_from_and_is_idempotent() {
        let (key, changed) = KeyAction::Revoke
            .apply(1, "v1", &with_key(0, None), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((key.thru, changed), (Some(at(10)), true));
        let (key, _) = KeyAction::Revoke
            .apply(1, "v1", &with_key(100, None), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.thru, Some(at(100)), "never before from");
        let (key, changed) = KeyAction::Revoke
            .apply(1, "v1", &with_key(0, Some(5)), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((key.thru, changed), (Some(at(5)), false));
        let e = refused(KeyAction::Revoke.apply(1, "v9", &with_key(0, None), at(10)));
        assert_eq!(e.rejection, Rejection::NotFound);
    }

    #[test]
    fn reinstate_and_activate() {
        let (key, changed) = KeyAction::Reinstate
            .apply(1, "v1", &with_key(0, Some(5)), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((key.thru, changed), (None, true));
        let (key, changed) = KeyAction::Activate
            .apply(1, "v1", &with_key(100, None), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((key.from, changed), (at(10), true));
        let (_, changed) = KeyAction::Activate
            .apply(1, "v1", &with_key(0, None), at(10))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!changed);
    }

    #[test]
    fn status_badges() {
        let key = |from, thru: Option<i64>| HealthAuthorityKey {
            health_authority_id: 1,
            version: "v".into(),
            public_key_pem: String::new(),
            from: at(from),
            thru: thru.map(at),
        };
        assert_eq!(key_status(&key(0, None), at(1)), KeyStatus::Current);
        assert_eq!(key_status(&key(1, None), at(1)), KeyStatus::Current);
        assert_eq!(key_status(&key(5, Some(9)), at(1)), KeyStatus::Future);
        assert_eq!(key_status(&key(5, None), at(1)), KeyStatus::Future);
        assert_eq!(key_status(&key(0, Some(1)), at(1)), KeyStatus::Inactive);
    }
}
