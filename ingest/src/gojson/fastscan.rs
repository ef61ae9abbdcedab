//! Word-at-a-time scanning for the long runs the JSON scanner would otherwise walk one byte at a
//! time: string contents (certificates, tokens, padding) and digits of numbers.
//!
//! Eight bytes are tested at once with the classic "has a zero byte" bit trick, in safe code.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bytes of `x` that are zero get their high bit set (exact for the first zero byte).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Bytes of `x` below `n` (`n <= 128`) get their high bit set (exact for the first such byte).
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// Length of the leading run of bytes that are neither `"`, `\` nor control characters.
pub fn plain_string_run(bytes: &[u8]) -> usize {
    let mut i = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let special = zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(x ^ (ONES * u64::from(b'\\')))
            | bytes_below(x, 0x20);
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + chunks
        .remainder()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(chunks.remainder().len())
}

/// Length of the leading run of ASCII digits.
pub fn digit_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .unwrap_or(bytes.len())
    }

    #[test]
    fn finds_each_special_byte() {
        assert_eq!(plain_string_run(b"abcdefghijkl\"x"), 12);
        assert_eq!(plain_string_run(b"abc\\"), 3);
        assert_eq!(plain_string_run(b"abcdefgh\x01"), 8);
        assert_eq!(plain_string_run(b"\xff\xfe\x80abcdefgh"), 11);
        assert_eq!(plain_string_run(b""), 0);
        assert_eq!(digit_run(b"12345,"), 5);
    }

    proptest! {
        #[test]
        fn agrees_with_the_byte_loop(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(plain_string_run(&bytes), naive(&bytes));
        }

        #[test]
        fn agrees_on_mostly_plain_text(s in "[ -~]{0,40}", tail in any::<u8>()) {
            let mut bytes = s.into_bytes();
            bytes.push(tail);
            prop_assert_eq!(plain_string_run(&bytes), naive(&bytes));
        }
    }
}
