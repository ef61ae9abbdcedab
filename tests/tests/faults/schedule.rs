//! The faults of one run, in order, and the time window each one covered.

use std::time::Duration;

use harness::TestEnv;
use schemas::topics::Topic;

use crate::cluster::Cluster;

/// How long the system runs on after each fault before the next one.
const SETTLE: Duration = Duration::from_secs(5);

/// One fault.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// `kill -9` of instance `n` of the cluster, then a restart on the same ports.
    Kill(usize),
    /// PostgreSQL stopped (fast shutdown) for this long, then started again.
    PostgresDown(Duration),
    /// The first projector stopped with SIGSTOP for this long, then continued.
    PauseProjector(Duration),
    /// The Kafka node leading the busiest received partition killed (`kill -9`) for this
    /// long, then started again (three-node cluster only).
    KillBroker(Duration),
}

/// The faults of a run.
#[derive(Debug)]
pub struct Plan {
    pub faults: Vec<Fault>,
}

impl Plan {
    /// `rounds` rounds of killing every instance in turn, each followed by the loss of a Kafka
    /// node if `broker_down` is not zero; PostgreSQL's outage after the first round and the
    /// projector's pause after the second (if their durations are not zero).
    pub fn new(
        rounds: usize,
        postgres_down: Duration,
        pause: Duration,
        broker_down: Duration,
    ) -> Self {
        let mut faults = Vec::new();
        let kills = |faults: &mut Vec<Fault>| faults.extend((0..6).map(Fault::Kill));
        for round in 0..rounds.max(2) {
            if round < rounds {
                kills(&mut faults);
                if !broker_down.is_zero() {
                    faults.push(Fault::KillBroker(broker_down));
                }
            }
            if round == 0 && !postgres_down.is_zero() {
                faults.push(Fault::PostgresDown(postgres_down));
            }
            if round == 1 && !pause.is_zero() {
                faults.push(Fault::PauseProjector(pause));
            }
        }
        Self { faults }
    }

    /// About how long the faults take (the load runs this long).
    pub fn duration(&self) -> Duration {
        let each = |f: &Fault| match f {
            Fault::Kill(_) => Duration::from_secs(3) + SETTLE,
            Fault::PostgresDown(d) | Fault::PauseProjector(d) | Fault::KillBroker(d) => {
                *d + 2 * SETTLE
            }
        };
        self.faults.iter().map(each).sum::<Duration>() + Duration::from_secs(15)
    }
}

/// What happened when.
#[derive(Debug, Clone)]
pub struct Window {
    pub label: String,
    /// When the fault was injected (ms since the Unix epoch).
    pub start_ms: i64,
    /// When the next fault began (or the run ended).
    pub end_ms: i64,
    /// When the failed part was brought back (restarted, started, continued).
    pub back_ms: i64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Injects every fault of `plan` in turn.
pub async fn run(plan: &Plan, cluster: &mut Cluster, env: &TestEnv) -> Vec<Window> {
    let mut windows = Vec::new();
    for fault in &plan.faults {
        let start_ms = now_ms();
        let mut back_ms = start_ms;
        let label = match *fault {
            Fault::Kill(i) => {
                let label = format!("kill -9 {}", cluster.label(i));
                cluster.instances[i].kill_9().await;
                cluster.instances[i].restart(env).await;
                back_ms = now_ms();
                tokio::time::sleep(SETTLE).await;
                label
            }
            Fault::PostgresDown(d) => {
                postgres("stop");
                tokio::time::sleep(d).await;
                // Everything the pipeline processed while PostgreSQL was away is below these ends.
                let ends = crate::brokers::partition_ends(env, Topic::PublishProcessed).await;
                back_ms = now_ms();
                postgres("start");
                let back = std::time::Instant::now();
                let caught_up = projector_caught_up(env, &ends).await;
                let arrival = caught_up.map_or_else(
                    || "not all keys stored within 120 s of its return".to_owned(),
                    |()| {
                        format!(
                            "keys stored {:.1} s after its return",
                            back.elapsed().as_secs_f64()
                        )
                    },
                );
                tokio::time::sleep((2 * SETTLE).saturating_sub(back.elapsed())).await;
                format!("PostgreSQL down {}s ({arrival})", d.as_secs())
            }
            Fault::PauseProjector(d) => {
                let i = cluster.index_of("projector", 0).unwrap_or(0);
                cluster.instances[i].signal("STOP");
                tokio::time::sleep(d).await;
                back_ms = now_ms();
                cluster.instances[i].signal("CONT");
                tokio::time::sleep(2 * SETTLE).await;
                format!("SIGSTOP {} {}s", cluster.label(i), d.as_secs())
            }
            Fault::KillBroker(d) => {
                let busiest = crate::brokers::busiest_received_partition(env).await;
                crate::brokers::brokers("kill", busiest.leader);
                tokio::time::sleep(d).await;
                back_ms = now_ms();
                crate::brokers::brokers("start-node", busiest.leader);
                tokio::time::sleep(2 * SETTLE).await;
                format!(
                    "kill -9 Kafka node {} (leader of received/{}) {}s",
                    busiest.leader,
                    busiest.partition,
                    d.as_secs()
                )
            }
        };
        eprintln!("fault done: {label}");
        cluster.restart_exited(env).await;
        windows.push(Window {
            label,
            start_ms,
            end_ms: now_ms(),
            back_ms,
        });
    }
    windows
}

/// Waits (at most 120 s) until the projectors' positions, stored with the keys, reach `ends`:
/// every processed event before them, and so every key acknowledged before them, is stored.
async fn projector_caught_up(env: &TestEnv, ends: &[crate::brokers::PartitionEnd]) -> Option<()> {
    let topic = env.kafka.topic(Topic::PublishProcessed);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut db: Option<tokio_postgres::Client> = None;
    while std::time::Instant::now() < deadline {
        // One connection, made again only when PostgreSQL (just started) refused or dropped it.
        if db.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            db = match tokio_postgres::connect(env.database_url(), tokio_postgres::NoTls).await {
                Ok((client, connection)) => {
                    tokio::spawn(connection);
                    Some(client)
                }
                Err(_) => None,
            };
        }
        if let Some(client) = &db {
            let rows = client
                .query(
                    "SELECT kafka_partition, next_offset FROM projector_offsets WHERE topic = $1",
                    &[&topic],
                )
                .await
                .unwrap_or_default();
            let reached = ends.iter().all(|e| {
                e.end == 0
                    || rows
                        .iter()
                        .any(|r| r.get::<_, i32>(0) == e.partition && r.get::<_, i64>(1) >= e.end)
            });
            if reached {
                return Some(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// `dev/pg stop|start`: the local stack's PostgreSQL.
fn postgres(action: &str) {
    let script = harness::repo_root().join("dev/pg");
    let status = std::process::Command::new(&script)
        .arg(action)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(status.success(), "dev/pg {action} failed");
}
