//! The verification certificate: an ES256 JWT from a health authority's verification server that
//! binds a diagnosis (report type, onset) to exactly the uploaded keys through `tekmac`.

pub mod jwt;
pub mod keys;
pub mod verify;

pub use keys::KeyCache;
pub use verify::{verify, CertificateInput, Verification, NOT_VALID_YET};
