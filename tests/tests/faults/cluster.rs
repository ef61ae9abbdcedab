//! Two processes of every pipeline service on the test's topics and database.

use harness::process::{spawn_bin, ServiceProcess};
use harness::stack::revision_token_keys;
use harness::TestEnv;

/// The six instances, in the order the kill rounds visit them.
pub struct Cluster {
    pub instances: Vec<ServiceProcess>,
}

/// Settings every ingest gets: the same revision-token keys, and a short outcome wait so an
/// answer without the pipeline's outcome (degraded) comes quickly.
pub const OUTCOME_WAIT_MS: i64 = 1000;

impl Cluster {
    pub async fn start(env: &TestEnv) -> Self {
        let keys = revision_token_keys();
        let ingest_env = [
            ("REVISION_TOKEN_KEYS", keys.as_str()),
            ("PUBLISH_OUTCOME_WAIT", "1s"),
        ];
        let mut instances = Vec::new();
        for _ in 0..2 {
            instances.push(spawn_bin(env, "ingest", &ingest_env).await);
        }
        // Static group membership: a restarted instance takes its partitions back at once.
        for name in ["processor", "projector"] {
            for n in 1..=2 {
                let id = format!("{}{name}-{n}", env.prefix);
                instances.push(spawn_bin(env, name, &[("KAFKA_GROUP_INSTANCE_ID", &id)]).await);
            }
        }
        for instance in &instances {
            harness::wait_ready(&instance.ops_url).await;
        }
        Self { instances }
    }

    pub fn ingest_urls(&self) -> Vec<String> {
        self.instances
            .iter()
            .filter(|i| i.name == "ingest")
            .map(|i| i.url.clone())
            .collect()
    }

    /// A readable name of instance `i` (`ingest#1`).
    /// What an orchestrator does: starts again every instance that ended by itself (a service
    /// exits on an error it cannot recover from, such as a fenced consumer). Says which, so a
    /// run shows it; the suite's verdict still judges every answer.
    pub async fn restart_exited(&mut self, env: &TestEnv) {
        for i in 0..self.instances.len() {
            if let Some(status) = self.instances[i].exited() {
                eprintln!("{} exited by itself ({status}); restarted", self.label(i));
                self.instances[i].restart(env).await;
            }
        }
    }

    pub fn label(&self, i: usize) -> String {
        let name = &self.instances[i].name;
        let n = self.instances[..i]
            .iter()
            .filter(|x| &x.name == name)
            .count()
            + 1;
        format!("{name}#{n}")
    }

    /// Index of the `n`-th (0-based) instance of `name`.
    pub fn index_of(&self, name: &str, n: usize) -> Option<usize> {
        self.instances
            .iter()
            .enumerate()
            .filter(|(_, x)| x.name == name)
            .nth(n)
            .map(|(i, _)| i)
    }

    pub async fn stop(&mut self) {
        for instance in &mut self.instances {
            instance.terminate().await;
        }
    }
}
