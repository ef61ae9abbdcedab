//! Times in console forms and pages: RFC 3339 UTC typed into a field, shown exactly in a form
//! (so saving unchanged changes nothing) and to the second on pages.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::console::kit::problems::Problems;

/// Parses an optional RFC 3339 time typed into `field` (blank is `None`); a problem is added
/// when it does not parse.
pub fn parse_time(
    problems: &mut Problems,
    field: &'static str,
    text: &str,
) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(e) => {
            problems.add(
                field,
                format!("{field} is not an RFC 3339 time (e.g. 2025-05-01T00:00:00Z): {e}"),
            );
            None
        }
    }
}

/// A time in a form field: RFC 3339 UTC with its full precision, so saving a form unchanged
/// changes nothing.
pub fn exact_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A time as operators read it: UTC to the second.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
