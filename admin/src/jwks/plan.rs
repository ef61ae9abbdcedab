//! What a JWKS sync changes for one health authority: a pure function of the stored keys, the
//! published document (if it could be fetched), the time and the cleanup TTL.
//!
//! In the reference's order:
//! 1. stored keys whose end (`thru`) is older than `now - cleanup_ttl` are deleted;
//! 2. only if the document was fetched, the remaining stored keys are compared with the published
//!    ones **by key** (the public point; PEM layout and `kid` do not matter):
//!    - a stored key that is not published and not yet ended is revoked (`thru = now`, never
//!      before its `from`);
//!    - a published key that is not stored is added with `version = kid`, `from = now`, unless
//!      its `kid` is already the version of a different stored key (reported as a conflict).
//!
//! A revoked key that is published again is not reinstated: that is an operator's decision.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::{ConfigChange, HealthAuthorityKey};
use serde::Serialize;

use super::document::PublishedKey;
use crate::validation::pem::{fingerprint, parse_public_key_pem};

/// The changes for one health authority, and their summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPlan {
    /// Versions added.
    pub added: Vec<String>,
    /// Versions revoked.
    pub revoked: Vec<String>,
    /// Versions deleted after the cleanup TTL.
    pub deleted: Vec<String>,
    /// Published keys that could not be added, with the reason.
    pub conflicts: Vec<String>,
    /// The events to write.
    #[serde(skip)]
    pub changes: Vec<ConfigChange>,
}

/// Plans the sync of health authority `health_authority_id`.
pub fn plan(
    snapshot: &ConfigSnapshot,
    health_authority_id: i64,
    published: Option<&[PublishedKey]>,
    now: DateTime<Utc>,
    cleanup_ttl: chrono::Duration,
) -> SyncPlan {
    let mut plan = SyncPlan::default();
    // No cutoff when the TTL reaches before the start of time: then nothing is old enough.
    let cutoff = now.checked_sub_signed(cleanup_ttl);
    let mut remaining: Vec<&HealthAuthorityKey> = Vec::new();
    for key in snapshot.keys_of(health_authority_id) {
        if key
            .thru
            .zip(cutoff)
            .is_some_and(|(thru, cutoff)| thru < cutoff)
        {
            plan.deleted.push(key.version.clone());
            plan.changes.push(ConfigChange::HealthAuthorityKeyDeleted {
                health_authority_id,
                version: key.version.clone(),
            });
        } else {
            remaining.push(key);
        }
    }
    let Some(published) = published else {
        return plan;
    };
    let stored: Vec<(&HealthAuthorityKey, Option<Vec<u8>>)> = remaining
        .into_iter()
        .map(|key| (key, stored_fingerprint(key)))
        .collect();
    let published_fingerprints: Vec<Vec<u8>> =
        published.iter().map(|p| p.key.fingerprint()).collect();

    for (key, print) in &stored {
        let still_published = print
            .as_ref()
            .is_some_and(|p| published_fingerprints.contains(p));
        let ended = key.thru.is_some_and(|thru| thru <= now);
        if !still_published && !ended {
            let mut revoked = (*key).clone();
            revoked.thru = Some(now.max(key.from));
            plan.revoked.push(revoked.version.clone());
            plan.changes
                .push(ConfigChange::HealthAuthorityKeySaved { entity: revoked });
        }
    }
    for (published_key, print) in published.iter().zip(&published_fingerprints) {
        if stored.iter().any(|(_, p)| p.as_ref() == Some(print)) {
            continue;
        }
        if stored
            .iter()
            .any(|(key, _)| key.version == published_key.version)
        {
            plan.conflicts.push(format!(
                "kid {:?} is already the version of a different stored key",
                published_key.version
            ));
            continue;
        }
        plan.added.push(published_key.version.clone());
        plan.changes.push(ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id,
                version: published_key.version.clone(),
                public_key_pem: published_key.key.pem.clone(),
                from: now,
                thru: None,
            },
        });
    }
    plan
}

/// The public point of a stored key; `None` if its PEM no longer parses (then it never matches).
fn stored_fingerprint(key: &HealthAuthorityKey) -> Option<Vec<u8>> {
    parse_public_key_pem(&key.public_key_pem)
        .ok()
        .map(|parsed| fingerprint(&parsed.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::pem::EcPublicKey;
    use crate::validation::test_support::at;
    use schemas::config::HealthAuthority;

    fn published(version: &str, seed: u8) -> PublishedKey {
        let secret = p256::SecretKey::from_slice(&[seed; 32]).unwrap_or_else(|e| panic!("{e}"));
        PublishedKey {
            version: version.into(),
            key: EcPublicKey::from_key(secret.public_key()).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    fn snapshot(keys: &[(&str, u8, i64, Option<i64>)]) -> ConfigSnapshot {
        let mut snapshot = ConfigSnapshot::default();
        snapshot.apply(&ConfigChange::HealthAuthoritySaved {
            entity: HealthAuthority {
                id: 1,
                issuer: "iss".into(),
                audience: "aud".into(),
                name: "n".into(),
                jwks_uri: Some("http://127.0.0.1/jwks".into()),
                enable_stats: true,
            },
        });
        for (version, seed, from, thru) in keys {
            snapshot.apply(&ConfigChange::HealthAuthorityKeySaved {
                entity: HealthAuthorityKey {
                    health_authority_id: 1,
                    version: (*version).into(),
                    public_key_pem: published(version, *seed).key.pem,
                    from: at(*from),
                    thru: thru.map(at),
                },
            });
        }
        snapshot
    }

    const TTL: chrono::Duration = chrono::Duration::hours(720);

    #[test]
    fn new_keys_are_added_from_now_and_vanished_ones_revoked() {
        let s = snapshot(&[("old", 1, 0, None)]);
        let p = plan(&s, 1, Some(&[published("new", 2)]), at(100), TTL);
        assert_eq!(
            (p.added, p.revoked),
            (vec!["new".to_owned()], vec!["old".to_owned()])
        );
        let ConfigChange::HealthAuthorityKeySaved { entity: revoked } = &p.changes[0] else {
            panic!()
        };
        assert_eq!(revoked.thru, Some(at(100)));
        let ConfigChange::HealthAuthorityKeySaved { entity: added } = &p.changes[1] else {
            panic!()
        };
        assert_eq!((added.from, added.thru), (at(100), None));
    }

    #[test]
    fn unchanged_document_changes_nothing_even_with_another_kid() {
        let s = snapshot(&[("v1", 1, 0, None)]);
        assert_eq!(
            plan(&s, 1, Some(&[published("renamed", 1)]), at(100), TTL),
            SyncPlan::default()
        );
    }

    #[test]
    fn ended_keys_are_not_revoked_again_nor_re_added() {
        let s = snapshot(&[("v1", 1, 0, Some(50))]);
        assert_eq!(plan(&s, 1, Some(&[]), at(100), TTL), SyncPlan::default());
        assert_eq!(
            plan(&s, 1, Some(&[published("v1", 1)]), at(100), TTL),
            SyncPlan::default()
        );
    }

    #[test]
    fn keys_ended_longer_than_the_ttl_are_deleted_even_when_the_fetch_failed() {
        let s = snapshot(&[("gone", 1, 0, Some(10)), ("recent", 2, 0, Some(90))]);
        let later = at(10) + TTL + chrono::Duration::seconds(1);
        let p = plan(&s, 1, None, later, TTL);
        assert_eq!(p.deleted, ["gone"]);
        assert_eq!(p.changes.len(), 1);
    }

    #[test]
    fn a_kid_taken_by_another_key_is_a_conflict() {
        let s = snapshot(&[("v1", 1, 0, None)]);
        let p = plan(
            &s,
            1,
            Some(&[published("v1", 1), published("v1", 2)]),
            at(100),
            TTL,
        );
        // The document is assumed de-duplicated by kid; here the second entry collides.
        assert_eq!(p.conflicts.len(), 1);
        assert!(p.changes.is_empty());
    }
}
