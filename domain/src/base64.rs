//! Lenient base64 as accepted by the reference server, plus the stored (standard) form.
//!
//! Phones and verification servers send TEKs, HMAC secrets, `tekmac` claims and revision tokens in
//! any base64 flavour: standard or URL-safe alphabet, padded, unpadded, over-padded, even mixed.
//! The reference normalises `+`→`-` and `/`→`_`, strips every trailing `=` and decodes the result
//! as unpadded URL-safe base64 without the strict trailing-bits check, ignoring CR and LF.
//!
//! The decoder is written out here (instead of delegating to the `base64` crate) because clients
//! and conformance tests see its error text, which must match Go's
//! `illegal base64 data at input byte N` with Go's exact choice of `N`.

use ::base64::Engine as _;

/// A decoding failure, displayed exactly like Go's `base64.CorruptInputError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal base64 data at input byte {offset}")]
pub struct Base64Error {
    /// Byte offset in the input string (trailing `=` stripping never moves earlier bytes).
    pub offset: usize,
}

/// Decode `input` leniently (see the module documentation).
///
/// `""` (and `"===="`) decode to an empty vector.
pub fn decode_lenient(input: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = input.as_bytes();
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == b'=' {
        end -= 1;
    }
    decode_raw_url(&bytes[..end])
}

/// Encode as standard base64 with `=` padding: the form stored in `exposure.exposure_key` and
/// used for revision tokens on the wire.
pub fn encode_std(data: &[u8]) -> String {
    ::base64::engine::general_purpose::STANDARD.encode(data)
}

/// Value of one symbol, accepting both alphabets (the `+`/`/` → `-`/`_` rewrite of the
/// reference, folded into the lookup).
fn symbol_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' | b'+' => Some(62),
        b'_' | b'/' => Some(63),
        _ => None,
    }
}

/// Unpadded, non-strict decoding that mirrors Go's `decodeQuantum` step by step, so that the
/// reported error offsets are the same.
fn decode_raw_url(src: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3 + 2);
    let mut si = 0;
    while si < src.len() {
        let mut quantum = [0u8; 4];
        let mut len = 4;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    // Only CR/LF were left.
                    return Ok(out);
                }
                if j == 1 {
                    // A single symbol carries 6 bits: not even one byte.
                    return Err(Base64Error { offset: si - j });
                }
                len = j;
                break;
            }
            let c = src[si];
            si += 1;
            match symbol_value(c) {
                Some(v) => {
                    quantum[j] = v;
                    j += 1;
                }
                None if c == b'\n' || c == b'\r' => {}
                None => return Err(Base64Error { offset: si - 1 }),
            }
        }
        let val = u32::from(quantum[0]) << 18
            | u32::from(quantum[1]) << 12
            | u32::from(quantum[2]) << 6
            | u32::from(quantum[3]);
        let decoded = val.to_be_bytes();
        // `len` symbols carry `len - 1` whole bytes; leftover bits are ignored (non-strict).
        out.extend_from_slice(&decoded[1..len]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use ::base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use proptest::prelude::*;

    #[test]
    fn accepts_every_flavour() {
        for s in ["Zm9v", "Zg==", "Zg", "Zg=", "Zg====", "Zm8=", "Zm8"] {
            assert!(decode_lenient(s).is_ok(), "{s}");
        }
        assert_eq!(decode_lenient("Zg=").unwrap(), b"f");
        assert_eq!(decode_lenient("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode_lenient("====").unwrap(), Vec::<u8>::new());
        // Mixed alphabets: '+' and '-' both mean 62, '/' and '_' both mean 63.
        assert_eq!(decode_lenient("+/-_").unwrap(), vec![0xfb, 0xff, 0xbf]);
        assert_eq!(
            decode_lenient("dPCphLzfG4uzXneNimkPRQ====").unwrap().len(),
            16
        );
    }

    #[test]
    fn trailing_bits_are_tolerated() {
        // "Zh" has non-zero trailing bits; a strict decoder would refuse it.
        assert_eq!(decode_lenient("Zh").unwrap(), b"f");
        assert_eq!(decode_lenient("Zm9=").unwrap(), b"fo");
    }

    #[test]
    fn newlines_are_ignored() {
        assert_eq!(decode_lenient("Zm\r\n9v\n").unwrap(), b"foo");
        assert_eq!(decode_lenient("\n").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn error_offsets_match_go() {
        // Conformance E13.
        let err = decode_lenient("QUJD2").unwrap_err();
        assert_eq!(err.to_string(), "illegal base64 data at input byte 4");
        assert_eq!(decode_lenient("Z").unwrap_err().offset, 0);
        assert_eq!(decode_lenient("Zm9v!").unwrap_err().offset, 4);
        assert_eq!(decode_lenient("Zm 9v").unwrap_err().offset, 2);
        // '=' in the middle is not padding for an unpadded decoder.
        assert_eq!(decode_lenient("Zg==Zg").unwrap_err().offset, 2);
        assert_eq!(decode_lenient("Zg==\n").unwrap_err().offset, 2);
        // A lone symbol after skipped newlines is reported relative to the end.
        assert_eq!(decode_lenient("QUJD\n2").unwrap_err().offset, 5);
        // Non-ASCII: the first byte of the UTF-8 sequence is reported.
        assert_eq!(decode_lenient("Zmé9").unwrap_err().offset, 2);
        assert_eq!(decode_lenient("totally not base64").unwrap_err().offset, 7);
    }

    #[test]
    fn encode_std_is_padded() {
        assert_eq!(encode_std(&[0u8; 16]), "AAAAAAAAAAAAAAAAAAAAAA==");
        assert_eq!(encode_std(&[0xfb, 0xff]), "+/8=");
    }

    fn reference_engine() -> GeneralPurpose {
        GeneralPurpose::new(
            &::base64::alphabet::URL_SAFE,
            GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(DecodePaddingMode::RequireNone),
        )
    }

    proptest! {
        #[test]
        fn round_trips_all_flavours(
            data in proptest::collection::vec(any::<u8>(), 0..64),
            extra_pad in 0usize..5,
            newline_at in proptest::option::of(0usize..100),
        ) {
            let mut forms = vec![
                encode_std(&data),
                STANDARD_NO_PAD.encode(&data),
                URL_SAFE.encode(&data),
                URL_SAFE_NO_PAD.encode(&data),
            ];
            forms.push(format!("{}{}", forms[0], "=".repeat(extra_pad)));
            if let Some(pos) = newline_at {
                let s = forms[3].clone();
                let pos = pos.min(s.len());
                forms.push(format!("{}\r\n{}", &s[..pos], &s[pos..]));
            }
            for f in forms {
                prop_assert_eq!(decode_lenient(&f).unwrap(), data.clone(), "{}", f);
            }
        }

        #[test]
        fn agrees_with_non_strict_url_decoder(s in "[A-Za-z0-9_-]{0,40}") {
            match decode_lenient(&s) {
                Ok(v) => prop_assert_eq!(v, reference_engine().decode(&s).unwrap()),
                Err(e) => {
                    prop_assert_eq!(s.len() % 4, 1);
                    prop_assert_eq!(e.offset, s.len() - 1);
                }
            }
        }

        #[test]
        fn never_panics_and_offsets_are_in_bounds(s in "\\PC{0,40}") {
            if let Err(e) = decode_lenient(&s) {
                prop_assert!(e.offset < s.len());
            }
        }

        #[test]
        fn std_encoding_is_stable(data in proptest::collection::vec(any::<u8>(), 16)) {
            let enc = encode_std(&data);
            prop_assert_eq!(enc.len(), 24);
            prop_assert_eq!(decode_lenient(&enc).unwrap(), data);
        }
    }
}
