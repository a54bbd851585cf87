//! What a domain check found, as the component's I/O layer gathered it: the MX answer, each
//! MX host's own check, the MTA-STS record and policy, the TLS-RPT record. Plain data, no
//! I/O: [`super::report`] turns it into the contract's result, and unit tests build it by
//! hand.

use super::http::{Fetched, HttpError};
use super::sts_policy::{PolicyError, StsPolicy};
use super::sts_record::{RecordError, StsRecord};
use super::tlsrpt_record::TlsRptRecord;
use crate::dane::health::Seen;
use crate::wit::{CheckResult, Failure, PhaseTiming, TranscriptLine};
use std::net::IpAddr;
use std::time::Duration;

/// Where the MX hosts came from (the MX lookup's answer).
#[derive(Debug, Clone, PartialEq)]
pub enum MxAnswer {
    /// MX records: the exchanges to check, by preference, at most
    /// [`crate::limits::MAX_MX_HOSTS`]; `beyond` more were not checked.
    Records {
        /// How many MX records were beyond the limit.
        beyond: u32,
        /// A null MX stood beside them (RFC 7505 3 forbids it; senders ignore it).
        null_beside: bool,
    },
    /// No MX record (NODATA or NXDOMAIN): the domain itself is the implicit MX.
    Implicit,
    /// A null MX (RFC 7505): the domain accepts no mail.
    Null,
    /// The lookup failed: the failure (phase `mx-lookup`, a `name-lookup-failed`,
    /// `timeout` or `dns-unavailable`), in the resolver's words.
    Failed(Failure),
}

/// One MX host's check.
#[derive(Debug, Clone)]
pub struct MxFinding {
    /// The exchange, lower-cased, without the root's dot.
    pub exchange: String,
    /// Its MX preference (0 for the implicit MX).
    pub preference: u16,
    /// Its addresses, as looked up.
    pub addresses: Vec<IpAddr>,
    /// Its check, reported as a host check's is (status, message, failure, channels,
    /// timings, TLS, transcript), the address lookup's failure included (phase
    /// `mx-lookup`).
    pub result: CheckResult,
    /// From the domain check's start to this host's verdict.
    pub elapsed: Duration,
}

/// The `_mta-sts` TXT lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum StsRecordFinding {
    /// The lookup answered: the record, none (no `v=STSv1` record), or what is wrong.
    Answered(Result<Option<StsRecord>, RecordError>),
    /// The lookup failed, in the resolver's words.
    LookupFailed(String),
}

/// The policy fetch from `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyFinding {
    /// The server answered a policy that parsed.
    Policy(StsPolicy),
    /// It answered a policy that does not parse.
    Invalid(PolicyError),
    /// It answered without a policy: a redirect (not followed), or another status.
    NoPolicy(Fetched),
    /// Its answer was not usable HTTP.
    Http(HttpError),
    /// It could not be reached or trusted: the name lookup, the connection, the TLS
    /// handshake (an untrusted certificate) or the deadline; the failure's phase is
    /// `mta-sts-fetch`, its kind says which.
    Unreachable(Failure),
}

/// The `_smtp._tls` TXT lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsRptFinding {
    /// The lookup answered: the record, none, or what is wrong.
    Answered(Result<Option<TlsRptRecord>, RecordError>),
    /// The lookup failed, in the resolver's words.
    LookupFailed(String),
}

/// Everything a domain check found.
#[derive(Debug, Clone)]
pub struct Findings {
    /// The domain, lower-cased, without the root's dot.
    pub domain: String,
    /// The MX lookup's answer.
    pub mx: MxAnswer,
    /// Each MX host checked, by preference (lowest first), in the MX answer's order among
    /// equals. Empty for a null MX and a failed lookup.
    pub hosts: Vec<MxFinding>,
    /// The `_mta-sts` record; none when the check ended before looking (a null MX).
    pub sts_record: Option<StsRecordFinding>,
    /// The policy fetch; none when it was not tried (a null MX).
    pub policy: Option<PolicyFinding>,
    /// How long the policy fetch took, when it was tried.
    pub policy_fetch: Option<Duration>,
    /// The `_smtp._tls` record; none when not looked up.
    pub tls_rpt: Option<TlsRptFinding>,
    /// The DNSSEC of the domain's own answers (MX, `_mta-sts`, `_smtp._tls`, the policy
    /// host's addresses); each MX host's is in its result's `dane`.
    pub dnssec: Vec<Seen>,
    /// The domain's own phases (`mx-lookup`, `mta-sts-lookup`, `mta-sts-fetch`,
    /// `tls-rpt-lookup`), each once, in the order they started.
    pub timings: Vec<PhaseTiming>,
    /// The DNS answers and the policy fetch, when a transcript was asked for.
    pub transcript: Vec<TranscriptLine>,
    /// From the check's start until all was found.
    pub elapsed: Duration,
}
