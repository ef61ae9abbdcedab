//! End-to-end tests against the real Kafka and PostgreSQL (one binary, modules per flow).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod admin_api;
mod admin_console;
mod event_schemas;
mod export_flow;
mod export_store;
mod load_faults;
mod pipeline;
mod publish_edge;
mod publish_flow;
mod repeats;
mod replay;
mod stack;
mod stats;
mod stats_api;
