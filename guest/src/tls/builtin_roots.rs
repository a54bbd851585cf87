//! The built-in CA roots a handshake may end at, asked for by name: the issuers of the
//! certificates the server presented. The check carries no roots of its own (see the
//! contract's `trust-anchors`, which says why): smtp-sensor's host answers natively, the
//! portable composition's verifier from its own copy, and natively (the unit tests) the same
//! [`smtp_sensor_verifier::roots::anchors_for`] answers directly.

use rustls::pki_types::{CertificateDer, TrustAnchor};

/// The built-in roots that may have issued one of `chain` (the leaf, then what the server
/// sent with it): those whose subject is a presented certificate's issuer. Certificates
/// webpki cannot read name no issuer (webpki will refuse them anyway).
pub fn for_chain<'a>(
    chain: impl IntoIterator<Item = &'a CertificateDer<'a>>,
) -> Vec<TrustAnchor<'static>> {
    let issuers: Vec<Vec<u8>> = chain
        .into_iter()
        .filter_map(|der| webpki::EndEntityCert::try_from(der).ok())
        .map(|cert| cert.issuer().to_vec())
        .collect();
    if issuers.is_empty() {
        return Vec::new();
    }
    anchors_for(&issuers)
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
