//! The admin service: the REST API through which operators configure health authorities, their
//! keys and authorized apps, plus the JWKS sync that maintains keys published by verification
//! servers.
//!
//! Every change is an event on the compacted `en.config` topic (and a copy on
//! `en.config.audit`); the admin holds no state of its own and reads the configuration back
//! through the same [`ConfigLog`](config::ConfigLog) every service uses.
//!
//! - [`validation`]: the rules, shared with the web console;
//! - [`writer`]: the single, serialised write path (why it is serialised is documented there);
//! - [`store`]: Kafka behind a small trait, with an in-memory twin for tests;
//! - [`routes`]: the HTTP API (described in `openapi.yaml`), [`auth`], [`error`];
//! - [`console`]: the operator's web console (sign-in, pages and forms over the same rules and
//!   writer);
//! - [`jwks`]: the JWKS sync job;
//! - [`settings`], [`metrics`], [`service`].

pub mod auth;
pub mod console;
pub mod error;
pub mod jwks;
pub mod metrics;
pub mod prometheus;
pub mod routes;
pub mod service;
pub mod settings;
pub mod store;
pub mod validation;
pub mod verb;
pub mod writer;

pub use service::Admin;
