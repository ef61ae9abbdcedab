//! How every Kafka client authenticates and encrypts: `KAFKA_SECURITY_PROTOCOL` (PLAINTEXT, SSL,
//! SASL_PLAINTEXT, SASL_SSL), SASL/SCRAM credentials and TLS trust, typed so that an invalid
//! combination cannot be built, and applied to every client configuration in one place
//! ([`KafkaSecurity::apply`], called by `KafkaSettings::client_config`).
//!
//! Only SCRAM is offered for SASL (`SCRAM-SHA-256`, `SCRAM-SHA-512`): PLAIN would send the
//! password itself, GSSAPI and OAUTHBEARER are not built in. TLS always verifies the broker's
//! certificate chain; host-name checking (`ssl.endpoint.identification.algorithm=https`) is on
//! unless `KAFKA_SSL_ENDPOINT_IDENTIFICATION=none`.

use std::fmt;
use std::path::{Path, PathBuf};

use rdkafka::config::ClientConfig;

use crate::env::{Env, Secret};

/// `KAFKA_SECURITY_PROTOCOL` with what each protocol needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KafkaSecurity {
    /// No authentication, no encryption (the default; local development on loopback).
    #[default]
    Plaintext,
    /// TLS, optionally with a client certificate.
    Ssl(Tls),
    /// SASL/SCRAM without encryption (a trusted network only).
    SaslPlaintext(Scram),
    /// SASL/SCRAM inside TLS: what production should use.
    SaslSsl(Scram, Tls),
}

/// The SCRAM hash (`KAFKA_SASL_MECHANISM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramMechanism {
    Sha256,
    Sha512,
}

impl ScramMechanism {
    /// librdkafka's (and Kafka's) name of the mechanism.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SCRAM-SHA-256",
            Self::Sha512 => "SCRAM-SHA-512",
        }
    }
}

/// SASL/SCRAM credentials. The password is a [`Secret`]: `Debug` never shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scram {
    pub mechanism: ScramMechanism,
    pub username: String,
    pub password: Secret,
}

/// TLS trust and identity. Paths were checked to be readable files at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `KAFKA_SSL_CA_LOCATION`: PEM file of the CA(s) that signed the brokers' certificates;
    /// `None`: the system's trust store.
    pub ca_location: Option<PathBuf>,
    /// `KAFKA_SSL_CERTIFICATE_LOCATION` + `KAFKA_SSL_KEY_LOCATION` (+ optional
    /// `KAFKA_SSL_KEY_PASSWORD`): a client certificate, for brokers that require one.
    pub client: Option<ClientCertificate>,
    /// `KAFKA_SSL_ENDPOINT_IDENTIFICATION` (`https`, the default, or `none`): whether the broker's
    /// host name must match its certificate.
    pub verify_hostname: bool,
}

/// A client certificate and its private key (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    pub certificate: PathBuf,
    pub key: PathBuf,
    pub key_password: Option<Secret>,
}

impl fmt::Display for KafkaSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plaintext => f.write_str("PLAINTEXT"),
            Self::Ssl(_) => f.write_str("SSL"),
            Self::SaslPlaintext(s) => write!(
                f,
                "SASL_PLAINTEXT ({} as {})",
                s.mechanism.name(),
                s.username
            ),
            Self::SaslSsl(s, _) => write!(f, "SASL_SSL ({} as {})", s.mechanism.name(), s.username),
        }
    }
}

impl KafkaSecurity {
    /// Reads the `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*` and `KAFKA_SSL_*` settings. Every
    /// setting that the chosen protocol would ignore is refused, so that a typo or a forgotten
    /// protocol never silently falls back to an unauthenticated, unencrypted connection.
    pub fn from_env(env: &mut Env) -> Self {
        let protocol = env
            .string("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
            .to_ascii_uppercase();
        let (sasl, ssl) = match protocol.as_str() {
            "PLAINTEXT" => (false, false),
            "SSL" => (false, true),
            "SASL_PLAINTEXT" => (true, false),
            "SASL_SSL" => (true, true),
            other => {
                env.problem(format!(
                    "KAFKA_SECURITY_PROTOCOL must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not {other:?}"
                ));
                return Self::Plaintext;
            }
        };
        let scram = Self::scram_from_env(env, sasl, &protocol);
        let tls = Self::tls_from_env(env, ssl, &protocol);
        match (scram, tls) {
            (Some(s), Some(t)) => Self::SaslSsl(s, t),
            (Some(s), None) => Self::SaslPlaintext(s),
            (None, Some(t)) => Self::Ssl(t),
            (None, None) => Self::Plaintext,
        }
    }

    fn scram_from_env(env: &mut Env, wanted: bool, protocol: &str) -> Option<Scram> {
        let mechanism = env.opt_string("KAFKA_SASL_MECHANISM");
        let username = env.opt_string("KAFKA_SASL_USERNAME");
        let password = env.secret("KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE");
        if !wanted {
            if mechanism.is_some() || username.is_some() || password.is_some() {
                env.problem(format!(
                    "KAFKA_SASL_* settings are given but KAFKA_SECURITY_PROTOCOL is {protocol}: \
                     use SASL_SSL (or SASL_PLAINTEXT) to authenticate"
                ));
            }
            return None;
        }
        let mechanism = match mechanism.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("SCRAM-SHA-512") => ScramMechanism::Sha512,
            Some("SCRAM-SHA-256") => ScramMechanism::Sha256,
            Some(other) => {
                env.problem(format!(
                    "KAFKA_SASL_MECHANISM must be SCRAM-SHA-256 or SCRAM-SHA-512, not {other:?}"
                ));
                ScramMechanism::Sha512
            }
        };
        let username = match username {
            Some(u) if !u.trim().is_empty() => u,
            _ => {
                env.problem(format!("KAFKA_SASL_USERNAME is required with {protocol}"));
                String::new()
            }
        };
        let password = match password {
            Some(p) if !p.expose().is_empty() => p,
            _ => {
                env.problem(format!(
                    "KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with {protocol}"
                ));
                Secret::default()
            }
        };
        Some(Scram {
            mechanism,
            username,
            password,
        })
    }

    fn tls_from_env(env: &mut Env, wanted: bool, protocol: &str) -> Option<Tls> {
        let ca = env.opt_string("KAFKA_SSL_CA_LOCATION");
        let certificate = env.opt_string("KAFKA_SSL_CERTIFICATE_LOCATION");
        let key = env.opt_string("KAFKA_SSL_KEY_LOCATION");
        let key_password = env.secret("KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_KEY_PASSWORD_FILE");
        let identification = env.opt_string("KAFKA_SSL_ENDPOINT_IDENTIFICATION");
        if !wanted {
            if ca.is_some()
                || certificate.is_some()
                || key.is_some()
                || key_password.is_some()
                || identification.is_some()
            {
                env.problem(format!(
                    "KAFKA_SSL_* settings are given but KAFKA_SECURITY_PROTOCOL is {protocol}: \
                     use SASL_SSL (or SSL) to encrypt"
                ));
            }
            return None;
        }
        let verify_hostname = match identification
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("https") => true,
            Some("none") => false,
            Some(other) => {
                env.problem(format!(
                    "KAFKA_SSL_ENDPOINT_IDENTIFICATION must be https or none, not {other:?}"
                ));
                true
            }
        };
        let ca_location = ca.map(|p| readable(env, "KAFKA_SSL_CA_LOCATION", p));
        let client = match (certificate, key) {
            (None, None) => {
                if key_password.is_some() {
                    env.problem("KAFKA_SSL_KEY_PASSWORD is given without KAFKA_SSL_KEY_LOCATION");
                }
                None
            }
            (Some(certificate), Some(key)) => Some(ClientCertificate {
                certificate: readable(env, "KAFKA_SSL_CERTIFICATE_LOCATION", certificate),
                key: readable(env, "KAFKA_SSL_KEY_LOCATION", key),
                key_password,
            }),
            _ => {
                env.problem(
                    "KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION go together (a \
                     client certificate needs its key)",
                );
                None
            }
        };
        Some(Tls {
            ca_location,
            client,
            verify_hostname,
        })
    }

    /// Sets librdkafka's `security.protocol`, `sasl.*` and `ssl.*` properties.
    pub fn apply(&self, config: &mut ClientConfig) {
        let (protocol, scram, tls) = match self {
            Self::Plaintext => ("plaintext", None, None),
            Self::Ssl(t) => ("ssl", None, Some(t)),
            Self::SaslPlaintext(s) => ("sasl_plaintext", Some(s), None),
            Self::SaslSsl(s, t) => ("sasl_ssl", Some(s), Some(t)),
        };
        config.set("security.protocol", protocol);
        if let Some(s) = scram {
            config
                .set("sasl.mechanisms", s.mechanism.name())
                .set("sasl.username", &s.username)
                .set("sasl.password", s.password.expose());
        }
        if let Some(t) = tls {
            config.set(
                "ssl.endpoint.identification.algorithm",
                if t.verify_hostname { "https" } else { "none" },
            );
            config.set("enable.ssl.certificate.verification", "true");
            if let Some(ca) = &t.ca_location {
                config.set("ssl.ca.location", path_text(ca));
            }
            if let Some(c) = &t.client {
                config
                    .set("ssl.certificate.location", path_text(&c.certificate))
                    .set("ssl.key.location", path_text(&c.key));
                if let Some(p) = &c.key_password {
                    config.set("ssl.key.password", p.expose());
                }
            }
        }
    }
}

/// `path` when it names a readable file; otherwise records a problem naming `setting`.
fn readable(env: &mut Env, setting: &str, path: String) -> PathBuf {
    if let Err(e) = std::fs::File::open(&path) {
        env.problem(format!("{setting}: cannot read {path}: {e}"));
    }
    PathBuf::from(path)
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "kafka_security_tests.rs"]
mod tests;
