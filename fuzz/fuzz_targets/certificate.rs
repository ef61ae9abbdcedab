//! The verification certificate (JWT) parser: header, claims and signature segments of any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ingest::certificate::jwt::parse(text);
        for segment in text.split('.') {
            let _ = ingest::certificate::jwt::decode_segment(segment);
        }
    }
});
