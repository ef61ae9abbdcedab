//! Integration tests against the real Kafka and PostgreSQL.
