//! Recognising repeats on the processed topic.
//!
//! The processor writes without Kafka transactions: after a crash it produces the events of its
//! last uncommitted batch again. Each processed event carries the position of the received event
//! it came from, and within one processed partition those source offsets form an unbroken,
//! increasing run that may restart from an earlier offset after a crash (the repeats) and then
//! continue. So an event whose source offset is below the highest source offset seen so far (plus
//! one) in its source partition is a repeat of one already seen, and every reader (the projector,
//! rebuild, dump) skips it.

use std::collections::HashMap;

use schemas::publish::SourcePosition;

use crate::repository::Stream;

/// Next expected offset per stream (topic and partition): of the processed partitions a reader
/// consumes, and of the received partitions their events came from.
#[derive(Debug, Default)]
pub struct Frontier {
    next: HashMap<Stream, i64>,
}

impl Frontier {
    /// Starts from stored next offsets.
    pub fn from_stored(next: HashMap<Stream, i64>) -> Self {
        Self { next }
    }

    /// The next offsets after everything seen, to store.
    pub fn into_stored(self) -> HashMap<Stream, i64> {
        self.next
    }

    /// True if the record at `offset` of `topic`/`partition` was seen before; otherwise records
    /// it as seen.
    pub fn is_repeat(&mut self, topic: &str, partition: i32, offset: i64) -> bool {
        let next = self.next.entry((topic.to_owned(), partition)).or_insert(0);
        if offset < *next {
            return true;
        }
        *next = offset + 1;
        false
    }

    /// [`Frontier::is_repeat`] for the source position of a processed event.
    pub fn is_repeated_source(&mut self, source: &SourcePosition) -> bool {
        self.is_repeat(&source.topic, source.partition, source.offset)
    }

    /// [`Frontier::is_repeated_source`] for an envelope read as JSON (`payload.source`); events
    /// without a source position are never repeats.
    pub fn is_repeat_json(&mut self, envelope: &serde_json::Value) -> bool {
        let Some(source) = envelope
            .pointer("/payload/source")
            .and_then(|s| serde_json::from_value::<SourcePosition>(s.clone()).ok())
        else {
            return false;
        };
        self.is_repeated_source(&source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(partition: i32, offset: i64) -> SourcePosition {
        SourcePosition {
            topic: "received".into(),
            partition,
            offset,
        }
    }

    #[test]
    fn a_run_restarted_after_a_crash_is_seen_once() {
        let mut frontier = Frontier::default();
        // 10, 11, 12 produced; crash before the commit; 10..13 produced again.
        let seen: Vec<bool> = [10, 11, 12, 10, 11, 12, 13]
            .into_iter()
            .map(|o| frontier.is_repeated_source(&at(0, o)))
            .collect();
        assert_eq!(seen, [false, false, false, true, true, true, false]);
    }

    #[test]
    fn a_zombie_interleaved_with_its_successor_applies_each_offset_once() {
        // The old owner's in-flight 13 lands among the new owner's repeats of 10..13.
        let mut frontier = Frontier::default();
        let mut applied = Vec::new();
        for o in [10, 11, 12, 10, 13, 11, 12, 13, 14] {
            if !frontier.is_repeated_source(&at(0, o)) {
                applied.push(o);
            }
        }
        assert_eq!(applied, [10, 11, 12, 13, 14]);
    }

    #[test]
    fn partitions_and_stored_positions_are_independent() {
        let stored = HashMap::from([(("received".to_owned(), 0), 5)]);
        let mut frontier = Frontier::from_stored(stored);
        assert!(frontier.is_repeated_source(&at(0, 4)));
        assert!(!frontier.is_repeated_source(&at(0, 5)));
        assert!(!frontier.is_repeated_source(&at(1, 0)));
        assert!(!frontier.is_repeat("processed", 0, 0));
        let stored = frontier.into_stored();
        assert_eq!(stored[&("received".to_owned(), 0)], 6);
        assert_eq!(stored[&("received".to_owned(), 1)], 1);
        assert_eq!(stored[&("processed".to_owned(), 0)], 1);
    }

    #[test]
    fn json_events_without_a_source_are_not_repeats() {
        let mut frontier = Frontier::default();
        let old = serde_json::json!({"payload": {"authorizedApp": "a"}});
        assert!(!frontier.is_repeat_json(&old));
        assert!(!frontier.is_repeat_json(&old));
        let new = serde_json::json!({"payload": {"source": {"topic": "received", "partition": 0, "offset": 3}}});
        assert!(!frontier.is_repeat_json(&new));
        assert!(frontier.is_repeat_json(&new));
    }
}
