//! The checked-in JSON Schemas (`schemas/json/`) against real traffic: a publish, its revision
//! and a rejected revision go through ingest, processor and projector, then every record on the
//! topics and every HTTP body exchanged is validated with a JSON Schema validator (`jsonschema`,
//! the draft each schema declares, formats checked). The drift test in `schemas` compares the
//! schemas with the types; this one compares them with what the services really write.

use std::path::Path;
use std::time::Duration;

use harness::kafka::read_all_raw;
use harness::keys::{k, today_midnight};
use harness::stack::Stack;
use harness::wait_for;
use schemas::topics::Topic;
use serde_json::Value;

/// A validator for the checked-in schema `file`.
fn validator(file: &str) -> jsonschema::Validator {
    let path = harness::repo_root().join("schemas/json").join(file);
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", Path::new(file).display()))
}

/// Every violation of `schema` by `instance`, as sentences.
fn violations(schema: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    schema
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Validates every record of `topic`; returns how many there were.
fn check_topic(stack: &Stack, topic: Topic, file: &str, problems: &mut Vec<String>) -> usize {
    let schema = validator(file);
    let records = read_all_raw(&stack.env, topic);
    let bytes: usize = records.iter().map(Vec::len).sum();
    // Record sizes for sizing Kafka (docs/deploy.md); printed, never asserted.
    println!("{topic:?}: {} records, {bytes} bytes", records.len());
    for record in &records {
        let event: Value = serde_json::from_slice(record).expect("events are JSON");
        for v in violations(&schema, &event) {
            problems.push(format!("{topic:?} record vs {file}: {v}"));
        }
    }
    records.len()
}

/// `POST /v1/publish` with the raw JSON `body`; returns the status and the raw JSON answer.
async fn post(stack: &Stack, body: &Value) -> (u16, Value) {
    let response = stack
        .http
        .post(format!("{}/v1/publish", stack.ingest.url()))
        .json(body)
        .send()
        .await
        .expect("ingest answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_events_and_bodies_match_the_checked_in_json_schemas() {
    let stack = Stack::start(&[]).await;
    let (request_schema, response_schema) = (
        validator("api.publish-request.json"),
        validator("api.publish-response.json"),
    );
    let mut problems = Vec::new();
    let mut exchange = |request: &Value, response: &Value, what: &str| {
        for v in violations(&request_schema, request) {
            problems.push(format!("{what} request: {v}"));
        }
        for v in violations(&response_schema, response) {
            problems.push(format!("{what} response: {v}"));
        }
    };

    // A likely diagnosis with symptom onset, its revision to confirmed, and a refused revision.
    let keys = vec![k(1), k(2), k(3)];
    let yesterday = u32::try_from(today_midnight() - 144).expect("interval");
    let likely = serde_json::to_value(stack.request_with(&keys, "likely", |c| {
        c.symptom_onset_interval = Some(yesterday)
    }))
    .expect("request JSON");
    let (status, first) = post(&stack, &likely).await;
    assert_eq!(status, 200, "{first}");
    exchange(&likely, &first, "first upload");
    let token = first["revisionToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let mut confirm = serde_json::to_value(stack.request(&keys, "confirmed")).expect("JSON");
    confirm["revisionToken"] = Value::String(token.clone());
    let (status, revised) = post(&stack, &confirm).await;
    assert_eq!(status, 200, "{revised}");
    exchange(&confirm, &revised, "revision");

    let mut negative = serde_json::to_value(stack.request(&keys, "negative")).expect("JSON");
    negative["revisionToken"] = revised["revisionToken"].clone();
    let (status, refused) = post(&stack, &negative).await;
    assert_eq!(status, 400, "{refused}");
    exchange(&negative, &refused, "refused revision");

    // Three requests: three received, three processed and three outcome events.
    wait_for(
        Duration::from_secs(30),
        "three outcomes on the topic",
        || async { (read_all_raw(&stack.env, Topic::PublishOutcome).len() >= 3).then_some(()) },
    )
    .await;
    let counts = [
        check_topic(
            &stack,
            Topic::Config,
            "config.changed.v1.json",
            &mut problems,
        ),
        check_topic(
            &stack,
            Topic::PublishReceived,
            "publish.received.v1.json",
            &mut problems,
        ),
        check_topic(
            &stack,
            Topic::PublishProcessed,
            "publish.processed.v1.json",
            &mut problems,
        ),
        check_topic(
            &stack,
            Topic::PublishOutcome,
            "publish.outcome.v1.json",
            &mut problems,
        ),
    ];
    assert!(counts[0] >= 2, "config events: {counts:?}");
    assert_eq!(counts[1..], [3, 3, 3], "received, processed, outcome");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_validator_rejects_an_event_that_breaks_its_schema() {
    // A received envelope without its payload and with a malformed event id.
    let schema = validator("publish.received.v1.json");
    let broken = serde_json::json!({
        "eventId": "not-a-uuid",
        "eventType": "publish.received",
        "schemaVersion": 1,
        "occurredAt": "2026-12-04T00:00:00Z"
    });
    let found = violations(&schema, &broken).join("\n");
    assert!(found.contains("payload"), "{found}");
    assert!(found.contains("uuid"), "{found}");
}
