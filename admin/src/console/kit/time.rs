//! Times in console forms and pages: RFC 3339 UTC typed into a field, shown exactly in a form
//! (so saving unchanged changes nothing) and to the second on pages.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::console::kit::problems::Problems;
use crate::validation::rfc3339_time;

/// Parses an optional RFC 3339 time typed into `field` (blank is `None`); a problem is added
/// when it does not parse.
pub fn parse_time(
    problems: &mut Problems,
    field: &'static str,
    text: &str,
) -> Option<DateTime<Utc>> {
    rfc3339_time(field, text).unwrap_or_else(|message| {
        problems.add(field, message);
        None
    })
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
