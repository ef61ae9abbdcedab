//! The whole publish path in one test process: ingest, processor and projector on a fresh topic
//! prefix and database, with the conformance fixture configured, and a typed `publish` helper.

use std::time::Duration;

use base64::Engine as _;
use rand::RngCore;
use schemas::api::{ExposureKey, PublishRequest, PublishResponse};

use crate::certs::{CertClaims, SigningAuthority};
use crate::{spawn, wait_ready, Running, TestEnv};

/// A running publish path.
#[derive(Debug)]
pub struct Stack {
    pub env: TestEnv,
    pub authority: SigningAuthority,
    pub ingest: Running,
    pub processor: Option<Running>,
    pub projector: Option<Running>,
    pub http: reqwest::Client,
}

/// Random revision-token key material in the `REVISION_TOKEN_KEYS` format.
pub fn revision_token_keys() -> String {
    let mut bytes = [0u8; 64];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "1:{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

impl Stack {
    /// Starts everything with the conformance fixture (`iss1`/`aud1`/`v1`, app
    /// `com.example.app` in `US`); `ingest_env` adds or overrides ingest settings.
    pub async fn start(ingest_env: &[(&str, &str)]) -> Self {
        Self::start_with_regions(ingest_env, &["US"]).await
    }

    /// Like [`Stack::start`], with the app's regions as given.
    pub async fn start_with_regions(ingest_env: &[(&str, &str)], regions: &[&str]) -> Self {
        Self::start_in(TestEnv::with_database().await, ingest_env, regions).await
    }

    /// Like [`Stack::start`], with every Kafka client on the broker's SASL_SSL listener.
    pub async fn start_over_sasl_ssl() -> Self {
        Self::start_in(TestEnv::with_database_over_sasl_ssl().await, &[], &["US"]).await
    }

    async fn start_in(env: TestEnv, ingest_env: &[(&str, &str)], regions: &[&str]) -> Self {
        let authority = crate::config::seed_fixture(&env).await;
        crate::config::seed_app(&env, "com.example.app", regions, &[1], false, false).await;
        let processor = spawn::<processor::Processor>(&env, &[]).await;
        let projector = spawn::<projector::Projector>(&env, &[]).await;
        let keys = revision_token_keys();
        let mut vars: Vec<(&str, &str)> = vec![
            ("REVISION_TOKEN_KEYS", keys.as_str()),
            ("PUBLISH_OUTCOME_WAIT", "10s"),
        ];
        vars.extend_from_slice(ingest_env);
        let ingest = spawn::<ingest::Ingest>(&env, &vars).await;
        wait_ready(&ingest.ops_url()).await;
        Self {
            env,
            authority,
            ingest,
            processor: Some(processor),
            projector: Some(projector),
            http: reqwest::Client::new(),
        }
    }

    /// A request for `keys` with a valid certificate of `report_type` (and matching HMAC).
    pub fn request(&self, keys: &[ExposureKey], report_type: &str) -> PublishRequest {
        self.request_with(keys, report_type, |_| {})
    }

    /// Like [`Stack::request`], letting the test adjust the certificate claims.
    pub fn request_with(
        &self,
        keys: &[ExposureKey],
        report_type: &str,
        adjust: impl FnOnce(&mut CertClaims),
    ) -> PublishRequest {
        let (secret, secret_text) = crate::keys::hmac_secret();
        let mut claims = CertClaims::for_keys("iss1", "aud1", report_type, keys, &secret);
        adjust(&mut claims);
        PublishRequest {
            temporary_exposure_keys: keys.to_vec(),
            health_authority_id: "com.example.app".into(),
            verification_payload: self.authority.sign(&claims),
            hmac_key: secret_text,
            ..PublishRequest::default()
        }
    }

    /// `POST /v1/publish`; returns the status and the decoded body.
    pub async fn publish(&self, request: &PublishRequest) -> (u16, PublishResponse) {
        publish(&self.http, &self.ingest.url(), request).await
    }

    /// Publishes `request`, which must be refused with 400 and `code`; returns the answer.
    pub async fn publish_refused(&self, request: &PublishRequest, code: &str) -> PublishResponse {
        let (status, body) = self.publish(request).await;
        assert_eq!((status, body.code.as_str()), (400, code), "{body:?}");
        body
    }

    /// Stops the projector (its consumer leaves the group).
    pub async fn stop_projector(&mut self) {
        if let Some(p) = self.projector.take() {
            let _ = tokio::time::timeout(Duration::from_secs(20), p.stop()).await;
        }
    }

    /// Starts a new projector.
    pub async fn start_projector(&mut self) {
        self.projector = Some(spawn::<projector::Projector>(&self.env, &[]).await);
    }
}

/// `POST <url>/v1/publish` with `request` as JSON.
pub async fn publish(
    http: &reqwest::Client,
    url: &str,
    request: &PublishRequest,
) -> (u16, PublishResponse) {
    let response = http
        .post(format!("{url}/v1/publish"))
        .json(request)
        .send()
        .await
        .expect("ingest answers");
    let status = response.status().as_u16();
    let body: PublishResponse = response.json().await.expect("JSON response");
    (status, body)
}
