//! The contract's `trust-anchors` import, answered natively: the check carries no CA roots
//! and asks, at each handshake it verifies, for the built-in roots that may have issued
//! what the server presented. The roots and the rule are the ones the portable
//! `signature-verifier` component answers with ([`smtp_sensor_verifier::roots`]).

use crate::bindings::smtp_sensor::probe::trust_anchors::{self, TrustAnchor};
use wasmtime::component::{HasData, Linker};

/// The host side: no state, the roots are compiled in.
pub struct BuiltinRoots;

impl HasData for BuiltinRoots {
    type Data<'a> = BuiltinRoots;
}

impl trust_anchors::Host for BuiltinRoots {
    fn anchors_for(&mut self, subjects: Vec<Vec<u8>>) -> wasmtime::Result<Vec<TrustAnchor>> {
        Ok(smtp_sensor_verifier::roots::anchors_for(&subjects)
            .into_iter()
            .map(|root| TrustAnchor {
                subject: root.subject.to_vec(),
                subject_public_key_info: root.subject_public_key_info.to_vec(),
                name_constraints: root.name_constraints.as_ref().map(|nc| nc.to_vec()),
            })
            .collect())
    }
}

/// Adds `trust-anchors` to a check's linker.
pub fn add<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    trust_anchors::add_to_linker::<T, BuiltinRoots>(linker, |_| BuiltinRoots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trust_anchors::Host as _;

    #[test]
    fn a_root_is_handed_out_whole_by_its_subject() {
        let root = &smtp_sensor_verifier::roots::all()[3];
        let found = BuiltinRoots
            .anchors_for(vec![b"nobody".to_vec(), root.subject.to_vec()])
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].subject, root.subject.to_vec());
        assert_eq!(
            found[0].subject_public_key_info,
            root.subject_public_key_info.to_vec()
        );
        assert!(BuiltinRoots.anchors_for(Vec::new()).unwrap().is_empty());
    }
}
