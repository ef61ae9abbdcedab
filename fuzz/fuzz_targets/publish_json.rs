//! The Go-compatible JSON decoder of `POST /v1/publish` and `/v1alpha1/publish` bodies: any
//! bytes, whole or cut at the size limit, decode or fail with an error; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (flag, body) = data.split_first().map_or((0, data), |(f, rest)| (*f, rest));
    let truncated = flag & 1 == 1;
    let _ = ingest::api::request::decode_v1(body, truncated);
    let _ = ingest::api::request::decode_v1alpha1(body, truncated);
});
