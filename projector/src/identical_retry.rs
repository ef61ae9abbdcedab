//! Identical retries: an upload without a revision token whose keys all exist
//! already, every one stored by an upload with the same digest of certificate and HMAC key
//! (`domain::upload_digest`, carried by the processed event) and the same interval, is answered
//! like the first upload (200, its `insertedExposures`, a fresh token for those keys) and changes
//! nothing. The reference answers `missing_revision_token`, which locks a phone whose answer was
//! lost out of its own keys. Anything not identical keeps the reference rules.
//!
//! The certificate must still be valid: ingest verified it again for the retry, and only verified
//! uploads carry a digest (bypassed ones never match). The digest is stored per key in
//! `exposure.upload_digest`, written in the batch's transaction, so replays and rebuilds
//! reproduce it.

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::Transaction;
use domain::{next_token_entries, Exposure, ReportType, RevisableKey, StoredExposure, TokenState};
use schemas::publish::{PublishOutcome, PublishProcessed};

/// Stored digests by key.
pub type Digests = HashMap<String, Vec<u8>>;

/// The event's digest as bytes (`None` when absent or not base64).
pub fn event_digest(event: &PublishProcessed) -> Option<Vec<u8>> {
    domain::base64::decode_lenient(event.upload_digest.as_deref()?).ok()
}

/// The answer to an identical retry, or `None` when the event is not one.
pub fn recognise(
    event: &PublishProcessed,
    token: &TokenState,
    incoming: &[Exposure],
    stored: &HashMap<String, StoredExposure>,
    digests: &Digests,
) -> Option<PublishOutcome> {
    if !matches!(token, TokenState::Absent) || incoming.is_empty() {
        return None;
    }
    let digest = event_digest(event)?;
    let mut processed = Vec::with_capacity(incoming.len());
    for exposure in incoming {
        let row = stored.get(&exposure.key)?;
        let same = digests.get(&exposure.key) == Some(&digest)
            && row.interval_number == exposure.interval_number
            && row.interval_count == exposure.interval_count.get();
        if !same {
            return None;
        }
        processed.push(exposure.revisable_key());
    }
    let inserted = incoming
        .iter()
        .filter(|e| e.report_type != ReportType::Negative)
        .count();
    let max_age = Duration::from_secs(u64::try_from(event.max_interval_age_seconds).unwrap_or(0));
    let entries: Vec<RevisableKey> = next_token_entries(&[], &processed, event.batch_time, max_age);
    Some(PublishOutcome {
        reply_to: event.reply_to.clone(),
        status: 200,
        code: None,
        error: None,
        inserted: u32::try_from(inserted).unwrap_or(u32::MAX),
        revised: 0,
        dropped: 0,
        warnings: event.warnings.clone(),
        token_entries: entries
            .iter()
            .map(schemas::publish::RevisableKey::from)
            .collect(),
    })
}

/// The digests stored for `keys` (rows the caller locked in this transaction).
pub async fn stored_digests(
    client: &Transaction<'_>,
    keys: &[&str],
) -> Result<Digests, tokio_postgres::Error> {
    if keys.is_empty() {
        return Ok(Digests::new());
    }
    let statement = client
        .prepare_cached(
            "SELECT exposure_key, upload_digest FROM exposure
             WHERE exposure_key = ANY($1) AND upload_digest IS NOT NULL",
        )
        .await?;
    let rows = client.query(&statement, &[&keys]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
