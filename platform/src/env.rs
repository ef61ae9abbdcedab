//! Typed settings from environment variables.
//!
//! [`Env`] reads variables through small typed getters and collects every problem instead of
//! stopping at the first, so a misconfigured service reports all of them at start-up and exits
//! non-zero. Every name read is recorded so tests can check names are unique per service.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A source of settings: the process environment, or a map in tests.
#[derive(Debug, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    problems: Vec<String>,
    read: Vec<&'static str>,
}

/// All problems found while reading settings.
#[derive(Debug, thiserror::Error)]
pub struct EnvErrors(pub Vec<String>);

impl fmt::Display for EnvErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.0.join("; "))
    }
}

/// A secret read from the environment or a file; `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret value. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Typed settings read from the environment. Every problem (a missing or unparsable variable) is
/// recorded in `env` instead of stopping at the first, so a service reports them all at once
/// ([`Env::finish`]).
pub trait FromEnv {
    /// Reads the settings; problems are recorded in `env`.
    fn from_env(env: &mut Env) -> Self;
}

impl Env {
    /// Settings from the process environment.
    pub fn from_process() -> Self {
        Self::from_map(std::env::vars())
    }

    /// Settings from explicit pairs (tests, embedding).
    pub fn from_map<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            problems: Vec::new(),
            read: Vec::new(),
        }
    }

    fn raw(&mut self, name: &'static str) -> Option<String> {
        self.read.push(name);
        self.vars
            .get(name)
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }

    /// Records a problem found by the caller's own validation.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    /// An optional string.
    pub fn opt_string(&mut self, name: &'static str) -> Option<String> {
        self.raw(name)
    }

    /// A string with a default.
    pub fn string(&mut self, name: &'static str, default: &str) -> String {
        self.raw(name).unwrap_or_else(|| default.to_owned())
    }

    /// A required string; records a problem when missing.
    pub fn required(&mut self, name: &'static str) -> String {
        match self.raw(name) {
            Some(v) => v,
            None => {
                self.problem(format!("{name} is required"));
                String::new()
            }
        }
    }

    /// A value parsed with `FromStr`, with a default.
    pub fn parse<T: FromStr>(&mut self, name: &'static str, default: T) -> T
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => default,
            Some(v) => match v.trim().parse() {
                Ok(parsed) => parsed,
                Err(e) => {
                    self.problem(format!("{name}={v:?} is invalid: {e}"));
                    default
                }
            },
        }
    }

    /// A boolean (`true`/`false`/`1`/`0`, case-insensitive), with a default.
    pub fn bool(&mut self, name: &'static str, default: bool) -> bool {
        match self.raw(name) {
            None => default,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    self.problem(format!("{name}={v:?} is not a boolean"));
                    default
                }
            },
        }
    }

    /// A duration in Go syntax (`360h`, `1m30s`, `500ms`), with a default.
    pub fn duration(&mut self, name: &'static str, default: Duration) -> Duration {
        match self.raw(name) {
            None => default,
            Some(v) => match parse_duration(&v) {
                Ok(d) => d,
                Err(e) => {
                    self.problem(format!("{name}={v:?} is not a duration: {e}"));
                    default
                }
            },
        }
    }

    /// A secret taken from `<NAME>` or from the file named by `<NAME>_FILE`.
    pub fn secret(&mut self, name: &'static str, file_name: &'static str) -> Option<Secret> {
        if let Some(v) = self.raw(name) {
            return Some(Secret(v));
        }
        let path = self.raw(file_name)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(Secret(text.trim().to_owned())),
            Err(e) => {
                self.problem(format!("{file_name}: cannot read {path}: {e}"));
                None
            }
        }
    }

    /// Names read so far (for uniqueness tests).
    pub fn names_read(&self) -> &[&'static str] {
        &self.read
    }

    /// Ends reading: `Ok` when no problem was recorded.
    pub fn finish(self) -> Result<(), EnvErrors> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(EnvErrors(self.problems))
        }
    }
}

/// Parses a Go-style duration: a sequence of `<number><unit>` with units h, m, s, ms, us, ns.
/// A bare `0` is accepted.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    if text.is_empty() {
        return Err("empty".into());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("missing unit in {text:?}"))?;
        let (num, after) = rest.split_at(num_len);
        let value: f64 = num.parse().map_err(|_| format!("bad number in {text:?}"))?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let seconds = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(format!("unknown unit {unit:?} in {text:?}")),
        };
        total += value * seconds;
        rest = next;
    }
    Duration::try_from_secs_f64(total).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("360h"), Ok(Duration::from_secs(360 * 3600)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn all_problems_are_reported_together() {
        let mut env = Env::from_map([("A", "x"), ("B", "maybe"), ("C", "1y")]);
        let _: u32 = env.parse("A", 1);
        let _ = env.bool("B", false);
        let _ = env.duration("C", Duration::ZERO);
        let _ = env.required("D");
        let Err(errors) = env.finish() else {
            panic!("expected errors")
        };
        assert_eq!(errors.0.len(), 4, "{errors}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
