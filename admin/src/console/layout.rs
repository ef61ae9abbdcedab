//! The page shell and the form widgets every console page is built from.
//!
//! Every form field is named after the JSON field of the REST API (`issuer`, `publicKeyPem`,
//! `healthAuthorityID`, ...), which is also the field a [`ValidationError`] names; so a rule's
//! message lands next to the field it is about without any mapping table.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

use super::form::CSRF_FIELD;
use super::html::Markup;
use super::session::{Flash, SignedIn};
use crate::error::ApiError;
use crate::validation::{FieldProblem, ValidationError};
use crate::writer::WriteError;

/// The sections of the console, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    HealthAuthorities,
    Apps,
    Exports,
    Health,
    Audit,
}

const NAV: &[(Section, &str, &str)] = &[
    (Section::Home, "/console", "Home"),
    (
        Section::HealthAuthorities,
        "/console/health-authorities",
        "Health Authority Key Configurations",
    ),
    (
        Section::Apps,
        "/console/authorized-apps",
        "Authorized Health Authorities",
    ),
    (Section::Exports, "/console/export-configs", "Exports"),
    (Section::Health, "/console/health", "Health"),
    (Section::Audit, "/console/audit", "Audit trail"),
];

/// One page of the console for a signed-in operator.
#[derive(Debug)]
pub struct Page<'a> {
    pub section: Section,
    /// The heading (and window title).
    pub title: String,
    /// One sentence: what this entity or page is for.
    pub lead: &'static str,
    pub signed: &'a SignedIn,
    pub flash: Option<Flash>,
    pub body: Markup,
    pub status: StatusCode,
}

impl Page<'_> {
    /// The complete HTML document.
    pub fn render(self) -> Response {
        let mut m = Markup::new();
        head(&mut m, &self.title);
        m.raw("<header class=\"top\"><a class=\"brand\" href=\"/console\">EN key server admin</a><nav>");
        for (section, href, label) in NAV {
            m.raw("<a")
                .attr("href", href)
                .flag("aria-current=\"page\"", *section == self.section)
                .raw(">")
                .text(label)
                .raw("</a>");
        }
        m.raw("</nav><form class=\"signout\" method=\"post\" action=\"/logout\">");
        csrf_input(&mut m, &self.signed.csrf);
        m.raw("<span class=\"who\" title=\"Signed in as\">")
            .text(&self.signed.operator)
            .raw("</span><button type=\"submit\" class=\"link\">Sign out</button></form></header><main><h1>")
            .text(&self.title)
            .raw("</h1><p class=\"lead\">")
            .text(self.lead)
            .raw("</p>");
        if let Some(flash) = &self.flash {
            flash_box(&mut m, flash);
        }
        m.append(&self.body).raw("</main></body></html>");
        html_response(self.status, m)
    }
}

/// A page outside a session (sign-in, refusals): no navigation.
pub fn bare_page(status: StatusCode, title: &str, body: &Markup) -> Response {
    let mut m = Markup::new();
    head(&mut m, title);
    m.raw("<main class=\"narrow\"><h1>")
        .text(title)
        .raw("</h1>")
        .append(body)
        .raw("</main></body></html>");
    html_response(status, m)
}

/// A refusal page with one sentence and a way back.
pub fn refusal(status: StatusCode, title: &str, message: &str) -> Response {
    let mut body = Markup::new();
    body.raw("<p class=\"flash error\" role=\"alert\">")
        .text(message)
        .raw("</p><p><a href=\"/console\">Back to the console</a></p>");
    bare_page(status, title, &body)
}

fn head(m: &mut Markup, title: &str) {
    m.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
        .text(title)
        .raw(" · EN admin console</title><link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head><body>");
}

fn html_response(status: StatusCode, m: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        m.into_string(),
    )
        .into_response()
}

/// A success or error message box.
pub fn flash_box(m: &mut Markup, flash: &Flash) {
    if flash.success {
        m.raw("<p class=\"flash ok\" role=\"status\">");
    } else {
        m.raw("<p class=\"flash error\" role=\"alert\">");
    }
    m.text(&flash.message).raw("</p>");
}

/// The hidden CSRF field.
pub fn csrf_input(m: &mut Markup, csrf: &str) {
    m.raw("<input type=\"hidden\"")
        .attr("name", CSRF_FIELD)
        .attr("value", csrf)
        .raw(">");
}

/// Opens a POST form to `action` carrying the CSRF field.
pub fn form_start(m: &mut Markup, action: &str, csrf: &str, class: &'static str) {
    m.raw("<form method=\"post\"")
        .attr("action", action)
        .attr("class", class)
        .raw(">");
    csrf_input(m, csrf);
}

/// Opens a form shown as a card, with the summary of its `problems` (those not about one of
/// `fields`) above it.
pub fn card_form(m: &mut Markup, action: &str, csrf: &str, problems: &Problems, fields: &[&str]) {
    problems.summary(m, fields);
    form_start(m, action, csrf, "card");
}

/// A form with a single button (and hidden fields): key actions, delete.
pub fn button_form(
    m: &mut Markup,
    action: &str,
    csrf: &str,
    hidden: &[(&'static str, &str)],
    label: &'static str,
    class: &'static str,
) {
    form_start(m, action, csrf, "inline");
    for (name, value) in hidden {
        m.raw("<input type=\"hidden\"")
            .attr("name", name)
            .attr("value", value)
            .raw(">");
    }
    m.raw("<button type=\"submit\"")
        .attr("class", class)
        .raw(">")
        .text(label)
        .raw("</button></form>");
}

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

    fn for_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
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

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    Text,
    Password,
    /// A multi-line box of this many rows.
    Textarea(u8),
}

/// A labelled input.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub label: &'static str,
    /// The form (and JSON) field name.
    pub name: &'static str,
    pub value: &'a str,
    pub hint: Option<&'static str>,
    pub widget: Widget,
}

impl<'a> Input<'a> {
    /// A one-line text input.
    pub fn text(label: &'static str, name: &'static str, value: &'a str) -> Self {
        Self {
            label,
            name,
            value,
            hint: None,
            widget: Widget::Text,
        }
    }

    /// With an explanation under the field.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// With another widget.
    pub fn widget(mut self, widget: Widget) -> Self {
        self.widget = widget;
        self
    }
}

/// Renders `input` with its hint and, when refused, its messages right under it.
pub fn input(m: &mut Markup, input: &Input<'_>, problems: &Problems) {
    let messages: Vec<&str> = problems.for_field(input.name).collect();
    let id = format!("f-{}", input.name);
    m.raw("<div")
        .attr(
            "class",
            if messages.is_empty() {
                "field"
            } else {
                "field invalid"
            },
        )
        .raw("><label")
        .attr("for", &id)
        .raw(">")
        .text(input.label)
        .raw("</label>");
    match input.widget {
        Widget::Textarea(rows) => {
            m.raw("<textarea")
                .attr("id", &id)
                .attr("name", input.name)
                .attr("rows", &rows.to_string())
                .attr("spellcheck", "false")
                .flag("aria-invalid=\"true\"", !messages.is_empty())
                .raw(">")
                .text(input.value)
                .raw("</textarea>");
        }
        Widget::Text | Widget::Password => {
            m.raw("<input")
                .attr(
                    "type",
                    if input.widget == Widget::Password {
                        "password"
                    } else {
                        "text"
                    },
                )
                .attr("id", &id)
                .attr("name", input.name)
                .attr("value", input.value)
                .attr("autocomplete", "off")
                .flag("aria-invalid=\"true\"", !messages.is_empty())
                .raw(">");
        }
    }
    if let Some(hint) = input.hint {
        m.raw("<p class=\"hint\">").text(hint).raw("</p>");
    }
    for message in messages {
        m.raw("<p class=\"error\"")
            .attr("id", &format!("{id}-error"))
            .raw(">")
            .text(message)
            .raw("</p>");
    }
    m.raw("</div>");
}

/// Renders each of `inputs` in turn, as [`input`] does.
pub fn inputs(m: &mut Markup, problems: &Problems, inputs: &[Input<'_>]) {
    for one in inputs {
        input(m, one, problems);
    }
}

/// The "Valid from" box of keys and export configurations (field `from`).
pub fn valid_from(value: &str) -> Input<'_> {
    Input::text("Valid from (UTC)", "from", value)
        .hint("RFC 3339, e.g. 2025-05-01T00:00:00Z. Leave empty for now.")
}

/// A checkbox with its label and optional hint.
pub fn checkbox(
    m: &mut Markup,
    label: &str,
    name: &'static str,
    value: &str,
    checked: bool,
    hint: Option<&'static str>,
) {
    m.raw("<label class=\"check\"><input type=\"checkbox\"")
        .attr("name", name)
        .attr("value", value)
        .flag("checked", checked)
        .raw("> <span>")
        .text(label)
        .raw("</span>");
    if let Some(hint) = hint {
        m.raw(" <small>").text(hint).raw("</small>");
    }
    m.raw("</label>");
}

/// The messages on `field` of a group of checkboxes (rendered after the group).
pub fn group_errors(m: &mut Markup, problems: &Problems, field: &'static str) {
    for message in problems.for_field(field) {
        m.raw("<p class=\"error\"")
            .attr("id", &format!("f-{field}-error"))
            .raw(">")
            .text(message)
            .raw("</p>");
    }
}

/// A status badge.
pub fn badge(m: &mut Markup, text: &str, class: &'static str) {
    m.raw("<span")
        .attr("class", class)
        .raw(">")
        .text(text)
        .raw("</span>");
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
