//! Report-type transitions a revision may make.
//!
//! Allowed: `likely` → `confirmed` | `negative`; `user-report` → `confirmed` | `likely` |
//! `negative`. A stored `""` is treated as `likely` for the check (but reported as `""`).
//! Everything else is refused, including anything from `confirmed` or `negative` and anything
//! to `""` or `user-report`.

use crate::types::ReportType;

use super::RevisionError;

/// Whether a key stored as `from` may be revised to `to`.
pub fn allowed_transition(from: ReportType, to: ReportType) -> bool {
    let effective = match from {
        ReportType::Unspecified => ReportType::Likely,
        other => other,
    };
    matches!(
        (effective, to),
        (
            ReportType::Likely,
            ReportType::Confirmed | ReportType::Negative
        ) | (
            ReportType::UserReport,
            ReportType::Confirmed | ReportType::Likely | ReportType::Negative
        )
    )
}

/// [`allowed_transition`] as a `Result` carrying the reference error.
pub(crate) fn check_transition(from: ReportType, to: ReportType) -> Result<(), RevisionError> {
    if allowed_transition(from, to) {
        Ok(())
    } else {
        Err(RevisionError::InvalidReportTypeTransition { from, to })
    }
}
