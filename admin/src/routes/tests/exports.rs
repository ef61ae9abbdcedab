//! Export configs and signature infos through the API.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::api;

#[tokio::test]
async fn signature_info_and_export_config_lifecycle() {
    let api = api();
    let info = api
        .create(
            "/admin/v1/signature-infos",
            json!({"signingKey": "export-signing-key.pem", "signingKeyId": "310",
                    "signingKeyVersion": "v1", "bundleId": "com.example.ios"}),
        )
        .await;
    assert_eq!(info["id"], 1);
    api.refuses(
        Method::POST,
        "/admin/v1/signature-infos",
        json!({"signingKey": "../etc/key.pem"}),
        StatusCode::BAD_REQUEST,
        "signingKey",
    )
    .await;

    let configs = "/admin/v1/export-configs";
    let config = api
        .create(
            configs,
            json!({"filenameRoot": "us", "periodSeconds": 3600, "outputRegion": "US",
                    "inputRegions": ["US", " CA "], "signatureInfoIds": [1],
                    "from": "2024-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(config["id"], 1);
    assert_eq!(config["inputRegions"], json!(["CA", "US"]));
    assert_eq!(config["from"], "2024-01-01T00:00:00Z");

    let (status, body) = api
        .call(
            Method::POST,
            configs,
            Some(json!({"filenameRoot": "US", "outputRegion": "US"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    api.refuses(
        Method::POST,
        configs,
        json!({"filenameRoot": "x", "outputRegion": "US", "periodSeconds": 25200}),
        StatusCode::BAD_REQUEST,
        "periodSeconds",
    )
    .await;
    api.refuses(
        Method::POST,
        configs,
        json!({"filenameRoot": "x", "outputRegion": "US", "signatureInfoIds": [5]}),
        StatusCode::BAD_REQUEST,
        "signatureInfoIds",
    )
    .await;

    let body = api
        .replace(
            "/admin/v1/export-configs/1",
            json!({"filenameRoot": "us", "outputRegion": "US", "periodSeconds": 7200,
                    "from": "2024-01-01T00:00:00Z", "thru": "2030-01-01T00:00:00Z",
                    "signatureInfoIds": [1]}),
        )
        .await;
    assert_eq!(body["periodSeconds"], 7200);
    let body = api.get("/admin/v1/export-configs/1").await;
    assert_eq!(body["thru"].as_str(), Some("2030-01-01T00:00:00Z"));
    let body = api.expect(Method::GET, configs, None, StatusCode::OK).await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    for missing in [
        "/admin/v1/export-configs/9",
        "/admin/v1/export-configs/x",
        "/admin/v1/signature-infos/2",
    ] {
        assert_eq!(
            api.call(Method::GET, missing, None).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    let body = api
        .replace(
            "/admin/v1/signature-infos/1",
            json!({"signingKey": "export-signing-key.pem", "signingKeyId": "310",
                    "signingKeyVersion": "v1", "thru": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        body["thru"].as_str(),
        Some("2030-01-01T00:00:00Z"),
        "{body}"
    );
    let body = api.get("/admin/v1/signature-infos").await;
    assert_eq!(
        body[0]["bundleId"].clone(),
        serde_json::Value::Null,
        "a replace drops fields not sent"
    );
    let (status, body) = api
        .call(Method::GET, "/admin/v1/signature-infos/1", None)
        .await;
    assert_eq!(
        (status, body["signingKeyId"].as_str(), body["thru"].as_str()),
        (StatusCode::OK, Some("310"), Some("2030-01-01T00:00:00Z"))
    );
}
