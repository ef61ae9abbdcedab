//! The admin's PEM parser for health-authority public keys.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = admin::validation::pem::parse_public_key_pem(text);
    }
});
