//! The vocabulary of ingest's request metrics: the `result` and `blame` label values (the
//! reference's names, so dashboards built for it keep working), and the response `code`s
//! ([`ErrorCode`], shared with the pipeline through `schemas`). Low-cardinality by construction:
//! every value is a constant of this file.

pub use schemas::ErrorCode;

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
        let Some(code) = code else {
            return ResultLabel::Ok;
        };
        match ErrorCode::parse(code) {
            Some(ErrorCode::PartialFailure) => ResultLabel::Ok,
            Some(ErrorCode::InvalidRevisionToken) => ResultLabel::InvalidRevisionToken,
            Some(ErrorCode::MissingRevisionToken) => ResultLabel::MissingRevisionToken,
            Some(ErrorCode::KeyAlreadyRevised) => ResultLabel::KeyAlreadyRevised,
            Some(ErrorCode::InvalidReportTypeTransition) => {
                ResultLabel::InvalidReportTypeTransition
            }
            Some(ErrorCode::BadRequest) => ResultLabel::TransformFailed,
            _ => ResultLabel::DbWrite,
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
    }
}
