//! The admin's JWKS document parser (keys fetched from a health authority's JWKS URI).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = admin::jwks::document::parse_jwks(data);
});
