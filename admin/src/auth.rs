//! Bearer-token authentication of the admin API.
//!
//! Tokens come from `ADMIN_TOKEN` or the file named by `ADMIN_TOKEN_FILE`; several may be given
//! (separated by commas or newlines) so a token can be rotated without downtime. Only SHA-256
//! digests are kept in memory, and a presented token is hashed and compared with **every**
//! configured digest in constant time, so neither the content nor the length of a token leaks
//! through timing. Tokens are never logged.

use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use platform::env::Secret;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::metrics::AdminMetrics;

/// The actor recorded on changes made through the API.
pub const ACTOR: &str = "admin-token";

/// Shortest accepted token: guessing must stay impractical.
pub const MIN_TOKEN_LEN: usize = 16;

/// The accepted admin tokens (as digests).
#[derive(Clone, PartialEq, Eq)]
pub struct AdminTokens {
    digests: Vec<[u8; 32]>,
}

impl fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdminTokens({} configured)", self.digests.len())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl AdminTokens {
    /// Parses the configured secret: tokens separated by commas or newlines, blanks ignored.
    pub fn parse(secret: &Secret) -> Result<Self, String> {
        let tokens: Vec<&str> = secret
            .expose()
            .split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            return Err("ADMIN_TOKEN holds no token".into());
        }
        if let Some(position) = tokens.iter().position(|t| t.len() < MIN_TOKEN_LEN) {
            return Err(format!(
                "admin token #{} is shorter than {MIN_TOKEN_LEN} characters",
                position + 1
            ));
        }
        Ok(Self {
            digests: tokens.into_iter().map(digest).collect(),
        })
    }

    /// No token at all: every request is refused (a placeholder when settings are invalid).
    pub fn reject_all() -> Self {
        Self {
            digests: Vec::new(),
        }
    }

    /// Whether `presented` is one of the tokens. Constant time in the presented token.
    pub fn accepts(&self, presented: &str) -> bool {
        let presented = digest(presented);
        let matched = self
            .digests
            .iter()
            .fold(subtle::Choice::from(0), |acc, d| acc | d.ct_eq(&presented));
        matched.into()
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// State of the authentication middleware.
#[derive(Debug, Clone)]
pub struct AuthState {
    pub tokens: Arc<AdminTokens>,
    pub metrics: AdminMetrics,
}

/// Middleware: lets the request through only with a valid admin token, else 401.
pub async fn require_admin_token(
    State(auth): State<AuthState>,
    request: Request,
    next: Next,
) -> Response {
    match bearer_token(request.headers()) {
        Some(token) if auth.tokens.accepts(token) => next.run(request).await,
        Some(_) => {
            auth.metrics.auth_failure("invalid");
            tracing::warn!("Admin request with an invalid token refused");
            ApiError::Unauthorized { missing: false }.into_response()
        }
        None => {
            auth.metrics.auth_failure("missing");
            ApiError::Unauthorized { missing: true }.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_tokens_for_rotation() {
        let tokens =
            AdminTokens::parse(&Secret::new("old-token-0123456789, new-token-0123456789\n"))
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(tokens.accepts("old-token-0123456789"));
        assert!(tokens.accepts("new-token-0123456789"));
        assert!(!tokens.accepts("new-token-012345678"));
        assert!(!tokens.accepts(""));
    }

    #[test]
    fn empty_or_short_tokens_are_refused() {
        assert!(AdminTokens::parse(&Secret::new(" , ")).is_err());
        assert!(AdminTokens::parse(&Secret::new("long-enough-token-123,short")).is_err());
    }

    #[test]
    fn debug_shows_no_token() {
        let tokens = AdminTokens::parse(&Secret::new("super-secret-token-42"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{tokens:?}"), "AdminTokens(1 configured)");
    }

    #[test]
    fn bearer_header_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        for (value, expected) in [
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            ("Basic abc", None),
            ("Bearer", None),
            ("Bearer   ", None),
        ] {
            headers.insert(
                header::AUTHORIZATION,
                value.parse().unwrap_or_else(|e| panic!("{e}")),
            );
            assert_eq!(bearer_token(&headers), expected, "{value}");
        }
    }
}
