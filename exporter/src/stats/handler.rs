//! The `/v1/stats` route (any method, like the reference): body rules, authentication, reading
//! the hourly rows and answering the released days with padding.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine as _;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use config::ConfigLog;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

use crate::stats::auth;
use crate::stats::release::{released_days, HourRow, StatsDay};
use crate::stats::StatsSettings;

/// What the route needs.
#[derive(Debug, Clone)]
pub struct StatsState {
    pub pool: deadpool_postgres::Pool,
    pub config: ConfigLog,
    pub settings: Arc<StatsSettings>,
}

impl StatsState {
    /// The authority's hourly rows before the current hour of `now` (the hour still being
    /// written is never shown), or why they could not be read.
    pub(crate) async fn completed_hours(
        &self,
        authority: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<HourRow>, String> {
        let current_hour = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
        let client = self.pool.get().await.map_err(|e| e.to_string())?;
        crate::repository::stats::hourly(&**client, authority, current_hour)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The `/v1/stats` router.
pub fn router(state: StatsState) -> Router {
    Router::new()
        .route("/v1/stats", any(stats))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsRequest {
    #[serde(default)]
    #[allow(dead_code)] // read and ignored, like the reference
    padding: String,
}

#[derive(Serialize)]
struct StatsResponse {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    days: Vec<StatsDay>,
    #[serde(skip_serializing_if = "String::is_empty")]
    error: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    padding: Option<String>,
}

fn padding(settings: &StatsSettings) -> String {
    let mut rng = rand::thread_rng();
    let len = settings.padding_min_bytes + rng.gen_range(0..settings.padding_range.max(1));
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn answer(status: StatusCode, body: &StatsResponse) -> Response {
    let json = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response()
}

fn failure(
    settings: &StatsSettings,
    status: StatusCode,
    code: &str,
    error: String,
    pad: bool,
) -> Response {
    answer(
        status,
        &StatsResponse {
            days: Vec::new(),
            error,
            code: code.to_owned(),
            padding: pad.then(|| padding(settings)),
        },
    )
}

/// Body decoding, with the reference's messages; every failure is a 400 without padding.
async fn decode(body: Body, content_type: Option<&str>, limit: usize) -> Result<(), String> {
    let prefix = "error unmarshalling API call, code: ";
    if !content_type.is_some_and(|t| t.starts_with("application/json")) {
        return Err(format!("{prefix}415: content-type is not application/json"));
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| format!("{prefix}413: http: request body too large"))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("{prefix}400: body must not be empty"));
    }
    let mut values = serde_json::Deserializer::from_slice(&bytes).into_iter::<StatsRequest>();
    match values.next() {
        Some(Ok(_)) => {}
        Some(Err(e)) => return Err(format!("{prefix}400: {e}")),
        None => return Err(format!("{prefix}400: body must not be empty")),
    }
    if values.next().is_some() {
        return Err(format!(
            "{prefix}400: body must contain only one JSON object"
        ));
    }
    Ok(())
}

async fn stats(State(state): State<StatsState>, request: Request) -> Response {
    let settings = &state.settings;
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(error) = decode(body, content_type, settings.max_body_bytes).await {
        return failure(
            settings,
            StatusCode::BAD_REQUEST,
            "bad_request",
            error,
            false,
        );
    }
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let now = Utc::now();
    let authority = auth::bearer(authorization).and_then(|token| {
        auth::authenticate(token, &state.config.snapshot(), &settings.audience, now)
    });
    let authority = match authority {
        Ok(id) => id,
        Err(e) => {
            // The reason may quote client input: logged bounded.
            let reason: String = e.to_string().chars().take(160).collect();
            tracing::debug!(error = %reason, "Stats request not authenticated");
            return failure(
                settings,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                e.to_string(),
                true,
            );
        }
    };
    let rows = state.completed_hours(authority, now).await;
    match rows {
        Ok(rows) => answer(
            StatusCode::OK,
            &StatsResponse {
                days: released_days(&rows, now, &settings.release),
                error: String::new(),
                code: String::new(),
                padding: Some(padding(settings)),
            },
        ),
        Err(e) => {
            tracing::warn!(error = %e, "Cannot read health-authority statistics");
            failure(
                settings,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "error reading stats".into(),
                true,
            )
        }
    }
}
