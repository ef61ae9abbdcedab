//! The console's forms: the same events and rules as the REST API, the operator as actor, and
//! refused forms shown again with what was typed and each message next to its field.

use axum::http::StatusCode;
use schemas::config::ConfigChange;

use super::{console, seeded, OPERATOR, P256_PEM, PASSWORD};

const RSA_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCfjh4gwxwy1DCr4iNLnWEv1ATN
ZOU8aRWUM10W5tRxT0y1ipCg3gtDP3dIa+NdYlpq6+yoNthK36FQDtrSHsPAcQbv
akSrvt2jCC0tQx+aeNrcOrgiUXUyr9S8zXDwROo8Uf4JczMcElJdVL7yhP62UYyA
2orl5MSHOmy9oGS9+QIDAQAB
-----END PUBLIC KEY-----";

const AUTHORITIES: &str = "/console/health-authorities";
const APPS: &str = "/console/authorized-apps";

fn kinds(c: &super::Console) -> Vec<(String, String)> {
    c.store
        .events()
        .into_iter()
        .map(|(key, event)| (key, event.payload.actor))
        .collect()
}

#[tokio::test]
async fn console_changes_are_config_events_by_the_operator() {
    let c = console();
    let session = c.session_as(OPERATOR, PASSWORD).await;
    c.seed(&session).await;
    assert_eq!(
        kinds(&c),
        [
            ("health-authority/1".to_owned(), OPERATOR.to_owned()),
            ("health-authority-key/1/v1".to_owned(), OPERATOR.to_owned()),
            (
                "authorized-app/com.example.app".to_owned(),
                OPERATOR.to_owned()
            ),
            ("signature-info/1".to_owned(), OPERATOR.to_owned()),
            ("export-config/1".to_owned(), OPERATOR.to_owned()),
        ]
    );
    let events = c.store.events();
    let Some((_, app)) = events.get(2) else {
        panic!("no events")
    };
    let ConfigChange::AuthorizedAppSaved { entity } = &app.payload.change else {
        panic!("{app:?}")
    };
    assert_eq!(entity.regions, ["US", "CA"]);
    assert_eq!(entity.allowed_health_authority_ids, [1]);
    assert!(!entity.bypass_health_authority_verification && !entity.bypass_revision_token);

    // The pages show what was saved, and the audit trail who saved it.
    let page = c
        .get("/console/health-authorities/1", Some(&session.cookie))
        .await;
    assert!(page.body.contains("Key v1 added.") || page.body.contains("gov.example.iss"));
    assert!(page.body.contains("badge current"), "{}", page.body);
    let audit = c.get("/console/audit", Some(&session.cookie)).await;
    assert!(audit.body.contains("<td>alice</td>"), "{}", audit.body);
    let home = c.get("/console", Some(&session.cookie)).await;
    assert!(home
        .body
        .contains("Saved authorized health authority com.example.app"));
}

#[tokio::test]
async fn token_sessions_record_admin_token_as_actor() {
    let (c, _session) = seeded().await;
    assert!(kinds(&c).iter().all(|(_, actor)| actor == "admin-token"));
}

#[tokio::test]
async fn key_actions_revoke_reinstate_and_are_idempotent() {
    let (c, session) = seeded().await;
    let revoke = c
        .post(
            &session,
            "/console/health-authorities/1/keys/revoke",
            &[("version", "v1")],
        )
        .await;
    assert_eq!(
        (revoke.status, revoke.location()),
        (StatusCode::SEE_OTHER, "/console/health-authorities/1")
    );
    let thru = |c: &super::Console| {
        c.state
            .writer
            .snapshot()
            .key(1, "v1")
            .map(|k| k.thru.is_some())
    };
    assert_eq!(thru(&c), Some(true));
    let page = c
        .get("/console/health-authorities/1", Some(&session.cookie))
        .await;
    assert!(page.body.contains("Key v1 revoked."), "{}", page.body);
    assert!(page.body.contains("Not active"));
    let before = c.store.events().len();
    c.post(
        &session,
        "/console/health-authorities/1/keys/revoke",
        &[("version", "v1")],
    )
    .await;
    assert_eq!(
        c.store.events().len(),
        before,
        "revoking twice writes nothing"
    );
    c.post(
        &session,
        "/console/health-authorities/1/keys/reinstate",
        &[("version", "v1")],
    )
    .await;
    assert_eq!(thru(&c), Some(false));
    let revoke = "/console/health-authorities/1/keys/revoke";
    c.submit(
        &session,
        revoke,
        &[("version", "v9")],
        StatusCode::SEE_OTHER,
    )
    .await;
    let page = c
        .get("/console/health-authorities/1", Some(&session.cookie))
        .await;
    page.assert_shows(&["has no key with version"]);
}

#[tokio::test]
async fn refused_authority_form_keeps_the_input_and_shows_messages_by_field() {
    let c = console();
    let session = c.session().await;
    let fields = [
        ("name", "<script>alert(1)</script>"),
        ("issuer", "  "),
        ("audience", "aud"),
        ("jwksUri", "ftp://example.org/keys"),
    ];
    let reply = c
        .submit(&session, AUTHORITIES, &fields, StatusCode::BAD_REQUEST)
        .await;
    assert!(!reply.body.contains("<script>"));
    reply.assert_shows(&[
        "value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"",
        "<p class=\"error\" id=\"f-issuer-error\">issuer is required</p>",
        "id=\"f-jwksUri-error\">jwksUri must be an http or https URL",
        "value=\"aud\"",
    ]);
    assert!(
        !reply.body.contains("checked"),
        "an unticked box stays unticked"
    );
    assert!(c.store.events().is_empty());

    // A duplicate issuer is a conflict, shown on the issuer field.
    c.seed(&session).await;
    let fields = [
        ("name", "Again"),
        ("issuer", "gov.example.iss"),
        ("audience", "a"),
    ];
    c.submit(&session, AUTHORITIES, &fields, StatusCode::CONFLICT)
        .await
        .assert_shows(&[
            "id=\"f-issuer-error\">issuer &quot;gov.example.iss&quot; is already used",
        ]);
}

#[tokio::test]
async fn refused_key_form_keeps_the_input_on_the_authority_page() {
    let (c, session) = seeded().await;
    let keys = "/console/health-authorities/1/keys";
    let fields = [
        ("version", "v2"),
        ("publicKeyPem", RSA_PEM),
        ("from", "yesterday"),
        ("thru", ""),
    ];
    c.submit(&session, keys, &fields, StatusCode::BAD_REQUEST)
        .await
        .assert_shows(&[
            "id=\"f-publicKeyPem-error\">RSA keys are not supported",
            "id=\"f-from-error\">from is not an RFC 3339 time",
            "value=\"v2\"",
            "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCfjh4gwxwy1DCr4iNLnWEv1ATN",
        ]);
    let fields = [("version", "v1"), ("publicKeyPem", P256_PEM)];
    c.submit(&session, keys, &fields, StatusCode::CONFLICT)
        .await
        .assert_field_errors(&["version"]);
}

#[tokio::test]
async fn refused_app_form_keeps_ticked_boxes_and_regions() {
    let (c, session) = seeded().await;
    let fields = [
        ("healthAuthorityID", ""),
        ("regions", "\n  \n"),
        ("allowedHealthAuthorityIDs", "1"),
        ("bypassRevisionToken", "on"),
    ];
    c.submit(&session, APPS, &fields, StatusCode::BAD_REQUEST)
        .await
        .assert_shows(&[
            "id=\"f-healthAuthorityID-error\">healthAuthorityID is required",
            "id=\"f-regions-error\">at least one region is required",
            "value=\"1\" checked",
            "name=\"bypassRevisionToken\" value=\"on\" checked",
        ]);

    for (value, message) in [
        ("42", "no health authority with id 42"),
        ("x", "is not a health authority id"),
    ] {
        let fields = [
            ("healthAuthorityID", "b"),
            ("regions", "US"),
            ("allowedHealthAuthorityIDs", value),
        ];
        let reply = c
            .submit(&session, APPS, &fields, StatusCode::BAD_REQUEST)
            .await;
        reply.assert_field_errors(&["allowedHealthAuthorityIDs"]);
        reply.assert_shows(&[message]);
    }
}

#[tokio::test]
async fn apps_are_edited_renamed_and_deleted() {
    let (c, session) = seeded().await;
    let reply = c
        .post(
            &session,
            "/console/authorized-apps/edit/com.example.app",
            &[
                ("healthAuthorityID", "com.example.renamed"),
                ("regions", "US"),
                ("bypassHealthAuthorityVerification", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.location(),
        "/console/authorized-apps/edit/com.example.renamed"
    );
    let snapshot = c.state.writer.snapshot();
    assert!(snapshot.app("com.example.app").is_none());
    let app = snapshot.app("com.example.renamed").cloned();
    assert!(app.is_some_and(
        |a| a.bypass_health_authority_verification && a.allowed_health_authority_ids.is_empty()
    ));
    let list = c
        .get("/console/authorized-apps", Some(&session.cookie))
        .await;
    assert!(list.body.contains("bypasses verification"));

    let deleted = c
        .post(
            &session,
            "/console/authorized-apps/delete/com.example.renamed",
            &[],
        )
        .await;
    assert_eq!(deleted.location(), "/console/authorized-apps");
    assert!(c.state.writer.snapshot().apps().next().is_none());
    let again = c
        .post(
            &session,
            "/console/authorized-apps/delete/com.example.renamed",
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let list = c
        .get("/console/authorized-apps", Some(&session.cookie))
        .await;
    assert!(list.body.contains("no authorized app"), "{}", list.body);
}

#[tokio::test]
async fn authority_settings_update_and_unchanged_saves_write_nothing() {
    let (c, session) = seeded().await;
    let fields = [
        ("name", "Renamed"),
        ("issuer", "gov.example.iss"),
        ("audience", "gov.example.aud"),
        ("jwksUri", "https://verify.example.org/jwks"),
    ];
    let reply = c
        .post(&session, "/console/health-authorities/1", &fields)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let ha = c.state.writer.snapshot().health_authority(1).cloned();
    assert!(ha.is_some_and(|ha| ha.name == "Renamed" && !ha.enable_stats && ha.jwks_uri.is_some()));
    let before = c.store.events().len();
    c.post(&session, "/console/health-authorities/1", &fields)
        .await;
    assert_eq!(c.store.events().len(), before);
    let page = c
        .get("/console/health-authorities/1", Some(&session.cookie))
        .await;
    assert!(page.body.contains("No change to save."));
    assert!(page.body.contains("JWKS sync keeps its keys"));
}

#[tokio::test]
async fn an_unavailable_log_is_reported_on_the_form() {
    let c = console();
    let session = c.session().await;
    c.store.set_unavailable(true);
    let fields = [("name", "n"), ("issuer", "i"), ("audience", "a")];
    c.submit(
        &session,
        AUTHORITIES,
        &fields,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await
    .assert_shows(&["nothing was changed", "value=\"n\""]);
}
