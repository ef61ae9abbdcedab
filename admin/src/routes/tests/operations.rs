//! The audit trail and the JWKS sync.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::{json, Value};

use super::{api, assert_error_mentions};
use crate::jwks::document::jwk_json;

#[tokio::test]
async fn audit_lists_the_latest_changes_newest_first() {
    let api = api();
    for issuer in ["a", "b", "c"] {
        api.create_authority(issuer).await;
    }
    let body = api.get("/admin/v1/audit?limit=2").await;
    let entries = body.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["payload"]["change"]["entity"]["issuer"], "c");
    assert_eq!(entries[0]["payload"]["actor"], "admin-token");
    assert_eq!(entries[0]["eventType"], "config.changed");
    assert_eq!(entries[0]["offset"], 2);
    let (_, body) = api.call(Method::GET, "/admin/v1/audit", None).await;
    assert_eq!(body.as_array().map(Vec::len), Some(3));
    for bad in ["0", "1001", "x"] {
        let body = api
            .expect(
                Method::GET,
                &format!("/admin/v1/audit?limit={bad}"),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(body["field"].as_str(), Some("limit"), "{bad}");
    }
}

/// A JWKS endpoint whose document and status the test controls.
async fn jwks_server(document: Arc<Mutex<(StatusCode, Value)>>) -> String {
    let app = Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let document = document.clone();
            async move {
                let (status, body) = document
                    .lock()
                    .map(|d| d.clone())
                    .unwrap_or_else(|e| e.into_inner().clone());
                (status, axum::Json(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/jwks")
}

fn public_key(seed: u8) -> p256::PublicKey {
    p256::SecretKey::from_slice(&[seed; 32])
        .unwrap_or_else(|e| panic!("{e}"))
        .public_key()
}

#[tokio::test]
async fn jwks_sync_adds_revokes_and_reports_failures() {
    let api = api();
    let document = Arc::new(Mutex::new((
        StatusCode::OK,
        json!([jwk_json("k1", &public_key(1))]),
    )));
    let uri = jwks_server(document.clone()).await;
    api.create(
        "/admin/v1/health-authorities",
        json!({"issuer": "jwks", "audience": "a", "name": "n", "jwksUri": uri}),
    )
    .await;
    let keys = "/admin/v1/health-authorities/1/keys";

    let (status, report) = api.call(Method::POST, "/admin/v1/jwks-sync", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            report["ok"].as_bool(),
            report["healthAuthorities"][0]["added"].clone()
        ),
        (Some(true), json!(["k1"])),
        "{report}"
    );
    let (_, body) = api.call(Method::GET, keys, None).await;
    assert_eq!(body[0]["version"], "k1");
    assert_eq!(body[0]["status"], "current");

    // Unchanged document: nothing to do.
    let (_, report) = api.call(Method::POST, "/admin/v1/jwks-sync", None).await;
    assert_eq!(report["healthAuthorities"][0]["added"], json!([]));
    let events_before = api.store.events().len();

    // Rotation: k1 vanishes, k2 appears, an RSA entry is skipped.
    if let Ok(mut d) = document.lock() {
        d.1 = json!([jwk_json("k2", &public_key(2)), {"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]);
    }
    let (_, report) = api.call(Method::POST, "/admin/v1/jwks-sync", None).await;
    let entry = &report["healthAuthorities"][0];
    assert_eq!(
        (entry["added"].clone(), entry["revoked"].clone()),
        (json!(["k2"]), json!(["k1"])),
        "{report}"
    );
    assert_eq!(entry["skipped"].as_array().map(Vec::len), Some(1));
    let (_, body) = api.call(Method::GET, keys, None).await;
    assert_eq!(body[0]["status"], "inactive");
    assert_eq!(body[1]["status"], "current");
    let events = api.store.events();
    assert_eq!(events.len(), events_before + 2);
    assert!(events[events_before..]
        .iter()
        .all(|(_, e)| e.payload.actor == "jwks-sync"));

    // A failing endpoint is reported and changes nothing.
    if let Ok(mut d) = document.lock() {
        d.0 = StatusCode::INTERNAL_SERVER_ERROR;
    }
    let report = api
        .expect(Method::POST, "/admin/v1/jwks-sync", None, StatusCode::OK)
        .await;
    assert_eq!(report["ok"].as_bool(), Some(false));
    assert_error_mentions(&report["healthAuthorities"][0], "500");
    assert_eq!(api.store.events().len(), events_before + 2);
    assert_eq!(
        api.metric("admin_jwks_sync_runs_total", &[("result", "failed")]),
        1
    );
    assert_eq!(
        api.metric("admin_jwks_sync_failures_total", &[("reason", "status")]),
        1
    );
    assert_eq!(
        api.metric("admin_jwks_sync_keys_total", &[("action", "revoked")]),
        1
    );
}
