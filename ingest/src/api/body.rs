//! Transport checks of the publish handler, in the reference order: `Content-Type`, then the
//! body (at most 64,000 bytes, read as a stream like Go's `MaxBytesReader`), then JSON decoding.
//! Every failure maps to the reference status, `code` and message.

use axum::body::Body;
use http::{header, HeaderMap, StatusCode};
use http_body_util::BodyExt as _;

use super::request::JsonError;
use crate::codes::ErrorCode;
use crate::gojson::{DecodeError, ReadError};

/// Largest accepted body, in bytes (the reference's limit, not 64 KiB).
pub const MAX_BODY_BYTES: usize = 64_000;

/// Why a request body was refused before any publish logic ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// `Content-Type` missing or not starting with `application/json`.
    UnsupportedMediaType,
    /// The body could not be read from the connection.
    Read(String),
    /// The JSON was not acceptable.
    Json(JsonError),
}

impl BodyError {
    /// The HTTP status the reference answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::Read(_) => StatusCode::INTERNAL_SERVER_ERROR,
            BodyError::Json(JsonError::Read(ReadError::TooLarge)) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Json(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The response `code`: `internal_error` for 500s, `bad_request` otherwise.
    pub fn code(&self) -> ErrorCode {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            ErrorCode::InternalError
        } else {
            ErrorCode::BadRequest
        }
    }

    /// The reference's detail text (after the `code: <status>: ` prefix).
    pub fn detail(&self) -> String {
        match self {
            BodyError::UnsupportedMediaType => "content-type is not application/json".to_owned(),
            BodyError::Read(e) => format!("failed to decode json: {e}"),
            BodyError::Json(JsonError::Read(read)) => match read {
                ReadError::Syntax(e) => format!("malformed json at position {}", e.offset),
                ReadError::UnexpectedEof => "malformed json".to_owned(),
                ReadError::Empty => "body must not be empty".to_owned(),
                ReadError::TooLarge => "http: request body too large".to_owned(),
            },
            BodyError::Json(JsonError::Decode(DecodeError::Type { field, offset, .. })) => {
                format!(
                    "invalid value {} at position {offset}",
                    domain::go_quote(field)
                )
            }
            BodyError::Json(JsonError::Decode(DecodeError::UnknownField(name))) => {
                format!("unknown field {}", domain::go_quote(name))
            }
            BodyError::Json(JsonError::MoreThanOneValue) => {
                "body must contain only one JSON object".to_owned()
            }
        }
    }

    /// The full `error` text of the response.
    pub fn message(&self) -> String {
        format!(
            "error unmarshalling API call, code: {}: {}",
            self.status().as_u16(),
            self.detail()
        )
    }
}

/// The reference check: the first `Content-Type` value's first 16 bytes must be exactly
/// `application/json` (so `application/json; charset=utf-8` passes and `Application/JSON` fails).
pub fn check_content_type(headers: &HeaderMap) -> Result<(), BodyError> {
    let ok = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes())
        .is_some_and(|v| v.len() >= 16 && &v[..16] == b"application/json");
    if ok {
        Ok(())
    } else {
        Err(BodyError::UnsupportedMediaType)
    }
}

/// Reads at most `limit` bytes of `body`. Returns the bytes and whether the body was longer
/// (then only the first `limit` bytes are returned, as Go's decoder would have seen them).
pub async fn read_limited(body: Body, limit: usize) -> Result<(Vec<u8>, bool), BodyError> {
    let mut body = body;
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let room = limit + 1 - buf.len();
        buf.extend_from_slice(&data[..data.len().min(room)]);
        if buf.len() > limit {
            buf.truncate(limit);
            return Ok((buf, true));
        }
    }
    Ok((buf, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::request::decode_v1;
    use http::HeaderValue;

    fn ct(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(header::CONTENT_TYPE, v);
        }
        h
    }

    #[test]
    fn content_type_rule() {
        assert!(check_content_type(&ct("application/json")).is_ok());
        assert!(check_content_type(&ct("application/json; charset=utf-8")).is_ok());
        assert!(check_content_type(&ct("application/jsonx")).is_ok());
        assert!(check_content_type(&ct("Application/JSON")).is_err());
        assert!(check_content_type(&ct("application/pdf")).is_err());
        assert!(check_content_type(&ct("application/jso")).is_err());
        assert!(check_content_type(&HeaderMap::new()).is_err());
        let e = BodyError::UnsupportedMediaType;
        assert_eq!(e.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(e.code(), ErrorCode::BadRequest);
        assert_eq!(
            e.message(),
            "error unmarshalling API call, code: 415: content-type is not application/json"
        );
    }

    fn message(body: &str) -> (u16, String) {
        let e = BodyError::Json(decode_v1(body.as_bytes(), false).unwrap_err());
        (e.status().as_u16(), e.detail())
    }

    #[test]
    fn every_error_class_maps_to_the_reference() {
        assert_eq!(
            message("totally not json"),
            (400, "malformed json at position 2".into())
        );
        assert_eq!(message("{\"a\":"), (400, "malformed json".into()));
        assert_eq!(message(""), (400, "body must not be empty".into()));
        assert_eq!(
            message("{}{}"),
            (400, "body must contain only one JSON object".into())
        );
        assert_eq!(
            message(r#"{"regions":["US"]}"#),
            (400, r#"unknown field "regions""#.into())
        );
        assert_eq!(
            message(r#"{"temporaryExposureKeys": 42}"#),
            (
                400,
                r#"invalid value "temporaryExposureKeys" at position 28"#.into()
            )
        );
        assert_eq!(
            message(r#"{"temporaryExposureKeys": ["41", 42]}"#),
            (
                400,
                r#"invalid value "temporaryExposureKeys" at position 31"#.into()
            )
        );
        assert_eq!(
            message(r#"{"temporaryExposureKeys":[{"rollingStartNumber": 2.0}]}"#),
            (
                400,
                r#"invalid value "temporaryExposureKeys.rollingStartNumber" at position 52"#.into()
            )
        );
        let big = format!(r#"{{"padding":"{}"}}"#, "a".repeat(64_000));
        let e = BodyError::Json(decode_v1(&big.as_bytes()[..MAX_BODY_BYTES], true).unwrap_err());
        assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.code(), ErrorCode::BadRequest);
        assert_eq!(
            e.message(),
            "error unmarshalling API call, code: 413: http: request body too large"
        );
        let read = BodyError::Read("connection reset".into());
        assert_eq!(read.code(), ErrorCode::InternalError);
        assert_eq!(read.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn reading_stops_at_the_limit() {
        let (buf, truncated) = read_limited(Body::from(vec![b' '; 10]), 10).await.unwrap();
        assert_eq!((buf.len(), truncated), (10, false));
        let (buf, truncated) = read_limited(Body::from(vec![b' '; 11]), 10).await.unwrap();
        assert_eq!((buf.len(), truncated), (10, true));
    }
}
