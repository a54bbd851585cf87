//! The handshake's ephemeral key agreement (ECDHE), as rustls' ring provider does it: the
//! contract's `key-agreement`, for smtp-sensor's host (natively), for the portable
//! `signature-verifier` component (in WebAssembly) and for the check's native unit tests.
//! The check itself links none of this code: it only names the groups.

use ring::agreement::{self, EphemeralPrivateKey, PublicKey, UnparsedPublicKey};
use ring::rand::SystemRandom;
use std::fmt;

/// A key-agreement group, as the contract's `key-agreement.group` names them: those rustls'
/// ring provider offers, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Curve25519 (RFC 7748).
    X25519,
    /// NIST P-256.
    Secp256r1,
    /// NIST P-384.
    Secp384r1,
}

impl Group {
    /// Every group, in rustls' ring provider's order.
    pub const ALL: [Group; 3] = [Group::X25519, Group::Secp256r1, Group::Secp384r1];

    fn algorithm(self) -> &'static agreement::Algorithm {
        match self {
            Group::X25519 => &agreement::X25519,
            Group::Secp256r1 => &agreement::ECDH_P256,
            Group::Secp384r1 => &agreement::ECDH_P384,
        }
    }

    /// Whether `share` has the shape TLS requires of this group's shares, as rustls checks
    /// it before agreeing: 32 bytes for X25519, an uncompressed point (0x04 first) for the
    /// NIST curves; ring checks the rest (a point on the curve, of the right length).
    fn accepts_shape_of(self, share: &[u8]) -> bool {
        match self {
            Group::X25519 => share.len() == 32,
            Group::Secp256r1 | Group::Secp384r1 => share.first() == Some(&0x04),
        }
    }
}

/// An ephemeral private key and its public share, for one agreement. Its `Debug` shows the
/// group and the public share only.
pub struct EphemeralKey {
    group: Group,
    private: EphemeralPrivateKey,
    public: PublicKey,
}

impl EphemeralKey {
    /// A new random key in `group`; none when there is no randomness to make it with.
    pub fn generate(group: Group) -> Option<EphemeralKey> {
        let private =
            EphemeralPrivateKey::generate(group.algorithm(), &SystemRandom::new()).ok()?;
        let public = private.compute_public_key().ok()?;
        Some(EphemeralKey {
            group,
            private,
            public,
        })
    }

    /// The key's group.
    pub fn group(&self) -> Group {
        self.group
    }

    /// The public share, encoded as TLS sends it.
    pub fn public_key(&self) -> &[u8] {
        self.public.as_ref()
    }

    /// The shared secret with the peer's share, using the key up; none when `peer` is not
    /// a valid share of the key's group.
    pub fn agree(key: EphemeralKey, peer: &[u8]) -> Option<Vec<u8>> {
        if !key.group.accepts_shape_of(peer) {
            return None;
        }
        let peer = UnparsedPublicKey::new(key.group.algorithm(), peer);
        agreement::agree_ephemeral(key.private, &peer, |secret| secret.to_vec()).ok()
    }
}

impl fmt::Debug for EphemeralKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EphemeralKey")
            .field("group", &self.group)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two keys of a group agree on one secret, of the group's size, whichever side
    /// computes it.
    #[test]
    fn two_keys_agree_on_one_secret_in_every_group() {
        for (group, secret_bytes) in Group::ALL.into_iter().zip([32, 32, 48]) {
            let ours = EphemeralKey::generate(group).unwrap();
            let theirs = EphemeralKey::generate(group).unwrap();
            assert_eq!(ours.group(), group);
            let (our_share, their_share) =
                (ours.public_key().to_vec(), theirs.public_key().to_vec());
            let one = EphemeralKey::agree(ours, &their_share).unwrap();
            let other = EphemeralKey::agree(theirs, &our_share).unwrap();
            assert_eq!(one, other, "{group:?}");
            assert_eq!(one.len(), secret_bytes, "{group:?}");
        }
    }

    /// Shares of the wrong shape or not on the curve are refused, as rustls refuses them.
    #[test]
    fn invalid_shares_are_refused() {
        let p256 = EphemeralKey::generate(Group::Secp256r1).unwrap();
        let mut compressed = p256.public_key().to_vec();
        compressed[0] = 0x02;
        let mut off_curve = p256.public_key().to_vec();
        off_curve[64] ^= 1;
        let x25519 = EphemeralKey::generate(Group::X25519)
            .unwrap()
            .public_key()
            .to_vec();
        for (group, share) in [
            (Group::Secp256r1, compressed),
            (Group::Secp256r1, off_curve),
            (Group::Secp256r1, x25519.clone()),
            (Group::Secp384r1, vec![0x04; 65]),
            (Group::X25519, x25519[..31].to_vec()),
            (Group::X25519, vec![]),
        ] {
            let key = EphemeralKey::generate(group).unwrap();
            assert_eq!(EphemeralKey::agree(key, &share), None, "{group:?}");
        }
    }

    /// What `Debug` shows of a key: its group and public share, nothing private.
    #[test]
    fn debug_shows_no_private_key() {
        let key = EphemeralKey::generate(Group::X25519).unwrap();
        let shown = format!("{key:?}");
        assert!(
            shown.starts_with("EphemeralKey { group: X25519, public: "),
            "{shown}"
        );
        assert!(!shown.contains("private"), "{shown}");
    }
}
