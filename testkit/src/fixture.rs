//! The conformance fixture as configuration changes: health authority 1 (`iss1`/`aud1`) and 2
//! (`iss2`/`aud2`), each with key `v1` valid since a minute before `now`, and the app
//! `com.example.app` in region `US` accepting health authority 1.

use chrono::{DateTime, Duration, Utc};
use schemas::config::{AuthorizedApp, ConfigChange, HealthAuthority, HealthAuthorityKey};

use crate::certs::SigningAuthority;

/// The fixture's app name.
pub const APP: &str = "com.example.app";

/// The whole fixture: health authority 1 signing with `first`, 2 with `second`, and [`app`].
pub fn changes(
    first: &SigningAuthority,
    second: &SigningAuthority,
    now: DateTime<Utc>,
) -> Vec<ConfigChange> {
    let mut changes = health_authority(1, "iss1", "aud1", first, now);
    changes.extend(health_authority(2, "iss2", "aud2", second, now));
    changes.push(ConfigChange::AuthorizedAppSaved { entity: app() });
    changes
}

/// A health authority `id` and its one key (version and PEM of `key`), valid since a minute
/// before `now`.
pub fn health_authority(
    id: i64,
    issuer: &str,
    audience: &str,
    key: &SigningAuthority,
    now: DateTime<Utc>,
) -> Vec<ConfigChange> {
    vec![
        ConfigChange::HealthAuthoritySaved {
            entity: HealthAuthority {
                id,
                issuer: issuer.into(),
                audience: audience.into(),
                name: format!("HA{id}"),
                jwks_uri: None,
                enable_stats: true,
            },
        },
        ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id: id,
                version: key.key_version.clone(),
                public_key_pem: key.public_key_pem.clone(),
                from: now - Duration::minutes(1),
                thru: None,
            },
        },
    ]
}

/// The fixture app: `com.example.app`, region `US`, accepting health authority 1, verifying
/// certificates and revision tokens.
pub fn app() -> AuthorizedApp {
    authorized_app(APP, &["US"], &[1])
}

/// An authorized app that verifies certificates and revision tokens.
pub fn authorized_app(name: &str, regions: &[&str], allowed: &[i64]) -> AuthorizedApp {
    AuthorizedApp {
        health_authority_id: name.into(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        allowed_health_authority_ids: allowed.to_vec(),
        bypass_health_authority_verification: false,
        bypass_revision_token: false,
    }
}
