//! The pipeline behind the edge: processor and projector against the real Kafka and
//! PostgreSQL, fed with `PublishReceived` events directly (conformance groups E–H as the
//! pipeline sees them).

use std::time::Duration;

use harness::events::{claims, received};
use harness::kafka::outcome;
use harness::keys::k;
use harness::pipeline::Pipeline;
use harness::store::{count, exposures_in_store};
use harness::TestEnv;
use schemas::api::ExposureKey;
use schemas::publish::{PublishReceived, RevisionTokenState};
use schemas::topics::Topic;
use schemas::Envelope;
use uuid::Uuid;

/// An upload of `keys` certified as `report_type`, without a revision token.
fn without_token(keys: &[ExposureKey], report_type: &str) -> PublishReceived {
    received(keys, claims(report_type), RevisionTokenState::Absent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_keys_reach_the_store_with_claims_applied() {
    let p = Pipeline::start().await;
    let keys = vec![k(1), k(2)];
    let out = p.outcome_of(without_token(&keys, "confirmed")).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.code, None);
    assert_eq!(out.inserted, 2);
    assert_eq!(out.token_entries.len(), 2);
    let rows = exposures_in_store(&p.env.db().await).await;
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.report_type, "confirmed");
        assert_eq!(row.transmission_risk, 2, "G1: confirmed backfills TR 2");
        assert_eq!(row.regions, vec!["US".to_owned()]);
        assert_eq!(row.app_package_name, "com.example.app");
        assert_eq!(row.health_authority_id, Some(1));
        assert!(row.days_since_symptom_onset.is_some());
        assert!(row.revised_at.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_reports_are_not_stored_but_get_a_token() {
    let p = Pipeline::start().await;
    let keys = vec![k(1), k(2)];
    let out = p.outcome_of(without_token(&keys, "negative")).await;
    assert_eq!((out.status, out.inserted), (200, 0));
    assert_eq!(
        out.token_entries.len(),
        2,
        "G5: the token lists the negative keys"
    );
    assert_eq!(count(&p.env.db().await).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revision_with_token_revises_and_without_token_is_refused() {
    let p = Pipeline::start().await;
    let keys = vec![k(1), k(2)];
    let first = p.outcome_of(without_token(&keys, "likely")).await;
    assert_eq!(first.inserted, 2);

    // H5-like: the same keys again without a token.
    let again = p.outcome_of(without_token(&keys, "confirmed")).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.code.as_deref(), Some("missing_revision_token"));
    assert_eq!(
        again.error.as_deref(),
        Some("no revision token, but sent existing keys")
    );

    // An undecryptable token turns every stage error into invalid_revision_token.
    let bad = p
        .outcome_of(received(
            &keys,
            claims("confirmed"),
            RevisionTokenState::DecryptFailed,
        ))
        .await;
    assert_eq!(bad.code.as_deref(), Some("invalid_revision_token"));

    // H1: with the token the keys are revised to confirmed.
    let token = RevisionTokenState::Valid {
        entries: first.token_entries.clone(),
    };
    let revised = p
        .outcome_of(received(&keys, claims("confirmed"), token.clone()))
        .await;
    assert_eq!(revised.status, 200, "{revised:?}");
    assert_eq!((revised.inserted, revised.revised), (0, 2));
    assert!(!revised.token_entries.is_empty());
    for row in exposures_in_store(&p.env.db().await).await {
        assert_eq!(row.report_type, "likely");
        assert_eq!(row.transmission_risk, 4);
        assert_eq!(row.revised_report_type.as_deref(), Some("confirmed"));
        assert_eq!(row.revised_transmission_risk, Some(2));
        assert!(row.revised_at.is_some());
        assert!(row.revised_days_since_symptom_onset.is_some());
    }

    // H9-like: revised once, a second different revision is refused.
    let twice = p
        .outcome_of(received(&keys, claims("negative"), token))
        .await;
    assert_eq!(twice.code.as_deref(), Some("key_already_revised"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_processor_rejects_get_bad_request_outcomes() {
    let p = Pipeline::start().await;
    let mut bad = k(1);
    bad.rolling_period = 0;
    let out = p.outcome_of(without_token(&[bad, k(2)], "confirmed")).await;
    assert_eq!(out.status, 400);
    assert_eq!(out.code.as_deref(), Some("bad_request"));
    assert!(out
        .error
        .unwrap()
        .contains("invalid interval count, 0, must be >= 1 && <= 144"));
    assert_eq!(count(&p.env.db().await).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_events_go_to_the_dead_letter_topic_and_processing_continues() {
    let p = Pipeline::start().await;
    let topic = p.env.kafka.topic(Topic::PublishReceived);
    p.producer
        .send(
            rdkafka::producer::FutureRecord::to(&topic)
                .key("com.example.app")
                .payload("not an event"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let keys = vec![k(3)];
    let id = p.produce(without_token(&keys, "confirmed")).await;
    assert_eq!(outcome(&p.env, id).await.inserted, 1);
    let dead = harness::kafka::read_all_raw(&p.env, Topic::DeadLetter);
    assert_eq!(dead, vec![b"not an event".to_vec()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_records_change_nothing() {
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;
    let event = processor::process(&without_token(&[k(1), k(2)], "likely"));
    let payload = Envelope::new(event, Some(Uuid::new_v4()))
        .to_bytes()
        .unwrap();
    let records = vec![projector::batch::Record {
        partition: 0,
        offset: 7,
        payload,
    }];
    let first = projector::batch::apply_batch(&pool, "g", "t", &records, Default::default())
        .await
        .unwrap();
    assert_eq!(first.inserted, 2);
    let db = env.db().await;
    let before = projector::repository::checksum(&db).await.unwrap();
    let again = projector::batch::apply_batch(&pool, "g", "t", &records, Default::default())
        .await
        .unwrap();
    assert_eq!(again.duplicates, 1);
    assert!(again.decision.outcomes.is_empty());
    assert_eq!(projector::repository::checksum(&db).await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_inserted_meanwhile_by_another_transaction_aborts_the_batch_and_its_retry_decides_again(
) {
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;
    let key = k(1);
    let mut event = received(
        std::slice::from_ref(&key),
        claims("confirmed"),
        RevisionTokenState::Absent,
    );
    event.authorized_app = "com.example.other".into();
    let records = vec![projector::batch::Record {
        partition: 1,
        offset: 0,
        payload: Envelope::new(processor::process(&event), Some(Uuid::new_v4()))
            .to_bytes()
            .unwrap(),
    }];

    // Another writer (a projector instance applying another app's partition) has inserted the
    // same key and not committed yet: the batch cannot see it when it locks its keys.
    let mut other = env.db().await;
    let other_tx = other.transaction().await.unwrap();
    other_tx
        .execute(
            "INSERT INTO exposure (exposure_key, transmission_risk, interval_number,
                 interval_count, created_at, local_provenance, report_type)
             VALUES ($1, 0, $2, 144, now(), true, 'confirmed')",
            &[&key.key, &i64::from(key.rolling_start_number)],
        )
        .await
        .unwrap();
    let batch = {
        let (pool, records) = (pool.clone(), records.clone());
        tokio::spawn(async move {
            projector::batch::apply_batch(&pool, "g", "t", &records, Default::default()).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !batch.is_finished(),
        "the insert waits for the other writer"
    );
    other_tx.commit().await.unwrap();
    let failed = batch.await.unwrap();
    assert!(
        matches!(failed, Err(projector::batch::BatchError::Db(_))),
        "{failed:?}"
    );

    // Nothing of the failed batch was written (its offset neither); the retry sees the row.
    let db = env.db().await;
    assert_eq!(count(&db).await, 1);
    let retry = projector::batch::apply_batch(&pool, "g", "t", &records, Default::default())
        .await
        .unwrap();
    assert_eq!(retry.duplicates, 0);
    assert_eq!(retry.inserted, 0);
    assert_eq!(retry.decision.outcomes.len(), 1);
    assert_eq!(retry.decision.outcomes[0].1.inserted, 0);
    assert_eq!(count(&db).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_keys_released_before_the_window() {
    let env = TestEnv::with_database().await;
    let pool = env.store_pool().await;
    // A publish 20 days ago (keys valid then) and one now.
    let mut old = without_token(&[], "confirmed");
    old.batch_time = chrono::Utc::now() - chrono::Duration::days(20);
    let old_midnight = harness::keys::interval_of(old.batch_time) / 144 * 144;
    old.keys = vec![schemas::publish::SentKey {
        key: harness::keys::random_key_text(),
        rolling_start_number: old_midnight - 144,
        rolling_period: 144,
        transmission_risk: 0,
    }];
    let fresh = without_token(&[k(1)], "confirmed");
    let records: Vec<_> = [old, fresh]
        .into_iter()
        .enumerate()
        .map(|(i, r)| projector::batch::Record {
            partition: 0,
            offset: i64::try_from(i).unwrap(),
            payload: Envelope::new(processor::process(&r), None)
                .to_bytes()
                .unwrap(),
        })
        .collect();
    projector::batch::apply_batch(&pool, "g", "t", &records, Default::default())
        .await
        .unwrap();
    let db = env.db().await;
    assert_eq!(count(&db).await, 2);
    let deleted = projector::retention::cleanup(
        &pool,
        chrono::Utc::now(),
        Duration::from_secs(14 * 24 * 3600),
    )
    .await
    .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(count(&db).await, 1);
}
