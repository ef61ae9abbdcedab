//! The loops that send requests: closed (each connection sends its next request when the
//! previous one is answered) and open (requests start on a fixed schedule, latency measured from
//! the scheduled start).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng as _;
use schemas::api::{PublishRequest, PublishResponse};

use crate::options::Options;
use crate::setup::Target;
use crate::stats::{Kind, Sample, Stats};
use crate::upload::{self, Accepted};

/// Sends uploads of one run.
#[derive(Debug)]
pub struct Driver {
    client: reqwest::Client,
    publish_url: String,
    target: Target,
    keys: (usize, usize),
    revisions: f64,
    chaff: f64,
    connections: usize,
    recorder: Option<crate::record::Recorder>,
}

impl Driver {
    pub fn new(
        options: &Options,
        client: reqwest::Client,
        target: Target,
        recorder: Option<crate::record::Recorder>,
    ) -> Self {
        Self {
            recorder,
            client,
            publish_url: format!("{}/v1/publish", options.url.trim_end_matches('/')),
            target,
            keys: options.keys,
            revisions: options.revisions,
            chaff: options.chaff,
            connections: options.connections,
        }
    }

    /// Sends `count` uploads (not counted), retrying the first until the server knows the
    /// configuration (a new app reaches every ingest instance within about a second).
    pub async fn warm_up(&self, count: u64, patience: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + patience;
        loop {
            let (sample, _) = self.upload().await;
            if sample.status == 200 {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the server does not accept this configuration's uploads: last answer {} {}",
                sample.status,
                sample.code
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for _ in 0..count {
            self.upload().await;
        }
        Ok(())
    }

    /// `connections` clients, each sending as soon as its previous request was answered.
    pub async fn closed_loop(
        self: &Arc<Self>,
        duration: Duration,
        limit: Option<u64>,
        stats: &Arc<Stats>,
    ) {
        let deadline = Instant::now() + duration;
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.connections {
            let driver = self.clone();
            let stats = stats.clone();
            workers.spawn(async move {
                while Instant::now() < deadline && limit.is_none_or(|l| stats.requests() < l) {
                    driver.one_round(Instant::now(), &stats).await;
                }
            });
        }
        while workers.join_next().await.is_some() {}
    }

    /// Requests started `rate` times a second; at most `connections` in flight (the rest wait,
    /// and their waiting counts in their latency).
    pub async fn open_loop(
        self: &Arc<Self>,
        rate: f64,
        duration: Duration,
        limit: Option<u64>,
        stats: &Arc<Stats>,
    ) {
        let slots = Arc::new(tokio::sync::Semaphore::new(self.connections));
        let start = tokio::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let mut sent = 0u64;
        loop {
            #[allow(clippy::cast_precision_loss)]
            let due = start + Duration::from_secs_f64(sent as f64 / rate);
            if due.duration_since(start) >= duration || limit.is_some_and(|l| sent >= l) {
                break;
            }
            tokio::time::sleep_until(due).await;
            sent += 1;
            let driver = self.clone();
            let stats = stats.clone();
            let slots = slots.clone();
            let scheduled = due.into_std();
            tasks.spawn(async move {
                let Ok(_slot) = slots.acquire_owned().await else {
                    return;
                };
                driver.one_round(scheduled, &stats).await;
            });
            // Reap finished tasks so memory stays flat on long runs.
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    }

    /// One request (chaff or upload), and a revision of an accepted upload when drawn.
    async fn one_round(&self, scheduled: Instant, stats: &Stats) {
        if self.chaff > 0.0 && rand::thread_rng().gen_bool(self.chaff) {
            let mut sample = self.chaff_request().await;
            sample.latency = scheduled.elapsed();
            stats.record(sample);
            return;
        }
        let (mut sample, accepted) = self.upload().await;
        sample.latency = scheduled.elapsed();
        stats.record(sample);
        if let Some(accepted) = accepted {
            if self.revisions > 0.0 && rand::thread_rng().gen_bool(self.revisions) {
                let started = Instant::now();
                let mut sample = self.revise(accepted).await;
                sample.latency = started.elapsed();
                stats.record(sample);
            }
        }
    }

    fn pick_app(&self) -> &str {
        let apps = &self.target.apps;
        let i = rand::thread_rng().gen_range(0..apps.len().max(1));
        apps.get(i).map_or("", String::as_str)
    }

    fn key_count(&self) -> usize {
        rand::thread_rng().gen_range(self.keys.0..=self.keys.1)
    }

    /// A first upload (reported as `likely` when revisions may follow, else `confirmed`).
    async fn upload(&self) -> (Sample, Option<Accepted>) {
        let app = self.pick_app().to_owned();
        let keys = upload::fresh_keys(self.key_count());
        let report_type = if self.revisions > 0.0 {
            "likely"
        } else {
            "confirmed"
        };
        let request = match upload::request(
            &self.target.issuer,
            &app,
            keys.clone(),
            report_type,
            String::new(),
        ) {
            Ok(r) => r,
            Err(e) => return (failed(Kind::Upload, &format!("{e:#}")), None),
        };
        let (sample, response) = self.send(Kind::Upload, &request, false).await;
        let accepted = response.filter(|_| sample.status == 200).map(|r| Accepted {
            app,
            keys,
            revision_token: r.revision_token,
        });
        (sample, accepted)
    }

    /// Revises an accepted upload to `confirmed` with its token.
    async fn revise(&self, accepted: Accepted) -> Sample {
        let Accepted {
            app,
            keys,
            revision_token,
        } = accepted;
        match upload::request(&self.target.issuer, &app, keys, "confirmed", revision_token) {
            Ok(request) => self.send(Kind::Revision, &request, false).await.0,
            Err(e) => failed(Kind::Revision, &format!("{e:#}")),
        }
    }

    async fn chaff_request(&self) -> Sample {
        let request = upload::chaff(self.pick_app(), self.key_count());
        self.send(Kind::Chaff, &request, true).await.0
    }

    async fn send(
        &self,
        kind: Kind,
        request: &PublishRequest,
        chaff: bool,
    ) -> (Sample, Option<PublishResponse>) {
        let started = Instant::now();
        let sent_ms = crate::record::now_ms();
        let answer = self.send_only(kind, request, chaff, started).await;
        if let (Some(recorder), false) = (&self.recorder, chaff) {
            let report_type = self.report_type_of(kind);
            recorder.write(&crate::record::Line {
                kind: crate::record::kind_name(kind),
                app: &request.health_authority_id,
                report_type,
                status: answer.0.status,
                code: &answer.0.code,
                keys: request
                    .temporary_exposure_keys
                    .iter()
                    .map(|k| k.key.as_str())
                    .collect(),
                sent_ms,
                answered_ms: crate::record::now_ms(),
            });
        }
        answer
    }

    /// The report type an upload of `kind` carries in this run.
    fn report_type_of(&self, kind: Kind) -> &'static str {
        if kind == Kind::Revision || self.revisions <= 0.0 {
            "confirmed"
        } else {
            "likely"
        }
    }

    /// Flushes the record file, if any.
    pub fn finish(&self) -> anyhow::Result<()> {
        self.recorder
            .as_ref()
            .map_or(Ok(()), crate::record::Recorder::flush)
    }

    async fn send_only(
        &self,
        kind: Kind,
        request: &PublishRequest,
        chaff: bool,
        started: Instant,
    ) -> (Sample, Option<PublishResponse>) {
        let mut builder = self.client.post(&self.publish_url).json(request);
        if chaff {
            builder = builder.header("X-Chaff", "1");
        }
        let result = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
        .await;
        match result {
            Ok((status, body)) => {
                let parsed: Option<PublishResponse> = serde_json::from_slice(&body).ok();
                let code = parsed.as_ref().map(|r| r.code.clone()).unwrap_or_default();
                (
                    Sample {
                        kind,
                        status,
                        code,
                        latency: started.elapsed(),
                    },
                    parsed,
                )
            }
            Err(e) => {
                let what = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect error"
                } else {
                    "transport error"
                };
                (
                    Sample {
                        kind,
                        status: 0,
                        code: what.to_owned(),
                        latency: started.elapsed(),
                    },
                    None,
                )
            }
        }
    }
}

fn failed(kind: Kind, why: &str) -> Sample {
    Sample {
        kind,
        status: 0,
        code: why.chars().take(80).collect(),
        latency: Duration::ZERO,
    }
}
