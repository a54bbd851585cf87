//! hickory-resolver's answers and errors in the contract's terms (`dns.answer`,
//! `dns.lookup-error`), without I/O: what a record holds, the outcome, the TTL, the CNAME
//! followed, the DNSSEC status and when its signatures first run out (the earliest of its
//! RRsets' expiries, each its latest valid signature's: see `rrsig::earliest_expiry`).
//!
//! How hickory-resolver 0.26.3 reports DNSSEC, and what we make of it: every record of a
//! positive answer carries a `Proof` (secure, insecure, bogus, indeterminate), and the
//! answer's status is the weakest of its records'. A negative answer comes as
//! `NoRecordsFound`, whose authority records carry the proofs of its denial, or, when the
//! denial did not validate, as `DnsError::Nsec` with that proof. An answer the resolver
//! judged bogus comes as `DnsError::DnssecBogus`, without records or reason: the session
//! then asks again unvalidated, gives the records as `bogus`, and says why from the name's
//! signatures (see `bogus`). As hickory-dns issue 3932 describes, 0.26.3 also says bogus
//! when it could not fetch the DNSSEC records to decide (a DS query REFUSED or timed out):
//! measured against the tests' Knot, authoritative for an unsigned `example.test` alone,
//! every answer is bogus, not insecure or indeterminate. `indeterminate` is given where a
//! record's own proof says so, or where a bogus answer's signatures are absent or cannot
//! be fetched and the resolver gives no signed root keys either (see `bogus`).

use super::policy::type_name;
use super::rrsig::{all_signatures, earliest_expiry, signatures, unix_now};
use crate::wit_dns::{
    Answer, DnssecStatus, LookupError, Mx, Outcome, RecordData, RecordType, TimedOut, Tlsa,
};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::dnssec::Proof;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, Record, RecordType as HickoryType};
use std::time::Duration;

/// The most records an answer gives the component; a check needs far fewer (10 MX hosts,
/// a few addresses or TLSA records), and the component's memory is capped.
pub const MAX_RECORDS: usize = 64;

/// The lookup an answer or error is of, in words: `MX example.com`.
pub fn lookup_words(name: &str, kind: RecordType) -> String {
    format!("{} {name}", type_name(kind))
}

/// The contract's answer to a lookup of `name`'s `kind` records that hickory answered.
pub fn from_lookup(name: &str, kind: RecordType, lookup: &Lookup) -> Answer {
    let mut records = Vec::new();
    let mut proofs = Vec::new();
    let mut ttl = u32::MAX;
    let mut canonical = None;
    // Only records owned by the name asked or the end of its CNAME chain are the answer
    // (RFC 2181 5.4.1): another owner's MX would otherwise widen the names permitted.
    let mut owner = bare(name);
    let mut owners = vec![owner.clone()];
    for record in lookup.answers() {
        if bare(&record.name.to_ascii()) != owner {
            continue;
        }
        match &record.data {
            RData::CNAME(target) => {
                owner = bare(&target.0.to_ascii());
                owners.push(owner.clone());
                canonical = Some(owner.clone());
                ttl = ttl.min(record.ttl);
                proofs.push(record.proof);
            }
            _ if record.record_type() == HickoryType::RRSIG => {}
            data => {
                if let Some(data) = record_data(data, kind) {
                    ttl = ttl.min(record.ttl);
                    proofs.push(record.proof);
                    if records.len() < MAX_RECORDS {
                        records.push(data);
                    }
                }
            }
        }
    }
    let now = unix_now();
    let outcome = if records.is_empty() {
        Outcome::NoData
    } else {
        Outcome::Records
    };
    Answer {
        name: bare(name),
        record_type: kind,
        outcome,
        records,
        ttl: if ttl == u32::MAX { 0 } else { ttl },
        canonical_name: canonical.filter(|c| *c != bare(name)),
        dnssec: status_of(&proofs, name, kind),
        earliest_signature_expiry: earliest_expiry(
            &signatures(
                lookup.answers(),
                &owners,
                |covered| covered == hickory_type(kind) || covered == HickoryType::CNAME,
                now,
            ),
            now,
        ),
    }
}

/// One record's data, when it is of the type asked for.
fn record_data(data: &RData, kind: RecordType) -> Option<RecordData> {
    Some(match (data, kind) {
        (RData::A(a), RecordType::A) => {
            let [a1, a2, a3, a4] = a.0.octets();
            RecordData::A((a1, a2, a3, a4))
        }
        (RData::AAAA(aaaa), RecordType::Aaaa) => {
            let [s1, s2, s3, s4, s5, s6, s7, s8] = aaaa.0.segments();
            RecordData::Aaaa((s1, s2, s3, s4, s5, s6, s7, s8))
        }
        (RData::MX(mx), RecordType::Mx) => RecordData::Mx(Mx {
            preference: mx.preference,
            exchange: bare(&mx.exchange.to_ascii()),
        }),
        (RData::TXT(txt), RecordType::Txt) => {
            RecordData::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect())
        }
        (RData::TLSA(tlsa), RecordType::Tlsa) => RecordData::Tlsa(Tlsa {
            usage: tlsa.cert_usage.into(),
            selector: tlsa.selector.into(),
            matching_type: tlsa.matching.into(),
            data: tlsa.cert_data.clone(),
        }),
        _ => return None,
    })
}

/// The status of an answer whose records carry `proofs`: the weakest of them.
fn status_of(proofs: &[Proof], name: &str, kind: RecordType) -> DnssecStatus {
    let lookup = lookup_words(name, kind);
    if proofs.is_empty() {
        return DnssecStatus::Indeterminate(format!(
            "{lookup}: the answer held no records whose signatures could be checked"
        ));
    }
    if proofs.contains(&Proof::Bogus) {
        return bogus(&lookup);
    }
    if proofs.contains(&Proof::Indeterminate) {
        return indeterminate(&lookup);
    }
    if proofs.contains(&Proof::Insecure) {
        return DnssecStatus::Insecure;
    }
    DnssecStatus::Secure
}

fn bogus(lookup: &str) -> DnssecStatus {
    DnssecStatus::Bogus(format!(
        "{lookup}: the signatures did not validate from the trust anchor (a bad, expired or \
         missing signature or key; hickory-resolver gives no further reason)"
    ))
}

fn indeterminate(lookup: &str) -> DnssecStatus {
    DnssecStatus::Indeterminate(format!(
        "{lookup}: the DNSSEC records needed to validate it (DS, DNSKEY, RRSIG) could not \
         be fetched, or the zone cannot chain to the trust anchor"
    ))
}

/// The status a proof of a negative answer gives.
fn status_of_proof(proof: Proof, lookup: &str) -> DnssecStatus {
    match proof {
        Proof::Secure => DnssecStatus::Secure,
        Proof::Insecure => DnssecStatus::Insecure,
        Proof::Bogus => bogus(lookup),
        Proof::Indeterminate => indeterminate(lookup),
    }
}

/// A negative answer: no records of the type (`no-data`) or no such name (`nx-domain`).
fn negative(
    name: &str,
    kind: RecordType,
    code: ResponseCode,
    ttl: Option<u32>,
    dnssec: DnssecStatus,
) -> Answer {
    Answer {
        name: bare(name),
        record_type: kind,
        outcome: if code == ResponseCode::NXDomain {
            Outcome::NxDomain
        } else {
            Outcome::NoData
        },
        records: Vec::new(),
        ttl: ttl.unwrap_or(0),
        canonical_name: None,
        dnssec,
        earliest_signature_expiry: None,
    }
}

/// The contract's result for a lookup hickory failed: a negative answer where it is one,
/// else the error. `waited` is how long the lookup ran; `servers` names the resolvers.
pub fn from_error(
    name: &str,
    kind: RecordType,
    error: &NetError,
    waited: Duration,
    servers: &str,
) -> Result<Answer, LookupError> {
    let lookup = lookup_words(name, kind);
    match error {
        NetError::Dns(DnsError::NoRecordsFound(NoRecords {
            query,
            soa,
            response_code,
            negative_ttl,
            authorities,
            ..
        })) => {
            // The proofs of the denial, not of the signatures' own records: hickory marks
            // only the RRSIG it used, so a second signature (an algorithm rollover) would
            // otherwise make a secure denial look indeterminate.
            let proofs: Vec<Proof> = authorities
                .iter()
                .flat_map(|a| a.iter())
                .filter(|r: &&Record| r.record_type() != HickoryType::RRSIG)
                .map(|r: &Record| r.proof)
                .collect();
            let mut dnssec = if proofs.is_empty() {
                DnssecStatus::Indeterminate(format!(
                    "{lookup}: the negative answer came without the records that would prove it"
                ))
            } else {
                status_of(&proofs, name, kind)
            };
            // Reached through a CNAME: the denial is of the chain's end, whose CNAMEs
            // hickory does not hand back, nor their proofs (RFC 6604: the code is the last
            // name's).
            let asked = bare(name);
            let end = bare(&query.name().to_ascii());
            let canonical = (end != asked).then_some(end);
            if canonical.is_some() && dnssec == DnssecStatus::Secure {
                dnssec = DnssecStatus::Indeterminate(format!(
                    "{lookup}: the denial is of the CNAME's target, proved; the CNAME's own \
                     proof the resolver does not give back"
                ));
            }
            // Validating, hickory keeps no negative TTL: the SOA's gives it (RFC 2308 5).
            let ttl = negative_ttl.or_else(|| soa.as_ref().map(|s| s.ttl.min(s.data.minimum)));
            let mut answer = negative(name, kind, *response_code, ttl, dnssec);
            answer.canonical_name = canonical;
            let now = unix_now();
            answer.earliest_signature_expiry = earliest_expiry(
                &all_signatures(authorities.iter().flat_map(|a| a.iter()), now),
                now,
            );
            Ok(answer)
        }
        NetError::Dns(DnsError::Nsec {
            response, proof, ..
        }) => {
            let mut answer = negative(
                name,
                kind,
                response.metadata.response_code,
                response.negative_ttl(),
                status_of_proof(*proof, &lookup),
            );
            let now = unix_now();
            answer.earliest_signature_expiry =
                earliest_expiry(&all_signatures(&response.authorities, now), now);
            Ok(answer)
        }
        NetError::Dns(DnsError::DnssecBogus) => Err(LookupError::ResolverFailed(format!(
            "{lookup}: DNSSEC validation failed (bogus), and the resolver kept no answer to give"
        ))),
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
            Err(LookupError::ServerFailure(format!(
                "{lookup}: the resolver answered SERVFAIL (it could not get an answer: a \
                 zone it cannot load, unreachable authoritative servers, or DNSSEC it \
                 judged bogus)"
            )))
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => {
            Err(LookupError::Refused(format!(
                "{lookup}: the resolver answered REFUSED (it does not answer this name for \
                 us: {servers})"
            )))
        }
        NetError::Dns(DnsError::ResponseCode(code)) => Err(LookupError::ResolverFailed(format!(
            "{lookup}: the resolver answered {code}"
        ))),
        NetError::Timeout => Err(timed_out(name, kind, waited)),
        NetError::NoConnections => Err(LookupError::Unreachable(format!(
            "{lookup}: no DNS server could be reached ({servers})"
        ))),
        NetError::Io(io) => Err(LookupError::Unreachable(format!(
            "{lookup}: no DNS server could be reached ({servers}): {io}"
        ))),
        other => Err(LookupError::ResolverFailed(format!("{lookup}: {other}"))),
    }
}

/// The lookup ran until the check's deadline.
pub fn timed_out(name: &str, kind: RecordType, waited: Duration) -> LookupError {
    LookupError::Timeout(TimedOut {
        lookup: lookup_words(name, kind),
        waited_ms: u32::try_from(waited.as_millis()).unwrap_or(u32::MAX),
    })
}

/// The contract's record type as hickory names it.
pub fn hickory_type(kind: RecordType) -> HickoryType {
    match kind {
        RecordType::A => HickoryType::A,
        RecordType::Aaaa => HickoryType::AAAA,
        RecordType::Mx => HickoryType::MX,
        RecordType::Txt => HickoryType::TXT,
        RecordType::Tlsa => HickoryType::TLSA,
    }
}

/// A name lower-cased, without the root's dot.
fn bare(name: &str) -> String {
    super::policy::canonical(name)
}

#[cfg(test)]
mod tests;
