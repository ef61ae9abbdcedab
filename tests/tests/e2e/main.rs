//! End-to-end tests against the real Kafka and PostgreSQL (one binary, modules per flow).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod admin_api;
mod admin_console;
mod analyst;
mod dashboard;
mod edge_listener;
mod edge_publish;
mod event_schemas;
mod export_flow;
mod export_store;
mod kafka_security;
mod load_faults;
mod loadgen_run;
mod lost_commits;
mod pipeline;
mod publish_flow;
mod publish_kafka;
mod publish_logs;
mod publish_outcomes;
mod repeats;
mod replay;
mod replay_retention;
mod stack;
mod stats;
mod stats_api;
