//! The consumers the services run, by name: every Kafka consumer in the tree is one of these
//! profiles, so its offset handling is chosen by what it is for, not set key by key.
//!
//! | profile | who | group | offsets | starts at |
//! |---|---|---|---|---|
//! | `Worker` | processor, projector | the service's group (session timeout, static member id) | stored by the service once its work is durable, committed once a second | earliest |
//! | `Follower` | configuration read model, audit reader | a fresh `<name>-<uuid>`, never committed | none | earliest, reports partition ends |
//! | `Tail` | ingest's outcome listener | the instance's reply group, never committed | none | latest (assigned at exact ends) |
//! | `Reader` | gap probe, lag, replay ranges | a named query group, never committed | none | as assigned |
//!
//! Every profile reads `read_committed` and waits at most [`FETCH_WAIT_MAX_MS`] for an empty
//! fetch.

use rdkafka::ClientConfig;

use crate::kafka::{KafkaSettings, FETCH_WAIT_MAX_MS};

/// What a consumer is for (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerProfile<'a> {
    /// A member of consumer group `group` that stores an offset only after the work of the
    /// record is durable; the stored offsets are committed once a second and on shutdown, so
    /// a commit lost in a crash only means the work is done again (the consumers are
    /// idempotent).
    Worker { group: &'a str },
    /// A reader of a whole topic from its beginning, told when it reaches the end of each
    /// partition; its group (`name` and a fresh UUID) never commits.
    Follower { name: &'a str },
    /// A reader assigned at the current end of a topic, with group `group`, never committing.
    Tail { group: &'a str },
    /// A client that queries offsets and reads assigned ranges, with group `group`, never
    /// committing.
    Reader { group: &'a str },
}

impl KafkaSettings {
    /// The client configuration of a consumer with `profile`.
    pub fn consumer_config(&self, profile: ConsumerProfile<'_>) -> ClientConfig {
        let mut config = match profile {
            ConsumerProfile::Worker { group } => {
                let mut config = self.group_consumer_config(group);
                config
                    .set("enable.auto.commit", "true")
                    .set("auto.commit.interval.ms", "1000")
                    .set("auto.offset.reset", "earliest");
                config
            }
            ConsumerProfile::Follower { name } => {
                let mut config = self.client_config();
                config
                    .set("group.id", format!("{name}-{}", uuid::Uuid::new_v4()))
                    .set("enable.auto.commit", "false")
                    .set("enable.partition.eof", "true")
                    .set("auto.offset.reset", "earliest");
                config
            }
            ConsumerProfile::Tail { group } => {
                let mut config = self.client_config();
                config
                    .set("group.id", group)
                    .set("enable.auto.commit", "false")
                    .set("auto.offset.reset", "latest");
                config
            }
            ConsumerProfile::Reader { group } => {
                let mut config = self.client_config();
                config
                    .set("group.id", group)
                    .set("enable.auto.commit", "false");
                config
            }
        };
        config
            .set("enable.auto.offset.store", "false")
            .set("isolation.level", "read_committed")
            .set("fetch.wait.max.ms", FETCH_WAIT_MAX_MS);
        config
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings() -> KafkaSettings {
        KafkaSettings::local("127.0.0.1:9", "t")
    }

    #[test]
    fn only_workers_commit_and_every_profile_stores_offsets_by_hand() {
        let k = settings();
        let profiles = [
            ConsumerProfile::Worker { group: "g" },
            ConsumerProfile::Follower {
                name: "config-reader",
            },
            ConsumerProfile::Tail { group: "reply" },
            ConsumerProfile::Reader { group: "g-lag" },
        ];
        for profile in profiles {
            let c = k.consumer_config(profile);
            let commits = matches!(profile, ConsumerProfile::Worker { .. });
            assert_eq!(
                c.get("enable.auto.commit"),
                Some(if commits { "true" } else { "false" })
            );
            assert_eq!(c.get("enable.auto.offset.store"), Some("false"));
            assert_eq!(c.get("isolation.level"), Some("read_committed"));
            assert_eq!(c.get("fetch.wait.max.ms"), Some(FETCH_WAIT_MAX_MS));
        }
    }

    #[test]
    fn followers_get_a_fresh_group_and_see_partition_ends() {
        let k = settings();
        let a = k.consumer_config(ConsumerProfile::Follower {
            name: "config-reader",
        });
        let b = k.consumer_config(ConsumerProfile::Follower {
            name: "config-reader",
        });
        let (ga, gb) = (a.get("group.id").unwrap(), b.get("group.id").unwrap());
        assert!(ga.starts_with("config-reader-"), "{ga}");
        assert_ne!(ga, gb);
        assert_eq!(a.get("enable.partition.eof"), Some("true"));
        assert_eq!(a.get("auto.offset.reset"), Some("earliest"));
    }

    #[test]
    fn workers_join_their_group_and_tails_start_at_the_end() {
        let k = settings();
        let w = k.consumer_config(ConsumerProfile::Worker {
            group: "t.processor",
        });
        assert_eq!(w.get("group.id"), Some("t.processor"));
        assert!(w.get("session.timeout.ms").is_some());
        let t = k.consumer_config(ConsumerProfile::Tail { group: "reply-1" });
        assert_eq!(t.get("auto.offset.reset"), Some("latest"));
    }
}
