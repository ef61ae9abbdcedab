//! Publish responses as the reference writes them: Go `encoding/json` field order, omission and
//! escaping (`<`, `>`, `&`, U+2028 and U+2029 are escaped), `Content-Type: application/json`,
//! the `x-api-version` header, and random `padding` on every handler response.

use axum::body::Body;
use axum::response::Response;
use base64::Engine as _;
use http::{header, HeaderValue, StatusCode};
use rand::RngCore as _;
use schemas::api::PublishResponse;

/// Which API a response answers; decides the body shape and `x-api-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/v1/publish`.
    V1,
    /// The legacy API at `/` (`ENABLE_V1ALPHA1_API`).
    V1Alpha1,
}

impl ApiVersion {
    /// Value of the `x-api-version` header.
    pub const fn header_value(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V1Alpha1 => "v1alpha",
        }
    }
}

/// Name of the version header the publish handler sets.
pub const API_VERSION_HEADER: &str = "x-api-version";

/// Response padding settings (`RESPONSE_PADDING_MIN_BYTES`, `RESPONSE_PADDING_RANGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding {
    /// Smallest number of random bytes.
    pub min_bytes: usize,
    /// Exclusive upper bound of the random extra bytes (at least 1).
    pub range: usize,
}

impl Padding {
    /// The reference rule: values `<= 0` fall back to 1024.
    pub fn from_settings(min_bytes: i64, range: i64) -> Self {
        let fix = |v: i64| usize::try_from(v).ok().filter(|v| *v > 0).unwrap_or(1024);
        Self {
            min_bytes: fix(min_bytes),
            range: fix(range),
        }
    }

    /// `min + uniform[0, range)` random bytes, standard base64.
    pub fn generate(&self) -> String {
        let mut rng = rand::thread_rng();
        let extra = usize::try_from(rng.next_u64() % u64::try_from(self.range.max(1)).unwrap_or(1))
            .unwrap_or(0);
        let mut bytes = vec![0u8; self.min_bytes + extra];
        rng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// Appends `s` as a Go-encoded JSON string (with HTML escaping, Go's default).
pub fn push_go_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Fast path for the common case (base64 padding and tokens): nothing to escape.
    if s.bytes()
        .all(|b| b.is_ascii() && b >= 0x20 && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&'))
    {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(char::from(HEX[((b >> 4) & 0xf) as usize]));
                out.push(char::from(HEX[(b & 0xf) as usize]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The body of a publish response is the API's [`PublishResponse`]; this writes it the way the
/// reference does (its own encoder, not serde: Go's field order, omission and escaping).
pub trait GoResponse {
    /// JSON of the v1 `PublishResponse`: every field `omitempty`.
    fn to_v1_json(&self) -> String;
    /// JSON of the v1alpha1 response: `revisionToken`, `insertedExposures`, `error` and
    /// `padding` always present, `warnings` only when non-empty, no `code`.
    fn to_v1alpha1_json(&self) -> String;
    /// The HTTP response: status, JSON body, `Content-Type` and `x-api-version`.
    fn into_response(self, status: StatusCode, version: ApiVersion) -> Response;
}

impl GoResponse for PublishResponse {
    fn to_v1_json(&self) -> String {
        let mut out = String::with_capacity(self.padding.len() + self.error.len() + 128);
        let mut first = true;
        let mut field = |out: &mut String, name: &str| {
            out.push(if first { '{' } else { ',' });
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
        };
        if !self.revision_token.is_empty() {
            field(&mut out, "revisionToken");
            push_go_string(&mut out, &self.revision_token);
        }
        if self.inserted_exposures != 0 {
            field(&mut out, "insertedExposures");
            out.push_str(&self.inserted_exposures.to_string());
        }
        for (name, value) in [
            ("error", &self.error),
            ("code", &self.code),
            ("padding", &self.padding),
        ] {
            if !value.is_empty() {
                field(&mut out, name);
                push_go_string(&mut out, value);
            }
        }
        if !self.warnings.is_empty() {
            field(&mut out, "warnings");
            push_list(&mut out, &self.warnings);
        }
        if first {
            out.push('{');
        }
        out.push('}');
        out
    }

    fn to_v1alpha1_json(&self) -> String {
        let mut out = String::with_capacity(self.padding.len() + self.error.len() + 128);
        out.push_str("{\"revisionToken\":");
        push_go_string(&mut out, &self.revision_token);
        out.push_str(",\"insertedExposures\":");
        out.push_str(&self.inserted_exposures.to_string());
        out.push_str(",\"error\":");
        push_go_string(&mut out, &self.error);
        out.push_str(",\"padding\":");
        push_go_string(&mut out, &self.padding);
        if !self.warnings.is_empty() {
            out.push_str(",\"warnings\":");
            push_list(&mut out, &self.warnings);
        }
        out.push('}');
        out
    }

    fn into_response(self, status: StatusCode, version: ApiVersion) -> Response {
        let json = match version {
            ApiVersion::V1 => self.to_v1_json(),
            ApiVersion::V1Alpha1 => self.to_v1alpha1_json(),
        };
        json_response(status, Body::from(json), version)
    }
}

/// A publish answer: `status`, the JSON `body`, `Content-Type: application/json` and
/// `x-api-version`. Real and chaff answers both come from here, so their headers cannot differ.
pub fn json_response(status: StatusCode, body: Body, version: ApiVersion) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        API_VERSION_HEADER,
        HeaderValue::from_static(version.header_value()),
    );
    response
}

fn push_list(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_go_string(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping() {
        let mut s = String::new();
        push_go_string(&mut s, "a<b>&\"\\\n\r\t\u{1}\u{8}\u{2028}é");
        assert_eq!(s, r#""a\u003cb\u003e\u0026\"\\\n\r\t\u0001\u0008\u2028é""#);
    }

    #[test]
    fn v1_omits_empty_fields_in_go_order() {
        assert_eq!(PublishResponse::default().to_v1_json(), "{}");
        let body = PublishResponse {
            revision_token: "t".into(),
            inserted_exposures: 2,
            error: "e".into(),
            code: "partial_failure".into(),
            padding: "p".into(),
            warnings: vec!["w1".into(), "w2".into()],
        };
        assert_eq!(
            body.to_v1_json(),
            r#"{"revisionToken":"t","insertedExposures":2,"error":"e","code":"partial_failure","padding":"p","warnings":["w1","w2"]}"#
        );
        let json: serde_json::Value = serde_json::from_str(&body.to_v1_json()).unwrap();
        let back: PublishResponse = serde_json::from_value(json).unwrap();
        assert_eq!(back, body);
        assert_eq!(back.inserted_exposures, 2);
        let only_padding = PublishResponse {
            padding: "p".into(),
            ..Default::default()
        };
        assert_eq!(only_padding.to_v1_json(), r#"{"padding":"p"}"#);
    }

    #[test]
    fn v1alpha1_shape() {
        let body = PublishResponse {
            padding: "p".into(),
            code: "bad_request".into(),
            ..Default::default()
        };
        assert_eq!(
            body.to_v1alpha1_json(),
            r#"{"revisionToken":"","insertedExposures":0,"error":"","padding":"p"}"#
        );
    }

    #[test]
    fn padding_sizes() {
        let p = Padding::from_settings(0, -5);
        assert_eq!(
            p,
            Padding {
                min_bytes: 1024,
                range: 1024
            }
        );
        let p = Padding::from_settings(10, 1);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(p.generate())
            .unwrap();
        assert_eq!(decoded.len(), 10);
        let p = Padding::from_settings(100, 50);
        for _ in 0..50 {
            let n = base64::engine::general_purpose::STANDARD
                .decode(p.generate())
                .unwrap()
                .len();
            assert!((100..150).contains(&n), "{n}");
        }
    }
}
