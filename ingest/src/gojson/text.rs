//! Text rules of Go's JSON decoder: how object keys match struct fields (case-insensitive with
//! Go's special folds) and how string escapes decode (invalid UTF-8 and unpaired surrogates
//! become U+FFFD).

/// Field lookup as Go does it: an exact match first, else the first field (in declaration
/// order) that matches case-insensitively, where the Kelvin sign matches `k` and the long s
/// matches `s` (Go's `equalFoldRight`).
pub(super) fn lookup(fields: &[&str], key: &str) -> Option<usize> {
    fields
        .iter()
        .position(|f| *f == key)
        .or_else(|| fields.iter().position(|f| fold_equal(f, key)))
}

fn fold_equal(name: &str, key: &str) -> bool {
    let mut key_chars = key.chars();
    for n in name.bytes() {
        let Some(k) = key_chars.next() else {
            return false;
        };
        let matches = match k {
            '\u{212A}' => n.eq_ignore_ascii_case(&b'k'),
            '\u{017F}' => n.eq_ignore_ascii_case(&b's'),
            k if k.is_ascii() => {
                let k = k as u8;
                k == n || (n.is_ascii_alphabetic() && k.eq_ignore_ascii_case(&n))
            }
            _ => false,
        };
        if !matches {
            return false;
        }
    }
    key_chars.next().is_none()
}

/// Go's `unquote` of a string token body with escapes: invalid UTF-8 and unpaired surrogates
/// become U+FFFD.
pub(super) fn unquote(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'\\' {
            let Some(&e) = raw.get(i + 1) else { break };
            i += 2;
            match e {
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let Some(first) = hex4(raw.get(i..i + 4)) else {
                        break;
                    };
                    i += 4;
                    if (0xD800..0xE000).contains(&first) {
                        let second = (raw.get(i) == Some(&b'\\') && raw.get(i + 1) == Some(&b'u'))
                            .then(|| hex4(raw.get(i + 2..i + 6)))
                            .flatten();
                        match second {
                            Some(lo)
                                if (0xD800..0xDC00).contains(&first)
                                    && (0xDC00..0xE000).contains(&lo) =>
                            {
                                let code = 0x10000 + ((first - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                                i += 6;
                            }
                            _ => out.push('\u{FFFD}'),
                        }
                    } else {
                        out.push(char::from_u32(first).unwrap_or('\u{FFFD}'));
                    }
                }
                other => out.push(char::from(other)),
            }
            continue;
        }
        // Copy a run of unescaped bytes, replacing invalid UTF-8 byte by byte.
        let run_end = raw[i..]
            .iter()
            .position(|b| *b == b'\\')
            .map_or(raw.len(), |p| i + p);
        out.push_str(&String::from_utf8_lossy(&raw[i..run_end]));
        i = run_end;
    }
    out
}

fn hex4(bytes: Option<&[u8]>) -> Option<u32> {
    let text = std::str::from_utf8(bytes?).ok()?;
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matching_follows_go() {
        assert!(fold_equal("hmacKey", "hmackey"));
        assert!(fold_equal("hmacKey", "HMACKEY"));
        assert!(fold_equal("hmacKey", "hmac\u{212A}ey"));
        assert!(fold_equal("padding", "PADDING"));
        assert!(fold_equal("transmissionRisk", "tran\u{17F}missionRisk"));
        assert!(!fold_equal("hmacKey", "hmacKe"));
        assert!(!fold_equal("hmacKey", "hmacKeyy"));
        // Dotless i does not fold to I in Go before 1.21.
        assert!(!fold_equal("traveler", "trave\u{131}er"));
        assert!(!fold_equal("key", "k\u{e9}y"));
        assert_eq!(lookup(&["a", "A"], "A"), Some(1));
        assert_eq!(lookup(&["a", "b"], "B"), Some(1));
    }

    #[test]
    fn unquote_like_go() {
        assert_eq!(unquote(br"a\nb\u0041\/"), "a\nbA/");
        assert_eq!(unquote(br"\ud83d\ude00"), "\u{1F600}");
        assert_eq!(unquote(br"\ud83dx"), "\u{FFFD}x");
        assert_eq!(unquote(br"\ude00\u0041"), "\u{FFFD}A");
        assert_eq!(unquote(b"\\n\xff"), "\n\u{FFFD}");
    }
}
