//! Serving export files and indexes over HTTP (`GET`/`HEAD /{name}`) from the blob store, with
//! the headers the cloud buckets of the reference set: zips `public, max-age=86400`,
//! `index.txt` `no-cache, max-age=0`. Every answer carries an `ETag`; `If-None-Match` gives 304,
//! and a single `Range: bytes=` range gives 206 (or 416 when it is outside the object).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::blob::{BlobKind, BlobStore};

/// The download routes (merge the ops routes next to them: their paths take precedence).
pub fn router(blobs: Arc<dyn BlobStore>) -> Router {
    Router::new()
        .route("/{*name}", get(download))
        .with_state(blobs)
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether an `If-None-Match` value matches `etag` (`*` or one of a list; weak prefixes are
/// compared loosely, as the header's semantics ask).
fn none_match(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// A single byte range `bytes=a-b`, `bytes=a-` or `bytes=-n` over `len` bytes, as an
/// inclusive `(first, last)`. `Err(())` when it cannot be satisfied; `Ok(None)` when the header
/// is not a single byte range (then the whole object is served).
fn byte_range(range: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let parsed = match (first.is_empty(), last.is_empty()) {
        (true, false) => {
            let Ok(n) = last.parse::<u64>() else {
                return Ok(None);
            };
            if n == 0 || len == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len - 1)
        }
        (false, _) => {
            let Ok(a) = first.parse::<u64>() else {
                return Ok(None);
            };
            let b = if last.is_empty() {
                len.saturating_sub(1)
            } else {
                match last.parse::<u64>() {
                    Ok(b) => b.min(len.saturating_sub(1)),
                    Err(_) => return Ok(None),
                }
            };
            if a >= len || b < a {
                return Err(());
            }
            (a, b)
        }
        (true, true) => return Ok(None),
    };
    Ok(Some(parsed))
}

async fn download(
    State(blobs): State<Arc<dyn BlobStore>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let blob = match blobs.get(&name).await {
        Ok(Some(blob)) => blob,
        Ok(None) | Err(crate::blob::BlobError::InvalidName(_)) => {
            return StatusCode::NOT_FOUND.into_response()
        }
        Err(e) => {
            // The error names the file: client input, so clipped.
            tracing::error!(
                error = %platform::log_text::clip(&e.to_string(), 200),
                "Cannot read from the blob store"
            );
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let kind = BlobKind::of(&name);
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CONTENT_TYPE, header_value(kind.content_type()));
    response_headers.insert(header::CACHE_CONTROL, header_value(kind.cache_control()));
    response_headers.insert(header::ETAG, header_value(&blob.etag));
    response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match(v, &blob.etag))
    {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    let len = blob.bytes.len() as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Ok(None), |r| byte_range(r, len));
    match range {
        Ok(None) => (StatusCode::OK, response_headers, Body::from(blob.bytes)).into_response(),
        Ok(Some((first, last))) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {first}-{last}/{len}")),
            );
            let (first, last) = (
                usize::try_from(first).unwrap_or(usize::MAX),
                usize::try_from(last).unwrap_or(usize::MAX),
            );
            let part = blob
                .bytes
                .slice(first..=last.min(blob.bytes.len().saturating_sub(1)));
            (
                StatusCode::PARTIAL_CONTENT,
                response_headers,
                Body::from(part),
            )
                .into_response()
        }
        Err(()) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{len}")),
            );
            (StatusCode::RANGE_NOT_SATISFIABLE, response_headers).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::DirectoryStore;
    use axum::http::Request;
    use bytes::Bytes;
    use tower::ServiceExt as _;

    #[test]
    fn ranges_parse_like_http_says() {
        assert_eq!(byte_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(byte_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(byte_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(byte_range("bytes=95-200", 100), Ok(Some((95, 99))));
        assert_eq!(byte_range("bytes=100-", 100), Err(()));
        assert_eq!(byte_range("bytes=5-1", 100), Err(()));
        assert_eq!(byte_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(byte_range("items=0-1", 100), Ok(None));
        assert!(none_match("\"a\", \"b\"", "\"b\""));
        assert!(none_match("*", "\"x\""));
        assert!(!none_match("\"a\"", "\"b\""));
    }

    async fn get(router: &Router, uri: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::builder().uri(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {})
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn files_are_served_with_cache_headers_etags_and_ranges() {
        let root = std::env::temp_dir().join(format!("dl-{}", uuid::Uuid::new_v4()));
        let store = Arc::new(DirectoryStore::new(&root));
        for (name, bytes, kind) in [
            ("us/index.txt", &b"us/1-2-00001.zip"[..], BlobKind::Index),
            ("us/1-2-00001.zip", b"0123456789", BlobKind::ExportFile),
        ] {
            store
                .put(name, Bytes::from_static(bytes), kind)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let router = router(store);

        let index = get(&router, "/us/index.txt", &[]).await;
        assert_eq!(index.status(), StatusCode::OK);
        assert_eq!(header(&index, header::CACHE_CONTROL), "no-cache, max-age=0");
        assert_eq!(header(&index, header::CONTENT_TYPE), "text/plain");

        let zip = get(&router, "/us/1-2-00001.zip", &[]).await;
        assert_eq!(zip.status(), StatusCode::OK);
        assert_eq!(header(&zip, header::CACHE_CONTROL), "public, max-age=86400");
        assert_eq!(header(&zip, header::CONTENT_TYPE), "application/zip");
        let etag = header(&zip, header::ETAG).to_owned();
        assert!(etag.starts_with('"'));

        let cached = get(&router, "/us/1-2-00001.zip", &[("if-none-match", &etag)]).await;
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

        let part = get(&router, "/us/1-2-00001.zip", &[("range", "bytes=2-4")]).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(header(&part, header::CONTENT_RANGE), "bytes 2-4/10");
        let body = axum::body::to_bytes(part.into_body(), 100)
            .await
            .unwrap_or_default();
        assert_eq!(&body[..], b"234");
        let bad = get(&router, "/us/1-2-00001.zip", &[("range", "bytes=50-")]).await;
        assert_eq!(bad.status(), StatusCode::RANGE_NOT_SATISFIABLE);

        for missing in ["/us/nope.zip", "/../etc/passwd", "/us", "/us/%2e%2e/x"] {
            assert_eq!(
                get(&router, missing, &[]).await.status(),
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
