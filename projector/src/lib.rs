//! Writes processed publishes to the PostgreSQL query store, exactly once.
