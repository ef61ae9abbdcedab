//! The `processor` binary: see the library for what it does.
fn main() -> std::process::ExitCode {
    platform::service::main::<processor::Processor>()
}
