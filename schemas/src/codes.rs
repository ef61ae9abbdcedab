//! The `code` values of the publish API: what a phone reads in a response body, what the
//! pipeline carries in `Rejection::code` and `PublishOutcome::code`. One enum, so that ingest,
//! processor and projector cannot spell a code differently. On the wire they stay plain strings
//! (a consumer ignores a code it does not know rather than failing to decode the event).

/// Error codes of the v1 publish API (`code` in the response body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    UnknownHealthAuthorityId,
    UnableToLoadHealthAuthority,
    HealthAuthorityMissingRegionConfig,
    VerificationCertificateInvalid,
    BadRequest,
    InternalError,
    MissingRevisionToken,
    InvalidRevisionToken,
    KeyAlreadyRevised,
    InvalidReportTypeTransition,
    PartialFailure,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::UnknownHealthAuthorityId,
        ErrorCode::UnableToLoadHealthAuthority,
        ErrorCode::HealthAuthorityMissingRegionConfig,
        ErrorCode::VerificationCertificateInvalid,
        ErrorCode::BadRequest,
        ErrorCode::InternalError,
        ErrorCode::MissingRevisionToken,
        ErrorCode::InvalidRevisionToken,
        ErrorCode::KeyAlreadyRevised,
        ErrorCode::InvalidReportTypeTransition,
        ErrorCode::PartialFailure,
    ];

    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownHealthAuthorityId => "unknown_health_authority_id",
            ErrorCode::UnableToLoadHealthAuthority => "unable_to_load_health_authority",
            ErrorCode::HealthAuthorityMissingRegionConfig => {
                "health_authority_missing_region_config"
            }
            ErrorCode::VerificationCertificateInvalid => {
                "health_authority_verification_certificate_invalid"
            }
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::MissingRevisionToken => "missing_revision_token",
            ErrorCode::InvalidRevisionToken => "invalid_revision_token",
            ErrorCode::KeyAlreadyRevised => "key_already_revised",
            ErrorCode::InvalidReportTypeTransition => "invalid_report_type_transition",
            ErrorCode::PartialFailure => "partial_failure",
        }
    }

    /// The code of a wire string; `None` for a string that is not one (exact match).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_from_its_wire_string() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("Bad_Request"), None);
        assert_eq!(ErrorCode::parse(""), None);
        assert_eq!(
            ErrorCode::VerificationCertificateInvalid.as_str(),
            "health_authority_verification_certificate_invalid"
        );
    }
}
