//! The exporter's background jobs, on timers: cut batches (and refresh the freshness gauges),
//! export ready batches, clean up.
//! They start once the configuration is caught up and stop with the service's shutdown token;
//! a failing run is logged and counted, and the next tick tries again.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use config::ConfigLog;
use tokio_util::sync::CancellationToken;

use crate::settings::Schedule;
use crate::worker::export::export_next;
use crate::worker::{create::create_batches, ExportContext};

/// Runs the jobs until `shutdown`.
pub async fn run(
    ctx: ExportContext,
    config: ConfigLog,
    schedule: Schedule,
    shutdown: CancellationToken,
) {
    let tracker = tokio_util::task::TaskTracker::new();
    {
        let (ctx, config) = (ctx.clone(), config.clone());
        tracker.spawn(every(
            schedule.create_batches,
            shutdown.clone(),
            move || {
                let (ctx, config) = (ctx.clone(), config.clone());
                async move {
                    if let Err(e) = create_batches(&ctx, &config.snapshot(), Utc::now()).await {
                        ctx.metrics
                            .job_failures
                            .with_label_values(&["create_batches"])
                            .inc();
                        tracing::error!(error = %e, "Creating batches failed");
                    }
                    // The freshness gauges follow the batches (completed by the work job).
                    if let Err(e) =
                        crate::freshness::refresh(&ctx, &config.snapshot(), Utc::now()).await
                    {
                        ctx.metrics
                            .job_failures
                            .with_label_values(&["freshness"])
                            .inc();
                        tracing::error!(error = %e, "Reading export freshness failed");
                    }
                }
            },
        ));
    }
    {
        let (ctx, config, stop) = (ctx.clone(), config.clone(), shutdown.clone());
        tracker.spawn(every(schedule.work, shutdown.clone(), move || {
            let (ctx, config, stop) = (ctx.clone(), config.clone(), stop.clone());
            async move { drain(&ctx, &config, &stop).await }
        }));
    }
    {
        let (ctx, config) = (ctx.clone(), config.clone());
        tracker.spawn(every(schedule.cleanup, shutdown.clone(), move || {
            let (ctx, config) = (ctx.clone(), config.clone());
            async move {
                if let Err(e) = crate::cleanup::cleanup(&ctx, &config.snapshot(), Utc::now()).await
                {
                    ctx.metrics
                        .job_failures
                        .with_label_values(&["cleanup"])
                        .inc();
                    tracing::error!(error = %e, "Export cleanup failed");
                }
            }
        }));
    }
    tracker.close();
    tracker.wait().await;
}

/// Exports ready batches until none is left, a batch fails, or shutdown.
async fn drain(ctx: &ExportContext, config: &ConfigLog, shutdown: &CancellationToken) {
    while !shutdown.is_cancelled() {
        match export_next(ctx, &config.snapshot(), Utc::now()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                // Logged and counted per batch; the batch is retried after its lease.
                ctx.metrics.job_failures.with_label_values(&["work"]).inc();
                break;
            }
        }
    }
}

/// Calls `job` every `period` (never overlapping itself) until `shutdown`; a zero period
/// disables the job.
async fn every<F, Fut>(period: Duration, shutdown: CancellationToken, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    if period.is_zero() {
        return;
    }
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = job() => {}
        }
    }
}
