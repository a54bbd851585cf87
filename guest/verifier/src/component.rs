//! The `signature-verifier` world: [`crate::verify`], [`crate::key_agreement`] and
//! [`crate::roots`], exported,
//! for hosts other than smtp-sensor's (composed with the check by the host's build script),
//! and `dns` refused (see [`dns_stub`]).

mod dns_stub;

wit_bindgen::generate!({
    world: "signature-verifier",
    path: "../../wit",
    with: { "wasi:io/poll@0.2.12": wasip2::io::poll },
});

use crate::key_agreement::{self, EphemeralKey as Key};
use exports::smtp_sensor::probe::key_agreement::{EphemeralKey, Group, GuestEphemeralKey};
use exports::smtp_sensor::probe::signatures;
use exports::smtp_sensor::probe::trust_anchors::TrustAnchor;

struct Verifier;

impl signatures::Guest for Verifier {
    fn verify(
        public_key_algorithm: Vec<u8>,
        signature_algorithm: Vec<u8>,
        public_key: Vec<u8>,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> bool {
        crate::verify(
            &public_key_algorithm,
            &signature_algorithm,
            &public_key,
            &message,
            &signature,
        )
    }
}

impl exports::smtp_sensor::probe::dns::Guest for Verifier {
    type Lookup = dns_stub::NoLookup;

    fn resolve(
        name: String,
        record_type: exports::smtp_sensor::probe::dns::RecordType,
    ) -> Result<
        exports::smtp_sensor::probe::dns::Lookup,
        exports::smtp_sensor::probe::dns::LookupError,
    > {
        Err(dns_stub::refusal(&name, record_type))
    }
}

impl exports::smtp_sensor::probe::key_agreement::Guest for Verifier {
    type EphemeralKey = Key;
}

impl GuestEphemeralKey for Key {
    fn generate(group: Group) -> Option<EphemeralKey> {
        let group = match group {
            Group::X25519 => key_agreement::Group::X25519,
            Group::Secp256r1 => key_agreement::Group::Secp256r1,
            Group::Secp384r1 => key_agreement::Group::Secp384r1,
        };
        Key::generate(group).map(EphemeralKey::new)
    }

    fn public_key(&self) -> Vec<u8> {
        Key::public_key(self).to_vec()
    }

    fn agree(key: EphemeralKey, peer: Vec<u8>) -> Option<Vec<u8>> {
        Key::agree(key.into_inner(), &peer)
    }
}

impl exports::smtp_sensor::probe::trust_anchors::Guest for Verifier {
    fn anchors_for(subjects: Vec<Vec<u8>>) -> Vec<TrustAnchor> {
        crate::roots::anchors_for(&subjects)
            .into_iter()
            .map(|root| TrustAnchor {
                subject: root.subject.to_vec(),
                subject_public_key_info: root.subject_public_key_info.to_vec(),
                name_constraints: root.name_constraints.as_ref().map(|nc| nc.to_vec()),
            })
            .collect()
    }
}

export!(Verifier);
