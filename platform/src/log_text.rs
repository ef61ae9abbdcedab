//! Client input in log lines is always clipped: a log line must never grow with what a client
//! sends (a 300 KB header or path would otherwise cost 300 KB of log per request).

use std::borrow::Cow;

/// Longest piece of client input any log line carries by default.
pub const DEFAULT_CLIP: usize = 128;

/// `text` cut to at most `max` bytes (on a character boundary), marked with `…[+N bytes]`
/// when something was cut.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…[+{} bytes]", &text[..end], text.len() - end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_long_text_on_a_char_boundary() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip(&"a".repeat(300_000), 4), "aaaa…[+299996 bytes]");
        assert_eq!(clip("ééé", 3), "é…[+4 bytes]");
    }
}
