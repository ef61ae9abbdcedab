//! Parsing of the verification certificate (a compact JWS) the way the reference's JWT library
//! does it, up to the point where a key is needed: segments, header, claims, `alg`.
//!
//! Header and claims are decoded with Go's JSON rules (claims bind case-insensitively, unknown
//! claims are ignored, integer claims must be integers of the right width), so that every
//! certificate the reference accepts is accepted here and vice versa.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use crate::gojson::{
    check_valid, read_value, Context, Cursor, DecodeError, GoType, ReadError, StructShape,
};

/// The claims the key server reads (reference `VerificationClaims`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateClaims {
    pub aud: String,
    pub exp: i64,
    pub jti: String,
    pub iat: i64,
    pub iss: String,
    pub nbf: i64,
    pub sub: String,
    pub report_type: String,
    pub symptom_onset_interval: u32,
    /// Base64 HMAC of the TEKs (`tekmac`).
    pub tekmac: String,
}

/// The value of the `kid` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kid {
    /// Absent.
    Missing,
    /// A JSON string.
    String(String),
    /// Present but not a string (never matches a key version).
    Other,
}

/// A certificate split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct ParsedCertificate<'a> {
    /// `header.claims`, the signed bytes.
    pub signing_input: &'a str,
    /// The third segment, as sent.
    pub signature: &'a str,
    /// The `alg` header (known to be a registered JWT algorithm name).
    pub alg: String,
    /// The `kid` header.
    pub kid: Kid,
    /// The claims.
    pub claims: CertificateClaims,
}

const CLAIMS_SHAPE: StructShape = StructShape {
    name: "VerificationClaims",
    type_name: "v1.VerificationClaims",
    fields: &[
        "aud",
        "exp",
        "jti",
        "iat",
        "iss",
        "nbf",
        "sub",
        "reportType",
        "symptomOnsetInterval",
        "tekmac",
    ],
    deny_unknown: false,
};

/// Algorithm names the reference's JWT library knows; anything else is "unavailable".
const KNOWN_ALGORITHMS: &[&str] = &[
    "ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
    "PS384", "PS512", "none",
];

/// Splits and decodes a certificate. The error is the reference's reason text.
pub fn parse(token: &str) -> Result<ParsedCertificate<'_>, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims_segment, signature] = parts.as_slice() else {
        return Err("token contains an invalid number of segments".to_owned());
    };
    let header_bytes = decode_segment(header).map_err(|e| {
        if token.to_ascii_lowercase().starts_with("bearer ") {
            "tokenstring should not contain 'bearer '".to_owned()
        } else {
            e
        }
    })?;
    let (alg, kid) = parse_header(&header_bytes)?;
    let claims_bytes = decode_segment(claims_segment)?;
    let claims = parse_claims(&claims_bytes)?;
    let alg = match alg {
        None => return Err("signing method (alg) is unspecified.".to_owned()),
        Some(a) if !KNOWN_ALGORITHMS.contains(&a.as_str()) => {
            return Err("signing method (alg) is unavailable.".to_owned())
        }
        Some(a) => a,
    };
    let signing_input = token
        .get(..header.len() + 1 + claims_segment.len())
        .unwrap_or_default();
    Ok(ParsedCertificate {
        signing_input,
        signature,
        alg,
        kid,
        claims,
    })
}

/// Unpadded URL-safe base64 that tolerates non-zero trailing bits, like Go's `RawURLEncoding`.
const RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decodes one segment: unpadded base64url only (no `=`, no `+` or `/`), like Go's
/// `RawURLEncoding` (which skips CR and LF and tolerates non-zero trailing bits).
pub fn decode_segment(segment: &str) -> Result<Vec<u8>, String> {
    // Fast path for the usual canonical form; the byte-exact Go emulation below decides (and
    // words the error) whenever it fails. Both agree on every input the fast path accepts.
    if let Ok(bytes) = RAW_URL.decode(segment) {
        return Ok(bytes);
    }
    decode_segment_go(segment)
}

/// The byte-exact emulation of Go's `RawURLEncoding` (offsets in errors included).
fn decode_segment_go(segment: &str) -> Result<Vec<u8>, String> {
    let bad = segment.bytes().position(|c| {
        !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'\r' || c == b'\n')
    });
    if let Some(offset) = bad {
        return Err(format!("illegal base64 data at input byte {offset}"));
    }
    domain::base64::decode_lenient(segment).map_err(|e| e.to_string())
}

/// The header as Go's `json.Unmarshal` into `map[string]interface{}` sees it: only `alg` (when a
/// string) and `kid` matter. Keys are case-sensitive; a repeated key keeps its last value.
fn parse_header(bytes: &[u8]) -> Result<(Option<String>, Kid), String> {
    check_valid(bytes).map_err(|e| e.msg)?;
    let mut cursor = Cursor::new(bytes);
    let ctx = Context::default();
    let mut alg = None;
    let mut kid = Kid::Missing;
    if !cursor.top_level_is_object() {
        return match cursor.string(&ctx) {
            Ok(None) => Ok((None, Kid::Missing)),
            Ok(Some(_)) => Err(map_type_error("string")),
            Err(DecodeError::Type { value, .. }) => {
                Err(map_type_error(value.split(' ').next().unwrap_or("number")))
            }
            Err(other) => Err(other.to_string()),
        };
    }
    cursor.map_entries(|key, cur| match key {
        "alg" => alg = cur.any_string(),
        "kid" => {
            kid = cur.any_string().map_or(Kid::Other, Kid::String);
        }
        _ => cur.skip(),
    });
    Ok((alg, kid))
}

fn map_type_error(value: &str) -> String {
    format!("json: cannot unmarshal {value} into Go value of type map[string]interface {{}}")
}

/// The claims as Go's `json.Decoder.Decode` reads them (trailing data ignored).
fn parse_claims(bytes: &[u8]) -> Result<CertificateClaims, String> {
    let end = read_value(bytes, false).map_err(|e| match e {
        ReadError::Syntax(s) => s.msg,
        ReadError::UnexpectedEof | ReadError::TooLarge => "unexpected EOF".to_owned(),
        ReadError::Empty => "EOF".to_owned(),
    })?;
    let mut claims = CertificateClaims::default();
    let mut cursor = Cursor::new(bytes.get(..end).unwrap_or_default());
    let mut ctx = Context::default();
    cursor
        .object(&mut ctx, &CLAIMS_SHAPE, |field, cur, ctx| {
            match field {
                0 => set(cur.string(ctx)?, &mut claims.aud),
                1 => set(cur.integer(ctx, GoType::Int64)?, &mut claims.exp),
                2 => set(cur.string(ctx)?, &mut claims.jti),
                3 => set(cur.integer(ctx, GoType::Int64)?, &mut claims.iat),
                4 => set(cur.string(ctx)?, &mut claims.iss),
                5 => set(cur.integer(ctx, GoType::Int64)?, &mut claims.nbf),
                6 => set(cur.string(ctx)?, &mut claims.sub),
                7 => set(cur.string(ctx)?, &mut claims.report_type),
                8 => {
                    if let Some(v) = cur.integer(ctx, GoType::Uint32)? {
                        claims.symptom_onset_interval = u32::try_from(v).unwrap_or_default();
                    }
                }
                _ => set(cur.string(ctx)?, &mut claims.tekmac),
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(claims)
}

fn set<T>(value: Option<T>, target: &mut T) {
    if let Some(v) = value {
        *target = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seg(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.sig", seg(header), seg(claims))
    }

    #[test]
    fn segments() {
        const SEGMENTS: &str = "token contains an invalid number of segments";
        for (token, want) in [
            ("totally not a JWT", SEGMENTS),
            ("", SEGMENTS),
            ("a.b.c.d", SEGMENTS),
            ("a=.b.c", "illegal base64 data at input byte 1"),
            ("Bearer a.b.c", "tokenstring should not contain 'bearer '"),
        ] {
            assert_eq!(parse(token).unwrap_err(), want, "token {token:?}");
        }
        let padded = format!("{}=.{}.s", seg(r#"{"alg":"ES256","kid":"v"}"#), seg("{}"));
        assert!(parse(&padded).is_err(), "padded segments fail");
    }

    #[test]
    fn header_rules() {
        let t = token(
            r#"{"alg":"ES256","kid":"v1","typ":"JWT"}"#,
            r#"{"iss":"i"}"#,
        );
        let ok = parse(&t).unwrap();
        assert_eq!(ok.alg, "ES256");
        assert_eq!(ok.kid, Kid::String("v1".into()));
        assert_eq!(ok.claims.iss, "i");
        assert_eq!(
            parse(&token(r#"{"kid":"v1"}"#, "{}")).unwrap_err(),
            "signing method (alg) is unspecified."
        );
        assert_eq!(
            parse(&token(r#"{"alg":5}"#, "{}")).unwrap_err(),
            "signing method (alg) is unspecified."
        );
        assert_eq!(
            parse(&token(r#"{"ALG":"ES256"}"#, "{}")).unwrap_err(),
            "signing method (alg) is unspecified."
        );
        assert_eq!(
            parse(&token(r#"{"alg":"XX1"}"#, "{}")).unwrap_err(),
            "signing method (alg) is unavailable."
        );
        assert_eq!(
            parse(&token(r#"{"alg":"HS256"}"#, "{}")).unwrap().kid,
            Kid::Missing
        );
        assert_eq!(
            parse(&token(r#"{"alg":"ES256","kid":1}"#, "{}"))
                .unwrap()
                .kid,
            Kid::Other
        );
        assert_eq!(
            parse(&token(r#"{"alg":"ES256","kid":null}"#, "{}"))
                .unwrap()
                .kid,
            Kid::Other
        );
        assert_eq!(
            parse(&token("[]", "{}")).unwrap_err(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(
            parse(&token("{}x", "{}")).unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(
            parse(&token("null", "{}")).unwrap_err(),
            "signing method (alg) is unspecified."
        );
    }

    #[test]
    fn claims_rules() {
        let h = r#"{"alg":"ES256","kid":"v1"}"#;
        let c = parse(&token(h, r#"{"ISS":"i","Aud":"a","exp":5,"iat":4,"nbf":3,"reportType":"likely","symptomOnsetInterval":7,"tekmac":"m","trisk":[{"tr":1}],"other":{}}"#)).unwrap().claims;
        assert_eq!(
            (c.iss.as_str(), c.aud.as_str(), c.exp, c.iat, c.nbf),
            ("i", "a", 5, 4, 3)
        );
        assert_eq!(
            (
                c.report_type.as_str(),
                c.symptom_onset_interval,
                c.tekmac.as_str()
            ),
            ("likely", 7, "m")
        );
        assert_eq!(
            parse(&token(h, r#"{"aud":["a"]}"#)).unwrap_err(),
            "json: cannot unmarshal array into Go struct field VerificationClaims.aud of type string"
        );
        assert_eq!(
            parse(&token(h, r#"{"symptomOnsetInterval":-1}"#)).unwrap_err(),
            "json: cannot unmarshal number -1 into Go struct field VerificationClaims.symptomOnsetInterval of type uint32"
        );
        assert_eq!(
            parse(&token(h, r#"{"exp":1.5}"#)).unwrap_err(),
            "json: cannot unmarshal number 1.5 into Go struct field VerificationClaims.exp of type int64"
        );
        assert_eq!(
            parse(&token(h, r#"{"sub":1}"#)).unwrap_err(),
            "json: cannot unmarshal number into Go struct field VerificationClaims.sub of type string"
        );
        assert_eq!(parse(&token(h, "")).unwrap_err(), "EOF");
        assert_eq!(parse(&token(h, "{")).unwrap_err(), "unexpected EOF");
        // The decoder stops after the first value.
        assert!(parse(&token(h, "{} trailing")).is_ok());
        assert_eq!(
            parse(&token(h, "null")).unwrap().claims,
            CertificateClaims::default()
        );
    }

    proptest! {
        /// The fast path never changes a result.
        #[test]
        fn fast_segment_decoding_agrees(s in "[A-Za-z0-9_\\-+/=\r\n!]{0,40}") {
            prop_assert_eq!(decode_segment(&s), decode_segment_go(&s));
        }
    }

    #[test]
    fn signing_input_is_the_first_two_segments() {
        let t = token(r#"{"alg":"ES256"}"#, "{}");
        let p = parse(&t).unwrap();
        assert_eq!(format!("{}.{}", p.signing_input, p.signature), t);
    }
}
