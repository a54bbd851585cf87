//! One check from settings to result: the settings validated into a plan, then a host's
//! check ([`super::host_check`], after its TLSA lookup when DANE is asked for) or a mail
//! domain's ([`super::domain_check`]), run to its end on the component's executor.

use super::dns::{Dns, tlsa_lookup};
use super::domain_check;
use super::executor::block_on;
use super::host_check;
use super::net::{Clock, now, since, unix_now};
use crate::check::expect::Expect;
use crate::check::plan;
use crate::dane::lookup::tlsa_name;
use crate::journal::Journal;
use crate::wit::{CheckResult, Failure, Phase, Settings};

/// Runs one check. Never panics on anything the server or the settings do.
pub fn run(settings: Settings) -> CheckResult {
    block_on(check(settings))
}

/// One check, a host's or a domain's.
async fn check(settings: Settings) -> CheckResult {
    let start = now();
    let mut journal = Journal::new(settings.keep_transcript);
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
            match (&settings.domain, &settings.dane) {
                (Some(_), _) => domain_check::run(&settings, &plan, clock, journal).await,
                (None, Some(dane)) => {
                    let dns = Dns::new(clock);
                    let name = tlsa_name(settings.port, &settings.host);
                    let lookup = tlsa_lookup(&dns, name, *dane, clock, &mut journal).await;
                    host_check::check(&settings, &plan, None, Some(lookup), clock, journal).await
                }
                (None, None) => {
                    host_check::check(&settings, &plan, None, None, clock, journal).await
                }
            }
        }
    }
}
