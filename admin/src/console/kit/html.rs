//! A tiny HTML builder that is safe by construction.
//!
//! Markup is only ever extended with `&'static str` literals ([`Markup::raw`]) or with text that
//! is escaped on the way in ([`Markup::text`], [`Markup::attr`]). Nothing typed by an operator,
//! read from Kafka or taken from a URL can therefore reach the page unescaped: the type system
//! refuses a `String` where raw HTML is expected. Attribute values are always double-quoted and
//! escaped, so they cannot break out of their quotes either.

use std::fmt::{self, Write as _};

/// HTML under construction.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// Empty markup.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a fixed piece of HTML written in the source code.
    pub fn raw(&mut self, html: &'static str) -> &mut Self {
        self.0.push_str(html);
        self
    }

    /// Appends text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.0, text);
        self
    }

    /// Appends the `Display` form of `value`, escaped.
    pub fn display(&mut self, value: impl fmt::Display) -> &mut Self {
        let mut text = String::new();
        let _ = write!(text, "{value}");
        self.text(&text)
    }

    /// Appends ` name="value"` with the value escaped; `name` is a literal.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.0.push(' ');
        self.0.push_str(name);
        self.0.push_str("=\"");
        escape_into(&mut self.0, value);
        self.0.push('"');
        self
    }

    /// Appends ` name` (a boolean attribute) when `on`.
    pub fn flag(&mut self, name: &'static str, on: bool) -> &mut Self {
        if on {
            self.0.push(' ');
            self.0.push_str(name);
        }
        self
    }

    /// Appends other markup (itself built safely).
    pub fn append(&mut self, other: &Markup) -> &mut Self {
        self.0.push_str(&other.0);
        self
    }

    /// The finished HTML.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The HTML so far.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Escapes the five characters that matter in text and in double- or single-quoted attributes.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Percent-encodes `text` for use as one URL path segment or query value: everything except
/// the RFC 3986 unreserved characters is encoded, so `/`, `?`, `#` and `&` cannot change the URL.
pub fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut m = Markup::new();
        m.raw("<p")
            .attr("title", "\"><script>alert(1)</script>")
            .raw(">")
            .text("<b>Tom & 'Jerry'</b>")
            .raw("</p>");
        assert_eq!(
            m.as_str(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;</p>"
        );
    }

    #[test]
    fn url_components_cannot_change_the_url() {
        assert_eq!(url_component("com.example.app"), "com.example.app");
        assert_eq!(url_component("a/b?c#d&e f"), "a%2Fb%3Fc%23d%26e%20f");
        assert_eq!(url_component("ü"), "%C3%BC");
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_never_contains_markup_characters(text in "\\PC{0,64}") {
            let mut m = Markup::new();
            m.text(&text);
            proptest::prop_assert!(!m.as_str().contains(['<', '>', '"', '\'']));
        }
    }
}
