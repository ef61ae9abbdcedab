//! The console's one stylesheet, compiled into the binary (no build step, no CDN).

use axum::http::header;
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("console.css");

/// `GET /console/assets/console.css` (public: the sign-in page uses it).
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}
