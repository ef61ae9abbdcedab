//! The progress line of the long replay commands (rebuild, what-if, history export): events and
//! keys per second, the position per partition and an estimate of the time left, on standard
//! error. On a terminal one line is redrawn in place at most every 200 ms; otherwise (a log, a
//! pipe) a plain line is written every five seconds. A summary line ends the command.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::log_range::PartitionPosition;

/// Progress of one command.
#[derive(Debug)]
pub struct Progress {
    label: &'static str,
    started: Instant,
    last: Option<Instant>,
    terminal: bool,
    quiet: bool,
    events: u64,
    keys: u64,
    positions: Vec<PartitionPosition>,
}

impl Progress {
    /// Starts the clock for the command `label`. `quiet` writes only the summary.
    pub fn new(label: &'static str, quiet: bool) -> Self {
        Self {
            label,
            started: Instant::now(),
            last: None,
            terminal: std::io::stderr().is_terminal(),
            quiet,
            events: 0,
            keys: 0,
            positions: Vec::new(),
        }
    }

    /// Counts `events` events and `keys` keys more and records the read positions.
    pub fn advance(&mut self, events: u64, keys: u64, positions: &[PartitionPosition]) {
        self.events += events;
        self.keys += keys;
        positions.clone_into(&mut self.positions);
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        if self.quiet || self.last.is_some_and(|at| at.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        let line = self.line();
        let mut err = std::io::stderr().lock();
        // A progress line that cannot be written is not worth failing the command for.
        let _ = if self.terminal {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }

    /// Writes a plain line about the command's current phase (unless quiet).
    pub fn note(&self, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            writeln!(err, "\r\x1b[2K{}: {text}", self.label)
        } else {
            writeln!(err, "{}: {text}", self.label)
        };
    }

    /// Events counted so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Keys counted so far.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Writes the summary line (ending the in-place line on a terminal) and returns it.
    pub fn finish(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64();
        let summary = format!(
            "{}: done, {} events, {} keys in {:.1} s ({:.0} events/s, {:.0} keys/s)",
            self.label,
            self.events,
            self.keys,
            seconds,
            rate(self.events, seconds),
            rate(self.keys, seconds),
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal && !self.quiet && self.last.is_some() {
            writeln!(err, "\r\x1b[2K{summary}")
        } else {
            writeln!(err, "{summary}")
        };
        summary
    }

    /// The current progress line.
    pub fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64();
        let (read, total) = self.positions.iter().fold((0i64, 0i64), |(r, t), p| {
            (r + (p.next - p.start), t + (p.end - p.start))
        });
        let records_rate = rate(u64::try_from(read).unwrap_or(0), seconds);
        let eta = if records_rate > 0.0 {
            format!("{:.0} s", (total - read) as f64 / records_rate)
        } else {
            "?".to_owned()
        };
        let partitions: Vec<String> = self
            .positions
            .iter()
            .map(|p| format!("{}:{}/{}", p.partition, p.next, p.end))
            .collect();
        format!(
            "{}: {} events ({:.0}/s), {} keys ({:.0}/s), partitions {}, ETA {}",
            self.label,
            self.events,
            rate(self.events, seconds),
            self.keys,
            rate(self.keys, seconds),
            partitions.join(" "),
            eta
        )
    }
}

fn rate(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_rates_positions_and_an_estimate() {
        let mut progress = Progress::new("rebuild", true);
        let at = [PartitionPosition {
            partition: 0,
            start: 0,
            next: 50,
            end: 100,
        }];
        progress.advance(50, 150, &at);
        let line = progress.line();
        assert!(line.starts_with("rebuild: 50 events ("), "{line}");
        assert!(line.contains("150 keys ("), "{line}");
        assert!(line.contains("partitions 0:50/100"), "{line}");
        assert!(line.contains("ETA "), "{line}");
        assert!(progress.finish().contains("50 events, 150 keys"));
    }
}
