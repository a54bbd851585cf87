//! Which certificates can be trust anchors: one rule (webpki's, through rustls' root store),
//! used by the component to build its store and by the host to sort what it hands in, so
//! that a system store holding one certificate webpki cannot parse (large stores do: rustls
//! warns of it) loses that certificate, not every check.

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

/// Whether `der` can be a trust anchor; the error in rustls' words.
pub fn check(der: &[u8]) -> Result<(), String> {
    RootCertStore::empty()
        .add(CertificateDer::from(der))
        .map_err(|e| e.to_string())
}

/// The certificates of `found` that can be trust anchors, and how many could not, with the
/// first one's error.
pub fn usable(found: Vec<Vec<u8>>) -> (Vec<Vec<u8>>, usize, Option<String>) {
    let mut kept = Vec::with_capacity(found.len());
    let mut skipped = 0;
    let mut first_error = None;
    for der in found {
        match check(&der) {
            Ok(()) => kept.push(der),
            Err(error) => {
                skipped += 1;
                first_error.get_or_insert(error);
            }
        }
    }
    (kept, skipped, first_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_webpki_cannot_parse_is_skipped_and_counted() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let good = params.self_signed(&key).unwrap().der().to_vec();
        let garbage = vec![0x30, 0x03, 0x02, 0x01, 0x05];
        let (kept, skipped, error) = usable(vec![good.clone(), garbage.clone(), good.clone()]);
        assert_eq!((kept.len(), skipped), (2, 1));
        assert!(error.is_some());
        assert!(check(&good).is_ok());
        assert!(check(&garbage).is_err());
    }
}
