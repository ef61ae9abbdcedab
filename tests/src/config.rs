//! Seeding configuration straight onto a test's `en.config` topic, as the admin service would,
//! for tests of other services (the admin API has its own tests).

use chrono::Utc;
use schemas::config::{ConfigChange, ConfigEvent};
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

/// The conformance fixture as the end-to-end tests use it: health authority `iss1`/`aud1`
/// (id 1) with key `v1` valid since a minute ago, and app `com.example.app` in region `US`
/// accepting it (the first half of [`testkit::fixture::changes`]). Returns the signing key.
pub async fn seed_fixture(env: &TestEnv) -> SigningAuthority {
    let authority = SigningAuthority::generate("v1");
    seed_health_authority(env, 1, "iss1", "aud1", &authority).await;
    write(
        env,
        ConfigChange::AuthorizedAppSaved {
            entity: testkit::fixture::app(),
        },
    )
    .await;
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
    for change in testkit::fixture::health_authority(id, iss, aud, key, Utc::now()) {
        write(env, change).await;
    }
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
    let mut entity = testkit::fixture::authorized_app(name, regions, allowed);
    entity.bypass_health_authority_verification = bypass_verification;
    entity.bypass_revision_token = bypass_token;
    write(env, ConfigChange::AuthorizedAppSaved { entity }).await;
}
