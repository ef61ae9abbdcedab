//! The `ingest` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    platform::service::main::<ingest::Ingest>()
}
