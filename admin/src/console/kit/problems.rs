//! Error mapping for forms: the problems of a refused form, looked up by field, and how a write
//! that did not happen is shown (the REST API's status and the rule's messages).

use axum::http::StatusCode;

use crate::console::kit::html::Markup;
use crate::error::ApiError;
use crate::validation::{FieldProblem, ValidationError};
use crate::writer::WriteError;

/// The problems of a refused form, looked up by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    /// No problem (a fresh form).
    pub fn none() -> Self {
        Self::default()
    }

    /// The problems of a refusal.
    pub fn of(error: &ValidationError) -> Self {
        Self(error.problems.clone())
    }

    /// One problem on `field` (a console-side parse error).
    pub fn on(field: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldProblem {
            field: Some(field),
            message: message.into(),
        }])
    }

    /// Adds a problem on `field` (console-side parsing of a text box).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: Some(field),
            message: message.into(),
        });
    }

    /// Whether there is no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A problem about the whole form (shown in the summary).
    pub fn general(message: impl Into<String>) -> Self {
        Self(vec![FieldProblem {
            field: None,
            message: message.into(),
        }])
    }

    /// Every message, as one sentence list (for a flash message).
    pub fn messages(&self) -> String {
        self.0
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) fn for_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |p| p.field == Some(field))
            .map(|p| p.message.as_str())
    }

    /// The summary at the top of a refused form: problems not tied to one of `fields` are
    /// spelled out there, since no field shows them.
    pub fn summary(&self, m: &mut Markup, fields: &[&str]) {
        if self.0.is_empty() {
            return;
        }
        m.raw("<div class=\"flash error\" role=\"alert\"><p>Nothing was saved. Please correct the problems below.</p>");
        let loose: Vec<&FieldProblem> = self
            .0
            .iter()
            .filter(|p| p.field.is_none_or(|f| !fields.contains(&f)))
            .collect();
        if !loose.is_empty() {
            m.raw("<ul>");
            for problem in loose {
                m.raw("<li>").text(&problem.message).raw("</li>");
            }
            m.raw("</ul>");
        }
        m.raw("</div>");
    }
}

/// How a write that did not happen is shown: the HTTP status the REST API would answer, and
/// the problems (a rule's, by field; or why the configuration log could not take the change).
pub fn refused(error: WriteError) -> (StatusCode, Problems) {
    let error = ApiError::from(error);
    let problems = match &error {
        ApiError::Validation(e) => Problems::of(e),
        other => Problems::general(other.to_string()),
    };
    (error.status(), problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::kit::widgets::{input, Input};

    #[test]
    fn field_errors_land_next_to_their_field_and_others_in_the_summary() {
        let error = ValidationError {
            rejection: crate::validation::Rejection::Invalid,
            problems: vec![
                FieldProblem {
                    field: Some("issuer"),
                    message: "issuer is required".into(),
                },
                FieldProblem {
                    field: None,
                    message: "<general>".into(),
                },
            ],
        };
        let problems = Problems::of(&error);
        let mut m = Markup::new();
        problems.summary(&mut m, &["issuer"]);
        input(
            &mut m,
            &Input::text("Issuer", "issuer", "typed \"value\""),
            &problems,
        );
        input(&mut m, &Input::text("Name", "name", ""), &problems);
        let html = m.into_string();
        assert!(html.contains("<li>&lt;general&gt;</li>"), "{html}");
        assert!(!html.contains("<li>issuer is required"), "{html}");
        assert!(html.contains("value=\"typed &quot;value&quot;\""), "{html}");
        assert!(html.contains("<p class=\"error\" id=\"f-issuer-error\">issuer is required</p>"));
        assert_eq!(html.matches("class=\"field invalid\"").count(), 1);
    }
}
