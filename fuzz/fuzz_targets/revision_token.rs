//! The revision-token opener: any token text is opened as valid, invalid or not base64, never a
//! panic; and a token this server mints always opens to the keys it holds.
#![no_main]

use std::sync::OnceLock;

use domain::RevisableKey;
use ingest::revision_token::{KeyRing, TokenCodec};
use libfuzzer_sys::fuzz_target;

fn codec() -> &'static TokenCodec {
    static CODEC: OnceLock<TokenCodec> = OnceLock::new();
    CODEC.get_or_init(|| {
        let ring = KeyRing::parse(
            "old:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==,\
             new:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw==",
        )
        .unwrap_or_else(|problems| panic!("fuzz key ring: {problems:?}"));
        TokenCodec::new(ring, 8)
    })
}

fuzz_target!(|data: &[u8]| {
    let codec = codec();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = codec.open("com.example.app", text);
    }
    // Round trip: the input's bytes become keys (24 bytes each).
    let keys: Vec<RevisableKey> = data
        .chunks_exact(24)
        .take(64)
        .filter_map(|c| {
            Some(RevisableKey {
                key_bytes: c.get(..16)?.try_into().ok()?,
                interval_number: i32::from_be_bytes(c.get(16..20)?.try_into().ok()?),
                interval_count: i32::from_be_bytes(c.get(20..24)?.try_into().ok()?),
            })
        })
        .filter(|k| !(k.interval_number == 0 && k.interval_count == 0))
        .collect();
    let token = codec.mint("com.example.app", &keys).expect("minting never fails with a key");
    match codec.open("com.example.app", &token) {
        ingest::revision_token::Opened::Valid(opened) => {
            assert!(opened == keys, "a minted token opened to other keys");
        }
        ingest::revision_token::Opened::Invalid => panic!("a minted token is invalid"),
        ingest::revision_token::Opened::NotBase64 => panic!("a minted token is not base64"),
    }
});
