//! `RawKey`: one element of `temporaryExposureKeys` exactly as the phone sent it.

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

debug_redacting_key!(
    RawKey,
    key;
    rolling_start_number,
    rolling_period,
    transmission_risk,
);
