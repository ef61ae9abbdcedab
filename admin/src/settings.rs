//! Settings of the admin service, read once from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LISTEN_ADDR` | `127.0.0.1:18081` | HTTP address (port 0 picks one) |
//! | `ADMIN_TOKEN` / `ADMIN_TOKEN_FILE` | required | bearer token(s), comma- or newline-separated |
//! | `CONFIG_VISIBILITY_TIMEOUT` | `5s` | how long a write waits for its event to show in the snapshot |
//! | `JWKS_SYNC_INTERVAL` | `1m` | period of the JWKS sync; `0` disables the periodic run |
//! | `JWKS_REQUEST_TIMEOUT` | `30s` | timeout of one JWKS fetch |
//! | `JWKS_MAX_WORKERS` | `5` | JWKS documents fetched at once |
//! | `HEALTH_AUTHORITY_KEY_CLEANUP_TTL` | `720h` | revoked JWKS-managed keys are deleted this long after their end |
//!
//! plus the console's settings ([`ConsoleSettings::from_env`]: `ADMIN_OPERATORS_FILE`,
//! `ADMIN_COOKIE_SECURE`, `ADMIN_SESSION_*`) and the Kafka settings of
//! [`KafkaSettings::from_env`].

use std::time::Duration;

use platform::env::{Env, FromEnv};
use platform::kafka::KafkaSettings;

use crate::auth::AdminTokens;
use crate::console::settings::ConsoleSettings;

/// Settings of the JWKS sync.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// `JWKS_SYNC_INTERVAL`; zero disables the periodic run (the trigger route still works).
    pub interval: Duration,
    /// `JWKS_REQUEST_TIMEOUT`.
    pub request_timeout: Duration,
    /// `JWKS_MAX_WORKERS`.
    pub max_workers: usize,
    /// `HEALTH_AUTHORITY_KEY_CLEANUP_TTL`.
    pub cleanup_ttl: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_workers: 5,
            cleanup_ttl: Duration::from_secs(720 * 3600),
        }
    }
}

/// Everything the admin service reads at start-up.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    /// `LISTEN_ADDR`: the admin API and console.
    pub listen_addr: String,
    /// `OPS_LISTEN_ADDR` (`127.0.0.1:18181`): `/health`, `/ready`, `/metrics`.
    pub ops_listen_addr: String,
    /// `HTTP_*`: limits of both listeners.
    pub http: platform::http_server::HttpLimits,
    /// `ADMIN_TOKEN` or `ADMIN_TOKEN_FILE`.
    pub tokens: AdminTokens,
    /// `CONFIG_VISIBILITY_TIMEOUT`.
    pub visibility_timeout: Duration,
    /// JWKS sync.
    pub jwks: JwksSettings,
    /// The web console.
    pub console: ConsoleSettings,
    /// Kafka.
    pub kafka: KafkaSettings,
}

impl FromEnv for AdminSettings {
    /// Reads the settings; problems are recorded in `env`.
    fn from_env(env: &mut Env) -> Self {
        let listen_addr = env.string("LISTEN_ADDR", "127.0.0.1:18081");
        let ops_listen_addr = platform::ops::listen_addr(env, "127.0.0.1:18181");
        let http = platform::http_server::HttpLimits::from_env(env);
        let tokens = match env.secret("ADMIN_TOKEN", "ADMIN_TOKEN_FILE") {
            Some(secret) => AdminTokens::parse(&secret).unwrap_or_else(|problem| {
                env.problem(problem);
                AdminTokens::reject_all()
            }),
            None => {
                env.problem("ADMIN_TOKEN or ADMIN_TOKEN_FILE is required");
                AdminTokens::reject_all()
            }
        };
        let defaults = JwksSettings::default();
        let jwks = JwksSettings {
            interval: env.duration("JWKS_SYNC_INTERVAL", defaults.interval),
            request_timeout: env.duration("JWKS_REQUEST_TIMEOUT", defaults.request_timeout),
            max_workers: env.parse("JWKS_MAX_WORKERS", defaults.max_workers),
            cleanup_ttl: env.duration("HEALTH_AUTHORITY_KEY_CLEANUP_TTL", defaults.cleanup_ttl),
        };
        if jwks.max_workers == 0 {
            env.problem("JWKS_MAX_WORKERS must be at least 1");
        }
        if jwks.request_timeout.is_zero() {
            env.problem("JWKS_REQUEST_TIMEOUT must be positive");
        }
        let visibility_timeout = env.duration("CONFIG_VISIBILITY_TIMEOUT", Duration::from_secs(5));
        let console = ConsoleSettings::from_env(env);
        let kafka = KafkaSettings::from_env(env);
        Self {
            listen_addr,
            ops_listen_addr,
            http,
            tokens,
            visibility_timeout,
            jwks,
            console,
            kafka,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "a-development-token-0123";

    #[test]
    fn defaults_apply_and_env_names_are_unique() {
        let mut env = Env::from_map([("ADMIN_TOKEN", TOKEN)]);
        let settings = AdminSettings::from_env(&mut env);
        let mut names = env.names_read().to_vec();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            total,
            "a variable name is read twice: {names:?}"
        );
        assert!(env.finish().is_ok());
        assert_eq!(settings.listen_addr, "127.0.0.1:18081");
        assert_eq!(settings.jwks.interval, Duration::from_secs(60));
        assert_eq!(settings.jwks.cleanup_ttl, Duration::from_secs(720 * 3600));
        assert!(settings.tokens.accepts(TOKEN));
    }

    #[test]
    fn token_is_required_and_may_come_from_a_file() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let _ = AdminSettings::from_env(&mut env);
        assert!(env.finish().is_err());

        let path = std::env::temp_dir().join(format!("admin-token-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, format!("{TOKEN}\nsecond-token-abcdefgh\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut env = Env::from_map([("ADMIN_TOKEN_FILE", path.display().to_string())]);
        let settings = AdminSettings::from_env(&mut env);
        let _ = std::fs::remove_file(&path);
        assert!(env.finish().is_ok());
        assert!(settings.tokens.accepts("second-token-abcdefgh"));
    }

    #[test]
    fn bad_values_are_all_reported() {
        let mut env = Env::from_map([
            ("ADMIN_TOKEN", "short"),
            ("JWKS_SYNC_INTERVAL", "often"),
            ("JWKS_MAX_WORKERS", "0"),
        ]);
        let _ = AdminSettings::from_env(&mut env);
        let Err(errors) = env.finish() else {
            panic!("accepted")
        };
        assert_eq!(errors.0.len(), 3, "{errors}");
    }
}
