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
        self.verified = presented.verified;
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
