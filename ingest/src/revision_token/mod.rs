//! Revision tokens: what a device must send back to revise keys it uploaded earlier.

pub mod codec;
pub mod keyring;

pub use codec::{Opened, TokenCodec};
pub use keyring::KeyRing;
