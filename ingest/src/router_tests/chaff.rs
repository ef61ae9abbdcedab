//! Chaff (reference cases B1–B5): answered like an accepted upload and never enqueued, with a capped delay; maintenance mode.

use super::*;

#[tokio::test]
async fn chaff_before_any_traffic_and_an_empty_chaff_header_is_real() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h.chaff("1", Body::from("garbage")).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Before any real traffic: padding from the real answers' distribution, the same headers.
    let padding = reply.json()["padding"].as_str().unwrap().len();
    assert!((20..=44).contains(&padding), "{padding}");
    assert_eq!(reply.api_version(), Some("v1"));
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(h.events().is_empty());
    assert_eq!(h.state.metrics().chaff.get(), 1);
    // An empty X-Chaff is a real request.
    let request = Request::post("/v1/publish")
        .header("x-chaff", "")
        .header("content-type", "application/json")
        .body(Body::from("garbage"))
        .unwrap();
    let reply = h.send(request).await;
    assert_handler_response(&reply, 400, "bad_request");
}

#[tokio::test]
async fn chaff_imitates_real_accepted_uploads() {
    let h = harness(SinkMode::Accept, |s| {
        s.padding = Padding {
            min_bytes: 1500,
            range: 1,
        }
    });
    // Refusals are not sampled: chaff imitates accepted uploads only.
    h.post(
        "/v1/publish",
        "application/json",
        r#"{"healthAuthorityID":"nope"}"#,
    )
    .await;
    assert!(h.state.chaff().is_empty());
    let (body, _) = h.valid_body("confirmed");
    let real = h.post("/v1/publish", "application/json", body).await;
    assert_eq!(real.status, StatusCode::OK);
    assert_eq!(h.state.chaff().len(), 1);
    let chaff = h.chaff("yes", Body::from("{}")).await;
    assert_eq!(chaff.status, StatusCode::OK);
    assert_eq!(chaff.body.len(), real.body.len(), "the drawn real length");
    let names = |headers: &http::HeaderMap| {
        let mut names: Vec<String> = headers.keys().map(|k| k.to_string()).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(names(&chaff.headers), names(&real.headers));
    assert_eq!(chaff.api_version(), real.api_version());
    assert_eq!(chaff.json().as_object().unwrap().len(), 1);
    assert_eq!(h.events().len(), 1, "only the real upload was enqueued");
}

#[tokio::test]
async fn chaff_delay_is_capped() {
    let h = harness(SinkMode::Accept, |s| {
        s.chaff_max_latency = Duration::from_millis(30)
    });
    h.state.chaff().record(crate::chaff::Sample {
        latency: Duration::from_secs(10),
        body_bytes: 100,
        header_bytes: 0,
    });
    let started = std::time::Instant::now();
    let reply = h.chaff("1", Body::empty()).await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        elapsed >= Duration::from_millis(30) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn maintenance_mode_answers_429_except_to_chaff_and_ops() {
    let h = harness(SinkMode::Accept, |s| s.maintenance_mode = true);
    let reply = h.post("/v1/publish", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.body, br#"{"error": "please try again later"}"#);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(reply.api_version(), None);
    let reply = h.chaff("1", Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK);
    // Ops endpoints are not in maintenance.
    let reply = h
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}
