//! The public-key operations of a verified TLS handshake, timed one by one with the `ring`
//! the component builds against. `run` builds this natively and for wasm32-wasip2 and runs
//! both, so the two columns show what running the handshake's crypto inside the sandbox
//! costs. A STARTTLS probe against a server with an ECDSA P-256 certificate from a CA with a
//! P-256 key does two P-256 verifications (the CA's signature on the certificate, the
//! server's signature on the handshake) and one X25519 exchange (the client's key pair, and
//! the shared secret).
//!
//! Prints one line per operation: its name and the median of [`BATCHES`] batches, in
//! microseconds per operation.

use p256::ecdsa::signature::Verifier;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair};
use ring::{agreement, rand};
use std::time::Instant;

const BATCHES: usize = 7;
/// A throwaway RSA-2048 key (PKCS#8 DER), made for this bench only: ring cannot make RSA
/// keys, and servers' RSA certificates are still common.
const RSA_2048_KEY: &[u8] = include_bytes!("rsa-2048.pk8.der");
/// What gets signed: about the size of a TLS 1.3 CertificateVerify's signed content.
const MESSAGE: [u8; 130] = [0x20; 130];

fn main() {
    let rng = SystemRandom::new();
    let ecdsa = |alg: &'static signature::EcdsaSigningAlgorithm,
                 verify: &'static signature::EcdsaVerificationAlgorithm| {
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let signed = pair.sign(&rng, &MESSAGE).unwrap().as_ref().to_vec();
        let public = pair.public_key().as_ref().to_vec();
        (signature::UnparsedPublicKey::new(verify, public), signed)
    };

    let (p256, p256_signed) = ecdsa(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &signature::ECDSA_P256_SHA256_ASN1,
    );
    time("ECDSA P-256 SHA-256 verify (ring)", 200, || {
        p256.verify(&MESSAGE, &p256_signed).unwrap()
    });
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(p256.as_ref()).unwrap();
    let der = p256::ecdsa::Signature::from_der(&p256_signed).unwrap();
    time("ECDSA P-256 SHA-256 verify (RustCrypto p256)", 100, || {
        key.verify(&MESSAGE, &der).unwrap()
    });

    let (p384, p384_signed) = ecdsa(
        &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        &signature::ECDSA_P384_SHA384_ASN1,
    );
    time("ECDSA P-384 SHA-384 verify (ring)", 50, || {
        p384.verify(&MESSAGE, &p384_signed).unwrap()
    });

    let rsa = signature::RsaKeyPair::from_pkcs8(RSA_2048_KEY).unwrap();
    let mut rsa_signed = vec![0; rsa.public().modulus_len()];
    rsa.sign(
        &signature::RSA_PKCS1_SHA256,
        &rng,
        &MESSAGE,
        &mut rsa_signed,
    )
    .unwrap();
    let rsa_public = signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        rsa.public().as_ref().to_vec(),
    );
    time("RSA-2048 PKCS#1 SHA-256 verify (ring)", 200, || {
        rsa_public.verify(&MESSAGE, &rsa_signed).unwrap()
    });

    let ed_pkcs8 = signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let ed = signature::Ed25519KeyPair::from_pkcs8(ed_pkcs8.as_ref()).unwrap();
    let ed_signed = ed.sign(&MESSAGE);
    let ed_public =
        signature::UnparsedPublicKey::new(&signature::ED25519, ed.public_key().as_ref().to_vec());
    time("Ed25519 verify (ring)", 200, || {
        ed_public.verify(&MESSAGE, ed_signed.as_ref()).unwrap()
    });

    for (name, alg) in [
        ("X25519", &agreement::X25519),
        ("ECDH P-256", &agreement::ECDH_P256),
    ] {
        let server = agreement::EphemeralPrivateKey::generate(alg, &rng).unwrap();
        let server_public = server.compute_public_key().unwrap().as_ref().to_vec();
        time(
            &format!("{name}: client key pair + shared secret (ring)"),
            100,
            || exchange(alg, &rng, &server_public),
        );
    }
}

/// The client's side of a key exchange: a key pair, its public key, the shared secret.
fn exchange(alg: &'static agreement::Algorithm, rng: &dyn rand::SecureRandom, peer: &[u8]) {
    let private = agreement::EphemeralPrivateKey::generate(alg, rng).unwrap();
    private.compute_public_key().unwrap();
    let peer = agreement::UnparsedPublicKey::new(alg, peer);
    agreement::agree_ephemeral(private, &peer, |secret| secret.len()).unwrap();
}

/// Runs `op` in [`BATCHES`] batches of `per_batch` (after one warm-up batch) and prints the
/// median batch's time per operation.
fn time(name: &str, per_batch: u32, mut op: impl FnMut()) {
    let mut batches = Vec::with_capacity(BATCHES);
    for batch in 0..=BATCHES {
        let started = Instant::now();
        for _ in 0..per_batch {
            op();
        }
        if batch > 0 {
            batches.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(per_batch));
        }
    }
    batches.sort_by(f64::total_cmp);
    println!("{name:<50} {:>10.1}", batches[BATCHES / 2]);
}
