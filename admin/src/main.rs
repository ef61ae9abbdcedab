//! The `admin` binary: the shared service `main` around [`admin::Admin`].

fn main() -> std::process::ExitCode {
    platform::service::main::<admin::Admin>()
}
