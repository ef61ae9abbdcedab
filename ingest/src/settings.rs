//! Settings of the ingest service, read once at start-up from the environment.
//!
//! Behaviour settings keep the reference's names with the seed's defaults; every problem is
//! reported at once. Reference settings that only tuned the reference's database caches
//! (`AUTHORIZED_APP_CACHE_DURATION`, `VERIFICATION_CACHE_DURATION`, `REVISION_KEY_CACHE_DURATION`)
//! are accepted and validated for compatibility but have no effect: configuration arrives as
//! events and applies within about a second, and revision-token keys come from
//! `REVISION_TOKEN_KEYS`/`REVISION_TOKEN_KEYS_FILE`.

use std::time::Duration;

use domain::PublishPolicy;
use platform::env::{Env, FromEnv};
use platform::http_server::HttpLimits;
use platform::kafka::KafkaSettings;

use crate::api::Padding;
use crate::body_read::BodyDeadline;
use crate::revision_token::KeyRing;

/// Largest accepted `RESPONSE_PADDING_MIN_BYTES + RESPONSE_PADDING_RANGE`.
const MAX_PADDING_BYTES: i64 = 1_000_000;

/// HTTP behaviour of the publish edge.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `LISTEN_ADDR` (default `127.0.0.1:18080`; port 0 picks a free port).
    pub listen_addr: String,
    /// `MAINTENANCE_MODE`: answer 429 to every publish (chaff still answered).
    pub maintenance_mode: bool,
    /// `RESPONSE_PADDING_MIN_BYTES` / `RESPONSE_PADDING_RANGE` (1024 / 1024).
    pub padding: Padding,
    /// `ENABLE_V1ALPHA1_API`: serve the legacy API at `/`.
    pub enable_v1alpha1: bool,
    /// `CHAFF_REQUEST_MAX_LATENCY_MS` (1000).
    pub chaff_max_latency: Duration,
    /// `LOG_JSON_PARSE_ERRORS`: log why a body did not decode.
    pub log_json_parse_errors: bool,
    /// `DEBUG_LOG_BAD_CERTIFICATES`: log the header and time claims of rejected certificates
    /// (never the token, its signature or `tekmac`).
    pub debug_log_bad_certificates: bool,
    /// `PUBLISH_OUTCOME_WAIT` (2s): how long to wait for the pipeline's outcome before answering
    /// in degraded mode; 0 = never wait.
    pub outcome_wait: Duration,
    /// `REQUEST_TIMEOUT` (30s): upper bound on handling one request.
    pub request_timeout: Duration,
    /// `STARTUP_READY_WAIT` (10s): at start-up, how long the public listener leaves connections
    /// waiting (in the kernel's accept queue) until the configuration is loaded and the outcome
    /// listener assigned, so a restarted instance's first requests get an answer instead of
    /// 500 `unable_to_load_health_authority`. After it, requests are served anyway.
    pub startup_ready_wait: Duration,
    /// `MAX_CONCURRENT_REQUESTS` (1024): requests handled at once; more get 503.
    pub max_concurrent_requests: usize,
    /// `PUBLISH_BODY_TIMEOUT` (10s) / `PUBLISH_BODY_MIN_RATE` (512 bytes/s): the publish body is
    /// read under them before the request takes a concurrency slot.
    pub body_deadline: BodyDeadline,
    /// `OPS_LISTEN_ADDR` (`127.0.0.1:18180`): `/health`, `/ready`, `/metrics`.
    pub ops_listen_addr: String,
    /// `HTTP_*`: limits of both listeners.
    pub limits: HttpLimits,
}

/// Everything the service reads.
#[derive(Debug, Clone)]
pub struct Settings {
    pub http: HttpSettings,
    /// `KAFKA_*`, `TEK_RETENTION`.
    pub kafka: KafkaSettings,
    /// The transform settings (`MAX_KEYS_ON_PUBLISH`, ..., `ALLOW_PARTIAL_FAILURE`).
    pub policy: PublishPolicy,
    /// `ALLOW_PARTIAL_REVISIONS` (passed to the pipeline in every event).
    pub allow_partial_revisions: bool,
    /// `DEFAULT_REGION`: regions for apps that have none.
    pub default_region: Option<String>,
    /// `REVISION_TOKEN_KEYS` / `REVISION_TOKEN_KEYS_FILE`.
    pub token_keys: Option<KeyRing>,
    /// `REVISION_TOKEN_MIN_LENGTH` (28): entries every token is padded to.
    pub token_min_entries: usize,
}

impl FromEnv for Settings {
    /// Reads every setting, recording all problems in `env`.
    fn from_env(env: &mut Env) -> Self {
        let kafka = KafkaSettings::from_env(env);
        let defaults = PublishPolicy::default();
        let policy = PublishPolicy {
            max_keys_on_publish: env.parse("MAX_KEYS_ON_PUBLISH", defaults.max_keys_on_publish),
            max_same_start_interval_keys: env.parse(
                "MAX_SAME_START_INTERVAL_KEYS",
                defaults.max_same_start_interval_keys,
            ),
            max_interval_age: env
                .duration("MAX_INTERVAL_AGE_ON_PUBLISH", defaults.max_interval_age),
            truncate_window: env.duration("TRUNCATE_WINDOW", defaults.truncate_window),
            max_symptom_onset_days: env
                .parse("MAX_SYMPTOM_ONSET_DAYS", defaults.max_symptom_onset_days),
            max_valid_symptom_onset_report_days: env.parse(
                "MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS",
                defaults.max_valid_symptom_onset_report_days,
            ),
            default_symptom_onset_days_ago: env.parse(
                "DEFAULT_SYMPTOM_ONSET_DAYS_AGO",
                defaults.default_symptom_onset_days_ago,
            ),
            debug_release_same_day_keys: env.bool("DEBUG_RELEASE_SAME_DAY_KEYS", false),
            allow_partial_failure: env.bool("ALLOW_PARTIAL_FAILURE", false),
        };
        for problem in policy.validate() {
            env.problem(problem.to_string());
        }
        if policy.max_interval_age < Duration::from_secs(1) {
            env.problem("MAX_INTERVAL_AGE_ON_PUBLISH must be at least 1s");
        }
        if policy.truncate_window < Duration::from_secs(1) {
            env.problem("TRUNCATE_WINDOW must be at least 1s");
        }

        let padding_min: i64 = env.parse("RESPONSE_PADDING_MIN_BYTES", 1024);
        let padding_range: i64 = env.parse("RESPONSE_PADDING_RANGE", 1024);
        if padding_min.max(0).saturating_add(padding_range.max(0)) > MAX_PADDING_BYTES {
            env.problem(format!(
                "RESPONSE_PADDING_MIN_BYTES + RESPONSE_PADDING_RANGE must be at most {MAX_PADDING_BYTES}"
            ));
        }
        let chaff_ms: u64 = env.parse("CHAFF_REQUEST_MAX_LATENCY_MS", 1000);

        // Reference cache settings: validated, without effect here (see the module docs).
        let _ = env.duration("AUTHORIZED_APP_CACHE_DURATION", Duration::from_secs(300));
        let _ = env.duration("VERIFICATION_CACHE_DURATION", Duration::from_secs(300));
        if env.duration("REVISION_KEY_CACHE_DURATION", Duration::from_secs(60))
            > Duration::from_secs(3600)
        {
            env.problem("REVISION_KEY_CACHE_DURATION must be at most 60m");
        }

        let http = HttpSettings {
            listen_addr: env.string("LISTEN_ADDR", "127.0.0.1:18080"),
            maintenance_mode: env.bool("MAINTENANCE_MODE", false),
            padding: Padding::from_settings(padding_min, padding_range),
            enable_v1alpha1: env.bool("ENABLE_V1ALPHA1_API", false),
            chaff_max_latency: Duration::from_millis(chaff_ms),
            log_json_parse_errors: env.bool("LOG_JSON_PARSE_ERRORS", false),
            debug_log_bad_certificates: env.bool("DEBUG_LOG_BAD_CERTIFICATES", false),
            outcome_wait: env.duration("PUBLISH_OUTCOME_WAIT", Duration::from_secs(2)),
            request_timeout: env.duration("REQUEST_TIMEOUT", Duration::from_secs(30)),
            startup_ready_wait: env.duration("STARTUP_READY_WAIT", Duration::from_secs(10)),
            max_concurrent_requests: env.parse("MAX_CONCURRENT_REQUESTS", 1024),
            body_deadline: BodyDeadline {
                timeout: env.duration("PUBLISH_BODY_TIMEOUT", BodyDeadline::default().timeout),
                min_rate: env.parse("PUBLISH_BODY_MIN_RATE", BodyDeadline::default().min_rate),
            },
            ops_listen_addr: platform::ops::listen_addr(env, "127.0.0.1:18180"),
            limits: HttpLimits::from_env(env),
        };
        if http.body_deadline.timeout.is_zero() {
            env.problem("PUBLISH_BODY_TIMEOUT must be above 0");
        }
        if http.max_concurrent_requests == 0 {
            env.problem("MAX_CONCURRENT_REQUESTS must be at least 1");
        }
        let needed = kafka.produce_timeout + http.outcome_wait + Duration::from_secs(1);
        if http.request_timeout < needed {
            env.problem(format!(
                "REQUEST_TIMEOUT must exceed KAFKA_PRODUCE_TIMEOUT + PUBLISH_OUTCOME_WAIT + 1s ({}s)",
                needed.as_secs_f64()
            ));
        }

        let token_min_entries: usize = env.parse("REVISION_TOKEN_MIN_LENGTH", 28);
        if token_min_entries > 1000 {
            env.problem("REVISION_TOKEN_MIN_LENGTH must be at most 1000");
        }
        let token_keys = match env.secret("REVISION_TOKEN_KEYS", "REVISION_TOKEN_KEYS_FILE") {
            None => {
                env.problem("REVISION_TOKEN_KEYS or REVISION_TOKEN_KEYS_FILE is required");
                None
            }
            Some(secret) => match KeyRing::parse(secret.expose()) {
                Ok(ring) => Some(ring),
                Err(problems) => {
                    for p in problems {
                        env.problem(p);
                    }
                    None
                }
            },
        };

        Self {
            http,
            kafka,
            policy,
            allow_partial_revisions: env.bool("ALLOW_PARTIAL_REVISIONS", false),
            default_region: env
                .opt_string("DEFAULT_REGION")
                .map(|r| r.trim().to_owned()),
            token_keys,
            token_min_entries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn key() -> String {
        format!(
            "k1:{}",
            base64::engine::general_purpose::STANDARD.encode([5u8; 64])
        )
    }

    #[test]
    fn defaults_follow_the_seed_and_reference() {
        let mut env = Env::from_map([("REVISION_TOKEN_KEYS", key())]);
        let s = Settings::from_env(&mut env);
        let names = env.names_read().to_vec();
        env.finish().unwrap();
        assert_eq!(s.policy, PublishPolicy::default());
        assert_eq!(s.policy.max_symptom_onset_days, 21);
        assert_eq!(s.http.listen_addr, "127.0.0.1:18080");
        assert!(!s.http.maintenance_mode);
        assert!(!s.http.enable_v1alpha1);
        assert_eq!(
            s.http.padding,
            Padding {
                min_bytes: 1024,
                range: 1024
            }
        );
        assert_eq!(s.http.chaff_max_latency, Duration::from_secs(1));
        assert_eq!(s.http.outcome_wait, Duration::from_secs(2));
        assert_eq!(s.http.startup_ready_wait, Duration::from_secs(10));
        assert_eq!(s.token_min_entries, 28);
        assert_eq!(s.default_region, None);
        assert!(!s.allow_partial_revisions);
        assert!(s.token_keys.is_some());
        // Every name is read exactly once (catches copy-paste mistakes in names).
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate env names: {names:?}");
    }

    #[test]
    fn all_problems_at_once() {
        let mut env = Env::from_map([
            ("MAX_KEYS_ON_PUBLISH", "0"),
            ("MAX_SAME_START_INTERVAL_KEYS", "0"),
            ("MAX_SYMPTOM_ONSET_DAYS", "-1"),
            ("TRUNCATE_WINDOW", "0"),
            ("REVISION_KEY_CACHE_DURATION", "61m"),
            ("PUBLISH_OUTCOME_WAIT", "1h"),
            ("MAINTENANCE_MODE", "perhaps"),
        ]);
        let _ = Settings::from_env(&mut env);
        let problems = env.finish().unwrap_err().0;
        for expected in [
            "MAX_KEYS_ON_PUBLISH",
            "MAX_SAME_START_INTERVAL_KEYS",
            "MAX_SYMPTOM_ONSET_DAYS",
            "TRUNCATE_WINDOW",
            "REVISION_KEY_CACHE_DURATION",
            "REQUEST_TIMEOUT",
            "MAINTENANCE_MODE",
            "REVISION_TOKEN_KEYS",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected} missing in {problems:?}"
            );
        }
    }

    #[test]
    fn overrides() {
        let mut env = Env::from_map([
            ("REVISION_TOKEN_KEYS", key()),
            ("ALLOW_PARTIAL_FAILURE", "true".into()),
            ("MAX_INTERVAL_AGE_ON_PUBLISH", "120h".into()),
            ("DEFAULT_REGION", "US".into()),
            ("RESPONSE_PADDING_MIN_BYTES", "0".into()),
            ("PUBLISH_OUTCOME_WAIT", "0".into()),
            ("LISTEN_ADDR", "127.0.0.1:0".into()),
        ]);
        let s = Settings::from_env(&mut env);
        env.finish().unwrap();
        assert!(s.policy.allow_partial_failure);
        assert_eq!(s.policy.max_interval_age, Duration::from_secs(120 * 3600));
        assert_eq!(s.default_region.as_deref(), Some("US"));
        assert_eq!(
            s.http.padding.min_bytes, 1024,
            "values <= 0 fall back to 1024"
        );
        assert_eq!(s.http.outcome_wait, Duration::ZERO);
    }
}
