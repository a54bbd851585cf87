//! What TLS showed during a check, gathered across handshakes (implicit TLS, a fallback,
//! STARTTLS) for the result: plain data, so the report is built and tested natively.

use super::certificate::Leaf;
use super::verifier::Record;
use std::time::Duration;

/// What the handshakes showed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// A handshake was started.
    pub attempted: bool,
    /// A handshake completed: the connection was secured.
    pub established: bool,
    /// The negotiated protocol version, e.g. "TLSv1.3".
    pub version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// How long the last handshake took.
    pub handshake: Option<Duration>,
    /// The leaf certificate the server presented, read once after the handshake.
    pub leaf: Option<Leaf>,
    /// The other certificates it presented (intermediates, perhaps its root), read alike.
    pub chain: Vec<Leaf>,
    /// Whether the chain and name were verified and passed.
    pub verified: bool,
    /// Whether verification was on at all.
    pub verify: bool,
    /// The first bytes the server sent during the last handshake (a few dozen at most):
    /// whether it spoke TLS at all decides an implicit-TLS fallback.
    pub server_first_bytes: Vec<u8>,
}

impl TlsFacts {
    /// Takes in what the verifier recorded during a handshake: the leaf, read once, and
    /// whether it was verified.
    pub fn record(&mut self, record: &Record) {
        let presented = record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.leaf = presented.leaf.as_deref().and_then(Leaf::parse);
        self.chain = presented
            .intermediates
            .iter()
            .filter_map(|der| Leaf::parse(der))
            .collect();
        self.verified = presented.verified;
    }

    /// The presented certificate that expires first (the leaf on a tie), as
    /// blackbox_exporter's `probe_ssl_earliest_cert_expiry` counts: the certificate
    /// thresholds judge it.
    pub fn earliest(&self) -> Option<&Leaf> {
        let leaf = self.leaf.as_ref()?;
        Some(
            self.chain
                .iter()
                .filter(|c| c.not_after < leaf.not_after)
                .min_by_key(|c| c.not_after)
                .unwrap_or(leaf),
        )
    }

    /// The transcript note for an established connection.
    pub fn established_note(&self) -> String {
        format!(
            "TLS established: {} {}",
            self.version.as_deref().unwrap_or("?"),
            self.cipher_suite.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(subject: &str, not_after: i64) -> Leaf {
        Leaf {
            subject: subject.into(),
            issuer: "CN=CA".into(),
            not_before: 0,
            not_after,
        }
    }

    #[test]
    fn the_earliest_expiry_of_the_presented_chain() {
        let mut facts = TlsFacts::default();
        assert_eq!(facts.earliest(), None);
        facts.leaf = Some(certificate("CN=leaf", 300));
        assert_eq!(facts.earliest().unwrap().subject, "CN=leaf");
        facts.chain = vec![
            certificate("CN=root", 900),
            certificate("CN=intermediate", 100),
        ];
        assert_eq!(facts.earliest().unwrap().subject, "CN=intermediate");
        facts.chain = vec![certificate("CN=same day", 300)];
        assert_eq!(
            facts.earliest().unwrap().subject,
            "CN=leaf",
            "the leaf on a tie"
        );
    }
}
