//! Health authorities (the UI's "Verification Keys"): the JWT settings of a verification server.
//!
//! Issuer, audience and name are required; the issuer is unique because publish looks the
//! authority up by the certificate's `iss`. A JWKS URI, when given, must be an absolute http(s)
//! URL. There is no delete (as in the reference): an authority is retired by revoking its keys.

use config::ConfigSnapshot;
use schemas::config::HealthAuthority;
use serde::Deserialize;

use super::ids::next_health_authority_id;
use super::{not_found_or_id_mismatch, Problems, ValidationError};

/// What an operator submits to create or replace a health authority.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthAuthorityForm {
    /// Ignored on create; on update it must equal the id in the path when present (so a
    /// read-modify-write of a `GET` result is accepted).
    #[serde(default)]
    pub id: Option<i64>,
    /// JWT `iss`; unique.
    #[serde(default)]
    pub issuer: String,
    /// JWT `aud`.
    #[serde(default)]
    pub audience: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Optional JWKS URI; blank means none.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Stats API access; defaults to true, as in the reference.
    #[serde(default)]
    pub enable_stats: Option<bool>,
}

/// Validates a new health authority and gives it the next free id.
pub fn create_health_authority(
    form: &HealthAuthorityForm,
    snapshot: &ConfigSnapshot,
) -> Result<HealthAuthority, ValidationError> {
    let id = next_health_authority_id(snapshot);
    checked(form, id, snapshot)
}

/// Validates the full new state of health authority `id` (which must exist).
pub fn update_health_authority(
    id: i64,
    form: &HealthAuthorityForm,
    snapshot: &ConfigSnapshot,
) -> Result<HealthAuthority, ValidationError> {
    not_found_or_id_mismatch(
        snapshot.health_authority(id).is_some(),
        "health authority",
        id,
        form.id,
    )?;
    checked(form, id, snapshot)
}

fn checked(
    form: &HealthAuthorityForm,
    id: i64,
    snapshot: &ConfigSnapshot,
) -> Result<HealthAuthority, ValidationError> {
    let mut problems = Problems::default();
    let issuer = problems.required_text("issuer", &form.issuer);
    let audience = problems.required_text("audience", &form.audience);
    let name = problems.required_text("name", &form.name);
    let jwks_uri = form
        .jwks_uri
        .as_deref()
        .map(str::trim)
        .filter(|uri| !uri.is_empty())
        .map(str::to_owned);
    if let Some(uri) = &jwks_uri {
        if let Err(message) = check_jwks_uri(uri) {
            problems.add("jwksUri", message);
        }
    }
    problems.finish()?;
    if let Some(other) = snapshot
        .health_authorities()
        .find(|ha| ha.issuer == issuer && ha.id != id)
    {
        return Err(ValidationError::conflict(
            "issuer",
            format!(
                "issuer {issuer:?} is already used by health authority {}",
                other.id
            ),
        ));
    }
    Ok(HealthAuthority {
        id,
        issuer,
        audience,
        name,
        jwks_uri,
        enable_stats: form.enable_stats.unwrap_or(true),
    })
}

fn check_jwks_uri(uri: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(uri).map_err(|e| format!("jwksUri is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("jwksUri must be an http or https URL".into());
    }
    if uri.len() > super::MAX_TEXT_LEN {
        return Err(format!(
            "jwksUri is longer than {} bytes",
            super::MAX_TEXT_LEN
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::test_support::{refused, snapshot_with_two_authorities};
    use crate::validation::Rejection;

    fn form(issuer: &str, audience: &str, name: &str) -> HealthAuthorityForm {
        HealthAuthorityForm {
            issuer: issuer.into(),
            audience: audience.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn new_authority_gets_the_next_id_trimmed_fields_and_stats_on() {
        let snapshot = snapshot_with_two_authorities();
        let mut f = form(" gov.example.iss ", "gov.example.aud", "Example");
        f.jwks_uri = Some("  ".into());
        let ha = create_health_authority(&f, &snapshot).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ha.id, 3);
        assert_eq!(ha.issuer, "gov.example.iss");
        assert_eq!(ha.jwks_uri, None);
        assert!(ha.enable_stats);
    }

    #[test]
    fn every_missing_field_is_reported_at_once() {
        let snapshot = snapshot_with_two_authorities();
        let e = refused(create_health_authority(&form(" ", "", ""), &snapshot));
        assert_eq!(e.rejection, Rejection::Invalid);
        let fields: Vec<_> = e.problems.iter().filter_map(|p| p.field).collect();
        assert_eq!(fields, ["issuer", "audience", "name"]);
    }

    #[test]
    fn duplicate_issuer_conflicts_but_keeping_ones_own_is_fine() {
        let snapshot = snapshot_with_two_authorities();
        let e = refused(create_health_authority(&form("iss-1", "a", "n"), &snapshot));
        assert_eq!(e.rejection, Rejection::Conflict);
        assert_eq!(e.first().and_then(|p| p.field), Some("issuer"));
        assert!(update_health_authority(1, &form("iss-1", "a2", "n2"), &snapshot).is_ok());
        let e = refused(update_health_authority(
            2,
            &form("iss-1", "a", "n"),
            &snapshot,
        ));
        assert_eq!(e.rejection, Rejection::Conflict);
    }

    #[test]
    fn unknown_id_is_not_found_and_body_id_must_match() {
        let snapshot = snapshot_with_two_authorities();
        let e = refused(update_health_authority(9, &form("i", "a", "n"), &snapshot));
        assert_eq!(e.rejection, Rejection::NotFound);
        let mut f = form("i", "a", "n");
        f.id = Some(2);
        assert!(update_health_authority(1, &f, &snapshot).is_err());
        f.id = Some(1);
        assert!(update_health_authority(1, &f, &snapshot).is_ok());
    }

    #[test]
    fn jwks_uri_must_be_http_or_https() {
        let snapshot = snapshot_with_two_authorities();
        for bad in ["not a url", "ftp://example.org/jwks", "/relative"] {
            let mut f = form("i", "a", "n");
            f.jwks_uri = Some(bad.into());
            let Err(e) = create_health_authority(&f, &snapshot) else {
                panic!("{bad} accepted")
            };
            assert_eq!(e.first().and_then(|p| p.field), Some("jwksUri"));
        }
        let mut f = form("i", "a", "n");
        f.jwks_uri = Some(" https://verify.example.org/jwks ".into());
        let ha = create_health_authority(&f, &snapshot).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ha.jwks_uri.as_deref(),
            Some("https://verify.example.org/jwks")
        );
    }
}
