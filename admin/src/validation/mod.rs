//! Every rule a configuration change must pass, in one place, shared by the REST API and the
//! web console.
//!
//! Each entity has a *form* (what an operator submits: plain strings and lists, as a JSON body or
//! an HTML form would carry them) and pure functions that turn a form plus the current
//! [`ConfigSnapshot`](config::ConfigSnapshot) (and the time, passed in) into the
//! entity to save, or a [`ValidationError`]. Nothing here does I/O, so the rules are tested
//! without Kafka and the console can re-render a form with the same messages the API returns.
//!
//! Decisions documented here once:
//! - text fields are trimmed; `name`, `issuer`, `audience` and app ids must be non-empty after it;
//! - an `allowedHealthAuthorityIDs` entry that names no health authority is a **400** on that
//!   field (the body is wrong), while an unknown id in the *path* is a **404**;
//! - duplicates (issuer, app id, key version within a health authority) are **409**.

mod app;
mod export;
mod health_authority;
pub mod ids;
mod key;
pub mod pem;

use std::fmt;

use chrono::{DateTime, Utc};

pub use app::{create_app, delete_app, update_app, AppUpdate, AuthorizedAppForm};
pub use export::{
    create_export_config, create_signature_info, update_export_config, update_signature_info,
    ExportConfigForm, SignatureInfoForm, MAX_SIGNATURE_INFOS,
};
pub use health_authority::{create_health_authority, update_health_authority, HealthAuthorityForm};
pub use key::{add_key, key_status, HealthAuthorityKeyForm, KeyAction, KeyStatus};

/// Longest accepted text field; generous, but bounds what an event carries.
pub const MAX_TEXT_LEN: usize = 1024;

/// The class of a rejection, which decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The submitted values break a rule (400).
    Invalid,
    /// The path names an entity that does not exist (404).
    NotFound,
    /// The change collides with existing configuration (409).
    Conflict,
}

/// One problem, optionally tied to a form field (its JSON name, e.g. `publicKeyPem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: Option<&'static str>,
    pub message: String,
}

/// Why a change was refused. Holds at least one problem; forms show them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub rejection: Rejection,
    pub problems: Vec<FieldProblem>,
}

impl ValidationError {
    fn single(
        rejection: Rejection,
        field: Option<&'static str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rejection,
            problems: vec![FieldProblem {
                field,
                message: message.into(),
            }],
        }
    }

    /// A 400 on `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::single(Rejection::Invalid, Some(field), message)
    }

    /// A 404 about the entity named in the path.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::single(Rejection::NotFound, None, message)
    }

    /// A 409 on `field`.
    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::single(Rejection::Conflict, Some(field), message)
    }

    /// The first problem (the one an API error names).
    pub fn first(&self) -> Option<&FieldProblem> {
        self.problems.first()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.problems.iter().map(|p| p.message.as_str()).collect();
        f.write_str(&messages.join("; "))
    }
}

impl std::error::Error for ValidationError {}

/// An optional RFC 3339 time typed into `field`: blank is `None`; text that does not parse is
/// refused with the message to show on the field.
pub fn rfc3339_time(field: &str, text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|e| format!("{field} is not an RFC 3339 time (e.g. 2025-05-01T00:00:00Z): {e}"))
}

/// An update's target: entity `id` of `kind` must exist (404), and an id in the body, if any,
/// must be the one in the path.
fn not_found_or_id_mismatch(
    exists: bool,
    kind: &str,
    id: i64,
    body_id: Option<i64>,
) -> Result<(), ValidationError> {
    if !exists {
        return Err(ValidationError::not_found(format!(
            "no {kind} with id {id}"
        )));
    }
    if let Some(body_id) = body_id.filter(|b| *b != id) {
        return Err(ValidationError::invalid(
            "id",
            format!("id in the body ({body_id}) differs from the id in the path ({id})"),
        ));
    }
    Ok(())
}

/// The `ids` without repeats, in their order.
fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Collects the field problems of one form, so all of them are reported together.
#[derive(Debug, Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: Some(field),
            message: message.into(),
        });
    }

    /// A required text field: trimmed, non-empty, bounded. Returns the trimmed text.
    fn required_text(&mut self, field: &'static str, value: &str) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, format!("{field} is required"));
        } else if value.len() > MAX_TEXT_LEN {
            self.add(
                field,
                format!("{field} is longer than {MAX_TEXT_LEN} bytes"),
            );
        } else if value.chars().any(char::is_control) {
            self.add(
                field,
                format!("{field} must not contain control characters"),
            );
        }
        value.to_owned()
    }

    /// The `ids` that `exists` does not know, as one problem on `field` ("no {noun} with id
    /// 3, 4").
    fn unknown_ids(
        &mut self,
        field: &'static str,
        noun: &str,
        ids: &[i64],
        exists: impl Fn(i64) -> bool,
    ) {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| !exists(**id))
            .map(i64::to_string)
            .collect();
        if !unknown.is_empty() {
            self.add(field, format!("no {noun} with id {}", unknown.join(", ")));
        }
    }

    fn finish(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                rejection: Rejection::Invalid,
                problems: self.0,
            })
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Times, keys and snapshots shared by the validation tests.

    use chrono::{DateTime, TimeZone as _, Utc};
    use config::ConfigSnapshot;
    use schemas::config::{ConfigChange, HealthAuthority};

    use super::ValidationError;

    /// The refusal of a rule that had to refuse; panics with what it accepted otherwise.
    #[track_caller]
    pub fn refused<T: std::fmt::Debug>(outcome: Result<T, ValidationError>) -> ValidationError {
        match outcome {
            Ok(accepted) => panic!("accepted: {accepted:?}"),
            Err(e) => e,
        }
    }

    /// `secs` seconds after a fixed instant (2023-11-14T22:13:20Z).
    pub fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .unwrap_or_default()
    }

    /// A P-256 public key (PKIX PEM).
    pub const P256_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbCTK7Dw5HWGQDBjtXwotLR+l7eyH
w48qljsTvfnzAR5ZjNvQ6HFzIzVsQD5V/hIQs7/9nY9dTERsNT5/niqGuw==
-----END PUBLIC KEY-----";

    /// A 1024-bit RSA public key (PKIX PEM), the classic wrong paste.
    pub const RSA_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCfjh4gwxwy1DCr4iNLnWEv1ATN
ZOU8aRWUM10W5tRxT0y1ipCg3gtDP3dIa+NdYlpq6+yoNthK36FQDtrSHsPAcQbv
akSrvt2jCC0tQx+aeNrcOrgiUXUyr9S8zXDwROo8Uf4JczMcElJdVL7yhP62UYyA
2orl5MSHOmy9oGS9+QIDAQAB
-----END PUBLIC KEY-----";

    /// A snapshot holding health authorities 1 (`iss-1`) and 2 (`iss-2`).
    pub fn snapshot_with_two_authorities() -> ConfigSnapshot {
        let mut snapshot = ConfigSnapshot::default();
        for id in [1, 2] {
            snapshot.apply(&ConfigChange::HealthAuthoritySaved {
                entity: HealthAuthority {
                    id,
                    issuer: format!("iss-{id}"),
                    audience: "aud".into(),
                    name: format!("Authority {id}"),
                    jwks_uri: None,
                    enable_stats: true,
                },
            });
        }
        snapshot
    }
}
