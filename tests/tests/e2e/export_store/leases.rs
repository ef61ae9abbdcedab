//! Batch leases and finalizing: a lease goes to one worker until it expires; finalizing lists the files in the index and marks expired ones.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_go_to_one_worker_until_they_expire() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let now = t0();
    let c = config(1, "r", "US", 60, &[]);
    let windows: Vec<_> = (1..=4)
        .map(|m| {
            (
                now + chrono::Duration::minutes(m - 1),
                now + chrono::Duration::minutes(m),
            )
        })
        .collect();
    assert_eq!(cut(&f, &c, &windows).await.len(), 4);
    assert_eq!(cut(&f, &c, &windows).await.len(), 0, "a window is cut once");
    let ttl = Duration::from_secs(3600);
    assert!(batches::lease_batch(&f.ctx.pool, now, ttl)
        .await
        .unwrap()
        .is_none());
    let mut leased = Vec::new();
    for _ in 0..4 {
        let lease = batches::lease_batch(&f.ctx.pool, now + hours(1), ttl)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lease.batch.status, BatchStatus::Pending);
        assert_eq!(lease.batch.lease_expires, Some(now + hours(2)));
        leased.push(lease);
    }
    assert!(batches::lease_batch(&f.ctx.pool, now + hours(1), ttl)
        .await
        .unwrap()
        .is_none());
    let ends: Vec<_> = leased.iter().map(|l| l.batch.end).collect();
    assert!(ends.windows(2).all(|w| w[0] < w[1]), "oldest window first");
    let mut again = Vec::new();
    for _ in 0..4 {
        again.push(
            batches::lease_batch(&f.ctx.pool, now + hours(3), ttl)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // The first leases are lost: completing with them changes nothing.
    assert!(!files::complete_batch(&f.ctx.pool, &leased[0], &[])
        .await
        .unwrap());
    assert!(files::complete_batch(&f.ctx.pool, &again[0], &[])
        .await
        .unwrap());
    let done = batches::batch(&f.ctx.pool, again[0].batch.batch_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.lease_expires),
        (BatchStatus::Complete, None)
    );
    assert_eq!(
        batches::latest_batch_end(&f.ctx.pool, 1).await.unwrap(),
        Some(now + chrono::Duration::minutes(4))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalize_lists_files_and_marks_expired_ones() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let now = Utc::now();
    let c = config(1, "r", "US", 3600, &[]);
    cut(&f, &c, &[(now - hours(2), now - hours(1))]).await;
    let lease = batches::lease_batch(&f.ctx.pool, now, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let written: Vec<_> = ["r/file2.zip", "r/file1.zip"]
        .iter()
        .map(|n| files::WrittenFile {
            filename: (*n).into(),
            key_count: 1,
        })
        .collect();
    assert!(files::complete_batch(&f.ctx.pool, &lease, &written)
        .await
        .unwrap());
    let rows = files::files_of_batch(&f.ctx.pool, lease.batch.batch_id)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (
                r.filename.as_str(),
                r.batch_num,
                r.batch_size,
                r.status.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("r/file2.zip", 1, 2, "COMPLETE"),
            ("r/file1.zip", 2, 2, "COMPLETE")
        ]
    );
    assert_eq!(
        files::index_files(&f.ctx.pool, 1, now - hours(20))
            .await
            .unwrap(),
        ["r/file1.zip", "r/file2.zip"]
    );
    // C32: a second insert of the same name conflicts and keeps the first row.
    assert!(
        !files::add_file(&f.ctx.pool, lease.batch.batch_id, 99, "r/file1.zip")
            .await
            .unwrap()
    );
    // Retention 1 s, one second later: both are marked and leave the index.
    let later = now + chrono::Duration::seconds(1);
    let cutoff = later - chrono::Duration::seconds(1);
    assert_eq!(
        files::mark_expired_files(&f.ctx.pool, Some(1), cutoff + hours(2))
            .await
            .unwrap(),
        2
    );
    assert!(files::index_files(&f.ctx.pool, 1, now - hours(20))
        .await
        .unwrap()
        .is_empty());
}
