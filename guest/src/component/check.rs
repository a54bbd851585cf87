//! One check from settings to result: the settings validated into a plan, then a host's
//! check ([`super::host_check`], after its TLSA lookup when DANE is asked for) or a mail
//! domain's ([`super::domain_check`]), run to its end on the component's executor.

use super::dns::{Dns, tlsa_lookup};
use super::domain_check;
use super::executor::block_on;
use super::executor::join;
use super::host_check;
use super::net::{Clock, now, since, unix_now};
use crate::check::expect::Expect;
use crate::check::plan;
use crate::dane::health;
use crate::dane::lookup::tlsa_name;
use crate::domain::answers::canonical;
use crate::journal::Journal;
use crate::wit::{CheckResult, DaneSettings, Failure, Phase, Settings};

/// Runs one check. Never panics on anything the server or the settings do.
pub fn run(settings: Settings) -> CheckResult {
    block_on(check(settings))
}

/// One check, a host's or a domain's.
async fn check(settings: Settings) -> CheckResult {
    let start = now();
    let journal = Journal::new(settings.keep_transcript);
    let random = wasip2::random::random::get_random_bytes(16);
    let random: [u8; 16] = random.try_into().unwrap_or([0; 16]);
    match plan::prepare(&settings, unix_now(), random) {
        Err(kind) => {
            let failure = Failure {
                phase: Phase::Settings,
                kind,
            };
            host_check::failed(
                &settings,
                &Expect::default(),
                failure,
                since(start),
                journal,
            )
        }
        Ok(plan) => {
            // The deadline is set from the timeout only once the settings have passed.
            let clock = Clock::started_at(start, plan.timeout);
            // The larger checks' state goes on the heap, and only when they run: this
            // future is moved whole (onto the stack, then into the executor), and every
            // page it spans becomes resident in every probe's memory.
            match (&settings.domain, &settings.dane) {
                (Some(_), _) => Box::pin(domain_check::run(&settings, &plan, clock, journal)).await,
                (None, Some(dane)) => {
                    Box::pin(dane_host(&settings, &plan, *dane, clock, journal)).await
                }
                (None, None) => {
                    host_check::check(&settings, &plan, None, None, clock, journal).await
                }
            }
        }
    }
}

/// A host check with DANE: its addresses and its TLSA records from the host's DNS, asked
/// together, so that DNSSEC vouches for both (RFC 7672 2.2.2), then the check.
async fn dane_host(
    settings: &Settings,
    plan: &plan::Plan<'_>,
    dane: DaneSettings,
    clock: Clock,
    mut journal: Journal,
) -> CheckResult {
    let dns = Dns::new(clock);
    let name = tlsa_name(settings.port, &settings.host);
    let mut tlsa_journal = Journal::new(settings.keep_transcript);
    let (found, mut lookup) = join(
        async {
            let started = clock.elapsed();
            let found = dns
                .addresses(&settings.host, settings.ip_version, &mut journal)
                .await;
            journal.timing(Phase::NameLookup, started, clock.elapsed());
            found
        },
        tlsa_lookup(
            &dns,
            name,
            dane,
            Phase::NameLookup,
            clock,
            &mut tlsa_journal,
        ),
    )
    .await;
    journal.append(tlsa_journal);
    let host = canonical(&settings.host);
    lookup.addresses = health::of_addresses(&dns.seen(), &host);
    match found {
        Ok(addresses) => {
            host_check::check(
                settings,
                plan,
                Some(addresses),
                Some(lookup),
                clock,
                journal,
            )
            .await
        }
        Err(kind) => {
            let failure = Failure {
                phase: Phase::NameLookup,
                kind,
            };
            host_check::failed(settings, &plan.expect, failure, clock.elapsed(), journal)
        }
    }
}
