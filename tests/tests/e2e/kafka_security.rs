//! Kafka SASL/SCRAM + TLS against the real broker's SASL_SSL listener (created by `dev/lib.sh`:
//! a SCRAM user and a certificate of the dev CA): the whole publish path works over it, and a
//! wrong password or an untrusted CA stops a service at start with librdkafka's reason.

use std::time::Duration;

use harness::kafka_security::SaslSslListener;
use harness::keys::k;
use harness::stack::Stack;
use harness::TestEnv;
use platform::env::{Env, FromEnv};
use platform::service::Service;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_publish_path_works_over_sasl_ssl() {
    // Ingest, processor, projector and the harness's own clients all know only the SASL_SSL
    // listener: a key in the store went through SCRAM and TLS at every hop.
    let stack = Stack::start_over_sasl_ssl().await;
    assert!(stack
        .env
        .kafka_vars
        .iter()
        .any(|(k, v)| k == "KAFKA_SECURITY_PROTOCOL" && v == "SASL_SSL"));
    let (status, body) = stack
        .publish(&stack.request(&[k(1), k(2)], "confirmed"))
        .await;
    assert_eq!((status, body.inserted_exposures), (200, 2), "{body:?}");
    let db = stack.env.db().await;
    harness::wait_for(Duration::from_secs(30), "the keys in the store", || {
        let db = &db;
        async move { (harness::store::count(db).await == 2).then_some(()) }
    })
    .await;
}

/// Builds the processor with the SASL_SSL listener's settings changed by `overrides`; returns
/// its start-up error.
async fn start_error(overrides: &[(&str, &str)]) -> String {
    let base = TestEnv::new().await;
    let mut vars: Vec<(String, String)> = base.env_vars();
    vars.extend(SaslSslListener::get().env_vars());
    for (k, v) in overrides {
        vars.retain(|(name, _)| name != k);
        vars.push(((*k).to_owned(), (*v).to_owned()));
    }
    let mut env = Env::from_map(vars);
    let settings = processor::ProcessorSettings::from_env(&mut env);
    env.finish()
        .expect("valid settings: the broker must refuse them");
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(60),
        processor::Processor::build(settings, CancellationToken::new()),
    )
    .await
    .expect("start-up must end");
    let Err(error) = outcome else {
        panic!("the processor started with {overrides:?}")
    };
    let error = format!("{error:#}");
    println!("refused after {:?}: {error}", started.elapsed());
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_stops_a_service_at_start() {
    let file = std::env::temp_dir().join(format!("wrong-kafka-pw-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, "not-the-password").unwrap();
    let wrong = file.to_str().unwrap();
    // Creating topics or not (a service that does not create them starts without a reachable
    // broker, unready, but not with credentials the broker refuses).
    for create in ["true", "false"] {
        let error = start_error(&[
            ("KAFKA_SASL_PASSWORD_FILE", wrong),
            ("KAFKA_CREATE_TOPICS", create),
        ])
        .await;
        assert!(error.contains("refused this client"), "{error}");
        assert!(error.contains("SASL_SSL (SCRAM-SHA-512 as "), "{error}");
        assert!(
            error.contains("Authentication failed") || error.contains("SASL authentication error"),
            "{error}"
        );
        assert!(!error.contains("not-the-password"), "no password in errors");
    }
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_ca_stops_a_service_at_start() {
    // The system's public CAs did not sign the broker's certificate (the dev CA did).
    let error = start_error(&[(
        "KAFKA_SSL_CA_LOCATION",
        "/etc/ssl/certs/ca-certificates.crt",
    )])
    .await;
    assert!(error.contains("refused this client"), "{error}");
    assert!(error.contains("certificate verify failed"), "{error}");
}
