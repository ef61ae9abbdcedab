//! What an accepted publish puts on `en.publish.received` against the real Kafka (exactly one
//! event, keyed by the authorized app, carrying everything the pipeline needs), the edge's own
//! answer when no outcome arrives in time (degraded mode), and broker failures: an event the
//! broker never acknowledges is a 503, and without a broker nothing is acknowledged.
//!
//! The edge's validation rules (content type, JSON, body limit, apps and regions, certificates,
//! key checks, chaff, maintenance, v1alpha1) are tested once, without Kafka, in `ingest`'s router
//! and unit tests and in `domain::transform`'s tests.

use std::time::Duration;

use harness::certs::SigningAuthority;
use harness::config::seed_fixture;
use harness::edge::{received_events, start_ingest, wait_events, Client, Device, APP};
use harness::keys::{k, today_midnight};
use harness::{spawn, TestEnv};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use schemas::publish::{Platform, RevisionTokenState};
use schemas::topics::Topic;
use serde_json::json;

#[tokio::test]
async fn accepted_publish_puts_exactly_one_event_keyed_by_the_app() {
    let env = TestEnv::new().await;
    let authority = seed_fixture(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1), k(2), k(3)];
    let mut b = device.body(&authority, "confirmed", &keys);
    b["symptomOnsetInterval"] = json!(today_midnight() - 2 * 144);
    b["traveler"] = json!(true);
    let r = c
        .send(
            "/v1/publish",
            Some("application/json"),
            &[("User-Agent", "ExposureApp/1 CFNetwork Darwin iPhone")],
            b.to_string(),
        )
        .await;
    let json = r.expect(200, None);
    assert_eq!(json["insertedExposures"], 3);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = received_events(&env).await;
    assert_eq!(events.len(), 1, "exactly one event per accepted publish");
    let envelope = &events[0];
    assert_eq!(envelope.event_type, "publish.received");
    assert!(envelope.request_id.is_some());
    let e = &envelope.payload;
    assert_eq!(e.authorized_app, APP);
    assert_eq!(e.regions, ["US"]);
    let claims = e.claims.as_ref().unwrap();
    assert_eq!(
        (claims.health_authority_id, claims.report_type.as_str()),
        (1, "confirmed")
    );
    let mut sent: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(
        e.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        sent,
        "keys as sent, in key-string order"
    );
    assert!(e
        .keys
        .iter()
        .all(|k| k.rolling_period == 144 && k.transmission_risk == 0));
    assert_eq!(e.symptom_onset_interval, today_midnight() - 2 * 144);
    assert!(e.traveler);
    assert_eq!(e.platform, Platform::Ios);
    assert_eq!(e.revision_token, RevisionTokenState::Absent);
    assert!(e.require_revision_token);
    assert_eq!(e.settings.max_symptom_onset_days, 21);
    assert_eq!(e.settings.max_keys_on_publish, 30);
    assert!(!e.settings.allow_partial_failure);
    assert!(e.reply_to.starts_with("ingest-"));
    assert!((chrono::Utc::now() - e.batch_time).num_seconds() < 30);

    // The event is keyed by the authorized app.
    let env2 = env.clone();
    let keys_on_topic = tokio::task::spawn_blocking(move || record_keys(&env2))
        .await
        .unwrap();
    assert_eq!(keys_on_topic, [APP.to_owned()]);
}

fn record_keys(env: &TestEnv) -> Vec<String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    let name = env.kafka.topic(Topic::PublishReceived);
    let consumer: BaseConsumer = env
        .kafka
        .client_config()
        .set("group.id", format!("keys-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[&name]).unwrap();
    let mut keys = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while keys.is_empty() && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            keys.push(String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned());
        }
    }
    keys
}

#[tokio::test]
async fn degraded_mode_answers_from_the_edge() {
    let env = TestEnv::new().await;
    let authority = seed_fixture(&env).await;
    let ingest = start_ingest(&env, &[("PUBLISH_OUTCOME_WAIT", "0")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let keys = vec![k(1), k(2)];
    let json = c
        .publish(&device.body(&authority, "confirmed", &keys))
        .await
        .expect(200, None);
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(c.metric("keyserver_publish_degraded_total").await, 1.0);
    assert_eq!(wait_events(&env, 1).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Broker failures

/// Creates only `topics` under a fresh prefix; returns a TestEnv pointing at that prefix.
async fn env_with_only(base: &TestEnv, topics: &[Topic]) -> TestEnv {
    let mut env = base.clone();
    env.prefix = format!("t{}.", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    env.kafka = platform::kafka::KafkaSettings::local(&env.infra.kafka_brokers, &env.prefix);
    let admin: AdminClient<DefaultClientContext> = env.kafka.client_config().create().unwrap();
    let names: Vec<String> = topics.iter().map(|t| env.kafka.topic(*t)).collect();
    let specs: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1)))
        .collect();
    for result in admin
        .create_topics(specs.iter(), &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    env
}

#[tokio::test]
async fn unacknowledged_events_get_503() {
    let base = TestEnv::new().await;
    // Everything but en.publish.received exists: the broker never acknowledges the event.
    let env = env_with_only(&base, &[Topic::Config, Topic::PublishOutcome]).await;
    let authority = seed_fixture(&env).await;
    let ingest = start_ingest(&env, &[("KAFKA_PRODUCE_TIMEOUT", "2s")]).await;
    let c = Client::new(&ingest);
    let device = Device::new();
    let started = std::time::Instant::now();
    let r = c
        .publish(&device.body(&authority, "confirmed", &[k(1)]))
        .await;
    let json = r.expect(503, Some("internal_error"));
    assert!(json.get("revisionToken").is_none());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        c.metric("keyserver_publish_enqueue_failures_total").await,
        1.0
    );
}

#[tokio::test]
async fn unreachable_broker_acknowledges_nothing() {
    let env = TestEnv::new().await;
    let closed = format!("127.0.0.1:{}", harness::process::free_port());
    let keys = harness::stack::revision_token_keys();
    let ingest = spawn::<ingest::Ingest>(
        &env,
        &[
            ("KAFKA_BROKERS", closed.as_str()),
            ("KAFKA_CREATE_TOPICS", "false"),
            ("KAFKA_PRODUCE_TIMEOUT", "1s"),
            ("REVISION_TOKEN_KEYS", keys.as_str()),
        ],
    )
    .await;
    let c = Client::new(&ingest);
    // The service starts (and reports itself not ready) instead of failing.
    let ready = c
        .http
        .get(format!("{}/ready", c.ops_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    // Without the configuration log no app can be looked up: the reference's 500 comes first,
    // before anything could be enqueued; nothing is ever acknowledged.
    let device = Device::new();
    let authority = SigningAuthority::generate("v1");
    let r = c
        .publish(&device.body(&authority, "confirmed", &[k(1)]))
        .await;
    r.expect(500, Some("unable_to_load_health_authority"));
    // Chaff still works.
    assert_eq!(
        c.send("/v1/publish", None, &[("X-Chaff", "1")], "")
            .await
            .status,
        200
    );
    ingest.stop().await.unwrap();
}
