//! A bounded load run through the real edge: 10,000 publishes over HTTP while the processor and
//! the projector (real processes) are killed with SIGKILL and restarted. Every publish answered
//! 200 must end up in the store exactly once.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use harness::certs::CertClaims;
use harness::edge::start_ingest;
use harness::keys::{hmac_secret, k};
use harness::process::spawn_bin;
use harness::stack::publish;
use harness::TestEnv;
use schemas::api::PublishRequest;

const PUBLISHES: usize = 10_000;
const CONCURRENCY: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_processor_and_projector_during_http_load_loses_nothing() {
    let env = TestEnv::with_database().await;
    let authority = harness::config::seed_fixture(&env).await;
    let ingest = start_ingest(&env, &[]).await;
    let mut processor = spawn_bin(&env, "processor", &[]).await;
    let mut projector = spawn_bin(&env, "projector", &[]).await;

    let http = reqwest::Client::new();
    let url = ingest.url();
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let load = {
        let done = done.clone();
        let authority = authority.clone();
        async move {
            stream::iter(0..PUBLISHES)
                .map(|_| {
                    let http = http.clone();
                    let url = url.clone();
                    let authority = authority.clone();
                    let done = done.clone();
                    async move {
                        let key = k(1);
                        let (secret, secret_text) = hmac_secret();
                        let claims = CertClaims::for_keys(
                            "iss1",
                            "aud1",
                            "confirmed",
                            std::slice::from_ref(&key),
                            &secret,
                        );
                        let request = PublishRequest {
                            temporary_exposure_keys: vec![key.clone()],
                            health_authority_id: "com.example.app".into(),
                            verification_payload: authority.sign(&claims),
                            hmac_key: secret_text,
                            ..PublishRequest::default()
                        };
                        let (status, body) = publish(&http, &url, &request).await;
                        done.fetch_add(1, Ordering::Relaxed);
                        (status, body.code, key.key)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<_>>()
                .await
        }
    };
    let faults = async {
        let at = |n: usize| {
            let done = done.clone();
            async move {
                while done.load(Ordering::Relaxed) < n {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        at(PUBLISHES * 3 / 10).await;
        processor.kill_9().await;
        processor = spawn_bin(&env, "processor", &[]).await;
        at(PUBLISHES * 6 / 10).await;
        projector.kill_9().await;
        projector = spawn_bin(&env, "projector", &[]).await;
        at(PUBLISHES * 8 / 10).await;
        processor.kill_9().await;
        projector.kill_9().await;
        processor = spawn_bin(&env, "processor", &[]).await;
        projector = spawn_bin(&env, "projector", &[]).await;
    };
    let (results, ()) = tokio::join!(load, faults);
    let elapsed = started.elapsed();

    let refused: Vec<_> = results.iter().filter(|(s, _, _)| *s != 200).collect();
    assert!(
        refused.is_empty(),
        "{} publishes were not accepted, e.g. {:?}",
        refused.len(),
        refused.first()
    );
    let acked: HashSet<String> = results.iter().map(|(_, _, key)| key.clone()).collect();
    assert_eq!(acked.len(), PUBLISHES);
    harness::store::assert_exactly_stored(&env.db().await, &acked).await;
    eprintln!("{PUBLISHES} publishes over HTTP with three kill -9 rounds in {elapsed:?}");
    assert!(processor.terminate().await);
    assert!(projector.terminate().await);
}
