//! Named operator accounts for the console, from the file named by `ADMIN_OPERATORS_FILE`.
//!
//! One account per line, `name:credential`; blank lines and lines starting with `#` are
//! ignored. The credential is either
//!
//! - `sha256:<salt>:<hex digest>` where the digest is SHA-256 of the salt text immediately
//!   followed by the password (e.g. `salt=$(openssl rand -hex 16); printf '%s%s' "$salt"
//!   "$password" | sha256sum`), so the file holds no password; or
//! - a plain password of at least 16 characters (kept in memory only as its SHA-256 digest;
//!   spaces around it are ignored).
//!
//! A salted SHA-256 is fast to compute, so it protects long random passwords, not short
//! memorable ones: generate passwords (the sign-in throttle covers online guessing only).
//! Names are 1–64 characters of `A-Z a-z 0-9 . _ @ -`, unique regardless of case, and may not be
//! one of the actors the service itself records (`admin-token`, `jwks-sync`). The name is the
//! audit actor of the operator's changes. Problems are reported with their line number, never
//! with the line's content.

use std::fmt;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::auth::MIN_TOKEN_LEN;

/// Actors the service records itself; no operator may take these names.
pub const RESERVED_NAMES: &[&str] = &["admin-token", "jwks-sync"];

/// Longest operator name.
pub const MAX_NAME_LEN: usize = 64;

#[derive(Clone, PartialEq, Eq)]
struct Operator {
    name: String,
    salt: Vec<u8>,
    digest: [u8; 32],
}

fn salted_digest(salt: &[u8], password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

fn parse_hex_digest(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut digest = [0u8; 32];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(digest)
}

fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

/// The configured operator accounts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Operators {
    accounts: Vec<Operator>,
}

impl fmt::Debug for Operators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Operators({} configured)", self.accounts.len())
    }
}

impl Operators {
    /// No accounts: only admin tokens sign in.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses the file's content; every problem is reported, by line number.
    pub fn parse(content: &str) -> Result<Self, Vec<String>> {
        let mut accounts: Vec<Operator> = Vec::new();
        let mut problems = Vec::new();
        for (index, line) in content.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, credential)) = line.split_once(':') else {
                problems.push(format!(
                    "operators file line {number}: expected name:credential"
                ));
                continue;
            };
            let (name, credential) = (name.trim(), credential.trim());
            if !valid_name(name) {
                problems.push(format!(
                    "operators file line {number}: the name must be 1-{MAX_NAME_LEN} characters of A-Z a-z 0-9 . _ @ -"
                ));
                continue;
            }
            if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                problems.push(format!(
                    "operators file line {number}: the name is reserved for the service's own changes"
                ));
                continue;
            }
            if accounts.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
                problems.push(format!(
                    "operators file line {number}: the name is already used by an earlier line"
                ));
                continue;
            }
            let operator = match credential.strip_prefix("sha256:") {
                Some(salted) => match salted.split_once(':') {
                    Some((salt, digest)) if !salt.is_empty() => match parse_hex_digest(digest) {
                        Some(digest) => Operator {
                            name: name.to_owned(),
                            salt: salt.as_bytes().to_vec(),
                            digest,
                        },
                        None => {
                            problems.push(format!(
                                "operators file line {number}: the digest must be 64 hex characters"
                            ));
                            continue;
                        }
                    },
                    _ => {
                        problems.push(format!(
                            "operators file line {number}: expected sha256:<salt>:<hex digest>"
                        ));
                        continue;
                    }
                },
                None if credential.chars().count() >= MIN_TOKEN_LEN => Operator {
                    name: name.to_owned(),
                    salt: Vec::new(),
                    digest: salted_digest(&[], credential),
                },
                None => {
                    problems.push(format!(
                        "operators file line {number}: a plain password must be at least {MIN_TOKEN_LEN} characters"
                    ));
                    continue;
                }
            };
            accounts.push(operator);
        }
        if problems.is_empty() {
            Ok(Self { accounts })
        } else {
            Err(problems)
        }
    }

    /// Number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether there are no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The account's name (as configured) when `name` (any case) and `password` match.
    /// An unknown name costs the same digest as a known one.
    pub fn verify(&self, name: &str, password: &str) -> Option<&str> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name.trim()));
        let (salt, expected): (&[u8], [u8; 32]) = match account {
            Some(a) => (&a.salt, a.digest),
            None => (b"no-such-operator", [0u8; 32]),
        };
        let presented = salted_digest(salt, password);
        let matched: bool = presented.ct_eq(&expected).into();
        match account {
            Some(a) if matched => Some(a.name.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn salted_and_plain_accounts_verify() {
        let salt = "0a1b2c3d";
        let digest = hex_of(&salted_digest(salt.as_bytes(), "correct horse battery"));
        let file =
            format!("# operators\n\nalice:sha256:{salt}:{digest}\n bob : a-long-plain-password\n");
        let operators = Operators::parse(&file).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(operators.len(), 2);
        assert_eq!(
            operators.verify("alice", "correct horse battery"),
            Some("alice")
        );
        assert_eq!(
            operators.verify("ALICE", "correct horse battery"),
            Some("alice")
        );
        assert_eq!(operators.verify("alice", "correct horse batter"), None);
        assert_eq!(
            operators.verify("bob", "a-long-plain-password"),
            Some("bob")
        );
        assert_eq!(operators.verify("carol", "a-long-plain-password"), None);
        assert_eq!(format!("{operators:?}"), "Operators(2 configured)");
    }

    #[test]
    fn every_bad_line_is_reported_by_number_without_its_content() {
        let file = "no-colon\nbad name:a-long-plain-password\nadmin-token:a-long-plain-password\n\
                    ok:a-long-plain-password\nOK:another-long-password\nshort:secret\n\
                    x:sha256:salt:abcd\ny:sha256::0000";
        let Err(problems) = Operators::parse(file) else {
            panic!("accepted")
        };
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(
            lines,
            [
                "operators file line 1",
                "operators file line 2",
                "operators file line 3",
                "operators file line 5",
                "operators file line 6",
                "operators file line 7",
                "operators file line 8"
            ]
        );
        assert!(problems
            .iter()
            .all(|p| !p.contains("secret") && !p.contains("plain-password")));
    }
}
