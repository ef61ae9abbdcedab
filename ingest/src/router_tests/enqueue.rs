//! Enqueueing and answering: one event per valid publish, outcome answers when they arrive in time, degraded answers when they do not, a broker that does not acknowledge (503), request timeouts and load shedding.

use super::*;

#[tokio::test]
async fn valid_publish_is_enqueued_once_and_answered_degraded() {
    let h = harness(SinkMode::Accept, |s| {
        s.outcome_wait = Duration::from_millis(20)
    });
    let (body, keys) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 200, "");
    let json = reply.json();
    assert_eq!(json["insertedExposures"], 2);
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(json.get("code").is_none() && json.get("error").is_none());
    let events = h.events();
    assert_eq!(events.len(), 1);
    let (key, envelope) = &events[0];
    assert_eq!(key, APP);
    assert!(envelope.request_id.is_some());
    let event = &envelope.payload;
    assert_eq!(event.authorized_app, APP);
    assert_eq!(event.keys.len(), 2);
    let mut sent: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(
        event
            .keys
            .iter()
            .map(|k| k.key.as_str())
            .collect::<Vec<_>>(),
        sent
    );
    assert_eq!(event.platform, schemas::publish::Platform::Android);
    assert_eq!(event.reply_to, h.state.outcomes().reply_to());
    assert_eq!(h.state.metrics().degraded.get(), 1);
    assert_eq!(
        h.state
            .metrics()
            .requests
            .with_label_values(&["OK", "NONE"])
            .get(),
        1
    );
    // The minted token opens for this app.
    let token = json["revisionToken"].as_str().unwrap();
    assert!(
        matches!(h.state.rules().tokens.open(APP, token), crate::revision_token::Opened::Valid(e) if e.len() == 2)
    );
}

#[tokio::test]
async fn outcome_answers_are_used_when_they_arrive() {
    let h = harness(SinkMode::AcceptWithOutcome(200), |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 200, "");
    assert_eq!(reply.json()["insertedExposures"], 7);
    assert!(
        reply.json().get("revisionToken").is_none(),
        "no token entries in this outcome"
    );
    assert_eq!(h.state.metrics().degraded.get(), 0);

    let h = harness(SinkMode::AcceptWithOutcome(400), |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 400, "invalid_revision_token");
    assert_eq!(reply.json()["error"], "revision token is invalid");
    assert_eq!(
        h.state
            .metrics()
            .requests
            .with_label_values(&["INVALID_REVISION_TOKEN", "CLIENT"])
            .get(),
        1
    );
}

#[tokio::test]
async fn broker_not_acknowledging_is_503() {
    let h = harness(SinkMode::Fail, |_| {});
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 503, "internal_error");
    assert!(reply.json().get("revisionToken").is_none());
    assert_eq!(h.state.metrics().enqueue_failures.get(), 1);
}

#[tokio::test]
async fn request_timeout_is_503() {
    let h = harness(SinkMode::Hang, |s| {
        s.request_timeout = Duration::from_millis(100)
    });
    let (body, _) = h.valid_body("confirmed");
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 503, "internal_error");
    assert_eq!(h.state.metrics().timeouts.get(), 1);
}

#[tokio::test]
async fn concurrency_limit_sheds_load() {
    let h = harness(SinkMode::Hang, |s| {
        s.max_concurrent_requests = 1;
        s.request_timeout = Duration::from_millis(500);
    });
    let (body, _) = h.valid_body("confirmed");
    let router = h.router.clone();
    let first_body = body.clone();
    let first = tokio::spawn(async move {
        router
            .oneshot(
                Request::post("/v1/publish")
                    .header("content-type", "application/json")
                    .body(Body::from(first_body))
                    .unwrap(),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h.state.metrics().overloaded.get(), 1);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
}
