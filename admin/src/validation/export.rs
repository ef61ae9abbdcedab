//! Export configs and signature infos: what is exported, how often, where, and which keys sign
//! it (reference export-config and signature-info rules, issue 7).
//!
//! Export config rules: `filenameRoot` is required, a relative object path of
//! `[A-Za-z0-9._-]` segments (no `.`/`..`), and unique case-insensitively; the period divides
//! 24h (1 s to 24 h, default 24 h); `outputRegion` is required; region lists are trimmed, blank
//! entries dropped, de-duplicated and sorted; travelers cannot be both included and excluded;
//! `thru` must be after `from` (which defaults to now); a `maxRecordsOverride` ≤ 0 means none;
//! at most 10 signature infos (devices ignore more), each existing (an unknown one is a 400).
//!
//! Signature info rules: `signingKey` (the key's source: a file relative to the exporter's key
//! directory) is required, relative and without `..`; the key id and version Apple and Google
//! register use only `[A-Za-z0-9_]`. Neither entity can be deleted: a config ends with `thru`,
//! a signature info stops signing at its `thru`.

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::{ExportConfig, SignatureInfo};
use serde::Deserialize;

use super::ids::{next_export_config_id, next_signature_info_id};
use super::{distinct, not_found_or_id_mismatch, Problems, ValidationError, MAX_TEXT_LEN};

/// Most signature infos per export config (devices look at no more than 10).
pub const MAX_SIGNATURE_INFOS: usize = 10;
/// Seconds in a day; every period divides it.
const DAY_SECONDS: i64 = 86_400;

/// What an operator submits to create or replace an export config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportConfigForm {
    /// Ignored on create; on update it must equal the id in the path when present.
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub filename_root: String,
    /// Defaults to 86400 (24 h).
    #[serde(default)]
    pub period_seconds: Option<i64>,
    #[serde(default)]
    pub output_region: String,
    #[serde(default)]
    pub input_regions: Vec<String>,
    #[serde(default)]
    pub exclude_regions: Vec<String>,
    #[serde(default)]
    pub include_travelers: bool,
    #[serde(default)]
    pub only_non_travelers: bool,
    /// Defaults to now.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub thru: Option<DateTime<Utc>>,
    #[serde(default)]
    pub max_records_override: Option<i64>,
    #[serde(default)]
    pub signature_info_ids: Vec<i64>,
}

/// What an operator submits to create or replace a signature info.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignatureInfoForm {
    /// Ignored on create; on update it must equal the id in the path when present.
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub signing_key: String,
    #[serde(default)]
    pub signing_key_id: String,
    #[serde(default)]
    pub signing_key_version: String,
    #[serde(default)]
    pub app_package_name: Option<String>,
    #[serde(default)]
    pub bundle_id: Option<String>,
    #[serde(default)]
    pub thru: Option<DateTime<Utc>>,
}

/// Whether `path` is a relative path of `[A-Za-z0-9._-]` segments without `.` or `..`.
fn is_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// Trimmed, non-blank, de-duplicated and sorted regions; bad entries are reported.
fn regions(problems: &mut Problems, field: &'static str, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for region in values.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if region.len() > MAX_TEXT_LEN || region.chars().any(char::is_control) {
            problems.add(
                field,
                format!("region {region:?} is not a valid region code"),
            );
        } else {
            out.push(region.to_owned());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Validates a new export config and gives it the next free id.
pub fn create_export_config(
    form: &ExportConfigForm,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<ExportConfig, ValidationError> {
    checked_config(form, next_export_config_id(snapshot), snapshot, now)
}

/// Validates the full new state of export config `id` (which must exist).
pub fn update_export_config(
    id: i64,
    form: &ExportConfigForm,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<ExportConfig, ValidationError> {
    not_found_or_id_mismatch(
        snapshot.export_config(id).is_some(),
        "export config",
        id,
        form.id,
    )?;
    checked_config(form, id, snapshot, now)
}

fn checked_config(
    form: &ExportConfigForm,
    id: i64,
    snapshot: &ConfigSnapshot,
    now: DateTime<Utc>,
) -> Result<ExportConfig, ValidationError> {
    let mut problems = Problems::default();
    let filename_root = problems.required_text("filenameRoot", &form.filename_root);
    if !filename_root.is_empty() && !is_relative_path(&filename_root) {
        problems.add(
            "filenameRoot",
            "filenameRoot must be a relative path of letters, digits, '.', '_' and '-' segments separated by '/'",
        );
    }
    let period = form.period_seconds.unwrap_or(DAY_SECONDS);
    if !(1..=DAY_SECONDS).contains(&period) || DAY_SECONDS % period != 0 {
        problems.add(
            "periodSeconds",
            format!("periodSeconds {period} must be between 1 and 86400 and divide 24h evenly"),
        );
    }
    let output_region = problems.required_text("outputRegion", &form.output_region);
    let input_regions = regions(&mut problems, "inputRegions", &form.input_regions);
    let exclude_regions = regions(&mut problems, "excludeRegions", &form.exclude_regions);
    if form.include_travelers && form.only_non_travelers {
        problems.add(
            "onlyNonTravelers",
            "includeTravelers and onlyNonTravelers cannot both be set",
        );
    }
    let from = form.from.unwrap_or(now);
    if let Some(thru) = form.thru.filter(|thru| *thru <= from) {
        problems.add("thru", format!("thru ({thru}) must be after from ({from})"));
    }
    let signature_info_ids = distinct(&form.signature_info_ids);
    if signature_info_ids.len() > MAX_SIGNATURE_INFOS {
        problems.add(
            "signatureInfoIds",
            format!("at most {MAX_SIGNATURE_INFOS} signature infos per export config"),
        );
    }
    problems.unknown_ids(
        "signatureInfoIds",
        "signature info",
        &signature_info_ids,
        |id| snapshot.signature_info(id).is_some(),
    );
    problems.finish()?;
    if let Some(other) = snapshot
        .export_configs()
        .find(|c| c.id != id && c.filename_root.eq_ignore_ascii_case(&filename_root))
    {
        return Err(ValidationError::conflict(
            "filenameRoot",
            format!(
                "filenameRoot {filename_root:?} is already used by export config {}",
                other.id
            ),
        ));
    }
    Ok(ExportConfig {
        id,
        filename_root,
        period_seconds: period,
        output_region,
        input_regions,
        exclude_regions,
        include_travelers: form.include_travelers,
        only_non_travelers: form.only_non_travelers,
        from,
        thru: form.thru,
        max_records_override: form.max_records_override.filter(|m| *m > 0),
        signature_info_ids,
    })
}

/// Validates a new signature info and gives it the next free id.
pub fn create_signature_info(
    form: &SignatureInfoForm,
    snapshot: &ConfigSnapshot,
) -> Result<SignatureInfo, ValidationError> {
    checked_info(form, next_signature_info_id(snapshot))
}

/// Validates the full new state of signature info `id` (which must exist).
pub fn update_signature_info(
    id: i64,
    form: &SignatureInfoForm,
    snapshot: &ConfigSnapshot,
) -> Result<SignatureInfo, ValidationError> {
    not_found_or_id_mismatch(
        snapshot.signature_info(id).is_some(),
        "signature info",
        id,
        form.id,
    )?;
    checked_info(form, id)
}

fn identifier(problems: &mut Problems, field: &'static str, value: &str) -> String {
    let value = value.trim();
    if value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        problems.add(
            field,
            format!("{field} may only hold letters, digits and '_' (at most 64)"),
        );
    }
    value.to_owned()
}

fn optional_text(
    problems: &mut Problems,
    field: &'static str,
    value: Option<&str>,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if value.len() > MAX_TEXT_LEN || value.chars().any(char::is_control) {
        problems.add(field, format!("{field} is not valid text"));
    }
    Some(value.to_owned())
}

fn checked_info(form: &SignatureInfoForm, id: i64) -> Result<SignatureInfo, ValidationError> {
    let mut problems = Problems::default();
    let signing_key = problems.required_text("signingKey", &form.signing_key);
    if !signing_key.is_empty() && !is_relative_path(&signing_key) {
        problems.add(
            "signingKey",
            "signingKey must name a key file relative to the exporter's key directory (no '/' at the start, no '..')",
        );
    }
    let signing_key_id = identifier(&mut problems, "signingKeyId", &form.signing_key_id);
    let signing_key_version = identifier(
        &mut problems,
        "signingKeyVersion",
        &form.signing_key_version,
    );
    let app_package_name = optional_text(
        &mut problems,
        "appPackageName",
        form.app_package_name.as_deref(),
    );
    let bundle_id = optional_text(&mut problems, "bundleId", form.bundle_id.as_deref());
    problems.finish()?;
    Ok(SignatureInfo {
        id,
        signing_key,
        signing_key_id,
        signing_key_version,
        app_package_name,
        bundle_id,
        thru: form.thru,
    })
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
