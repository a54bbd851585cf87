//! The handshake's signature checks, handed to the host: rustls and webpki decide what to
//! verify and what the answer means; the arithmetic happens behind the contract's
//! `signatures` import, natively in smtp-sensor's host (about ten times faster than in
//! WebAssembly) or in the composed `signature-verifier` component in any other host.
//!
//! The algorithms are named here only by their identifiers: their verification code stays
//! out of the component.

use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use smtp_sensor_verifier::{IDENTIFIERS, SCHEMES};

/// An algorithm, by its public-key and signature AlgorithmIdentifiers, verified through the
/// `signatures` import. Natively (the unit tests) the same [`smtp_sensor_verifier::verify`]
/// answers, directly.
#[derive(Debug, Clone, Copy)]
struct Delegated {
    public_key: AlgorithmIdentifier,
    signature: AlgorithmIdentifier,
}

impl SignatureVerificationAlgorithm for Delegated {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        #[cfg(target_arch = "wasm32")]
        use crate::bindings::smtp_sensor::probe::signatures::verify;
        #[cfg(not(target_arch = "wasm32"))]
        use smtp_sensor_verifier::verify;
        let (key_id, signature_id) = (self.public_key.as_ref(), self.signature.as_ref());
        match verify(key_id, signature_id, public_key, message, signature) {
            true => Ok(()),
            false => Err(InvalidSignature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature
    }

    fn fips(&self) -> bool {
        false
    }
}

/// [`IDENTIFIERS`], each verified through the host.
static DELEGATED: [Delegated; IDENTIFIERS.len()] = {
    let mut all = [Delegated {
        public_key: IDENTIFIERS[0].0,
        signature: IDENTIFIERS[0].1,
    }; IDENTIFIERS.len()];
    let mut i = 1;
    while i < all.len() {
        all[i] = Delegated {
            public_key: IDENTIFIERS[i].0,
            signature: IDENTIFIERS[i].1,
        };
        i += 1;
    }
    all
};

/// [`DELEGATED`] as rustls lists algorithms.
static ALL: [&dyn SignatureVerificationAlgorithm; IDENTIFIERS.len()] = {
    let mut all: [&'static dyn SignatureVerificationAlgorithm; IDENTIFIERS.len()] =
        [&DELEGATED[0]; IDENTIFIERS.len()];
    let mut i = 1;
    while i < all.len() {
        all[i] = &DELEGATED[i];
        i += 1;
    }
    all
};

/// The most algorithms one TLS signature scheme maps to (ECDSA's: two curves).
const MOST_PER_SCHEME: usize = 2;

/// For each of [`SCHEMES`], its algorithms from [`DELEGATED`], padded to
/// [`MOST_PER_SCHEME`] (a scheme with more fails to compile).
static MAPPED: [[&dyn SignatureVerificationAlgorithm; MOST_PER_SCHEME]; SCHEMES.len()] = {
    let mut mapped: [[&'static dyn SignatureVerificationAlgorithm; MOST_PER_SCHEME];
        SCHEMES.len()] = [[&DELEGATED[0]; MOST_PER_SCHEME]; SCHEMES.len()];
    let mut scheme = 0;
    while scheme < SCHEMES.len() {
        let indices = SCHEMES[scheme].1;
        let mut k = 0;
        while k < indices.len() {
            mapped[scheme][k] = &DELEGATED[indices[k]];
            k += 1;
        }
        scheme += 1;
    }
    mapped
};

/// [`SCHEMES`] as rustls maps them: each scheme with its slice of [`MAPPED`].
static MAPPING: [(SignatureScheme, &[&dyn SignatureVerificationAlgorithm]); SCHEMES.len()] = {
    let mut mapping: [(
        SignatureScheme,
        &'static [&'static dyn SignatureVerificationAlgorithm],
    ); SCHEMES.len()] = [(SCHEMES[0].0, &[]); SCHEMES.len()];
    let mut scheme = 0;
    while scheme < SCHEMES.len() {
        let (algorithms, _) = MAPPED[scheme].split_at(SCHEMES[scheme].1.len());
        mapping[scheme] = (SCHEMES[scheme].0, algorithms);
        scheme += 1;
    }
    mapping
};

/// The algorithms for rustls, each verified through the host, and which TLS signature
/// schemes use which. All made at compile time.
pub fn delegated() -> WebPkiSupportedAlgorithms {
    WebPkiSupportedAlgorithms {
        all: &ALL,
        mapping: &MAPPING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every algorithm rustls may use, in the list and in the scheme mapping, goes through
    /// the host: none is left to verify in WebAssembly by itself.
    #[test]
    fn every_algorithm_is_handed_to_the_host() {
        let algorithms = delegated();
        assert_eq!(algorithms.all.len(), IDENTIFIERS.len());
        assert_eq!(algorithms.mapping.len(), SCHEMES.len());
        let mapped = algorithms.mapping.iter().flat_map(|(_, a)| a.iter());
        for algorithm in algorithms.all.iter().chain(mapped) {
            assert!(
                format!("{algorithm:?}").starts_with("Delegated {"),
                "{algorithm:?}"
            );
        }
    }
}
