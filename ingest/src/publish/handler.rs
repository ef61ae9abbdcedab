//! The publish handlers (`/v1/publish`, and `/` for v1alpha1): transport checks, decoding, the
//! edge checks, then enqueue → wait for the outcome → answer (or degraded answer). Every answer
//! carries random padding and `x-api-version`.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::response::Response;
use http::{header, StatusCode};
use schemas::Envelope;
use tracing::Instrument as _;
use uuid::Uuid;

use super::answer::Answer;
use super::checks::{Accepted, Refusal};
use crate::api::{
    check_content_type, decode_v1, decode_v1alpha1, read_limited, ApiVersion, BodyError,
    GoResponse as _, PublishResponse, MAX_BODY_BYTES,
};
use crate::certificate::jwt;
use crate::client_platform;
use crate::codes::{ErrorCode, ResultLabel};
use crate::state::AppState;

/// The request id the router gives every publish request (log field and event `request_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(pub Uuid);

/// `error` text when Kafka did not acknowledge the request.
pub const NOT_STORED: &str = "the publish request could not be stored, please try again later";
/// `error` text when the request took longer than `REQUEST_TIMEOUT`.
pub const TIMED_OUT: &str = "the publish request timed out, please try again later";

/// `/v1/publish`.
pub async fn v1(State(state): State<AppState>, request: Request) -> Response {
    handle(state, request, ApiVersion::V1).await
}

/// `/` when `ENABLE_V1ALPHA1_API=true`.
pub async fn v1alpha1(State(state): State<AppState>, request: Request) -> Response {
    handle(state, request, ApiVersion::V1Alpha1).await
}

async fn handle(state: AppState, request: Request, version: ApiVersion) -> Response {
    let started = Instant::now();
    let timeout = state.settings().request_timeout;
    let (result, response) =
        match tokio::time::timeout(timeout, process(&state, request, version)).await {
            Ok(done) => done,
            Err(_) => {
                state.metrics().timeouts.inc();
                tracing::warn!("Publish request timed out");
                let body = PublishResponse {
                    error: TIMED_OUT.to_owned(),
                    code: ErrorCode::InternalError.as_str().to_owned(),
                    ..PublishResponse::default()
                };
                (
                    ResultLabel::DbWrite,
                    finish(&state, body, StatusCode::SERVICE_UNAVAILABLE, version),
                )
            }
        };
    state
        .metrics()
        .observe(result, started.elapsed().as_secs_f64());
    response
}

async fn process(
    state: &AppState,
    request: Request,
    version: ApiVersion,
) -> (ResultLabel, Response) {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(Uuid::new_v4, |id| id.0);
    let platform = client_platform::detect(
        request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    if let Err(e) = check_content_type(request.headers()) {
        return body_error(state, &e, version);
    }
    let (buf, truncated) = match read_limited(request.into_body(), MAX_BODY_BYTES).await {
        Ok(read) => read,
        Err(e) => return body_error(state, &e, version),
    };
    let decoded = match version {
        ApiVersion::V1 => decode_v1(&buf, truncated),
        ApiVersion::V1Alpha1 => decode_v1alpha1(&buf, truncated),
    };
    drop(buf);
    let data = match decoded {
        Ok(data) => data,
        Err(e) => return body_error(state, &BodyError::Json(e), version),
    };
    let certificate = state
        .settings()
        .debug_log_bad_certificates
        .then(|| data.verification_payload.clone());

    let snapshot = state.config().snapshot();
    let checked = state.rules().check(
        data,
        platform,
        &snapshot,
        state.config().is_caught_up(),
        &|| state.now(),
    );
    let notes = checked.notes;
    if notes.verification_bypassed {
        state.metrics().verification_bypassed.inc();
    }
    if notes.jwt_not_yet_valid {
        state.metrics().jwt_not_yet_valid.inc();
    }
    if let Some(token) = notes.token {
        state
            .metrics()
            .revision_tokens
            .with_label_values(&[token.as_str()])
            .inc();
    }
    if let (Some(reason), Some(cert)) = (&notes.certificate_failure, certificate) {
        log_bad_certificate(reason, &cert);
    }
    match checked.decision {
        Err(refusal) => refuse(state, refusal, version),
        Ok(accepted) => accept(state, *accepted, request_id, version).await,
    }
}

fn body_error(state: &AppState, error: &BodyError, version: ApiVersion) -> (ResultLabel, Response) {
    if state.settings().log_json_parse_errors {
        tracing::warn!(error = %error.detail(), "Request body not accepted");
    }
    let body = PublishResponse {
        error: error.message(),
        code: error.code().as_str().to_owned(),
        ..PublishResponse::default()
    };
    (
        ResultLabel::BadJson,
        finish(state, body, error.status(), version),
    )
}

fn refuse(state: &AppState, refusal: Refusal, version: ApiVersion) -> (ResultLabel, Response) {
    tracing::info!(
        result = refusal.result.as_str(),
        status = refusal.status.as_u16(),
        "Publish refused"
    );
    tracing::debug!(error = %refusal.error, "Refusal reason");
    let body = PublishResponse {
        error: refusal.error,
        code: refusal
            .code
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        warnings: refusal.warnings,
        ..PublishResponse::default()
    };
    (refusal.result, finish(state, body, refusal.status, version))
}

async fn accept(
    state: &AppState,
    accepted: Accepted,
    request_id: Uuid,
    version: ApiVersion,
) -> (ResultLabel, Response) {
    let event = accepted.event(state.rules(), state.outcomes().reply_to());
    let envelope = Envelope::new(event, Some(request_id));
    let pending = state.outcomes().register(request_id);
    let enqueue_started = Instant::now();
    let enqueued = state
        .sink()
        .enqueue(&accepted.app, &envelope)
        .instrument(tracing::debug_span!("enqueue"))
        .await;
    drop(envelope);
    if let Err(e) = enqueued {
        state.metrics().enqueue_failures.inc();
        tracing::warn!(error = %e, "Kafka did not acknowledge the publish");
        let body = PublishResponse {
            error: NOT_STORED.to_owned(),
            code: ErrorCode::InternalError.as_str().to_owned(),
            ..PublishResponse::default()
        };
        return (
            ResultLabel::DbWrite,
            finish(state, body, StatusCode::SERVICE_UNAVAILABLE, version),
        );
    }
    state
        .metrics()
        .enqueue_latency
        .observe(enqueue_started.elapsed().as_secs_f64());

    let wait = state.settings().outcome_wait;
    let outcome = if wait.is_zero() {
        drop(pending);
        None
    } else {
        pending.wait(wait).await
    };
    let degraded = outcome.is_none();
    let answer = match &outcome {
        Some(outcome) => accepted.outcome_answer(outcome),
        None => {
            state.metrics().degraded.inc();
            accepted.degraded_answer(state.rules())
        }
    };
    let exposures = &state.metrics().exposures;
    exposures
        .with_label_values(&["inserted"])
        .inc_by(u64::from(answer.inserted));
    exposures
        .with_label_values(&["revised"])
        .inc_by(u64::from(answer.revised));
    exposures
        .with_label_values(&["dropped"])
        .inc_by(u64::from(answer.dropped));
    tracing::debug!(
        result = answer.result.as_str(),
        status = answer.status.as_u16(),
        inserted = answer.inserted,
        degraded,
        "Publish answered"
    );
    let result = answer.result;
    let status = answer.status;
    let body = response_body(state, &accepted, answer);
    (result, finish(state, body, status, version))
}

fn response_body(state: &AppState, accepted: &Accepted, answer: Answer) -> PublishResponse {
    let revision_token = if answer.token_entries.is_empty() {
        String::new()
    } else {
        match state
            .rules()
            .tokens
            .mint(&accepted.app, &answer.token_entries)
        {
            Ok(token) => token,
            Err(e) => {
                tracing::error!(error = %e, "Cannot mint a revision token");
                String::new()
            }
        }
    };
    PublishResponse {
        revision_token,
        inserted_exposures: answer.inserted,
        error: answer.error,
        code: answer.code.unwrap_or_default(),
        padding: String::new(),
        warnings: answer.warnings,
    }
}

/// Adds padding and renders the response for `version`.
pub fn finish(
    state: &AppState,
    mut body: PublishResponse,
    status: StatusCode,
    version: ApiVersion,
) -> Response {
    body.padding = state.settings().padding.generate();
    body.into_response(status, version)
}

/// `DEBUG_LOG_BAD_CERTIFICATES`: what was wrong with a certificate, without the token itself,
/// its signature or its `tekmac`.
fn log_bad_certificate(reason: &str, certificate: &str) {
    match jwt::parse(certificate) {
        Ok(p) => tracing::warn!(
            reason,
            alg = %p.alg,
            kid = ?p.kid,
            iss = %p.claims.iss,
            aud = %p.claims.aud,
            iat = p.claims.iat,
            nbf = p.claims.nbf,
            exp = p.claims.exp,
            report_type = %p.claims.report_type,
            "Bad verification certificate"
        ),
        Err(_) => tracing::warn!(reason, "Bad verification certificate (unparsable)"),
    }
}
