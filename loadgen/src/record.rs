//! `--record FILE`: one JSON line per answered upload or revision (chaff is not recorded), so a
//! fault run can check afterwards that every key of every 200 is in the store exactly once, with
//! the right revision state, and that nothing else is.
//!
//! A line: `{"kind":"upload"|"revision","app":…,"report_type":…,"status":200,"code":"",
//! "keys":["<base64>",…],"sent_ms":…,"answered_ms":…}` (times in milliseconds since the Unix
//! epoch; `status` 0 means no HTTP answer at all: timeout or transport error). The file holds
//! key bytes: it is a test artefact for the operator's own test system, never for production
//! uploads.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context as _;
use serde::Serialize;

use crate::stats::Kind;

/// One answered request.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    pub kind: &'static str,
    pub app: &'a str,
    pub report_type: &'a str,
    pub status: u16,
    pub code: &'a str,
    pub keys: Vec<&'a str>,
    pub sent_ms: i64,
    pub answered_ms: i64,
}

/// Appends lines to the record file; flushed when dropped and by [`Recorder::flush`].
#[derive(Debug)]
pub struct Recorder {
    out: Mutex<BufWriter<File>>,
}

impl Recorder {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = File::create(path)
            .with_context(|| format!("cannot create the record file {}", path.display()))?;
        Ok(Self {
            out: Mutex::new(BufWriter::new(file)),
        })
    }

    /// Writes one line; a write error is reported once per line on stderr and otherwise ignored
    /// (the run's report still counts the request).
    pub fn write(&self, line: &Line<'_>) {
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let written = serde_json::to_writer(&mut *out, line)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            eprintln!("loadgen: cannot write the record file: {e}");
        }
    }

    /// Flushes buffered lines to the file.
    pub fn flush(&self) -> anyhow::Result<()> {
        let mut out = self
            .out
            .lock()
            .map_err(|_| anyhow::anyhow!("record file lock poisoned"))?;
        out.flush().context("cannot flush the record file")
    }
}

/// The record's name of a kind.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Upload => "upload",
        Kind::Revision => "revision",
        Kind::Chaff => "chaff",
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
