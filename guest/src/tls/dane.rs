//! DANE for SMTP (RFC 7672, RFC 6698): which of a host's TLSA records match the certificate
//! chain its server presented. Sans-IO: the records (from the host's DNS, with their
//! DNSSEC status judged elsewhere) and the presented chain (DER, leaf first) go in; which
//! record matched which certificate, and which records are of kinds SMTP cannot use, come
//! out.
//!
//! Only DANE-TA (2) and DANE-EE (3) are usable for SMTP (RFC 7672 3.1); PKIX-TA (0) and
//! PKIX-EE (1) are not, and neither are unknown usages, selectors (0 full certificate, 1
//! SubjectPublicKeyInfo) or matching types (0 exact, 1 SHA-256, 2 SHA-512). A DANE-EE
//! record matches the leaf alone, whatever its names and dates (RFC 7672 3.1.1); a DANE-TA
//! record matches a certificate the server sent above the leaf, which must then anchor a
//! chain to the leaf valid for the host's name (RFC 7672 3.1.2) — that verification is the
//! TLS layer's, given the matched certificate as its trust anchor.

use super::certificate::Leaf;
use super::signatures::delegated;
use ring::digest;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::time::Duration;

/// One TLSA record's fields (RFC 6698 2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 the full certificate, 1 its SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching_type: u8,
    /// The certificate association data.
    pub data: Vec<u8>,
}

impl Tlsa {
    /// The record as DNS zone files write it: `3 1 1 ABCD…` (the data in hex).
    pub fn presentation(&self) -> String {
        let hex: String = self.data.iter().map(|b| format!("{b:02X}")).collect();
        format!(
            "{} {} {} {hex}",
            self.usage, self.selector, self.matching_type
        )
    }

    /// Why SMTP cannot use this record, in words; none when it can.
    pub fn unusable(&self) -> Option<String> {
        let why = match (self.usage, self.selector, self.matching_type) {
            (0 | 1, _, _) => format!(
                "usage {} ({}) is not for SMTP: RFC 7672 3.1 allows DANE-TA (2) and DANE-EE \
                 (3) only",
                self.usage,
                if self.usage == 0 {
                    "PKIX-TA"
                } else {
                    "PKIX-EE"
                }
            ),
            (4.., _, _) => format!("usage {} is unknown", self.usage),
            (_, 2.., _) => format!("selector {} is unknown", self.selector),
            (_, _, 3..) => format!("matching type {} is unknown", self.matching_type),
            (_, _, 1) if self.data.len() != 32 => format!(
                "its SHA-256 data is {} bytes, not 32: malformed",
                self.data.len()
            ),
            (_, _, 2) if self.data.len() != 64 => format!(
                "its SHA-512 data is {} bytes, not 64: malformed",
                self.data.len()
            ),
            (_, _, 0) if self.data.is_empty() => "its data is empty: malformed".to_string(),
            _ => return None,
        };
        Some(why)
    }
}

/// Why each of `records` is not used, as a set: a record unusable by itself (see
/// [`Tlsa::unusable`]), or a SHA-256 record beside a usable SHA-512 one of the same usage
/// and selector, which a sender with digest algorithm agility ignores (RFC 7671 9: it
/// "SHOULD NOT accept keys that match only the weaker" record; Postfix always does so).
/// None for the records that are used.
pub fn screen(records: &[Tlsa]) -> Vec<Option<String>> {
    let own: Vec<Option<String>> = records.iter().map(Tlsa::unusable).collect();
    let stronger = |usage: u8, selector: u8| {
        records.iter().zip(&own).any(|(r, why)| {
            why.is_none() && r.usage == usage && r.selector == selector && r.matching_type == 2
        })
    };
    records
        .iter()
        .zip(own.iter().cloned())
        .map(|(record, why)| {
            why.or_else(|| {
                (record.matching_type == 1 && stronger(record.usage, record.selector)).then(|| {
                    format!(
                        "ignored: a SHA-512 record of usage {} and selector {} is published \
                         beside it, and senders use the stronger digest (RFC 7671 9)",
                        record.usage, record.selector
                    )
                })
            })
        })
        .collect()
}

/// What a certificate gives for a record of `selector` and `matching_type`: the bytes the
/// record's data must equal. `None` for an unknown selector or matching type, or a
/// certificate whose key cannot be read.
pub fn association(certificate: &[u8], selector: u8, matching_type: u8) -> Option<Vec<u8>> {
    let selected = match selector {
        0 => certificate,
        1 => Leaf::public_key_info(certificate)?,
        _ => return None,
    };
    match matching_type {
        0 => Some(selected.to_vec()),
        1 => Some(digest::digest(&digest::SHA256, selected).as_ref().to_vec()),
        2 => Some(digest::digest(&digest::SHA512, selected).as_ref().to_vec()),
        _ => None,
    }
}

/// A usable record that matched a presented certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    /// The record's index among the records given.
    pub record: usize,
    /// The certificate's index in the presented chain (0: the leaf).
    pub certificate: usize,
}

/// The records against a presented chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judged {
    /// Each usable record that matched, in the records' order, with the certificate.
    pub matched: Vec<Matched>,
    /// The indices of the usable records that matched nothing presented: a standby key
    /// published ahead of a rollover, or a record the server's key no longer matches.
    pub unmatched: Vec<usize>,
    /// The indices of the records SMTP cannot use (or a sender ignores, a weaker digest
    /// beside a stronger), with why.
    pub unusable: Vec<(usize, String)>,
}

impl Judged {
    /// Whether any usable record matched: a DANE-enforcing sender would deliver, once a
    /// DANE-TA match is also a chain to the leaf valid for the host's name.
    pub fn any_match(&self) -> bool {
        !self.matched.is_empty()
    }

    /// Whether there are records but none usable (all PKIX or unknown kinds).
    pub fn only_unusable(&self) -> bool {
        self.matched.is_empty() && self.unmatched.is_empty() && !self.unusable.is_empty()
    }
}

/// Judges `records` against `chain` (DER, leaf first): a DANE-EE record against the leaf,
/// a DANE-TA record against each certificate above it.
pub fn judge(records: &[Tlsa], chain: &[Vec<u8>]) -> Judged {
    let mut judged = Judged::default();
    for ((index, record), why) in records.iter().enumerate().zip(screen(records)) {
        if let Some(why) = why {
            judged.unusable.push((index, why));
            continue;
        }
        let candidates = match record.usage {
            3 => 0..chain.len().min(1),
            _ => 1.min(chain.len())..chain.len(),
        };
        let found = candidates.into_iter().find(|&c| {
            association(&chain[c], record.selector, record.matching_type)
                .is_some_and(|data| data == record.data)
        });
        match found {
            Some(certificate) => judged.matched.push(Matched {
                record: index,
                certificate,
            }),
            None => judged.unmatched.push(index),
        }
    }
    judged
}

/// Whether a DANE-TA match anchors the presented chain (RFC 7672 3.1.2): the leaf, through
/// the other certificates presented, up to `chain[anchor]`, taken as the only trust anchor
/// however the server's chain goes on, valid for `name` (the MX host's) at `now` (Unix
/// seconds). Why not, in webpki's words. A DANE-EE match needs none of this: its leaf's
/// names and dates do not count (RFC 7672 3.1.1).
pub fn anchors(chain: &[Vec<u8>], anchor: usize, name: &str, now: u64) -> Result<(), String> {
    let (Some(leaf), Some(trusted)) = (chain.first(), chain.get(anchor)) else {
        return Err("no such certificate in the chain".into());
    };
    let leaf = CertificateDer::from(leaf.as_slice());
    let leaf = webpki::EndEntityCert::try_from(&leaf).map_err(|e| format!("the leaf: {e}"))?;
    let trusted = CertificateDer::from(trusted.as_slice());
    let anchor_key = webpki::anchor_from_trusted_cert(&trusted)
        .map_err(|e| format!("the matched certificate as a trust anchor: {e}"))?;
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != 0 && i != anchor)
        .map(|(_, der)| CertificateDer::from(der.as_slice()))
        .collect();
    let when = UnixTime::since_unix_epoch(Duration::from_secs(now));
    leaf.verify_for_usage(
        delegated().all,
        &[anchor_key],
        &intermediates,
        when,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(|e| format!("no chain from the leaf to the matched certificate: {e}"))?;
    let name = ServerName::try_from(name).map_err(|_| format!("{name:?} is not a host name"))?;
    leaf.verify_is_valid_for_subject_name(&name).map_err(|e| {
        format!(
            "the leaf is not valid for {name:?}: {e}",
            name = name.to_str()
        )
    })
}

/// What DANE verification made of a presented chain: the records judged, and the record
/// that lets a DANE sender deliver, if one does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// The records verified by.
    pub records: Vec<Tlsa>,
    /// Each record against the chain.
    pub judged: Judged,
    /// The first usable match that verifies: a DANE-EE match, or a DANE-TA match that
    /// anchors a chain to a leaf valid for the host's name. None: DANE senders refuse.
    pub passed: Option<Matched>,
    /// The DANE-TA matches that do not anchor such a chain, with why.
    pub unanchored: Vec<(usize, String)>,
}

/// Verifies `chain` (DER, leaf first) as a DANE sender does (RFC 7672 3.1): `records`
/// judged against it, each DANE-TA match then required to anchor a chain to a leaf valid
/// for `name` at `now` (Unix seconds).
pub fn verify(records: &[Tlsa], chain: &[Vec<u8>], name: &str, now: u64) -> Verified {
    let judged = judge(records, chain);
    let mut verified = Verified::default();
    for matched in &judged.matched {
        let usage = records[matched.record].usage;
        if usage == 3 {
            verified.passed.get_or_insert(*matched);
            continue;
        }
        match anchors(chain, matched.certificate, name, now) {
            Ok(()) => {
                verified.passed.get_or_insert(*matched);
            }
            Err(why) => verified.unanchored.push((matched.record, why)),
        }
    }
    verified.judged = judged;
    verified.records = records.to_vec();
    verified
}

/// The SHA-256 of `bytes` in upper-case hex, as TLSA records are written.
pub fn sha256_hex(bytes: &[u8]) -> String {
    digest::digest(&digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests;
