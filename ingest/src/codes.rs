//! The reference's vocabulary: response `code`s, and the `result` and `blame` values used to
//! label request metrics (reference §7.1). Low-cardinality by construction.

/// Error codes of the v1 API (`code` in the response body).
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
}

/// The `result` label of request metrics (the reference's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultLabel {
    Ok,
    BadJson,
    UnauthorizedHealthAuthority,
    LoadingHealthAuthority,
    RegionNotAuthorized,
    RegionNotSpecified,
    BadVerification,
    TransformFailed,
    InvalidRevisionToken,
    MissingRevisionToken,
    KeyAlreadyRevised,
    InvalidReportTypeTransition,
    /// The body did not arrive within `PUBLISH_BODY_TIMEOUT` / `PUBLISH_BODY_MIN_RATE`, or its
    /// connection broke while it was read (a client error).
    BodyTimeout,
    /// The write path failed: here, Kafka did not acknowledge the event, or the query store
    /// reported an internal error in the outcome.
    DbWrite,
}

impl ResultLabel {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResultLabel::Ok => "OK",
            ResultLabel::BadJson => "BAD_JSON",
            ResultLabel::UnauthorizedHealthAuthority => "ERROR_UNAUTHORIZED_HEALTH_AUTHORITY",
            ResultLabel::LoadingHealthAuthority => "ERROR_LOADING_HEALTH_AUTHORITY",
            ResultLabel::RegionNotAuthorized => "ERROR_REGION_NOT_AUTHORIZED",
            ResultLabel::RegionNotSpecified => "ERROR_REGION_NOT_SPECIFIED",
            ResultLabel::BadVerification => "BAD_VERIFICATION",
            ResultLabel::TransformFailed => "TRANSFORM_FAILED",
            ResultLabel::InvalidRevisionToken => "INVALID_REVISION_TOKEN",
            ResultLabel::MissingRevisionToken => "MISSING_REVISION_TOKEN",
            ResultLabel::KeyAlreadyRevised => "KEY_ALREADY_REVISED",
            ResultLabel::InvalidReportTypeTransition => "INVALID_REPORT_TYPE_TRANSITION",
            ResultLabel::BodyTimeout => "BODY_TIMEOUT",
            ResultLabel::DbWrite => "ERROR_DB_WRITE",
        }
    }

    /// Who is to blame (the reference's `blame` tag).
    pub const fn blame(self) -> &'static str {
        match self {
            ResultLabel::Ok => "NONE",
            ResultLabel::LoadingHealthAuthority
            | ResultLabel::RegionNotSpecified
            | ResultLabel::DbWrite => "SERVER",
            _ => "CLIENT",
        }
    }

    /// The label for an outcome `code` reported by the pipeline.
    pub fn for_outcome_code(code: Option<&str>) -> Self {
        match code {
            None | Some("partial_failure") => ResultLabel::Ok,
            Some("invalid_revision_token") => ResultLabel::InvalidRevisionToken,
            Some("missing_revision_token") => ResultLabel::MissingRevisionToken,
            Some("key_already_revised") => ResultLabel::KeyAlreadyRevised,
            Some("invalid_report_type_transition") => ResultLabel::InvalidReportTypeTransition,
            Some("bad_request") => ResultLabel::TransformFailed,
            Some(_) => ResultLabel::DbWrite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_codes_map_to_results() {
        assert_eq!(ResultLabel::for_outcome_code(None), ResultLabel::Ok);
        assert_eq!(
            ResultLabel::for_outcome_code(Some("partial_failure")),
            ResultLabel::Ok
        );
        assert_eq!(
            ResultLabel::for_outcome_code(Some("key_already_revised")).as_str(),
            "KEY_ALREADY_REVISED"
        );
        assert_eq!(
            ResultLabel::for_outcome_code(Some("internal_error")),
            ResultLabel::DbWrite
        );
        assert_eq!(ResultLabel::DbWrite.blame(), "SERVER");
        assert_eq!(ResultLabel::BadJson.blame(), "CLIENT");
        assert_eq!(
            ErrorCode::VerificationCertificateInvalid.as_str(),
            "health_authority_verification_certificate_invalid"
        );
    }
}
