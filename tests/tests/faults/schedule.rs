//! The faults of one run, in order, and the time window each one covered.

use std::time::Duration;

use harness::TestEnv;

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
}

/// The faults of a run.
#[derive(Debug)]
pub struct Plan {
    pub faults: Vec<Fault>,
}

impl Plan {
    /// `rounds` rounds of killing every instance in turn; PostgreSQL's outage after the first
    /// round and the projector's pause after the second (if their durations are not zero).
    pub fn new(rounds: usize, postgres_down: Duration, pause: Duration) -> Self {
        let mut faults = Vec::new();
        let kills = |faults: &mut Vec<Fault>| faults.extend((0..6).map(Fault::Kill));
        for round in 0..rounds.max(2) {
            if round < rounds {
                kills(&mut faults);
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
            Fault::PostgresDown(d) | Fault::PauseProjector(d) => *d + 2 * SETTLE,
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
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Injects every fault of `plan` in turn.
pub async fn run(plan: &Plan, cluster: &mut Cluster, env: &TestEnv) -> Vec<Window> {
    let mut windows = Vec::new();
    for fault in &plan.faults {
        let start_ms = now_ms();
        let label = match *fault {
            Fault::Kill(i) => {
                let label = format!("kill -9 {}", cluster.label(i));
                cluster.instances[i].kill_9().await;
                cluster.instances[i].restart(env).await;
                tokio::time::sleep(SETTLE).await;
                label
            }
            Fault::PostgresDown(d) => {
                postgres("stop");
                tokio::time::sleep(d).await;
                postgres("start");
                tokio::time::sleep(2 * SETTLE).await;
                format!("PostgreSQL down {}s", d.as_secs())
            }
            Fault::PauseProjector(d) => {
                let i = cluster.index_of("projector", 0).unwrap_or(0);
                cluster.instances[i].signal("STOP");
                tokio::time::sleep(d).await;
                cluster.instances[i].signal("CONT");
                tokio::time::sleep(2 * SETTLE).await;
                format!("SIGSTOP {} {}s", cluster.label(i), d.as_secs())
            }
        };
        eprintln!("fault done: {label}");
        windows.push(Window {
            label,
            start_ms,
            end_ms: now_ms(),
        });
    }
    windows
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
