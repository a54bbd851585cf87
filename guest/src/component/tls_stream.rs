//! TLS over a WASI TCP connection with rustls as encrypted pipes: TLS records go between
//! rustls and the socket (`read_tls`/`write_tls`), plain text between rustls and the SMTP
//! session. Every wait is bounded by the check's deadline.

use super::net::{Connection, Instant, IoError};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ProtocolVersion};
use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::sync::Arc;

/// How many of the server's first bytes are kept, to recognise a plain-text answer.
const FIRST_BYTES: usize = 128;

/// Why a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    /// The connection failed or the deadline passed.
    Io(IoError),
    /// TLS failed: an alert, a bad message, a rejected certificate.
    Tls(rustls::Error),
}

/// A TLS client connection over TCP.
pub struct TlsStream {
    tls: ClientConnection,
    tcp: Connection,
    first_bytes: Vec<u8>,
    /// The server ended the stream with a TLS close_notify: what it sent before was all it
    /// meant to (RFC 8446 6.1); a TCP close without one may have cut it short.
    closed_cleanly: bool,
}

impl TlsStream {
    /// Starts a client connection to `name` over `tcp`; `handshake` completes it.
    pub fn new(
        tcp: Connection,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Self, rustls::Error> {
        let tls = ClientConnection::new(config, name)?;
        Ok(Self {
            tls,
            tcp,
            first_bytes: Vec::new(),
            closed_cleanly: false,
        })
    }

    /// Runs the handshake to its end, or to its failure (after sending the alert).
    pub async fn handshake(&mut self, deadline: Instant) -> Result<(), HandshakeError> {
        loop {
            self.flush(deadline).await.map_err(HandshakeError::Io)?;
            if !self.tls.is_handshaking() {
                return Ok(());
            }
            let bytes = self.tcp.read(deadline).await.map_err(HandshakeError::Io)?;
            if self.first_bytes.len() < FIRST_BYTES {
                let room = FIRST_BYTES - self.first_bytes.len();
                self.first_bytes
                    .extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            if let Err(error) = self.feed(&bytes) {
                let _ = self.flush(deadline).await; // tell the server why, if we can
                return Err(HandshakeError::Tls(error));
            }
        }
    }

    /// Whether the server ended the stream with a TLS close_notify.
    pub fn closed_cleanly(&self) -> bool {
        self.closed_cleanly
    }

    /// The first bytes the server sent during the handshake.
    pub fn first_bytes(&self) -> &[u8] {
        &self.first_bytes
    }

    /// The negotiated protocol version, e.g. "TLSv1.3".
    pub fn version(&self) -> Option<String> {
        self.tls.protocol_version().map(|version| match version {
            ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            other => format!("{other:?}"),
        })
    }

    /// The negotiated cipher suite, e.g. "TLS13_AES_256_GCM_SHA384".
    pub fn cipher_suite(&self) -> Option<String> {
        self.tls
            .negotiated_cipher_suite()
            .map(|suite| format!("{:?}", suite.suite()))
    }

    /// Reads decrypted bytes, waiting for at least one until `deadline`.
    pub async fn read(&mut self, deadline: Instant) -> Result<Vec<u8>, IoError> {
        loop {
            if let Some(read) = self.decrypted() {
                return read;
            }
            let bytes = self.tcp.read(deadline).await?;
            self.feed(&bytes)
                .map_err(|e| IoError::Failed(format!("TLS error: {e}")))?;
            self.flush(deadline).await?;
        }
    }

    /// What rustls has decrypted, if anything. Not async: its buffer lives on the stack
    /// for this call only, where in `read` it would be part of every check's state.
    fn decrypted(&mut self) -> Option<Result<Vec<u8>, IoError>> {
        let mut buf = [0u8; 4096];
        match self.tls.reader().read(&mut buf) {
            Ok(0) => Some(Err(IoError::Closed)),
            Ok(n) => Some(Ok(buf[..n].to_vec())),
            Err(e) if e.kind() == IoErrorKind::WouldBlock => None,
            Err(e) if e.kind() == IoErrorKind::UnexpectedEof => Some(Err(IoError::Closed)),
            Err(e) => Some(Err(IoError::Failed(e.to_string()))),
        }
    }

    /// Encrypts and sends all of `bytes` until `deadline`.
    pub async fn write_all(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), IoError> {
        self.tls
            .writer()
            .write_all(bytes)
            .map_err(|e| IoError::Failed(e.to_string()))?;
        self.flush(deadline).await
    }

    /// Sends whatever TLS records rustls has ready.
    async fn flush(&mut self, deadline: Instant) -> Result<(), IoError> {
        while self.tls.wants_write() {
            let mut records = Vec::new();
            self.tls
                .write_tls(&mut records)
                .map_err(|e| IoError::Failed(e.to_string()))?;
            self.tcp.write_all(&records, deadline).await?;
        }
        Ok(())
    }

    /// Hands received TLS records to rustls.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), rustls::Error> {
        while !bytes.is_empty() {
            self.tls
                .read_tls(&mut bytes)
                .map_err(|e| rustls::Error::General(e.to_string()))?;
            if self.tls.process_new_packets()?.peer_has_closed() {
                self.closed_cleanly = true;
            }
        }
        Ok(())
    }
}

/// The connection as the session sees it: plain, or TLS.
pub enum Transport {
    /// Plain text.
    Plain(Connection),
    /// TLS, implicit or after STARTTLS.
    Tls(Box<TlsStream>),
}

impl Transport {
    /// Reads what the server sent, waiting until `deadline`.
    pub async fn read(&mut self, deadline: Instant) -> Result<Vec<u8>, IoError> {
        match self {
            Transport::Plain(tcp) => tcp.read(deadline).await,
            Transport::Tls(tls) => tls.read(deadline).await,
        }
    }

    /// Sends all of `bytes` until `deadline`.
    pub async fn write_all(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), IoError> {
        match self {
            Transport::Plain(tcp) => tcp.write_all(bytes, deadline).await,
            Transport::Tls(tls) => tls.write_all(bytes, deadline).await,
        }
    }
}
