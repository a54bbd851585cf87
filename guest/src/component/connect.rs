//! Name lookup and TCP connect, with every socket error in plain words and as the
//! contract's error kinds.

use super::net::{self, Attempt, Clock, Connection, LookupError};
use crate::check::eyeballs::{self, ATTEMPT_PATIENCE, CONNECTION_ATTEMPT_DELAY, Race};
use crate::journal::Journal;
use crate::limits::MAX_CONNECTION_ATTEMPTS;
use crate::settings::Target;
use crate::wit::{ErrorKind, Failure, IpVersion, Phase};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use wasip2::sockets::network::ErrorCode;

/// The phases a connection's lookup and connect are timed and reported in.
#[derive(Clone, Copy)]
pub(super) struct Phases {
    /// The name lookup's.
    pub lookup: Phase,
    /// The connect's.
    pub connect: Phase,
}

/// The SMTP server's connection.
pub(super) const SMTP: Phases = Phases {
    lookup: Phase::NameLookup,
    connect: Phase::Connect,
};

/// The round trip's mailbox connection: lookup and connect are one phase.
pub(super) const MAILBOX: Phases = Phases {
    lookup: Phase::MailboxConnect,
    connect: Phase::MailboxConnect,
};

/// The target's addresses of the allowed IP versions, in the order to try them: an IP
/// literal's own, a name's from one lookup. A check looks each name up once however often
/// it connects (the host allows a check a few lookups, `limits::MAX_LOOKUPS_PER_CHECK`).
pub(super) async fn look_up(
    target: &Target,
    ip_version: IpVersion,
    clock: Clock,
    journal: &mut Journal,
    phases: Phases,
) -> Result<Vec<IpAddr>, Failure> {
    let name = match target {
        Target::Address(address) => return Ok(vec![*address]),
        Target::Name(name) => name,
    };
    let started = clock.elapsed();
    let found = net::resolve(name, clock.deadline).await;
    journal.timing(phases.lookup, started, clock.elapsed());
    let found = lookup_result(name, found).map_err(|failure| Failure {
        phase: phases.lookup,
        ..failure
    })?;
    let usable = eyeballs::order(&found, ip_version);
    if usable.is_empty() {
        return Err(Failure {
            phase: phases.lookup,
            kind: ErrorKind::NameLookupFailed(format!(
                "{name} has no {} address (it has {}); allow another IP version",
                crate::settings::describe(ip_version),
                found
                    .iter()
                    .map(IpAddr::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        });
    }
    Ok(usable)
}

/// Races connections to `addresses` on `port` (Happy Eyeballs: the core's
/// [`eyeballs::Race`] says when each starts); the first to connect wins and the others are
/// closed.
pub(super) async fn connect(
    addresses: Vec<IpAddr>,
    port: u16,
    clock: Clock,
    journal: &mut Journal,
    phases: Phases,
) -> Result<(Connection, SocketAddr), Failure> {
    let started = clock.elapsed();
    let result = race(addresses, port, clock, journal).await;
    journal.timing(phases.connect, started, clock.elapsed());
    result.map_err(|kind| Failure {
        phase: phases.connect,
        kind,
    })
}

/// Runs the race until one attempt connects, all fail, or the deadline passes.
async fn race(
    addresses: Vec<IpAddr>,
    port: u16,
    clock: Clock,
    journal: &mut Journal,
) -> Result<(Connection, SocketAddr), ErrorKind> {
    let begun = clock.elapsed();
    let since_begun = || clock.elapsed().saturating_sub(begun);
    let mut race = Race::new(addresses, CONNECTION_ATTEMPT_DELAY);
    // Each attempt under way, with when it started (since the race began).
    let mut attempts: Vec<(SocketAddr, Attempt, Duration)> = Vec::new();
    // Each address's failure, for the verdict when all fail.
    let mut failures: Vec<(SocketAddr, ErrorCode)> = Vec::new();
    loop {
        // Room for the next address: give up the oldest attempt still pending, once it has
        // had its patience (a lost SYN is resent after a second).
        while race.is_full(since_begun())
            && attempts
                .first()
                .is_some_and(|(_, _, at)| since_begun() >= *at + ATTEMPT_PATIENCE)
        {
            let (remote, _oldest, _) = attempts.remove(0);
            journal.note(
                clock.elapsed(),
                format!(
                    "giving up on {remote} (no answer yet) to try the next address; at most \
                     {MAX_CONNECTION_ATTEMPTS} attempts are kept open"
                ),
            );
            failures.push((remote, ErrorCode::Timeout));
            race.failed(since_begun());
        }
        while let Some(address) = race.due(since_begun()) {
            let remote = SocketAddr::new(address, port);
            match Attempt::start(address, port) {
                Ok(attempt) => {
                    if !attempts.is_empty() {
                        journal.note(
                            clock.elapsed(),
                            format!("also trying {remote} (the earlier attempt is still pending)"),
                        );
                    }
                    attempts.push((remote, attempt, since_begun()));
                }
                Err(code) => {
                    failed(journal, clock, remote, code);
                    failures.push((remote, code));
                    race.failed(since_begun());
                }
            }
        }
        if race.lost() {
            return Err(every_address_failed(&failures));
        }
        if net::now() >= clock.deadline {
            return Err(ErrorKind::Timeout);
        }
        // The next address is due, or (the race being full) the oldest attempt's patience
        // ends.
        let next = if race.is_full(since_begun()) {
            attempts.first().map(|(_, _, at)| *at + ATTEMPT_PATIENCE)
        } else {
            race.wake_at()
        };
        let wake = next.map_or(clock.deadline, |at| {
            clock.at(begun + at).min(clock.deadline)
        });
        let pollables = attempts.iter().map(|(_, a, _)| a.subscribe()).collect();
        let ready = net::wait_any(pollables, wake).await;
        // Finish the attempts that are ready, in their order; keep the rest.
        let mut still = Vec::with_capacity(attempts.len());
        for (index, (remote, attempt, at)) in attempts.into_iter().enumerate() {
            if ready != Some(index) {
                still.push((remote, attempt, at));
                continue;
            }
            match attempt.finish() {
                Ok(Ok(connection)) => return Ok((connection, remote)),
                Ok(Err(attempt)) => still.push((remote, attempt, at)),
                Err(code) => {
                    failed(journal, clock, remote, code);
                    failures.push((remote, code));
                    race.failed(since_begun());
                }
            }
        }
        attempts = still;
    }
}

fn lookup_result(
    name: &str,
    found: Result<Vec<IpAddr>, LookupError>,
) -> Result<Vec<IpAddr>, Failure> {
    let failed = |kind| Failure {
        phase: Phase::NameLookup,
        kind,
    };
    match found {
        Ok(addresses) if addresses.is_empty() => Err(failed(ErrorKind::NameLookupFailed(format!(
            "{name} has no IPv4 or IPv6 address"
        )))),
        Ok(addresses) => Ok(addresses),
        Err(LookupError::Timeout) => Err(failed(ErrorKind::Timeout)),
        Err(LookupError::Failed(ErrorCode::AccessDenied)) => Err(failed(ErrorKind::AccessDenied(
            "the host does not allow name lookups".into(),
        ))),
        Err(LookupError::Failed(code)) => Err(failed(ErrorKind::NameLookupFailed(format!(
            "{name}: {}",
            describe(code)
        )))),
    }
}

/// Notes a failed attempt in the transcript.
fn failed(journal: &mut Journal, clock: Clock, remote: SocketAddr, code: ErrorCode) {
    journal.note(
        clock.elapsed(),
        format!("connecting to {remote} failed: {}", code.name()),
    );
}

/// What it means for the check when every attempt failed: one address's error as it is;
/// every address refused, refused; otherwise each address with its error (the core's
/// [`eyeballs::failed_everywhere`] words them).
fn every_address_failed(failures: &[(SocketAddr, ErrorCode)]) -> ErrorKind {
    match failures {
        [] => ErrorKind::ConnectFailed("no address to connect to".into()),
        [(_, code)] => connect_error(*code),
        _ if failures
            .iter()
            .all(|(_, code)| *code == ErrorCode::ConnectionRefused) =>
        {
            ErrorKind::ConnectionRefused
        }
        _ => {
            let worded: Vec<(SocketAddr, String)> = failures
                .iter()
                .map(|(remote, code)| (*remote, attempt_error(*code)))
                .collect();
            ErrorKind::ConnectFailed(eyeballs::failed_everywhere(&worded))
        }
    }
}

/// One attempt's failure in a few words.
fn attempt_error(code: ErrorCode) -> String {
    match code {
        ErrorCode::ConnectionRefused => "connection refused".into(),
        ErrorCode::Timeout => "no answer (given up for the next address)".into(),
        code => describe(code),
    }
}

fn connect_error(code: ErrorCode) -> ErrorKind {
    match code {
        ErrorCode::ConnectionRefused => ErrorKind::ConnectionRefused,
        ErrorCode::AccessDenied => ErrorKind::AccessDenied(
            "the host's network policy does not allow this address and port".into(),
        ),
        code => ErrorKind::ConnectFailed(describe(code)),
    }
}

/// A socket error in plain words.
fn describe(code: ErrorCode) -> String {
    match code {
        ErrorCode::NameUnresolvable => "the name does not exist (no such host)".into(),
        ErrorCode::TemporaryResolverFailure => "the resolver failed temporarily".into(),
        ErrorCode::PermanentResolverFailure => "the resolver failed".into(),
        ErrorCode::RemoteUnreachable => "the network or host is unreachable".into(),
        ErrorCode::ConnectionReset => "the connection was reset".into(),
        other => format!("{} ({})", other.message(), other.name()),
    }
}
