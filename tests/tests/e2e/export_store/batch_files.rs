//! The files of a batch: splitting with end offsets, revised keys filling the last file, padding persisted so a rerun writes the same bytes.

use super::*;

/// Cuts a batch `[s, e)` of `c` and runs the worker once at `now`.
pub(super) async fn export_once(
    f: &Fixture,
    snap: &ConfigSnapshot,
    c: &ExportConfig,
    s: DateTime<Utc>,
    e: DateTime<Utc>,
) -> Result<Option<BatchOutcome>, ExportError> {
    cut(f, c, &[(s, e)]).await;
    export_next(&f.ctx, snap, e + hours(1)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_batches_carry_end_offsets_and_revised_keys_fill_the_last_file() {
    let f = Fixture::new(settings(1, 0, 3)).await;
    f.write_new_key("k.pem");
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    let rows: Vec<_> = (0..10u8)
        .map(|i| row(i, &["US"], s + chrono::Duration::minutes(i.into())))
        .collect();
    insert(&db, &rows).await;
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let (start, end) = (s.timestamp(), e.timestamp());
    assert_eq!(
        files,
        (1..=4)
            .map(|n| format!("us/{start}-{end}-{n:05}.zip"))
            .collect::<Vec<_>>()
    );
    let mut seen = BTreeSet::new();
    for (k, name) in files.iter().enumerate() {
        let file = f.file(name).await;
        let x = &file.export;
        assert_eq!(x.start_timestamp, Some(start as u64));
        assert_eq!(
            x.end_timestamp,
            Some((end + k as i64 + 1) as u64),
            "file {k} ends at end + k"
        );
        assert_eq!((x.batch_num, x.batch_size), (Some(1), Some(1)));
        seen.extend(x.keys.iter().filter_map(|k| k.key_data.clone()));
    }
    assert_eq!(seen.len(), 10);
    let index = String::from_utf8(f.blob("us/index.txt").await.unwrap()).unwrap();
    assert_eq!(index, files.join("\n"));

    // C43: 3 primaries + 2 revised with M = 4, no padding although MIN_RECORDS is 1000.
    let f = Fixture::new(settings(1000, 0, 4)).await;
    f.write_new_key("k.pem");
    let db = f.env.db().await;
    let mut rows: Vec<_> = (0..3u8).map(|i| row(i, &["US"], s)).collect();
    for i in 3..5u8 {
        let mut r = row(i, &["US"], s - hours(48));
        r.revised = Some(("negative", s + chrono::Duration::minutes(5), Some(3)));
        rows.push(r);
    }
    insert(&db, &rows).await;
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    assert_eq!(files.len(), 2);
    let (a, b) = (
        f.file(&files[0]).await.export,
        f.file(&files[1]).await.export,
    );
    assert_eq!((a.keys.len(), a.revised_keys.len()), (3, 1));
    assert_eq!((b.keys.len(), b.revised_keys.len()), (0, 1));
    assert_eq!(
        (a.end_timestamp, b.end_timestamp),
        (Some(end as u64 + 1), Some(end as u64 + 2))
    );
    assert_eq!(
        b.revised_keys[0].report_type,
        Some(ReportType::Revoked as i32)
    );
    assert_eq!(b.revised_keys[0].days_since_onset_of_symptoms, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn padding_is_persisted_and_a_rerun_writes_the_same_bytes() {
    let f = Fixture::new(settings(20, 0, 100)).await;
    let key = f.write_new_key("k.pem");
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    insert(
        &db,
        &(0..3u8)
            .map(|i| row(i, &["US"], s + chrono::Duration::minutes(i.into())))
            .collect::<Vec<_>>(),
    )
    .await;
    let c = config(1, "us", "US", 3600, &[1]);
    let snap = snapshot(std::slice::from_ref(&c), &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { batch_id, files }) =
        export_once(&f, &snap, &c, s, e).await.unwrap()
    else {
        panic!("not completed")
    };
    let first = f.blob(&files[0]).await.unwrap();
    let file = read_file(&first).unwrap();
    // Padding copies the 3 real keys round-robin in full passes: 3 → 21 (≥ MIN_RECORDS 20).
    assert_eq!(file.export.keys.len(), 21);
    assert!(file.verifies(0, key.verifying_key()));
    let fakes: i64 = db
        .query_one(
            "SELECT count(*) FROM export_padding_key WHERE batch_id = $1",
            &[&batch_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fakes, 18);
    // A worker racing on the same batch cannot add a second set of fakes: it gets the first.
    let persisted = exporter::repository::keys::padding_of_batch(&f.ctx.pool, batch_id)
        .await
        .unwrap();
    assert_eq!(persisted.len(), 18);
    let mut other = persisted.clone();
    other[0].key.key_data = vec![7; 16];
    assert!(
        !exporter::repository::keys::insert_padding(&f.ctx.pool, batch_id, &other[..1])
            .await
            .unwrap()
    );
    assert_eq!(
        db.query_one("SELECT count(*) FROM exposure", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        3,
        "the exporter never writes the query store"
    );
    // Regenerate: the batch goes back to OPEN; the rerun reuses the persisted fakes.
    db.execute(
        "UPDATE export_batch SET status = 'OPEN' WHERE batch_id = $1",
        &[&batch_id],
    )
    .await
    .unwrap();
    f.ctx.blobs.delete(&files[0]).await.unwrap();
    let Some(BatchOutcome::Completed { files: again, .. }) =
        export_next(&f.ctx, &snap, e + hours(2)).await.unwrap()
    else {
        panic!("rerun not completed")
    };
    assert_eq!(again, files);
    assert_eq!(
        f.blob(&files[0]).await.unwrap(),
        first,
        "byte-identical rerun"
    );

    // An overlapping daily config of the same region carries the same fakes.
    let daily = config(2, "us-daily", "US", 86_400, &[1]);
    let snap = snapshot(&[c, daily.clone()], &[info(1, "k.pem", None)]);
    let Some(BatchOutcome::Completed { files, .. }) =
        export_once(&f, &snap, &daily, s, s + hours(24))
            .await
            .unwrap()
    else {
        panic!("daily not completed")
    };
    let daily_keys: BTreeSet<_> = f
        .file(&files[0])
        .await
        .export
        .keys
        .into_iter()
        .filter_map(|k| k.key_data)
        .collect();
    let hourly_keys: BTreeSet<_> = file
        .export
        .keys
        .into_iter()
        .filter_map(|k| k.key_data)
        .collect();
    assert_eq!(daily_keys, hourly_keys);
}
