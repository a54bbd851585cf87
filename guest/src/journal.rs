//! What a check writes down as it goes: phase timings, and the transcript when asked for.
//! The I/O layer and the session both write to it, so it is one value passed between them.

use crate::limits::MAX_TRANSCRIPT_BYTES;
use crate::wit::{Direction, Phase, PhaseTiming, TranscriptLine};
use std::time::Duration;

/// Timings and transcript of one check. Times are offsets from the start of the check.
#[derive(Debug, Default)]
pub struct Journal {
    keep_transcript: bool,
    timings: Vec<PhaseTiming>,
    transcript: Vec<TranscriptLine>,
    /// Bytes of text in the transcript so far.
    kept_bytes: usize,
    /// The transcript reached [`MAX_TRANSCRIPT_BYTES`]: later lines are left out.
    full: bool,
}

impl Journal {
    /// A journal that records the transcript only when `keep_transcript` is set.
    pub fn new(keep_transcript: bool) -> Self {
        Self {
            keep_transcript,
            ..Self::default()
        }
    }

    /// Records that `phase` ran from `started` to `ended`.
    pub fn timing(&mut self, phase: Phase, started: Duration, ended: Duration) {
        let milliseconds = millis(ended.saturating_sub(started));
        self.timings.push(PhaseTiming {
            phase,
            milliseconds,
        });
    }

    /// Records a line the check sent. Callers pass secrets already redacted.
    pub fn client(&mut self, at: Duration, text: impl Into<String>) {
        self.line(at, Direction::Client, text);
    }

    /// Records a line the server sent.
    pub fn server(&mut self, at: Duration, text: impl Into<String>) {
        self.line(at, Direction::Server, text);
    }

    /// Records a note about the connection.
    pub fn note(&mut self, at: Duration, text: impl Into<String>) {
        self.line(at, Direction::Note, text);
    }

    fn line(&mut self, at: Duration, direction: Direction, text: impl Into<String>) {
        if !self.keep_transcript || self.full {
            return;
        }
        let text = text.into();
        self.kept_bytes += text.len();
        if self.kept_bytes > MAX_TRANSCRIPT_BYTES {
            self.full = true;
            self.transcript.push(TranscriptLine {
                at_milliseconds: millis(at),
                direction: Direction::Note,
                text: format!(
                    "the transcript reached {} KiB: the rest is left out",
                    MAX_TRANSCRIPT_BYTES >> 10
                ),
            });
            return;
        }
        self.transcript.push(TranscriptLine {
            at_milliseconds: millis(at),
            direction,
            text,
        });
    }

    /// The timings in the order the phases ran, and the transcript.
    pub fn into_parts(self) -> (Vec<PhaseTiming>, Vec<TranscriptLine>) {
        (self.timings, self.transcript)
    }
}

/// A duration in milliseconds, with microsecond precision.
pub fn millis(duration: Duration) -> f64 {
    (duration.as_micros() as f64) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_only_when_asked() {
        let mut off = Journal::new(false);
        off.client(Duration::ZERO, "EHLO x");
        off.timing(
            Phase::Ehlo,
            Duration::from_millis(1),
            Duration::from_micros(3500),
        );
        let (timings, transcript) = off.into_parts();
        assert!(transcript.is_empty());
        assert_eq!(timings[0].milliseconds, 2.5);

        let mut on = Journal::new(true);
        on.server(Duration::from_millis(2), "220 hi");
        let (_, transcript) = on.into_parts();
        assert_eq!(transcript[0].text, "220 hi");
        assert_eq!(transcript[0].direction, Direction::Server);
        assert_eq!(transcript[0].at_milliseconds, 2.0);
    }

    #[test]
    fn the_transcript_stops_at_its_budget_and_says_so() {
        let mut journal = Journal::new(true);
        let line = "x".repeat(1000);
        for _ in 0..2000 {
            journal.server(Duration::ZERO, line.clone());
        }
        let (_, transcript) = journal.into_parts();
        let bytes: usize = transcript.iter().map(|l| l.text.len()).sum();
        assert!(bytes <= MAX_TRANSCRIPT_BYTES + 100, "{bytes}");
        let last = transcript.last().unwrap();
        assert_eq!(last.direction, Direction::Note);
        assert!(last.text.contains("left out"), "{}", last.text);
    }
}
