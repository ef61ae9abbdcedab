//! Scanner tests: Go's offsets and messages, decoder value ends, fast paths.
use super::*;

fn syntax_offset(s: &str) -> usize {
    match read_value(s.as_bytes(), false) {
        Err(ReadError::Syntax(e)) => e.offset,
        other => panic!("{s}: {other:?}"),
    }
}

#[test]
fn reference_positions() {
    // The reference's own test vectors.
    assert_eq!(syntax_offset("totally not json"), 2);
    assert_eq!(syntax_offset(r#"{"key": "value", badKey: 6"#), 18);
    assert_eq!(
        read_value(br#"{"exposureKeys": ["ABC", "DEF", "123"],"#, false),
        Err(ReadError::UnexpectedEof)
    );
    assert_eq!(read_value(b"", false), Err(ReadError::Empty));
    assert_eq!(read_value(b" \n\t ", false), Err(ReadError::Empty));
}

#[test]
fn messages_match_go() {
    let e = |s: &str| match read_value(s.as_bytes(), false) {
        Err(ReadError::Syntax(e)) => e.msg,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        e("totally"),
        "invalid character 'o' in literal true (expecting 'r')"
    );
    assert_eq!(
        e("{x"),
        "invalid character 'x' looking for beginning of object key string"
    );
    assert_eq!(e(r#"{"a" 1"#), "invalid character '1' after object key");
    assert_eq!(
        e(r#"{"a":1 2"#),
        "invalid character '2' after object key:value pair"
    );
    assert_eq!(e("[1 2"), "invalid character '2' after array element");
    assert_eq!(
        e("\"\u{1}\""),
        "invalid character '\\x01' in string literal"
    );
    assert_eq!(e(r#""\x""#), "invalid character 'x' in string escape code");
    assert_eq!(
        e(r#""\u12g""#),
        "invalid character 'g' in \\u hexadecimal character escape"
    );
    assert_eq!(e("-a"), "invalid character 'a' in numeric literal");
    assert_eq!(
        e("1.e"),
        "invalid character 'e' after decimal point in numeric literal"
    );
    assert_eq!(
        e("1e+x"),
        "invalid character 'x' in exponent of numeric literal"
    );
    assert_eq!(
        e("'"),
        "invalid character '\\'' looking for beginning of value"
    );
    assert_eq!(
        e("\u{e9}"),
        "invalid character 'Ã' looking for beginning of value"
    );
}

#[test]
fn value_ends_like_the_decoder() {
    assert_eq!(read_value(b"{} {}", false), Ok(2));
    assert_eq!(read_value(b"  {\"a\":[1,2]}x", false), Ok(13));
    assert_eq!(read_value(b"123 ", false), Ok(3));
    assert_eq!(read_value(b"123", false), Ok(3));
    assert_eq!(read_value(b"truex", false), Ok(4));
    assert_eq!(read_value(b"null", false), Ok(4));
    assert_eq!(read_value(b"-", false), Err(ReadError::UnexpectedEof));
    assert_eq!(read_value(b"{\"a\":", true), Err(ReadError::TooLarge));
    assert_eq!(read_value(b"12", true), Err(ReadError::TooLarge));
    assert_eq!(read_value(b"{} ", true), Ok(2));
    // Leading zeros are a syntax error inside a container.
    assert_eq!(syntax_offset("[01]"), 3);
}

#[test]
fn more_ignores_closing_brackets() {
    assert!(more_after(b"{} {}", 2));
    assert!(more_after(b"{}x", 2));
    assert!(!more_after(b"{}  ", 2));
    assert!(!more_after(b"{} ]", 2));
    assert!(!more_after(b"{}}", 2));
}

/// The byte-at-a-time reference for [`read_value`] (no fast paths).
fn read_value_slow(buf: &[u8], truncated: bool) -> Result<usize, ReadError> {
    let mut scanner = Scanner::default();
    for (i, &c) in buf.iter().enumerate() {
        scanner.bytes += 1;
        let op = scanner.step(c);
        if let Some(read) = scanner.value_read(op, i) {
            return read;
        }
    }
    scanner.read_to_end(buf, truncated)
}

proptest::proptest! {
    #[test]
    fn fast_paths_change_nothing(parts in proptest::collection::vec(proptest::prop_oneof![
        proptest::strategy::Just("{"), proptest::strategy::Just("}"), proptest::strategy::Just("["),
        proptest::strategy::Just("]"), proptest::strategy::Just(","), proptest::strategy::Just(":"),
        proptest::strategy::Just("\"abcdefghijklmnopq\""), proptest::strategy::Just("\"a\\\"b\""),
        proptest::strategy::Just("\"\u{1}\""), proptest::strategy::Just("1234567890"), proptest::strategy::Just("-0.5e10"),
        proptest::strategy::Just("12.3"), proptest::strategy::Just("true"), proptest::strategy::Just(" "),
        proptest::strategy::Just("x"), proptest::strategy::Just("\"unterminated"),
    ], 0..30), truncated in proptest::bool::ANY) {
        let body = parts.concat();
        proptest::prop_assert_eq!(read_value(body.as_bytes(), truncated), read_value_slow(body.as_bytes(), truncated));
    }

    #[test]
    fn fast_paths_change_nothing_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
        proptest::prop_assert_eq!(read_value(&bytes, false), read_value_slow(&bytes, false));
    }
}

#[test]
fn nesting_limit() {
    let deep = "[".repeat(10_001);
    match read_value(deep.as_bytes(), false) {
        Err(ReadError::Syntax(e)) => {
            assert_eq!(e.offset, 10_001);
            assert_eq!(e.msg, "invalid character '[' exceeded max depth");
        }
        other => panic!("{other:?}"),
    }
    let ok = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(read_value(ok.as_bytes(), false), Ok(20_000));
}

#[test]
fn check_valid_is_strict_about_trailing_data() {
    assert!(check_valid(b"{}").is_ok());
    assert!(check_valid(b" {} ").is_ok());
    assert_eq!(
        check_valid(b"{}x").unwrap_err().msg,
        "invalid character 'x' after top-level value"
    );
    assert_eq!(
        check_valid(b"{").unwrap_err().msg,
        "unexpected end of JSON input"
    );
    assert_eq!(
        check_valid(b"").unwrap_err().msg,
        "unexpected end of JSON input"
    );
}
