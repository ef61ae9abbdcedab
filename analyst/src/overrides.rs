//! `--set NAME=VALUE`: the publish settings a what-if replay changes. Names are the services'
//! environment names of the behaviour settings (the publish policy) plus `ALLOW_PARTIAL_FAILURE`
//! and `ALLOW_PARTIAL_REVISIONS`; values are parsed as the services parse them. A changed
//! setting replaces the one each recorded event carries (the settings it was accepted under).

use schemas::publish::PublishSettings;

/// Why a `--set` argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("--set {0:?}: expected NAME=VALUE")]
    Shape(String),
    #[error("--set {name}: unknown setting; known: {}", SETTINGS.join(", "))]
    Unknown { name: String },
    #[error("--set {name}={value}: {problem}")]
    Value {
        name: String,
        value: String,
        problem: String,
    },
}

/// The settings `--set` accepts.
pub const SETTINGS: [&str; 10] = [
    "MAX_KEYS_ON_PUBLISH",
    "MAX_SAME_START_INTERVAL_KEYS",
    "MAX_INTERVAL_AGE_ON_PUBLISH",
    "TRUNCATE_WINDOW",
    "MAX_SYMPTOM_ONSET_DAYS",
    "MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS",
    "DEFAULT_SYMPTOM_ONSET_DAYS_AGO",
    "DEBUG_RELEASE_SAME_DAY_KEYS",
    "ALLOW_PARTIAL_FAILURE",
    "ALLOW_PARTIAL_REVISIONS",
];

/// One parsed, valid `--set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Override {
    MaxKeysOnPublish(u32),
    MaxSameStartIntervalKeys(u32),
    MaxIntervalAgeSeconds(i64),
    TruncateWindowSeconds(i64),
    MaxSymptomOnsetDays(u32),
    MaxValidSymptomOnsetReportDays(u32),
    DefaultSymptomOnsetDaysAgo(u32),
    DebugReleaseSameDayKeys(bool),
    AllowPartialFailure(bool),
    AllowPartialRevisions(bool),
}

impl Override {
    /// Parses `NAME=VALUE`.
    pub fn parse(arg: &str) -> Result<Self, OverrideError> {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| OverrideError::Shape(arg.to_owned()))?;
        let bad = |problem: String| OverrideError::Value {
            name: name.to_owned(),
            value: value.to_owned(),
            problem,
        };
        let count = |min: u32| -> Result<u32, OverrideError> {
            let n: u32 = value
                .parse()
                .map_err(|_| bad("expected a whole number".into()))?;
            if n < min {
                return Err(bad(format!("must be at least {min}")));
            }
            Ok(n)
        };
        let seconds = || -> Result<i64, OverrideError> {
            let d = platform::env::parse_duration(value).map_err(bad)?;
            if d.as_secs() == 0 {
                return Err(bad("must be at least 1s".into()));
            }
            i64::try_from(d.as_secs()).map_err(|_| bad("too long".into()))
        };
        let flag = || -> Result<bool, OverrideError> {
            match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(bad("expected true or false".into())),
            }
        };
        Ok(match name {
            "MAX_KEYS_ON_PUBLISH" => Self::MaxKeysOnPublish(count(1)?),
            "MAX_SAME_START_INTERVAL_KEYS" => Self::MaxSameStartIntervalKeys(count(1)?),
            "MAX_INTERVAL_AGE_ON_PUBLISH" => Self::MaxIntervalAgeSeconds(seconds()?),
            "TRUNCATE_WINDOW" => Self::TruncateWindowSeconds(seconds()?),
            "MAX_SYMPTOM_ONSET_DAYS" => Self::MaxSymptomOnsetDays(count(1)?),
            "MAX_VALID_SYMPTOM_ONSET_REPORT_DAYS" => {
                Self::MaxValidSymptomOnsetReportDays(count(1)?)
            }
            "DEFAULT_SYMPTOM_ONSET_DAYS_AGO" => Self::DefaultSymptomOnsetDaysAgo(count(0)?),
            "DEBUG_RELEASE_SAME_DAY_KEYS" => Self::DebugReleaseSameDayKeys(flag()?),
            "ALLOW_PARTIAL_FAILURE" => Self::AllowPartialFailure(flag()?),
            "ALLOW_PARTIAL_REVISIONS" => Self::AllowPartialRevisions(flag()?),
            _ => {
                return Err(OverrideError::Unknown {
                    name: name.to_owned(),
                })
            }
        })
    }

    /// Replaces the setting in `settings`.
    pub fn apply(self, settings: &mut PublishSettings) {
        match self {
            Self::MaxKeysOnPublish(n) => settings.max_keys_on_publish = n,
            Self::MaxSameStartIntervalKeys(n) => settings.max_same_start_interval_keys = n,
            Self::MaxIntervalAgeSeconds(s) => settings.max_interval_age_seconds = s,
            Self::TruncateWindowSeconds(s) => settings.truncate_window_seconds = s,
            Self::MaxSymptomOnsetDays(n) => settings.max_symptom_onset_days = n,
            Self::MaxValidSymptomOnsetReportDays(n) => {
                settings.max_valid_symptom_onset_report_days = n;
            }
            Self::DefaultSymptomOnsetDaysAgo(n) => settings.default_symptom_onset_days_ago = n,
            Self::DebugReleaseSameDayKeys(b) => settings.debug_release_same_day_keys = b,
            Self::AllowPartialFailure(b) => settings.allow_partial_failure = b,
            Self::AllowPartialRevisions(b) => settings.allow_partial_revisions = b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_as_the_services_parse_them() {
        assert_eq!(
            Override::parse("MAX_SYMPTOM_ONSET_DAYS=14"),
            Ok(Override::MaxSymptomOnsetDays(14))
        );
        assert_eq!(
            Override::parse("MAX_INTERVAL_AGE_ON_PUBLISH=240h"),
            Ok(Override::MaxIntervalAgeSeconds(240 * 3600))
        );
        assert_eq!(
            Override::parse("ALLOW_PARTIAL_FAILURE=true"),
            Ok(Override::AllowPartialFailure(true))
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        assert!(matches!(
            Override::parse("MAX_SYMPTOM_ONSET_DAYS"),
            Err(OverrideError::Shape(_))
        ));
        assert!(matches!(
            Override::parse("NOPE=1"),
            Err(OverrideError::Unknown { .. })
        ));
        let zero = Override::parse("MAX_SYMPTOM_ONSET_DAYS=0").unwrap_err();
        assert!(zero.to_string().contains("at least 1"), "{zero}");
        assert!(Override::parse("ALLOW_PARTIAL_FAILURE=maybe").is_err());
        assert!(Override::parse("TRUNCATE_WINDOW=soon").is_err());
    }

    #[test]
    fn an_override_replaces_only_its_setting() {
        let mut settings =
            domain::convert::publish_settings(&domain::PublishPolicy::default(), false);
        let before = settings.clone();
        Override::MaxSymptomOnsetDays(14).apply(&mut settings);
        assert_eq!(settings.max_symptom_onset_days, 14);
        settings.max_symptom_onset_days = 21;
        assert_eq!(settings, before);
    }
}
