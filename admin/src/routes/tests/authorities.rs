//! Health authorities and their keys.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{api, assert_error_mentions};
use crate::validation::test_support::{P256_PEM, RSA_PEM};

#[tokio::test]
async fn health_authority_lifecycle_and_errors() {
    let api = api();
    let body = api
        .create(
            "/admin/v1/health-authorities",
            json!({"issuer": " gov.example.iss ", "audience": "gov.example.aud", "name": "Example",
                   "jwksUri": "https://verify.example.org/jwks"}),
        )
        .await;
    assert_eq!(
        body,
        json!({"id": 1, "issuer": "gov.example.iss", "audience": "gov.example.aud", "name": "Example",
               "jwksUri": "https://verify.example.org/jwks", "enableStats": true})
    );
    assert_eq!(api.create_authority("other").await, 2);

    api.refuses(
        Method::POST,
        "/admin/v1/health-authorities",
        json!({"issuer": "gov.example.iss", "audience": "a", "name": "n"}),
        StatusCode::CONFLICT,
        "issuer",
    )
    .await;

    let body = api
        .refuses(
            Method::POST,
            "/admin/v1/health-authorities",
            json!({"issuer": "", "audience": "a"}),
            StatusCode::BAD_REQUEST,
            "issuer",
        )
        .await;
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(2), "{body}");

    let body = api
        .replace(
            "/admin/v1/health-authorities/1",
            json!({"id": 1, "issuer": "gov.example.iss", "audience": "aud2", "name": "Renamed", "enableStats": false}),
        )
        .await;
    assert_eq!(
        (body["audience"].as_str(), body.get("jwksUri")),
        (Some("aud2"), None)
    );
    let (status, body) = api
        .call(Method::GET, "/admin/v1/health-authorities/1", None)
        .await;
    assert_eq!(
        (status, body["name"].as_str(), body["enableStats"].as_bool()),
        (StatusCode::OK, Some("Renamed"), Some(false))
    );
    let (_, body) = api
        .call(Method::GET, "/admin/v1/health-authorities", None)
        .await;
    assert_eq!(body.as_array().map(Vec::len), Some(2));

    for path in [
        "/admin/v1/health-authorities/99",
        "/admin/v1/health-authorities/abc",
    ] {
        let (status, body) = api.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body["error"].is_string());
    }
    api.not_found(
        Method::PUT,
        "/admin/v1/health-authorities/99",
        Some(json!({"issuer": "x", "audience": "a", "name": "n"})),
    )
    .await;

    let events = api.store.events();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].0, "health-authority/1");
    assert!(events.iter().all(|(_, e)| e.payload.actor == "admin-token"));
    assert_eq!(
        api.metric(
            "admin_config_writes_total",
            &[("kind", "health_authority_create"), ("result", "ok")]
        ),
        2
    );
    assert_eq!(
        api.metric("admin_config_writes_total", &[("result", "conflict")]),
        1
    );
}

#[tokio::test]
async fn key_lifecycle_and_errors() {
    let api = api();
    let id = api.create_authority("iss").await;
    let keys = format!("/admin/v1/health-authorities/{id}/keys");
    let body = api
        .create(
            &keys,
            json!({"version": "v1", "publicKeyPem": P256_PEM.replace('\n', "\r\n")}),
        )
        .await;
    assert_eq!(
        (body["publicKeyPem"].as_str(), body["status"].as_str()),
        (Some(P256_PEM), Some("current"))
    );
    assert!(body.get("thru").is_none());

    for (pem, needle) in [
        (RSA_PEM, "RSA"),
        (
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "PKIX",
        ),
        ("nope", "PEM"),
    ] {
        let body = api
            .expect(
                Method::POST,
                &keys,
                Some(json!({"version": "v2", "publicKeyPem": pem})),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(body["field"].as_str(), Some("publicKeyPem"), "{body}");
        assert_error_mentions(&body, needle);
    }
    api.refuses(
        Method::POST,
        &keys,
        json!({"version": "v1", "publicKeyPem": P256_PEM}),
        StatusCode::CONFLICT,
        "version",
    )
    .await;
    api.not_found(
        Method::POST,
        "/admin/v1/health-authorities/42/keys",
        Some(json!({"version": "v1", "publicKeyPem": P256_PEM})),
    )
    .await;
    api.refuses(Method::POST, &keys, json!({"version": "future", "publicKeyPem": P256_PEM, "from": "2999-01-01T00:00:00Z", "thru": "2998-01-01T00:00:00Z"}), StatusCode::BAD_REQUEST, "thru").await;
    let body = api
        .create(
            &keys,
            json!({"version": "future", "publicKeyPem": P256_PEM, "from": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(body["status"].as_str(), Some("future"));

    // Each action answers the key as it now stands: (action, status, whether it has an end).
    for (action, status, ends) in [
        ("v1/revoke", "inactive", true),
        ("v1/reinstate", "current", false),
        ("future/activate", "current", false),
    ] {
        let path = format!("{keys}/{action}");
        let body = api.expect(Method::POST, &path, None, StatusCode::OK).await;
        assert_eq!(
            (body["status"].as_str(), body.get("thru").is_some()),
            (Some(status), ends),
            "{action}: {body}"
        );
    }
    api.not_found(Method::POST, &format!("{keys}/nope/revoke"), None)
        .await;

    let body = api.get(&keys).await;
    let versions: Vec<_> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["version"].as_str())
        .collect();
    assert_eq!(versions, ["future", "v1"]);
}
