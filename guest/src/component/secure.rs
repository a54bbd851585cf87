//! The TLS handshake over a connection, for the SMTP connection and the mailbox's alike:
//! what it showed goes into the given facts, its failure into the contract's words.

use super::net::{Clock, Connection, IoError};
use super::tls_stream::{HandshakeError, TlsStream};
use crate::check::plan::TlsPlan;
use crate::tls::errors;
use crate::tls::facts::TlsFacts;
use crate::wit::ErrorKind;

/// Runs a TLS handshake over `connection`, recording what it showed in `facts`.
pub(super) async fn handshake(
    connection: Connection,
    plan: &TlsPlan<'_>,
    clock: Clock,
    facts: &mut TlsFacts,
) -> Result<TlsStream, ErrorKind> {
    facts.attempted = true;
    let started = clock.elapsed();
    let mut stream = TlsStream::new(connection, plan.config()?, plan.name.clone())
        .map_err(|e| ErrorKind::TlsFailed(e.to_string()))?;
    let result = stream.handshake(clock.deadline).await;
    facts.handshake = Some(clock.elapsed().saturating_sub(started));
    facts.version = stream.version();
    facts.cipher_suite = stream.cipher_suite();
    facts.record(&plan.record);
    facts.server_first_bytes = stream.first_bytes().to_vec();
    match result {
        Ok(()) => {
            facts.established = true;
            Ok(stream)
        }
        Err(HandshakeError::Io(IoError::Timeout)) => Err(ErrorKind::Timeout),
        Err(HandshakeError::Io(IoError::Closed)) => Err(ErrorKind::TlsFailed(
            "the server closed the connection during the handshake".into(),
        )),
        Err(HandshakeError::Io(IoError::Failed(why))) => Err(ErrorKind::TlsFailed(why)),
        // Verified by DANE, and no record verified the chain: said in DANE's words.
        Err(HandshakeError::Tls(error)) => {
            Err(match facts.dane.as_ref().filter(|v| v.passed.is_none()) {
                Some(verified) => {
                    ErrorKind::DaneMismatch(crate::dane::words::mismatch(verified, facts))
                }
                None => errors::classify(
                    &error,
                    facts.leaf.as_ref(),
                    &facts.chain,
                    stream.first_bytes(),
                    plan.min_version,
                ),
            })
        }
    }
}
