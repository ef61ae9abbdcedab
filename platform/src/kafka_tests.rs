//! Tests of the Kafka settings: defaults, limits and the client configuration they produce.

use super::*;

fn settings(vars: &[(&str, &str)]) -> (KafkaSettings, Result<(), crate::env::EnvErrors>) {
    let mut env = Env::from_map(vars.iter().copied());
    let settings = KafkaSettings::from_env(&mut env);
    (settings, env.finish())
}

#[test]
fn one_produce_request_in_flight_by_default() {
    let (settings, result) = settings(&[]);
    assert!(result.is_ok());
    assert_eq!(settings.max_in_flight, 1);
    assert_eq!(settings.linger, Duration::ZERO);
    assert_eq!(settings.session_timeout, Duration::from_secs(10));
    assert_eq!(settings.group_instance_id, None);
}

#[test]
fn group_members_get_the_session_timeout_and_their_static_id() {
    let (kafka, result) = settings(&[
        ("KAFKA_SESSION_TIMEOUT", "15s"),
        ("KAFKA_GROUP_INSTANCE_ID", "processor-0"),
    ]);
    assert!(result.is_ok());
    let config = kafka.group_consumer_config("processor");
    assert_eq!(config.get("group.id"), Some("processor"));
    assert_eq!(config.get("session.timeout.ms"), Some("15000"));
    assert_eq!(config.get("heartbeat.interval.ms"), Some("3000"));
    assert_eq!(config.get("group.instance.id"), Some("processor-0"));
    let (_, result) = settings(&[("KAFKA_SESSION_TIMEOUT", "1s")]);
    assert!(result.is_err());
}

#[test]
fn three_copies_need_two_in_sync_unless_set_otherwise() {
    let (kafka, result) = settings(&[]);
    assert!(result.is_ok());
    assert_eq!(
        (kafka.replication_factor, kafka.min_insync_replicas),
        (1, 1)
    );
    let (kafka, result) = settings(&[("KAFKA_REPLICATION_FACTOR", "3")]);
    assert!(result.is_ok());
    assert_eq!(kafka.min_insync_replicas, 2);
    let (kafka, result) = settings(&[
        ("KAFKA_REPLICATION_FACTOR", "5"),
        ("KAFKA_MIN_INSYNC_REPLICAS", "3"),
    ]);
    assert!(result.is_ok());
    assert_eq!(kafka.min_insync_replicas, 3);
    for bad in ["0", "4"] {
        let (_, result) = settings(&[
            ("KAFKA_REPLICATION_FACTOR", "3"),
            ("KAFKA_MIN_INSYNC_REPLICAS", bad),
        ]);
        let text = result.expect_err(bad).to_string();
        assert!(text.contains("KAFKA_MIN_INSYNC_REPLICAS"), "{text}");
    }
    assert_eq!(
        KafkaSettings::local("b", "")
            .with_replication(3)
            .min_insync_replicas,
        2
    );
}

#[test]
fn in_flight_requests_are_limited_to_what_idempotence_allows() {
    for bad in ["0", "6", "many"] {
        let (_, result) = settings(&[("KAFKA_MAX_IN_FLIGHT", bad)]);
        let text = result.expect_err(bad).to_string();
        assert!(text.contains("KAFKA_MAX_IN_FLIGHT"), "{text}");
    }
    let (settings, result) = settings(&[("KAFKA_MAX_IN_FLIGHT", "5")]);
    assert!(result.is_ok());
    assert_eq!(settings.max_in_flight, 5);
}
