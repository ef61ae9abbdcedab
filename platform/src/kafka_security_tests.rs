//! Tests of `kafka_security`.

use super::*;

fn read(pairs: &[(&str, &str)]) -> Result<KafkaSecurity, String> {
    let mut env = Env::from_map(pairs.iter().map(|(k, v)| (*k, *v)));
    let security = KafkaSecurity::from_env(&mut env);
    env.finish().map(|()| security).map_err(|e| e.to_string())
}

fn a_file() -> String {
    let path = std::env::temp_dir().join(format!("kafka-sec-{}.pem", std::process::id()));
    std::fs::write(&path, "pem").unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn plaintext_by_default() {
    assert_eq!(read(&[]).unwrap(), KafkaSecurity::Plaintext);
    let mut c = ClientConfig::new();
    KafkaSecurity::Plaintext.apply(&mut c);
    assert_eq!(c.get("security.protocol"), Some("plaintext"));
    assert_eq!(c.get("sasl.username"), None);
}

#[test]
fn sasl_ssl_with_scram_and_a_ca() {
    let ca = a_file();
    let s = read(&[
        ("KAFKA_SECURITY_PROTOCOL", "sasl_ssl"),
        ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256"),
        ("KAFKA_SASL_USERNAME", "ingest"),
        ("KAFKA_SASL_PASSWORD", "pw"),
        ("KAFKA_SSL_CA_LOCATION", &ca),
    ])
    .unwrap();
    let mut c = ClientConfig::new();
    s.apply(&mut c);
    assert_eq!(c.get("security.protocol"), Some("sasl_ssl"));
    assert_eq!(c.get("sasl.mechanisms"), Some("SCRAM-SHA-256"));
    assert_eq!(c.get("sasl.username"), Some("ingest"));
    assert_eq!(c.get("sasl.password"), Some("pw"));
    assert_eq!(c.get("ssl.ca.location"), Some(ca.as_str()));
    assert_eq!(
        c.get("ssl.endpoint.identification.algorithm"),
        Some("https")
    );
    assert!(
        !format!("{s:?}").contains("pw\""),
        "the password never shows"
    );
    assert_eq!(s.to_string(), "SASL_SSL (SCRAM-SHA-256 as ingest)");
}

#[test]
fn the_password_can_come_from_a_file() {
    let file = std::env::temp_dir().join(format!("kafka-pw-{}", std::process::id()));
    std::fs::write(&file, "from-file\n").unwrap();
    let s = read(&[
        ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("KAFKA_SASL_USERNAME", "u"),
        ("KAFKA_SASL_PASSWORD_FILE", file.to_str().unwrap()),
    ])
    .unwrap();
    let KafkaSecurity::SaslPlaintext(scram) = s else {
        panic!("{s:?}")
    };
    assert_eq!(scram.password.expose(), "from-file");
    assert_eq!(scram.mechanism, ScramMechanism::Sha512);
}

#[test]
fn invalid_combinations_are_refused() {
    let ca = a_file();
    for (pairs, expected) in [
        (
            vec![("KAFKA_SECURITY_PROTOCOL", "TLS")],
            "must be PLAINTEXT, SSL",
        ),
        (
            vec![("KAFKA_SASL_USERNAME", "u"), ("KAFKA_SASL_PASSWORD", "p")],
            "KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
                ("KAFKA_SASL_USERNAME", "u"),
            ],
            "KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
                ("KAFKA_SASL_PASSWORD", "p"),
            ],
            "KAFKA_SASL_USERNAME is required",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
                ("KAFKA_SASL_MECHANISM", "PLAIN"),
                ("KAFKA_SASL_USERNAME", "u"),
                ("KAFKA_SASL_PASSWORD", "p"),
            ],
            "must be SCRAM-SHA-256 or SCRAM-SHA-512",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
                ("KAFKA_SASL_USERNAME", "u"),
                ("KAFKA_SASL_PASSWORD", "p"),
                ("KAFKA_SSL_CA_LOCATION", &ca),
            ],
            "KAFKA_SSL_* settings are given but KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SSL"),
                ("KAFKA_SSL_CA_LOCATION", "/nonexistent/ca.pem"),
            ],
            "KAFKA_SSL_CA_LOCATION: cannot read /nonexistent/ca.pem",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SSL"),
                ("KAFKA_SSL_CERTIFICATE_LOCATION", &ca),
            ],
            "go together",
        ),
        (
            vec![
                ("KAFKA_SECURITY_PROTOCOL", "SSL"),
                ("KAFKA_SSL_ENDPOINT_IDENTIFICATION", "off"),
            ],
            "must be https or none",
        ),
    ] {
        let error = read(&pairs).unwrap_err();
        assert!(error.contains(expected), "{pairs:?}: {error}");
    }
}

#[test]
fn a_client_certificate_and_no_hostname_check() {
    let f = a_file();
    let s = read(&[
        ("KAFKA_SECURITY_PROTOCOL", "SSL"),
        ("KAFKA_SSL_CERTIFICATE_LOCATION", &f),
        ("KAFKA_SSL_KEY_LOCATION", &f),
        ("KAFKA_SSL_KEY_PASSWORD", "kp"),
        ("KAFKA_SSL_ENDPOINT_IDENTIFICATION", "none"),
    ])
    .unwrap();
    let mut c = ClientConfig::new();
    s.apply(&mut c);
    assert_eq!(c.get("security.protocol"), Some("ssl"));
    assert_eq!(c.get("ssl.certificate.location"), Some(f.as_str()));
    assert_eq!(c.get("ssl.key.password"), Some("kp"));
    assert_eq!(c.get("ssl.endpoint.identification.algorithm"), Some("none"));
    assert_eq!(c.get("ssl.ca.location"), None, "the system trust store");
}
