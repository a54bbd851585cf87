//! One check's DNS: its policy (which names), its budget (how many lookups, how many at
//! once) and its deadline, over the process's [`Resolver`]. A lookup the policy refuses,
//! whose name is no domain name, or past the budget fails at once, before any packet; the
//! others run as tasks that end at the check's deadline at the latest, and are abandoned
//! when the component drops them.

use super::answer::{from_error, from_lookup, hickory_type, lookup_words, timed_out};
use super::bogus;
use super::policy::DnsPolicy;
use super::resolver::Resolver;
use crate::engine::limits::MAX_DNS_LOOKUPS_IN_FLIGHT;
use crate::wit_dns::{Answer, DnssecStatus, LookupError, Outcome, RecordData, RecordType};
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::Name;
use smtp_sensor_guest::limits::MAX_DNS_LOOKUPS_PER_CHECK;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;
use tokio::sync::Semaphore;
use wasmtime_wasi::runtime::{AbortOnDropJoinHandle, spawn};

/// What a lookup gives the component.
pub type Found = Result<Answer, LookupError>;

/// One check's DNS.
#[derive(Debug)]
pub struct DnsSession {
    resolver: Arc<Resolver>,
    policy: Arc<Mutex<DnsPolicy>>,
    made: usize,
    in_flight: Arc<Semaphore>,
    deadline: Instant,
}

impl DnsSession {
    /// A check's DNS under `policy`, ending at `deadline` (the check's own).
    pub fn new(resolver: Arc<Resolver>, policy: DnsPolicy, deadline: Instant) -> Self {
        Self::sharing(resolver, Arc::new(Mutex::new(policy)), deadline)
    }

    /// A check's DNS under a policy it shares: a domain check's connect sandbox reads the
    /// addresses this session's answers note in it (see `sandbox::DnsReach`).
    pub fn sharing(
        resolver: Arc<Resolver>,
        policy: Arc<Mutex<DnsPolicy>>,
        deadline: Instant,
    ) -> Self {
        Self {
            resolver,
            policy,
            made: 0,
            in_flight: Arc::new(Semaphore::new(MAX_DNS_LOOKUPS_IN_FLIGHT)),
            deadline,
        }
    }

    /// The policy as the answers so far have made it (exchanges named, addresses given).
    pub fn policy(&self) -> DnsPolicy {
        self.policy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Starts a lookup of `name`'s `kind` records, or refuses it at once.
    pub fn resolve(&mut self, name: &str, kind: RecordType) -> Result<PendingLookup, LookupError> {
        {
            let policy = self.policy.lock().unwrap_or_else(PoisonError::into_inner);
            if !policy.permits(name, kind) {
                return Err(LookupError::NotPermitted(policy.refusal(name, kind)));
            }
        }
        let fqdn = format!("{}.", super::policy::canonical(name));
        // A name whose last dot is escaped (`foo\.`) parses as not fully qualified, and
        // would be completed with a search domain: refused as not a name.
        let Some(parsed) = Name::from_ascii(&fqdn).ok().filter(Name::is_fqdn) else {
            return Err(LookupError::InvalidName(format!(
                "{}: not a domain name (labels of 1 to 63 bytes, 253 in all)",
                lookup_words(name, kind)
            )));
        };
        // Past the deadline nothing is sent: the lookup has timed out before it began.
        if Instant::now() >= self.deadline {
            return Err(timed_out(
                &super::policy::canonical(name),
                kind,
                std::time::Duration::ZERO,
            ));
        }
        if self.made >= MAX_DNS_LOOKUPS_PER_CHECK {
            return Err(LookupError::OverBudget(format!(
                "{}: a lookup beyond the {MAX_DNS_LOOKUPS_PER_CHECK} a check may make",
                lookup_words(name, kind)
            )));
        }
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            return Err(LookupError::OverBudget(format!(
                "{}: the check has {MAX_DNS_LOOKUPS_IN_FLIGHT} lookups under way already, \
                 as many as it may at once",
                lookup_words(name, kind)
            )));
        };
        self.made += 1;
        let name = super::policy::canonical(name);
        let resolver = self.resolver.clone();
        let policy = self.policy.clone();
        let deadline = self.deadline;
        let task = spawn(async move {
            let _permit = permit;
            let started = Instant::now();
            let asked = ask(&resolver, &parsed, &name, kind, deadline);
            let found = match tokio::time::timeout_at(deadline.into(), asked).await {
                Err(_) => Err(timed_out(&name, kind, started.elapsed())),
                Ok(found) => found,
            };
            if let Ok(answer) = &found {
                note(&policy, answer);
            }
            found
        });
        Ok(PendingLookup {
            state: State::Waiting(task),
        })
    }
}

/// Asks `resolver`, and for an answer it judged bogus, asks again without validation for
/// the records (see [`Resolver::lookup_unvalidated`]) and for the name's signatures, which
/// say why (see [`bogus::explain`]). All are one lookup of the budget, under its place in
/// flight and the check's deadline.
async fn ask(
    resolver: &Resolver,
    parsed: &Name,
    name: &str,
    kind: RecordType,
    deadline: Instant,
) -> Found {
    let started = Instant::now();
    let kind_ = hickory_type(kind);
    let no_resolver =
        |words: String| LookupError::Unreachable(format!("{}: {words}", lookup_words(name, kind)));
    let servers = resolver.servers();
    match resolver.lookup(parsed, kind_).await.map_err(no_resolver)? {
        Ok(lookup) => Ok(from_lookup(name, kind, &lookup)),
        Err(NetError::Dns(DnsError::DnssecBogus)) => {
            let plain = resolver.lookup_unvalidated(parsed, kind_).await;
            let mut answer = match plain.map_err(no_resolver)? {
                Ok(lookup) => from_lookup(name, kind, &lookup),
                Err(error) => from_error(name, kind, &error, started.elapsed(), &servers)?,
            };
            let negative = answer.outcome != Outcome::Records;
            answer.dnssec = bogus::explain(resolver, parsed, name, kind, negative, deadline).await;
            answer.earliest_signature_expiry = None;
            Ok(answer)
        }
        Err(error) => {
            let mut answer = from_error(name, kind, &error, started.elapsed(), &servers)?;
            if matches!(answer.dnssec, DnssecStatus::Bogus(_)) {
                answer.dnssec = bogus::explain(resolver, parsed, name, kind, true, deadline).await;
                answer.earliest_signature_expiry = None;
            }
            Ok(answer)
        }
    }
}

/// What an answer tells the policy: the exchanges an MX answer named, the addresses.
fn note(policy: &Mutex<DnsPolicy>, answer: &Answer) {
    if answer.outcome != Outcome::Records {
        return;
    }
    let mut policy = policy.lock().unwrap_or_else(PoisonError::into_inner);
    let exchanges: Vec<(u16, &str)> = answer
        .records
        .iter()
        .filter_map(|r| match r {
            RecordData::Mx(mx) => Some((mx.preference, mx.exchange.as_str())),
            _ => None,
        })
        .collect();
    if !exchanges.is_empty() {
        policy.answered_mx(&answer.name, exchanges);
    }
    let addresses: Vec<IpAddr> = answer
        .records
        .iter()
        .filter_map(|r| match *r {
            RecordData::A((a, b, c, d)) => Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d))),
            RecordData::Aaaa((a, b, c, d, e, f, g, h)) => {
                Some(IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)))
            }
            _ => None,
        })
        .collect();
    if !addresses.is_empty() {
        if let Some(canonical) = &answer.canonical_name
            && answer.dnssec == DnssecStatus::Secure
        {
            policy.answered_canonical(&answer.name, canonical);
        }
        policy.answered_addresses(&answer.name, addresses);
    }
}

/// A lookup under way or done: the contract's `dns.lookup` resource, as the store's table
/// holds it. Dropping it aborts its task (and frees its in-flight place).
pub struct PendingLookup {
    state: State,
}

enum State {
    Waiting(AbortOnDropJoinHandle<Found>),
    Done(Found),
}

impl PendingLookup {
    /// The answer, if the lookup is done (without waiting).
    pub fn poll_now(&mut self) -> Option<&Found> {
        if let State::Waiting(task) = &mut self.state {
            let mut cx = Context::from_waker(Waker::noop());
            let Poll::Ready(found) = Pin::new(task).poll(&mut cx) else {
                return None;
            };
            self.state = State::Done(found);
        }
        match &self.state {
            State::Done(found) => Some(found),
            State::Waiting(_) => None,
        }
    }

    /// Waits for the answer (the host's tests; the component polls instead).
    pub async fn wait(mut self) -> Found {
        use wasmtime_wasi::p2::Pollable as _;
        self.ready().await;
        match self.state {
            State::Done(found) => found,
            // `ready` always leaves it done; were it not, say so rather than panic.
            State::Waiting(_) => Err(LookupError::ResolverFailed(
                "the lookup ended without an answer".into(),
            )),
        }
    }
}

#[wasmtime_wasi::async_trait]
impl wasmtime_wasi::p2::Pollable for PendingLookup {
    async fn ready(&mut self) {
        if let State::Waiting(task) = &mut self.state {
            let found = task.await;
            self.state = State::Done(found);
        }
    }
}
