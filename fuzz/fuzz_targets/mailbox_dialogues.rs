//! The IMAP and POP3 dialogues of the round trip fed an arbitrary server, in arbitrary
//! chunks: they must never panic, never put the password in the transcript or in a
//! failure (whatever the server echoes), never delete before this run's test message was
//! seen, and delete only test messages of this run or of runs that have ended: each
//! Message-ID they removed is checked here, independently of the dialogues' own rule, to be
//! `<TOKEN@domain>` with this run's token or one whose run ended (its end plus the margin
//! before `NOW`). The first input byte picks the protocol; the rest is as `split::chunks`
//! reads.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "split.rs"]
#[allow(dead_code)] // the parser targets' `events` is not needed here
mod split;
use smtp_sensor_guest::Dialogue;
use smtp_sensor_guest::Journal;
use smtp_sensor_guest::MailboxOutcome;
use smtp_sensor_guest::Secret;
use smtp_sensor_guest::{CLOCK_MARGIN_SECONDS, Tokens};
use smtp_sensor_guest::{ImapDialogue, ImapPlan};
use smtp_sensor_guest::{Pop3Dialogue, Pop3Memory, Pop3Plan};
use std::time::Duration;

const PASSWORD: &str = "Fuzz\"pa55\\word";
const TOKEN: &str = "smtp-sensor-rt-1800000060-5f2c5f2c5f2c5f2c";
const PREFIX: &str = "smtp-sensor-rt";
const NOW: i64 = 1_800_000_000;

fn tokens() -> Tokens {
    Tokens {
        prefix: PREFIX.into(),
        own: TOKEN.into(),
        now: NOW,
    }
}

/// Whether a removed message's Message-ID may be removed: this run's, or a whole token of
/// a run that ended (the oracle's own reading of the rule).
fn removable(message_id: &str) -> bool {
    let Some(inner) = message_id
        .trim()
        .strip_prefix('<')
        .and_then(|rest| rest.split('>').next())
    else {
        return false;
    };
    let Some((local, _domain)) = inner.split_once('@') else {
        return false;
    };
    if local == TOKEN {
        return true;
    }
    let Some(rest) = local.strip_prefix(&format!("{PREFIX}-")) else {
        return false;
    };
    let Some((ends, random)) = rest.split_once('-') else {
        return false;
    };
    let hex = random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
    let ended = ends
        .parse::<i64>()
        .is_ok_and(|ends| ends + CLOCK_MARGIN_SECONDS < NOW);
    hex && ended
}

/// Drives `dialogue` through `chunks` (upgrading, searching again when it waits), then
/// closes it; returns every command it sent.
fn drive(dialogue: &mut impl Dialogue, chunks: &[&[u8]]) -> Vec<String> {
    let mut sent = Vec::new();
    let mut now = Duration::ZERO;
    let take = |bytes: Option<Vec<u8>>, sent: &mut Vec<String>| {
        sent.extend(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()));
    };
    for chunk in chunks {
        now += Duration::from_millis(1);
        dialogue.handle_input(now, chunk);
        take(dialogue.poll_transmit(), &mut sent);
        if dialogue.wants_tls() {
            dialogue.handle_tls_established(now);
            take(dialogue.poll_transmit(), &mut sent);
        }
        if dialogue.is_waiting() {
            dialogue.search_again(now);
            take(dialogue.poll_transmit(), &mut sent);
        }
    }
    dialogue.handle_close(now, "end of input");
    sent
}

fn check(outcome: &MailboxOutcome, journal: Journal, sent: &[String]) {
    let (_, transcript) = journal.into_parts();
    for line in &transcript {
        assert!(!line.text.contains(PASSWORD), "transcript: {:?}", line.text);
    }
    if let Some(failure) = &outcome.failure {
        assert!(
            !failure.why.contains(PASSWORD),
            "failure: {:?}",
            failure.why
        );
    }
    let deleting = sent
        .iter()
        .any(|c| c.contains("UID STORE") || c.starts_with("DELE"));
    assert!(
        !deleting || outcome.found_at.is_some(),
        "deleted before this run's message was seen: {sent:?}"
    );
    for removed in &outcome.removed {
        assert!(
            removable(removed),
            "removed {removed:?}, not a test message to remove"
        );
    }
    let marked: usize = sent
        .iter()
        .map(|c| match c.split_once("UID STORE ") {
            Some((_, rest)) => rest.split(' ').next().unwrap_or("").split(',').count(),
            None => usize::from(c.starts_with("DELE")),
        })
        .sum();
    assert!(
        marked <= outcome.removed.len(),
        "{marked} marked for deletion, {} known to be test messages: {sent:?}",
        outcome.removed.len()
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Some((_, chunks)) = split::chunks(rest) else {
        return;
    };
    let password = Secret::new(PASSWORD);
    if which % 2 == 0 {
        let plan = ImapPlan {
            user: "probe".into(),
            password,
            starttls: which & 2 != 0,
            tls_optional: which & 4 != 0,
            plain_allowed: which & 8 != 0,
            tokens: tokens(),
            // The spam folder found by LIST, or one named, or INBOX alone.
            spam_folders: match which & 48 {
                0 => None,
                16 => Some(vec!["Junk".into()]),
                _ => Some(Vec::new()),
            },
        };
        let mut dialogue = ImapDialogue::new(plan, Journal::new(true), Duration::ZERO);
        let sent = drive(&mut dialogue, &chunks);
        let (outcome, journal) = dialogue.into_outcome();
        check(&outcome, journal, &sent);
    } else {
        let plan = Pop3Plan {
            user: "probe".into(),
            password,
            stls: which & 2 != 0,
            tls_optional: which & 4 != 0,
            tokens: tokens(),
            memory: Pop3Memory::default(),
        };
        let mut dialogue = Pop3Dialogue::new(plan, Journal::new(true), Duration::ZERO);
        let sent = drive(&mut dialogue, &chunks);
        let (outcome, journal, _) = dialogue.into_outcome();
        check(&outcome, journal, &sent);
    }
});
