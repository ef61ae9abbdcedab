//! Go's `%q` string quoting (`strconv.Quote`), used inside reference error texts such as
//! `invalid report type: "<v>"` and `cannot transition from "<from>" to "<to>"`.
//!
//! ASCII is handled exactly as Go does. For non-ASCII characters Go consults Unicode's general
//! categories (`strconv.IsPrint`); Rust's standard library has no such table, so control,
//! non-space whitespace, private-use and the common format characters are escaped and everything
//! else is kept. Unassigned code points are kept (Go would escape them).

use std::fmt::Write as _;

/// Quote `s` like Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c => {
                let v = u32::from(c);
                // Writing into a String cannot fail.
                let _ = if v < 0x80 {
                    write!(out, "\\x{v:02x}")
                } else if v < 0x1_0000 {
                    write!(out, "\\u{v:04x}")
                } else {
                    write!(out, "\\U{v:08x}")
                };
            }
        }
    }
    out.push('"');
    out
}

fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(u32::from(c),
        0x00AD
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xE000..=0xF8FF
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0xE0001
        | 0xE0020..=0xE007F
        | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote(""), r#""""#);
        assert_eq!(go_quote("likely"), r#""likely""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\n\t\u{0}\u{7f}"), r#""\n\t\x00\x7f""#);
        assert_eq!(go_quote("é✓"), "\"é✓\"");
        assert_eq!(go_quote("\u{feff}\u{2028}"), r#""\ufeff\u2028""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
    }
}
