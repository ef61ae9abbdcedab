//! The query store's schema migrations, embedded in the binary.

use platform::pg::Migration;

/// Every migration of the query store, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "exposure",
        sql: include_str!("../migrations/0001_exposure.sql"),
    },
    Migration {
        version: 2,
        name: "partial_indexes",
        sql: include_str!("../migrations/0002_partial_indexes.sql"),
    },
    Migration {
        version: 3,
        name: "upload_digest",
        sql: include_str!("../migrations/0003_upload_digest.sql"),
    },
];
