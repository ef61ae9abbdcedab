//! Fails when an event type and its checked-in JSON Schema (`schemas/json/`) disagree.
//!
//! To accept an intended change, regenerate the files with
//! `UPDATE_SCHEMAS=1 cargo test -p schemas --test schema_drift` and review the diff: changes must
//! be additive, or bump the event's `VERSION`.

use std::path::PathBuf;

use schemars::{schema_for, JsonSchema};
use schemas::{api, config::ConfigEvent, publish, Envelope};

fn check<T: JsonSchema>(file: &str, problems: &mut Vec<String>) {
    let generated = match serde_json::to_string_pretty(&schema_for!(T)) {
        Ok(text) => text + "\n",
        Err(e) => {
            problems.push(format!("{file}: cannot serialise schema: {e}"));
            return;
        }
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("json")
        .join(file);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        if let Err(e) = std::fs::write(&path, &generated) {
            problems.push(format!("{file}: cannot write: {e}"));
        }
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(on_disk) if on_disk == generated => {}
        Ok(_) => problems.push(format!(
            "{file}: checked-in schema differs from the code (run with UPDATE_SCHEMAS=1 and review)"
        )),
        Err(e) => problems.push(format!("{file}: cannot read {}: {e}", path.display())),
    }
}

#[test]
fn checked_in_schemas_match_the_code() {
    let mut problems = Vec::new();
    check::<Envelope<ConfigEvent>>("config.changed.v1.json", &mut problems);
    check::<Envelope<publish::PublishReceived>>("publish.received.v1.json", &mut problems);
    check::<Envelope<publish::PublishProcessed>>("publish.processed.v1.json", &mut problems);
    check::<Envelope<publish::PublishOutcome>>("publish.outcome.v1.json", &mut problems);
    check::<api::PublishRequest>("api.publish-request.json", &mut problems);
    check::<api::PublishResponse>("api.publish-response.json", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
