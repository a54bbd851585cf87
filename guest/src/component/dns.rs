//! DNS through the host (the contract's `dns`), awaited: a lookup is started, its pollable
//! waited on with the check's deadline beside the sockets', and its answer taken. At most
//! [`MAX_DNS_LOOKUPS_IN_FLIGHT`] are under way at once (the host refuses more): the rest
//! wait their turn here.

use super::executor::{Gate, join_briefly};
use super::net::{self, Clock};
use crate::bindings::smtp_sensor::probe::dns::{
    self as wit, Answer, LookupError, RecordType, TimedOut,
};
use crate::check::eyeballs::{self, RESOLUTION_DELAY};
use crate::dane::health::{Seen, health};
use crate::dane::lookup::{DaneLookup, TlsaAnswer};
use crate::domain::answers::{self, type_name};
use crate::journal::Journal;
use crate::limits::MAX_DNS_LOOKUPS_IN_FLIGHT;
use crate::wit::{DaneSettings, ErrorKind, IpVersion, Phase};
use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

/// The check's DNS: its deadline, its places for lookups under way, and the DNSSEC of
/// every answer it got (the check's DNSSEC health is theirs).
#[derive(Clone)]
pub(super) struct Dns {
    clock: Clock,
    gate: Gate,
    seen: Rc<RefCell<Vec<Seen>>>,
}

impl Dns {
    /// The DNS of a check on `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            gate: Gate::new(MAX_DNS_LOOKUPS_IN_FLIGHT),
            seen: Rc::default(),
        }
    }

    /// The DNSSEC of every answer so far, in the order they came.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.borrow().clone()
    }

    /// Looks up `name`'s records of `record_type`, noting the question and the answer (or
    /// the failure) in `journal`.
    pub async fn lookup(
        &self,
        name: &str,
        record_type: RecordType,
        journal: &mut Journal,
    ) -> Result<Answer, LookupError> {
        let asked = format!("{} {name}", type_name(record_type));
        journal.client(self.clock.elapsed(), format!("DNS {asked}?"));
        let result = self.ask(name, record_type, &asked).await;
        let words = match &result {
            Ok(answer) => {
                self.seen.borrow_mut().push(Seen::of(answer));
                answers::summary(answer)
            }
            Err(error) => answers::describe(error),
        };
        journal.server(self.clock.elapsed(), format!("DNS {words}"));
        result
    }

    /// `name`'s addresses of the allowed IP versions (A and AAAA asked together), in the
    /// order to try them; or why there are none, as the contract's error kind
    /// (`dns-unavailable` from a host without DNS, else `name-lookup-failed` naming the
    /// lookup and how it failed).
    pub async fn addresses(
        &self,
        name: &str,
        ip_version: IpVersion,
        journal: &mut Journal,
    ) -> Result<Vec<IpAddr>, ErrorKind> {
        let mut aaaa_journal = Journal::new(journal.keeps_transcript());
        let has_addresses = |result: &Option<Result<Answer, LookupError>>| matches!(result, Some(Ok(answer)) if !answers::addresses(answer).is_empty());
        // Both asked at once; once one has addresses, the other is awaited only briefly.
        let (a, aaaa) = join_briefly(
            async {
                match ip_version {
                    IpVersion::Ipv6 => None,
                    _ => Some(self.lookup(name, RecordType::A, journal).await),
                }
            },
            async {
                match ip_version {
                    IpVersion::Ipv4 => None,
                    _ => Some(self.lookup(name, RecordType::Aaaa, &mut aaaa_journal).await),
                }
            },
            has_addresses,
            RESOLUTION_DELAY,
        )
        .await;
        journal.append(aaaa_journal);
        if a.is_none() || aaaa.is_none() {
            journal.note(
                self.clock.elapsed(),
                format!(
                    "{name}: the other address lookup not awaited past {} ms after the first \
                     gave addresses (RFC 8305 3)",
                    RESOLUTION_DELAY.as_millis()
                ),
            );
        }
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for result in [a.flatten(), aaaa.flatten()].into_iter().flatten() {
            match result {
                Ok(answer) => found.extend(answers::addresses(&answer)),
                Err(error) => errors.push(error),
            }
        }
        if !found.is_empty() {
            return Ok(eyeballs::order(&found, ip_version));
        }
        Err(match errors.into_iter().next() {
            Some(error) => lookup_failed(&error),
            None => ErrorKind::NameLookupFailed(format!(
                "{name} has no {} address",
                crate::settings::describe(ip_version)
            )),
        })
    }

    async fn ask(
        &self,
        name: &str,
        record_type: RecordType,
        asked: &str,
    ) -> Result<Answer, LookupError> {
        let _place = self.gate.enter().await;
        let started = net::now();
        let lookup = wit::resolve(name, record_type)?;
        loop {
            if let Some(result) = lookup.get() {
                return result;
            }
            if !net::wait(lookup.subscribe(), self.clock.deadline).await {
                let waited = net::now().saturating_sub(started) / 1_000_000;
                return Err(LookupError::Timeout(TimedOut {
                    lookup: asked.to_string(),
                    waited_ms: u32::try_from(waited).unwrap_or(u32::MAX),
                }));
            }
        }
    }
}

/// A host's TLSA lookup at `name`: its answer and the answer's own DNSSEC; the names it
/// rests on (its addresses, looked up in `address_phase`, an MX host's MX answer) are the
/// caller's to fill in once their answers are in.
pub(super) async fn tlsa_lookup(
    dns: &Dns,
    name: String,
    settings: DaneSettings,
    address_phase: Phase,
    clock: Clock,
    journal: &mut Journal,
) -> DaneLookup {
    let started = clock.elapsed();
    let result = dns.lookup(&name, RecordType::Tlsa, journal).await;
    journal.timing(Phase::TlsaLookup, started, clock.elapsed());
    let seen = dns.seen();
    let own = seen
        .iter()
        .filter(|seen| seen.name == name && seen.record_type == RecordType::Tlsa);
    DaneLookup {
        answer: TlsaAnswer::of(&result),
        tlsa: health(own),
        addresses: health([]),
        mx: None,
        address_phase,
        tlsa_name: name,
        settings,
    }
}

/// A failed lookup as the contract's error kind.
pub(super) fn lookup_failed(error: &LookupError) -> ErrorKind {
    match error {
        LookupError::Unavailable(why) => ErrorKind::DnsUnavailable(why.clone()),
        other => ErrorKind::NameLookupFailed(answers::describe(other)),
    }
}
