//! Chaff: requests with a non-empty `X-Chaff` header are fake uploads that
//! phones send so that an observer cannot tell real uploads from noise.
//!
//! A chaff request is answered here: its body was read like any other (before the concurrency
//! slot, [`crate::body_deadline`]) but is never decoded, verified, logged as a publish or sent to
//! Kafka. The answer is built to be indistinguishable from a real **accepted** upload:
//!
//! - the same status and headers (`content-type: application/json`, `x-api-version`), and the
//!   connection is kept alive as for a real upload;
//! - a body `{"padding":"<base64>"}` whose total length is that of one real accepted answer drawn
//!   at random from the recent ones (the last [`CAPACITY`] of the last [`MAX_AGE`], at least
//!   [`MIN_RECENT`]; so sizes follow the real distribution, padding
//!   included); before any real traffic, its padding is drawn from the same
//!   `RESPONSE_PADDING_*` distribution as real answers;
//! - a delay equal to the latency of a (the same) randomly drawn recent real accepted upload,
//!   not their mean, capped by `CHAFF_REQUEST_MAX_LATENCY_MS`, measured from the same point
//!   (this layer's start) and ended by [`crate::chaff_clock`], its remaining overshoot learned
//!   and subtracted.
//!
//! Only answers with status 200 are sampled: chaff imitates accepted uploads, which are what an
//! observer wants to find.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use http::{HeaderMap, StatusCode};
use rand::RngCore as _;

use crate::api::response::json_response;
use crate::api::{ApiVersion, Padding};
pub use crate::chaff_tracker::{ChaffTracker, Sample, CAPACITY, MAX_AGE, MIN_RECENT};
use crate::state::AppState;

/// Largest chaff padding in raw bytes (the reference's cap).
const MAX_PADDING_BYTES: usize = 1_000_000;
/// `{"padding":""}`: the part of a chaff body that is not padding.
const WRAPPER_LEN: usize = 14;

/// The chaff request header.
pub const CHAFF_HEADER: &str = "x-chaff";

/// A chaff body of exactly `target` bytes when `target` is at least the wrapper's length:
/// `{"padding":"<base64>"}` with valid base64 (a multiple of 4 characters, no `=`) and up to
/// three spaces of JSON whitespace before the closing brace to reach the exact length.
pub fn chaff_body_of_len(target: usize) -> Vec<u8> {
    let room = target
        .saturating_sub(WRAPPER_LEN)
        .min(MAX_PADDING_BYTES * 4 / 3);
    let pad_len = room / 4 * 4;
    let mut raw = vec![0u8; pad_len / 4 * 3];
    rand::thread_rng().fill_bytes(&mut raw);
    let padding = base64::engine::general_purpose::STANDARD.encode(raw);
    let spaces = " ".repeat(room - pad_len);
    format!("{{\"padding\":\"{padding}\"{spaces}}}").into_bytes()
}

/// A chaff body before any real traffic: padding from the real answers' distribution.
pub fn chaff_body_from_padding(padding: &Padding) -> Vec<u8> {
    format!("{{\"padding\":\"{}\"}}", padding.generate()).into_bytes()
}

/// Whether a request is chaff: `X-Chaff` present with a non-empty (first) value.
pub fn is_chaff(headers: &HeaderMap) -> bool {
    headers.get(CHAFF_HEADER).is_some_and(|v| !v.is_empty())
}

/// Middleware on the publish routes: answers chaff, and samples every real accepted upload.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    if is_chaff(request.headers()) {
        let version = if request.uri().path() == "/" {
            ApiVersion::V1Alpha1
        } else {
            ApiVersion::V1
        };
        drop(request);
        return answer_chaff(&state, started, version).await;
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::OK {
        let header_bytes: usize = response
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        state.chaff().record(Sample {
            latency: started.elapsed(),
            body_bytes: response.body().size_hint().exact().unwrap_or(0),
            header_bytes: header_bytes as u64,
        });
    }
    response
}

async fn answer_chaff(state: &AppState, started: Instant, version: ApiVersion) -> Response {
    state.metrics().chaff.inc();
    let (body, delay) = match state.chaff().draw() {
        Some(sample) => (
            chaff_body_of_len(usize::try_from(sample.body_bytes).unwrap_or(usize::MAX)),
            sample.latency,
        ),
        None => (
            chaff_body_from_padding(&state.settings().padding),
            Duration::ZERO,
        ),
    };
    let target = delay.min(state.settings().chaff_max_latency);
    let asked = state.chaff().compensate(target);
    if asked > started.elapsed() {
        state.chaff().sleep_until(started + asked).await;
        state.chaff().record_overshoot(asked, started.elapsed());
    }
    json_response(StatusCode::OK, Body::from(body), version)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn nothing_to_draw_before_real_traffic() {
        let t = ChaffTracker::default();
        assert_eq!(t.draw(), None);
        let body = chaff_body_from_padding(&Padding {
            min_bytes: 30,
            range: 1,
        });
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["padding"].as_str().unwrap().len(), 40);
    }

    #[test]
    fn draws_one_of_the_last_samples() {
        let t = ChaffTracker::default();
        for i in 0..(CAPACITY as u64 + 50) {
            t.record(Sample {
                latency: Duration::from_millis(i),
                body_bytes: 1000 + i,
                header_bytes: 10,
            });
        }
        assert_eq!(t.len(), CAPACITY);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let s = t.draw().unwrap();
            let ms = s.latency.as_millis() as u64;
            assert!(ms >= 50, "only the last {CAPACITY} remain");
            assert_eq!(s.body_bytes, 1000 + ms, "drawn as one sample");
            seen.insert(ms);
        }
        assert!(
            seen.len() > CAPACITY / 2,
            "a draw, not an average: {}",
            seen.len()
        );
    }

    #[test]
    fn body_has_exactly_the_drawn_length() {
        for target in [14usize, 15, 16, 17, 100, 1501, 2800, 2801, 2802, 2803] {
            let body = chaff_body_of_len(target);
            assert_eq!(body.len(), target);
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json.as_object().unwrap().len(), 1);
            let padding = json["padding"].as_str().unwrap();
            assert!(base64::engine::general_purpose::STANDARD
                .decode(padding)
                .is_ok());
        }
        assert_eq!(chaff_body_of_len(3), br#"{"padding":""}"#);
        assert!(chaff_body_of_len(usize::MAX).len() < 1_400_000);
    }

    #[test]
    fn overshoot_is_learned_and_subtracted() {
        let t = ChaffTracker::default();
        for _ in 0..100 {
            t.record_overshoot(Duration::from_millis(10), Duration::from_micros(10_800));
        }
        let d = t.compensate(Duration::from_millis(10));
        assert!(
            d > Duration::from_micros(9_150) && d < Duration::from_micros(9_250),
            "{d:?}"
        );
    }

    #[test]
    fn a_few_stalls_do_not_shorten_the_next_delays() {
        let t = ChaffTracker::default();
        for i in 0..100 {
            let late = if i % 10 == 0 { 40_000 } else { 300 };
            t.record_overshoot(
                Duration::from_millis(10),
                Duration::from_micros(10_000 + late),
            );
        }
        assert_eq!(
            t.compensate(Duration::from_millis(30)),
            Duration::from_micros(29_700)
        );
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
