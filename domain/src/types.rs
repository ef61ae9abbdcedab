//! Validated value types of the publish path ("parse, don't validate").
//!
//! Each type has private fields and a fallible constructor whose error displays the exact
//! reference text for that problem, so a value that exists is known to be in range and the
//! transform can quote the constructor error verbatim in `key N cannot be imported: ...`.

mod key;
mod range;
mod raw_key;
mod report_type;

pub use key::{KeyParseError, TemporaryExposureKey};
pub use range::{RollingPeriod, RollingPeriodError, TransmissionRisk, TransmissionRiskError};
pub use raw_key::RawKey;
pub use report_type::{transmission_risk_for, ReportType, ReportTypeError};
