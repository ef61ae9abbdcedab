//! Ids of new entities, given when a creation is validated: one more than the highest id the
//! snapshot holds (1 for the first).
//!
//! Sound only because every write runs under the config writer's lock against a snapshot that
//! already shows the previous write: two creations can never be given the same id.

use config::ConfigSnapshot;

/// The id the next new health authority gets.
pub fn next_health_authority_id(snapshot: &ConfigSnapshot) -> i64 {
    after(snapshot.health_authorities().map(|e| e.id))
}

/// The id the next new export config gets.
pub fn next_export_config_id(snapshot: &ConfigSnapshot) -> i64 {
    after(snapshot.export_configs().map(|e| e.id))
}

/// The id the next new signature info gets.
pub fn next_signature_info_id(snapshot: &ConfigSnapshot) -> i64 {
    after(snapshot.signature_infos().map(|e| e.id))
}

fn after(ids: impl Iterator<Item = i64>) -> i64 {
    ids.max().map_or(1, |id| id.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_start_at_one_and_follow_the_highest() {
        assert_eq!(after(std::iter::empty()), 1);
        assert_eq!(after([3, 1, 7].into_iter()), 8);
    }
}
