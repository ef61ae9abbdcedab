//! The v1alpha1 API (reference case J1) and what the logs never hold (user agents, keys, tokens, certificates).

use super::*;

#[tokio::test]
async fn v1alpha1_answers_without_codes() {
    let h = harness(SinkMode::Accept, |s| {
        s.enable_v1alpha1 = true;
        s.outcome_wait = Duration::ZERO;
    });
    let (body, _) = h.valid_body("confirmed");
    let mut json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let obj = json.as_object_mut().unwrap();
    let app = obj.remove("healthAuthorityID").unwrap();
    let hmac = obj.remove("hmacKey").unwrap();
    obj.insert("appPackageName".into(), app);
    obj.insert("hmackey".into(), hmac);
    obj.insert("regions".into(), serde_json::json!(["US"]));
    let reply = h.post("/", "application/json", json.to_string()).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.api_version(), Some("v1alpha"));
    let json = reply.json();
    assert_eq!(json["insertedExposures"], 2);
    assert_eq!(json["error"], "");
    assert!(json.get("code").is_none());
    assert!(json["revisionToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(json["padding"].as_str().is_some_and(|t| !t.is_empty()));
    // Errors come without a code.
    let reply = h
        .post("/", "application/json", r#"{"healthAuthorityID":"x"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let json = reply.json();
    assert!(json.get("code").is_none());
    assert_eq!(
        json["error"],
        r#"error unmarshalling API call, code: 400: unknown field "healthAuthorityID""#
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_hold_no_user_agent_keys_tokens_or_certificates() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = harness(SinkMode::Accept, |s| s.outcome_wait = Duration::ZERO);
    // Tests on other threads may register the same log callsites while this subscriber is
    // being installed, and such a callsite can keep the interest it computed without it (a race
    // in tracing's interest cache). So the requests run once to register every callsite they
    // log through, the cache is rebuilt with this subscriber, and only the second run's logs
    // are read.
    publish_and_fail(&h).await;
    tracing::callsite::rebuild_interest_cache();
    captured.0.lock().unwrap().clear();
    let (body, keys, token) = publish_and_fail(&h).await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("Publish answered"), "{logs}");
    assert!(logs.contains("request_id"), "{logs}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let forbidden = [
        "Dalvik".to_owned(),
        json["verificationPayload"].as_str().unwrap().to_owned(),
        json["hmacKey"].as_str().unwrap().to_owned(),
        token,
    ];
    for needle in forbidden.iter().chain(keys.iter().map(|k| &k.key)) {
        assert!(!logs.contains(needle.as_str()), "log contains {needle}");
    }
    // The certificate's signature segment never appears either.
    let signature = json["verificationPayload"]
        .as_str()
        .unwrap()
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    assert!(!logs.contains(&signature));
}

/// One accepted upload (returning its body, keys and revision token), one with a failing
/// certificate (logged: debug logging of bad certificates is on) and one with broken JSON.
async fn publish_and_fail(h: &Harness) -> (String, Vec<domain::RawKey>, String) {
    let (body, keys) = h.valid_body("confirmed");
    let reply = h
        .post("/v1/publish", "application/json", body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = reply.json()["revisionToken"].as_str().unwrap().to_owned();
    let bad = body.replace(
        "\"hmacKey\"",
        "\"verificationPayload\":\"x.y.z\",\"hmacKey\"",
    );
    h.post("/v1/publish", "application/json", bad).await;
    h.post("/v1/publish", "application/json", "{\"key\":").await;
    (body, keys, token)
}
