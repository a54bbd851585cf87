//! The handshake's key agreement, handed to the host: rustls decides which group and when;
//! the arithmetic (X25519 is about a seventh of a STARTTLS probe's CPU in WebAssembly)
//! happens behind the contract's `key-agreement` import, natively in smtp-sensor's host or
//! in the composed `signature-verifier` component in any other host. The private key stays
//! with the host; the shared secret comes back, as rustls needs it.

use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};

#[cfg(target_arch = "wasm32")]
use crate::bindings::smtp_sensor::probe::key_agreement::{EphemeralKey, Group};
// Natively (the unit tests) the same code the host runs answers, directly.
#[cfg(not(target_arch = "wasm32"))]
use smtp_sensor_verifier::key_agreement::{EphemeralKey, Group};

/// A group whose keys the host makes and agrees with.
#[derive(Debug)]
struct Delegated {
    name: NamedGroup,
    group: Group,
}

impl SupportedKxGroup for Delegated {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let key = EphemeralKey::generate(self.group).ok_or(rustls::crypto::GetRandomFailed)?;
        // A list the import returned; natively, a slice of the key.
        #[allow(clippy::useless_conversion)]
        let public = Vec::from(key.public_key());
        Ok(Box::new(Started {
            name: self.name,
            key,
            public,
        }))
    }

    fn name(&self) -> NamedGroup {
        self.name
    }
}

/// A key the host made, waiting for the server's share.
struct Started {
    name: NamedGroup,
    key: EphemeralKey,
    public: Vec<u8>,
}

impl ActiveKeyExchange for Started {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        EphemeralKey::agree(self.key, peer)
            .map(SharedSecret::from)
            .ok_or_else(|| PeerMisbehaved::InvalidKeyShare.into())
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        self.name
    }
}

/// The groups rustls' ring provider offers, in its order, each agreed through the host.
pub static GROUPS: [&dyn SupportedKxGroup; 3] = [
    &Delegated {
        name: NamedGroup::X25519,
        group: Group::X25519,
    },
    &Delegated {
        name: NamedGroup::secp256r1,
        group: Group::Secp256r1,
    },
    &Delegated {
        name: NamedGroup::secp384r1,
        group: Group::Secp384r1,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each group's exchange, completed against a share made by rustls' own ring group,
    /// reaches the secret rustls' side reaches.
    #[test]
    fn each_group_agrees_with_rustls_own() {
        let theirs = rustls::crypto::ring::default_provider().kx_groups;
        for (ours, theirs) in GROUPS.iter().zip(theirs) {
            assert_eq!(ours.name(), theirs.name());
            let ours = ours.start().unwrap();
            let theirs = theirs.start().unwrap();
            let their_share = theirs.pub_key().to_vec();
            let our_share = ours.pub_key().to_vec();
            let one = ours.complete(&their_share).unwrap();
            let other = theirs.complete(&our_share).unwrap();
            assert_eq!(one.secret_bytes(), other.secret_bytes());
        }
    }

    /// A share that is not a point of the group is the server's fault, as rustls says it.
    #[test]
    fn an_invalid_share_is_the_servers_misbehaviour() {
        let exchange = GROUPS[1].start().unwrap();
        let Err(error) = exchange.complete(&[0x04; 65]) else {
            panic!("a share off the curve was agreed with");
        };
        assert_eq!(
            error,
            Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
        );
    }
}
