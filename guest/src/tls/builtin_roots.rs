//! The built-in CA roots a handshake may end at, asked for by name: the issuers of the
//! certificates the server presented. The check carries no roots of its own (see the
//! contract's `trust-anchors`, which says why): smtp-sensor's host answers natively, the
//! portable composition's verifier from its own copy, and natively (the unit tests) the same
//! [`smtp_sensor_verifier::roots::anchors_for`] answers directly.

use rustls::pki_types::{CertificateDer, TrustAnchor};
use smtp_sensor_verifier::roots::MAX_SUBJECTS;

/// The built-in roots that may have issued one of `chain` (the leaf, then what the server
/// sent with it): those whose subject is a presented certificate's issuer. Every issuer is
/// asked for, once, [`MAX_SUBJECTS`] to a request: the server's order is not the path's,
/// and a server that sends a whole bundle still has its real issuer's root found.
/// Certificates webpki cannot read name no issuer (webpki will refuse them anyway).
pub fn for_chain<'a>(
    chain: impl IntoIterator<Item = &'a CertificateDer<'a>>,
) -> Vec<TrustAnchor<'static>> {
    let mut issuers: Vec<Vec<u8>> = Vec::new();
    for cert in chain
        .into_iter()
        .filter_map(|der| webpki::EndEntityCert::try_from(der).ok())
    {
        if !issuers.iter().any(|seen| seen.as_slice() == cert.issuer()) {
            issuers.push(cert.issuer().to_vec());
        }
    }
    issuers.chunks(MAX_SUBJECTS).flat_map(anchors_for).collect()
}

#[cfg(target_arch = "wasm32")]
fn anchors_for(subjects: &[Vec<u8>]) -> Vec<TrustAnchor<'static>> {
    crate::bindings::smtp_sensor::probe::trust_anchors::anchors_for(subjects)
        .into_iter()
        .map(|anchor| TrustAnchor {
            subject: anchor.subject.into(),
            subject_public_key_info: anchor.subject_public_key_info.into(),
            name_constraints: anchor.name_constraints.map(Into::into),
        })
        .collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn anchors_for(subjects: &[Vec<u8>]) -> Vec<TrustAnchor<'static>> {
    smtp_sensor_verifier::roots::anchors_for(subjects)
        .into_iter()
        .cloned()
        .collect()
}
