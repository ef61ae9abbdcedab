//! The `processor` binary: see the library for what it does.
#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> std::process::ExitCode {
    platform::service::main::<processor::Processor>()
}
