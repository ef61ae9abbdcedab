//! Export configuration and signature info pages: the export rules of the REST API, the
//! console's own parsing of times and periods, and unchanged saves writing nothing.

use axum::http::StatusCode;
use schemas::config::ConfigChange;

use super::seeded;

const CONFIGS: &str = "/console/export-configs";
const INFOS: &str = "/console/signature-infos";

#[tokio::test]
async fn export_config_and_signature_info_are_saved_as_config_events() {
    let (c, session) = seeded().await;
    let snapshot = c.state.writer.snapshot();
    let Some(config) = snapshot.export_config(1) else {
        panic!("no export config")
    };
    assert_eq!(
        (config.period_seconds, config.signature_info_ids.as_slice()),
        (14_400, &[1][..])
    );
    assert!(config.include_travelers && !config.only_non_travelers);
    let info = snapshot.signature_info(1).cloned();
    assert!(info.is_some_and(|i| i.signing_key_id == "310" && i.thru.is_none()));

    let list = c
        .get("/console/export-configs", Some(&session.cookie))
        .await;
    assert!(
        list.body.contains(">us</a>") && list.body.contains("4h"),
        "{}",
        list.body
    );
    let edit = c
        .get("/console/export-configs/1", Some(&session.cookie))
        .await;
    assert!(edit.body.contains("value=\"1\" checked"), "{}", edit.body);
    let infos = c
        .get("/console/signature-infos", Some(&session.cookie))
        .await;
    assert!(infos.body.contains("export-signing-key.pem"));
}

#[tokio::test]
async fn saving_an_unchanged_form_writes_nothing_and_an_end_is_saved() {
    let (c, session) = seeded().await;
    let before = c.store.events().len();
    let edit = c
        .get("/console/export-configs/1", Some(&session.cookie))
        .await;
    let from = {
        let marker = "name=\"from\" value=\"";
        let start = edit
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .unwrap_or_default();
        let end = edit.body[start..]
            .find('"')
            .map(|i| start + i)
            .unwrap_or(start);
        edit.body[start..end].to_owned()
    };
    let same = [
        ("filenameRoot", "us"),
        ("outputRegion", "US"),
        ("periodSeconds", "4h"),
        ("includeTravelers", "on"),
        ("from", from.as_str()),
        ("signatureInfoIds", "1"),
    ];
    c.submit(
        &session,
        "/console/export-configs/1",
        &same,
        StatusCode::SEE_OTHER,
    )
    .await;
    assert_eq!(
        c.store.events().len(),
        before,
        "unchanged save wrote an event"
    );

    let fields = [
        ("signingKey", "export-signing-key.pem"),
        ("signingKeyId", "310"),
        ("signingKeyVersion", "v1"),
        ("thru", "2030-01-01T00:00:00Z"),
    ];
    c.submit(
        &session,
        "/console/signature-infos/1",
        &fields,
        StatusCode::SEE_OTHER,
    )
    .await;
    let events = c.store.events();
    let Some((key, event)) = events.last() else {
        panic!("no event")
    };
    assert_eq!(key, "signature-info/1");
    let ConfigChange::SignatureInfoSaved { entity } = &event.payload.change else {
        panic!("{event:?}")
    };
    assert_eq!(
        entity.thru.map(|t| t.to_rfc3339()).as_deref(),
        Some("2030-01-01T00:00:00+00:00")
    );
}

#[tokio::test]
async fn refused_export_forms_keep_the_input_and_name_the_fields() {
    let (c, session) = seeded().await;
    let before = c.store.events().len();
    let fields = [
        ("filenameRoot", "../up"),
        ("outputRegion", "US"),
        ("periodSeconds", "5h"),
        ("includeTravelers", "on"),
        ("onlyNonTravelers", "on"),
    ];
    let reply = c
        .submit(&session, CONFIGS, &fields, StatusCode::BAD_REQUEST)
        .await;
    reply.assert_field_errors(&["filenameRoot", "periodSeconds", "onlyNonTravelers"]);
    reply.assert_shows(&["value=\"5h\"", "value=\"../up\""]);

    // Text the console parses itself is refused before the rules run.
    let fields = [
        ("filenameRoot", "ca"),
        ("outputRegion", "CA"),
        ("periodSeconds", "daily"),
        ("from", "yesterday"),
        ("maxRecordsOverride", "many"),
        ("signatureInfoIds", "x"),
    ];
    c.submit(&session, CONFIGS, &fields, StatusCode::BAD_REQUEST)
        .await
        .assert_field_errors(&[
            "periodSeconds",
            "from",
            "maxRecordsOverride",
            "signatureInfoIds",
        ]);

    // A duplicate root is a conflict; a signature info needs its key.
    let fields = [("filenameRoot", "US"), ("outputRegion", "US")];
    c.submit(&session, CONFIGS, &fields, StatusCode::CONFLICT)
        .await;
    let fields = [
        ("signingKey", ""),
        ("signingKeyId", "3 10"),
        ("thru", "soon"),
    ];
    c.submit(&session, INFOS, &fields, StatusCode::BAD_REQUEST)
        .await
        .assert_field_errors(&["thru"]);
    let reply = c
        .submit(&session, INFOS, &fields[..2], StatusCode::BAD_REQUEST)
        .await;
    reply.assert_field_errors(&["signingKey", "signingKeyId"]);
    reply.assert_shows(&["value=\"3 10\""]);
    assert_eq!(c.store.events().len(), before);
    for path in ["/console/export-configs/9", "/console/signature-infos/x"] {
        assert_eq!(
            c.get(path, Some(&session.cookie)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
