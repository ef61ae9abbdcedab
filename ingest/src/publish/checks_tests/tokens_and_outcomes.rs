//! Revision tokens and answers: negative reports get a token, tokens are bound to the app, degraded tokens, the event the pipeline receives, outcome answers.

use super::*;

#[test]
fn negative_keys_are_not_counted_but_get_a_token() {
    let f = Fixture::new();
    let a = f.accepted(f.request(f.keys(&[1, 2]), "negative"));
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.inserted, 0);
    assert_eq!(answer.code, None);
    assert_eq!(answer.token_entries.len(), 2);
}

#[test]
fn revision_tokens_are_bound_to_the_app() {
    let mut f = Fixture::new();
    let entries = vec![RevisableKey {
        key_bytes: [1; 16],
        interval_number: domain::interval::interval_of(f.now) - 144,
        interval_count: 144,
    }];
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.revision_token = f.rules.tokens.mint(APP, &entries).unwrap();
    let checked = f.check(req.clone());
    assert_eq!(checked.notes.token, Some(TokenPresented::Valid));
    assert_eq!(
        checked.decision.unwrap().token,
        TokenState::Valid(entries.clone())
    );

    // The same token presented through another app does not open.
    let mut other = testkit::app();
    other.health_authority_id = "com.example.other".into();
    f.config
        .apply(&ConfigChange::AuthorizedAppSaved { entity: other });
    let mut via_other = req.clone();
    via_other.health_authority_id = "com.example.other".into();
    let checked = f.check(via_other);
    assert_eq!(checked.notes.token, Some(TokenPresented::Invalid));
    assert_eq!(checked.decision.unwrap().token, TokenState::DecryptFailed);

    // Not base64: treated as absent.
    req.revision_token = "!!!".into();
    let checked = f.check(req);
    assert_eq!(checked.notes.token, Some(TokenPresented::NotBase64));
    assert_eq!(checked.decision.unwrap().token, TokenState::Absent);
}

#[test]
fn degraded_token_keeps_retained_incoming_entries_first() {
    let f = Fixture::new();
    let now_iv = domain::interval::interval_of(f.now);
    let fresh = RevisableKey {
        key_bytes: [7; 16],
        interval_number: now_iv - 300,
        interval_count: 144,
    };
    let expired = RevisableKey {
        key_bytes: [8; 16],
        interval_number: now_iv - 20 * 144,
        interval_count: 144,
    };
    let mut req = f.request(f.keys(&[1]), "confirmed");
    req.revision_token = f.rules.tokens.mint(APP, &[expired, fresh]).unwrap();
    let a = f.accepted(req);
    let answer = a.degraded_answer(&f.rules);
    assert_eq!(answer.token_entries.len(), 2);
    assert_eq!(answer.token_entries[0], fresh);
    assert_eq!(
        answer.token_entries[1],
        a.transformed.exposures[0].revisable_key()
    );
}

#[test]
fn event_carries_everything_the_pipeline_needs() {
    let f = Fixture::new();
    let mut req = f.request(f.keys(&[3, 1]), "likely");
    req.traveler = true;
    req.symptom_onset_interval = 123;
    let a = f.accepted(req);
    let e = a.event(&f.rules, "ingest-1");
    assert_eq!(e.authorized_app, APP);
    assert_eq!(e.batch_time, f.now);
    assert_eq!(e.regions, ["US"]);
    let claims = e.claims.unwrap();
    assert_eq!(
        (claims.health_authority_id, claims.report_type.as_str()),
        (1, "likely")
    );
    assert_eq!(e.keys.len(), 2);
    assert!(e.keys[0].key < e.keys[1].key, "sorted by key string");
    assert!(e.traveler);
    assert_eq!(e.symptom_onset_interval, 123);
    assert_eq!(e.revision_token, RevisionTokenState::Absent);
    assert!(e.require_revision_token);
    assert_eq!(e.settings.max_symptom_onset_days, 21);
    assert_eq!(e.settings.max_interval_age_seconds, 360 * 3600);
    assert_eq!(e.reply_to, "ingest-1");
    assert_eq!(e.platform, Platform::Android);
}

#[test]
fn outcome_answers() {
    let f = Fixture::new();
    let a = f.accepted(f.request(f.keys(&[1]), "confirmed"));
    let entry = RevisableKey {
        key_bytes: [9; 16],
        interval_number: 5,
        interval_count: 6,
    };
    assert_eq!(
        RevisableKey::try_from(&WireRevisableKey::from(&entry)),
        Ok(entry)
    );
    let ok = PublishOutcome {
        reply_to: "x".into(),
        status: 200,
        code: None,
        error: None,
        inserted: 1,
        revised: 2,
        dropped: 3,
        warnings: vec!["w".into()],
        token_entries: vec![WireRevisableKey::from(&entry)],
    };
    let answer = a.outcome_answer(&ok);
    assert_eq!(
        (answer.status, answer.inserted, answer.revised),
        (StatusCode::OK, 1, 2)
    );
    assert_eq!(answer.token_entries, [entry]);
    assert_eq!(answer.result, ResultLabel::Ok);
    let bad = PublishOutcome {
        status: 400,
        code: Some("key_already_revised".into()),
        error: Some("key was already revised".into()),
        inserted: 0,
        revised: 0,
        dropped: 0,
        ..ok
    };
    let answer = a.outcome_answer(&bad);
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.token_entries.is_empty());
    assert_eq!(answer.result, ResultLabel::KeyAlreadyRevised);
    assert_eq!(answer.error, "key was already revised");
}
