//! `ingest`: the edge HTTP service of the key server. It serves `POST /v1/publish`,
//! wire-compatible with Google's reference server, runs every check that needs no stored state,
//! and makes accepted requests durable as `PublishReceived` events on Kafka before answering.
//!
//! Request path:
//!
//! 1. [`chaff`] answers `X-Chaff` requests before anything else (delays ended by [`chaff_clock`]);
//! 2. [`api`] checks `Content-Type` and size and decodes the JSON with Go's rules ([`gojson`]);
//! 3. [`publish::checks`] looks up the authorized app and its regions in the configuration
//!    snapshot, verifies the [`certificate`], opens the [`revision_token`] and runs the domain
//!    transform;
//! 4. [`publish::handler`] enqueues the event ([`enqueue`]), waits for its [`outcome`] and
//!    answers — from the outcome, or in degraded mode from its own validation.
//!
//! Invariants: ingest never talks to PostgreSQL; no log line or event holds an IP address, a
//! user agent, key material, a token, an HMAC secret or a certificate.

pub mod api;
pub mod body_deadline;
pub mod body_read;
pub mod certificate;
pub mod chaff;
pub mod chaff_clock;
pub mod chaff_tracker;
pub mod client_platform;
pub mod codes;
pub mod edge_rules;
pub mod enqueue;
pub mod gojson;
pub mod metrics;
pub mod outcome;
pub mod publish;
pub mod revision_token;
pub mod router;
pub mod service;
pub mod settings;
pub mod state;

#[cfg(test)]
mod kit;

pub use service::Ingest;
pub use settings::Settings;
