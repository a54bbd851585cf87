//! What a check writes down as it goes: phase timings, and the transcript when asked for.
//! The I/O layer and the session both write to it, so it is one value passed between them.

use crate::limits::MAX_TRANSCRIPT_BYTES;
use crate::wit::{Direction, Phase, PhaseTiming, TranscriptLine};
use std::time::Duration;

/// Timings and transcript of one check. Times are offsets from the start of the check.
#[derive(Debug)]
pub struct Journal {
    keep_transcript: bool,
    /// Each phase as it ran, and for how long (summed into [`PhaseTiming`]s at the end, in
    /// whole microseconds, so a sum does not print as 46.687999999999995 ms).
    timings: Vec<(Phase, Duration)>,
    transcript: Vec<TranscriptLine>,
    /// Bytes of text in the transcript so far.
    kept_bytes: usize,
    /// The most bytes of text it keeps: [`MAX_TRANSCRIPT_BYTES`], or a share of it.
    limit: usize,
    /// The transcript reached `limit`: later lines are left out.
    full: bool,
}

impl Default for Journal {
    /// A journal that keeps no transcript.
    fn default() -> Self {
        Self {
            keep_transcript: false,
            timings: Vec::new(),
            transcript: Vec::new(),
            kept_bytes: 0,
            limit: MAX_TRANSCRIPT_BYTES,
            full: false,
        }
    }
}

impl Journal {
    /// A journal that records the transcript only when `keep_transcript` is set.
    pub fn new(keep_transcript: bool) -> Self {
        Self::within(keep_transcript, MAX_TRANSCRIPT_BYTES)
    }

    /// The same, keeping at most `limit` bytes of transcript: a domain check's MX hosts
    /// share what one result may carry.
    pub fn within(keep_transcript: bool, limit: usize) -> Self {
        Self {
            keep_transcript,
            limit,
            ..Self::default()
        }
    }

    /// Whether it records the transcript: for a journal of a part written apart.
    pub fn keeps_transcript(&self) -> bool {
        self.keep_transcript
    }

    /// Records that `phase` ran from `started` to `ended`.
    pub fn timing(&mut self, phase: Phase, started: Duration, ended: Duration) {
        self.timings.push((phase, ended.saturating_sub(started)));
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

    /// Takes in what `other` wrote, its lines placed by time among this one's: the parts of
    /// a domain check, each written apart while they ran together.
    pub fn append(&mut self, other: Journal) {
        self.timings.extend(other.timings);
        for line in other.transcript {
            let at = Duration::from_secs_f64(line.at_milliseconds.max(0.0) / 1000.0);
            self.line(at, line.direction, line.text);
        }
        crate::sort::sort_by(&mut self.transcript, |a, b| {
            a.at_milliseconds.total_cmp(&b.at_milliseconds)
        });
    }

    fn line(&mut self, at: Duration, direction: Direction, text: impl Into<String>) {
        if !self.keep_transcript || self.full {
            return;
        }
        let text = text.into();
        self.kept_bytes += text.len();
        if self.kept_bytes > self.limit {
            self.full = true;
            self.transcript.push(TranscriptLine {
                at_milliseconds: millis(at),
                direction: Direction::Note,
                text: format!(
                    "the transcript reached {} KiB: the rest is left out",
                    self.limit >> 10
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

    /// The phases in the order they ran, a phase that ran again (a POP3 round trip's
    /// connection for each look, the connection again after a failed TLS) each time.
    pub fn ran(&self) -> impl DoubleEndedIterator<Item = Phase> + '_ {
        self.timings.iter().map(|&(phase, _)| phase)
    }

    /// The timings, each phase once: a phase that ran again is summed where it first ran, so
    /// every output (JSON, PRTG, Nagios, Prometheus) reads one time for it. And the
    /// transcript, where each run of a phase is still seen.
    pub fn into_parts(self) -> (Vec<PhaseTiming>, Vec<TranscriptLine>) {
        let mut spent: Vec<(Phase, Duration)> = Vec::with_capacity(self.timings.len());
        for (phase, took) in self.timings {
            match spent.iter_mut().find(|(first, _)| *first == phase) {
                Some((_, sum)) => *sum = sum.saturating_add(took),
                None => spent.push((phase, took)),
            }
        }
        let timings = spent
            .into_iter()
            .map(|(phase, took)| PhaseTiming {
                phase,
                milliseconds: millis(took),
            })
            .collect();
        (timings, self.transcript)
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
    fn a_phase_that_ran_again_is_summed_where_it_first_ran() {
        let mut journal = Journal::new(false);
        let ms = Duration::from_millis;
        for (phase, took) in [
            (Phase::Connect, 1),
            (Phase::TlsHandshake, 2),
            (Phase::Connect, 3),
            (Phase::Banner, 4),
        ] {
            journal.timing(phase, ms(10), ms(10 + took));
        }
        // Summed as durations: 0.1 ms and 0.2 ms are 0.3 ms, not 0.30000000000000004.
        let us = Duration::from_micros;
        journal.timing(Phase::Ehlo, us(0), us(100));
        journal.timing(Phase::Ehlo, us(0), us(200));
        let ran: Vec<Phase> = journal.ran().collect();
        assert_eq!(
            ran,
            [
                Phase::Connect,
                Phase::TlsHandshake,
                Phase::Connect,
                Phase::Banner,
                Phase::Ehlo,
                Phase::Ehlo
            ]
        );
        let (timings, _) = journal.into_parts();
        let timings: Vec<_> = timings.iter().map(|t| (t.phase, t.milliseconds)).collect();
        assert_eq!(
            timings,
            [
                (Phase::Connect, 4.0),
                (Phase::TlsHandshake, 2.0),
                (Phase::Banner, 4.0),
                (Phase::Ehlo, 0.3)
            ]
        );
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

    #[test]
    fn a_share_of_the_budget_stops_sooner_and_parts_merge_by_time() {
        let mut part = Journal::within(true, 2048);
        for i in 0..10 {
            part.server(Duration::from_millis(2 * i + 1), "y".repeat(1000));
        }
        let mut whole = Journal::new(true);
        whole.note(Duration::from_millis(2), "between");
        whole.append(part);
        let (_, transcript) = whole.into_parts();
        let texts: Vec<&str> = transcript.iter().map(|l| &l.text[..1]).collect();
        // Two lines of the part fit its share, then its note; the whole's line by its time.
        assert_eq!(texts, ["y", "b", "y", "t"]);
    }
}
