//! A real Prometheus (Debian's `prometheus` binary, or `PROMETHEUS_BIN`) scraping the ops
//! listeners a test spawned (named in a file it watches, so it can start before them and the
//! admin console can be given its URL), with the repo's alert rules loaded, and instant queries.
//!
//! [`Prometheus::start`] returns `None` only when the binary is not installed, so a test can
//! skip with a clear message on a machine without it (`dev/up`, `dev/test` and CI install it).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::{Child, Command};

use crate::process::free_port;

/// A Prometheus process with its own data directory; killed on drop.
#[derive(Debug)]
pub struct Prometheus {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    _child: Child,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The binary: `PROMETHEUS_BIN`, else `prometheus` on the `PATH`.
fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PROMETHEUS_BIN") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("prometheus"))
            .find(|p| p.is_file())
    })
}

impl Prometheus {
    /// Starts Prometheus scraping, each second under job `keyserver`, the targets named later
    /// with [`Prometheus::set_targets`] (a file it watches, so services may start after it), with
    /// `deploy/prometheus/rules/*.yml` loaded. `None` (after printing why) when the binary is
    /// missing.
    pub async fn start() -> Option<Self> {
        let Some(bin) = binary() else {
            eprintln!(
                "SKIPPED: the `prometheus` binary is not installed (Debian package `prometheus`; \
                 dev/up, dev/test and CI install it), or set PROMETHEUS_BIN"
            );
            return None;
        };
        let dir = std::env::temp_dir().join(format!("prometheus-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("targets.json"), "[]").unwrap();
        let rules = crate::repo_root().join("deploy/prometheus/rules");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}/*.yml\n\
             scrape_configs:\n  - job_name: keyserver\n    file_sd_configs:\n      - files: ['{}']\n        refresh_interval: 1s\n",
            rules.display(),
            dir.join("targets.json").display()
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new(&bin)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let prometheus = Self {
            url: format!("http://127.0.0.1:{port}"),
            _child: child,
            dir,
            http: reqwest::Client::new(),
        };
        let ready = format!("{}/-/ready", prometheus.url);
        crate::wait_for(Duration::from_secs(30), "Prometheus ready", || {
            let (http, url) = (prometheus.http.clone(), ready.clone());
            async move {
                let r = http.get(url).send().await.ok()?;
                r.status().is_success().then_some(())
            }
        })
        .await;
        Some(prometheus)
    }

    /// Scrapes exactly these `(component, ops URL)` targets from now on.
    pub fn set_targets(&self, targets: &[(&str, String)]) {
        let groups: Vec<Value> = targets
            .iter()
            .map(|(component, url)| {
                let host = url.trim_start_matches("http://").trim_end_matches('/');
                serde_json::json!({"targets": [host], "labels": {"component": component}})
            })
            .collect();
        let tmp = self.dir.join("targets.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(&groups).unwrap()).unwrap();
        std::fs::rename(tmp, self.dir.join("targets.json")).unwrap();
    }

    /// The result vector of an instant query (panics on an invalid expression).
    pub async fn query(&self, expr: &str) -> Vec<Value> {
        let body: Value = self
            .http
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", expr)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], "success", "{expr}: {body}");
        body["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Finite values of an instant query's samples.
    pub async fn values(&self, expr: &str) -> Vec<f64> {
        self.query(expr)
            .await
            .iter()
            .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .collect()
    }

    /// Waits until `targets` targets were scraped successfully (panics after 60 s with the
    /// targets' state).
    pub async fn wait_all_up(&self, targets: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.values("up == 1").await.len() < targets {
            if tokio::time::Instant::now() > deadline {
                let state = self
                    .http
                    .get(format!("{}/api/v1/targets", self.url))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                panic!("not all {targets} targets are up: {state}\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The server's log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }
}
