//! Analysts' replay tools over the event log (the `analyst` binary; the point-in-time rebuild is
//! `projector rebuild --until`):
//!
//! - [`whatif`]: replay the recorded `en.publish.received` events through the same transform and
//!   projector code with changed settings ([`overrides`]) into a scratch database, and report
//!   how the decisions differ from the recorded ones ([`recorded`], [`report`]);
//! - [`history`]: the columnar upload history (Parquet or CSV), one row per upload, without key
//!   material.
//!
//! Every command only reads the topics and writes only where it is told (a scratch database, a
//! file). They see only what the topics still hold (`TEK_RETENTION` for the publish topics, a
//! day for outcomes) and say so when asked for more.

pub mod history;
pub mod overrides;
pub mod recorded;
pub mod report;
pub mod whatif;
