//! The signature algorithms a check accepts in a TLS handshake, and their verification.
//!
//! One list for three users: the check offers these algorithms to rustls (and forwards each
//! verification to its host); smtp-sensor's host answers with [`verify`] natively; and the
//! portable `signature-verifier` component (this crate built with `--features component`)
//! answers with the same [`verify`] in WebAssembly, composed into the check for other hosts.
//! Only public data is verified here: keys, signed messages and signatures.

#[cfg(all(target_arch = "wasm32", feature = "component"))]
mod component;

use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::SignatureVerificationAlgorithm;

/// The signature algorithms rustls' ring provider verifies, and which TLS signature schemes
/// use which, as rustls lists them (its own table is private; a test keeps them equal).
pub static ALGORITHMS: WebPkiSupportedAlgorithms = {
    use webpki::ring::*;
    WebPkiSupportedAlgorithms {
        all: &[
            ECDSA_P256_SHA256,
            ECDSA_P256_SHA384,
            ECDSA_P384_SHA256,
            ECDSA_P384_SHA384,
            ED25519,
            RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            RSA_PKCS1_2048_8192_SHA256,
            RSA_PKCS1_2048_8192_SHA384,
            RSA_PKCS1_2048_8192_SHA512,
            RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        ],
        mapping: &[
            (
                SignatureScheme::ECDSA_NISTP384_SHA384,
                &[ECDSA_P384_SHA384, ECDSA_P256_SHA384],
            ),
            (
                SignatureScheme::ECDSA_NISTP256_SHA256,
                &[ECDSA_P256_SHA256, ECDSA_P384_SHA256],
            ),
            (SignatureScheme::ED25519, &[ED25519]),
            (
                SignatureScheme::RSA_PSS_SHA512,
                &[RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA384,
                &[RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA256,
                &[RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA512,
                &[RSA_PKCS1_2048_8192_SHA512],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA384,
                &[RSA_PKCS1_2048_8192_SHA384],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA256,
                &[RSA_PKCS1_2048_8192_SHA256],
            ),
        ],
    }
};

/// The algorithm X.509 names with these two AlgorithmIdentifiers (DER contents, as
/// rustls-pki-types' `alg_id` constants hold them), when it is one of [`ALGORITHMS`].
pub fn find(
    public_key_algorithm: &[u8],
    signature_algorithm: &[u8],
) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    ALGORITHMS.all.iter().copied().find(|algorithm| {
        algorithm.public_key_alg_id().as_ref() == public_key_algorithm
            && algorithm.signature_alg_id().as_ref() == signature_algorithm
    })
}

/// The longest input [`verify`] looks at: rustls refuses a handshake message longer than
/// this (`MAX_HANDSHAKE_SIZE`), and every key, signature and signed message of a handshake
/// (a certificate's to-be-signed part, a CertificateVerify's content) lies within one.
pub const MAX_INPUT_BYTES: usize = 0xffff;

/// Whether `signature` is a valid signature of `message` by `public_key` (the
/// subjectPublicKey bits), by the algorithm these identifiers name. False for an invalid
/// signature, for an algorithm not in [`ALGORITHMS`], and, before any work, for an input
/// longer than [`MAX_INPUT_BYTES`]: the contract's `signatures.verify`.
pub fn verify(
    public_key_algorithm: &[u8],
    signature_algorithm: &[u8],
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    let inputs = [public_key, message, signature];
    if inputs.iter().any(|input| input.len() > MAX_INPUT_BYTES) {
        return false;
    }
    find(public_key_algorithm, signature_algorithm).is_some_and(|algorithm| {
        algorithm
            .verify_signature(public_key, message, signature)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use rustls::pki_types::alg_id;

    /// The table written out here is rustls' own, in the same order.
    #[test]
    fn the_algorithms_are_rustls_ring_providers() {
        let theirs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let ids =
            |algs: &[&'static dyn SignatureVerificationAlgorithm]| -> Vec<(Vec<u8>, Vec<u8>)> {
                algs.iter()
                    .map(|a| {
                        (
                            a.public_key_alg_id().as_ref().to_vec(),
                            a.signature_alg_id().as_ref().to_vec(),
                        )
                    })
                    .collect()
            };
        assert_eq!(ids(ALGORITHMS.all), ids(theirs.all));
        assert_eq!(ALGORITHMS.mapping.len(), theirs.mapping.len());
        for (ours, theirs) in ALGORITHMS.mapping.iter().zip(theirs.mapping) {
            assert_eq!(ours.0, theirs.0);
            assert_eq!(ids(ours.1), ids(theirs.1), "{:?}", ours.0);
        }
    }

    /// The two identifiers name one algorithm each: `find` can never pick the wrong one.
    #[test]
    fn each_pair_of_identifiers_names_one_algorithm() {
        for algorithm in ALGORITHMS.all {
            let (key, sig) = (algorithm.public_key_alg_id(), algorithm.signature_alg_id());
            let same = ALGORITHMS
                .all
                .iter()
                .filter(|a| a.public_key_alg_id() == key && a.signature_alg_id() == sig)
                .count();
            assert_eq!(same, 1, "{algorithm:?}");
            assert!(find(key.as_ref(), sig.as_ref()).is_some());
        }
    }

    #[test]
    fn a_valid_ecdsa_signature_passes_and_a_changed_one_fails() {
        let random = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &random).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &random).unwrap();
        let message = b"CertificateVerify";
        let signature = key.sign(&random, message).unwrap();
        let (p256, sha256) = (alg_id::ECDSA_P256, alg_id::ECDSA_SHA256);
        let public = key.public_key().as_ref();
        assert!(verify(&p256, &sha256, public, message, signature.as_ref()));
        assert!(!verify(
            &p256,
            &sha256,
            public,
            b"another message",
            signature.as_ref()
        ));
        let mut changed = signature.as_ref().to_vec();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(!verify(&p256, &sha256, public, message, &changed));
        // The right key and signature under another algorithm's name: not verified.
        assert!(!verify(
            &p256,
            &alg_id::ECDSA_SHA384,
            public,
            message,
            signature.as_ref()
        ));
        assert!(!verify(
            &alg_id::ECDSA_P384,
            &sha256,
            public,
            message,
            signature.as_ref()
        ));
    }

    /// A message longer than any handshake carries is refused unread, even when the
    /// signature over it is valid.
    #[test]
    fn oversized_inputs_are_refused_before_any_work() {
        let random = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&random).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let ed = alg_id::ED25519;
        let public = key.public_key().as_ref();
        let longest = vec![7u8; MAX_INPUT_BYTES];
        let signature = key.sign(&longest);
        assert!(verify(&ed, &ed, public, &longest, signature.as_ref()));
        let longer = vec![7u8; MAX_INPUT_BYTES + 1];
        let signature = key.sign(&longer);
        assert!(!verify(&ed, &ed, public, &longer, signature.as_ref()));
    }

    #[test]
    fn ed25519_verifies_and_unknown_algorithms_never_do() {
        let random = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&random).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let signature = key.sign(b"hello");
        let public = key.public_key().as_ref();
        let ed = alg_id::ED25519;
        assert!(verify(&ed, &ed, public, b"hello", signature.as_ref()));
        assert!(!verify(&ed, &ed, public, b"hellO", signature.as_ref()));
        assert!(!verify(b"", b"", public, b"hello", signature.as_ref()));
        assert!(!verify(
            &ed,
            &[0x30; 300],
            public,
            b"hello",
            signature.as_ref()
        ));
        // Ed448 is not offered.
        let ed448 = alg_id::ED448;
        assert!(!verify(
            &ed448,
            &ed448,
            public,
            b"hello",
            signature.as_ref()
        ));
    }
}
