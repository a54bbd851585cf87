//! The MTA-STS policy fetch (RFC 8461 3.3): `mta-sts.DOMAIN`'s addresses from the host's
//! DNS, a connection to port 443, TLS verified for that name with the check's roots, then
//! the core's HTTP reader ([`crate::domain::http`]) over it. No redirect is followed; the
//! reader bounds what it takes.

use super::connect::{Phases, connect};
use super::dns::Dns;
use super::net::{Clock, IoError};
use super::secure::handshake;
use crate::check::plan::policy_tls_plan;
use crate::domain::findings::PolicyFinding;
use crate::domain::http::{self, Fetched, PolicyResponse};
use crate::domain::sts_policy;
use crate::journal::Journal;
use crate::limits::MTA_STS_PORT;
use crate::tls::facts::TlsFacts;
use crate::wit::{ErrorKind, Failure, Phase, Settings};

/// The fetch's lookup and connect are its own phase.
const FETCH: Phases = Phases {
    lookup: Phase::MtaStsFetch,
    connect: Phase::MtaStsFetch,
};

/// Fetches and reads `domain`'s policy.
pub(super) async fn fetch(
    settings: &Settings,
    domain: &str,
    dns: &Dns,
    clock: Clock,
    journal: &mut Journal,
) -> PolicyFinding {
    let failed = |kind| {
        PolicyFinding::Unreachable(Failure {
            phase: Phase::MtaStsFetch,
            kind,
        })
    };
    let (Some(host), Some(request)) = (http::policy_host(domain), http::request(domain)) else {
        return failed(ErrorKind::InvalidSettings(format!(
            "{domain:?} has no policy host name"
        )));
    };
    let addresses = match dns.addresses(&host, settings.ip_version, journal).await {
        Ok(found) => found,
        Err(kind) => return failed(kind),
    };
    let (connection, remote) = match connect(addresses, MTA_STS_PORT, clock, journal, FETCH).await {
        Ok(opened) => opened,
        Err(failure) => return PolicyFinding::Unreachable(failure),
    };
    journal.note(clock.elapsed(), format!("connected to {host} at {remote}"));
    let plan = match policy_tls_plan(&host, &settings.tls) {
        Ok(plan) => plan,
        Err(kind) => return failed(kind),
    };
    let mut facts = TlsFacts {
        verify: true,
        ..TlsFacts::default()
    };
    let mut stream = match handshake(connection, &plan, clock, &mut facts).await {
        Ok(stream) => stream,
        Err(kind) => return failed(kind),
    };
    journal.note(clock.elapsed(), facts.established_note());
    journal.client(
        clock.elapsed(),
        format!("GET https://{host}{}", http::POLICY_PATH),
    );
    if let Err(error) = stream.write_all(&request, clock.deadline).await {
        return failed(io_kind(error));
    }
    let mut response = PolicyResponse::new();
    while response.outcome().is_none() {
        match stream.read(clock.deadline).await {
            Ok(bytes) => response.push(&bytes),
            Err(IoError::Closed) if stream.closed_cleanly() => response.close(),
            // A body that ends with the connection ends only with a close_notify: without
            // one it may have been cut short (RFC 9112 9.8).
            Err(IoError::Closed) => {
                return failed(ErrorKind::ProtocolViolation(
                    "the policy host closed the connection without a TLS close_notify before \
                     the response's end was known: the policy may be cut short"
                        .into(),
                ));
            }
            Err(error) => return failed(io_kind(error)),
        }
    }
    let outcome = response.into_outcome();
    let finding = match outcome {
        Some(Ok(Fetched::Policy { body })) => match sts_policy::parse(&body) {
            Ok(policy) => PolicyFinding::Policy(policy),
            Err(error) => PolicyFinding::Invalid(error),
        },
        Some(Ok(other)) => PolicyFinding::NoPolicy(other),
        Some(Err(error)) => PolicyFinding::Http(error),
        None => PolicyFinding::Unreachable(Failure {
            phase: Phase::MtaStsFetch,
            kind: ErrorKind::ConnectionClosed,
        }),
    };
    journal.server(clock.elapsed(), words(&finding));
    finding
}

/// A read or write that failed, as the contract's error kind.
fn io_kind(error: IoError) -> ErrorKind {
    match error {
        IoError::Timeout => ErrorKind::Timeout,
        IoError::Closed => ErrorKind::ConnectionClosed,
        IoError::Failed(why) => ErrorKind::ConnectFailed(why),
    }
}

/// The fetch's result in a few words, for the transcript.
fn words(finding: &PolicyFinding) -> String {
    match finding {
        PolicyFinding::Policy(policy) => format!(
            "policy: mode {}, max_age {}, mx {}",
            policy.mode.as_str(),
            policy.max_age,
            policy.mx.join(" ")
        ),
        PolicyFinding::Invalid(error) => format!("an invalid policy: {error}"),
        PolicyFinding::NoPolicy(fetched) => format!("no policy: {fetched:?}"),
        PolicyFinding::Http(error) => format!("not a usable response: {error}"),
        PolicyFinding::Unreachable(failure) => format!("unreachable: {:?}", failure.kind),
    }
}
