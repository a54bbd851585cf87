//! What an answer's signatures (RRSIG, RFC 4034 section 3) tell, without I/O: when the
//! earliest of them expires (the day a zone that is not re-signed turns bogus), and, for an
//! answer that did not validate, what is wrong with them as far as can be seen from
//! outside (hickory-resolver 0.26.3 says bogus without saying why).

use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, SigInput};
use hickory_resolver::proto::rr::{RData, Record, RecordType as HickoryType};
use smtp_sensor_guest::format_utc;

/// One signature's validity period, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub inception: i64,
    pub expiration: i64,
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

/// The validity of `input`, as of `now`.
fn validity(input: &SigInput, now: i64) -> Validity {
    Validity {
        inception: serial_time(input.sig_inception.get(), now),
        expiration: serial_time(input.sig_expiration.get(), now),
    }
}

/// The signatures among `records` owned by one of `owners` (bare names, as the answer
/// gives them) and covering a type `covers` accepts.
pub fn signatures<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    owners: &[String],
    covers: impl Fn(HickoryType) -> bool,
    now: i64,
) -> Vec<Validity> {
    records
        .into_iter()
        .filter(|r| owners.contains(&super::policy::canonical(&r.name.to_ascii())))
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) if covers(sig.input().type_covered) => {
                Some(validity(sig.input(), now))
            }
            _ => None,
        })
        .collect()
}

/// Every signature among `records`: a negative answer's authority section signs its SOA
/// and its NSEC or NSEC3 records, all of them the proof.
pub fn all_signatures<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    now: i64,
) -> Vec<Validity> {
    records
        .into_iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(validity(sig.input(), now)),
            _ => None,
        })
        .collect()
}

/// When the earliest of `signatures` expires; none without signatures.
pub fn earliest_expiry(signatures: &[Validity]) -> Option<i64> {
    signatures.iter().map(|s| s.expiration).min()
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
    let in_date = signatures.len() - expired.len() - early.len();
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

/// Why `lookup`'s answer is left undecided: judged bogus, but its signatures could not be
/// fetched to say why (`failure`), which hickory-resolver 0.26.3 also calls bogus when it
/// could not fetch the DNSSEC records to decide (hickory-dns issue 3932).
pub fn unfetched_reason(lookup: &str, failure: &str) -> String {
    format!(
        "{lookup}: the resolver judged the answer bogus, and its signatures (RRSIG) could \
         not be fetched to tell a failed signature from DNSSEC records it could not fetch \
         (hickory-dns issue 3932): {failure}"
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
