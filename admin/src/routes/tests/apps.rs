//! Authorized apps, malformed requests and Kafka outages.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use super::{api, TOKEN};

#[tokio::test]
async fn authorized_app_lifecycle_and_errors() {
    let api = api();
    let ha = api.create_authority("iss").await;
    let apps = "/admin/v1/authorized-apps";
    let (status, body) = api
        .call(
            Method::POST,
            apps,
            Some(
                json!({"healthAuthorityID": "Com.Example.App", "regions": ["US", " CA "],
                                               "allowedHealthAuthorityIDs": [ha]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({"healthAuthorityID": "com.example.app", "regions": ["US", "CA"], "allowedHealthAuthorityIDs": [ha],
               "bypassHealthAuthorityVerification": false, "bypassRevisionToken": false})
    );
    let (status, _) = api
        .call(
            Method::POST,
            apps,
            Some(json!({"healthAuthorityID": "com.example.APP", "regions": ["US"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = api
        .call(
            Method::POST,
            apps,
            Some(json!({"healthAuthorityID": "other", "regions": [" "]})),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("regions"))
    );
    let (status, body) = api
        .call(Method::POST, apps, Some(json!({"healthAuthorityID": "other", "regions": ["US"], "allowedHealthAuthorityIDs": [77]})))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("allowedHealthAuthorityIDs"))
    );

    let (status, body) = api
        .call(
            Method::GET,
            "/admin/v1/authorized-apps/COM.EXAMPLE.APP",
            None,
        )
        .await;
    assert_eq!(
        (status, body["regions"].clone()),
        (StatusCode::OK, json!(["US", "CA"]))
    );
    let (status, body) = api
        .call(
            Method::PUT,
            "/admin/v1/authorized-apps/com.example.app",
            Some(json!({"regions": ["DE"], "bypassRevisionToken": true})),
        )
        .await;
    assert_eq!(
        (status, body["bypassRevisionToken"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let (status, body) = api
        .call(
            Method::PUT,
            "/admin/v1/authorized-apps/com.example.app",
            Some(json!({"healthAuthorityID": "com.example.new", "regions": ["DE"]})),
        )
        .await;
    assert_eq!(
        (status, body["healthAuthorityID"].as_str()),
        (StatusCode::OK, Some("com.example.new"))
    );
    let (status, _) = api
        .call(
            Method::GET,
            "/admin/v1/authorized-apps/com.example.app",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .call(
            Method::PUT,
            "/admin/v1/authorized-apps/unknown",
            Some(json!({"regions": ["DE"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = api
        .call(
            Method::DELETE,
            "/admin/v1/authorized-apps/com.example.new",
            None,
        )
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _) = api
        .call(
            Method::DELETE,
            "/admin/v1/authorized-apps/com.example.new",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
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
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("jwksURI")),
        "{body}"
    );
    let big = format!(r#"{{"issuer":"{}"}}"#, "x".repeat(100_000));
    assert_eq!(
        api.send(request(Some("application/json"), &big)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let (status, body) = api.call(Method::GET, "/admin/v1/nothing", None).await;
    assert_eq!(
        (status, body["error"].is_string()),
        (StatusCode::NOT_FOUND, true)
    );
    let (status, body) = api
        .call(Method::DELETE, "/admin/v1/health-authorities", None)
        .await;
    assert_eq!(
        (status, body["error"].is_string()),
        (StatusCode::METHOD_NOT_ALLOWED, true)
    );
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
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("nothing was changed")),
        "{body}"
    );
    api.store.set_unavailable(false);
    assert_eq!(api.create_authority("i").await, 1);
    assert_eq!(
        api.metric("admin_config_writes_total", &[("result", "unavailable")]),
        1
    );
}
