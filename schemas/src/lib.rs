//! Wire types of the key server, and only those.
//!
//! Every message on a Kafka topic is an [`Envelope`] around one payload type of this crate. The
//! JSON Schema of every event is generated from these types and checked into `schemas/json/`;
//! `tests/schema_drift.rs` fails when the two disagree. Evolution is additive: consumers ignore
//! unknown fields, and a breaking change needs a new `schema_version`.
//!
//! This crate does no I/O. Services convert these types into their own domain types at the edge.

pub mod api;
pub mod codes;
pub mod config;
pub mod envelope;
pub mod publish;
pub mod topics;

pub use codes::ErrorCode;
pub use envelope::{Envelope, EnvelopeError, Event};
