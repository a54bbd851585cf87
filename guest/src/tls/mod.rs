//! TLS without I/O: the client configuration, the recording verifier, the signature checks
//! and key agreement it hands to the host, what a certificate says, what the handshakes
//! showed, and rustls errors in plain words. The component's `tls_stream` moves the bytes.

pub mod anchors;
mod builtin_roots;
pub mod certificate;
pub mod dane;
pub mod errors;
pub mod facts;
mod key_agreement;
mod signatures;
pub mod verifier;
