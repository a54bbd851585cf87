//! The signature algorithms a check accepts in a TLS handshake, and their verification;
//! and the handshake's key agreement ([`key_agreement`]) and the built-in CA roots
//! ([`roots`]), shared the same way.
//!
//! One list for three users: the check offers these algorithms to rustls by their
//! identifiers ([`IDENTIFIERS`], [`SCHEMES`]) and forwards each verification to its host;
//! smtp-sensor's host answers with [`verify`] natively; and the portable
//! `signature-verifier` component (this crate built with `--features component`) answers
//! with the same [`verify`] in WebAssembly, composed into the check for other hosts. The
//! list is written twice, as webpki's algorithms ([`ALGORITHMS`]) and as constants (so the
//! check links none of their code), and a test keeps both equal to rustls' own. Only public
//! data is verified here: keys, signed messages and signatures.

#[cfg(all(target_arch = "wasm32", feature = "component"))]
mod component;
pub mod key_agreement;
pub mod roots;

use rustls::SignatureScheme;
use rustls::pki_types::{AlgorithmIdentifier, SignatureVerificationAlgorithm};

/// The signature algorithms rustls' ring provider verifies, in its order (its own table is
/// private; a test keeps them equal): what the host and the verifier component verify with.
pub static ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = {
    use webpki::ring::*;
    &[
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
    ]
};

/// Each of [`ALGORITHMS`]' public-key and signature AlgorithmIdentifiers, in the same
/// order, as constants: what the check offers rustls. The check verifies through the host,
/// so naming the algorithms by their identifiers keeps their code out of it (a test keeps
/// the two lists equal).
pub const IDENTIFIERS: [(AlgorithmIdentifier, AlgorithmIdentifier); 14] = {
    use rustls::pki_types::alg_id::*;
    [
        (ECDSA_P256, ECDSA_SHA256),
        (ECDSA_P256, ECDSA_SHA384),
        (ECDSA_P384, ECDSA_SHA256),
        (ECDSA_P384, ECDSA_SHA384),
        (ED25519, ED25519),
        (RSA_ENCRYPTION, RSA_PSS_SHA256),
        (RSA_ENCRYPTION, RSA_PSS_SHA384),
        (RSA_ENCRYPTION, RSA_PSS_SHA512),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA256),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA384),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA512),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA256_ABSENT_PARAMS),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA384_ABSENT_PARAMS),
        (RSA_ENCRYPTION, RSA_PKCS1_SHA512_ABSENT_PARAMS),
    ]
};

/// sha256WithRSAEncryption without the NULL parameters PKCS#1 asks for, which some
/// certificates leave out (webpki's `*_ABSENT_PARAMS` algorithms); likewise for SHA-384
/// and SHA-512 (OIDs 1.2.840.113549.1.1.11, .12 and .13).
const RSA_PKCS1_SHA256_ABSENT_PARAMS: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
]);
const RSA_PKCS1_SHA384_ABSENT_PARAMS: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
]);
const RSA_PKCS1_SHA512_ABSENT_PARAMS: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
]);

/// Which of [`IDENTIFIERS`] (by index) each TLS signature scheme may use, as rustls' ring
/// provider maps them (a test keeps them equal).
pub const SCHEMES: [(SignatureScheme, &[usize]); 9] = [
    (SignatureScheme::ECDSA_NISTP384_SHA384, &[3, 1]),
    (SignatureScheme::ECDSA_NISTP256_SHA256, &[0, 2]),
    (SignatureScheme::ED25519, &[4]),
    (SignatureScheme::RSA_PSS_SHA512, &[7]),
    (SignatureScheme::RSA_PSS_SHA384, &[6]),
    (SignatureScheme::RSA_PSS_SHA256, &[5]),
    (SignatureScheme::RSA_PKCS1_SHA512, &[10]),
    (SignatureScheme::RSA_PKCS1_SHA384, &[9]),
    (SignatureScheme::RSA_PKCS1_SHA256, &[8]),
];

/// The algorithm X.509 names with these two AlgorithmIdentifiers (DER contents, as
/// rustls-pki-types' `alg_id` constants hold them), when it is one of [`ALGORITHMS`].
pub fn find(
    public_key_algorithm: &[u8],
    signature_algorithm: &[u8],
) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    ALGORITHMS.iter().copied().find(|algorithm| {
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

    /// The tables written out here are rustls' own, in the same order: the algorithms,
    /// their identifiers, and which schemes use which.
    #[test]
    fn the_tables_are_rustls_ring_providers() {
        let theirs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        type Ids = Vec<(AlgorithmIdentifier, AlgorithmIdentifier)>;
        let ids = |algs: &[&'static dyn SignatureVerificationAlgorithm]| -> Ids {
            algs.iter()
                .map(|a| (a.public_key_alg_id(), a.signature_alg_id()))
                .collect()
        };
        assert_eq!(ids(ALGORITHMS), ids(theirs.all));
        assert_eq!(ids(ALGORITHMS), IDENTIFIERS.to_vec());
        assert_eq!(SCHEMES.len(), theirs.mapping.len());
        for ((scheme, indices), (their_scheme, their_algs)) in SCHEMES.iter().zip(theirs.mapping) {
            assert_eq!(scheme, their_scheme);
            let ours: Ids = indices.iter().map(|&i| IDENTIFIERS[i]).collect();
            assert_eq!(ours, ids(their_algs), "{scheme:?}");
        }
    }

    /// The two identifiers name one algorithm each: `find` can never pick the wrong one.
    #[test]
    fn each_pair_of_identifiers_names_one_algorithm() {
        for algorithm in ALGORITHMS {
            let (key, sig) = (algorithm.public_key_alg_id(), algorithm.signature_alg_id());
            let same = ALGORITHMS
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
