//! `/v1/stats` on the exporter (a health authority's bearer JWT in, its hourly rows out) against the real Kafka and
//! PostgreSQL: every authentication and body error, and an aggregation case with uploads of
//! several platforms through processor and projector, days above and below the release
//! threshold, the embargo, and the current hour hidden.

use std::time::Duration;

use base64::Engine as _;
use chrono::{DurationRound, TimeDelta, Utc};
use harness::certs::SigningAuthority;
use harness::config::{seed_health_authority, write};
use harness::events::{claims, produce_received, received};
use harness::keys::k;
use harness::{spawn, wait_for, TestEnv};
use schemas::config::{ConfigChange, HealthAuthority};
use schemas::publish::{Platform, RevisionTokenState};
use serde_json::{json, Value};

async fn post(url: &str, token: Option<&str>, content_type: &str, body: String) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{url}/v1/stats"))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.header("Authorization", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn claims_for(iss: &str, aud: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({"iss": iss, "aud": aud, "iat": now - 10, "exp": now + 300})
}

const PAD: &str = r#"{"padding":"AAAA"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_api_answers_every_error_and_releases_days_as_the_reference() {
    let env = TestEnv::with_database().await;
    let key = SigningAuthority::generate("v1");
    seed_health_authority(&env, 1, "iss1", "aud1", &key).await;
    let disabled_key = SigningAuthority::generate("d1");
    seed_health_authority(&env, 2, "iss2", "aud2", &disabled_key).await;
    write(
        &env,
        ConfigChange::HealthAuthoritySaved {
            entity: HealthAuthority {
                id: 2,
                issuer: "iss2".into(),
                audience: "aud2".into(),
                name: "Authority 2".into(),
                jwks_uri: None,
                enable_stats: false,
            },
        },
    )
    .await;
    let processor = spawn::<processor::Processor>(&env, &[]).await;
    let projector = spawn::<projector::Projector>(&env, &[]).await;
    let export_dir = std::env::temp_dir().join(format!("stats-{}", uuid::Uuid::new_v4()));
    let exporter = spawn::<exporter::Exporter>(
        &env,
        &[
            ("KAFKA_CREATE_TOPICS", "false"),
            ("EXPORT_DIR", export_dir.to_str().unwrap()),
        ],
    )
    .await;
    let url = format!("http://{}", exporter.addr);

    // Uploads: 3 days ago 5 (embargo over), 2 days ago 4 (below the minimum, embargo not
    // over), yesterday 10 over three platforms (released), and 2 in the current hour (hidden).
    let producer = env.kafka.producer().unwrap();
    let now = Utc::now();
    let midnight = now.duration_trunc(TimeDelta::days(1)).unwrap();
    let plan: Vec<(i64, usize, Platform)> = vec![
        (3, 5, Platform::Android),
        (2, 4, Platform::Ios),
        (1, 4, Platform::Android),
        (1, 3, Platform::Ios),
        (1, 3, Platform::Unknown),
    ];
    let mut total = 0;
    for (days_ago, count, platform) in plan {
        for _ in 0..count {
            let mut event = received(&[k(5)], claims("confirmed"), RevisionTokenState::Absent);
            event.batch_time = midnight - TimeDelta::days(days_ago) + TimeDelta::hours(12);
            event.platform = platform;
            produce_received(&env, &producer, event).await;
            total += 1;
        }
    }
    for _ in 0..2 {
        let mut event = received(&[k(1)], claims("confirmed"), RevisionTokenState::Absent);
        event.platform = Platform::Android;
        produce_received(&env, &producer, event).await;
        total += 1;
    }
    let db = env.db().await;
    wait_for(Duration::from_secs(30), "every upload counted", || async {
        let row = db
            .query_one(
                "SELECT coalesce(sum(publish[1] + publish[2] + publish[3]), 0)::bigint
                 FROM healthauthoritystats WHERE health_authority_id = 1",
                &[],
            )
            .await
            .ok()?;
        (row.get::<_, i64>(0) == total).then_some(())
    })
    .await;

    // The aggregation.
    let token = format!("Bearer {}", key.sign(&claims_for("iss1", "keyserver")));
    // The exporter follows `en.config` on its own: wait until it knows the authority.
    let body = wait_for(
        Duration::from_secs(30),
        "the exporter to answer 200",
        || {
            let (url, token) = (url.clone(), token.clone());
            async move {
                let (status, body) = post(&url, Some(&token), "application/json", PAD.into()).await;
                (status == 200).then_some(body)
            }
        },
    )
    .await;
    let padding = base64::engine::general_purpose::STANDARD
        .decode(body["padding"].as_str().unwrap())
        .unwrap();
    assert!((2048..3072).contains(&padding.len()));
    let days = body["days"].as_array().unwrap();
    let names: Vec<&str> = days.iter().map(|d| d["day"].as_str().unwrap()).collect();
    let day =
        |n: i64| (midnight - TimeDelta::days(n)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(names, [day(3), day(1)], "{body}");
    assert_eq!(
        days[0]["publish_requests"],
        json!({"unknown": 0, "android": 5, "ios": 0})
    );
    assert_eq!(
        days[1]["publish_requests"],
        json!({"unknown": 3, "android": 4, "ios": 3})
    );
    assert_eq!(days[1]["total_teks_published"], 10);
    assert_eq!(days[1]["requests_with_revisions"], 0);
    assert_eq!(
        days[1]["tek_age_distribution"].as_array().unwrap().len(),
        16
    );
    assert_eq!(
        days[1]["onset_to_upload_distribution"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(days[1]["requests_missing_onset_date"], 10);

    // The CSV form of the same released days: from the exporter's ops listener, and as the
    // admin console's download (which reads it there: the console has no database).
    let csv = reqwest::get(format!("{}/stats/csv/1", exporter.ops_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(lines[0], exporter::stats::release::CSV_HEADER);
    let date = |n: i64| {
        (midnight - TimeDelta::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    assert!(
        lines[1].starts_with(&format!("{},0,5,0,5,0,", date(3))),
        "{csv}"
    );
    assert!(
        lines[2].starts_with(&format!("{},3,4,3,10,0,10,", date(1))),
        "{csv}"
    );
    let unknown = reqwest::get(format!("{}/stats/csv/99", exporter.ops_url()))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let ops_url = exporter.ops_url();
    let admin = spawn::<admin::Admin>(
        &env,
        &[
            ("ADMIN_TOKEN", "e2e-stats-admin-token-0123456789"),
            ("JWKS_SYNC_INTERVAL", "0"),
            ("EXPORTER_OPS_URL", ops_url.as_str()),
        ],
    )
    .await;
    harness::wait_ready(&admin.ops_url()).await;
    let http = harness::console::client();
    let cookie =
        harness::console::sign_in(&http, &admin.url(), "e2e-stats-admin-token-0123456789").await;
    let page = http
        .get(format!("{}/console/health-authorities/1", admin.url()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("href=\"/console/health-authorities/1/stats.csv\""),
        "{page}"
    );
    let download = http
        .get(format!(
            "{}/console/health-authorities/1/stats.csv",
            admin.url()
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"health-authority-1-stats.csv\""
    );
    assert_eq!(download.text().await.unwrap(), csv);
    // Without EXPORTER_OPS_URL the console says what is missing.
    let bare = spawn::<admin::Admin>(
        &env,
        &[
            ("ADMIN_TOKEN", "e2e-stats-admin-token-0123456789"),
            ("JWKS_SYNC_INTERVAL", "0"),
        ],
    )
    .await;
    harness::wait_ready(&bare.ops_url()).await;
    let cookie =
        harness::console::sign_in(&http, &bare.url(), "e2e-stats-admin-token-0123456789").await;
    let refused = http
        .get(format!(
            "{}/console/health-authorities/1/stats.csv",
            bare.url()
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("<code>EXPORTER_OPS_URL</code>"));

    // Authentication failures: 401 unauthorized, with padding.
    let sign =
        |claims: Value, kid: Option<&str>| format!("Bearer {}", key.sign_with_header(&claims, kid));
    let other = SigningAuthority::generate("v1");
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let hs256 = format!(
        "Bearer {}.{}.c2ln",
        b64(json!({"alg": "HS256", "typ": "JWT", "kid": "v1"})),
        b64(claims_for("iss1", "keyserver"))
    );
    let expired = {
        let mut c = claims_for("iss1", "keyserver");
        c["exp"] = json!(Utc::now().timestamp() - 3600);
        c
    };
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        (
            "not bearer",
            Some(format!(
                "Basic {}",
                key.sign(&claims_for("iss1", "keyserver"))
            )),
        ),
        ("not ES256", Some(hs256)),
        ("no kid", Some(sign(claims_for("iss1", "keyserver"), None))),
        (
            "unknown issuer",
            Some(sign(claims_for("nobody", "keyserver"), Some("v1"))),
        ),
        (
            "stats disabled",
            Some(format!(
                "Bearer {}",
                disabled_key.sign(&claims_for("iss2", "keyserver"))
            )),
        ),
        (
            "unknown kid",
            Some(sign(claims_for("iss1", "keyserver"), Some("v2"))),
        ),
        (
            "wrong key",
            Some(format!(
                "Bearer {}",
                other.sign(&claims_for("iss1", "keyserver"))
            )),
        ),
        (
            "certificate audience",
            Some(sign(claims_for("iss1", "aud1"), Some("v1"))),
        ),
        (
            "no audience",
            Some(sign(json!({"iss": "iss1"}), Some("v1"))),
        ),
        ("expired", Some(sign(expired, Some("v1")))),
    ];
    for (what, header) in cases {
        let (status, body) = post(&url, header.as_deref(), "application/json", PAD.into()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{what}: {body}"
        );
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {body}"
        );
        assert!(body["padding"].is_string(), "{what}: {body}");
        assert!(body.get("days").is_none(), "{what}: {body}");
    }

    // Body failures: 400 bad_request without padding, whatever the cause.
    let big = format!(r#"{{"padding":"{}"}}"#, "A".repeat(64_000));
    let bodies: Vec<(&str, &str, String)> = vec![
        ("content type", "text/plain", PAD.into()),
        ("too large", "application/json", big),
        ("empty", "application/json", String::new()),
        ("malformed", "application/json", "{".into()),
        (
            "unknown field",
            "application/json",
            r#"{"padding":"","days":1}"#.into(),
        ),
        ("two objects", "application/json", format!("{PAD}{PAD}")),
    ];
    for (what, content_type, body) in bodies {
        let (status, body) = post(&url, Some(&token), content_type, body).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("bad_request")),
            "{what}: {body}"
        );
        assert!(body.get("padding").is_none(), "{what}: {body}");
    }
    drop((processor, projector, exporter));
    let _ = std::fs::remove_dir_all(export_dir);
}
