//! The contract's `signatures` import, answered natively: the check's TLS handshake hands
//! its signature checks (public keys, signed data, signatures; never a secret) to the host,
//! where they cost about a tenth of what they cost in WebAssembly. The algorithms and the
//! code are the ones the portable `signature-verifier` component runs (`smtp-sensor-verifier`).
//!
//! Linked by hand rather than through bindgen's trait, which would copy each list out of the
//! guest first: here the inputs are read in place, and `verify` refuses oversized ones
//! before any work, so a hostile guest can make the host neither copy nor hash 64 MiB.

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, WasmList};

/// The interface, as `wit/smtp-sensor.wit` names it (a component that imports another
/// version fails to load, saying which import is missing).
const INTERFACE: &str = "smtp-sensor:probe/signatures@0.2.0";

/// `verify`'s parameters: public-key-algorithm, signature-algorithm, public-key, message,
/// signature.
type VerifyParams = (
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
);

/// Adds `signatures` to a check's linker. A component that verifies in WebAssembly (the
/// portable composition, or a build of another check) does not import it, and is not
/// bothered by it.
pub fn add<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.instance(INTERFACE)?.func_wrap(
        "verify",
        |store: StoreContextMut<'_, T>, params: VerifyParams| {
            let (key_algorithm, signature_algorithm, key, message, signature) = params;
            let valid = smtp_sensor_verifier::verify(
                key_algorithm.as_le_slice(&store),
                signature_algorithm.as_le_slice(&store),
                key.as_le_slice(&store),
                message.as_le_slice(&store),
                signature.as_le_slice(&store),
            );
            Ok((valid,))
        },
    )
}
