//! Revision-token keys: several AES-256-SIV keys (64 bytes each) with ids, from
//! `REVISION_TOKEN_KEYS` or the file named by `REVISION_TOKEN_KEYS_FILE`.
//!
//! Format: `<key id>:<base64 of 64 bytes>[:<created YYYY-MM-DD>]`, one per line or
//! comma-separated. The **last** key encrypts new tokens; every key decrypts, so rotating is
//! "append a key, deploy, later drop the oldest". Key ids are short labels (1–64 bytes of
//! `[A-Za-z0-9._-]`), unique. The optional creation date feeds the key-age metric (the
//! `RevisionTokenKeyOld` alert); without it the age is unknown and not exported.

use std::fmt;

use chrono::NaiveDate;

/// Length of an AES-256-SIV key (two 256-bit keys).
pub const KEY_LEN: usize = 64;

/// One key and its id.
#[derive(Clone)]
pub struct TokenKey {
    /// The id written into tokens (not secret).
    pub id: String,
    /// The key material.
    pub(crate) key: [u8; KEY_LEN],
    /// When the key was made (UTC day), if the configuration says.
    pub created: Option<NaiveDate>,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .field("created", &self.created)
            .finish()
    }
}

/// The keys in configuration order; the last one encrypts.
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<TokenKey>,
}

impl KeyRing {
    /// Parses the key list; returns every problem found (never the key material).
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let mut keys: Vec<TokenKey> = Vec::new();
        let mut problems = Vec::new();
        let entries = text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'));
        for (n, entry) in entries.enumerate() {
            let position = n + 1;
            let Some((id, rest)) = entry.split_once(':') else {
                problems.push(format!(
                    "revision token key #{position} is not `<key id>:<base64>`"
                ));
                continue;
            };
            let id = id.trim();
            let valid_id = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
            if !valid_id {
                problems.push(format!(
                    "revision token key #{position} has an invalid id (1-64 characters of A-Z a-z 0-9 . _ -)"
                ));
                continue;
            }
            // Base64 has no ':', so a second one starts the creation date.
            let (material, created) = match rest.split_once(':') {
                None => (rest, None),
                Some((material, date)) => {
                    match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
                        Ok(day) => (material, Some(day)),
                        Err(_) => {
                            problems.push(format!(
                                "revision token key {id:?} has an invalid creation date (YYYY-MM-DD)"
                            ));
                            continue;
                        }
                    }
                }
            };
            if keys.iter().any(|k| k.id == id) {
                problems.push(format!("revision token key id {id:?} is used twice"));
                continue;
            }
            match domain::base64::decode_lenient(material.trim())
                .ok()
                .and_then(|b| <[u8; KEY_LEN]>::try_from(b).ok())
            {
                Some(key) => keys.push(TokenKey {
                    id: id.to_owned(),
                    key,
                    created,
                }),
                None => problems.push(format!(
                    "revision token key {id:?} is not base64 of exactly {KEY_LEN} bytes"
                )),
            }
        }
        if keys.is_empty() && problems.is_empty() {
            problems.push("no revision token keys configured".to_owned());
        }
        if problems.is_empty() {
            Ok(Self { keys })
        } else {
            Err(problems)
        }
    }

    /// The key new tokens are encrypted with.
    pub fn current(&self) -> Option<&TokenKey> {
        self.keys.last()
    }

    /// The key with this id, if configured.
    pub fn get(&self, id: &str) -> Option<&TokenKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Key ids, in order (for logs).
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64(n: usize, fill: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode(vec![fill; n])
    }

    #[test]
    fn lines_and_commas() {
        let text = format!(
            "1:{}\n# comment\n\n2:{}, 3:{}",
            b64(64, 1),
            b64(64, 2),
            b64(64, 3)
        );
        let ring = KeyRing::parse(&text).unwrap();
        assert_eq!(ring.ids(), ["1", "2", "3"]);
        assert_eq!(ring.current().unwrap().id, "3");
        assert_eq!(ring.get("2").unwrap().key, [2u8; 64]);
        assert!(ring.get("4").is_none());
    }

    #[test]
    fn problems_are_all_reported_without_material() {
        let secret = b64(32, 9);
        let text = format!(
            "nocolon,bad id:{},1:{secret},1:{},2:{}",
            b64(64, 1),
            b64(64, 1),
            b64(64, 1)
        );
        let problems = KeyRing::parse(&text).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().all(|p| !p.contains(&secret)));
        assert_eq!(
            KeyRing::parse("").unwrap_err(),
            ["no revision token keys configured"]
        );
    }

    #[test]
    fn creation_dates_are_optional_and_checked() {
        let text = format!("1:{}:2026-11-20\n2:{}", b64(64, 1), b64(64, 2));
        let ring = KeyRing::parse(&text).unwrap();
        assert_eq!(
            ring.get("1").unwrap().created,
            NaiveDate::from_ymd_opt(2026, 11, 20)
        );
        assert_eq!(ring.current().unwrap().created, None);
        let secret = b64(64, 3);
        let problems = KeyRing::parse(&format!("1:{secret}:20-11-2026")).unwrap_err();
        assert_eq!(
            problems,
            ["revision token key \"1\" has an invalid creation date (YYYY-MM-DD)"]
        );
    }

    #[test]
    fn debug_redacts() {
        let ring = KeyRing::parse(&format!("k:{}", b64(64, 7))).unwrap();
        assert!(!format!("{ring:?}").contains("7, 7"));
    }
}
