//! Plumbing shared by every service binary, so each service crate holds only its own logic.
//!
//! - [`allocator`]: the global allocator every binary declares;
//! - [`env`]: typed settings from environment variables, reporting every problem at once;
//! - [`telemetry`]: one tracing setup for all services;
//! - [`shutdown`]: SIGTERM/SIGINT into one cancellation token;
//! - [`metrics`]: Prometheus metrics made and registered in one step;
//! - [`opaque`]: a field `Debug` shows as `..` (clients without a debug form);
//! - [`ops`]: `/health`, `/ready` and `/metrics` on a service's ops listener;
//! - [`http_server`]: the hardened HTTP/1 server every listener runs on ([`io_activity`]);
//! - [`log_text`]: clipping client input before it reaches a log line;
//! - [`kafka`]: client settings, topic names and creation, the idempotent producer, the
//!   consumer context of readers that follow a topic to its end;
//! - [`kafka_security`]: SASL/SCRAM and TLS settings applied to every Kafka client;
//! - [`kafka_probe`]: the start-up check that the brokers accept this client;
//! - [`pg`]: PostgreSQL pools and the migration runner;
//! - [`service`]: the `Service` trait and the shared `main` of every binary.

pub mod allocator;
pub mod env;
pub mod http_server;
pub mod io_activity;
pub mod kafka;
pub mod kafka_consumers;
pub mod kafka_probe;
pub mod kafka_security;
pub mod log_text;
pub mod metrics;
pub mod opaque;
pub mod ops;
pub mod pg;
pub mod service;
pub mod shutdown;
pub mod skeleton;
pub mod telemetry;
