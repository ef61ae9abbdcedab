//! The two publish request bodies (v1 and the legacy v1alpha1), decoded with Go's rules, and the
//! common form the rest of the service works on.

use domain::RawKey;

use crate::gojson::{
    more_after, read_value, Context, Cursor, DecodeError, GoType, ReadError, StructShape,
};

/// A decoded publish request, whichever API version it came through.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PublishRequestData {
    /// `temporaryExposureKeys`, as sent.
    pub keys: Vec<RawKey>,
    /// `healthAuthorityID` (v1) or `appPackageName` (v1alpha1), as sent.
    pub health_authority_id: String,
    /// The verification certificate (a JWT).
    pub verification_payload: String,
    /// Device-generated HMAC secret, base64.
    pub hmac_key: String,
    /// `symptomOnsetInterval`; 0 when absent.
    pub symptom_onset_interval: i32,
    /// `traveler` (v1); `len(regions) > 1` for v1alpha1.
    pub traveler: bool,
    /// `revisionToken`, as sent.
    pub revision_token: String,
    /// v1alpha1 only: the request's `regions` (empty means "the app's regions").
    pub regions: Option<Vec<String>>,
}

impl std::fmt::Debug for PublishRequestData {
    /// Never shows key material, the certificate, the HMAC secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishRequestData")
            .field("keys", &self.keys.len())
            .field("health_authority_id", &self.health_authority_id)
            .field("symptom_onset_interval", &self.symptom_onset_interval)
            .field("traveler", &self.traveler)
            .field("has_revision_token", &!self.revision_token.is_empty())
            .field("regions", &self.regions)
            .finish_non_exhaustive()
    }
}

/// Why a body could not be decoded (before any reference mapping to status and text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// No complete first value.
    Read(ReadError),
    /// Type mismatch or unknown field.
    Decode(DecodeError),
    /// Something other than whitespace follows the first value.
    MoreThanOneValue,
}

const KEY_SHAPE: StructShape = StructShape {
    name: "ExposureKey",
    type_name: "v1.ExposureKey",
    fields: &[
        "key",
        "rollingStartNumber",
        "rollingPeriod",
        "transmissionRisk",
    ],
    deny_unknown: true,
};

const V1_SHAPE: StructShape = StructShape {
    name: "Publish",
    type_name: "v1.Publish",
    fields: &[
        "temporaryExposureKeys",
        "healthAuthorityID",
        "verificationPayload",
        "hmacKey",
        "symptomOnsetInterval",
        "traveler",
        "revisionToken",
        "padding",
    ],
    deny_unknown: true,
};

const V1ALPHA1_SHAPE: StructShape = StructShape {
    name: "Publish",
    type_name: "v1alpha1.Publish",
    fields: &[
        "temporaryExposureKeys",
        "regions",
        "appPackageName",
        "verificationPayload",
        "hmackey",
        "symptomOnsetInterval",
        "revisionToken",
        "padding",
        "platform",
        "deviceVerificationPayload",
    ],
    deny_unknown: true,
};

/// Decodes a v1 body: `buf` is the body (cut at the size limit when `truncated`).
pub fn decode_v1(buf: &[u8], truncated: bool) -> Result<PublishRequestData, JsonError> {
    decode_with(buf, truncated, |cur, ctx, out| {
        cur.object(ctx, &V1_SHAPE, |field, cur, ctx| {
            match field {
                0 => keys(cur, ctx, &mut out.keys, "[]v1.ExposureKey")?,
                1 => set_string(cur, ctx, &mut out.health_authority_id)?,
                2 => set_string(cur, ctx, &mut out.verification_payload)?,
                3 => set_string(cur, ctx, &mut out.hmac_key)?,
                4 => set_i32(cur, ctx, &mut out.symptom_onset_interval)?,
                5 => {
                    if let Some(v) = cur.boolean(ctx)? {
                        out.traveler = v;
                    }
                }
                6 => set_string(cur, ctx, &mut out.revision_token)?,
                _ => cur.ignored_string(ctx)?,
            }
            Ok(())
        })
        .map(|_| ())
    })
}

/// Decodes a v1alpha1 body into the common form (`appPackageName` becomes the health-authority
/// ID, `traveler` is `len(regions) > 1`).
pub fn decode_v1alpha1(buf: &[u8], truncated: bool) -> Result<PublishRequestData, JsonError> {
    let mut regions: Vec<String> = Vec::new();
    let mut data = decode_with(buf, truncated, |cur, ctx, out| {
        cur.object(ctx, &V1ALPHA1_SHAPE, |field, cur, ctx| {
            match field {
                0 => keys(cur, ctx, &mut out.keys, "[]v1alpha1.ExposureKey")?,
                1 => strings(cur, ctx, &mut regions)?,
                2 => set_string(cur, ctx, &mut out.health_authority_id)?,
                3 => set_string(cur, ctx, &mut out.verification_payload)?,
                4 => set_string(cur, ctx, &mut out.hmac_key)?,
                5 => set_i32(cur, ctx, &mut out.symptom_onset_interval)?,
                6 => set_string(cur, ctx, &mut out.revision_token)?,
                _ => cur.ignored_string(ctx)?,
            }
            Ok(())
        })
        .map(|_| ())
    })?;
    data.traveler = regions.len() > 1;
    data.regions = Some(regions);
    Ok(data)
}

fn decode_with<F>(buf: &[u8], truncated: bool, body: F) -> Result<PublishRequestData, JsonError>
where
    F: FnOnce(&mut Cursor<'_>, &mut Context, &mut PublishRequestData) -> Result<(), DecodeError>,
{
    let end = read_value(buf, truncated).map_err(JsonError::Read)?;
    let value = buf.get(..end).unwrap_or_default();
    let mut out = PublishRequestData::default();
    let mut cursor = Cursor::new(value);
    let mut ctx = Context::default();
    body(&mut cursor, &mut ctx, &mut out).map_err(JsonError::Decode)?;
    if more_after(buf, end) {
        return Err(JsonError::MoreThanOneValue);
    }
    Ok(out)
}

fn set_string(cur: &mut Cursor<'_>, ctx: &Context, target: &mut String) -> Result<(), DecodeError> {
    if let Some(v) = cur.string(ctx)? {
        *target = v;
    }
    Ok(())
}

fn set_i32(cur: &mut Cursor<'_>, ctx: &Context, target: &mut i32) -> Result<(), DecodeError> {
    if let Some(v) = cur.integer(ctx, GoType::Int32)? {
        // `integer` checked the range.
        *target = i32::try_from(v).unwrap_or_default();
    }
    Ok(())
}

/// `[]ExposureKey`: a repeated key re-decodes into the existing elements, as Go does.
fn keys(
    cur: &mut Cursor<'_>,
    ctx: &mut Context,
    target: &mut Vec<RawKey>,
    slice_type: &'static str,
) -> Result<(), DecodeError> {
    let count = cur.array(ctx, GoType::Slice(slice_type), |i, cur, ctx| {
        if i >= target.len() {
            target.push(RawKey::default());
        }
        let Some(key) = target.get_mut(i) else {
            return Ok(());
        };
        cur.object(ctx, &KEY_SHAPE, |field, cur, ctx| {
            match field {
                0 => set_string(cur, ctx, &mut key.key)?,
                1 => set_i32(cur, ctx, &mut key.rolling_start_number)?,
                2 => set_i32(cur, ctx, &mut key.rolling_period)?,
                _ => {
                    if let Some(v) = cur.integer(ctx, GoType::Int)? {
                        key.transmission_risk = v;
                    }
                }
            }
            Ok(())
        })
        .map(|_| ())
    })?;
    target.truncate(count.unwrap_or(0));
    Ok(())
}

fn strings(
    cur: &mut Cursor<'_>,
    ctx: &mut Context,
    target: &mut Vec<String>,
) -> Result<(), DecodeError> {
    let count = cur.array(ctx, GoType::Slice("[]string"), |i, cur, ctx| {
        if i >= target.len() {
            target.push(String::new());
        }
        match target.get_mut(i) {
            Some(slot) => set_string(cur, ctx, slot),
            None => Ok(()),
        }
    })?;
    target.truncate(count.unwrap_or(0));
    Ok(())
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
