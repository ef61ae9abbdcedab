//! The one test kit (crate `testkit`) as ingest's unit tests use it: its fixture applied to a
//! configuration snapshot, and its names.

pub use testkit::certs::tekmac;
pub use testkit::fixture::{app, APP};
pub use testkit::keys::{conformance_d19, key_days_ago};
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

/// Two generated signers (the fixture's first and second health authority), the time, and the
/// fixture as of that time: where every edge test starts.
pub fn generated_fixture() -> (Signer, Signer, DateTime<Utc>, ConfigSnapshot) {
    let signer = Signer::generate("v1");
    let other = Signer::generate("v1");
    let now = Utc::now();
    let config = fixture(&signer, &other, now);
    (signer, other, now, config)
}
