//! `RevisionError`: why a publish cannot be merged into the store, with the reference `code`
//! and `error` text of each case.

use crate::quote::go_quote;
use crate::types::ReportType;
use schemas::ErrorCode;

use super::TokenState;

/// What made a revision token invalid (for logs and metrics; the response text is the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidTokenCause {
    /// The token could not be decrypted; every later error is reported as an invalid token.
    DecryptFailed,
    /// An existing key is not listed in the token.
    ExistingKeyNotInToken,
    /// The token lists the key with other interval metadata than the stored row.
    MetadataMismatch,
}

/// What went wrong behind an `internal_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalCause {
    /// A re-sent key has another `rollingStartNumber`/`rollingPeriod` than the stored row.
    IntervalMetadataChanged,
    /// The stored row came from federation or import; publish may not change its report type.
    NotLocalProvenance,
    /// Written entries carry different health-authority ids.
    MixedHealthAuthority,
    /// The store failed (e.g. a revision UPDATE matched no row).
    Storage,
}

/// A failed merge. Each variant maps to one response `code` ([`RevisionError::code`]); `Display`
/// gives the reference `error` text. The HTTP status is always 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    /// `invalid_revision_token`.
    #[error("revision token is invalid")]
    InvalidRevisionToken {
        /// Why.
        cause: InvalidTokenCause,
    },
    /// `missing_revision_token`.
    #[error("no revision token, but sent existing keys")]
    MissingRevisionToken,
    /// `key_already_revised`.
    #[error("key was already revised")]
    KeyAlreadyRevised,
    /// `invalid_report_type_transition`, naming the stored (original) type.
    #[error(
        "invalid report type transition: cannot transition from {} to {}",
        go_quote(from.as_str()),
        go_quote(to.as_str())
    )]
    InvalidReportTypeTransition {
        /// Stored report type, as stored (`""` stays `""`).
        from: ReportType,
        /// Incoming report type.
        to: ReportType,
    },
    /// `internal_error`.
    #[error("Internal Server Error")]
    Internal {
        /// Why.
        cause: InternalCause,
    },
}

impl RevisionError {
    /// The response `code`.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidRevisionToken { .. } => ErrorCode::InvalidRevisionToken,
            Self::MissingRevisionToken => ErrorCode::MissingRevisionToken,
            Self::KeyAlreadyRevised => ErrorCode::KeyAlreadyRevised,
            Self::InvalidReportTypeTransition { .. } => ErrorCode::InvalidReportTypeTransition,
            Self::Internal { .. } => ErrorCode::InternalError,
        }
    }

    /// Apply the reference's first mapping rule: once the token failed to decrypt, every error
    /// of this stage is reported as `invalid_revision_token`.
    pub fn for_token(self, token: &TokenState) -> Self {
        match token {
            TokenState::DecryptFailed => Self::InvalidRevisionToken {
                cause: InvalidTokenCause::DecryptFailed,
            },
            TokenState::Absent | TokenState::Valid(_) => self,
        }
    }

    /// The error to report when the store itself fails while applying a plan (e.g. a revision
    /// UPDATE that matched no row), already mapped for the token state.
    pub fn storage_failure(token: &TokenState) -> Self {
        Self::Internal {
            cause: InternalCause::Storage,
        }
        .for_token(token)
    }
}
