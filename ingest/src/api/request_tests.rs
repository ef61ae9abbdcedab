//! Decoding tests: Go's binding rules and every error class, plus property tests.

use super::*;
use proptest::prelude::*;

fn v1(body: &str) -> Result<PublishRequestData, JsonError> {
    decode_v1(body.as_bytes(), false)
}

fn type_error(r: Result<PublishRequestData, JsonError>) -> (String, usize) {
    match r {
        Err(JsonError::Decode(DecodeError::Type { field, offset, .. })) => (field, offset),
        other => panic!("expected a type error, got {other:?}"),
    }
}

#[test]
fn full_body_decodes() {
    let body = r#"{
        "temporaryExposureKeys": [
            {"key": "AAAAAAAAAAAAAAAAAAAAAA==", "rollingStartNumber": 2650032, "rollingPeriod": 144, "transmissionRisk": 3},
            {"key": "BBBB", "rollingStartNumber": -5, "rollingPeriod": 1}
        ],
        "healthAuthorityID": "com.example.app",
        "verificationPayload": "a.b.c",
        "hmacKey": "c2VjcmV0",
        "symptomOnsetInterval": 2650000,
        "traveler": true,
        "revisionToken": "tok",
        "padding": "xyz"
    }"#;
    let d = v1(body).unwrap();
    assert_eq!(d.keys.len(), 2);
    assert_eq!(d.keys[0].key, "AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(d.keys[0].rolling_start_number, 2_650_032);
    assert_eq!(d.keys[0].transmission_risk, 3);
    assert_eq!(d.keys[1].rolling_start_number, -5);
    assert_eq!(d.keys[1].transmission_risk, 0);
    assert_eq!(d.health_authority_id, "com.example.app");
    assert_eq!(d.verification_payload, "a.b.c");
    assert_eq!(d.hmac_key, "c2VjcmV0");
    assert_eq!(d.symptom_onset_interval, 2_650_000);
    assert!(d.traveler);
    assert_eq!(d.revision_token, "tok");
    assert_eq!(d.regions, None);
}

#[test]
fn field_names_fold_and_exact_case_wins() {
    let d = v1(r#"{"HMACKEY":"a","hmackey":"b","TemporaryExposureKeys":[{"KEY":"k","TransmissionRisk":2}],"VerificationPayload":"v"}"#).unwrap();
    assert_eq!(d.hmac_key, "b");
    assert_eq!(d.keys[0].key, "k");
    assert_eq!(d.keys[0].transmission_risk, 2);
    assert_eq!(d.verification_payload, "v");
    // The exact name wins whatever the order.
    let d = v1(r#"{"hmacKey":"exact","HMACKEY":"folded"}"#).unwrap();
    assert_eq!(d.hmac_key, "folded", "later keys overwrite, exact or not");
    let d = v1(r#"{"healthauthorityid":"x"}"#).unwrap();
    assert_eq!(d.health_authority_id, "x");
}

#[test]
fn unknown_fields_are_rejected_with_go_quoting() {
    for (body, name) in [
        (r#"{"regions":["US"]}"#, "regions"),
        (r#"{"appPackageName":"x"}"#, "appPackageName"),
        (r#"{"platform":"android"}"#, "platform"),
        (
            r#"{"deviceVerificationPayload":"x"}"#,
            "deviceVerificationPayload",
        ),
        (r#"{"temporaryExposureKeys":[{"foo":1}]}"#, "foo"),
        (r#"{"a\"b":1}"#, "a\"b"),
    ] {
        assert_eq!(
            v1(body),
            Err(JsonError::Decode(DecodeError::UnknownField(name.into()))),
            "{body}"
        );
    }
}

#[test]
fn integers_must_fit_their_go_type() {
    assert_eq!(
        type_error(v1(r#"{"symptomOnsetInterval": 2147483648}"#)).0,
        "symptomOnsetInterval"
    );
    assert_eq!(
        v1(r#"{"symptomOnsetInterval": -2147483648}"#)
            .unwrap()
            .symptom_onset_interval,
        i32::MIN
    );
    assert_eq!(
        type_error(v1(r#"{"temporaryExposureKeys":[{"rollingPeriod": 1e2}]}"#)).0,
        "temporaryExposureKeys.rollingPeriod"
    );
    assert_eq!(
        type_error(v1(r#"{"temporaryExposureKeys":[{"rollingPeriod": "1"}]}"#)).0,
        "temporaryExposureKeys.rollingPeriod"
    );
    // transmissionRisk is a Go int: 64-bit.
    let d = v1(r#"{"temporaryExposureKeys":[{"transmissionRisk": 9223372036854775807}]}"#).unwrap();
    assert_eq!(d.keys[0].transmission_risk, i64::MAX);
    assert_eq!(
        type_error(v1(
            r#"{"temporaryExposureKeys":[{"transmissionRisk": 9223372036854775808}]}"#
        ))
        .0,
        "temporaryExposureKeys.transmissionRisk"
    );
    assert_eq!(
        v1(r#"{"temporaryExposureKeys":[{"rollingPeriod": -0}]}"#)
            .unwrap()
            .keys[0]
            .rolling_period,
        0
    );
}

#[test]
fn other_type_mismatches() {
    for (body, field, offset) in [
        (r#"{"traveler": "true"}"#, "traveler", 19),
        (r#"{"traveler": 1}"#, "traveler", 14),
        (r#"{"healthAuthorityID": 1}"#, "healthAuthorityID", 23),
        (r#"{"healthAuthorityID": true}"#, "healthAuthorityID", 26),
        // Objects and arrays are reported just past their opening bracket.
        (r#"{"healthAuthorityID": {"a":1}}"#, "healthAuthorityID", 23),
        (r#"{"hmacKey": [1]}"#, "hmacKey", 13),
        (
            r#"{"temporaryExposureKeys": {}}"#,
            "temporaryExposureKeys",
            27,
        ),
        // Top-level values other than an object (or null).
        ("[]", "", 1),
        (r#""x""#, "", 3),
        ("12", "", 2),
    ] {
        assert_eq!(type_error(v1(body)), (field.into(), offset), "body {body}");
    }
}

#[test]
fn first_error_in_document_order_wins() {
    assert_eq!(
        v1(r#"{"bogus":1,"traveler":"x"}"#),
        Err(JsonError::Decode(DecodeError::UnknownField("bogus".into())))
    );
    assert_eq!(
        type_error(v1(r#"{"traveler":"x","bogus":1}"#)).0,
        "traveler"
    );
}

#[test]
fn null_leaves_zero_values() {
    let d = v1(r#"{"healthAuthorityID":null,"traveler":null,"temporaryExposureKeys":[null,{"key":null}],"symptomOnsetInterval":null}"#).unwrap();
    assert_eq!(d.keys.len(), 2);
    assert_eq!(d.keys[0], RawKey::default());
    assert_eq!(
        d,
        PublishRequestData {
            keys: d.keys.clone(),
            ..Default::default()
        }
    );
    assert_eq!(v1("null").unwrap(), PublishRequestData::default());
    assert!(v1(r#"{"temporaryExposureKeys":null}"#)
        .unwrap()
        .keys
        .is_empty());
    // A later null does not undo an earlier value of a scalar field.
    assert!(v1(r#"{"traveler":true,"traveler":null}"#).unwrap().traveler);
}

#[test]
fn repeated_arrays_reuse_elements_like_go() {
    let d = v1(r#"{"temporaryExposureKeys":[{"key":"a","rollingPeriod":7},{"key":"b"}],"temporaryExposureKeys":[{"key":"c"}]}"#).unwrap();
    assert_eq!(d.keys.len(), 1);
    assert_eq!(d.keys[0].key, "c");
    assert_eq!(d.keys[0].rolling_period, 7);
}

#[test]
fn trailing_content_rules() {
    assert_eq!(v1("{} {}"), Err(JsonError::MoreThanOneValue));
    assert_eq!(v1("{}x"), Err(JsonError::MoreThanOneValue));
    assert!(v1("{}  \n").is_ok());
    // Go's Decoder.More treats a stray closing bracket as "no more values".
    assert!(v1("{}]").is_ok());
    assert!(v1("{} }").is_ok());
}

#[test]
fn escapes_in_keys_and_values() {
    let d = v1(r#"{"\u0068mackey":"a\u00e9\n"}"#).unwrap();
    assert_eq!(d.hmac_key, "a\u{e9}\n");
}

#[test]
fn v1alpha1_fields() {
    let body = r#"{"temporaryExposureKeys":[{"key":"k","rollingStartNumber":1,"rollingPeriod":2,"transmissionRisk":3}],
        "regions":["US","CA"],"appPackageName":"com.x","verificationPayload":"v","hmackey":"h",
        "symptomOnsetInterval":5,"revisionToken":"t","padding":"p","platform":"android","deviceVerificationPayload":"d"}"#;
    let d = decode_v1alpha1(body.as_bytes(), false).unwrap();
    assert_eq!(d.health_authority_id, "com.x");
    assert_eq!(d.hmac_key, "h");
    assert_eq!(d.regions, Some(vec!["US".to_owned(), "CA".to_owned()]));
    assert!(d.traveler);
    assert_eq!(d.symptom_onset_interval, 5);
    assert_eq!(d.revision_token, "t");
    let one = decode_v1alpha1(br#"{"regions":["US"]}"#, false).unwrap();
    assert!(!one.traveler);
    assert_eq!(
        decode_v1alpha1(br#"{"healthAuthorityID":"x"}"#, false),
        Err(JsonError::Decode(DecodeError::UnknownField(
            "healthAuthorityID".into()
        )))
    );
    match decode_v1alpha1(br#"{"regions":"us"}"#, false) {
        Err(JsonError::Decode(DecodeError::Type { field, offset, .. })) => {
            assert_eq!((field.as_str(), offset), ("regions", 15));
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    /// Whatever the bytes, decoding never panics, and accepted bodies are one JSON value.
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), truncated in any::<bool>()) {
        let _ = decode_v1(&bytes, truncated);
        let _ = decode_v1alpha1(&bytes, truncated);
    }

    /// Structured junk built from JSON tokens never panics either, and errors carry in-range
    /// offsets.
    #[test]
    fn token_soup(parts in proptest::collection::vec(prop_oneof![
        Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"), Just("\"key\""),
        Just("\"temporaryExposureKeys\""), Just("\"rollingPeriod\""), Just("1"), Just("-2.5e3"),
        Just("null"), Just("true"), Just(" "), Just("\"a\\u00e9\""),
    ], 0..40)) {
        let body = parts.concat();
        match decode_v1(body.as_bytes(), false) {
            Err(JsonError::Read(ReadError::Syntax(e))) => prop_assert!(e.offset >= 1 && e.offset <= body.len()),
            Err(JsonError::Decode(DecodeError::Type { offset, .. })) => prop_assert!(offset <= body.len()),
            _ => {}
        }
    }

    /// Any well-formed key list round-trips, whatever the case of the field names.
    #[test]
    fn keys_round_trip(
        keys in proptest::collection::vec(("[A-Za-z0-9+/=]{0,30}", any::<i32>(), any::<i32>(), any::<i64>()), 0..10),
        upper in any::<bool>(),
    ) {
        let name = |n: &str| if upper { n.to_uppercase() } else { n.to_owned() };
        let items: Vec<String> = keys.iter().map(|(k, s, p, t)| format!(
            r#"{{"{}":"{k}","{}":{s},"{}":{p},"{}":{t}}}"#,
            name("key"), name("rollingStartNumber"), name("rollingPeriod"), name("transmissionRisk")
        )).collect();
        let body = format!(r#"{{"{}":[{}]}}"#, name("temporaryExposureKeys"), items.join(","));
        let d = decode_v1(body.as_bytes(), false).unwrap();
        prop_assert_eq!(d.keys.len(), keys.len());
        for (got, (k, s, p, t)) in d.keys.iter().zip(&keys) {
            prop_assert_eq!(&got.key, k);
            prop_assert_eq!(got.rolling_start_number, *s);
            prop_assert_eq!(got.rolling_period, *p);
            prop_assert_eq!(got.transmission_risk, *t);
        }
    }
}
