//! `PublishPolicy`: the behaviour settings of the publish rules.
//!
//! A plain value (no environment access here): services build it from their configuration and it
//! travels inside events, so that replaying an event applies the settings in force when it was
//! received. Durations serialise as whole seconds; missing fields take their defaults so the
//! event format can grow.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the publish transform (reference env names in brackets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublishPolicy {
    /// Most keys accepted in one publish (`MAX_KEYS_ON_PUBLISH`, 30).
    pub max_keys_on_publish: u32,
    /// Most keys sharing one start interval (`MAX_SAME_START_INTERVAL_KEYS`, 3).
    pub max_same_start_interval_keys: u32,
    /// Oldest acceptable key age, also the revision-token retention
    /// (`MAX_INTERVAL_AGE_ON_PUBLISH`, 360h).
    #[serde(with = "duration_secs")]
    pub max_interval_age: Duration,
    /// Granularity of `created_at` and of the embargo time (`TRUNCATE_WINDOW`, 1h).
    #[serde(with = "duration_secs")]
    pub truncate_window: Duration,
    /// Largest accepted |days since symptom onset| of a key (`MAX_SYMPTOM_ONSET_DAYS`; 21 per
    /// the project's seed, where the reference uses 14).
    pub max_symptom_onset_days: u32,
    /// How many days back a supplied onset may lie (`MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS`, 28).
    pub max_valid_symptom_onset_report_days: u32,
    /// Onset assumed when none usable was supplied (`DEFAULT_SYMPTOM_ONSET_DAYS_AGO`, 4).
    pub default_symptom_onset_days_ago: u32,
    /// Disable the embargo of still-valid keys (`DEBUG_RELEASE_SAME_DAY_KEYS`, false; dev only).
    pub debug_release_same_day_keys: bool,
    /// Reference behaviour: drop invalid keys and report `partial_failure` instead of rejecting
    /// the whole batch (`ALLOW_PARTIAL_FAILURE`, false).
    pub allow_partial_failure: bool,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        Self {
            max_keys_on_publish: 30,
            max_same_start_interval_keys: 3,
            max_interval_age: Duration::from_secs(360 * 3600),
            truncate_window: Duration::from_secs(3600),
            max_symptom_onset_days: 21,
            max_valid_symptom_onset_report_days: 28,
            default_symptom_onset_days_ago: 4,
            debug_release_same_day_keys: false,
            allow_partial_failure: false,
        }
    }
}

/// A setting outside the range the reference accepts at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `MAX_KEYS_ON_PUBLISH` must be > 0.
    #[error("MAX_KEYS_ON_PUBLISH must be > 0")]
    MaxKeysOnPublish,
    /// `MAX_SAME_START_INTERVAL_KEYS` must be >= 1.
    #[error("MAX_SAME_START_INTERVAL_KEYS must be >= 1")]
    MaxSameStartIntervalKeys,
    /// `MAX_SYMPTOM_ONSET_DAYS` must be > 0.
    #[error("MAX_SYMPTOM_ONSET_DAYS must be > 0")]
    MaxSymptomOnsetDays,
    /// `MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS` must be > 0.
    #[error("MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS must be > 0")]
    MaxValidSymptomOnsetReportDays,
}

impl PublishPolicy {
    /// Every problem with the settings (empty when valid), for services to report at startup.
    /// The transform itself never panics on an invalid policy.
    pub fn validate(&self) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        if self.max_keys_on_publish == 0 {
            errors.push(PolicyError::MaxKeysOnPublish);
        }
        if self.max_same_start_interval_keys == 0 {
            errors.push(PolicyError::MaxSameStartIntervalKeys);
        }
        if self.max_symptom_onset_days == 0 {
            errors.push(PolicyError::MaxSymptomOnsetDays);
        }
        if self.max_valid_symptom_onset_report_days == 0 {
            errors.push(PolicyError::MaxValidSymptomOnsetReportDays);
        }
        errors
    }
}

/// Serde adapter: a `Duration` as whole seconds (sub-second parts are dropped).
mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seed() {
        let p = PublishPolicy::default();
        assert_eq!(p.max_keys_on_publish, 30);
        assert_eq!(p.max_same_start_interval_keys, 3);
        assert_eq!(p.max_interval_age, Duration::from_secs(15 * 86_400));
        assert_eq!(p.truncate_window, Duration::from_secs(3600));
        assert_eq!(p.max_symptom_onset_days, 21);
        assert_eq!(p.max_valid_symptom_onset_report_days, 28);
        assert_eq!(p.default_symptom_onset_days_ago, 4);
        assert!(!p.debug_release_same_day_keys);
        assert!(!p.allow_partial_failure);
        assert!(p.validate().is_empty());
    }

    #[test]
    fn serde_uses_seconds_and_defaults() {
        let p = PublishPolicy::default();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["max_interval_age"], 1_296_000);
        assert_eq!(json["truncate_window"], 3600);
        let back: PublishPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        let partial: PublishPolicy =
            serde_json::from_str(r#"{"allow_partial_failure":true,"truncate_window":60}"#).unwrap();
        assert!(partial.allow_partial_failure);
        assert_eq!(partial.truncate_window, Duration::from_secs(60));
        assert_eq!(partial.max_keys_on_publish, 30);
    }

    #[test]
    fn validate_reports_every_problem() {
        let p = PublishPolicy {
            max_keys_on_publish: 0,
            max_same_start_interval_keys: 0,
            max_symptom_onset_days: 0,
            max_valid_symptom_onset_report_days: 0,
            ..PublishPolicy::default()
        };
        assert_eq!(p.validate().len(), 4);
    }
}
