//! `dns` for hosts that have no resolver for the component (the stock wasmtime CLI, jco):
//! every lookup is refused at once with `unavailable`, saying which host does DNS. The
//! portable component composes this with the check, so its `dns` import is satisfied and it
//! runs in any WASI 0.2 host exactly as a host check always did; a domain check there ends
//! with this error instead of failing to load.

use super::exports::smtp_sensor::probe::dns::{GuestLookup, LookupError, RecordType};

/// Why: the words every refusal gives.
const UNAVAILABLE: &str = "this host gives the component no DNS: a domain check needs \
                           smtp-sensor's own host, `smtp-sensor check --domain`";

/// The refusal of `record_type` records of `name`.
pub fn refusal(name: &str, record_type: RecordType) -> LookupError {
    // The name comes from the check: a short, printable version of it.
    let shown: String = name.chars().take(64).filter(|c| !c.is_control()).collect();
    let kind = match record_type {
        RecordType::A => "A",
        RecordType::Aaaa => "AAAA",
        RecordType::Mx => "MX",
        RecordType::Txt => "TXT",
        RecordType::Tlsa => "TLSA",
    };
    LookupError::Unavailable(format!("{kind} {shown}: {UNAVAILABLE}"))
}

/// A lookup: never made (`resolve` always refuses), but the resource type must exist.
pub struct NoLookup;

impl GuestLookup for NoLookup {
    fn subscribe(&self) -> wasip2::io::poll::Pollable {
        // Ready at once: `get` has its (refused) answer.
        wasip2::clocks::monotonic_clock::subscribe_duration(0)
    }

    fn get(&self) -> Option<Result<super::exports::smtp_sensor::probe::dns::Answer, LookupError>> {
        Some(Err(LookupError::Unavailable(UNAVAILABLE.into())))
    }
}
