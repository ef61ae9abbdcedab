//! The outcome round trip of a publish through the real processor and projector into
//! PostgreSQL: the answer comes from the pipeline's outcome (not the edge's degraded answer), the
//! stored transmission risk and regions follow the report type and the app, negative reports are
//! not stored, and revision tokens revise earlier keys and are bound to the app that got them.

use harness::certs::SigningAuthority;
use harness::config::{seed_app, seed_fixture};
use harness::edge::{body, start_ingest, Client, Device};
use harness::keys::k;
use harness::store::{count, exposures_in_store};
use harness::{spawn, Running, TestEnv};
use serde_json::json;

/// The fixture plus two more apps (`com.example.other`, and `com.example.lower` with region
/// `us`), the processor, the projector and ingest awaiting outcomes for up to 20 s.
struct Stack {
    env: TestEnv,
    authority: SigningAuthority,
    client: Client,
    _ingest: Running,
    _processor: Running,
    _projector: Running,
}

async fn stack() -> Stack {
    let env = TestEnv::with_database().await;
    let authority = seed_fixture(&env).await;
    seed_app(&env, "com.example.other", &["US"], &[1], false, false).await;
    seed_app(&env, "com.example.lower", &["us"], &[1], false, false).await;
    let processor = spawn::<processor::Processor>(&env, &[]).await;
    let projector = spawn::<projector::Projector>(&env, &[]).await;
    let ingest = start_ingest(&env, &[("PUBLISH_OUTCOME_WAIT", "10s")]).await;
    Stack {
        client: Client::new(&ingest),
        env,
        authority,
        _ingest: ingest,
        _processor: processor,
        _projector: projector,
    }
}

#[tokio::test]
async fn outcomes_decide_the_stored_risk_and_regions_and_drop_negative_reports() {
    let s = stack().await;
    let c = &s.client;
    let device = Device::new();

    // A confirmed report with transmission risk 0 is stored with risk 2; regions are stored
    // upper-cased.
    let keys = vec![k(1), k(2)];
    let b = body(
        "com.example.lower",
        &keys,
        &device.cert(&s.authority, "confirmed", &keys),
        &device.hmac_key,
    );
    let json = c.publish(&b).await.expect(200, None);
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let rows = exposures_in_store(&s.env.db().await).await;
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.transmission_risk == 2 && r.report_type == "confirmed" && r.regions == ["US"]));

    // A user report keeps the client's transmission risk (0 stays 0, 5 stays 5).
    let mut g3 = vec![k(3), k(4)];
    g3[1].transmission_risk = 5;
    c.publish(&device.body(&s.authority, "user-report", &g3))
        .await
        .expect(200, None);
    let rows = exposures_in_store(&s.env.db().await).await;
    let tr = |key: &str| {
        rows.iter()
            .find(|r| r.key == key)
            .unwrap()
            .transmission_risk
    };
    assert_eq!((tr(&g3[0].key), tr(&g3[1].key)), (0, 5));

    // Negative keys are not stored; the answer has a token and no insertedExposures.
    let json = c
        .publish(&device.body(&s.authority, "negative", &[k(5)]))
        .await
        .expect(200, None);
    assert!(json.get("insertedExposures").is_none());
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(count(&s.env.db().await).await, 4);
    assert_eq!(
        c.metric("keyserver_publish_degraded_total").await,
        0.0,
        "every answer came from an outcome"
    );
}

#[tokio::test]
async fn revision_tokens_round_trip_and_are_bound_to_the_app() {
    let s = stack().await;
    let c = &s.client;
    let device = Device::new();
    let keys = vec![k(1), k(2)];

    let first = c
        .publish(&device.body(&s.authority, "likely", &keys))
        .await
        .expect(200, None);
    let token = first["revisionToken"].as_str().unwrap().to_owned();

    // A token is bound to the app it was issued through: through another app it is invalid.
    let mut other = body(
        "com.example.other",
        &keys,
        &device.cert(&s.authority, "confirmed", &keys),
        &device.hmac_key,
    );
    other["revisionToken"] = json!(token);
    let r = c.publish(&other).await;
    r.expect(400, Some("invalid_revision_token"));
    assert_eq!(r.error(), "revision token is invalid");

    // Keys already stored need their token: "!!!" is not base64, so no token was sent.
    let mut no_token = device.body(&s.authority, "confirmed", &keys);
    no_token["revisionToken"] = json!("!!!");
    c.publish(&no_token)
        .await
        .expect(400, Some("missing_revision_token"));

    // With the token, accepted in any base64 flavour, the keys are revised.
    let mut revise = device.body(&s.authority, "confirmed", &keys);
    revise["revisionToken"] = json!(token
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('='));
    let json = c.publish(&revise).await.expect(200, None);
    assert!(json.get("insertedExposures").is_none());
    let next = json["revisionToken"].as_str().unwrap();
    assert!(!next.is_empty() && next != token);
    let rows = exposures_in_store(&s.env.db().await).await;
    assert!(rows.iter().all(
        |r| r.report_type == "likely" && r.revised_report_type.as_deref() == Some("confirmed")
    ));
}
