//! Why an answer did not validate: hickory-resolver 0.26.3 says bogus and no more, and
//! says it too when it could not fetch the DNSSEC records to decide (hickory-dns issue
//! 3932). The signatures, asked for unvalidated (`RRSIG` records), tell which: expired, not
//! yet valid, absent, or in date (then a signature or key that fails). When there are none,
//! or they cannot be fetched, the root's keys tell whether the resolver does DNSSEC: given
//! signed, the answer stays `bogus` (a resolver that handles RRSIG queries badly must not
//! soften every bogus answer); refused, failed or unsigned, it is left `indeterminate`.

use super::answer::{from_error, hickory_type, lookup_words};
use super::resolver::Resolver;
use super::rrsig::{
    Validity, bogus_reason, signatures, unfetched_bogus_reason, unfetched_reason, unix_now,
};
use crate::wit_dns::{DnssecStatus, LookupError, RecordType};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::rr::{Name, RecordType as HickoryType};
use std::time::{Duration, Instant};

/// How long before the check's deadline the signatures' lookups give up, so that the
/// answer (its records, `indeterminate`) still reaches the component in time.
const MARGIN: Duration = Duration::from_millis(200);

/// The status of `name`'s `kind` answer, judged bogus: `bogus` with what its signatures
/// show, or `indeterminate` when they are absent or could not be fetched by `deadline` and
/// the resolver does not show DNSSEC either (see [`root_keys_signed`]). `negative`: the
/// answer was a denial, signed by the name's own signatures (NODATA: its NSEC's) or, for a
/// name that does not exist, by its zone's (the SOA's).
pub async fn explain(
    resolver: &Resolver,
    parsed: &Name,
    name: &str,
    kind: RecordType,
    negative: bool,
    deadline: Instant,
) -> DnssecStatus {
    let lookup = lookup_words(name, kind);
    let cutoff = deadline.checked_sub(MARGIN).unwrap_or(deadline);
    let now = unix_now();
    let owner = [super::policy::canonical(name)];
    let covered = hickory_type(kind);
    let found = match fetch(resolver, parsed, name, kind, cutoff).await {
        Ok(found) => found,
        Err(why) => return unfetched(resolver, &lookup, &why, name, kind, cutoff).await,
    };
    let sigs: Vec<Validity> = match found {
        Ok(answer) => {
            let over = |t| negative || t == covered || t == HickoryType::CNAME;
            let own = signatures(answer.answers(), &owner, over, now);
            // A server may give one signature of the name's (Knot does, minimal): the
            // zone signs its names together, so another type's tells as much.
            if own.is_empty() {
                signatures(answer.answers(), &owner, |_| true, now)
            } else {
                own
            }
        }
        Err(denial) => match denial.soa {
            Some(soa) if negative => {
                let zone = [super::policy::canonical(&soa.name.to_ascii())];
                match fetch(resolver, &soa.name, name, kind, cutoff).await {
                    Ok(Ok(answer)) => {
                        signatures(answer.answers(), &zone, |t| t == HickoryType::SOA, now)
                    }
                    Ok(Err(_)) => Vec::new(),
                    Err(why) => {
                        return unfetched(resolver, &lookup, &why, name, kind, cutoff).await;
                    }
                }
            }
            _ => Vec::new(),
        },
    }
    .into_iter()
    .map(|s| s.validity)
    .collect();
    if sigs.is_empty() {
        // No signatures at all: an unsigned zone the resolver could not prove unsigned, or
        // a resolver that hands out no DNSSEC records.
        if let Err(root) = root_keys_signed(resolver, name, kind, cutoff).await {
            return DnssecStatus::Indeterminate(no_dnssec_reason(&lookup, &root));
        }
    }
    DnssecStatus::Bogus(bogus_reason(&lookup, &sigs, now))
}

/// The status of a bogus answer whose signatures could not be fetched (`why`): still
/// `bogus` from a resolver that does DNSSEC (the root's keys signed), which a failed RRSIG
/// query does not make less so; else `indeterminate`.
async fn unfetched(
    resolver: &Resolver,
    lookup: &str,
    why: &str,
    name: &str,
    kind: RecordType,
    cutoff: Instant,
) -> DnssecStatus {
    match root_keys_signed(resolver, name, kind, cutoff).await {
        Ok(()) => DnssecStatus::Bogus(unfetched_bogus_reason(lookup, why)),
        Err(root) => DnssecStatus::Indeterminate(unfetched_reason(lookup, why, &root)),
    }
}

/// Whether the resolver does DNSSEC: a DNSSEC-aware one gives the root's keys (`DNSKEY .`,
/// asked unvalidated by `cutoff`) signed. `Err`: why it does not seem to, in words.
async fn root_keys_signed(
    resolver: &Resolver,
    name: &str,
    kind: RecordType,
    cutoff: Instant,
) -> Result<(), String> {
    let root = fetch_type(
        resolver,
        &Name::root(),
        HickoryType::DNSKEY,
        name,
        kind,
        cutoff,
    )
    .await?;
    match root {
        Ok(keys)
            if keys
                .answers()
                .iter()
                .any(|r| r.record_type() == HickoryType::RRSIG) =>
        {
            Ok(())
        }
        Ok(_) | Err(_) => Err("DNSKEY . came back unsigned".to_string()),
    }
}

/// Why an unsigned answer is left undecided: the resolver gives no DNSSEC records (the
/// root's keys unsigned or refused), so it could neither validate nor prove the zone
/// unsigned, which hickory-resolver 0.26.3 calls bogus (hickory-dns issue 3932).
fn no_dnssec_reason(lookup: &str, root: &str) -> String {
    format!(
        "{lookup}: unsigned, and the resolver gives no DNSSEC records to prove its zone \
         unsigned ({root}): neither validated nor proven insecure (hickory-resolver calls \
         this bogus, hickory-dns issue 3932); ask a DNSSEC-aware resolver (--dns-server) \
         for a verdict"
    )
}

/// The RRSIG records at `at`, unvalidated, by `cutoff`, or the denial that there are
/// none; `Err`: why there is no answer (no resolver, a failure, the time ran out), in words.
async fn fetch(
    resolver: &Resolver,
    at: &Name,
    name: &str,
    kind: RecordType,
    cutoff: Instant,
) -> Result<Result<Lookup, NoRecords>, String> {
    fetch_type(resolver, at, HickoryType::RRSIG, name, kind, cutoff).await
}

/// The `asked` records at `at`, unvalidated, by `cutoff` (see [`fetch`]).
async fn fetch_type(
    resolver: &Resolver,
    at: &Name,
    asked: HickoryType,
    name: &str,
    kind: RecordType,
    cutoff: Instant,
) -> Result<Result<Lookup, NoRecords>, String> {
    let started = Instant::now();
    let lookup = resolver.lookup_unvalidated(at, asked);
    match tokio::time::timeout_at(cutoff.into(), lookup).await {
        Err(_) => Err(format!(
            "{asked} {}: no answer before the check's deadline ({} ms)",
            super::policy::canonical(&at.to_ascii()),
            started.elapsed().as_millis()
        )),
        Ok(Err(no_resolver)) => Err(no_resolver),
        Ok(Ok(Ok(answer))) => Ok(Ok(answer)),
        Ok(Ok(Err(NetError::Dns(DnsError::NoRecordsFound(denial))))) => Ok(Err(denial)),
        Ok(Ok(Err(error))) => Err(failure_words(asked, at, name, kind, &error, resolver)),
    }
}

/// A failed lookup (the RRSIG records, the root's keys) in words, as a lookup error says it, without the lookup named
/// (the reason names it once).
fn failure_words(
    asked: HickoryType,
    at: &Name,
    name: &str,
    kind: RecordType,
    error: &NetError,
    resolver: &Resolver,
) -> String {
    let words = match from_error(name, kind, error, Duration::ZERO, &resolver.servers()) {
        Err(LookupError::Timeout(_)) => "no answer in time".to_string(),
        Err(
            LookupError::NotPermitted(w)
            | LookupError::InvalidName(w)
            | LookupError::OverBudget(w)
            | LookupError::ServerFailure(w)
            | LookupError::Refused(w)
            | LookupError::Unreachable(w)
            | LookupError::ResolverFailed(w)
            | LookupError::Unavailable(w),
        ) => w,
        Ok(_) => error.to_string(),
    };
    let words = words
        .split_once(": ")
        .map_or(words.as_str(), |(_, rest)| rest);
    let at = match at.is_root() {
        true => ".".to_string(),
        false => super::policy::canonical(&at.to_ascii()),
    };
    format!("{asked} {at}: {words}")
}
