//! The chaff's memory of real traffic: the recent real accepted uploads (latency and sizes) a
//! chaff answer imitates, and the recent overshoots of its delays. Shared by every request
//! through the service state; the chaff middleware uses it.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rand::Rng as _;

use crate::chaff_clock::ChaffClock;

/// How many recent real accepted uploads the chaff draws from, at most.
pub const CAPACITY: usize = 200;
/// ... and only those of the last [`MAX_AGE`] (but always the last [`MIN_RECENT`]): when the
/// server's latency drifts (load comes and goes), a chaff delay drawn from older answers lags
/// the drift and shows. A window of 5 s still lagged enough to show (chaff 0.3 ms faster than
/// real answers of 9 ms while the load rose, KS p = 0.027); at a second the lag is a fifth. At
/// tens of uploads a second the window holds the last second; at a high rate the last 200.
pub const MAX_AGE: Duration = Duration::from_secs(1);
/// The fewest recent answers drawn from, however old.
pub const MIN_RECENT: usize = 20;
/// How many recent overshoots the compensation looks at. Their median, not their mean: on a
/// loaded machine a few wake-ups are tens of milliseconds late (a real answer's latency has such
/// stalls too); a mean (earlier: a moving average) let each stall shorten the next chaff delays
/// and made chaff faster than real uploads, or, capped at 5 ms, slower.
const OVERSHOOTS: usize = 63;
/// One real accepted upload, as an observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sample {
    /// From the chaff layer to the answer (microsecond precision: real latencies can be tightly
    /// clustered, and a millisecond of rounding would show).
    pub latency: Duration,
    pub body_bytes: u64,
    pub header_bytes: u64,
}

/// A ring buffer of the last [`CAPACITY`] real accepted uploads.
#[derive(Debug, Default)]
pub struct ChaffTracker {
    ring: Mutex<VecDeque<(Instant, Sample)>>,
    /// How much later than asked the last [`OVERSHOOTS`] chaff delays ended (the wake-up), in
    /// microseconds; their median is subtracted from the next delays.
    overshoots: Mutex<VecDeque<u64>>,
    /// Ends the delays ([`crate::chaff_clock`]); started with the first chaff answer.
    clock: OnceLock<Option<ChaffClock>>,
}

impl ChaffTracker {
    /// Records a real accepted upload. Best effort: skipped if the buffer is busy, as in the
    /// reference.
    pub fn record(&self, sample: Sample) {
        if let Ok(mut ring) = self.ring.try_lock() {
            if ring.len() == CAPACITY {
                ring.pop_front();
            }
            ring.push_back((Instant::now(), sample));
        }
    }

    /// One recent real upload (of the last [`MAX_AGE`], at least the last [`MIN_RECENT`])
    /// drawn uniformly at random; `None` before any.
    pub fn draw(&self) -> Option<Sample> {
        let ring = self.ring.lock().ok()?;
        if ring.is_empty() {
            return None;
        }
        let oldest = Instant::now().checked_sub(MAX_AGE);
        let fresh = oldest.map_or(0, |oldest| ring.partition_point(|(at, _)| *at < oldest));
        let first = fresh.min(ring.len().saturating_sub(MIN_RECENT));
        let i = rand::thread_rng().gen_range(first..ring.len());
        ring.get(i).map(|(_, sample)| *sample)
    }

    /// `delay` less the median of the recent overshoots.
    pub fn compensate(&self, delay: Duration) -> Duration {
        let median = self.overshoots.lock().map_or(0, |o| {
            let mut sorted: Vec<u64> = o.iter().copied().collect();
            sorted.sort_unstable();
            sorted.get(sorted.len() / 2).copied().unwrap_or(0)
        });
        delay.saturating_sub(Duration::from_micros(median))
    }

    /// Records that a delay asked to end at `target` (after compensation) ended at `actual`.
    pub fn record_overshoot(&self, target: Duration, actual: Duration) {
        let over = u64::try_from(actual.saturating_sub(target).as_micros()).unwrap_or(u64::MAX);
        if let Ok(mut o) = self.overshoots.try_lock() {
            if o.len() == OVERSHOOTS {
                o.pop_front();
            }
            o.push_back(over);
        }
    }

    /// Waits until `at` on the chaff clock (the runtime's timer if its thread cannot start).
    pub async fn sleep_until(&self, at: Instant) {
        match self.clock.get_or_init(ChaffClock::start) {
            Some(clock) => clock.sleep_until(at).await,
            None => tokio::time::sleep_until(at.into()).await,
        }
    }

    /// How many samples the window holds.
    pub fn len(&self) -> usize {
        self.ring.lock().map_or(0, |r| r.len())
    }

    /// Whether no real upload was seen yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
