//! The `admin` binary: the shared service `main` around [`admin::Admin`].

#[global_allocator]
static ALLOCATOR: platform::allocator::Allocator = platform::allocator::ALLOCATOR;

fn main() -> std::process::ExitCode {
    platform::service::main::<admin::Admin>()
}
