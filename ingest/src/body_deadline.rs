//! The publish body is read here, outermost on the publish routes, **before** the request takes
//! one of the `MAX_CONCURRENT_REQUESTS` slots: a client that announces a body and drips it cannot
//! hold a slot, so slow clients cannot starve real ones.
//!
//! The read has its own deadline (`PUBLISH_BODY_TIMEOUT`, 10 s for the whole body) and minimum
//! rate (`PUBLISH_BODY_MIN_RATE`, 512 bytes/s on average after a first second of grace). A body
//! that misses either is a client error: 408 with code `bad_request`, counted under
//! `result="BODY_TIMEOUT"` (blame `CLIENT`) and logged at info level, never as a server error.
//! At most `MAX_BODY_BYTES + 1` bytes are kept: the handler still answers 413 for a longer body.
//! The read itself, and its settings, are `body_read`.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;

use crate::api::{ApiVersion, PublishResponse};
use crate::body_read::SlowBody;
use crate::codes::{ErrorCode, ResultLabel};
use crate::publish::handler::finish;
use crate::state::AppState;

/// `error` text of a body that did not arrive in time.
pub const BODY_TOO_SLOW: &str = "the request body was not received in time";
/// `error` text of a body whose connection failed while it was read.
pub const BODY_BROKEN: &str = "the request body could not be read";

/// Middleware: reads the whole body under the deadline, then passes the request on with the
/// body in memory.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let version = if request.uri().path() == "/" {
        ApiVersion::V1Alpha1
    } else {
        ApiVersion::V1
    };
    let (parts, body) = request.into_parts();
    match state.settings().body_deadline.read(body).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(why) => {
            let (status, error) = match why {
                SlowBody::TooSlow => (StatusCode::REQUEST_TIMEOUT, BODY_TOO_SLOW),
                SlowBody::Broken => (StatusCode::BAD_REQUEST, BODY_BROKEN),
            };
            tracing::info!(
                status = status.as_u16(),
                result = ResultLabel::BodyTimeout.as_str(),
                "Publish body not received"
            );
            state
                .metrics()
                .observe(ResultLabel::BodyTimeout, started.elapsed().as_secs_f64());
            let body = PublishResponse {
                error: error.to_owned(),
                code: ErrorCode::BadRequest.as_str().to_owned(),
                ..PublishResponse::default()
            };
            finish(&state, body, status, version)
        }
    }
}
