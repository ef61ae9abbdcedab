//! Exports in end-to-end tests: configuration through the admin API as an operator sets it up
//! (one signature info for the key file `export-signing-key.pem` and one export config cutting
//! 1-second batches of region `US` into output region `TEST`), and an exporter running it.

use serde_json::{json, Value};

use crate::Running;

/// `POST <admin><path>` with `body` and the admin `token`; asserts 201 and returns the body.
pub async fn admin_post(
    http: &reqwest::Client,
    admin: &Running,
    token: &str,
    path: &str,
    body: Value,
) -> Value {
    let response = http
        .post(format!("{}{path}", admin.url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, reqwest::StatusCode::CREATED, "{path}: {body}");
    body
}

/// Creates the signature info and an export config named `filename_root`, valid since a minute
/// ago, through the admin service `admin`.
pub async fn configure(http: &reqwest::Client, admin: &Running, token: &str, filename_root: &str) {
    let info = admin_post(
        http,
        admin,
        token,
        "/admin/v1/signature-infos",
        json!({"signingKey": "export-signing-key.pem", "signingKeyId": "310", "signingKeyVersion": "v1"}),
    )
    .await;
    let from = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    admin_post(
        http,
        admin,
        token,
        "/admin/v1/export-configs",
        json!({"filenameRoot": filename_root, "periodSeconds": 1, "outputRegion": "TEST",
               "inputRegions": ["US"], "from": from, "signatureInfoIds": [info["id"]]}),
    )
    .await;
}

/// Starts an exporter on `env` writing to `<dir>/blobs` and signing with `key_file`, cutting
/// 1-second batches every 200 ms without cleanup; `extra` adds or overrides settings.
pub async fn spawn_exporter(
    env: &crate::TestEnv,
    dir: &std::path::Path,
    key_file: &std::path::Path,
    extra: &[(&str, &str)],
) -> Running {
    let (blobs, key) = (
        dir.join("blobs").display().to_string(),
        key_file.display().to_string(),
    );
    let mut vars = vec![
        ("KAFKA_CREATE_TOPICS", "false"),
        ("EXPORT_DIR", blobs.as_str()),
        ("EXPORT_SIGNING_KEY_FILE", key.as_str()),
        ("TRUNCATE_WINDOW", "1s"),
        ("MIN_WINDOW_AGE", "1s"),
        ("EXPORT_FILE_MIN_RECORDS", "1"),
        ("EXPORT_FILE_PADDING_RANGE", "1"),
        ("EXPORT_CREATE_BATCHES_INTERVAL", "200ms"),
        ("EXPORT_WORK_INTERVAL", "200ms"),
        ("EXPORT_CLEANUP_INTERVAL", "0"),
    ];
    vars.extend_from_slice(extra);
    let exporter = crate::spawn::<exporter::Exporter>(env, &vars).await;
    crate::wait_ready(&exporter.ops_url()).await;
    exporter
}
