//! The Grafana dashboard (`deploy/grafana/keyserver-dashboard.json`) is valid JSON with the
//! panels operators need, and every PromQL expression in it returns data from a real Prometheus
//! scraping this test's services after a small end-to-end publish run (exports included).

use std::time::Duration;

use harness::observed::Observed;
use harness::repo_root;
use serde_json::Value;

/// Every `expr` of the dashboard's panels (rows included), with its panel title.
fn expressions(dashboard: &Value) -> Vec<(String, String)> {
    fn walk(panels: &[Value], out: &mut Vec<(String, String)>) {
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default().to_owned();
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    out.push((title.clone(), expr.to_owned()));
                }
            }
            walk(panel["panels"].as_array().map_or(&[], |p| p), out);
        }
    }
    let mut out = Vec::new();
    walk(dashboard["panels"].as_array().unwrap(), &mut out);
    out
}

/// Grafana's interval variables, as Grafana would expand them for a 1-second scrape.
fn expand(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$__interval", "15s")
        .replace("$__range", "1h")
}

fn dashboard() -> Value {
    let path = repo_root().join("deploy/grafana/keyserver-dashboard.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn the_dashboard_has_the_operators_panels() {
    let d = dashboard();
    let titles: Vec<&str> = d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    for wanted in [
        "Uploads by result",
        "Publish latency percentiles (accepted uploads)",
        "Degraded answers",
        "Consumer lag per partition",
        "Projector batch time",
        "Export freshness",
    ] {
        assert!(
            titles.contains(&wanted),
            "no panel {wanted:?} in {titles:?}"
        );
    }
    let exprs = expressions(&d);
    assert!(exprs.len() >= 10, "{exprs:?}");
    for (_, expr) in &exprs {
        assert!(
            expr.contains("keyserver_") || expr.starts_with("up{"),
            "{expr}: every series is under the keyserver_ prefix"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_expression_returns_data_after_a_publish_run() {
    let Some(observed) = Observed::start(&[]).await else {
        return; // Prometheus is not installed; Observed::start printed why.
    };
    observed.publish_run(5).await;
    let (missing, accepted) = observed
        .while_publishing(async {
            // The projector's lag gauge is refreshed every 5 s; the exporter completes 1-second
            // batches.
            observed
                .wait_for_values("keyserver_projector_consumer_lag", Duration::from_secs(30))
                .await;
            observed
                .wait_for_values(
                    "keyserver_export_newest_batch_end_timestamp_seconds > 0",
                    Duration::from_secs(30),
                )
                .await;
            let mut missing = Vec::new();
            for (title, expr) in expressions(&dashboard()) {
                let expr = expand(&expr);
                // A few scrapes may be needed before a rate sees two samples.
                let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
                while observed.prometheus.values(&expr).await.is_empty() {
                    if tokio::time::Instant::now() > deadline {
                        missing.push(format!("{title}: {expr}"));
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            missing
        })
        .await;
    assert!(
        missing.is_empty(),
        "expressions without data:\n{}\nPrometheus log:\n{}",
        missing.join("\n"),
        observed.prometheus.log()
    );

    // docs/metrics.md lists every metric the running system exposes.
    let names: serde_json::Value = reqwest::get(format!(
        "{}/api/v1/label/__name__/values",
        observed.prometheus.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let docs = std::fs::read_to_string(repo_root().join("docs/metrics.md")).unwrap();
    let undocumented: Vec<&str> = names["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.starts_with("keyserver_"))
        .map(|n| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| n.strip_suffix(s))
                .filter(|base| docs.contains(&format!("`{base}`")))
                .unwrap_or(n)
        })
        .filter(|n| !docs.contains(&format!("`{n}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/metrics.md: {undocumented:?}"
    );

    // The run is visible as such: accepted uploads and both rejections, by result.
    let results: Vec<String> = observed
        .prometheus
        .query("sum by (result) (keyserver_publish_requests_total)")
        .await
        .iter()
        .filter_map(|s| s["metric"]["result"].as_str().map(str::to_owned))
        .collect();
    for result in ["OK", "BAD_JSON", "BAD_VERIFICATION"] {
        assert!(
            results.iter().any(|r| r == result),
            "{result} in {results:?}"
        );
    }
    // Every accepted upload is counted once the last scrape has seen it.
    let expected = 5 + accepted;
    observed
        .wait_for_values(
            &format!(r#"sum(keyserver_publish_requests_total{{result="OK"}}) == {expected}"#),
            Duration::from_secs(10),
        )
        .await;
}
