//! The form widgets every console form is built from: the CSRF field, form openers, labelled
//! inputs with their messages, checkboxes and badges.
//!
//! Every form field is named after the JSON field of the REST API (`issuer`, `publicKeyPem`,
//! `healthAuthorityID`, ...), which is also the field a validation rule names; so a rule's
//! message lands next to the field it is about without any mapping table.

use crate::console::kit::form::CSRF_FIELD;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;

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

/// A group of checkboxes named `name`: one per `(value, label)` option, ticked when `ticked`
/// holds its value; then a ticked box for each ticked value that is no option (so a refused or
/// stale choice is shown, not lost), labelled by `stale`; `none` when there is no option; and
/// the group's problems.
pub fn ticked_boxes(
    m: &mut Markup,
    problems: &Problems,
    name: &'static str,
    options: impl IntoIterator<Item = (String, String)>,
    ticked: &[String],
    stale: impl Fn(&str) -> String,
    none: &'static str,
) {
    let mut listed = Vec::new();
    for (value, label) in options {
        let checked = ticked.iter().any(|t| t.trim() == value);
        checkbox(m, &label, name, &value, checked, None);
        listed.push(value);
    }
    for value in ticked.iter().filter(|t| !listed.contains(t)) {
        checkbox(m, &stale(value), name, value, true, None);
    }
    if listed.is_empty() {
        m.raw(none);
    }
    group_errors(m, problems, name);
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
