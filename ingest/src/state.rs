//! Shared state of the HTTP handlers, behind one `Arc`. I/O dependencies sit behind small traits
//! ([`ConfigSource`], [`crate::enqueue::EventSink`]) so router tests run without Kafka.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use config::{ConfigLog, ConfigSnapshot};
use tokio::sync::Semaphore;

use crate::chaff_tracker::ChaffTracker;
use crate::edge_rules::EdgeRules;
use crate::enqueue::EventSink;
use crate::metrics::Metrics;
use crate::outcome::OutcomeRouter;
use crate::settings::HttpSettings;

/// Where the configuration comes from.
pub trait ConfigSource: Send + Sync + fmt::Debug {
    /// The current snapshot.
    fn snapshot(&self) -> Arc<ConfigSnapshot>;
    /// Whether the configuration log was read to its end at least once.
    fn is_caught_up(&self) -> bool;
}

impl ConfigSource for ConfigLog {
    fn snapshot(&self) -> Arc<ConfigSnapshot> {
        ConfigLog::snapshot(self)
    }
    fn is_caught_up(&self) -> bool {
        ConfigLog::is_caught_up(self)
    }
}

/// A fixed configuration (tests, tools).
#[derive(Debug, Clone)]
pub struct StaticConfig(pub Arc<ConfigSnapshot>);

impl ConfigSource for StaticConfig {
    fn snapshot(&self) -> Arc<ConfigSnapshot> {
        self.0.clone()
    }
    fn is_caught_up(&self) -> bool {
        true
    }
}

/// The clock requests read (injectable for tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What [`AppState::new`] is built from.
pub struct StateParts {
    pub settings: HttpSettings,
    pub rules: EdgeRules,
    pub config: Arc<dyn ConfigSource>,
    pub sink: Arc<dyn EventSink>,
    pub outcomes: Arc<OutcomeRouter>,
    pub metrics: Metrics,
    pub clock: Clock,
}

impl fmt::Debug for StateParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateParts")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

struct Shared {
    settings: HttpSettings,
    rules: EdgeRules,
    config: Arc<dyn ConfigSource>,
    sink: Arc<dyn EventSink>,
    outcomes: Arc<OutcomeRouter>,
    metrics: Metrics,
    chaff: ChaffTracker,
    clock: Clock,
    concurrency: Arc<Semaphore>,
}

/// Cheaply cloneable handle to the shared state.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.0.settings)
            .field("reply_to", &self.0.outcomes.reply_to())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Assembles the state.
    pub fn new(parts: StateParts) -> Self {
        let permits = parts.settings.max_concurrent_requests.max(1);
        Self(Arc::new(Shared {
            settings: parts.settings,
            rules: parts.rules,
            config: parts.config,
            sink: parts.sink,
            outcomes: parts.outcomes,
            metrics: parts.metrics,
            chaff: ChaffTracker::default(),
            clock: parts.clock,
            concurrency: Arc::new(Semaphore::new(permits)),
        }))
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.0.settings
    }
    pub fn rules(&self) -> &EdgeRules {
        &self.0.rules
    }
    pub fn config(&self) -> &dyn ConfigSource {
        self.0.config.as_ref()
    }
    pub fn sink(&self) -> &dyn EventSink {
        self.0.sink.as_ref()
    }
    pub fn outcomes(&self) -> &Arc<OutcomeRouter> {
        &self.0.outcomes
    }
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }
    pub fn chaff(&self) -> &ChaffTracker {
        &self.0.chaff
    }
    pub fn concurrency(&self) -> &Arc<Semaphore> {
        &self.0.concurrency
    }
    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0.clock)()
    }
}
