//! `/v1/stats`: health authorities read their own aggregate publish statistics, served
//! from the query store by the exporter's public listener (ingest never talks to PostgreSQL).
//!
//! - [`auth`]: the bearer JWT and who it names;
//! - [`release`]: summing hours into days and the release rule, JSON and CSV forms;
//! - [`handler`]: the HTTP route.

pub mod auth;
pub mod csv_route;
pub mod handler;
pub mod release;

use std::time::Duration;

use platform::env::Env;

use crate::stats::release::ReleaseRule;

/// Settings of `/v1/stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSettings {
    /// `STATS_AUDIENCE`: the `aud` a stats JWT must carry.
    pub audience: String,
    pub release: ReleaseRule,
    /// `RESPONSE_PADDING_MIN_BYTES` (stats default 2048).
    pub padding_min_bytes: usize,
    /// `RESPONSE_PADDING_RANGE` (stats default 1024).
    pub padding_range: usize,
    /// Largest request body, bytes (the reference's 64,000).
    pub max_body_bytes: usize,
}

/// The reference's smallest `STATS_EMBARGO_PERIOD` when it is enabled.
pub const MIN_EMBARGO: Duration = Duration::from_secs(48 * 3600);

impl Default for StatsSettings {
    fn default() -> Self {
        Self {
            audience: "keyserver".into(),
            release: ReleaseRule {
                upload_minimum: 10,
                embargo: Some(MIN_EMBARGO),
            },
            padding_min_bytes: 2048,
            padding_range: 1024,
            max_body_bytes: 64_000,
        }
    }
}

impl StatsSettings {
    /// Reads the settings; inconsistent values are reported on `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let defaults = Self::default();
        let upload_minimum = env.parse("STATS_UPLOAD_MINIMUM", defaults.release.upload_minimum);
        if upload_minimum < 10 {
            env.problem("STATS_UPLOAD_MINIMUM must be at least 10".to_owned());
        }
        let embargo_text = env.string("STATS_EMBARGO_PERIOD", "48h");
        let embargo = if embargo_text.trim_start().starts_with('-') {
            None
        } else {
            match platform::env::parse_duration(&embargo_text) {
                Ok(d) if d.is_zero() => None,
                Ok(d) if d < MIN_EMBARGO => {
                    env.problem(
                        "STATS_EMBARGO_PERIOD must be at least 48h, or <= 0 to disable".to_owned(),
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    env.problem(format!("STATS_EMBARGO_PERIOD: {e}"));
                    None
                }
            }
        };
        Self {
            audience: env.string("STATS_AUDIENCE", &defaults.audience),
            release: ReleaseRule {
                upload_minimum,
                embargo,
            },
            padding_min_bytes: env.parse("RESPONSE_PADDING_MIN_BYTES", defaults.padding_min_bytes),
            padding_range: env.parse("RESPONSE_PADDING_RANGE", defaults.padding_range),
            max_body_bytes: env.parse("STATS_MAX_BODY_BYTES", defaults.max_body_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> (StatsSettings, Result<(), platform::env::EnvErrors>) {
        let mut env = Env::from_map(vars.iter().copied());
        let settings = StatsSettings::from_env(&mut env);
        (settings, env.finish())
    }

    #[test]
    fn defaults_are_the_reference_ones() {
        let (settings, result) = read(&[]);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(settings, StatsSettings::default());
        assert_eq!(settings.audience, "keyserver");
        assert_eq!(settings.release.upload_minimum, 10);
        assert_eq!(settings.release.embargo, Some(MIN_EMBARGO));
        assert_eq!(
            (settings.padding_min_bytes, settings.padding_range),
            (2048, 1024)
        );
        assert_eq!(settings.max_body_bytes, 64_000);
    }

    #[test]
    fn limits_are_checked_and_the_embargo_can_be_disabled() {
        assert!(read(&[("STATS_UPLOAD_MINIMUM", "9")]).1.is_err());
        assert!(read(&[("STATS_EMBARGO_PERIOD", "47h")]).1.is_err());
        assert!(read(&[("STATS_EMBARGO_PERIOD", "soon")]).1.is_err());
        for off in ["0", "0s", "-1h"] {
            let (settings, result) = read(&[("STATS_EMBARGO_PERIOD", off)]);
            assert!(result.is_ok(), "{off}: {result:?}");
            assert_eq!(settings.release.embargo, None, "{off}");
        }
        let (settings, result) = read(&[
            ("STATS_UPLOAD_MINIMUM", "25"),
            ("STATS_EMBARGO_PERIOD", "72h"),
            ("STATS_AUDIENCE", "stats.example"),
            ("STATS_MAX_BODY_BYTES", "1000"),
        ]);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(settings.release.upload_minimum, 25);
        assert_eq!(
            settings.release.embargo,
            Some(Duration::from_secs(72 * 3600))
        );
        assert_eq!(settings.audience, "stats.example");
        assert_eq!(settings.max_body_bytes, 1000);
    }
}
