//! A submitted HTML form: the `application/x-www-form-urlencoded` pairs in order.
//!
//! HTML forms repeat a name for every ticked checkbox (`allowed=1&allowed=3`), which a serde
//! struct cannot take from `axum::Form`; so the body is read as the list of pairs (which
//! `axum::Form` does support) and the console turns it into the shared validation structs
//! itself. The guard parses the body once, checks its CSRF field, and hands the pairs on as a
//! request extension, so a handler can only see a form that passed the CSRF check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

/// The name of the hidden CSRF field every console form carries.
pub const CSRF_FIELD: &str = "csrf";

/// The fields of a submitted form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`, or "" when absent (an empty text box is sent as "").
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of `name`, in order (ticked checkboxes of one group).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether a checkbox `name` was ticked (browsers send ticked boxes only).
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The lines of a textarea, without their line ends (blank lines kept; the rules drop them).
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.text(name)
            .lines()
            .map(|line| line.trim_end_matches('\r').to_owned())
            .collect()
    }
}

/// Extractor of the form the guard checked. Missing only if a route was wired without the
/// guard, which is a programming error answered with 500 rather than an unchecked form.
impl<S: Send + Sync> FromRequestParts<S> for FormFields {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.remove::<FormFields>().ok_or_else(|| {
            tracing::error!("Console form handler reached without the CSRF guard");
            StatusCode::INTERNAL_SERVER_ERROR
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        FormFields::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn repeated_names_checkboxes_and_textarea_lines() {
        let f = form(&[
            ("allowed", "1"),
            ("name", "x"),
            ("allowed", "3"),
            ("regions", "US\r\n\r\nCA"),
            ("bypass", "on"),
        ]);
        assert_eq!(f.all("allowed"), ["1", "3"]);
        assert_eq!(f.text("name"), "x");
        assert_eq!(f.text("missing"), "");
        assert!(f.checked("bypass") && !f.checked("other"));
        assert_eq!(f.lines("regions"), ["US", "", "CA"]);
    }
}
