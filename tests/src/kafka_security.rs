//! The dev broker's SASL_SSL listener (SCRAM user, TLS certificate of the dev CA), as `dev/lib.sh`
//! creates it: where it is and the settings a service needs to use it.
//!
//! From `TEST_KAFKA_SASL_SSL_BROKERS`, `TEST_KAFKA_SCRAM_USERNAME`,
//! `TEST_KAFKA_SCRAM_PASSWORD_FILE` and `TEST_KAFKA_DEV_CA_LOCATION` (set by `dev/test`), or the
//! same names without `TEST_` in `.dev/env`.

/// The SASL_SSL listener and its credentials.
#[derive(Debug, Clone)]
pub struct SaslSslListener {
    pub brokers: String,
    pub username: String,
    pub password_file: String,
    pub ca_location: String,
}

impl SaslSslListener {
    /// Reads the listener's settings; panics with instructions when they are missing.
    pub fn get() -> Self {
        let file = crate::dev_env();
        let pick = |name: &str| {
            std::env::var(format!("TEST_{name}"))
                .ok()
                .or_else(|| file.get(name).cloned())
                .unwrap_or_else(|| {
                    panic!("TEST_{name} is not set and .dev/env has no {name}: run ./dev/test (or ./dev/up) so the broker has its SASL_SSL listener")
                })
        };
        Self {
            brokers: pick("KAFKA_SASL_SSL_BROKERS"),
            username: pick("KAFKA_SCRAM_USERNAME"),
            password_file: pick("KAFKA_SCRAM_PASSWORD_FILE"),
            ca_location: pick("KAFKA_DEV_CA_LOCATION"),
        }
    }

    /// The `KAFKA_*` settings of a service on this listener (SCRAM-SHA-512, host name checked).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        [
            ("KAFKA_BROKERS", self.brokers.as_str()),
            ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            ("KAFKA_SASL_USERNAME", self.username.as_str()),
            ("KAFKA_SASL_PASSWORD_FILE", self.password_file.as_str()),
            ("KAFKA_SSL_CA_LOCATION", self.ca_location.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}
