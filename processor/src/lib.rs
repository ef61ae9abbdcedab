//! Applies certificate claims and metadata to received publishes.
