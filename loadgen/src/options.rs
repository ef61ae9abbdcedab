//! Command-line options.

use std::path::PathBuf;
use std::time::Duration;

/// Drives `POST /v1/publish` with valid signed uploads and reports what came back.
///
/// Closed loop (default): `--connections` clients, each sending its next upload as soon as the
/// previous one is answered. Open loop (`--rate`): uploads start on a fixed schedule whatever the
/// answers, and each latency counts from its scheduled start, so a slow server cannot hide its
/// queueing (no coordinated omission); `--connections` then caps the uploads in flight.
///
/// Every upload has fresh random keys, a fresh certificate and fresh padding: no body is sent
/// twice. With `--admin-url` and `--admin-token` the generator registers its own health
/// authority, signing key and apps; otherwise give `--issuer-key`, `--issuer`, `--audience`
/// and `--app` of an existing configuration (this also works against other servers that speak
/// `/v1/publish`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "loadgen", version)]
pub struct Options {
    /// Base URL of the publish API (the request goes to `<url>/v1/publish`).
    #[arg(long, env = "INGEST_URL")]
    pub url: String,
    /// Concurrent connections (closed loop) or most uploads in flight (open loop).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// How long to send, e.g. `30s`, `2m`, `500ms`.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Open loop: uploads started per second.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Stop after this many requests (in addition to `--duration`).
    #[arg(long)]
    pub requests: Option<u64>,
    /// Keys per upload: a number or a range `MIN-MAX`, drawn uniformly (at most 14: one per day).
    #[arg(long, default_value = "1-14", value_parser = parse_key_range)]
    pub keys: (usize, usize),
    /// Share (0..1) of accepted uploads followed by a revision (likely → confirmed, same keys,
    /// with the revision token of the first answer).
    #[arg(long, default_value_t = 0.0)]
    pub revisions: f64,
    /// Share (0..1) of requests sent as chaff (`X-Chaff: 1`).
    #[arg(long, default_value_t = 0.0)]
    pub chaff: f64,
    /// Uploads before the measurement starts (not counted), to open connections and warm caches.
    #[arg(long, default_value_t = 20)]
    pub warmup: u64,
    /// Per-request timeout.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Admin API base URL, to register a health authority, key and apps of this run.
    #[arg(long, env = "ADMIN_URL")]
    pub admin_url: Option<String>,
    /// Bearer token of the admin API.
    #[arg(long, env = "ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Authorized apps to register and spread uploads over (each app's events share a
    /// partition, so several apps spread the load over partitions).
    #[arg(long, default_value_t = 1)]
    pub apps: usize,
    /// Regions of registered apps.
    #[arg(long, default_value = "US")]
    pub region: String,
    /// An existing issuer's private key (PKCS#8 PEM) instead of registering one.
    #[arg(long, requires_all = ["issuer", "audience", "app"])]
    pub issuer_key: Option<PathBuf>,
    /// `iss` of certificates (with `--issuer-key`).
    #[arg(long)]
    pub issuer: Option<String>,
    /// `aud` of certificates (with `--issuer-key`).
    #[arg(long)]
    pub audience: Option<String>,
    /// `kid` of certificates (with `--issuer-key`).
    #[arg(long, default_value = "v1")]
    pub key_version: String,
    /// `healthAuthorityID` of an existing authorized app (with `--issuer-key`; repeatable).
    #[arg(long)]
    pub app: Vec<String>,
    /// Prometheus endpoints to read before and after the run; the report shows how much each
    /// `*_degraded_total` counter grew (answers given without the pipeline's outcome).
    #[arg(long)]
    pub metrics_url: Vec<String>,
    /// Write one JSON line per answered upload and revision (keys, status, code, times) to this
    /// file, for checking a run against the store afterwards (it holds key bytes: test systems
    /// only).
    #[arg(long)]
    pub record: Option<std::path::PathBuf>,
    /// Print the final report as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// No live progress line.
    #[arg(long)]
    pub quiet: bool,
}

/// `500ms`, `30s`, `2m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("{text:?} is not a duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_key_range(text: &str) -> Result<(usize, usize), String> {
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let low: usize = low
        .trim()
        .parse()
        .map_err(|_| format!("bad key count {text:?}"))?;
    let high: usize = high
        .trim()
        .parse()
        .map_err(|_| format!("bad key count {text:?}"))?;
    if low == 0 || high < low || high > 14 {
        return Err(format!(
            "key counts must satisfy 1 <= MIN <= MAX <= 14, got {text:?}"
        ));
    }
    Ok((low, high))
}

impl Options {
    /// Checks what clap cannot.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.connections > 0, "--connections must be at least 1");
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.revisions),
            "--revisions is a share between 0 and 1"
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.chaff),
            "--chaff is a share between 0 and 1"
        );
        if let Some(rate) = self.rate {
            anyhow::ensure!(rate > 0.0 && rate.is_finite(), "--rate must be positive");
        }
        anyhow::ensure!(self.apps > 0, "--apps must be at least 1");
        anyhow::ensure!(
            self.issuer_key.is_some() || (self.admin_url.is_some() && self.admin_token.is_some()),
            "give --admin-url and --admin-token (to register a configuration) or --issuer-key, \
             --issuer, --audience and --app (to use an existing one)"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn key_ranges() {
        assert_eq!(parse_key_range("1-14").unwrap(), (1, 14));
        assert_eq!(parse_key_range("7").unwrap(), (7, 7));
        assert!(parse_key_range("0-3").is_err());
        assert!(parse_key_range("5-2").is_err());
        assert!(parse_key_range("1-15").is_err());
    }
}
