//! The data of the world's TLSA records, from the certificates it issues.

use super::plan::Tlsa;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Encode as _};

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// The SHA-256 of a certificate's (DER) SubjectPublicKeyInfo: what a `3 1 1` or `2 1 1`
/// record holds.
pub fn spki_sha256(certificate: &[u8]) -> Vec<u8> {
    let certificate = Certificate::from_der(certificate).expect("a certificate the world issued");
    let spki = (certificate.tbs_certificate.subject_public_key_info)
        .to_der()
        .expect("encode a SubjectPublicKeyInfo");
    sha256(&spki)
}

/// Upper-case hex, as the check presents a record's data.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A record's `USAGE SELECTOR MATCHING HEX`, for a host whose certificate is `leaf`, issued
/// by the CA of certificate `ca`; `other` is a certificate whose key the host does not have.
pub(super) fn record(kind: Tlsa, leaf: &[u8], ca: &[u8], other: &[u8]) -> String {
    let (fields, data) = match kind {
        Tlsa::LeafKey => ("3 1 1", spki_sha256(leaf)),
        Tlsa::LeafCertificate => ("3 0 1", sha256(leaf)),
        Tlsa::Ca => ("2 1 1", spki_sha256(ca)),
        Tlsa::OtherKey => ("3 1 1", spki_sha256(other)),
        Tlsa::Pkix => ("1 1 1", spki_sha256(leaf)),
    };
    format!("{fields} {}", hex(&data))
}

/// The record with other data of the same length: what a tampered record's signature
/// covers.
pub(super) fn decoy(record: &str) -> String {
    let (fields, data) = record.rsplit_once(' ').expect("a TLSA record");
    format!(
        "{fields} {}",
        hex(&sha256(format!("decoy {data}").as_bytes()))
    )
}
