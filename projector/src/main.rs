//! The `projector` binary: the service by default, plus operator and analyst commands.
//!
//! ```text
//! projector                      run the service
//! projector migrate              apply the query store's migrations and create topics
//! projector rebuild --into URL [--until RFC3339] [--quiet]
//!                                replay the log (up to an instant) into another database, print
//!                                its checksum
//! projector checksum             print the live store's checksum (DATABASE_URL)
//! projector checksum --until RFC3339 --into URL
//!                                the checksum of the store as it stood then (rebuilt into URL)
//! projector dump --topic T --from RFC3339 --to RFC3339   events of a time range as JSON lines
//! projector cleanup              delete keys past EXPOSURE_RETENTION now
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use platform::env::{Env, FromEnv};
use projector::rebuild::{rebuild_with, RebuildOptions, RebuildReport};
use projector::ProjectorSettings;
use schemas::topics::Topic;

#[derive(Debug, Parser)]
#[command(name = "projector", about = "Query-store projector and replay tools")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations to DATABASE_URL and create missing topics.
    Migrate,
    /// Rebuild a store from the log into the database at URL and print its checksum.
    Rebuild {
        #[arg(long = "into")]
        into: String,
        /// Build the store as it stood at this instant (RFC 3339): later events are left out.
        #[arg(long)]
        until: Option<chrono::DateTime<chrono::Utc>>,
        /// No progress line, only the summary.
        #[arg(long)]
        quiet: bool,
    },
    /// Print the checksum of the live store, or with --until of the store as it stood then
    /// (rebuilt into the database given with --into).
    Checksum {
        #[arg(long, requires = "into")]
        until: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long = "into")]
        into: Option<String>,
    },
    /// Print the events of a topic in a time range as JSON lines.
    Dump {
        /// received, processed, outcome, config, audit or deadletter.
        #[arg(long)]
        topic: String,
        #[arg(long)]
        from: chrono::DateTime<chrono::Utc>,
        #[arg(long)]
        to: chrono::DateTime<chrono::Utc>,
    },
    /// Delete keys older than EXPOSURE_RETENTION now.
    Cleanup,
}

fn print_retention(settings: &ProjectorSettings, report: &RebuildReport) {
    let topic = settings.kafka.topic(Topic::PublishProcessed);
    if let Some(note) = projector::rebuild::retention_note(&topic, &report.retention_gaps) {
        eprintln!("{note}");
    }
}

fn topic_named(name: &str) -> Option<Topic> {
    Topic::ALL.into_iter().find(|t| {
        t.base_name() == name
            || t.base_name().rsplit('.').next() == Some(name)
            || name == "audit" && *t == Topic::ConfigAudit
    })
}

#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return platform::service::main::<projector::Projector>();
    };
    platform::telemetry::init("projector");
    let mut env = Env::from_process();
    let settings = ProjectorSettings::from_env(&mut env);
    if let Err(e) = env.finish() {
        eprintln!("projector: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("projector: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Migrate => {
                settings.kafka.ensure_topics().await?;
                let pool = settings.pg.pool()?;
                let applied =
                    platform::pg::migrate(&pool, projector::migrations::MIGRATIONS).await?;
                println!("migrations applied: {applied}");
            }
            Command::Rebuild { into, until, quiet } => {
                let options = RebuildOptions { until, quiet };
                let report = rebuild_with(&settings.kafka, &into, options).await?;
                print_retention(&settings, &report);
                println!(
                    "events={} rows={} checksum={}",
                    report.events, report.rows, report.checksum
                );
            }
            Command::Checksum {
                until: Some(until),
                into: Some(into),
            } => {
                let options = RebuildOptions {
                    until: Some(until),
                    quiet: false,
                };
                let report = rebuild_with(&settings.kafka, &into, options).await?;
                print_retention(&settings, &report);
                println!("rows={} checksum={}", report.rows, report.checksum);
            }
            Command::Checksum { .. } => {
                let (rows, sum) = projector::rebuild::checksum(settings.pg.url.expose()).await?;
                println!("rows={rows} checksum={sum}");
            }
            Command::Dump { topic, from, to } => {
                let topic =
                    topic_named(&topic).ok_or_else(|| anyhow::anyhow!("unknown topic {topic}"))?;
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let n = tokio::task::block_in_place(|| {
                    projector::rebuild::dump(&settings.kafka, topic, from, to, &mut out)
                })?;
                drop(out);
                eprintln!("{n} events");
            }
            Command::Cleanup => {
                let pool = settings.pg.pool()?;
                let n =
                    projector::retention::cleanup(&pool, chrono::Utc::now(), settings.retention)
                        .await?;
                println!("deleted={n}");
            }
        }
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("projector: {e:#}");
            ExitCode::FAILURE
        }
    }
}
