//! The handshake's signature checks, handed to the host: rustls and webpki decide what to
//! verify and what the answer means; the arithmetic happens behind the contract's
//! `signatures` import, natively in smtp-sensor's host (about ten times faster than in
//! WebAssembly) or in the composed `signature-verifier` component in any other host.

use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use smtp_sensor_verifier::ALGORITHMS;
use std::sync::OnceLock;

/// One of [`ALGORITHMS`], verified through the `signatures` import. Natively (the unit
/// tests) the same [`smtp_sensor_verifier::verify`] answers, directly.
#[derive(Debug)]
struct Delegated(&'static dyn SignatureVerificationAlgorithm);

impl SignatureVerificationAlgorithm for Delegated {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let (key_id, signature_id) = (self.0.public_key_alg_id(), self.0.signature_alg_id());
        #[cfg(target_arch = "wasm32")]
        let valid = crate::bindings::smtp_sensor::probe::signatures::verify(
            key_id.as_ref(),
            signature_id.as_ref(),
            public_key,
            message,
            signature,
        );
        #[cfg(not(target_arch = "wasm32"))]
        let valid = smtp_sensor_verifier::verify(
            key_id.as_ref(),
            signature_id.as_ref(),
            public_key,
            message,
            signature,
        );
        if valid { Ok(()) } else { Err(InvalidSignature) }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.0.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.0.signature_alg_id()
    }

    fn fips(&self) -> bool {
        false
    }
}

/// [`ALGORITHMS`], each verified through the host: made once per instance (a check's
/// instance runs one check), and kept for its life, as rustls wants them `'static`.
pub fn delegated() -> WebPkiSupportedAlgorithms {
    static DELEGATED: OnceLock<WebPkiSupportedAlgorithms> = OnceLock::new();
    *DELEGATED.get_or_init(|| {
        let wrap = |algorithms: &[&'static dyn SignatureVerificationAlgorithm]| {
            let wrapped: Vec<&'static dyn SignatureVerificationAlgorithm> = algorithms
                .iter()
                .map(|&algorithm| {
                    let delegated: &'static Delegated = Box::leak(Box::new(Delegated(algorithm)));
                    delegated as &'static dyn SignatureVerificationAlgorithm
                })
                .collect();
            &*Box::leak(wrapped.into_boxed_slice())
        };
        let mapping: Vec<_> = ALGORITHMS
            .mapping
            .iter()
            .map(|&(scheme, algorithms)| (scheme, wrap(algorithms)))
            .collect();
        WebPkiSupportedAlgorithms {
            all: wrap(ALGORITHMS.all),
            mapping: Box::leak(mapping.into_boxed_slice()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every algorithm rustls may use, in the list and in the scheme mapping, goes through
    /// the host: none is left to verify in WebAssembly by itself.
    #[test]
    fn every_algorithm_is_handed_to_the_host() {
        let algorithms = delegated();
        assert_eq!(algorithms.all.len(), ALGORITHMS.all.len());
        assert_eq!(algorithms.mapping.len(), ALGORITHMS.mapping.len());
        let mapped = algorithms.mapping.iter().flat_map(|(_, a)| a.iter());
        for algorithm in algorithms.all.iter().chain(mapped) {
            assert!(
                format!("{algorithm:?}").starts_with("Delegated("),
                "{algorithm:?}"
            );
        }
    }
}
