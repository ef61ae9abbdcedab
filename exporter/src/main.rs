//! The `exporter` binary.
fn main() -> std::process::ExitCode {
    platform::service::main::<exporter::Exporter>()
}
