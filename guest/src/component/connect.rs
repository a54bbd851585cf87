//! Name lookup and TCP connect, with every socket error in plain words and as the
//! contract's error kinds.

use super::net::{self, Clock, ConnectError, Connection, LookupError};
use crate::journal::Journal;
use crate::validate::Target;
use crate::wit::{ErrorKind, Failure, Phase};
use std::net::{IpAddr, SocketAddr};
use wasip2::sockets::network::ErrorCode;

/// Looks up the target if it is a name, then connects to its addresses in turn.
pub(super) fn open(
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
