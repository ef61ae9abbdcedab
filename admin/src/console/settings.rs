//! Settings of the web console, read with the other admin settings.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `ADMIN_OPERATORS_FILE` | none | named operator accounts (format in [`super::operators`]); admin tokens always work too |
//! | `ADMIN_COOKIE_SECURE` | `false` | add `Secure` to the session cookie; set it whenever the console is served over HTTPS |
//! | `ADMIN_SESSION_IDLE_TIMEOUT` | `30m` | a session ends after this long without a request |
//! | `ADMIN_SESSION_MAX_LIFETIME` | `12h` | and at the latest this long after sign-in |
//! | `PROMETHEUS_URL` | none | the Prometheus server the Health page charts (`http(s)://host:port`); without it the page says so |
//! | `PROMETHEUS_QUERY_TIMEOUT` | `5s` | longest wait for one of the Health page's queries |
//! | `EXPORTER_OPS_URL` | none | the exporter's ops listener (`http(s)://host:port`), where the statistics CSV download reads; without it the download says so |

use std::time::Duration;

use platform::env::Env;

use super::operators::Operators;
use super::session::SessionLimits;

/// Everything the console reads at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// `ADMIN_OPERATORS_FILE`.
    pub operators: Operators,
    /// `ADMIN_COOKIE_SECURE`.
    pub cookie_secure: bool,
    /// `ADMIN_SESSION_IDLE_TIMEOUT` and `ADMIN_SESSION_MAX_LIFETIME`.
    pub sessions: SessionLimits,
    /// `PROMETHEUS_URL`.
    pub prometheus_url: Option<String>,
    /// `PROMETHEUS_QUERY_TIMEOUT`.
    pub prometheus_timeout: Duration,
    /// `EXPORTER_OPS_URL`.
    pub exporter_ops_url: Option<String>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            operators: Operators::none(),
            cookie_secure: false,
            sessions: SessionLimits {
                idle_timeout: Duration::from_secs(30 * 60),
                max_lifetime: Duration::from_secs(12 * 3600),
            },
            prometheus_url: None,
            prometheus_timeout: Duration::from_secs(5),
            exporter_ops_url: None,
        }
    }
}

impl ConsoleSettings {
    /// Reads the settings; problems are recorded in `env`.
    pub fn from_env(env: &mut Env) -> Self {
        let defaults = Self::default();
        let operators = match env.opt_string("ADMIN_OPERATORS_FILE") {
            None => Operators::none(),
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(content) => Operators::parse(&content).unwrap_or_else(|problems| {
                    for problem in problems {
                        env.problem(problem);
                    }
                    Operators::none()
                }),
                Err(e) => {
                    env.problem(format!("cannot read ADMIN_OPERATORS_FILE {path}: {e}"));
                    Operators::none()
                }
            },
        };
        let sessions = SessionLimits {
            idle_timeout: env
                .duration("ADMIN_SESSION_IDLE_TIMEOUT", defaults.sessions.idle_timeout),
            max_lifetime: env
                .duration("ADMIN_SESSION_MAX_LIFETIME", defaults.sessions.max_lifetime),
        };
        if sessions.idle_timeout.is_zero() || sessions.max_lifetime.is_zero() {
            env.problem(
                "ADMIN_SESSION_IDLE_TIMEOUT and ADMIN_SESSION_MAX_LIFETIME must be positive",
            );
        }
        let prometheus_url = env.opt_string("PROMETHEUS_URL").filter(|u| !u.is_empty());
        if let Some(url) = &prometheus_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                env.problem("PROMETHEUS_URL must start with http:// or https://");
            }
        }
        let exporter_ops_url = env.opt_string("EXPORTER_OPS_URL").filter(|u| !u.is_empty());
        if let Some(url) = &exporter_ops_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                env.problem("EXPORTER_OPS_URL must start with http:// or https://");
            }
        }
        let prometheus_timeout =
            env.duration("PROMETHEUS_QUERY_TIMEOUT", defaults.prometheus_timeout);
        if prometheus_timeout.is_zero() {
            env.problem("PROMETHEUS_QUERY_TIMEOUT must be positive");
        }
        Self {
            operators,
            cookie_secure: env.bool("ADMIN_COOKIE_SECURE", defaults.cookie_secure),
            sessions,
            prometheus_url,
            prometheus_timeout,
            exporter_ops_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_operators_file() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        assert_eq!(
            ConsoleSettings::from_env(&mut env),
            ConsoleSettings::default()
        );
        assert!(env.finish().is_ok());

        let path = std::env::temp_dir().join(format!("operators-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, "alice:a-long-plain-password\n").unwrap_or_else(|e| panic!("{e}"));
        let mut env = Env::from_map([
            ("ADMIN_OPERATORS_FILE", path.display().to_string()),
            ("ADMIN_COOKIE_SECURE", "true".to_owned()),
            ("ADMIN_SESSION_IDLE_TIMEOUT", "5m".to_owned()),
        ]);
        let settings = ConsoleSettings::from_env(&mut env);
        let _ = std::fs::remove_file(&path);
        assert!(env.finish().is_ok());
        assert!(settings.cookie_secure);
        assert_eq!(settings.sessions.idle_timeout, Duration::from_secs(300));
        assert_eq!(
            settings.operators.verify("alice", "a-long-plain-password"),
            Some("alice")
        );
    }

    /// How many problems reading the console settings from `vars` reports (none: a panic).
    fn problems(vars: &[(&str, &str)]) -> usize {
        let mut env = Env::from_map(vars.iter().copied());
        let _ = ConsoleSettings::from_env(&mut env);
        let Err(errors) = env.finish() else {
            panic!("accepted {vars:?}")
        };
        errors.0.len()
    }

    #[test]
    fn unreadable_or_invalid_files_and_zero_timeouts_are_reported() {
        let vars = [
            ("ADMIN_OPERATORS_FILE", "/nonexistent/operators"),
            ("ADMIN_SESSION_IDLE_TIMEOUT", "0s"),
        ];
        assert_eq!(problems(&vars), 2);
    }

    #[test]
    fn prometheus_settings_are_optional_and_checked() {
        let mut env = Env::from_map([
            ("PROMETHEUS_URL", "http://127.0.0.1:19090"),
            ("PROMETHEUS_QUERY_TIMEOUT", "2s"),
        ]);
        let settings = ConsoleSettings::from_env(&mut env);
        assert!(env.finish().is_ok());
        assert_eq!(
            settings.prometheus_url.as_deref(),
            Some("http://127.0.0.1:19090")
        );
        assert_eq!(settings.prometheus_timeout, Duration::from_secs(2));

        let vars = [
            ("PROMETHEUS_URL", "127.0.0.1:19090"),
            ("PROMETHEUS_QUERY_TIMEOUT", "0s"),
        ];
        assert_eq!(problems(&vars), 2);
    }
}
