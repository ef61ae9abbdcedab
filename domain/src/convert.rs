//! The one place where wire types (`schemas::publish`) and domain types meet.
//!
//! Services decode an event, convert it here, run the domain rules, and convert the result back;
//! no service maps fields by hand. Conversions that cannot fail are `From`; those that validate
//! (a key that must be 16 bytes of base64, a report type that must be one of the known values)
//! are `TryFrom` with a [`WireError`]. Every conversion keeps the wire form byte for byte: keys
//! travel as standard base64 with padding, durations as whole seconds, report types as their
//! reference strings.

mod exposure;
mod policy;
mod token;

pub use policy::publish_settings;

use crate::types::{KeyParseError, ReportTypeError, RollingPeriodError, TransmissionRiskError};

/// Why a wire value is not a valid domain value. Only a foreign or corrupt event can hold one:
/// every producer writes values that convert back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("invalid key: {0}")]
    Key(#[from] KeyParseError),
    #[error("{0}")]
    ReportType(#[from] ReportTypeError),
    #[error("{0}")]
    RollingPeriod(#[from] RollingPeriodError),
    #[error("{0}")]
    TransmissionRisk(#[from] TransmissionRiskError),
}
