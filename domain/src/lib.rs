//! Publish rules of the key server, as pure functions: no I/O, no async, no clock.
//!
//! * [`transform()`] turns the keys of one publish request into [`Exposure`]s (or a rejection),
//!   applying the reference validation order, claims, backfill, days since symptom onset and
//!   embargo;
//! * [`hmac`] checks that a verification certificate was issued for exactly these keys;
//! * [`plan_revisions`] merges validated keys with the rows already stored for them, and
//!   [`next_token_entries`] decides what the next revision token lists;
//! * [`convert`] is the one place wire types (`schemas::publish`) become domain types and back;
//! * [`interval`], [`base64`] and [`types`] hold the arithmetic, the lenient decoding and the
//!   validated value types everything else is built from.
//!
//! `ingest`, `processor` and `projector` share this crate so that every decision is made by the
//! same code, and replaying an event (which carries its batch time and [`PublishPolicy`])
//! reproduces the same result. Error and warning texts are the reference's, byte for byte.

#[macro_use]
mod redact;

pub mod base64;
pub mod convert;
mod exposure;
pub mod hmac;
pub mod interval;
mod multierror;
pub mod policy;
mod quote;
pub mod revision;
pub mod transform;
pub mod types;
mod upload_digest;

pub use convert::{publish_settings, WireError};
pub use exposure::Exposure;
pub use multierror::aggregate;
pub use policy::{PolicyError, PublishPolicy};
pub use quote::go_quote;
pub use revision::{
    allowed_transition, next_token_entries, plan_revisions, InternalCause, InvalidTokenCause,
    RevisableKey, Revision, RevisionError, RevisionPlan, RevisionRules, StoredExposure, TokenState,
};
pub use transform::{
    transform, Claims, KeyProblem, PublishStatsInfo, Rejected, Rejection, TransformOutcome,
    TransformRequest, Transformed,
};
pub use types::{
    transmission_risk_for, KeyParseError, RawKey, ReportType, ReportTypeError, RollingPeriod,
    RollingPeriodError, TemporaryExposureKey, TransmissionRisk, TransmissionRiskError,
};
pub use upload_digest::upload_digest;
