//! The API's own description, `admin/openapi.yaml`, served as written (`openapi.yaml`) and
//! converted to JSON (`openapi.json`) for tools that read only JSON (Swagger UI, client
//! generators, API gateways). The document is compiled into the binary, so what a running
//! admin serves is exactly the description of its own routes.

use std::sync::LazyLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The OpenAPI document, as checked in.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// The JSON form of [`OPENAPI_YAML`], converted once on first use.
static OPENAPI_JSON: LazyLock<Result<String, String>> =
    LazyLock::new(|| openapi_json(OPENAPI_YAML));

/// Converts an OpenAPI document from YAML to compact JSON.
pub fn openapi_json(yaml: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_norway::from_str(yaml).map_err(|e| e.to_string())?;
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

/// `GET /admin/v1/openapi.yaml`: the document as written (media type of RFC 9512).
pub async fn yaml() -> Response {
    with_type(OPENAPI_YAML.to_owned(), "application/yaml")
}

/// `GET /admin/v1/openapi.json`: the same document as JSON.
pub async fn json() -> Response {
    match &*OPENAPI_JSON {
        Ok(body) => with_type(body.clone(), "application/json"),
        Err(e) => {
            // Unreachable with the checked-in document (a unit test parses it).
            tracing::error!(error = %e, "admin/openapi.yaml does not parse");
            let body = serde_json::json!({"error": "the API description is unavailable"});
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
        }
    }
}

fn with_type(body: String, media_type: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
        body,
    )
        .into_response()
}
