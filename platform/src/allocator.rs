//! The memory allocator of every service binary.
//!
//! Each `main.rs` declares `#[global_allocator] static ALLOCATOR: platform::allocator::Allocator`
//! so the services and their benchmarks run on the same allocator. mimalloc keeps the many small,
//! short-lived allocations of a request (decoded strings, keys, answers) off glibc's slower paths
//! (measured in `docs/performance.md`). It is built with `no_thp`: with transparent huge pages,
//! every batch's freshly faulted memory was zeroed 2 MiB at a time, which cost the projector about
//! a quarter of its CPU in the kernel (`clear_page_erms` in `perf`).

/// The allocator type to declare as `#[global_allocator]`.
pub type Allocator = mimalloc::MiMalloc;

/// The allocator value to declare as `#[global_allocator]`.
pub const ALLOCATOR: Allocator = mimalloc::MiMalloc;
