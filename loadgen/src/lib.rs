//! `loadgen`: a load generator for `POST /v1/publish` that operators and developers use to
//! measure a key server (this one, or any that speaks the reference API).
//!
//! - [`options`]: the command line;
//! - [`setup`]: the health authority, signing key and apps a run publishes under;
//! - [`certificate`] and [`upload`]: fresh signed uploads, never the same body twice;
//! - [`driver`]: the closed and open loops;
//! - [`stats`] and [`report`]: what came back, the live progress line and the final report.

pub mod certificate;
pub mod driver;
pub mod options;
pub mod record;
pub mod report;
pub mod setup;
pub mod stats;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

pub use options::Options;
pub use report::Report;

/// Runs the load described by `options` and returns its report (also printed).
pub async fn run(options: Options) -> anyhow::Result<Report> {
    options.validate()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.connections)
        .http1_only()
        .tcp_nodelay(true)
        .timeout(options.timeout)
        .build()?;
    let target = setup::prepare(&options, &client).await?;
    let recorder = options
        .record
        .as_deref()
        .map(record::Recorder::create)
        .transpose()?;
    let driver = Arc::new(driver::Driver::new(&options, client, target, recorder));
    driver
        .warm_up(options.warmup, Duration::from_secs(60))
        .await?;
    let before = report::scrape_degraded(&options.metrics_url).await;
    let stats = Arc::new(stats::Stats::default());
    let progress =
        (!options.quiet).then(|| report::spawn_progress(stats.clone(), options.duration));
    let started = std::time::Instant::now();
    match options.rate {
        Some(rate) => {
            driver
                .open_loop(rate, options.duration, options.requests, &stats)
                .await
        }
        None => {
            driver
                .closed_loop(options.duration, options.requests, &stats)
                .await
        }
    }
    let elapsed = started.elapsed();
    if let Some(progress) = progress {
        progress.abort();
    }
    let after = report::scrape_degraded(&options.metrics_url).await;
    driver.finish()?;
    let report = Report::new(
        &options,
        stats.totals(),
        elapsed,
        report::grown(&before, &after),
    );
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprintln!();
        print!("{}", report.table());
    }
    Ok(report)
}
