//! The `ingest` binary: everything lives in the library.

#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> std::process::ExitCode {
    platform::service::main::<ingest::Ingest>()
}
