//! The whole system under a real Prometheus: the publish path ([`Stack`]), the admin service,
//! the exporter with one signed export config cutting 1-second batches, and Prometheus scraping
//! every ops listener. Used by the dashboard and Health-page tests after a small publish run.

use std::path::PathBuf;
use std::time::Duration;

use crate::keys::k;
use crate::prometheus::Prometheus;
use crate::stack::Stack;
use crate::{spawn, wait_for, wait_ready, Running};

/// The admin token of the observed stack's admin service.
pub const ADMIN_TOKEN: &str = "e2e-observed-admin-token-0123456789";

/// Everything running, scraped by Prometheus.
#[derive(Debug)]
pub struct Observed {
    pub prometheus: Prometheus,
    pub stack: Stack,
    pub admin: Running,
    pub exporter: Running,
    dir: PathBuf,
}

impl Drop for Observed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Observed {
    /// Starts Prometheus, then every service; `admin_env` adds admin settings (it gets
    /// `PROMETHEUS_URL` already). `None` when Prometheus is not installed (the message says so).
    pub async fn start(admin_env: &[(&str, &str)]) -> Option<Self> {
        let prometheus = Prometheus::start().await?;
        let stack = Stack::start(&[("TRUNCATE_WINDOW", "1s")]).await;
        let http = reqwest::Client::new();
        let mut vars = vec![
            ("ADMIN_TOKEN", ADMIN_TOKEN),
            ("JWKS_SYNC_INTERVAL", "0"),
            ("PROMETHEUS_URL", prometheus.url.as_str()),
        ];
        vars.extend_from_slice(admin_env);
        let admin = spawn::<admin::Admin>(&stack.env, &vars).await;
        wait_ready(&admin.ops_url()).await;

        let dir = std::env::temp_dir().join(format!("observed-{}", uuid::Uuid::new_v4()));
        let key_file = crate::keys::write_export_signing_key(&dir);
        crate::exports::configure(&http, &admin, ADMIN_TOKEN, "observed").await;
        let exporter = crate::exports::spawn_exporter(&stack.env, &dir, &key_file, &[]).await;

        let mut targets = vec![
            ("ingest", stack.ingest.ops_url()),
            ("admin", admin.ops_url()),
            ("exporter", exporter.ops_url()),
        ];
        if let Some(p) = &stack.processor {
            targets.push(("processor", p.ops_url()));
        }
        if let Some(p) = &stack.projector {
            targets.push(("projector", p.ops_url()));
        }
        prometheus.set_targets(&targets);
        prometheus.wait_all_up(targets.len()).await;
        Some(Self {
            prometheus,
            stack,
            admin,
            exporter,
            dir,
        })
    }

    /// A small publish run: `uploads` accepted uploads of two fresh keys each, one malformed
    /// body (`BAD_JSON`) and one certificate for another audience (`BAD_VERIFICATION`).
    pub async fn publish_run(&self, uploads: usize) {
        for _ in 0..uploads {
            let request = self.stack.request(&[k(1), k(2)], "confirmed");
            let (status, body) = self.stack.publish(&request).await;
            assert_eq!(status, 200, "{body:?}");
        }
        let bad_json = self
            .stack
            .http
            .post(format!("{}/v1/publish", self.stack.ingest.url()))
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap();
        assert_eq!(bad_json.status(), 400);
        let request = self
            .stack
            .request_with(&[k(3)], "confirmed", |c| c.aud = "another-audience".into());
        let (status, _) = self.stack.publish(&request).await;
        assert_eq!(status, 401, "a certificate for another audience");
    }

    /// Runs `checks` while uploads keep arriving (one accepted upload every 200 ms, so rates
    /// over the last minute stay non-zero however long the checks take); returns the checks'
    /// result and the number of accepted uploads.
    pub async fn while_publishing<T>(
        &self,
        checks: impl std::future::Future<Output = T>,
    ) -> (T, usize) {
        let done = std::sync::atomic::AtomicBool::new(false);
        let publisher = async {
            let mut accepted = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                self.publish_run(1).await;
                accepted += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            accepted
        };
        let checks = async {
            let out = checks.await;
            done.store(true, std::sync::atomic::Ordering::Release);
            out
        };
        tokio::join!(checks, publisher)
    }

    /// Waits until `expr` returns at least one finite value; returns them.
    pub async fn wait_for_values(&self, expr: &str, timeout: Duration) -> Vec<f64> {
        wait_for(timeout, expr, || async {
            let values = self.prometheus.values(expr).await;
            (!values.is_empty()).then_some(values)
        })
        .await
    }
}
