//! The clock that ends chaff delays: one thread that sleeps with the operating system's
//! high-resolution timers and wakes each waiting chaff answer from outside the async runtime.
//!
//! Tokio's timer has millisecond granularity and fires only when a worker thread gets to it, so
//! a chaff answer delayed by it overshot by up to a millisecond plus however long the workers
//! were busy, with a spread the real answers do not have (they are woken by librdkafka's thread
//! when the broker acknowledges). Woken from this thread instead, a chaff answer resumes the way
//! a real one does; what overshoot remains is learned and subtracted
//! (the tracker's `compensate`).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Instant;

use tokio::sync::oneshot;

/// One waiting chaff answer.
struct Wake {
    at: Instant,
    seq: u64,
    tx: oneshot::Sender<()>,
}

impl PartialEq for Wake {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Wake {}
impl PartialOrd for Wake {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Wake {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Handle on the clock thread; the thread ends when the handle is dropped.
pub struct ChaffClock {
    tx: mpsc::Sender<(Instant, oneshot::Sender<()>)>,
}

impl fmt::Debug for ChaffClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChaffClock")
    }
}

impl ChaffClock {
    /// Starts the clock thread; `None` if the thread cannot be spawned (the caller falls back
    /// to the runtime's timer).
    pub fn start() -> Option<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("chaff-clock".into())
            .spawn(move || run(&rx))
            .ok()?;
        Some(Self { tx })
    }

    /// Waits until `at`.
    pub async fn sleep_until(&self, at: Instant) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send((at, tx)).is_err() || rx.await.is_err() {
            tokio::time::sleep_until(at.into()).await;
        }
    }
}

fn run(rx: &mpsc::Receiver<(Instant, oneshot::Sender<()>)>) {
    let mut waiting: BinaryHeap<Reverse<Wake>> = BinaryHeap::new();
    let mut seq = 0u64;
    loop {
        let now = Instant::now();
        while waiting.peek().is_some_and(|w| w.0.at <= now) {
            if let Some(Reverse(wake)) = waiting.pop() {
                let _ = wake.tx.send(());
            }
        }
        let next = match waiting.peek() {
            Some(w) => rx.recv_timeout(w.0.at.saturating_duration_since(now)),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok((at, tx)) => {
                seq += 1;
                waiting.push(Reverse(Wake { at, seq, tx }));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                // Nobody can add more: finish the waiting ones, then end.
                while let Some(Reverse(wake)) = waiting.pop() {
                    std::thread::sleep(wake.at.saturating_duration_since(Instant::now()));
                    let _ = wake.tx.send(());
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn wakes_each_at_its_time_in_any_order() {
        let Some(clock) = ChaffClock::start() else {
            panic!("no clock thread")
        };
        let clock = std::sync::Arc::new(clock);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for ms in [30u64, 5, 20, 10] {
            let clock = clock.clone();
            tasks.push(tokio::spawn(async move {
                let at = start + Duration::from_millis(ms);
                clock.sleep_until(at).await;
                (ms, Instant::now().saturating_duration_since(at))
            }));
        }
        for task in tasks {
            let Ok((ms, late)) = task.await else {
                panic!("task failed")
            };
            assert!(start.elapsed() >= Duration::from_millis(ms), "never early");
            assert!(late < Duration::from_millis(200), "{ms} ms: {late:?} late");
        }
    }
}
