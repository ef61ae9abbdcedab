//! Expiring named locks shared by exporter instances (reference `AcquireLock`/`MultiLock`).
//!
//! A lock is a row with an expiry; taking it succeeds when no row exists or the row expired.
//! Several locks are taken together in one transaction, in sorted order, all or none. Release
//! deletes a row only if it still carries the expiry we set, so a lock that expired and was
//! taken by someone else is left alone.

use chrono::{DateTime, Utc};

use super::RepoError;

/// Locks held by this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLocks {
    held: Vec<(String, DateTime<Utc>)>,
}

/// Takes every lock in `ids` until `now + ttl`, or none of them if any is held.
pub async fn try_lock(
    pool: &deadpool_postgres::Pool,
    ids: &[String],
    now: DateTime<Utc>,
    ttl: std::time::Duration,
) -> Result<Option<HeldLocks>, RepoError> {
    let expires = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    let mut ids: Vec<&String> = ids.iter().collect();
    ids.sort();
    ids.dedup();
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let mut held = Vec::with_capacity(ids.len());
    for id in ids {
        let row = tx
            .query_opt(
                "INSERT INTO export_lock (lock_id, expires) VALUES ($1, $2)
                 ON CONFLICT (lock_id) DO UPDATE SET expires = EXCLUDED.expires
                 WHERE export_lock.expires < $3
                 RETURNING expires",
                &[id, &expires, &now],
            )
            .await?;
        match row {
            Some(row) => held.push((id.clone(), row.get(0))),
            None => {
                tx.rollback().await?;
                return Ok(None);
            }
        }
    }
    tx.commit().await?;
    Ok(Some(HeldLocks { held }))
}

/// Releases locks taken by [`try_lock`].
pub async fn unlock(pool: &deadpool_postgres::Pool, locks: &HeldLocks) -> Result<(), RepoError> {
    let client = pool.get().await?;
    for (id, expires) in &locks.held {
        client
            .execute(
                "DELETE FROM export_lock WHERE lock_id = $1 AND expires = $2",
                &[id, expires],
            )
            .await?;
    }
    Ok(())
}
