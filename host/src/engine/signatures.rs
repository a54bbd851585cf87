//! The contract's `signatures` import, answered natively: the check's TLS handshake hands
//! its signature checks (public keys, signed data, signatures; never a secret) to the host,
//! where they cost about a tenth of what they cost in WebAssembly. The algorithms and the
//! code are the ones the portable `signature-verifier` component runs (`smtp-sensor-verifier`).
//!
//! Linked by hand rather than through bindgen's trait, which would copy each list out of the
//! guest first: here the inputs are read in place, and `verify` refuses oversized ones
//! before any work, so a hostile guest can make the host neither copy nor hash 64 MiB.
//!
//! Signatures that verified are remembered ([`Verified`]): every probe of a server sees the
//! same certificate chain, so after the first probe only the handshake's own signature
//! (over that handshake, new each time) is verified again.

use ring::digest::{Context, SHA256};
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, MutexGuard};
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, WasmList};

/// The interface, as `wit/smtp-sensor.wit` names it (a component that imports another
/// version fails to load, saying which import is missing).
const INTERFACE: &str = concat!(
    env!("SMTP_SENSOR_WIT_PACKAGE_NAME"),
    "/signatures@",
    env!("SMTP_SENSOR_WIT_PACKAGE_VERSION")
);

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
            let inputs = [
                key_algorithm.as_le_slice(&store),
                signature_algorithm.as_le_slice(&store),
                key.as_le_slice(&store),
                message.as_le_slice(&store),
                signature.as_le_slice(&store),
            ];
            static VERIFIED: LazyLock<Verified> = LazyLock::new(|| Verified::new(4096));
            let valid = VERIFIED.verify(inputs, |[a, b, k, m, s]| {
                smtp_sensor_verifier::verify(a, b, k, m, s)
            });
            Ok((valid,))
        },
    )
}

/// The signatures that verified lately, by the SHA-256 of everything verification reads.
/// Verification is a function of its inputs alone, so a remembered `true` is the answer
/// verifying again would give; only public data goes in. Bounded: when full it starts over
/// (the handshakes' own signatures, one new entry a probe, fill it in a few thousand).
pub struct Verified {
    seen: Mutex<HashSet<[u8; 32]>>,
    capacity: usize,
}

impl Verified {
    /// Remembers at most `capacity` signatures.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashSet::with_capacity(capacity)),
            capacity,
        }
    }

    /// `verify(inputs)`, unless these inputs verified before. Oversized inputs go straight
    /// to `verify`, which refuses them without hashing.
    pub fn verify(&self, inputs: [&[u8]; 5], verify: impl FnOnce([&[u8]; 5]) -> bool) -> bool {
        if inputs
            .iter()
            .any(|input| input.len() > smtp_sensor_verifier::MAX_INPUT_BYTES)
        {
            return verify(inputs);
        }
        let mut digest = Context::new(&SHA256);
        for input in inputs {
            // Each input's length first, so that no two lists of inputs hash alike.
            digest.update(&(input.len() as u64).to_be_bytes());
            digest.update(input);
        }
        let key: [u8; 32] = digest.finish().as_ref().try_into().expect("32 bytes");
        if self.seen().contains(&key) {
            return true;
        }
        // Not locked while verifying: other probes' look-ups go on meanwhile.
        let valid = verify(inputs);
        if valid {
            let mut seen = self.seen();
            if seen.len() >= self.capacity {
                seen.clear();
            }
            seen.insert(key);
        }
        valid
    }

    /// The remembered signatures, locked (a panic elsewhere leaves a set still usable).
    fn seen(&self) -> MutexGuard<'_, HashSet<[u8; 32]>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Counts the verifications that ran, answering `valid`.
    fn counting(runs: &Cell<u32>, valid: bool) -> impl FnOnce([&[u8]; 5]) -> bool + '_ {
        move |_| {
            runs.set(runs.get() + 1);
            valid
        }
    }

    #[test]
    fn a_signature_that_verified_is_not_verified_again() {
        let verified = Verified::new(8);
        let runs = Cell::new(0);
        let inputs: [&[u8]; 5] = [b"key alg", b"sig alg", b"key", b"message", b"signature"];
        assert!(verified.verify(inputs, counting(&runs, true)));
        assert!(verified.verify(inputs, counting(&runs, true)));
        assert_eq!(runs.get(), 1);
        // Another signature, or the same bytes split otherwise, is verified afresh.
        let other: [&[u8]; 5] = [b"key alg", b"sig alg", b"key", b"messag", b"esignature"];
        assert!(!verified.verify(other, counting(&runs, false)));
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn a_failed_verification_is_not_remembered() {
        let verified = Verified::new(8);
        let runs = Cell::new(0);
        let inputs: [&[u8]; 5] = [b"a", b"b", b"k", b"m", b"s"];
        assert!(!verified.verify(inputs, counting(&runs, false)));
        assert!(!verified.verify(inputs, counting(&runs, false)));
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn the_memory_is_bounded_and_oversized_inputs_are_never_hashed() {
        let verified = Verified::new(4);
        let runs = Cell::new(0);
        let messages: Vec<[u8; 1]> = (0..10u8).map(|i| [i]).collect();
        for message in &messages {
            verified.verify([b"a", b"b", b"k", message, b"s"], counting(&runs, true));
        }
        assert!(verified.seen.lock().unwrap().len() <= 4);
        let huge = vec![0; smtp_sensor_verifier::MAX_INPUT_BYTES + 1];
        for _ in 0..2 {
            assert!(verified.verify([b"a", b"b", b"k", &huge, b"s"], counting(&runs, true)));
        }
        assert_eq!(runs.get(), 12);
        assert!(verified.seen.lock().unwrap().len() <= 4);
    }
}
