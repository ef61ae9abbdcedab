//! Transport and JSON (reference cases A1–A13, C1): content type, JSON errors with their position, the 64,000-byte body limit, the routes, an unknown app.

use super::*;

#[tokio::test]
async fn content_type_must_be_application_json() {
    let h = harness(SinkMode::Accept, |_| {});
    for ct in ["application/pdf", "Application/JSON", ""] {
        let reply = h.post("/v1/publish", ct, "{}").await;
        assert_handler_response(&reply, 415, "bad_request");
        assert_eq!(
            reply.json()["error"],
            "error unmarshalling API call, code: 415: content-type is not application/json"
        );
    }
}

#[tokio::test]
async fn json_errors_name_the_problem_and_its_position() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h
        .post("/v1/publish", "application/json", "totally not json")
        .await;
    assert_handler_response(&reply, 400, "bad_request");
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: malformed json at position 2"
    );
    let reply = h.post("/v1/publish", "application/json", "{}{}").await;
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: body must contain only one JSON object"
    );
    let reply = h
        .post(
            "/v1/publish",
            "application/json",
            r#"{"temporaryExposureKeys":[{"rollingStartNumber": 2.0}]}"#,
        )
        .await;
    assert_handler_response(&reply, 400, "bad_request");
    let reply = h
        .post(
            "/v1/publish",
            "application/json; charset=utf-8",
            r#"{"regions":[]}"#,
        )
        .await;
    assert_eq!(
        reply.json()["error"],
        r#"error unmarshalling API call, code: 400: unknown field "regions""#
    );
    let reply = h.post("/v1/publish", "application/json", "").await;
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 400: body must not be empty"
    );
    assert!(h.events().is_empty());
}

#[tokio::test]
async fn bodies_over_64000_bytes_are_refused_with_413() {
    let h = harness(SinkMode::Accept, |_| {});
    let body = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_010 - 14));
    assert_eq!(body.len(), 64_010);
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 413, "bad_request");
    assert_eq!(
        reply.json()["error"],
        "error unmarshalling API call, code: 413: http: request body too large"
    );
    // Exactly 64,000 bytes is fine (it fails later, for the unknown app).
    let body = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_000 - 14));
    let reply = h.post("/v1/publish", "application/json", body).await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
}

#[tokio::test]
async fn only_the_publish_routes_and_health_are_public() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h.post("/", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, b"404 page not found\n");
    let reply = h.post("/v1/publish/", "application/json", "{}").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.api_version(), None);
    let reply = h
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, br#"{"status":"ok"}"#, "a bare liveness answer");
    // The ops endpoints are not on the public port.
    for path in ["/metrics", "/ready"] {
        let reply = h
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Any method reaches the publish handler.
    let reply = h
        .send(
            Request::put("/v1/publish")
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
}

#[tokio::test]
async fn an_unknown_app_is_refused_with_401() {
    let h = harness(SinkMode::Accept, |_| {});
    let reply = h
        .post(
            "/v1/publish",
            "application/json",
            r#"{"healthAuthorityID":"com.example.appWRONG"}"#,
        )
        .await;
    assert_handler_response(&reply, 401, "unknown_health_authority_id");
    assert_eq!(
        reply.json()["error"],
        "unauthorized health authority: com.example.appWRONG"
    );
}
