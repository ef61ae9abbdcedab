//! Server-side console sessions, held in memory.
//!
//! A session id is 256 random bits from the OS, sent to the browser in an `HttpOnly;
//! SameSite=Strict` cookie. The store keys sessions by the SHA-256 of the id, so neither a
//! memory dump nor the timing of a map lookup gives away a usable id. Each session carries its
//! own CSRF token (another 256 random bits) and the operator it belongs to, and ends after
//! `idle_timeout` without requests or `max_lifetime` after sign-in, whichever comes first.
//! Signing in always creates a fresh id (no fixation), and signing out deletes it.
//!
//! Sessions do not survive a restart of the admin service: operators simply sign in again.
//! The store is bounded; when full, expired sessions are dropped and then the least recently
//! used one. Time is passed in by the caller, so expiry is tested without waiting.

use crate::console::kit::shell::Flash;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// Most sessions held at once.
pub const MAX_SESSIONS: usize = 1000;

/// 32 random bytes from the OS, as 64 lower-case hex characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Whether `text` has the shape of a [`random_token`] (checked before any lookup).
pub fn is_token_shaped(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Compares two tokens in constant time (in their content).
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// The store's key for a session id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey([u8; 32]);

impl SessionKey {
    /// The key of session id `id`.
    pub fn of(id: &str) -> Self {
        Self(Sha256::digest(id.as_bytes()).into())
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// What a request learns about its session.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub key: SessionKey,
    /// The audit actor: an operator name, or `admin-token`.
    pub operator: String,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn")
            .field("operator", &self.operator)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Entry {
    operator: String,
    csrf: String,
    created: Instant,
    last_seen: Instant,
    flash: Option<Flash>,
}

/// Lifetimes of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Ends after this long without a request.
    pub idle_timeout: Duration,
    /// Ends this long after sign-in regardless of activity.
    pub max_lifetime: Duration,
}

/// The sessions of this admin process.
pub struct SessionStore {
    sessions: Mutex<HashMap<SessionKey, Entry>>,
    limits: SessionLimits,
    capacity: usize,
}

/// Shows the limits and the number of sessions, never their tokens.
impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("limits", &self.limits)
            .field("sessions", &self.len())
            .finish()
    }
}

impl SessionStore {
    /// An empty store.
    pub fn new(limits: SessionLimits) -> Self {
        Self::with_capacity(limits, MAX_SESSIONS)
    }

    /// An empty store holding at most `capacity` sessions.
    pub fn with_capacity(limits: SessionLimits, capacity: usize) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            limits,
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SessionKey, Entry>> {
        // A panic while holding the lock cannot leave an entry half-written (every update is a
        // single insert or field store), so the map is still consistent.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn expired(&self, entry: &Entry, now: Instant) -> bool {
        now.saturating_duration_since(entry.last_seen) >= self.limits.idle_timeout
            || now.saturating_duration_since(entry.created) >= self.limits.max_lifetime
    }

    /// Starts a session for `operator`; returns its id (for the cookie only).
    pub fn create(&self, operator: &str, now: Instant) -> String {
        let id = random_token();
        let mut sessions = self.lock();
        if sessions.len() >= self.capacity {
            sessions.retain(|_, entry| !self.expired(entry, now));
        }
        if sessions.len() >= self.capacity {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, entry)| entry.last_seen)
                .map(|(key, _)| *key);
            if let Some(oldest) = oldest {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            SessionKey::of(&id),
            Entry {
                operator: operator.to_owned(),
                csrf: random_token(),
                created: now,
                last_seen: now,
                flash: None,
            },
        );
        id
    }

    /// The live session with id `id`, marked as used at `now`; an expired one is removed.
    pub fn touch(&self, id: &str, now: Instant) -> Option<SignedIn> {
        if !is_token_shaped(id) {
            return None;
        }
        let key = SessionKey::of(id);
        let mut sessions = self.lock();
        let entry = sessions.get_mut(&key)?;
        if self.expired(entry, now) {
            sessions.remove(&key);
            return None;
        }
        entry.last_seen = now;
        Some(SignedIn {
            key,
            operator: entry.operator.clone(),
            csrf: entry.csrf.clone(),
        })
    }

    /// Ends a session.
    pub fn remove(&self, key: SessionKey) {
        self.lock().remove(&key);
    }

    /// Leaves a message for the session's next page.
    pub fn set_flash(&self, key: SessionKey, flash: Flash) {
        if let Some(entry) = self.lock().get_mut(&key) {
            entry.flash = Some(flash);
        }
    }

    /// Takes the waiting message, if any.
    pub fn take_flash(&self, key: SessionKey) -> Option<Flash> {
        self.lock()
            .get_mut(&key)
            .and_then(|entry| entry.flash.take())
    }

    /// Number of sessions held (live or not yet noticed as expired).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SessionLimits = SessionLimits {
        idle_timeout: Duration::from_secs(60),
        max_lifetime: Duration::from_secs(600),
    };

    #[test]
    fn ids_and_csrf_tokens_are_random_256_bit_hex() {
        let store = SessionStore::new(LIMITS);
        let now = Instant::now();
        let a = store.create("alice", now);
        let b = store.create("alice", now);
        assert!(is_token_shaped(&a) && is_token_shaped(&b) && a != b);
        let sa = store.touch(&a, now).unwrap_or_else(|| panic!("session"));
        let sb = store.touch(&b, now).unwrap_or_else(|| panic!("session"));
        assert!(is_token_shaped(&sa.csrf) && sa.csrf != sb.csrf && sa.csrf != a);
        assert_eq!(sa.operator, "alice");
        assert!(!format!("{sa:?}").contains(&sa.csrf));
        assert!(!format!("{store:?}").contains(&sa.csrf));
    }

    #[test]
    fn idle_sessions_expire_and_use_keeps_them_alive() {
        let store = SessionStore::new(LIMITS);
        let t0 = Instant::now();
        let id = store.create("op", t0);
        assert!(store.touch(&id, t0 + Duration::from_secs(59)).is_some());
        assert!(store.touch(&id, t0 + Duration::from_secs(118)).is_some());
        assert!(store.touch(&id, t0 + Duration::from_secs(178)).is_none());
        assert!(store.is_empty(), "expired session removed");
    }

    #[test]
    fn sessions_end_after_their_maximum_lifetime_even_when_used() {
        let store = SessionStore::new(LIMITS);
        let t0 = Instant::now();
        let id = store.create("op", t0);
        for step in 1..12 {
            assert!(store
                .touch(&id, t0 + Duration::from_secs(step * 50))
                .is_some());
        }
        assert!(store.touch(&id, t0 + Duration::from_secs(600)).is_none());
    }

    #[test]
    fn unknown_malformed_and_removed_ids_find_nothing() {
        let store = SessionStore::new(LIMITS);
        let now = Instant::now();
        let id = store.create("op", now);
        assert!(store.touch(&random_token(), now).is_none());
        assert!(store.touch("not-a-token", now).is_none());
        assert!(store.touch(&id.to_uppercase(), now).is_none());
        let Some(session) = store.touch(&id, now) else {
            panic!("session")
        };
        store.remove(session.key);
        assert!(store.touch(&id, now).is_none());
    }

    #[test]
    fn flash_is_shown_once() {
        let store = SessionStore::new(LIMITS);
        let now = Instant::now();
        let id = store.create("op", now);
        let key = SessionKey::of(&id);
        store.set_flash(key, Flash::ok("Saved."));
        assert_eq!(store.take_flash(key), Some(Flash::ok("Saved.")));
        assert_eq!(store.take_flash(key), None);
    }

    #[test]
    fn a_full_store_drops_expired_then_least_recently_used_sessions() {
        let store = SessionStore::with_capacity(LIMITS, 2);
        let t0 = Instant::now();
        let old = store.create("a", t0);
        let used = store.create("b", t0);
        assert!(store.touch(&used, t0 + Duration::from_secs(10)).is_some());
        let new = store.create("c", t0 + Duration::from_secs(20));
        assert_eq!(store.len(), 2);
        let later = t0 + Duration::from_secs(21);
        assert!(store.touch(&old, later).is_none());
        assert!(store.touch(&used, later).is_some() && store.touch(&new, later).is_some());
    }

    #[test]
    fn token_comparison() {
        let token = random_token();
        assert!(tokens_match(&token, &token.clone()));
        assert!(!tokens_match(&token, &random_token()));
        assert!(!tokens_match(&token, ""));
    }
}
