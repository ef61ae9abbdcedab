//! Authorized apps, malformed requests and Kafka outages.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use super::{api, assert_error_mentions, TOKEN};

#[tokio::test]
async fn authorized_app_lifecycle_and_errors() {
    let api = api();
    let ha = api.create_authority("iss").await;
    let apps = "/admin/v1/authorized-apps";
    let body = api
        .create(
            apps,
            json!({"healthAuthorityID": "Com.Example.App", "regions": ["US", " CA "],
                   "allowedHealthAuthorityIDs": [ha]}),
        )
        .await;
    assert_eq!(
        body,
        json!({"healthAuthorityID": "com.example.app", "regions": ["US", "CA"], "allowedHealthAuthorityIDs": [ha],
               "bypassHealthAuthorityVerification": false, "bypassRevisionToken": false})
    );
    api.expect(
        Method::POST,
        apps,
        Some(json!({"healthAuthorityID": "com.example.APP", "regions": ["US"]})),
        StatusCode::CONFLICT,
    )
    .await;
    api.refuses(
        Method::POST,
        apps,
        json!({"healthAuthorityID": "other", "regions": [" "]}),
        StatusCode::BAD_REQUEST,
        "regions",
    )
    .await;
    api.refuses(
        Method::POST,
        apps,
        json!({"healthAuthorityID": "other", "regions": ["US"], "allowedHealthAuthorityIDs": [77]}),
        StatusCode::BAD_REQUEST,
        "allowedHealthAuthorityIDs",
    )
    .await;

    let body = api.get("/admin/v1/authorized-apps/COM.EXAMPLE.APP").await;
    assert_eq!(body["regions"].clone(), json!(["US", "CA"]));
    let body = api
        .replace(
            "/admin/v1/authorized-apps/com.example.app",
            json!({"regions": ["DE"], "bypassRevisionToken": true}),
        )
        .await;
    assert_eq!(body["bypassRevisionToken"].as_bool(), Some(true), "{body}");
    let body = api
        .replace(
            "/admin/v1/authorized-apps/com.example.app",
            json!({"healthAuthorityID": "com.example.new", "regions": ["DE"]}),
        )
        .await;
    assert_eq!(body["healthAuthorityID"].as_str(), Some("com.example.new"));
    api.not_found(
        Method::GET,
        "/admin/v1/authorized-apps/com.example.app",
        None,
    )
    .await;
    api.not_found(
        Method::PUT,
        "/admin/v1/authorized-apps/unknown",
        Some(json!({"regions": ["DE"]})),
    )
    .await;

    let body = api
        .expect(
            Method::DELETE,
            "/admin/v1/authorized-apps/com.example.new",
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(body, Value::Null);
    api.not_found(
        Method::DELETE,
        "/admin/v1/authorized-apps/com.example.new",
        None,
    )
    .await;
    let (_, body) = api.call(Method::GET, apps, None).await;
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn malformed_requests_get_the_error_shape() {
    let api = api();
    let request = |content_type: Option<&str>, body: &str| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/admin/v1/health-authorities")
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder
            .body(Body::from(body.to_owned()))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (status, body) = api
        .send(request(Some("application/json"), "{not json"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string());
    let (status, body) = api.send(request(None, "{}")).await;
    assert_eq!(
        (status, body["error"].is_string()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, true)
    );
    let (status, body) = api
        .send(request(
            Some("application/json"),
            r#"{"issuer":"i","audience":"a","name":"n","jwksURI":"x"}"#,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error_mentions(&body, "jwksURI");
    let big = format!(r#"{{"issuer":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(
        api.send(request(Some("application/json"), &big)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    for (method, path, status) in [
        (Method::GET, "/admin/v1/nothing", StatusCode::NOT_FOUND),
        (
            Method::DELETE,
            "/admin/v1/health-authorities",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let body = api.expect(method, path, None, status).await;
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    assert!(api.store.events().is_empty());
}

#[tokio::test]
async fn kafka_outage_is_503_and_changes_nothing() {
    let api = api();
    api.store.set_unavailable(true);
    let (status, body) = api
        .call(
            Method::POST,
            "/admin/v1/health-authorities",
            Some(json!({"issuer": "i", "audience": "a", "name": "n"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_error_mentions(&body, "nothing was changed");
    api.store.set_unavailable(false);
    assert_eq!(api.create_authority("i").await, 1);
    assert_eq!(
        api.metric("admin_config_writes_total", &[("result", "unavailable")]),
        1
    );
}
