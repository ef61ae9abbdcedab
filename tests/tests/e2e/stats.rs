//! Health-authority statistics as a projection (one row per authority and hour): processor and
//! projector against the real Kafka and PostgreSQL, fed with `PublishReceived` events of several
//! platforms, health authorities and onsets; the rows must count exactly what the reference
//! counts, skip anonymous uploads, come back identical from a rebuild, and expire by whole days.

use std::time::Duration;

use harness::events::{claims, received};
use harness::keys::{k, today_midnight};
use harness::pipeline::Pipeline;
use harness::wait_for;
use schemas::api::ExposureKey;
use schemas::publish::{Platform, PublishOutcome, RevisionTokenState, VerifiedClaims};
use schemas::topics::Topic;
use schemas::Envelope;

/// The summed rows of one health authority.
#[derive(Debug, Default, PartialEq)]
struct Totals {
    publish: Vec<i64>,
    teks: i64,
    revisions: i64,
    oldest: Vec<i64>,
    onset: Vec<i64>,
    missing: i64,
}

async fn totals(db: &tokio_postgres::Client, ha: i64) -> Totals {
    let rows = db
        .query(
            "SELECT publish, teks, revisions, oldest_tek_days, onset_age_days, missing_onset
             FROM healthauthoritystats WHERE health_authority_id = $1",
            &[&ha],
        )
        .await
        .unwrap();
    let mut t = Totals {
        publish: vec![0; 3],
        oldest: vec![0; 16],
        onset: vec![0; 30],
        ..Totals::default()
    };
    for row in rows {
        let add = |into: &mut Vec<i64>, from: Vec<i64>| {
            assert_eq!(into.len(), from.len());
            into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        };
        add(&mut t.publish, row.get(0));
        t.teks += row.get::<_, i64>(1);
        t.revisions += row.get::<_, i64>(2);
        add(&mut t.oldest, row.get(3));
        add(&mut t.onset, row.get(4));
        t.missing += row.get::<_, i64>(5);
    }
    t
}

fn with_onset(ha: i64, days_ago: Option<u32>) -> Option<VerifiedClaims> {
    let mut c = claims("confirmed")?;
    c.health_authority_id = ha;
    c.symptom_onset_interval = days_ago
        .map(|d| u32::try_from(today_midnight()).unwrap() - 144 * d)
        .unwrap_or(0);
    Some(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_count_verified_uploads_per_platform_and_revisions_and_rebuild_identically() {
    let pipeline = Pipeline::start().await;
    let env = &pipeline.env;

    let uploads: Vec<(Platform, Vec<ExposureKey>, Option<VerifiedClaims>)> = vec![
        (Platform::Android, vec![k(3)], with_onset(1, Some(2))),
        (Platform::Android, vec![k(3)], with_onset(1, Some(2))),
        (Platform::Android, vec![k(3)], with_onset(1, Some(2))),
        (Platform::Ios, vec![k(1), k(14)], with_onset(1, None)),
        (Platform::Ios, vec![k(1), k(14)], with_onset(1, None)),
        (Platform::Unknown, vec![k(1), k(2)], with_onset(1, Some(5))),
        // Anonymous (no verified certificate): stored, never counted.
        (Platform::Android, vec![k(1)], None),
        // Another health authority.
        (Platform::Android, vec![k(4)], with_onset(2, Some(1))),
    ];
    let mut ids = Vec::new();
    for (platform, keys, claims) in uploads {
        let mut event = received(&keys, claims, RevisionTokenState::Absent);
        event.platform = platform;
        ids.push(pipeline.produce(event).await);
    }
    let outcomes = wait_for(Duration::from_secs(30), "every outcome", || async {
        let all = harness::kafka::read_all::<PublishOutcome>(env, Topic::PublishOutcome);
        ids.iter()
            .map(|id| {
                all.iter()
                    .find(|e: &&Envelope<PublishOutcome>| e.request_id == Some(*id))
                    .map(|e| e.payload.clone())
            })
            .collect::<Option<Vec<_>>>()
    })
    .await;
    for outcome in &outcomes {
        assert_eq!(outcome.status, 200, "{outcome:?}");
    }

    let db = env.db().await;
    let one = totals(&db, 1).await;
    let mut oldest = vec![0; 16];
    oldest[3] = 3;
    oldest[14] = 2;
    oldest[2] = 1;
    let mut onset = vec![0; 30];
    onset[2] = 3;
    onset[5] = 1;
    assert_eq!(
        one,
        Totals {
            publish: vec![1, 3, 2],
            teks: 3 + 4 + 2,
            revisions: 0,
            oldest,
            onset,
            missing: 2,
        }
    );
    let two = totals(&db, 2).await;
    assert_eq!(
        (two.publish, two.teks, two.oldest[4], two.onset[1]),
        (vec![0, 1, 0], 1, 1, 1)
    );

    // A revision counts the publish, its revised keys and one revision, and nothing else; a
    // refused revision (no token) counts nothing.
    let keys = vec![k(6), k(7)];
    let mut likely = with_onset(1, None);
    if let Some(c) = likely.as_mut() {
        c.report_type = "likely".into();
    }
    let mut first = received(&keys, likely, RevisionTokenState::Absent);
    first.platform = Platform::Ios;
    let first = pipeline.outcome_of(first).await;
    assert_eq!((first.status, first.inserted), (200, 2), "{first:?}");
    let mut refused = received(&keys, with_onset(1, Some(2)), RevisionTokenState::Absent);
    refused.platform = Platform::Android;
    assert_eq!(pipeline.outcome_of(refused).await.status, 400);
    let token = RevisionTokenState::Valid {
        entries: first.token_entries.clone(),
    };
    let mut revision = received(&keys, with_onset(1, Some(2)), token);
    revision.platform = Platform::Android;
    let revision = pipeline.outcome_of(revision).await;
    assert_eq!(
        (revision.status, revision.revised),
        (200, 2),
        "{revision:?}"
    );
    let mut expected = one;
    expected.publish[2] += 1;
    expected.publish[1] += 1;
    expected.teks += 4;
    expected.revisions += 1;
    expected.oldest[7] += 1;
    expected.missing += 1;
    assert_eq!(totals(&db, 1).await, expected);

    // A rebuild from the log reproduces the statistics exactly (they are in the checksum).
    let (report, live, target) = harness::store::rebuild_from_the_log(env).await;
    assert_eq!(report.checksum, live);
    assert_eq!(
        totals(&harness::connect(&target).await, 1).await,
        totals(&db, 1).await
    );

    // Retention deletes whole UTC days only: a cutoff of now keeps today's rows, a cutoff a day
    // ahead deletes them.
    let now = chrono::Utc::now();
    assert_eq!(
        projector::stats_repository::delete_expired(&db, now)
            .await
            .unwrap(),
        0
    );
    assert!(
        projector::stats_repository::delete_expired(&db, now + chrono::Duration::days(1))
            .await
            .unwrap()
            >= 2
    );
    assert_eq!(totals(&db, 1).await.publish, vec![0, 0, 0]);
    drop(pipeline);
}
