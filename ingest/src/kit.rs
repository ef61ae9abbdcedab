//! The one test kit (crate `testkit`) as ingest's unit tests use it: its fixture applied to a
//! configuration snapshot, and its names.

pub use testkit::certs::tekmac;
pub use testkit::fixture::{app, APP};
pub use testkit::keys::key_days_ago;
pub use testkit::SigningAuthority as Signer;

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;

/// The fixture ([`testkit::fixture::changes`]) as the configuration snapshot of a service.
pub fn fixture(first: &Signer, second: &Signer, now: DateTime<Utc>) -> ConfigSnapshot {
    let mut snapshot = ConfigSnapshot::default();
    for change in testkit::fixture::changes(first, second, now) {
        snapshot.apply(&change);
    }
    snapshot
}
