//! The OpenAPI document as a contract the router tests enforce: it parses as YAML (and so as
//! the JSON the admin serves), lists exactly the router's routes, and every request and response
//! body a router test exchanges is validated against the operation's schemas with a JSON Schema
//! validator (`jsonschema`, draft 2020-12, formats checked).
//!
//! OpenAPI 3.0 schemas are JSON Schema with a few differences; the only one the document uses
//! is `nullable: true`, which becomes a `"null"` type here.

use std::sync::LazyLock;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::routes::{openapi_json, OPENAPI_YAML};

/// The document as JSON, with `nullable` rewritten to JSON Schema.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let mut document: Value =
        serde_norway::from_str(OPENAPI_YAML).unwrap_or_else(|e| panic!("openapi.yaml: {e}"));
    rewrite_nullable(&mut document);
    document
});

fn rewrite_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(kind)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([kind, "null"]));
                }
            }
            map.values_mut().for_each(rewrite_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

/// `(method, path template)` of every operation under `paths`.
pub(super) fn documented_operations() -> Vec<(String, String)> {
    let paths = DOCUMENT["paths"].as_object().cloned().unwrap_or_default();
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                operations.push((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// The path template under `paths` that a concrete request path matches, if any.
fn template_of(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"].as_object()?.keys().find_map(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        let matches = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s);
        matches.then(|| template.clone())
    })
}

/// JSON pointer escaping of one reference token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Follows a local `$ref` of a response or request object, returning the object and its pointer.
fn resolve(pointer: String) -> (String, Value) {
    let value = DOCUMENT
        .pointer(&pointer)
        .cloned()
        .unwrap_or_else(|| panic!("openapi.yaml has nothing at {pointer}"));
    match value.get("$ref").and_then(Value::as_str) {
        Some(target) => resolve(target.trim_start_matches('#').to_owned()),
        None => (pointer, value),
    }
}

/// Validates `instance` against the schema at `pointer` inside the whole document, so that
/// `$ref`s to `#/components/...` resolve as they do for any OpenAPI tool.
fn validate_at(pointer: &str, instance: &Value, what: &str) {
    let mut root = DOCUMENT.clone();
    if let Value::Object(map) = &mut root {
        // A URI fragment: the braces of path templates must be percent-encoded.
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        map.insert("$ref".into(), Value::String(format!("#{fragment}")));
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match openapi.yaml ({pointer}):\n{}\nbody: {instance}",
        errors.join("\n")
    );
}

/// One request and its answer, as a router test saw them.
#[derive(Debug)]
pub(super) struct Exchange<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    /// The JSON body sent, if any.
    pub request: Option<&'a Value>,
    pub status: StatusCode,
    /// The answer's media type (without parameters), if any.
    pub media_type: Option<&'a str>,
    /// The answer's body: JSON, a YAML document as a string, or null when empty.
    pub response: &'a Value,
}

impl Exchange<'_> {
    /// Checks the exchange against the document. Requests to paths the document does not
    /// describe (the 404 fallback) or with a method it does not list (405) are not operations
    /// and are skipped; everything else must answer a documented status with a documented
    /// media type and a body matching its schema, and a request that succeeded must have sent
    /// a body matching the request schema.
    pub(super) fn check(&self) {
        let Some(template) = template_of(self.path) else {
            return;
        };
        let verb = self.method.as_str().to_ascii_lowercase();
        let operation = format!("/paths/{}/{verb}", escape(&template));
        if DOCUMENT.pointer(&operation).is_none() {
            return;
        }
        let what = format!("{} {} -> {}", self.method, self.path, self.status);
        let code = self.status.as_u16().to_string();
        let documented = format!("{operation}/responses/{code}");
        assert!(
            DOCUMENT.pointer(&documented).is_some(),
            "{what}: status {code} is not documented for {verb} {template} in openapi.yaml"
        );
        let (response_pointer, response_object) = resolve(documented);
        match (self.response, self.media_type) {
            (Value::Null, _) => assert!(
                response_object.get("content").is_none(),
                "{what}: an empty body where openapi.yaml documents content"
            ),
            (body, media_type) => {
                let media_type = media_type.unwrap_or_else(|| panic!("{what}: no content type"));
                assert!(
                    response_object["content"].get(media_type).is_some(),
                    "{what}: {media_type} is not documented for this answer"
                );
                validate_at(
                    &format!("{response_pointer}/content/{}/schema", escape(media_type)),
                    body,
                    &format!("response of {what}"),
                );
            }
        }
        if self.status.is_success() {
            let body_pointer = format!("{operation}/requestBody");
            if DOCUMENT.pointer(&body_pointer).is_some() {
                let (pointer, _) = resolve(body_pointer);
                let request = self
                    .request
                    .unwrap_or_else(|| panic!("{what}: succeeded without a body"));
                validate_at(
                    &format!("{pointer}/content/application~1json/schema"),
                    request,
                    &format!("request of {what}"),
                );
            }
        }
    }
}

#[test]
fn the_served_json_is_the_yaml_document() {
    let served: Value = serde_json::from_str(&openapi_json(OPENAPI_YAML).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let parsed: Value = serde_norway::from_str(OPENAPI_YAML).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(served, parsed);
    assert_eq!(served["openapi"], "3.0.3");
}

#[test]
fn the_checker_refuses_a_body_that_breaks_the_schema() {
    let without_issuer = json!({"id": 7, "audience": "a", "name": "n", "enableStats": true});
    // (case, path, status, media type, response, what the refusal says)
    let cases = [
        (
            "a health authority without its required issuer",
            "/admin/v1/health-authorities/7",
            StatusCode::OK,
            Some("application/json"),
            &without_issuer,
            "\"issuer\" is a required property",
        ),
        (
            "an undocumented status",
            "/admin/v1/health-authorities",
            StatusCode::IM_A_TEAPOT,
            None,
            &Value::Null,
            "",
        ),
    ];
    for (case, path, status, media_type, response, says) in cases {
        let outcome = std::panic::catch_unwind(|| {
            Exchange {
                method: &Method::GET,
                path,
                request: None,
                status,
                media_type,
                response,
            }
            .check()
        });
        let Err(refusal) = outcome else {
            panic!("{case}: accepted")
        };
        let message = refusal
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains(says), "{case}: {message}");
    }
}

#[tokio::test]
async fn the_admin_serves_its_description_as_json_and_yaml() {
    let api = super::api();
    let served = api.get("/admin/v1/openapi.json").await;
    let parsed: Value = serde_norway::from_str(OPENAPI_YAML).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(served, parsed);
    let served = api.get("/admin/v1/openapi.yaml").await;
    assert_eq!(served.as_str(), Some(OPENAPI_YAML));
    // Like every route, it needs the admin token.
    let (status, _) = api
        .call_as(None, Method::GET, "/admin/v1/openapi.json", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
