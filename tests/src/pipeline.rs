//! The pipeline behind the edge, started in-process: the processor and the projector on a fresh
//! test environment (with a database), and a producer to feed them events.

use platform::opaque::Opaque;
use rdkafka::producer::FutureProducer;
use schemas::publish::{PublishOutcome, PublishReceived};
use uuid::Uuid;

use crate::events::produce_received;
use crate::kafka::outcome;
use crate::{spawn, Running, TestEnv};

/// A running processor and projector; both stop when it is dropped.
#[derive(Debug)]
pub struct Pipeline {
    pub env: TestEnv,
    pub producer: Opaque<FutureProducer>,
    pub processor: Running,
    pub projector: Running,
}

impl Pipeline {
    /// Starts the processor and the projector on a new test environment with a database.
    pub async fn start() -> Self {
        let env = TestEnv::with_database().await;
        let processor = spawn::<processor::Processor>(&env, &[]).await;
        let projector = spawn::<projector::Projector>(&env, &[]).await;
        let producer = env.kafka.producer().unwrap();
        Self {
            env,
            producer: Opaque(producer),
            processor,
            projector,
        }
    }

    /// Produces `event` to the received topic under a new request id; returns the id.
    pub async fn produce(&self, event: PublishReceived) -> Uuid {
        produce_received(&self.env, &self.producer, event).await
    }

    /// Produces `event` and waits for its outcome.
    pub async fn outcome_of(&self, event: PublishReceived) -> PublishOutcome {
        let id = self.produce(event).await;
        outcome(&self.env, id).await
    }
}
