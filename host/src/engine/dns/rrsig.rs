//! What an answer's signatures (RRSIG, RFC 4034 section 3) tell, without I/O: when the
//! first of its RRsets loses its last valid signature (the day a zone that is not re-signed
//! turns bogus), and, for an answer that did not validate, what is wrong with them as far
//! as can be seen from outside (hickory-resolver 0.26.3 says bogus without saying why).

use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, SigInput};
use hickory_resolver::proto::rr::{RData, Record, RecordType as HickoryType};
use smtp_sensor_guest::format_utc;
use std::collections::HashMap;

/// One signature's validity period, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub inception: i64,
    pub expiration: i64,
}

/// One signature: the RRset it signs (its owner, bare and lower-cased, and the type it
/// covers) and its validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub owner: String,
    pub covered: HickoryType,
    pub validity: Validity,
}

impl Validity {
    /// Whether the period includes `now` (RFC 4035 section 5.3.1).
    pub fn includes(&self, now: i64) -> bool {
        self.inception <= now && now <= self.expiration
    }
}

/// The current time, in seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An RRSIG time as an absolute Unix time. The field holds the time modulo 2^32, read as
/// the serial number nearest `now` (RFC 4034 section 3.1.5): past 2106 it wraps.
pub fn serial_time(value: u32, now: i64) -> i64 {
    // Truncation is the point: both sides are taken modulo 2^32.
    let offset = value.wrapping_sub(now as u32) as i32;
    now + i64::from(offset)
}

/// The signature `record` holds, if it is an RRSIG, with its times as of `now`.
fn signature(record: &Record, now: i64) -> Option<Signature> {
    match &record.data {
        RData::DNSSEC(DNSSECRData::RRSIG(sig)) => {
            let input: &SigInput = sig.input();
            Some(Signature {
                owner: super::policy::canonical(&record.name.to_ascii()),
                covered: input.type_covered,
                validity: Validity {
                    inception: serial_time(input.sig_inception.get(), now),
                    expiration: serial_time(input.sig_expiration.get(), now),
                },
            })
        }
        _ => None,
    }
}

/// The signatures among `records` owned by one of `owners` (bare names, as the answer
/// gives them) and covering a type `covers` accepts.
pub fn signatures<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    owners: &[String],
    covers: impl Fn(HickoryType) -> bool,
    now: i64,
) -> Vec<Signature> {
    records
        .into_iter()
        .filter_map(|r| signature(r, now))
        .filter(|s| owners.contains(&s.owner) && covers(s.covered))
        .collect()
}

/// Every signature among `records`: a negative answer's authority section signs its SOA
/// and its NSEC or NSEC3 records, all of them the proof.
pub fn all_signatures<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    now: i64,
) -> Vec<Signature> {
    records
        .into_iter()
        .filter_map(|r| signature(r, now))
        .collect()
}

/// When the first of the RRsets `signatures` sign stops validating, as of `now`; none
/// without signatures. An RRset stays valid while any one of its signatures is (RFC 4035
/// section 5.3), so each RRset (owner and type covered) counts its latest expiration among
/// the signatures in date at `now` (a key or algorithm rollover signs twice; a stale
/// signature may linger), or, with none in date, its latest at all.
pub fn earliest_expiry(signatures: &[Signature], now: i64) -> Option<i64> {
    // Per RRset: the latest expiration in date, and the latest at all.
    let mut rrsets: HashMap<(&str, HickoryType), (Option<i64>, i64)> = HashMap::new();
    for s in signatures {
        let expiration = s.validity.expiration;
        let (in_date, latest) = rrsets
            .entry((s.owner.as_str(), s.covered))
            .or_insert((None, expiration));
        if s.validity.includes(now) {
            *in_date = Some(in_date.map_or(expiration, |e| e.max(expiration)));
        }
        *latest = (*latest).max(expiration);
    }
    rrsets
        .into_values()
        .map(|(in_date, latest)| in_date.unwrap_or(latest))
        .min()
}

/// Why `lookup`'s answer was judged bogus, as far as its signatures (fetched unvalidated)
/// tell at `now`.
pub fn bogus_reason(lookup: &str, signatures: &[Validity], now: i64) -> String {
    let expired: Vec<i64> = signatures
        .iter()
        .filter(|s| s.expiration < now)
        .map(|s| s.expiration)
        .collect();
    let early: Vec<i64> = signatures
        .iter()
        .filter(|s| s.inception > now)
        .map(|s| s.inception)
        .collect();
    let in_date = signatures.iter().filter(|s| s.includes(now)).count();
    if signatures.is_empty() {
        format!(
            "{lookup}: the answer did not validate and its name has no signatures (RRSIG): \
             unsigned where its zone should be signed, or a chain of trust that does not \
             reach the trust anchor (or DNSSEC records the resolver could not fetch, \
             hickory-dns issue 3932)"
        )
    } else if in_date == 0 && !expired.is_empty() {
        let latest = expired.iter().copied().max().unwrap_or(now);
        format!(
            "{lookup}: the answer did not validate: its signatures (RRSIG) expired, the \
             last at {} ({}): the zone is no longer re-signed",
            format_utc(latest),
            ago(now - latest)
        )
    } else if in_date == 0 {
        let earliest = early.iter().copied().min().unwrap_or(now);
        format!(
            "{lookup}: the answer did not validate: its signatures (RRSIG) are not valid \
             yet, the first from {} (a signer's clock ahead, or ours behind)",
            format_utc(earliest)
        )
    } else {
        format!(
            "{lookup}: the answer did not validate though its signatures (RRSIG) are in \
             date: a signature or key that does not verify (a DNSKEY the parent's DS does \
             not name, a mangled signature), or a chain of trust that does not reach the \
             trust anchor (a private zone needs --dns-trust-anchor with its DNSKEY records)"
        )
    }
}

/// Why `lookup`'s answer stays bogus though its signatures (RRSIG) could not be fetched to
/// say why (`failure`): the resolver gives the root's keys signed, so it does DNSSEC, and
/// its verdict is not for want of DNSSEC records (hickory-dns issue 3932).
pub fn unfetched_bogus_reason(lookup: &str, failure: &str) -> String {
    format!(
        "{lookup}: the answer did not validate, and its signatures (RRSIG) could not be \
         fetched to say why ({failure}); the resolver does DNSSEC (it gives the root's \
         keys signed), so the verdict stands: a signature or key that fails, or a chain \
         of trust that does not reach the trust anchor"
    )
}

/// Why `lookup`'s answer is left undecided: judged bogus, but its signatures could not be
/// fetched to say why (`failure`), nor the root's keys signed (`root`): a resolver without
/// DNSSEC records, which hickory-resolver 0.26.3 also calls bogus (hickory-dns issue 3932).
pub fn unfetched_reason(lookup: &str, failure: &str, root: &str) -> String {
    format!(
        "{lookup}: the resolver judged the answer bogus, and its signatures (RRSIG) could \
         not be fetched to tell a failed signature from DNSSEC records it could not fetch \
         (hickory-dns issue 3932): {failure}; nor does it give the root's keys signed \
         ({root})"
    )
}

/// A span of seconds in the past, in words.
fn ago(seconds: i64) -> String {
    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;
    match seconds {
        s if s >= 2 * DAY => format!("{} days ago", s / DAY),
        s if s >= 2 * HOUR => format!("{} hours ago", s / HOUR),
        s if s >= 120 => format!("{} minutes ago", s / 60),
        _ => "moments ago".into(),
    }
}

#[cfg(test)]
pub(super) mod tests;
