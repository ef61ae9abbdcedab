//! The edge's rules and the secrets they need, built once from the settings and held in the
//! service state; the checks of a publish request (`publish::checks`) apply them.

use domain::PublishPolicy;

use crate::certificate::KeyCache;
use crate::revision_token::TokenCodec;

/// The edge's rules and the secrets they need.
#[derive(Debug)]
pub struct EdgeRules {
    /// Transform settings.
    pub policy: PublishPolicy,
    /// `ALLOW_PARTIAL_REVISIONS`, carried to the pipeline.
    pub allow_partial_revisions: bool,
    /// `DEFAULT_REGION`.
    pub default_region: Option<String>,
    /// Revision-token codec.
    pub tokens: TokenCodec,
    /// Parsed health-authority keys.
    pub certificate_keys: KeyCache,
}
