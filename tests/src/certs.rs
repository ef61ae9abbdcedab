//! Verification certificates: the one certificate builder of the test kit (crate `testkit`),
//! and the claims and HMAC of the load generator (one implementation for tools and tests).

pub use loadgen::certificate::{tekmac, CertClaims};
pub use testkit::SigningAuthority;
