//! The `signature-verifier` world: [`crate::verify`], exported, for hosts other than
//! smtp-sensor's (composed with the check by the host's build script).

wit_bindgen::generate!({
    world: "signature-verifier",
    path: "../../wit",
});

use exports::smtp_sensor::probe::signatures::Guest;

struct Verifier;

impl Guest for Verifier {
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

export!(Verifier);
