//! The publish body read under its own deadline and minimum rate (`PUBLISH_BODY_TIMEOUT`,
//! `PUBLISH_BODY_MIN_RATE`): the pace rule and the read itself, keeping at most
//! `MAX_BODY_BYTES + 1` bytes. The middleware that answers a body that misses them is
//! `body_deadline`.

use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;

use crate::api::MAX_BODY_BYTES;

/// Grace before the minimum rate applies (TCP slow start, a phone waking its radio).
const RATE_GRACE: Duration = Duration::from_secs(1);

/// The deadline and minimum rate of one body read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDeadline {
    /// `PUBLISH_BODY_TIMEOUT`: the whole body must arrive within it.
    pub timeout: Duration,
    /// `PUBLISH_BODY_MIN_RATE`: bytes per second, on average since the first byte was awaited.
    pub min_rate: u64,
}

impl Default for BodyDeadline {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            min_rate: 512,
        }
    }
}

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowBody {
    /// Past the deadline, or below the minimum rate.
    TooSlow,
    /// The connection failed (the client went away mid-body).
    Broken,
}

impl BodyDeadline {
    /// Whether `received` bytes after `elapsed` are still acceptable.
    pub fn on_pace(&self, received: usize, elapsed: Duration) -> bool {
        if elapsed >= self.timeout {
            return false;
        }
        let counted = elapsed.saturating_sub(RATE_GRACE);
        let needed = counted.as_secs_f64() * self.min_rate as f64;
        received as f64 >= needed
    }

    /// Reads at most `MAX_BODY_BYTES + 1` bytes of `body` under this deadline.
    pub async fn read(&self, body: Body) -> Result<Bytes, SlowBody> {
        let started = Instant::now();
        let mut body = body;
        let mut buf = BytesMut::new();
        loop {
            // Wake up at least every second to check the pace while nothing arrives.
            let left = self.timeout.saturating_sub(started.elapsed());
            let wait = left.min(Duration::from_secs(1));
            match tokio::time::timeout(wait, body.frame()).await {
                Err(_) => {}
                Ok(None) => return Ok(buf.freeze()),
                Ok(Some(Err(_))) => return Err(SlowBody::Broken),
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        let room = (MAX_BODY_BYTES + 1).saturating_sub(buf.len());
                        buf.extend_from_slice(&data[..data.len().min(room)]);
                        if buf.len() > MAX_BODY_BYTES {
                            return Ok(buf.freeze());
                        }
                    }
                }
            }
            if !self.on_pace(buf.len(), started.elapsed()) {
                return Err(SlowBody::TooSlow);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pace_allows_a_grace_then_needs_the_minimum_rate() {
        let d = BodyDeadline {
            timeout: Duration::from_secs(10),
            min_rate: 100,
        };
        assert!(d.on_pace(0, Duration::from_millis(900)));
        assert!(d.on_pace(100, Duration::from_secs(2)));
        assert!(!d.on_pace(99, Duration::from_secs(2)));
        assert!(!d.on_pace(1_000_000, Duration::from_secs(10)));
    }

    #[tokio::test]
    async fn a_dripping_body_is_cut_off() {
        let d = BodyDeadline {
            timeout: Duration::from_secs(5),
            min_rate: 1000,
        };
        let (mut tx, body) = {
            let (tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
            (tx, Body::from_stream(rx))
        };
        let drip = tokio::spawn(async move {
            use futures::SinkExt as _;
            for _ in 0..10 {
                if tx.send(Ok(Bytes::from_static(b"x"))).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        });
        let started = Instant::now();
        assert_eq!(d.read(body).await, Err(SlowBody::TooSlow));
        assert!(started.elapsed() < Duration::from_secs(3));
        drip.abort();
    }

    #[tokio::test]
    async fn a_whole_body_is_kept_up_to_one_byte_past_the_limit() {
        let d = BodyDeadline::default();
        let small = d.read(Body::from("hello")).await.unwrap();
        assert_eq!(&small[..], b"hello");
        let big = d.read(Body::from(vec![b'a'; 100_000])).await.unwrap();
        assert_eq!(big.len(), MAX_BODY_BYTES + 1);
    }
}
