//! Seeding configuration straight onto a test's `en.config` topic, as the admin service would,
//! for tests of other services (the admin API has its own tests).

use chrono::{Duration, Utc};
use schemas::config::{
    AuthorizedApp, ConfigChange, ConfigEvent, HealthAuthority, HealthAuthorityKey,
};
use schemas::topics::Topic;
use schemas::Envelope;

use crate::certs::SigningAuthority;
use crate::TestEnv;

/// Writes one config change to the test's `en.config` and waits for the broker's ack.
pub async fn write(env: &TestEnv, change: ConfigChange) {
    let producer = env.kafka.producer().expect("producer");
    let key = change.entity_key();
    let envelope = Envelope::new(
        ConfigEvent {
            actor: "test".into(),
            change,
        },
        None,
    );
    platform::kafka::produce(
        &producer,
        &env.kafka.topic(Topic::Config),
        &key,
        &envelope,
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("config event acknowledged");
}

/// The conformance fixture: health authority `iss1`/`aud1` (id 1) with key `v1` valid since a
/// minute ago, and app `com.example.app` in region `US` accepting it. Returns the signing key.
pub async fn seed_fixture(env: &TestEnv) -> SigningAuthority {
    let authority = SigningAuthority::generate("v1");
    seed_health_authority(env, 1, "iss1", "aud1", &authority).await;
    seed_app(env, "com.example.app", &["US"], &[1], false, false).await;
    authority
}

/// A health authority with one key valid since a minute ago.
pub async fn seed_health_authority(
    env: &TestEnv,
    id: i64,
    iss: &str,
    aud: &str,
    key: &SigningAuthority,
) {
    write(
        env,
        ConfigChange::HealthAuthoritySaved {
            entity: HealthAuthority {
                id,
                issuer: iss.into(),
                audience: aud.into(),
                name: format!("Authority {id}"),
                jwks_uri: None,
                enable_stats: true,
            },
        },
    )
    .await;
    write(
        env,
        ConfigChange::HealthAuthorityKeySaved {
            entity: HealthAuthorityKey {
                health_authority_id: id,
                version: key.key_version.clone(),
                public_key_pem: key.public_key_pem.clone(),
                from: Utc::now() - Duration::minutes(1),
                thru: None,
            },
        },
    )
    .await;
}

/// An authorized app.
pub async fn seed_app(
    env: &TestEnv,
    name: &str,
    regions: &[&str],
    allowed: &[i64],
    bypass_verification: bool,
    bypass_token: bool,
) {
    write(
        env,
        ConfigChange::AuthorizedAppSaved {
            entity: AuthorizedApp {
                health_authority_id: name.into(),
                regions: regions.iter().map(|r| (*r).to_owned()).collect(),
                allowed_health_authority_ids: allowed.to_vec(),
                bypass_health_authority_verification: bypass_verification,
                bypass_revision_token: bypass_token,
            },
        },
    )
    .await;
}
