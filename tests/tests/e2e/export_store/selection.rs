//! Which keys a batch exports (window, regions, revisions) and how batches cut a window into hours.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_selected_by_window_and_criteria() {
    let f = Fixture::new(settings(1, 0, 100)).await;
    let db = f.env.db().await;
    let (s, e) = (t0(), t0() + hours(1));
    // C29/C30: window bounds, travelers.
    let mut at_start = row(1, &["USA"], s);
    at_start.traveler = true;
    let at_end = row(2, &["USB"], e);
    insert(&db, &[at_start.clone(), at_end]).await;
    let criteria = KeyCriteria {
        include_regions: vec!["US".into()],
        include_travelers: true,
        ..KeyCriteria::default()
    };
    let got = batch_keys(&f.ctx.pool, &criteria, s, e).await.unwrap();
    assert_eq!(got.primaries.len(), 1);
    assert_eq!(got.primaries[0].key.key_data, at_start.key);

    // C33/C35 on a later day.
    let t = t0() + hours(48);
    let mut k0 = row(10, &["US", "CA", "MX"], t);
    let mut k1 = row(11, &["CA"], t + hours(1));
    k1.traveler = true;
    let mut k2 = row(12, &["MX", "CA"], t + hours(2));
    k2.local = false;
    let mut k3 = row(13, &["US"], t + hours(3));
    k3.traveler = true;
    k3.local = false;
    k0.report_type = "likely";
    insert(&db, &[k0.clone(), k1.clone(), k2.clone(), k3.clone()]).await;
    let ids = |c: KeyCriteria, from: DateTime<Utc>| {
        let pool = f.ctx.pool.clone();
        async move {
            let keys = batch_keys(&pool, &c, from, t + hours(4)).await.unwrap();
            keys.primaries
                .iter()
                .map(|p| p.key.key_data[15])
                .collect::<BTreeSet<u8>>()
        }
    };
    let inc = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let set = |v: &[u8]| v.iter().copied().collect::<BTreeSet<u8>>();
    let c = |include: &[&str], exclude: &[&str]| KeyCriteria {
        include_regions: inc(include),
        exclude_regions: inc(exclude),
        ..KeyCriteria::default()
    };
    assert_eq!(ids(c(&["US"], &[]), t).await, set(&[10, 13]));
    assert_eq!(ids(c(&[], &["US"]), t).await, set(&[11, 12]));
    assert_eq!(ids(c(&["CA"], &["MX"]), t).await, set(&[11]));
    let travelers = KeyCriteria {
        include_travelers: true,
        ..c(&["CA"], &[])
    };
    assert_eq!(ids(travelers, t).await, set(&[10, 11, 12, 13]));
    let only_travelers = KeyCriteria {
        only_travelers: true,
        ..c(&[], &[])
    };
    assert_eq!(ids(only_travelers.clone(), t).await, set(&[11, 13]));
    let local_travelers = KeyCriteria {
        only_local_provenance: true,
        ..only_travelers
    };
    assert_eq!(ids(local_travelers, t).await, set(&[11]));
    assert_eq!(ids(c(&["CA"], &["MX"]), t + hours(2)).await, set(&[]));
    // Non-travelers with two regions: a key matches when its regions overlap the included ones.
    let non_travelers = |include: &[&str]| KeyCriteria {
        only_non_travelers: true,
        ..c(include, &[])
    };
    assert_eq!(ids(non_travelers(&["US"]), t).await, set(&[10]));
    assert_eq!(ids(non_travelers(&["US", "CA"]), t).await, set(&[10, 12]));
    assert_eq!(ids(c(&["US", "CA"], &["MX"]), t).await, set(&[11, 13]));
    // Report types come across mapped.
    let keys = batch_keys(&f.ctx.pool, &c(&["US"], &[]), t, t + hours(1))
        .await
        .unwrap();
    assert_eq!(
        keys.primaries[0].key.report_type,
        Some(ReportType::ConfirmedClinicalDiagnosis)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hourly_batches_partition_a_four_hour_window() {
    let f = Fixture::new(settings(1, 0, 1)).await;
    let db = f.env.db().await;
    let t = t0();
    let mut rows = Vec::new();
    for i in 0..40u8 {
        let mut us = row(i, &["US"], t + chrono::Duration::minutes(i64::from(i) * 6));
        us.revised = (i % 3 == 0).then_some((
            "negative",
            t + chrono::Duration::minutes(i64::from(i) * 5),
            None,
        ));
        let mut ca_traveler = row(i, &["CA"], us.created_at);
        ca_traveler.traveler = true;
        ca_traveler.local = false;
        let mut ca = row(i, &["CA"], us.created_at);
        ca.local = false;
        rows.extend([us, ca_traveler, ca]);
    }
    insert(&db, &rows).await;
    for criteria in [
        KeyCriteria {
            include_regions: vec!["US".into()],
            include_travelers: true,
            ..KeyCriteria::default()
        },
        KeyCriteria {
            include_regions: vec!["CA".into()],
            only_non_travelers: true,
            ..KeyCriteria::default()
        },
    ] {
        let whole = batch_keys(&f.ctx.pool, &criteria, t, t + hours(4))
            .await
            .unwrap();
        let mut union = Vec::new();
        let mut revised = Vec::new();
        for h in 0..4 {
            let part = batch_keys(&f.ctx.pool, &criteria, t + hours(h), t + hours(h + 1))
                .await
                .unwrap();
            union.extend(part.primaries.into_iter().map(|p| p.key.key_data));
            revised.extend(part.revised.into_iter().map(|k| k.key_data));
        }
        let whole_keys: Vec<_> = whole
            .primaries
            .into_iter()
            .map(|p| p.key.key_data)
            .collect();
        assert_eq!(union.len(), whole_keys.len(), "disjoint");
        assert_eq!(
            union.iter().collect::<BTreeSet<_>>(),
            whole_keys.iter().collect::<BTreeSet<_>>()
        );
        assert_eq!(revised.len(), whole.revised.len());
    }
}
