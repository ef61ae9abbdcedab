//! Test harness: real Kafka and PostgreSQL, isolated per test, and typed helpers.
//!
//! Every test builds a [`TestEnv`]: a random topic prefix on the real broker (topics created
//! with their production settings) and, when asked, a fresh PostgreSQL database. Services are
//! started in-process on port 0 with [`spawn`], or as real processes with [`process::spawn_bin`]
//! for fault tests. Nothing is mocked: a missing broker or database fails the test.
//!
//! The broker and database come from `TEST_KAFKA_BROKERS` / `TEST_DATABASE_ADMIN_URL` (set by
//! `dev/test`), or from `.dev/env` written by `dev/up`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failing loudly is the point

pub mod certs;
pub mod config;
pub mod console;
pub mod edge;
pub mod events;
pub mod exports;
pub mod kafka;
pub mod kafka_security;
pub mod keys;
pub mod observed;
pub mod pipeline;
pub mod process;
pub mod prometheus;
pub mod raw;
pub mod stack;
pub mod stats;
pub mod store;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use platform::env::{Env, FromEnv};
use platform::kafka::KafkaSettings;
use platform::service::Service;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Where the real broker and database are.
#[derive(Debug, Clone)]
pub struct Infra {
    pub kafka_brokers: String,
    /// `TEST_KAFKA_REPLICATION_FACTOR` (default 1): copies of every test topic; 3 on the
    /// three-node cluster of `dev/brokers` (the fault suite).
    pub kafka_replication_factor: i32,
    /// URL of the `postgres` maintenance database, used to create test databases.
    pub database_admin_url: String,
}

/// A number (or other value) a test or benchmark reads from the environment: `name` parsed, or
/// `default` when it is unset or does not parse.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dev_env() -> HashMap<String, String> {
    let path = repo_root().join(".dev/env");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

impl Infra {
    /// Reads the infrastructure settings; panics with instructions when they are missing.
    pub fn get() -> Self {
        let file = dev_env();
        let pick = |test_var: &str, file_var: &str| {
            std::env::var(test_var)
                .ok()
                .or_else(|| file.get(file_var).cloned())
                .unwrap_or_else(|| {
                    panic!("{test_var} is not set and .dev/env has no {file_var}: run ./dev/test (or ./dev/up) so the real Kafka and PostgreSQL are running")
                })
        };
        Self {
            kafka_brokers: pick("TEST_KAFKA_BROKERS", "KAFKA_BROKERS"),
            kafka_replication_factor: setting("TEST_KAFKA_REPLICATION_FACTOR", 1),
            database_admin_url: pick("TEST_DATABASE_ADMIN_URL", "DATABASE_ADMIN_URL"),
        }
    }
}

/// Installs a tracing subscriber when `TEST_LOG` is set (quiet otherwise).
pub fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            ))
            .with_test_writer()
            .try_init();
    }
}

/// One test's isolated slice of the real infrastructure.
#[derive(Debug, Clone)]
pub struct TestEnv {
    pub infra: Infra,
    /// Topic prefix of this test (`t<random>.`).
    pub prefix: String,
    pub kafka: KafkaSettings,
    /// URL of this test's own database, if it asked for one.
    pub database_url: Option<String>,
    /// Extra `KAFKA_*` settings of every service (the SASL_SSL listener's, see
    /// [`kafka_security`]); empty for the PLAINTEXT listener.
    pub kafka_vars: Vec<(String, String)>,
}

impl TestEnv {
    /// A fresh topic prefix with all topics created.
    pub async fn new() -> Self {
        init_test_logging();
        let infra = Infra::get();
        let prefix = format!("t{}.", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let kafka = KafkaSettings::local(&infra.kafka_brokers, &prefix)
            .with_replication(infra.kafka_replication_factor);
        kafka
            .ensure_topics()
            .await
            .expect("cannot create test topics: is Kafka running?");
        Self {
            infra,
            prefix,
            kafka,
            database_url: None,
            kafka_vars: Vec::new(),
        }
    }

    /// Like [`TestEnv::with_database`], with every Kafka client (the harness's and the
    /// services') on the broker's SASL_SSL listener: SCRAM credentials, the dev CA.
    pub async fn with_database_over_sasl_ssl() -> Self {
        init_test_logging();
        let infra = Infra::get();
        let listener = kafka_security::SaslSslListener::get();
        let prefix = format!("t{}.", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let kafka_vars = listener.env_vars();
        let mut vars = kafka_vars.clone();
        vars.push(("KAFKA_TOPIC_PREFIX".to_owned(), prefix.clone()));
        let mut settings_env = Env::from_map(vars);
        let kafka = KafkaSettings::from_env(&mut settings_env);
        settings_env.finish().expect("SASL_SSL settings");
        kafka
            .ensure_topics()
            .await
            .expect("cannot create test topics over SASL_SSL");
        let mut env = Self {
            infra,
            prefix,
            kafka,
            database_url: None,
            kafka_vars,
        };
        env.database_url = Some(create_database(&env.infra).await);
        env
    }

    /// Like [`TestEnv::new`], plus a fresh, empty database of its own.
    pub async fn with_database() -> Self {
        let mut env = Self::new().await;
        env.database_url = Some(create_database(&env.infra).await);
        env
    }

    /// The database URL; panics if the test did not ask for a database.
    pub fn database_url(&self) -> &str {
        self.database_url
            .as_deref()
            .expect("this TestEnv has no database: use TestEnv::with_database()")
    }

    /// Environment variables that point a service at this test's slice.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("KAFKA_BROKERS".to_owned(), self.infra.kafka_brokers.clone()),
            ("KAFKA_TOPIC_PREFIX".to_owned(), self.prefix.clone()),
            ("LISTEN_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
            ("OPS_LISTEN_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
            (
                "KAFKA_REPLICATION_FACTOR".to_owned(),
                self.infra.kafka_replication_factor.to_string(),
            ),
        ];
        vars.extend(self.kafka_vars.iter().cloned());
        if let Some(url) = &self.database_url {
            vars.push(("DATABASE_URL".to_owned(), url.clone()));
        }
        vars
    }

    /// A pool on this test's database with the query store's migrations applied.
    pub async fn store_pool(&self) -> deadpool_postgres::Pool {
        let pool = platform::pg::PgSettings::for_url(self.database_url())
            .pool()
            .expect("pool");
        platform::pg::migrate(&pool, projector::migrations::MIGRATIONS)
            .await
            .expect("query store migrations");
        pool
    }

    /// A client for this test's database.
    pub async fn db(&self) -> tokio_postgres::Client {
        connect(self.database_url()).await
    }
}

/// Connects to `url`, driving the connection in the background.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL: {e}: is it running?"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Creates an empty database with a random name; returns its URL.
pub async fn create_database(infra: &Infra) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = connect(&infra.database_admin_url).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("cannot create test database");
    let base = infra
        .database_admin_url
        .rsplit_once('/')
        .map_or(infra.database_admin_url.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// A service running in-process. Dropping it cancels its shutdown token, so a test's runtime
/// never waits on a service nobody stopped.
#[derive(Debug)]
pub struct Running {
    /// The public listener.
    pub addr: SocketAddr,
    /// The ops listener (`/health`, `/ready`, `/metrics`).
    pub ops_addr: SocketAddr,
    pub shutdown: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Running {
    /// `http://<addr>`: the public listener.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://<ops addr>`: `/health`, `/ready`, `/metrics`.
    pub fn ops_url(&self) -> String {
        format!("http://{}", self.ops_addr)
    }

    /// Graceful stop; returns the service's result.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

/// Builds and starts service `S` in-process with the test's settings plus `extra`
/// (later pairs override earlier ones). Panics on invalid settings or a failed build.
pub async fn spawn<S: Service>(env: &TestEnv, extra: &[(&str, &str)]) -> Running {
    let mut vars: HashMap<String, String> = env.env_vars().into_iter().collect();
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let mut settings_env = Env::from_map(vars);
    let settings = S::Settings::from_env(&mut settings_env);
    settings_env
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", S::NAME));
    let shutdown = CancellationToken::new();
    let service = S::build(settings, shutdown.clone())
        .await
        .unwrap_or_else(|e| panic!("{} did not start: {e:#}", S::NAME));
    let addr = service.local_addr();
    let ops_addr = service.ops_addr();
    let task = tokio::spawn(service.run());
    Running {
        addr,
        ops_addr,
        shutdown,
        task: Some(task),
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until `GET <url>/ready` answers 200 (`url`: a service's ops URL).
pub async fn wait_ready(url: &str) {
    wait_ok(&format!("{url}/ready"), Duration::from_secs(20)).await;
}

/// Waits until `GET url` answers with a success status, or panics after `timeout`.
pub async fn wait_ok(url: &str, timeout: Duration) {
    let client = reqwest::Client::new();
    wait_for(timeout, &format!("{url} to answer 2xx"), || {
        let request = client.get(url).send();
        async move {
            request
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        }
    })
    .await;
}
