//! Services as real OS processes, for fault tests (`kill -9`) and load runs.
//!
//! Binaries come from `TEST_BIN_DIR` (set by `dev/test` after `cargo build --bins`) or
//! `target/debug`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::TestEnv;

/// A running service process.
#[derive(Debug)]
pub struct ServiceProcess {
    pub name: String,
    pub child: Child,
    /// The public listener.
    pub url: String,
    /// The ops listener (`/health`, `/ready`, `/metrics`).
    pub ops_url: String,
    /// The ports and extra settings it was started with (a restart keeps them).
    pub ports: (u16, u16),
    pub extra: Vec<(String, String)>,
}

/// The path of the built binary `name`.
pub fn bin(name: &str) -> PathBuf {
    std::env::var_os("TEST_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("target/debug"))
        .join(name)
}

/// The Python of the independent readers: `EXPORT_VERIFY_PYTHON`, or `.dev/pyenv` (which
/// `dev/test` creates).
pub fn python() -> PathBuf {
    let path = std::env::var_os("EXPORT_VERIFY_PYTHON").map_or_else(
        || crate::repo_root().join(".dev/pyenv/bin/python"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: create it with `python3 -m venv .dev/pyenv && .dev/pyenv/bin/pip install protobuf cryptography` (dev/test does) or set EXPORT_VERIFY_PYTHON",
        path.display()
    );
    path
}

/// Runs `command` to its end and returns its standard output; panics with `what` and its
/// standard error when it cannot run or does not succeed.
pub fn stdout_of(command: &mut std::process::Command, what: &str) -> Vec<u8> {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not run: {e}"));
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Picks a free loopback port (bind to 0, read it, release it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts binary `name` with the test's settings plus `extra`, and waits for `/health` on its
/// ops listener.
pub async fn spawn_bin(env: &TestEnv, name: &str, extra: &[(&str, &str)]) -> ServiceProcess {
    spawn_bin_at(env, name, extra, (free_port(), free_port())).await
}

/// [`spawn_bin`] on the given public and ops ports.
pub async fn spawn_bin_at(
    env: &TestEnv,
    name: &str,
    extra: &[(&str, &str)],
    (port, ops_port): (u16, u16),
) -> ServiceProcess {
    let path = bin(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bins` (dev/test does)",
        path.display()
    );
    let mut cmd = Command::new(&path);
    cmd.envs(env.env_vars())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("OPS_LISTEN_ADDR", format!("127.0.0.1:{ops_port}"))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    if std::env::var_os("TEST_LOG").is_none() {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let url = format!("http://127.0.0.1:{port}");
    let ops_url = format!("http://127.0.0.1:{ops_port}");
    crate::wait_ok(&format!("{ops_url}/health"), Duration::from_secs(30)).await;
    ServiceProcess {
        name: name.to_owned(),
        child,
        url,
        ops_url,
        ports: (port, ops_port),
        extra: extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

impl ServiceProcess {
    /// `kill -9`: no shutdown hooks run.
    pub async fn kill_9(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// Starts the same binary again on the same ports with the same settings (after a kill).
    pub async fn restart(&mut self, env: &TestEnv) {
        let extra: Vec<(&str, &str)> = self
            .extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        *self = spawn_bin_at(env, &self.name, &extra, self.ports).await;
    }

    /// The exit status, if the process has ended (without waiting).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends `signal` (e.g. `STOP`, `CONT`) to the process.
    pub fn signal(&self, signal: &str) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args([format!("-{signal}"), pid.to_string()])
                .status();
        }
    }

    /// SIGTERM and wait for a clean exit; returns whether it exited successfully.
    pub async fn terminate(&mut self) -> bool {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
            Ok(Ok(status)) => status.success(),
            _ => false,
        }
    }
}
