//! The HTML document around every console page: the head, pages outside a session (sign-in,
//! refusals), and the one-time message box.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::console::kit::html::Markup;

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// False for an error.
    pub success: bool,
    pub message: String,
}

impl Flash {
    /// A success message.
    pub fn ok(message: impl Into<String>) -> Self {
        Self {
            success: true,
            message: message.into(),
        }
    }

    /// An error message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            success: false,
            message: message.into(),
        }
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

pub fn head(m: &mut Markup, title: &str) {
    m.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
        .text(title)
        .raw(" · EN admin console</title><link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head><body>");
}

pub fn html_response(status: StatusCode, m: Markup) -> Response {
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
