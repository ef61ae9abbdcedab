//! `loadgen`: drives `POST /v1/publish` with valid signed uploads and reports latency.
//! See `loadgen --help` and `docs/performance.md`.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let options = loadgen::Options::parse();
    match loadgen::run(options).await {
        Ok(report) => report.exit_code(),
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
