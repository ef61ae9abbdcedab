//! The `exporter` binary.
#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> std::process::ExitCode {
    platform::service::main::<exporter::Exporter>()
}
