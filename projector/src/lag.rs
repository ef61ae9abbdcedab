//! Consumer lag: how far the store is behind the log, per partition, from the broker's high
//! watermarks and the offsets stored with the data (the truth, not Kafka's committed hint): of
//! the processed topic (the projector's own lag), and of the received topic through the source
//! positions stored with every applied event (the processor's and the projector's together).

use std::time::Duration;

use anyhow::Context as _;
use platform::kafka::KafkaSettings;
use platform::kafka_consumers::ConsumerProfile;
use rdkafka::consumer::{BaseConsumer, Consumer};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// Updates `projector_consumer_lag` (of `topic`) and `projector_pipeline_lag` (of `source`)
/// every `every` until shutdown.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    kafka: KafkaSettings,
    pool: deadpool_postgres::Pool,
    group: String,
    topic: String,
    source: String,
    metrics: Metrics,
    every: Duration,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let client: BaseConsumer = kafka
        .consumer_config(ConsumerProfile::Reader {
            group: &format!("{group}-lag"),
        })
        .create()
        .context("cannot create the lag client")?;
    let client = std::sync::Arc::new(client);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(every) => {}
        }
        for (name, gauge) in [(&topic, &metrics.lag), (&source, &metrics.pipeline_lag)] {
            let Ok(db) = pool.get().await else { continue };
            let Ok(stored) = crate::repository::stored_offsets(&**db, &group, name).await else {
                continue;
            };
            drop(db);
            for (partition, high) in high_watermarks(&client, name).await {
                let applied = stored.get(&partition).copied().unwrap_or(0);
                gauge
                    .with_label_values(&[&partition.to_string()])
                    .set((high - applied).max(0));
            }
        }
    }
}

/// The high watermark of every partition of `topic` (empty if the broker does not answer).
async fn high_watermarks(client: &std::sync::Arc<BaseConsumer>, topic: &str) -> Vec<(i32, i64)> {
    let c = client.clone();
    let t = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let metadata = c.fetch_metadata(Some(&t), Duration::from_secs(2)).ok()?;
        let partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .flat_map(|m| m.partitions().iter().map(|p| p.id()))
            .collect();
        Some(
            partitions
                .into_iter()
                .filter_map(|p| {
                    c.fetch_watermarks(&t, p, Duration::from_secs(2))
                        .ok()
                        .map(|(_, h)| (p, h))
                })
                .collect::<Vec<_>>(),
        )
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default()
}
