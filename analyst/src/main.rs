//! The `analyst` binary: a thin command line over the `analyst` library.
//!
//! ```text
//! analyst whatif --into URL [--set NAME=VALUE]... [--from T] [--to T] [--json] [--quiet]
//! analyst history export --from T --to T --format parquet|csv --out PATH [--quiet]
//! ```
//!
//! Kafka comes from the services' settings (`KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, ...).

use std::path::PathBuf;
use std::process::ExitCode;

use analyst::history::{self, Format};
use analyst::overrides::Override;
use analyst::whatif::{self, WhatIf};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use platform::env::Env;
use platform::kafka::KafkaSettings;
use schemas::topics::Topic;

#[derive(Debug, Parser)]
#[command(
    name = "analyst",
    about = "What-if replays and the columnar upload history"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay the received publishes with changed settings into a scratch database and report
    /// the differences against the recorded decisions.
    Whatif {
        /// The scratch database: empty (the query store's tables are created in it).
        #[arg(long = "into")]
        into: String,
        /// A changed setting, NAME=VALUE (repeatable).
        #[arg(long = "set", value_parser = parse_override)]
        set: Vec<(String, Override)>,
        /// Report uploads received from this time on (earlier ones still build the store).
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// Leave out uploads received at or after this time.
        #[arg(long)]
        to: Option<DateTime<Utc>>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Most changed uploads listed one by one in the JSON report.
        #[arg(long, default_value_t = 1000)]
        changed_limit: usize,
        #[arg(long)]
        quiet: bool,
    },
    /// The columnar upload history.
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// Write one row per upload received in [from, to), without key material.
    Export {
        #[arg(long)]
        from: DateTime<Utc>,
        #[arg(long)]
        to: DateTime<Utc>,
        #[arg(long, value_enum)]
        format: Format,
        #[arg(long)]
        out: PathBuf,
        /// The edge's PUBLISH_OUTCOME_WAIT: a later outcome means a degraded answer.
        #[arg(long, default_value = "2s", value_parser = platform::env::parse_duration)]
        outcome_wait: std::time::Duration,
        #[arg(long)]
        quiet: bool,
    },
}

fn parse_override(arg: &str) -> Result<(String, Override), String> {
    Override::parse(arg)
        .map(|o| (arg.to_owned(), o))
        .map_err(|e| e.to_string())
}

#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Standard output is the command's result (a report, JSON): log lines go to standard error,
    // warnings and errors only unless RUST_LOG says otherwise.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let mut env = Env::from_process();
    let kafka = KafkaSettings::from_env(&mut env);
    if let Err(e) = env.finish() {
        eprintln!("analyst: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("analyst: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, kafka)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("analyst: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, kafka: KafkaSettings) -> anyhow::Result<()> {
    match command {
        Command::Whatif {
            into,
            set,
            from,
            to,
            json,
            changed_limit,
            quiet,
        } => {
            let (settings_text, overrides) = set.into_iter().unzip();
            let what = WhatIf {
                overrides,
                settings_text,
                from,
                to,
                changed_limit,
                quiet,
            };
            let outcome = whatif::run(&kafka, &into, what).await?;
            note(&kafka, Topic::PublishReceived, &outcome.retention_gaps);
            if json {
                println!("{}", serde_json::to_string_pretty(&outcome.report)?);
            } else {
                print!("{}", outcome.report.table());
            }
        }
        Command::History {
            command:
                HistoryCommand::Export {
                    from,
                    to,
                    format,
                    out,
                    outcome_wait,
                    quiet,
                },
        } => {
            anyhow::ensure!(from < to, "--from must be before --to");
            let range = history::Range {
                from,
                to,
                outcome_wait,
                quiet,
            };
            let k = kafka.clone();
            let rows = tokio::task::spawn_blocking(move || history::collect(&k, range)).await??;
            note(&kafka, Topic::PublishReceived, &rows.retention_gaps);
            history::write(&rows.rows, format, &out)?;
            let mut codes: Vec<_> = history::codes(&rows.rows).into_iter().collect();
            codes.sort();
            let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c}={n}")).collect();
            println!(
                "uploads={} file={} outcomes: {}",
                rows.rows.len(),
                out.display(),
                codes.join(" ")
            );
        }
    }
    Ok(())
}

fn note(kafka: &KafkaSettings, topic: Topic, gaps: &[projector::log_range::RetentionGap]) {
    if let Some(note) = projector::rebuild::retention_note(&kafka.topic(topic), gaps) {
        eprintln!("{note}");
    }
}
