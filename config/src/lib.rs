//! The configuration read model: what every service knows of `en.config`, the compacted topic
//! the admin service writes health authorities, their keys, authorized apps, export configs and
//! signature infos to.
//!
//! - [`snapshot`]: [`ConfigSnapshot`], the entities as of one position of the log;
//! - [`follower`]: [`ConfigLog`], which reads the topic from its beginning and keeps following
//!   it, publishing a new immutable snapshot after every change.
//!
//! Only services that read configuration depend on this crate (ingest, admin, exporter); the
//! admin service is its only writer.

pub mod follower;
pub mod snapshot;

pub use follower::ConfigLog;
pub use snapshot::ConfigSnapshot;
