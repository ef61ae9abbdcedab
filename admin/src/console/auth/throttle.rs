//! Slowing down password guessing on the sign-in form.
//!
//! Failures are counted per client address (IPv6 by its /64, since one host usually holds the
//! whole prefix) **and account** (the operator name, or the admin token when the name is empty),
//! so failures against one account do not lock another account out for everyone behind the same
//! address (a shared office or NAT). The first [`FREE_FAILURES`] failures cost nothing, so an operator who
//! mistypes is not punished; after that the address is locked out for a delay that doubles with
//! every further failure, up to [`MAX_DELAY`]. While locked out, sign-in attempts from the
//! address are refused **without checking the credential**, so guessing during the lock-out
//! learns nothing. A success clears the address's count; a count is forgotten [`FORGET_AFTER`]
//! after its last failure. The table is bounded: when it is full, addresses with no current
//! lock-out are dropped, and a new address then shares one overflow counter (so flooding the
//! table from many addresses still leaves every attacker throttled).
//!
//! Addresses are only kept in memory for this purpose and are never logged. Time is passed in
//! by the caller.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Failures allowed before the first lock-out.
pub const FREE_FAILURES: u32 = 5;
/// Lock-out after the first counted failure; doubles with every further one.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// Longest lock-out.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A count is forgotten this long after its last failure.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Most (address, account) pairs tracked at once.
pub const MAX_TRACKED: usize = 10_000;
/// Longest account name kept in the table (longer names share their first bytes' entry).
pub const MAX_ACCOUNT_BYTES: usize = 64;

/// What failures are counted against: an address bucket and an account.
type Key = (Bucket, String);

fn account_key(account: &str) -> String {
    let mut end = account.len().min(MAX_ACCOUNT_BYTES);
    while !account.is_char_boundary(end) {
        end -= 1;
    }
    account[..end].to_owned()
}

/// Where a sign-in attempt comes from, as far as throttling is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bucket {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
    /// Unknown address, or the table is full.
    Shared,
}

impl Bucket {
    fn of(addr: Option<IpAddr>) -> Self {
        match addr.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(v4)) => Bucket::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => {
                let octets = v6.octets();
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&octets[..8]);
                Bucket::V6Prefix(prefix)
            }
            None => Bucket::Shared,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the address may try again.
    fn locked_until(&self) -> Option<Instant> {
        let over = self.count.checked_sub(FREE_FAILURES)?;
        let delay = FIRST_DELAY
            .checked_mul(2u32.saturating_pow(over.min(31)))
            .unwrap_or(MAX_DELAY)
            .min(MAX_DELAY);
        Some(self.last + delay)
    }
}

/// Failure counts per client address.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<Key, Failures>>,
}

/// Shows how many addresses are tracked, never which.
impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoginThrottle({} addresses)", self.lock().len())
    }
}

impl LoginThrottle {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Failures>> {
        // Entries are plain values replaced whole: a poisoned map is still consistent.
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bucket_in(map: &HashMap<Key, Failures>, addr: Option<IpAddr>, account: &str) -> Key {
        let key = (Bucket::of(addr), account_key(account));
        if map.contains_key(&key) || map.len() < MAX_TRACKED {
            key
        } else {
            (Bucket::Shared, String::new())
        }
    }

    /// `Err(wait)` when `account` is locked out for `addr` at `now`.
    pub fn check(&self, addr: Option<IpAddr>, account: &str, now: Instant) -> Result<(), Duration> {
        let map = self.lock();
        let bucket = Self::bucket_in(&map, addr, account);
        match map.get(&bucket).and_then(Failures::locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt on `account` from `addr`.
    pub fn record_failure(&self, addr: Option<IpAddr>, account: &str, now: Instant) {
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED {
            map.retain(|_, f| {
                now.saturating_duration_since(f.last) < FORGET_AFTER
                    && f.locked_until().is_some_and(|until| until > now)
            });
        }
        let bucket = Self::bucket_in(&map, addr, account);
        let entry = map.entry(bucket).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.saturating_duration_since(entry.last) >= FORGET_AFTER {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }

    /// Clears the count of `account` from `addr` after a successful sign-in.
    pub fn record_success(&self, addr: Option<IpAddr>, account: &str) {
        let bucket = Bucket::of(addr);
        if bucket != Bucket::Shared {
            self.lock().remove(&(bucket, account_key(account)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records `times` failed sign-ins of `account` from `addr` at `now`.
    fn fail(
        throttle: &LoginThrottle,
        addr: Option<IpAddr>,
        account: &str,
        times: u32,
        now: Instant,
    ) {
        for _ in 0..times {
            throttle.record_failure(addr, account, now);
        }
    }

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn free_failures_then_doubling_lock_outs() {
        let throttle = LoginThrottle::new();
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        for i in 0..FREE_FAILURES {
            assert_eq!(throttle.check(a, "", t0), Ok(()), "attempt {i}");
            throttle.record_failure(a, "", t0);
        }
        assert_eq!(throttle.check(a, "", t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(throttle.check(a, "", t1), Ok(()));
        throttle.record_failure(a, "", t1);
        assert_eq!(throttle.check(a, "", t1), Err(Duration::from_secs(2)));
        let t2 = t1 + Duration::from_secs(2);
        throttle.record_failure(a, "", t2);
        assert_eq!(throttle.check(a, "", t2), Err(Duration::from_secs(4)));
        assert_eq!(
            throttle.check(ip("192.0.2.2"), "", t2),
            Ok(()),
            "other addresses unaffected"
        );
        assert_eq!(format!("{throttle:?}"), "LoginThrottle(1 addresses)");
    }

    #[test]
    fn the_delay_is_capped_and_success_clears_it() {
        let throttle = LoginThrottle::new();
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        fail(&throttle, a, "", 100, t0);
        assert_eq!(throttle.check(a, "", t0), Err(MAX_DELAY));
        throttle.record_success(a, "");
        assert_eq!(throttle.check(a, "", t0), Ok(()));
    }

    #[test]
    fn counts_are_forgotten_after_a_quiet_hour() {
        let throttle = LoginThrottle::new();
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        fail(&throttle, a, "", FREE_FAILURES, t0);
        let later = t0 + FORGET_AFTER;
        throttle.record_failure(a, "", later);
        assert_eq!(throttle.check(a, "", later), Ok(()), "count restarted at 1");
    }

    #[test]
    fn ipv6_addresses_share_their_64_bit_prefix_and_mapped_v4_is_v4() {
        let throttle = LoginThrottle::new();
        let t0 = Instant::now();
        for i in 0..=FREE_FAILURES {
            throttle.record_failure(ip(&format!("2001:db8:1:2::{i:x}")), "", t0);
        }
        assert!(throttle.check(ip("2001:db8:1:2:ffff::1"), "", t0).is_err());
        assert!(throttle.check(ip("2001:db8:1:3::1"), "", t0).is_ok());
        fail(&throttle, ip("::ffff:192.0.2.9"), "", FREE_FAILURES + 1, t0);
        assert!(throttle.check(ip("192.0.2.9"), "", t0).is_err());
    }

    #[test]
    fn one_account_locked_out_leaves_the_others_of_the_address_alone() {
        let throttle = LoginThrottle::new();
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        fail(&throttle, a, "alice", FREE_FAILURES + 1, t0);
        assert!(throttle.check(a, "alice", t0).is_err());
        assert_eq!(throttle.check(a, "bob", t0), Ok(()));
        assert_eq!(throttle.check(a, "", t0), Ok(()), "the admin token");
        let long = "x".repeat(10_000);
        fail(&throttle, a, &long, FREE_FAILURES + 1, t0);
        assert!(
            throttle.check(a, &long[..MAX_ACCOUNT_BYTES], t0).is_err(),
            "names are clipped"
        );
    }

    #[test]
    fn unknown_addresses_share_one_counter() {
        let throttle = LoginThrottle::new();
        let t0 = Instant::now();
        fail(&throttle, None, "", FREE_FAILURES + 1, t0);
        assert!(throttle.check(None, "", t0).is_err());
        throttle.record_success(None, "");
        assert!(
            throttle.check(None, "", t0).is_err(),
            "one success does not unlock everyone"
        );
    }
}
