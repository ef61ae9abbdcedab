//! Chaff (reference §1.4): requests with a non-empty `X-Chaff` header are fake uploads that
//! phones send so that an observer cannot tell real uploads from noise.
//!
//! A chaff request is answered here, before any other layer: the body is never read, nothing is
//! decoded, verified, logged as a publish or sent to Kafka. The answer imitates recent real
//! traffic: status 200, a `{"padding":"..."}` body about as long as the average of the last 100
//! real response bodies (empty before any real traffic), and a delay about as long as their
//! average latency, capped by `CHAFF_REQUEST_MAX_LATENCY_MS`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use rand::RngCore as _;

use crate::state::AppState;

/// How many recent real requests the profile averages over.
pub const CAPACITY: usize = 100;
/// Largest chaff padding in raw bytes (the reference's cap).
const MAX_PADDING_BYTES: usize = 1_000_000;
/// `{"padding":""}`: the part of a chaff body that is not padding.
const WRAPPER_LEN: usize = 14;

/// The chaff request header.
pub const CHAFF_HEADER: &str = "x-chaff";

/// One real request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sample {
    pub latency_ms: u64,
    pub body_bytes: u64,
    pub header_bytes: u64,
}

/// Averages of the recent real requests.
pub type Profile = Sample;

/// A ring buffer of the last [`CAPACITY`] real requests.
#[derive(Debug, Default)]
pub struct ChaffTracker {
    ring: Mutex<VecDeque<Sample>>,
}

impl ChaffTracker {
    /// Records a real request. Best effort: skipped if the buffer is busy, as in the reference.
    pub fn record(&self, sample: Sample) {
        if let Ok(mut ring) = self.ring.try_lock() {
            if ring.len() == CAPACITY {
                ring.pop_front();
            }
            ring.push_back(sample);
        }
    }

    /// Integer averages over the buffer (all zero before any real request).
    pub fn profile(&self) -> Profile {
        let Ok(ring) = self.ring.lock() else {
            return Profile::default();
        };
        let n = ring.len() as u64;
        if n == 0 {
            return Profile::default();
        }
        let sum = ring.iter().fold(Sample::default(), |acc, s| Sample {
            latency_ms: acc.latency_ms + s.latency_ms,
            body_bytes: acc.body_bytes + s.body_bytes,
            header_bytes: acc.header_bytes + s.header_bytes,
        });
        Profile {
            latency_ms: sum.latency_ms / n,
            body_bytes: sum.body_bytes / n,
            header_bytes: sum.header_bytes / n,
        }
    }
}

/// The chaff body for a profile: empty before real traffic, otherwise `{"padding":"<base64>"}`
/// whose total length is close to the average real body length.
pub fn chaff_body(profile: &Profile) -> Vec<u8> {
    if profile.body_bytes == 0 {
        return Vec::new();
    }
    let target = usize::try_from(profile.body_bytes).unwrap_or(usize::MAX);
    let raw_len = (target.saturating_sub(WRAPPER_LEN).saturating_mul(3) / 4).min(MAX_PADDING_BYTES);
    let mut raw = vec![0u8; raw_len];
    rand::thread_rng().fill_bytes(&mut raw);
    let padding = base64::engine::general_purpose::STANDARD.encode(raw);
    format!("{{\"padding\":\"{padding}\"}}").into_bytes()
}

/// Whether a request is chaff: `X-Chaff` present with a non-empty (first) value.
pub fn is_chaff(headers: &HeaderMap) -> bool {
    headers.get(CHAFF_HEADER).is_some_and(|v| !v.is_empty())
}

/// Middleware on the publish routes: answers chaff, and profiles every real request.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    if is_chaff(request.headers()) {
        drop(request);
        return answer_chaff(&state, started).await;
    }
    let response = next.run(request).await;
    let header_bytes: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    state.chaff().record(Sample {
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        body_bytes: response.body().size_hint().exact().unwrap_or(0),
        header_bytes: header_bytes as u64,
    });
    response
}

async fn answer_chaff(state: &AppState, started: Instant) -> Response {
    state.metrics().chaff.inc();
    let profile = state.chaff().profile();
    let body = chaff_body(&profile);
    let target = Duration::from_millis(profile.latency_ms).min(state.settings().chaff_max_latency);
    if let Some(remaining) = target.checked_sub(started.elapsed()) {
        tokio::time::sleep(remaining).await;
    }
    let has_body = !body.is_empty();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    if has_body {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn empty_before_real_traffic() {
        let t = ChaffTracker::default();
        assert_eq!(t.profile(), Profile::default());
        assert!(chaff_body(&t.profile()).is_empty());
    }

    #[test]
    fn averages_the_last_hundred() {
        let t = ChaffTracker::default();
        for i in 0..150u64 {
            t.record(Sample {
                latency_ms: i,
                body_bytes: 1000 + i,
                header_bytes: 10,
            });
        }
        // Samples 50..150 remain.
        let p = t.profile();
        assert_eq!(p.latency_ms, 99);
        assert_eq!(p.body_bytes, 1099);
        assert_eq!(p.header_bytes, 10);
    }

    #[test]
    fn body_size_follows_the_profile() {
        for avg in [20u64, 100, 1500, 2800, 4000] {
            let body = chaff_body(&Profile {
                latency_ms: 0,
                body_bytes: avg,
                header_bytes: 0,
            });
            let len = body.len() as i64;
            assert!((len - avg as i64).abs() <= 4, "avg {avg}: got {len}");
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let padding = json["padding"].as_str().unwrap();
            assert!(base64::engine::general_purpose::STANDARD
                .decode(padding)
                .is_ok());
            assert_eq!(json.as_object().unwrap().len(), 1);
        }
        let tiny = chaff_body(&Profile {
            latency_ms: 0,
            body_bytes: 3,
            header_bytes: 0,
        });
        assert_eq!(tiny, br#"{"padding":""}"#);
        let huge = chaff_body(&Profile {
            latency_ms: 0,
            body_bytes: u64::MAX,
            header_bytes: 0,
        });
        assert!(huge.len() < 1_400_000);
    }

    #[test]
    fn detection_needs_a_non_empty_value() {
        let mut h = HeaderMap::new();
        assert!(!is_chaff(&h));
        h.insert("X-Chaff", HeaderValue::from_static(""));
        assert!(!is_chaff(&h));
        h.insert("X-Chaff", HeaderValue::from_static("1"));
        assert!(is_chaff(&h));
    }
}
