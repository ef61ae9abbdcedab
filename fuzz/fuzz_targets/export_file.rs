//! The export-file reader (zip with export.bin and export.sig): any bytes are read or refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = exporter::format::read::read_file(data);
});
