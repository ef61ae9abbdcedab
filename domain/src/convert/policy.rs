//! Publish settings: the domain [`PublishPolicy`] to and from the `PublishSettings` an event
//! carries (durations as whole seconds), so a replay decides under the settings the request was
//! accepted under.

use std::time::Duration;

use schemas::publish::PublishSettings;

use crate::policy::PublishPolicy;

/// The settings a request is accepted under: the policy, plus the app's revision rule (which is
/// not part of the transform's policy). Durations beyond `i64` seconds saturate.
pub fn publish_settings(policy: &PublishPolicy, allow_partial_revisions: bool) -> PublishSettings {
    PublishSettings {
        max_keys_on_publish: policy.max_keys_on_publish,
        max_same_start_interval_keys: policy.max_same_start_interval_keys,
        max_interval_age_seconds: whole_seconds(policy.max_interval_age),
        truncate_window_seconds: whole_seconds(policy.truncate_window),
        max_symptom_onset_days: policy.max_symptom_onset_days,
        max_valid_symptom_onset_report_days: policy.max_valid_symptom_onset_report_days,
        default_symptom_onset_days_ago: policy.default_symptom_onset_days_ago,
        debug_release_same_day_keys: policy.debug_release_same_day_keys,
        allow_partial_failure: policy.allow_partial_failure,
        allow_partial_revisions,
    }
}

/// A negative number of seconds on the wire reads as zero.
impl From<&PublishSettings> for PublishPolicy {
    fn from(settings: &PublishSettings) -> Self {
        PublishPolicy {
            max_keys_on_publish: settings.max_keys_on_publish,
            max_same_start_interval_keys: settings.max_same_start_interval_keys,
            max_interval_age: seconds(settings.max_interval_age_seconds),
            truncate_window: seconds(settings.truncate_window_seconds),
            max_symptom_onset_days: settings.max_symptom_onset_days,
            max_valid_symptom_onset_report_days: settings.max_valid_symptom_onset_report_days,
            default_symptom_onset_days_ago: settings.default_symptom_onset_days_ago,
            debug_release_same_day_keys: settings.debug_release_same_day_keys,
            allow_partial_failure: settings.allow_partial_failure,
        }
    }
}

/// Whole seconds on the wire as a duration; a negative value reads as zero.
pub(crate) fn seconds(wire: i64) -> Duration {
    Duration::from_secs(u64::try_from(wire).unwrap_or(0))
}

fn whole_seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_round_trips_through_the_settings() {
        let policy = PublishPolicy::default();
        let settings = publish_settings(&policy, true);
        assert!(settings.allow_partial_revisions);
        assert_eq!(settings.max_interval_age_seconds, 360 * 3600);
        assert_eq!(PublishPolicy::from(&settings), policy);
    }

    #[test]
    fn negative_seconds_read_as_zero() {
        assert_eq!(seconds(-5), Duration::ZERO);
    }
}
