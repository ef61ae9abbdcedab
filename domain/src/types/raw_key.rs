//! `RawKey`: one element of `temporaryExposureKeys` exactly as the phone sent it.

use std::fmt;

/// A key as sent, before any validation. The HMAC of the verification certificate is computed
/// over these values verbatim (including keys the server later drops), and the transform turns
/// them into [`crate::Exposure`]s.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawKey {
    /// The key string as sent (any base64 flavour, possibly invalid).
    pub key: String,
    /// `rollingStartNumber`: interval number of the key's start.
    pub rolling_start_number: i32,
    /// `rollingPeriod`: number of intervals (valid values 1..=144).
    pub rolling_period: i32,
    /// `transmissionRisk` (a Go `int`; valid values 0..=8, missing = 0).
    pub transmission_risk: i64,
}

impl fmt::Debug for RawKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawKey")
            .field("key", &"<redacted>")
            .field("rolling_start_number", &self.rolling_start_number)
            .field("rolling_period", &self.rolling_period)
            .field("transmission_risk", &self.transmission_risk)
            .finish()
    }
}
