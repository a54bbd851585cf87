//! One check from settings to result: validate, look up, connect, converse, report.
//! The protocol decisions are the session's; this file only moves bytes and time.

use super::net::{self, ConnectError, Connection, Instant, IoError, LookupError};
use crate::journal::{Journal, millis};
use crate::limits::channel;
use crate::message::{self, Context};
use crate::session::{Outcome, Session};
use crate::validate::{self, Target};
use crate::wit::{
    Channel, ChannelUnit, CheckResult, ErrorKind, Failure, Phase, Settings, Status,
    TransportSecurity,
};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use wasip2::sockets::network::ErrorCode;

/// The clock of one check: the start, the deadline, and offsets from the start.
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    deadline: Instant,
}

impl Clock {
    fn elapsed(self) -> Duration {
        Duration::from_nanos(net::now().saturating_sub(self.start))
    }

    fn at(self, offset: Duration) -> Instant {
        self.start
            .saturating_add(u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Runs one check. Never panics on anything the server or the settings do.
pub fn run(settings: Settings) -> CheckResult {
    let start = net::now();
    let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
    let clock = Clock {
        start,
        deadline: start.saturating_add(timeout.as_nanos() as u64),
    };
    let mut journal = Journal::new(settings.keep_transcript);
    let server = server_label(&settings.host, settings.port);
    let context = Context {
        server: &server,
        timeout_seconds: settings.timeout_seconds,
    };

    let (outcome, remote) = match check_settings(&settings) {
        Err(kind) => {
            let failure = Failure {
                phase: Phase::Settings,
                kind,
            };
            (
                Outcome::failed_early(failure, clock.elapsed(), journal),
                None,
            )
        }
        Ok(target) => match open(&target, settings.port, clock, &mut journal) {
            Err(failure) => (
                Outcome::failed_early(failure, clock.elapsed(), journal),
                None,
            ),
            Ok((connection, remote)) => {
                journal.note(clock.elapsed(), format!("connected to {remote}"));
                let mut session = Session::new(&settings.helo, journal, clock.elapsed());
                converse(&mut session, &connection, clock);
                (session.into_outcome(), Some(remote.to_string()))
            }
        },
    };
    report(context, outcome, remote)
}

/// Validates what the host should have validated, and refuses what this build cannot do.
fn check_settings(settings: &Settings) -> Result<Target, ErrorKind> {
    let invalid = |e: validate::SettingError| ErrorKind::InvalidSettings(e.to_string());
    validate::port(settings.port).map_err(invalid)?;
    validate::timeout(settings.timeout_seconds).map_err(invalid)?;
    validate::helo(&settings.helo).map_err(invalid)?;
    let target = validate::host(&settings.host).map_err(invalid)?;
    if settings.security != TransportSecurity::None {
        return Err(ErrorKind::NotSupported(format!(
            "transport security {:?} needs TLS, which this build of the component does not \
             support yet; use security none",
            settings.security
        )));
    }
    if settings.authentication.is_some() {
        return Err(ErrorKind::NotSupported(
            "authentication is not supported by this build of the component yet".into(),
        ));
    }
    if settings.email.is_some() {
        return Err(ErrorKind::NotSupported(
            "sending an email is not supported by this build of the component yet".into(),
        ));
    }
    Ok(target)
}

/// Looks up the target if it is a name, then connects to its addresses in turn.
fn open(
    target: &Target,
    port: u16,
    clock: Clock,
    journal: &mut Journal,
) -> Result<(Connection, SocketAddr), Failure> {
    let addresses = match target {
        Target::Address(address) => vec![*address],
        Target::Name(name) => {
            let started = clock.elapsed();
            let found = net::resolve(name, clock.deadline);
            journal.timing(Phase::NameLookup, started, clock.elapsed());
            lookup_result(name, found)?
        }
    };
    let started = clock.elapsed();
    let mut last = ErrorKind::ConnectFailed("no address to connect to".into());
    for address in addresses {
        let remote = SocketAddr::new(address, port);
        match net::connect(address, port, clock.deadline) {
            Ok(connection) => {
                journal.timing(Phase::Connect, started, clock.elapsed());
                return Ok((connection, remote));
            }
            Err(error) => {
                journal.note(
                    clock.elapsed(),
                    format!("connecting to {remote} failed: {error:?}"),
                );
                last = connect_error(error);
                if last == ErrorKind::Timeout {
                    break;
                }
            }
        }
    }
    journal.timing(Phase::Connect, started, clock.elapsed());
    Err(Failure {
        phase: Phase::Connect,
        kind: last,
    })
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

fn connect_error(error: ConnectError) -> ErrorKind {
    match error {
        ConnectError::Timeout => ErrorKind::Timeout,
        ConnectError::Failed(ErrorCode::ConnectionRefused) => ErrorKind::ConnectionRefused,
        ConnectError::Failed(ErrorCode::AccessDenied) => ErrorKind::AccessDenied(
            "the host's network policy does not allow this address and port".into(),
        ),
        ConnectError::Failed(code) => ErrorKind::ConnectFailed(describe(code)),
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

/// Moves bytes between the session and the connection until the session is done.
fn converse(session: &mut Session, connection: &Connection, clock: Clock) {
    loop {
        if let Some(bytes) = session.poll_transmit()
            && let Err(error) = connection.write_all(&bytes, clock.deadline)
        {
            handle_io_error(session, clock, error);
        }
        if session.is_closed() {
            return;
        }
        let wait_until = session
            .timeout_at()
            .map_or(clock.deadline, |t| clock.at(t).min(clock.deadline));
        match connection.read(wait_until) {
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

/// The result record: verdict, message, channels, and everything seen on the way.
fn report(context: Context, outcome: Outcome, remote: Option<String>) -> CheckResult {
    let response_ms = millis(outcome.verdict_at);
    let (status, message, failure) = match outcome.verdict {
        Ok(()) => {
            let message = message::for_success(context, outcome.banner.as_ref(), response_ms);
            (Status::Up, message, None)
        }
        Err(failure) => (
            Status::Down,
            message::for_failure(context, &failure),
            Some(failure),
        ),
    };
    let downtime = if status == Status::Down { 100.0 } else { 0.0 };
    let channels = vec![
        Channel {
            name: channel::RESPONSE_TIME.into(),
            value: response_ms,
            unit: ChannelUnit::Milliseconds,
        },
        Channel {
            name: channel::DOWNTIME.into(),
            value: downtime,
            unit: ChannelUnit::Percent,
        },
    ];
    let (timings, transcript) = outcome.journal.into_parts();
    CheckResult {
        status,
        message,
        channels,
        timings,
        remote_address: remote,
        banner: outcome.banner,
        last_reply: outcome.last_reply,
        capabilities: outcome.capabilities,
        tls: None,
        recipients: Vec::new(),
        failure,
        transcript,
    }
}

/// The server as `host:port`, IPv6 literals bracketed.
fn server_label(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
