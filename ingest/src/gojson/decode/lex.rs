//! The cursor's reading primitives over validated JSON: whitespace, strings (with Go's
//! unquoting), literals, and skipping a whole value without recursion.

use std::borrow::Cow;

use super::Cursor;
use crate::gojson::text::unquote;

impl<'a> Cursor<'a> {
    pub(super) fn skip_ws(&mut self) {
        while let Some(c) = self.data.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    pub(super) fn peek(&mut self) -> u8 {
        self.skip_ws();
        self.data.get(self.pos).copied().unwrap_or(b' ')
    }

    pub(super) fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips a string token (cursor on the opening quote); returns its raw body and whether it
    /// contains escapes.
    pub(super) fn string_body(&mut self) -> (&'a [u8], bool) {
        self.bump();
        let start = self.pos;
        let mut escaped = false;
        let data: &'a [u8] = self.data;
        loop {
            let rest = data.get(self.pos..).unwrap_or_default();
            // Validated input: control characters cannot occur inside strings.
            let offset = crate::gojson::fastscan::plain_string_run(rest);
            if offset >= rest.len() {
                self.pos = data.len();
                break;
            }
            self.pos += offset + 1;
            if rest[offset] == b'"' {
                break;
            }
            escaped = true;
            self.pos += 1;
        }
        let raw = data
            .get(start..self.pos.saturating_sub(1))
            .unwrap_or_default();
        (raw, escaped)
    }

    /// Reads a string token; returns Go's unquoted text, borrowed when no decoding was needed.
    pub(super) fn read_str(&mut self) -> Cow<'a, str> {
        match self.string_body() {
            (raw, true) => Cow::Owned(unquote(raw)),
            (raw, false) => match std::str::from_utf8(raw) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(raw),
            },
        }
    }

    /// Reads a string token into an owned string.
    /// Reads an object member's key and steps over the `:` after it.
    pub(super) fn member_key(&mut self) -> Cow<'a, str> {
        let key = self.read_str();
        if self.peek() == b':' {
            self.bump();
        }
        key
    }

    /// After a member's value: steps over the `,` (`true`: another member follows) or over the
    /// object's end (`false`).
    pub(super) fn next_member(&mut self) -> bool {
        let more = self.peek() == b',';
        self.bump();
        if more {
            self.skip_ws();
        }
        more
    }

    pub(super) fn read_string(&mut self) -> String {
        self.read_str().into_owned()
    }

    /// Reads a number or `true`/`false`/`null` token; returns its text.
    pub(super) fn read_literal(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.data.get(self.pos) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.pos += 1;
        }
        std::str::from_utf8(self.data.get(start..self.pos).unwrap_or_default()).unwrap_or("")
    }

    /// Skips one value of any shape, iteratively.
    pub(super) fn skip_value(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                b'"' => {
                    self.string_body();
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.bump();
                    continue;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    self.bump();
                }
                b',' | b':' => {
                    self.bump();
                    continue;
                }
                _ => {
                    self.read_literal();
                }
            }
            if depth == 0 || self.pos >= self.data.len() {
                return;
            }
        }
    }
}
