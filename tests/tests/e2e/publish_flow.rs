//! The whole round trip: phone → ingest → Kafka → processor → projector → PostgreSQL → outcome
//! → ingest → phone, against the real Kafka and PostgreSQL (key validation, symptom onset, report types and
//! revisions; a bad key rejects the whole batch unless partial failure is allowed), and degraded
//! mode while the projector is down.

use std::time::Duration;

use harness::keys::{k, today_midnight};
use harness::stack::Stack;
use harness::store::{count, exposures_in_store};
use harness::wait_for;
use schemas::api::PublishRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_keys_are_stored_and_the_phone_gets_the_real_outcome() {
    let stack = Stack::start(&[]).await;
    let keys = vec![k(1), k(2)];
    let (status, body) = stack.publish(&stack.request(&keys, "confirmed")).await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(body.inserted_exposures, 2);
    assert!(body.code.is_empty() && body.error.is_empty());
    assert!(!body.revision_token.is_empty());
    assert!(!body.padding.is_empty());
    let rows = exposures_in_store(&stack.env.db().await).await;
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(
            (row.report_type.as_str(), row.transmission_risk),
            ("confirmed", 2)
        );
        assert_eq!(row.regions, vec!["US".to_owned()]);
        assert_eq!(row.health_authority_id, Some(1));
        assert!(!row.traveler);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revision_rules_are_answered_synchronously() {
    let stack = Stack::start(&[]).await;
    let yesterday = u32::try_from(today_midnight() - 144).unwrap();
    let keys = vec![k(1), k(2)];
    let likely = stack.request_with(&keys, "likely", |c| {
        c.symptom_onset_interval = Some(yesterday)
    });
    let (status, first) = stack.publish(&likely).await;
    assert_eq!((status, first.inserted_exposures), (200, 2), "{first:?}");

    // H5: a token that is not even base64, existing keys → missing_revision_token.
    let mut garbage = stack.request(&keys, "confirmed");
    garbage.revision_token = "!!!".into();
    stack
        .publish_refused(&garbage, "missing_revision_token")
        .await;

    // H7: same type again with the token → 200, no change, a token.
    let mut again = stack.request_with(&keys, "likely", |c| {
        c.symptom_onset_interval = Some(yesterday)
    });
    again.revision_token = first.revision_token.clone();
    let (status, body) = stack.publish(&again).await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(body.inserted_exposures, 0);
    assert!(!body.revision_token.is_empty());

    // H1: revise to confirmed with the token.
    let mut confirm = stack.request(&keys, "confirmed");
    confirm.revision_token = first.revision_token.clone();
    let (status, revised) = stack.publish(&confirm).await;
    assert_eq!(status, 200, "{revised:?}");
    assert_eq!(revised.inserted_exposures, 0);
    assert!(!revised.revision_token.is_empty());
    for row in exposures_in_store(&stack.env.db().await).await {
        assert_eq!(
            (row.report_type.as_str(), row.transmission_risk),
            ("likely", 4)
        );
        assert_eq!(row.revised_report_type.as_deref(), Some("confirmed"));
        assert_eq!(row.revised_transmission_risk, Some(2));
        assert!(row.revised_at.is_some());
    }

    // H9: already revised to confirmed; now negative → key_already_revised.
    let mut negative = stack.request(&keys, "negative");
    negative.revision_token = revised.revision_token.clone();
    let body = stack
        .publish_refused(&negative, "key_already_revised")
        .await;
    assert_eq!(body.error, "key was already revised");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_does_not_list_an_existing_key_is_invalid() {
    let stack = Stack::start(&[]).await;
    let (a, b) = (k(1), k(2));
    let (_, t1) = stack
        .publish(&stack.request(std::slice::from_ref(&a), "likely"))
        .await;
    let (_, t2) = stack
        .publish(&stack.request(std::slice::from_ref(&b), "likely"))
        .await;
    assert!(!t1.revision_token.is_empty() && !t2.revision_token.is_empty());
    let mut both = stack.request(&[a, b], "confirmed");
    both.revision_token = t1.revision_token;
    let body = stack.publish_refused(&both, "invalid_revision_token").await;
    assert_eq!(body.error, "revision token is invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_keys_are_not_stored_and_an_onset_over_the_limit_warns() {
    let stack = Stack::start(&[]).await;
    let (status, body) = stack
        .publish(&stack.request(&[k(1), k(2)], "negative"))
        .await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(body.inserted_exposures, 0);
    assert!(!body.revision_token.is_empty());
    assert_eq!(count(&stack.env.db().await).await, 0);

    // F7 with the seed's limit of 21: onset 22 days before the second key's day.
    let onset = u32::try_from(today_midnight() - 29 * 144).unwrap();
    let keys = vec![k(8), k(7)];
    let request = stack.request_with(&keys, "likely", |c| c.symptom_onset_interval = Some(onset));
    let (status, body) = stack.publish(&request).await;
    assert_eq!(status, 200, "{body:?}");
    // An onset older than 28 days is replaced by the default (4 days ago): no warning.
    assert!(body.warnings.is_empty(), "{body:?}");
    let onset = u32::try_from(today_midnight() - 27 * 144).unwrap();
    let keys = vec![k(6), k(5)];
    let request = stack.request_with(&keys, "likely", |c| c.symptom_onset_interval = Some(onset));
    let (status, body) = stack.publish(&request).await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(body.inserted_exposures, 1, "{body:?}");
    assert_eq!(body.warnings.len(), 1, "{body:?}");
    assert!(
        body.warnings[0].contains("symptom onset is too large, 22 > 21 - saving without this key"),
        "{body:?}"
    );
    assert!(body.code.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn degraded_mode_answers_while_the_projector_is_down_and_keys_arrive_later() {
    let mut stack = Stack::start(&[("PUBLISH_OUTCOME_WAIT", "500ms")]).await;
    stack.stop_projector().await;
    let keys = vec![k(1), k(2), k(3)];
    let (status, body) = stack.publish(&stack.request(&keys, "confirmed")).await;
    assert_eq!(status, 200, "{body:?}");
    assert_eq!(
        body.inserted_exposures, 3,
        "degraded answer from the validated keys"
    );
    assert!(!body.revision_token.is_empty());
    let degraded = harness::edge::metric(
        &stack.ingest.ops_url(),
        "keyserver_publish_degraded_total",
        "",
    )
    .await;
    assert_eq!(degraded, 1.0);
    let db = stack.env.db().await;
    assert_eq!(count(&db).await, 0);
    stack.start_projector().await;
    wait_for(
        Duration::from_secs(30),
        "the degraded publish's keys in the store",
        || {
            let db = &db;
            async move { (count(db).await == 3).then_some(()) }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traveler_flag_and_lower_case_regions_are_stored() {
    let stack = Stack::start_with_regions(&[], &["us", "ca"]).await;
    let keys = vec![k(1)];
    let request = PublishRequest {
        traveler: true,
        ..stack.request(&keys, "confirmed")
    };
    let (status, body) = stack.publish(&request).await;
    assert_eq!(status, 200, "{body:?}");
    let rows = exposures_in_store(&stack.env.db().await).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].traveler);
    assert_eq!(rows[0].regions, vec!["CA".to_owned(), "US".to_owned()]);
}
