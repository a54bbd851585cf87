//! The contract's `signatures` import, answered natively: the check's TLS handshake hands
//! its signature checks (public keys, signed data, signatures; never a secret) to the host,
//! where they cost about a tenth of what they cost in WebAssembly. The algorithms and the
//! code are the ones the portable `signature-verifier` component runs (`smtp-sensor-verifier`).

use crate::bindings::smtp_sensor::probe::signatures::{Host, add_to_linker};
use wasmtime::component::{HasData, Linker};

/// Verifies natively; holds nothing.
struct Native;

impl HasData for Native {
    type Data<'a> = Native;
}

impl Host for Native {
    fn verify(
        &mut self,
        public_key_algorithm: Vec<u8>,
        signature_algorithm: Vec<u8>,
        public_key: Vec<u8>,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> bool {
        smtp_sensor_verifier::verify(
            &public_key_algorithm,
            &signature_algorithm,
            &public_key,
            &message,
            &signature,
        )
    }
}

/// Adds `signatures` to a check's linker. A component that verifies in WebAssembly (the
/// portable composition, or a build of another check) does not import it, and is not
/// bothered by it.
pub fn add<T>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    add_to_linker::<T, Native>(linker, |_| Native)
}
