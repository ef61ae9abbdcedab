//! The configuration a run publishes under: registered through the admin API (a health
//! authority, its signing key and the apps, all named after the run), or given on the command
//! line.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::{json, Value};

use crate::certificate::Issuer;
use crate::options::Options;

/// Who signs the certificates and which apps upload.
#[derive(Debug, Clone)]
pub struct Target {
    pub issuer: Issuer,
    pub apps: Vec<String>,
}

/// Builds the run's [`Target`], registering it through the admin API when no issuer key is given.
pub async fn prepare(options: &Options, client: &reqwest::Client) -> anyhow::Result<Target> {
    if let Some(path) = &options.issuer_key {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the issuer key {}", path.display()))?;
        let issuer = Issuer::from_pem(
            options.issuer.as_deref().unwrap_or_default(),
            options.audience.as_deref().unwrap_or_default(),
            &options.key_version,
            &pem,
            String::new(),
        )?;
        return Ok(Target {
            issuer,
            apps: options.app.clone(),
        });
    }
    let (Some(admin), Some(token)) = (&options.admin_url, &options.admin_token) else {
        anyhow::bail!("no admin API to register a configuration with");
    };
    let run = format!("{:08x}", rand::random::<u32>());
    let issuer = Issuer::generate(
        &format!("loadgen.{run}.verify"),
        &format!("loadgen.{run}.keys"),
        "v1",
    )?;
    let admin = Admin {
        client,
        base: admin.trim_end_matches('/'),
        token,
    };
    let authority = admin
        .post(
            "/admin/v1/health-authorities",
            &json!({
                "issuer": issuer.issuer,
                "audience": issuer.audience,
                "name": format!("loadgen run {run}"),
            }),
        )
        .await?;
    let id = authority
        .get("id")
        .and_then(Value::as_i64)
        .context("the admin API answered a health authority without an id")?;
    admin
        .post(
            &format!("/admin/v1/health-authorities/{id}/keys"),
            &json!({"version": issuer.key_version, "publicKeyPem": issuer.public_key_pem}),
        )
        .await?;
    let mut apps = Vec::with_capacity(options.apps);
    for i in 0..options.apps {
        let app = format!("loadgen.{run}.app{i}");
        admin
            .post(
                "/admin/v1/authorized-apps",
                &json!({
                    "healthAuthorityID": app,
                    "regions": [options.region],
                    "allowedHealthAuthorityIDs": [id],
                    "bypassHealthAuthorityVerification": false,
                    "bypassRevisionToken": false,
                }),
            )
            .await?;
        apps.push(app);
    }
    Ok(Target { issuer, apps })
}

struct Admin<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    token: &'a str,
}

impl Admin<'_> {
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.token)
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .with_context(|| format!("cannot reach the admin API at {}", self.base))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        anyhow::ensure!(
            status.is_success(),
            "admin API POST {path}: {status}: {}",
            text.chars().take(300).collect::<String>()
        );
        serde_json::from_str(&text).with_context(|| format!("admin API POST {path}: not JSON"))
    }
}
