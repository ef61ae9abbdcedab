//! Building and producing pipeline events directly, to test the processor and projector
//! without the edge in front of them.

use std::time::Duration;

use chrono::Utc;
use schemas::api::ExposureKey;
use schemas::publish::{
    Platform, PublishReceived, PublishSettings, RevisionTokenState, SentKey, VerifiedClaims,
};
use schemas::topics::Topic;
use schemas::Envelope;
use uuid::Uuid;

use crate::TestEnv;

/// The seed's default publish settings.
pub fn default_settings() -> PublishSettings {
    domain::convert::publish_settings(&domain::PublishPolicy::default(), false)
}

/// Verified claims of health authority 1 with `report_type`.
pub fn claims(report_type: &str) -> Option<VerifiedClaims> {
    Some(VerifiedClaims {
        health_authority_id: 1,
        report_type: report_type.to_owned(),
        symptom_onset_interval: 0,
    })
}

/// A received publish of `keys` for `com.example.app` in region US, now.
pub fn received(
    keys: &[ExposureKey],
    claims: Option<VerifiedClaims>,
    token: RevisionTokenState,
) -> PublishReceived {
    PublishReceived {
        authorized_app: "com.example.app".into(),
        batch_time: Utc::now(),
        regions: vec!["US".into()],
        claims,
        keys: keys
            .iter()
            .map(|k| SentKey {
                key: k.key.clone(),
                rolling_start_number: k.rolling_start_number,
                rolling_period: k.rolling_period,
                transmission_risk: k.transmission_risk,
            })
            .collect(),
        symptom_onset_interval: 0,
        traveler: false,
        platform: Platform::Android,
        revision_token: token,
        require_revision_token: true,
        settings: default_settings(),
        upload_digest: None,
        reply_to: "test".into(),
    }
}

/// Produces `event` to the test's received topic under a new request id; returns the id.
pub async fn produce_received(
    env: &TestEnv,
    producer: &rdkafka::producer::FutureProducer,
    event: PublishReceived,
) -> Uuid {
    let request_id = Uuid::new_v4();
    let key = event.authorized_app.clone();
    let envelope = Envelope::new(event, Some(request_id));
    platform::kafka::produce(
        producer,
        &env.kafka.topic(Topic::PublishReceived),
        &key,
        &envelope,
        Duration::from_secs(10),
    )
    .await
    .expect("received event acknowledged");
    request_id
}

/// The bytes of a processed-topic record for a fresh confirmed publish of `keys` keys (days 1..=keys
/// ago), as the processor would produce it, with a request id. For load runs of the projector.
pub fn processed_payload(keys: usize) -> Vec<u8> {
    let keys: Vec<_> = (1..=i32::try_from(keys).unwrap_or(i32::MAX))
        .map(crate::keys::k)
        .collect();
    let event = processor::process(&received(
        &keys,
        claims("confirmed"),
        RevisionTokenState::Absent,
    ));
    Envelope::new(event, Some(Uuid::new_v4()))
        .to_bytes()
        .unwrap_or_default()
}
