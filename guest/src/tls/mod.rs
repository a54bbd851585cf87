//! TLS without I/O: the client configuration, the recording verifier, what a certificate
//! says, and rustls errors in plain words. The component's `tls_stream` moves the bytes.

pub mod certificate;
pub mod errors;
pub mod verifier;
