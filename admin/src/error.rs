//! Every error the admin API answers with, and the one place that turns them into HTTP.
//!
//! The body is always JSON: `{"error": "<sentence>", "field": "<JSON field>"?}`; a validation
//! failure with several problems adds `"problems": [{"field", "error"}, ...]`. Internal details
//! (Kafka errors and the like) are logged where they happen and never returned.

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::validation::{FieldProblem, Rejection, ValidationError};
use crate::writer::WriteError;

/// An error answer of the admin API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid admin token (401).
    #[error("{}", if *missing { "missing admin token: send Authorization: Bearer <admin token>" } else { "invalid admin token" })]
    Unauthorized { missing: bool },
    /// A rule refused the request (400, 404 or 409 by its class).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The request is malformed (400), e.g. JSON that does not match the schema.
    #[error("{message}")]
    BadRequest {
        field: Option<&'static str>,
        message: String,
    },
    /// No such route (404).
    #[error("no such route")]
    NoRoute,
    /// The route exists, the method does not (405).
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// The body is not declared as JSON (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is too large (413).
    #[error("request body too large")]
    PayloadTooLarge,
    /// Kafka is unreachable or the configuration is not loaded yet (503); nothing was changed
    /// unless the message says so.
    #[error("{0}")]
    Unavailable(String),
}

impl From<WriteError> for ApiError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Rejected(e) => ApiError::Validation(e),
            WriteError::NotReady => ApiError::Unavailable(error.to_string()),
            WriteError::Unavailable { written: 0, .. } => {
                ApiError::Unavailable("the configuration log is unavailable; nothing was changed, retry later".into())
            }
            WriteError::Unavailable { written, .. } => ApiError::Unavailable(format!(
                "the configuration log became unavailable after {written} of the change's events were saved; \
                 check the current state and retry"
            )),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
                "the body must be JSON (Content-Type: application/json)".into(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest {
                field: None,
                message: rejection.body_text(),
            },
        }
    }
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    error: &'a str,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<ProblemBody<'a>>,
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Validation(e) => match e.rejection {
                Rejection::Invalid => StatusCode::BAD_REQUEST,
                Rejection::NotFound => StatusCode::NOT_FOUND,
                Rejection::Conflict => StatusCode::CONFLICT,
            },
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Validation(e) => {
                let first = e.first().cloned().unwrap_or(FieldProblem {
                    field: None,
                    message: "invalid request".into(),
                });
                let problems = if e.problems.len() > 1 {
                    e.problems
                        .iter()
                        .map(|p| ProblemBody {
                            field: p.field,
                            error: &p.message,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                ErrorBody {
                    error: first.message,
                    field: first.field,
                    problems,
                }
            }
            ApiError::BadRequest { field, message } => ErrorBody {
                error: message.clone(),
                field: *field,
                problems: Vec::new(),
            },
            other => ErrorBody {
                error: other.to_string(),
                field: None,
                problems: Vec::new(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A JSON body extractor whose failures answer in the API's error shape.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn validation_errors_name_their_field_and_list_all_problems() {
        let mut e = ValidationError::invalid("issuer", "issuer is required");
        e.problems.push(FieldProblem {
            field: Some("name"),
            message: "name is required".into(),
        });
        let (status, body) = body_of(e.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "issuer is required");
        assert_eq!(body["field"], "issuer");
        assert_eq!(body["problems"][1]["field"], "name");
    }

    #[tokio::test]
    async fn classes_map_to_statuses() {
        let (status, body) = body_of(ValidationError::conflict("issuer", "taken").into()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("taken"))
        );
        let (status, body) = body_of(ValidationError::not_found("gone").into()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.get("field").is_none());
        let (status, _) = body_of(ApiError::Unauthorized { missing: true }).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
