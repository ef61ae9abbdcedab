//! The processor: turns `PublishReceived` events into `PublishProcessed` events.
//!
//! It consumes `en.publish.received` in a consumer group, runs the publish transform of the
//! `domain` crate on each event (certificate claims, transmission-risk backfill, days since
//! symptom onset, region metadata, traveler flag, embargo time) with the batch time and settings
//! the event carries — so replays decide the same — and produces the result to
//! `en.publish.processed`, in the partition its source came from, with the source's position.
//! It uses no Kafka transactions: the *effect* is exactly once because the output is a pure
//! function of the input and readers skip a repeated source position (see `pipeline`). Events it
//! cannot decode go to the dead-letter topic with a reason.

mod convert;
mod metrics;
mod pipeline;
mod settings;

use std::net::SocketAddr;

use anyhow::Context as _;
use platform::ops::Ops;
use platform::service::Service;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use convert::{process, processed_event};
pub use settings::ProcessorSettings;

/// The processor service.
#[derive(Debug)]
pub struct Processor {
    settings: ProcessorSettings,
    listener: TcpListener,
    /// The bound address, read once at bind time.
    addr: SocketAddr,
    ops: Ops,
    shutdown: CancellationToken,
}

impl Service for Processor {
    const NAME: &'static str = "processor";
    type Settings = ProcessorSettings;

    fn settings(env: &mut platform::env::Env) -> Self::Settings {
        ProcessorSettings::from_env(env)
    }

    async fn build(settings: Self::Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        settings.kafka.ensure_topics_if_enabled().await?;
        let listener = platform::ops::bind(&settings.listen_addr).await?;
        let addr = listener.local_addr()?;
        Ok(Self {
            settings,
            listener,
            addr,
            ops: Ops::new(Self::NAME),
            shutdown,
        })
    }

    fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    async fn run(self) -> anyhow::Result<()> {
        let metrics = metrics::Metrics::register(&self.ops.registry)?;
        let pipeline = pipeline::Pipeline::new(&self.settings, metrics)?;
        let router = self.ops.router();
        let http = tokio::spawn(platform::ops::serve(
            self.listener,
            router,
            self.settings.http.clone(),
            self.shutdown.clone(),
        ));
        self.ops.set_ready(true);
        let result = pipeline.run(self.shutdown.clone()).await;
        // Whatever ended the pipeline, stop the HTTP side too.
        self.shutdown.cancel();
        http.await.context("ops server task")??;
        result
    }
}
