//! One host's check from its plan to its result: look up, connect, secure, converse, make
//! the round trip when asked, report (a domain check makes one for each MX host).
//! The protocol decisions are the session's; this file moves bytes and time, and runs the
//! TLS handshakes when the mode or the session calls for one.

use super::connect::{SMTP, connect, look_up};
use super::net::{Clock, IoError, unix_now};
use super::round_trip;
use super::secure::handshake;
use super::tls_stream::Transport;
use crate::check::expect::Expect;
use crate::check::mode::Mode;
use crate::check::plan::{self, Plan, TlsPlan};
use crate::check::report::{Context, report, server_label};
use crate::dane::lookup::DaneLookup;
use crate::dane::verdict;
use crate::journal::Journal;
use crate::mailbox::trip::Trip;
use crate::smtp::session::{Agenda, Outcome, Session};
use crate::tls::facts::TlsFacts;
use crate::wit::{CheckResult, ErrorKind, Failure, Phase, Settings};
use std::net::{IpAddr, SocketAddr};

/// A host check of `settings`, planned as `plan`, on `clock`: connecting to `addresses`
/// when given (an MX host of a domain check, its addresses from the domain's DNS), else
/// to what the target's lookup gives.
/// With `dane` (its TLSA records looked up), the certificate is verified by the records
/// when DANE is in force, and the result judged by DANE too.
pub(super) async fn check(
    settings: &Settings,
    plan: &Plan<'_>,
    addresses: Option<Vec<IpAddr>>,
    dane: Option<DaneLookup>,
    clock: Clock,
    mut journal: Journal,
) -> CheckResult {
    let mut facts = no_facts(settings);
    let in_force = dane.as_ref().and_then(DaneLookup::in_force);
    let dane_tls = match in_force.map(|records| plan::dane_tls_plan(settings, records)) {
        None => None,
        Some(Ok(tls)) => tls,
        Some(Err(kind)) => {
            let failure = Failure {
                phase: Phase::Settings,
                kind,
            };
            return failed(settings, &plan.expect, failure, clock.elapsed(), journal);
        }
    };
    if dane_tls.is_some() {
        journal.note(
            clock.elapsed(),
            "DANE in force: the certificate is verified by the TLSA records, not the CA roots",
        );
    }
    let tls = dane_tls.as_ref().or(plan.tls.as_ref());
    let ended = execute(settings, plan, tls, addresses, clock, journal, &mut facts).await;
    let result = finish(settings, &plan.expect, ended, &facts);
    match dane {
        None => result,
        Some(lookup) => {
            let now = unix_now();
            let reached = result.banner.is_some();
            let tls_phase = match plan.mode {
                Mode::ImplicitTls { .. } => Phase::TlsHandshake,
                _ => Phase::Starttls,
            };
            let judged = verdict::judge(&lookup, &facts, reached, tls_phase, now);
            let server = server_label(&settings.host, settings.port);
            let context = Context {
                server: &server,
                timeout_seconds: settings.timeout_seconds,
                silent_greeting_hint: None,
            };
            verdict::apply(result, judged, context, now)
        }
    }
}

/// What a check knows of TLS before any handshake.
fn no_facts(settings: &Settings) -> TlsFacts {
    TlsFacts {
        verify: settings.tls.verify,
        ..TlsFacts::default()
    }
}

/// A host check that ended before it connected, `elapsed` after it began: its settings
/// refused (judged by no expectations), or, in a domain check, an MX host's address lookup
/// failed. Reported as a host check is.
pub(super) fn failed(
    settings: &Settings,
    expect: &Expect,
    failure: Failure,
    elapsed: std::time::Duration,
    journal: Journal,
) -> CheckResult {
    let outcome = Outcome::failed_early(failure, elapsed, journal);
    let ended = Ended::early(outcome, None);
    finish(settings, expect, ended, &no_facts(settings))
}

/// The result of a host check that ended.
fn finish(settings: &Settings, expect: &Expect, ended: Ended, facts: &TlsFacts) -> CheckResult {
    let Ended {
        outcome,
        trip,
        remote,
    } = ended;
    report(settings, expect, outcome, trip, remote, facts, unix_now())
}

/// How a check ended: the dialogue's outcome, the round trip's, where it connected.
struct Ended {
    outcome: Outcome,
    trip: Option<Trip>,
    remote: Option<String>,
}

impl Ended {
    /// A check that ended before the dialogue (or after implicit TLS failed).
    fn early(outcome: Outcome, remote: Option<String>) -> Self {
        Self {
            outcome,
            trip: None,
            remote,
        }
    }
}

/// Connects (to `addresses` when given, else to what the target's lookup gives), runs
/// implicit TLS if asked (falling back to plain text if allowed), then the SMTP dialogue,
/// then the round trip when asked.
async fn execute(
    settings: &Settings,
    plan: &Plan<'_>,
    tls: Option<&TlsPlan<'_>>,
    addresses: Option<Vec<IpAddr>>,
    clock: Clock,
    mut journal: Journal,
    facts: &mut TlsFacts,
) -> Ended {
    // What failed before the dialogue, with the reason TLS was given up if it was.
    let failed = |failure, warning: Option<Failure>, journal, remote: Option<SocketAddr>| {
        let mut outcome = Outcome::failed_early(failure, clock.elapsed(), journal);
        outcome.warning = warning;
        Ended::early(outcome, remote.map(|r| r.to_string()))
    };
    let addresses = match addresses {
        Some(given) => given,
        None => match look_up(&plan.target, plan.ip_version, clock, &mut journal, SMTP).await {
            Ok(found) => found,
            Err(failure) => return failed(failure, None, journal, None),
        },
    };
    let (connection, remote) =
        match connect(addresses, settings.port, clock, &mut journal, SMTP).await {
            Ok(opened) => opened,
            Err(failure) => return failed(failure, None, journal, None),
        };
    journal.note(clock.elapsed(), format!("connected to {remote}"));
    let implicit_tls = match (plan.mode, tls) {
        (Mode::ImplicitTls { .. }, Some(tls)) => Some(tls),
        _ => None,
    };
    let (transport, fallback) = match implicit_tls {
        None => (Transport::Plain(connection), None),
        Some(tls) => {
            let started = clock.elapsed();
            let secured = handshake(connection, tls, clock, facts).await;
            journal.timing(Phase::TlsHandshake, started, clock.elapsed());
            match secured {
                Ok(stream) => {
                    journal.note(clock.elapsed(), facts.established_note());
                    (Transport::Tls(Box::new(stream)), None)
                }
                Err(kind) => {
                    let failure = Failure {
                        phase: Phase::TlsHandshake,
                        kind,
                    };
                    // The core decides: only a server that spoke no TLS at all.
                    if !plan.mode.falls_back_after(&facts.server_first_bytes) {
                        return failed(failure, None, journal, Some(remote));
                    }
                    journal.note(
                        clock.elapsed(),
                        "implicit TLS failed: the server spoke no TLS; reconnecting in plain text",
                    );
                    // The server that spoke, again: no second lookup, no other address.
                    match connect(vec![remote.ip()], remote.port(), clock, &mut journal, SMTP).await
                    {
                        Ok((connection, _)) => (Transport::Plain(connection), Some(failure)),
                        // The result still says why TLS was given up.
                        Err(reconnect) => {
                            return failed(reconnect, Some(failure), journal, Some(remote));
                        }
                    }
                }
            }
        }
    };
    let agenda = Agenda {
        encrypted: matches!(transport, Transport::Tls(_)),
        ..plan.agenda.clone()
    };
    let mut session = Session::new(agenda, journal, clock.elapsed());
    if let Some(warning) = fallback {
        session.warn(warning);
    }
    converse(&mut session, transport, clock, tls, facts).await;
    let mut outcome = session.into_outcome();
    // The round trip follows a test email the server accepted, and only that.
    let trip = match (&plan.mailbox, &outcome.verdict, outcome.accepted_at) {
        // Boxed: its state is as large as the rest of the check's, and most checks have none.
        (Some(mailbox), Ok(()), Some(accepted_at)) => Some(
            Box::pin(round_trip::run(
                mailbox,
                plan.ip_version,
                accepted_at,
                clock,
                &mut outcome.journal,
            ))
            .await,
        ),
        _ => None,
    };
    Ended {
        outcome,
        trip,
        remote: Some(remote.to_string()),
    }
}

/// Moves bytes between the session and the connection until the session is done,
/// upgrading the connection when the session asks for it (STARTTLS).
async fn converse(
    session: &mut Session,
    mut transport: Transport,
    clock: Clock,
    tls: Option<&TlsPlan<'_>>,
    facts: &mut TlsFacts,
) {
    loop {
        if let Some(bytes) = session.poll_transmit()
            && let Err(error) = transport.write_all(&bytes, clock.deadline).await
        {
            handle_io_error(session, clock, error);
        }
        if session.is_closed() {
            return;
        }
        if session.wants_tls() {
            let (Transport::Plain(connection), Some(plan)) = (transport, tls) else {
                let why = "STARTTLS over a connection that is already TLS";
                session
                    .handle_tls_failed(clock.elapsed(), ErrorKind::ProtocolViolation(why.into()));
                return;
            };
            match handshake(connection, plan, clock, facts).await {
                Ok(stream) => {
                    session.note(clock.elapsed(), facts.established_note());
                    session.handle_tls_established(clock.elapsed());
                    transport = Transport::Tls(Box::new(stream));
                }
                Err(kind) => return session.handle_tls_failed(clock.elapsed(), kind),
            }
            continue;
        }
        let wait_until = session
            .timeout_at()
            .map_or(clock.deadline, |t| clock.at(t).min(clock.deadline));
        match transport.read(wait_until).await {
            Ok(bytes) => session.handle_input(clock.elapsed(), &bytes),
            Err(error) => handle_io_error(session, clock, error),
        }
    }
}

fn handle_io_error(session: &mut Session, clock: Clock, error: IoError) {
    match error {
        IoError::Timeout => session.handle_timeout(clock.elapsed()),
        IoError::Closed => session.handle_close(clock.elapsed(), "closed by the server"),
        IoError::Failed(why) => session.handle_close(clock.elapsed(), &why),
    }
}
