//! The console's Health page: without `PROMETHEUS_URL` it says how to configure it; with a real
//! Prometheus scraping a running system it draws all five charts of a publish run (checked over
//! HTTP, then shown in a real Chromium, which saves `target/screenshots/health.png`).

use std::time::Duration;

use harness::observed::{Observed, ADMIN_TOKEN};
use harness::TestEnv;
use reqwest::StatusCode;

use super::browser::Browser;
use harness::console::{client, sign_in};

use super::{start_admin, TOKEN};

/// The Health page's HTML for a signed-in session.
async fn health_page(http: &reqwest::Client, url: &str, cookie: &str) -> String {
    let response = http
        .get(format!("{url}/console/health"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_prometheus_the_page_says_how_to_configure_it() {
    let env = TestEnv::new().await;
    let (admin, _operators) = start_admin(&env).await;
    let http = client();
    let cookie = sign_in(&http, &admin.url(), TOKEN).await;
    let page = health_page(&http, &admin.url(), &cookie).await;
    assert!(page.contains("Prometheus is not configured"), "{page}");
    assert!(page.contains("<code>PROMETHEUS_URL</code>"), "{page}");
    assert!(!page.contains("<svg role=\"img\""), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_page_charts_a_publish_run_from_prometheus() {
    let Some(observed) = Observed::start(&[]).await else {
        return; // Prometheus is not installed; Observed::start printed why.
    };
    let url = observed.admin.url();
    let http = client();
    let cookie = sign_in(&http, &url, ADMIN_TOKEN).await;

    // Uploads keep arriving until every chart has data (charts have a point every 30 s, so the
    // run spans at least one).
    let (page, _) = observed
        .while_publishing(async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            loop {
                let page = health_page(&http, &url, &cookie).await;
                let charts = page.matches("<figure class=\"chart\">").count();
                if charts == 5 {
                    return page;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "only {charts} of 5 charts have data:\n{page}"
                );
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
        .await;
    assert!(!page.contains("No data in the last hour"), "{page}");
    assert!(!page.contains("flash error"), "{page}");
    assert!(!page.contains("<script"), "no JavaScript");
    // Uploads by result name both the accepted uploads and the rejections of the run.
    for result in [
        "OK (now",
        "BAD_JSON (now",
        "BAD_VERIFICATION (now",
        "p50 (now",
        "p99 (now",
    ] {
        assert!(page.contains(result), "{result} in the legends:\n{page}");
    }
    assert!(page.contains("partition 0 (now"), "{page}");

    // The same page in a real browser, for people (and the screenshot).
    let b = Browser::start().await;
    b.goto(&format!("{url}/console/health")).await;
    b.wait_heading("Sign in").await;
    b.fill("secret", ADMIN_TOKEN).await;
    b.follow("Sign in", "Health").await;
    b.wait_text("main", "Consumer lag per partition").await;
    b.screenshot("health").await;
    b.close().await;
}
