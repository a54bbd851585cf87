use super::*;
use crate::mailbox::steps::MailboxFailure;

const S: Duration = Duration::from_secs(1);

fn outcome(found_at: Option<Duration>, failure: Option<MailboxFailure>) -> MailboxOutcome {
    MailboxOutcome {
        found_at,
        missed_at: None,
        deleted: usize::from(found_at.is_some()),
        left_flagged: 0,
        removed: Vec::new(),
        busy: false,
        failure,
        timings: vec![(Step::Login, S, 2 * S), (Step::Search, 2 * S, 3 * S)],
        downgraded: false,
        delivered: None,
    }
}

#[test]
fn the_latency_is_the_middle_of_the_window_the_looks_leave() {
    let mut account = Account::new(MailboxProtocol::Imap, S, 2 * S);
    account.dialogue(
        MailboxOutcome {
            missed_at: Some(3 * S),
            ..outcome(None, None)
        },
        &mut Journal::new(false),
    );
    account.dialogue(outcome(Some(5 * S), None), &mut Journal::new(false));
    let trip = account.finish(6 * S);
    // Arrived after 3 s (missed) and by 5 s (found): 4 s ± 1 s, 3 s after acceptance.
    assert_eq!(trip.latency(), Some(3 * S));
    assert_eq!(trip.latency_precision(), Some(S));
}

#[test]
fn an_unreachable_mailbox_is_its_failure_in_its_phase_not_a_lost_message() {
    for (phase, words) in [
        (Phase::MailboxConnect, "did not accept the connection"),
        (Phase::MailboxGreeting, "sent no greeting"),
        (Phase::MailboxLogin, "did not answer the log-in"),
    ] {
        let mut account = Account::new(MailboxProtocol::Imap, S, S);
        account.fail(Failure {
            phase,
            kind: ErrorKind::Timeout,
        });
        let failure = account.finish(9 * S).failure.unwrap();
        assert_eq!(failure.phase, phase);
        assert!(
            matches!(&failure.kind, ErrorKind::MailboxFailed(why) if why.contains(words)
                && why.contains("IMAP server")),
            "{failure:?}"
        );
    }
    let mut select = Account::new(MailboxProtocol::Imap, S, S);
    select.timed_out(Step::Select);
    let failure = select.finish(9 * S).failure.unwrap();
    assert_eq!(failure.phase, Phase::MailboxLogin);
    assert!(
        matches!(&failure.kind, ErrorKind::MailboxFailed(why) if why.contains("SELECT")),
        "{failure:?}"
    );
    let mut refused = Account::new(MailboxProtocol::Pop3, S, S);
    refused.fail(Failure {
        phase: Phase::MailboxConnect,
        kind: ErrorKind::ConnectionRefused,
    });
    let failure = refused.finish(2 * S).failure.unwrap();
    assert!(
        matches!(&failure.kind, ErrorKind::MailboxFailed(why) if why.contains("POP3 server refused")),
        "{failure:?}"
    );
}

#[test]
fn a_timeout_after_the_verdict_is_a_warning_and_never_hides_a_refusal() {
    // Found, then LOGOUT unanswered within the grace: up, with a warning.
    let mut account = Account::new(MailboxProtocol::Imap, S, S);
    let silent_logout = MailboxFailure {
        step: Step::Logout,
        why: "the deadline passed".into(),
        timed_out: true,
    };
    account.dialogue(
        outcome(Some(2 * S), Some(silent_logout.clone())),
        &mut Journal::new(false),
    );
    let trip = account.finish(9 * S);
    assert_eq!(trip.failure, None);
    assert_eq!(trip.warning.unwrap().phase, Phase::MailboxLogout);
    // A refused log-in whose LOGOUT then went unanswered: the refusal is reported (the
    // dialogue's first failure stands), not a lost message.
    let mut account = Account::new(MailboxProtocol::Imap, S, S);
    let refused = MailboxFailure {
        step: Step::Login,
        why: "LOGIN was refused: NO [AUTHENTICATIONFAILED]".into(),
        timed_out: false,
    };
    let mut login = outcome(None, Some(refused));
    login.timings = vec![(Step::Login, S, 2 * S)];
    account.dialogue(login, &mut Journal::new(false));
    let failure = account.finish(9 * S).failure.unwrap();
    assert_eq!(failure.phase, Phase::MailboxLogin);
    assert!(matches!(failure.kind, ErrorKind::MailboxFailed(ref why) if why.contains("LOGIN")));
}

#[test]
fn a_later_looks_deadline_after_an_earlier_answer_is_a_message_not_there() {
    let mut account = Account::new(MailboxProtocol::Pop3, S, S);
    account.dialogue(outcome(None, None), &mut Journal::new(false));
    account.fail(Failure {
        phase: Phase::MailboxConnect,
        kind: ErrorKind::Timeout,
    });
    let failure = account.finish(9 * S).failure.unwrap();
    assert!(
        matches!(failure.kind, ErrorKind::MessageNotDelivered(_)),
        "{failure:?}"
    );
}

#[test]
fn a_maildrop_locked_to_the_end_is_said_so() {
    let mut account = Account::new(MailboxProtocol::Pop3, S, S);
    account.dialogue(
        MailboxOutcome {
            busy: true,
            ..outcome(None, None)
        },
        &mut Journal::new(false),
    );
    let failure = account.finish(9 * S).failure.unwrap();
    assert_eq!(failure.phase, Phase::MailboxLogin);
    assert!(matches!(&failure.kind, ErrorKind::MailboxFailed(why) if why.contains("IN-USE")));
}

#[test]
fn latency_counts_from_the_acceptance_and_the_mailbox_time_from_its_start() {
    let mut journal = Journal::new(false);
    let mut account = Account::new(MailboxProtocol::Imap, S, 2 * S);
    account.searched();
    account.dialogue(outcome(Some(5 * S), None), &mut journal);
    let trip = account.finish(7 * S);
    // No look missed it: it arrived between the acceptance (1 s) and 5 s.
    assert_eq!(trip.latency(), Some(2 * S));
    assert_eq!(trip.latency_precision(), Some(2 * S));
    assert_eq!(trip.mailbox_time(), 3 * S);
    assert_eq!((trip.failure, trip.warning, trip.deleted), (None, None, 1));
    let (timings, _) = journal.into_parts();
    assert_eq!(
        timings.iter().map(|t| t.phase).collect::<Vec<_>>(),
        [Phase::MailboxLogin, Phase::MailboxSearch]
    );
}

#[test]
fn a_message_never_seen_is_not_delivered_with_the_wait() {
    let mut account = Account::new(MailboxProtocol::Pop3, S, 2 * S);
    account.dialogue(outcome(None, None), &mut Journal::new(false));
    account.fail(Failure {
        phase: Phase::MailboxSearch,
        kind: ErrorKind::Timeout,
    });
    let trip = account.finish(31 * S);
    assert_eq!(
        trip.failure.unwrap().kind,
        ErrorKind::MessageNotDelivered(30_000)
    );
    assert_eq!(trip.verdict_at, 31 * S);
}

#[test]
fn a_refused_log_in_is_down_and_a_failed_cleanup_only_a_warning() {
    let refused = MailboxFailure {
        step: Step::Login,
        why: "LOGIN was refused: NO [AUTHENTICATIONFAILED]".into(),
        timed_out: false,
    };
    let mut account = Account::new(MailboxProtocol::Imap, S, S);
    account.dialogue(
        outcome(None, Some(refused.clone())),
        &mut Journal::new(false),
    );
    let failure = account.finish(2 * S).failure.unwrap();
    assert_eq!(failure.phase, Phase::MailboxLogin);
    assert!(matches!(failure.kind, ErrorKind::MailboxFailed(ref why) if why.contains("NO")));
    let cleanup = MailboxFailure {
        step: Step::Delete,
        why: "UID STORE was refused".into(),
        timed_out: false,
    };
    let mut account = Account::new(MailboxProtocol::Imap, S, S);
    account.dialogue(
        outcome(Some(2 * S), Some(cleanup)),
        &mut Journal::new(false),
    );
    let trip = account.finish(3 * S);
    assert_eq!(trip.failure, None);
    assert_eq!(trip.warning.unwrap().phase, Phase::MailboxDelete);
}

/// Delivered to spam is the round trip's warning, before a clean-up that failed after it.
#[test]
fn delivered_to_spam_comes_before_a_failed_clean_up() {
    let mut account = Account::new(MailboxProtocol::Imap, S, 2 * S);
    let mut found = outcome(Some(3 * S), None);
    found.delivered = Some(Delivered {
        folder: "Junk".into(),
        spam: true,
        ..Delivered::default()
    });
    account.dialogue(found, &mut Journal::new(false));
    account.fail(Failure {
        phase: Phase::MailboxDelete,
        kind: ErrorKind::Timeout,
    });
    let trip = account.finish(4 * S);
    assert_eq!(trip.failure, None);
    let warning = trip.warning.unwrap();
    assert_eq!(warning.kind, ErrorKind::DeliveredToSpam("Junk".into()));
    assert_eq!(warning.phase, Phase::MailboxSearch);
}
