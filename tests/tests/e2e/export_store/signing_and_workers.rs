//! Signing (no unsigned file, signers newest first), concurrent workers exporting every batch exactly once, and cleanup of expired files.

use super::batch_files::export_once;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_files_are_refused_and_signers_come_newest_first() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    insert(&db, &[row(1, &["US"], s)]).await;
    let now = e + hours(1);
    // Only an expired signature info: the batch fails, nothing is written.
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(
        std::slice::from_ref(&c),
        &[info(1, "k1.pem", Some(now - hours(1)))],
    );
    let err = export_once(&f, &snap, &c, s, e).await.unwrap_err();
    assert!(matches!(err, ExportError::NoSigners { .. }), "{err}");
    assert_eq!(err.reason(), "no_signers");
    assert!(f.blob("us/index.txt").await.is_none());
    let status: String = db
        .query_one("SELECT status FROM export_batch", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(status, "PENDING", "retried when the lease expires");
    // A missing key file is an error too, not an unsigned file.
    let c2 = config(2, "us2", "US", 3600, &[2]);
    let snap = snapshot(std::slice::from_ref(&c2), &[info(2, "missing.pem", None)]);
    let err = export_once(&f, &snap, &c2, s, e).await.unwrap_err();
    assert_eq!(err.reason(), "signing_key");

    // C25: infos expiring -1h, +24h and never → [never (3), +24h (2)].
    let keys: Vec<_> = (1..=3)
        .map(|i| f.write_new_key(&format!("k{i}.pem")))
        .collect();
    let c3 = config(3, "us3", "US", 3600, &[1, 2, 3]);
    let infos = [
        info(1, "k1.pem", Some(now - hours(1))),
        info(2, "k2.pem", Some(now + hours(24))),
        info(3, "k3.pem", None),
    ];
    let snap = snapshot(std::slice::from_ref(&c3), &infos);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c3, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let file = f.file(&files[0]).await;
    let versions: Vec<_> = file
        .export
        .signature_infos
        .iter()
        .filter_map(|i| i.verification_key_version.clone())
        .collect();
    assert_eq!(versions, ["v3", "v2"]);
    assert!(file.verifies(0, keys[2].verifying_key()));
    assert!(file.verifies(1, keys[1].verifying_key()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_export_every_batch_exactly_once() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    f.write_new_key("k.pem");
    let db = f.env.db().await;
    let t = t0();
    let mut rows = Vec::new();
    for h in 0..6 {
        rows.push(row(h as u8, &["US"], t + hours(h)));
        rows.push(row(100 + h as u8, &["CA"], t + hours(h)));
    }
    insert(&db, &rows).await;
    let us = config(1, "us", "US", 3600, &[1]);
    let ca = config(2, "ca", "CA", 3600, &[1]);
    let windows: Vec<_> = (0..6).map(|h| (t + hours(h), t + hours(h + 1))).collect();
    cut(&f, &us, &windows).await;
    cut(&f, &ca, &windows).await;
    let snap = snapshot(&[us, ca], &[info(1, "k.pem", None)]);
    let now = t + hours(8);
    let worker = move |ctx: ExportContext, snap: ConfigSnapshot| async move {
        let mut done = Vec::new();
        // Batches postponed on a busy region lock are retried 5 s later.
        for at in [now, now + chrono::Duration::seconds(10)] {
            loop {
                match export_next(&ctx, &snap, at).await.unwrap() {
                    Some(BatchOutcome::Completed { batch_id, .. }) => done.push(batch_id),
                    Some(BatchOutcome::Postponed { .. }) => {}
                    Some(other) => panic!("{other:?}"),
                    None => break,
                }
            }
        }
        done
    };
    let (a, b) = tokio::join!(
        worker(f.ctx.clone(), snap.clone()),
        worker(f.ctx.clone(), snap.clone())
    );
    // Whatever was postponed last is picked up once the workers are done.
    let mut rest = Vec::new();
    while let Some(outcome) = export_next(&f.ctx, &snap, now + hours(1)).await.unwrap() {
        if let BatchOutcome::Completed { batch_id, .. } = outcome {
            rest.push(batch_id);
        }
    }
    let mut all: Vec<i64> = a.iter().chain(&b).chain(&rest).copied().collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "no batch exported twice");
    assert_eq!(all.len(), 12);
    for root in ["us", "ca"] {
        let index = String::from_utf8(f.blob(&format!("{root}/index.txt")).await.unwrap()).unwrap();
        assert_eq!(index.lines().count(), 6, "{root}: {index}");
        for line in index.lines() {
            assert_eq!(f.file(line).await.export.keys.len(), 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_deletes_expired_files_of_ended_configs_too() {
    let f = Fixture::new(ExportSettings {
        cleanup_ttl: Duration::from_secs(240 * 3600),
        ..settings(1, 0, 100)
    })
    .await;
    let empty = exporter::cleanup::cleanup(&f.ctx, &ConfigSnapshot::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        empty,
        exporter::cleanup::CleanupReport::default(),
        "C40: empty stores"
    );
    f.write_new_key("k.pem");
    let db = f.env.db().await;
    let now = Utc::now();
    let old = (now - hours(24 * 12), now - hours(24 * 12) + hours(1));
    let new = (now - hours(3), now - hours(2));
    insert(&db, &[row(1, &["US"], old.0), row(2, &["US"], new.0)]).await;
    let mut c = config(1, "us", "US", 3600, &[1]);
    c.from = now - hours(24 * 20);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    cut(&f, &c, &[old, new]).await;
    let mut names = Vec::new();
    while let Some(BatchOutcome::Completed { files, .. }) =
        export_next(&f.ctx, &snap, now).await.unwrap()
    {
        names.extend(files);
    }
    assert_eq!(names.len(), 2);
    // The config ends and disappears from the configuration: its files are still cleaned.
    let report = exporter::cleanup::cleanup(&f.ctx, &ConfigSnapshot::default(), now)
        .await
        .unwrap();
    // (The old file was already marked when its batch's index was written.)
    assert_eq!((report.files_deleted, report.batches_deleted), (1, 1));
    assert!(f.blob(&names[0]).await.is_none());
    assert!(f.blob(&names[1]).await.is_some());
    let index = String::from_utf8(f.blob("us/index.txt").await.unwrap()).unwrap();
    assert_eq!(index, names[1]);
}
