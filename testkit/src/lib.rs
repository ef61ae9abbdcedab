//! The one test kit: what every level of test builds its cases from.
//!
//! - [`certs`]: the certificate builder ([`SigningAuthority`]: a P-256 key generated per test,
//!   signing verification certificates as a health authority's verification server does, or any
//!   header and claims a test needs to get wrong on purpose).
//! - [`fixture`]: the conformance fixture (health authorities `iss1`/`aud1` and `iss2`/`aud2`,
//!   app `com.example.app` in region `US` accepting the first) as configuration changes, which a
//!   unit test applies to a snapshot and an end-to-end test writes to its `en.config` topic.
//! - [`keys`]: Temporary Exposure Keys `n` days old, interval numbers and HMAC secrets.
//!
//! It depends only on `schemas` and `domain`, so any crate can take it as a dev-dependency; the
//! stack, the clients and the process helpers of the end-to-end tests are in the `tests` crate
//! (library `harness`), which builds on this kit.

pub mod certs;
pub mod fixture;
pub mod keys;

pub use certs::SigningAuthority;
pub use fixture::APP;
