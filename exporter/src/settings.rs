//! Settings of the exporter. Behaviour settings keep the reference's names and defaults;
//! infrastructure and scheduling settings are ours.

use std::path::PathBuf;
use std::time::Duration;

use platform::env::{Env, FromEnv};
use platform::kafka::KafkaSettings;
use platform::pg::PgSettings;

use crate::batching::padding::PaddingSettings;

/// How batches are cut and files built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSettings {
    /// `EXPORT_FILE_MIN_RECORDS` (1000) and `EXPORT_FILE_PADDING_RANGE` (100).
    pub padding: PaddingSettings,
    /// `EXPORT_FILE_MAX_RECORDS` (500000): entries per file unless a config overrides it.
    pub max_records: usize,
    /// `TRUNCATE_WINDOW` (1h): the publish window; batches never end after
    /// `floor(now - MIN_WINDOW_AGE, TRUNCATE_WINDOW)`.
    pub truncate_window: Duration,
    /// `MIN_WINDOW_AGE` (2h): how long after its end a window is batched.
    pub min_window_age: Duration,
    /// `WORKER_TIMEOUT` (5m): batch lease and region lock time.
    pub worker_timeout: Duration,
    /// `CLEANUP_TTL` (336h): how long files stay listed and stored.
    pub cleanup_ttl: Duration,
    /// `DEBUG_OVERRIDE_CLEANUP_MIN_DURATION` (false): allow a `CLEANUP_TTL` under 240h.
    pub allow_short_cleanup_ttl: bool,
    /// `REPROCESS_COUNT` (0): added to the timestamps in file names when regenerating.
    pub reprocess_count: i64,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            padding: PaddingSettings {
                min_records: 1000,
                padding_range: 100,
            },
            max_records: 500_000,
            truncate_window: Duration::from_secs(3600),
            min_window_age: Duration::from_secs(2 * 3600),
            worker_timeout: Duration::from_secs(300),
            cleanup_ttl: Duration::from_secs(336 * 3600),
            allow_short_cleanup_ttl: false,
            reprocess_count: 0,
        }
    }
}

/// Shortest `CLEANUP_TTL` without the debug override (10 days).
pub const MIN_CLEANUP_TTL: Duration = Duration::from_secs(240 * 3600);

/// How often the background jobs run; `0` disables a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// `EXPORT_CREATE_BATCHES_INTERVAL` (5m).
    pub create_batches: Duration,
    /// `EXPORT_WORK_INTERVAL` (1m): how often idle workers look for batches.
    pub work: Duration,
    /// `EXPORT_CLEANUP_INTERVAL` (4h).
    pub cleanup: Duration,
}

/// Exporter settings.
#[derive(Debug, Clone)]
pub struct ExporterSettings {
    pub kafka: KafkaSettings,
    pub pg: PgSettings,
    /// `LISTEN_ADDR`: downloads (and a bare `/health`).
    pub listen_addr: String,
    /// `OPS_LISTEN_ADDR` (`127.0.0.1:18182`): `/health`, `/ready`, `/metrics`.
    pub ops_listen_addr: String,
    /// `HTTP_*`: limits of both listeners.
    pub http: platform::http_server::HttpLimits,
    /// `EXPORT_DIR`: the blob directory files are written to and served from.
    pub export_dir: PathBuf,
    /// `EXPORT_KEY_DIR`: directory of the signing keys that signature infos name (default: the
    /// directory of `EXPORT_SIGNING_KEY_FILE`).
    pub key_dir: PathBuf,
    /// `EXPORT_SIGNING_KEY_FILE`: a key that must load at start-up (its public key is logged
    /// for registration with Apple and Google).
    pub signing_key_file: Option<PathBuf>,
    pub export: ExportSettings,
    pub schedule: Schedule,
    /// `/v1/stats`.
    pub stats: crate::stats::StatsSettings,
}

impl FromEnv for ExporterSettings {
    fn from_env(env: &mut Env) -> Self {
        let defaults = ExportSettings::default();
        let signing_key_file = env.opt_string("EXPORT_SIGNING_KEY_FILE").map(PathBuf::from);
        let default_key_dir = signing_key_file
            .as_deref()
            .and_then(|f| f.parent())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let export = ExportSettings {
            padding: PaddingSettings {
                min_records: env.parse("EXPORT_FILE_MIN_RECORDS", defaults.padding.min_records),
                padding_range: env
                    .parse("EXPORT_FILE_PADDING_RANGE", defaults.padding.padding_range),
            },
            max_records: env.parse("EXPORT_FILE_MAX_RECORDS", defaults.max_records),
            truncate_window: env.duration("TRUNCATE_WINDOW", defaults.truncate_window),
            min_window_age: env.duration("MIN_WINDOW_AGE", defaults.min_window_age),
            worker_timeout: env.duration("WORKER_TIMEOUT", defaults.worker_timeout),
            cleanup_ttl: env.duration("CLEANUP_TTL", defaults.cleanup_ttl),
            allow_short_cleanup_ttl: env.bool("DEBUG_OVERRIDE_CLEANUP_MIN_DURATION", false),
            reprocess_count: env.parse("REPROCESS_COUNT", 0),
        };
        let settings = Self {
            kafka: KafkaSettings::from_env(env),
            pg: PgSettings::from_env(env),
            listen_addr: env.string("LISTEN_ADDR", "127.0.0.1:18082"),
            ops_listen_addr: platform::ops::listen_addr(env, "127.0.0.1:18182"),
            http: platform::http_server::HttpLimits::from_env(env),
            export_dir: PathBuf::from(env.string("EXPORT_DIR", ".dev/exports")),
            key_dir: env
                .opt_string("EXPORT_KEY_DIR")
                .map_or(default_key_dir, PathBuf::from),
            signing_key_file,
            schedule: Schedule {
                create_batches: env
                    .duration("EXPORT_CREATE_BATCHES_INTERVAL", Duration::from_secs(300)),
                work: env.duration("EXPORT_WORK_INTERVAL", Duration::from_secs(60)),
                cleanup: env.duration("EXPORT_CLEANUP_INTERVAL", Duration::from_secs(4 * 3600)),
            },
            export,
            stats: crate::stats::StatsSettings::from_env(env),
        };
        for problem in settings.export.problems() {
            env.problem(problem);
        }
        settings
    }
}

impl ExportSettings {
    /// Every inconsistent value, as messages.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.max_records == 0 {
            problems.push("EXPORT_FILE_MAX_RECORDS must be at least 1".to_owned());
        }
        if self.truncate_window < Duration::from_secs(1) {
            problems.push("TRUNCATE_WINDOW must be at least 1s".to_owned());
        }
        if self.worker_timeout < Duration::from_secs(1) {
            problems.push("WORKER_TIMEOUT must be at least 1s".to_owned());
        }
        if let Err(e) = check_ttl(self.cleanup_ttl, self.allow_short_cleanup_ttl) {
            problems.push(format!("CLEANUP_TTL: {e}"));
        }
        problems
    }
}

/// Checks `CLEANUP_TTL`: at least 240h unless the debug override allows less.
pub fn check_ttl(ttl: Duration, allow_short: bool) -> Result<(), String> {
    if ttl.is_zero() {
        return Err("must be positive".into());
    }
    if ttl < MIN_CLEANUP_TTL && !allow_short {
        return Err(format!(
            "{}h is below the minimum of 240h (set DEBUG_OVERRIDE_CLEANUP_MIN_DURATION=true to allow it)",
            ttl.as_secs() / 3600
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_ttl_is_at_least_240h_unless_overridden() {
        let h = |n: u64| Duration::from_secs(n * 3600);
        assert!(check_ttl(Duration::ZERO, true).is_err());
        assert!(check_ttl(h(216), false).is_err());
        assert!(check_ttl(h(216), true).is_ok());
        assert!(check_ttl(h(240), false).is_ok());
        assert!(check_ttl(h(336), false).is_ok());
    }

    fn read(vars: &[(&str, &str)]) -> (ExporterSettings, Result<(), platform::env::EnvErrors>) {
        let mut env = Env::from_map(
            vars.iter()
                .copied()
                .chain([("DATABASE_URL", "postgres://u@localhost/db")]),
        );
        let settings = ExporterSettings::from_env(&mut env);
        let names = env.names_read().to_vec();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "an env name is read twice: {names:?}"
        );
        (settings, env.finish())
    }

    #[test]
    fn defaults_are_the_reference_ones() {
        let (settings, result) = read(&[]);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(settings.export, ExportSettings::default());
        assert_eq!(settings.key_dir, PathBuf::from("."));
    }

    #[test]
    fn key_dir_defaults_to_the_signing_key_files_directory() {
        let (settings, _) = read(&[("EXPORT_SIGNING_KEY_FILE", "/secrets/export.pem")]);
        assert_eq!(settings.key_dir, PathBuf::from("/secrets"));
        let (settings, _) = read(&[
            ("EXPORT_SIGNING_KEY_FILE", "/secrets/export.pem"),
            ("EXPORT_KEY_DIR", "/keys"),
        ]);
        assert_eq!(settings.key_dir, PathBuf::from("/keys"));
    }

    /// Conformance case C37 and C39.
    #[test]
    fn cleanup_ttl_bounds() {
        assert!(read(&[("CLEANUP_TTL", "-10m")]).1.is_err());
        assert!(read(&[("CLEANUP_TTL", "216h")]).1.is_err());
        let (settings, result) = read(&[
            ("CLEANUP_TTL", "216h"),
            ("DEBUG_OVERRIDE_CLEANUP_MIN_DURATION", "true"),
        ]);
        assert!(result.is_ok());
        assert_eq!(settings.export.cleanup_ttl, Duration::from_secs(216 * 3600));
        assert!(read(&[("EXPORT_FILE_MAX_RECORDS", "0")]).1.is_err());
    }
}
