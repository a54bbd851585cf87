//! `--web.config.file`: TLS and basic authentication in the format of the Prometheus
//! exporter-toolkit, which node_exporter, blackbox_exporter and Prometheus itself read, so
//! one file serves them all:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: prober.crt
//!   key_file: prober.key
//!   client_auth_type: RequireAndVerifyClientCert   # or NoClientCert, VerifyClientCertIfGiven
//!   client_ca_file: clients-ca.crt
//!   min_version: TLS12
//! http_server_config:
//!   headers:
//!     Strict-Transport-Security: max-age=31536000
//! basic_auth_users:
//!   prometheus: $2y$10$...   # bcrypt, as `htpasswd -nBC 10 "" | tr -d ':\n'` prints
//! ```
//!
//! Relative paths are relative to the file's folder. Keys this prober does not support
//! (cipher and curve preferences: rustls chooses safe ones) are refused by name, never
//! silently ignored.

use super::auth::Users;
use axum::http::{HeaderName, HeaderValue};
use indexmap::IndexMap;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the file asks for.
pub struct WebConfig {
    /// Serve HTTPS with this configuration; plain HTTP when absent.
    pub tls: Option<Arc<ServerConfig>>,
    /// Require one of these users (basic authentication) on every endpoint.
    pub users: Option<Arc<Users>>,
    /// Headers added to every response.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Says what is configured, never the hashes or keys.
impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("tls", &self.tls.is_some())
            .field("basic_auth", &self.users.is_some())
            .field("headers", &self.headers)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tls_server_config: Option<TlsFile>,
    http_server_config: Option<HttpFile>,
    basic_auth_users: Option<IndexMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    min_version: Option<String>,
    max_version: Option<String>,
    // Known to the exporter-toolkit, not supported here: refused by name below.
    cipher_suites: Option<serde_norway::Value>,
    curve_preferences: Option<serde_norway::Value>,
    prefer_server_cipher_suites: Option<serde_norway::Value>,
    client_allowed_sans: Option<serde_norway::Value>,
    cert: Option<serde_norway::Value>,
    key: Option<serde_norway::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    /// HTTP/2: this prober speaks HTTP/1.1 (all Prometheus needs); `false` is accepted.
    http2: Option<bool>,
    headers: Option<IndexMap<String, String>>,
}

impl WebConfig {
    /// Reads the file; errors name the file, the key and the fix.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "--web.config.file {}: cannot read it ({e}); give a readable YAML file",
                path.display()
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
            .map_err(|why| format!("--web.config.file {}: {why}", path.display()))
    }

    /// Reads the file when there is one; no file is plain HTTP, no users, no headers.
    pub fn read_or_default(path: Option<&Path>) -> Result<Self, String> {
        match path {
            Some(path) => Self::read(path),
            None => Self::parse("", Path::new(".")),
        }
    }

    /// "https" or "http", as the prober serves with this configuration.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// Reads the file's text; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, String> {
        let file: File = if text.trim().is_empty() {
            File {
                tls_server_config: None,
                http_server_config: None,
                basic_auth_users: None,
            }
        } else {
            serde_norway::from_str(text).map_err(|e| e.to_string())?
        };
        let tls = match file.tls_server_config {
            None => None,
            Some(tls) => Some(Arc::new(tls_config(tls, base)?)),
        };
        let users = match file.basic_auth_users {
            None => None,
            Some(users) if users.is_empty() => None,
            Some(users) => Some(Arc::new(Users::new(users)?)),
        };
        let mut headers = Vec::new();
        if let Some(http) = file.http_server_config {
            if http.http2 == Some(true) {
                return Err(
                    "http_server_config.http2: this prober serves HTTP/1.1 only; \
                            remove the key or set it to false"
                        .into(),
                );
            }
            for (name, value) in http.headers.unwrap_or_default() {
                let header = HeaderName::try_from(name.as_str())
                    .ok()
                    .zip(HeaderValue::try_from(value.as_str()).ok());
                match header {
                    Some(header) => headers.push(header),
                    None => {
                        return Err(format!(
                            "http_server_config.headers.{name}: not a valid header name and \
                             value"
                        ));
                    }
                }
            }
        }
        Ok(Self {
            tls,
            users,
            headers,
        })
    }
}

/// The rustls server configuration for `tls_server_config`.
fn tls_config(tls: TlsFile, base: &Path) -> Result<ServerConfig, String> {
    for (key, given) in [
        ("cipher_suites", tls.cipher_suites.is_some()),
        ("curve_preferences", tls.curve_preferences.is_some()),
        (
            "prefer_server_cipher_suites",
            tls.prefer_server_cipher_suites.is_some(),
        ),
        ("client_allowed_sans", tls.client_allowed_sans.is_some()),
        ("cert", tls.cert.is_some()),
        ("key", tls.key.is_some()),
    ] {
        if given {
            return Err(format!(
                "tls_server_config.{key} is not supported by smtp-sensor serve (rustls picks \
                 safe cipher suites and curves; give certificates as cert_file and key_file); \
                 remove it"
            ));
        }
    }
    let path = |key: &str, value: Option<PathBuf>| -> Result<PathBuf, String> {
        let value = value.ok_or_else(|| {
            format!("tls_server_config.{key} is missing; give the PEM file's path")
        })?;
        Ok(base.join(value))
    };
    let cert_file = path("cert_file", tls.cert_file)?;
    let key_file = path("key_file", tls.key_file)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_file)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| {
            format!(
                "tls_server_config.cert_file {}: {e}; give a PEM certificate chain",
                cert_file.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "tls_server_config.cert_file {}: holds no certificate",
            cert_file.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&key_file).map_err(|e| {
        format!(
            "tls_server_config.key_file {}: {e}; give the PEM private key of the certificate",
            key_file.display()
        )
    })?;
    let version = |key: &str, value: &str| match value {
        "TLS12" => Ok(&rustls::version::TLS12),
        "TLS13" => Ok(&rustls::version::TLS13),
        "TLS10" | "TLS11" => Err(format!(
            "tls_server_config.{key}: {value} is not offered (it is obsolete); use TLS12 or TLS13"
        )),
        other => Err(format!(
            "tls_server_config.{key}: {other:?} is not a TLS version; use TLS12 or TLS13"
        )),
    };
    let min = tls
        .min_version
        .as_deref()
        .map(|v| version("min_version", v))
        .transpose()?;
    let max = tls
        .max_version
        .as_deref()
        .map(|v| version("max_version", v))
        .transpose()?;
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        [&rustls::version::TLS12, &rustls::version::TLS13]
            .into_iter()
            .filter(|v| min.is_none_or(|m| u16::from(v.version) >= u16::from(m.version)))
            .filter(|v| max.is_none_or(|m| u16::from(v.version) <= u16::from(m.version)))
            .collect();
    if versions.is_empty() {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let client_auth = tls.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let builder = match client_auth {
        "" | "NoClientCert" => builder.with_no_client_auth(),
        "RequireAndVerifyClientCert" | "VerifyClientCertIfGiven" => {
            let ca_file = path("client_ca_file", tls.client_ca_file)?;
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(&ca_file)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    format!(
                        "tls_server_config.client_ca_file {}: {e}; give PEM CA certificates",
                        ca_file.display()
                    )
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "tls_server_config.client_ca_file {}: holds no usable CA certificate",
                    ca_file.display()
                ));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if client_auth == "VerifyClientCertIfGiven" {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
        other => {
            return Err(format!(
                "tls_server_config.client_auth_type: {other:?} is not supported; use \
                 NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert"
            ));
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("tls_server_config: the key does not fit the certificate ({e})"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WebConfig, String> {
        WebConfig::parse(text, Path::new("/nonexistent"))
    }

    #[test]
    fn an_empty_file_asks_for_nothing() {
        let config = parse("").unwrap();
        assert!(config.tls.is_none() && config.users.is_none() && config.headers.is_empty());
    }

    #[test]
    fn users_and_headers_are_read() {
        let config = parse(
            "basic_auth_users:\n  prometheus: $2b$04$Bv3J1Ke6t1EWY4qrhd/M2.o4hZ1K2c9ZyiZ7HcePnfd0gc/hS.yt6\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
        )
        .unwrap();
        assert!(config.users.is_some());
        assert_eq!(config.headers[0].0, "x-frame-options");
    }

    #[test]
    fn mistakes_are_named() {
        let error = parse("basic_auth_user:\n  a: b\n").unwrap_err();
        assert!(error.contains("basic_auth_user"), "{error}");
        let error = parse("basic_auth_users:\n  a: plaintext\n").unwrap_err();
        assert!(
            error.contains("basic_auth_users.a") && error.contains("bcrypt"),
            "{error}"
        );
        assert!(
            !error.contains("plaintext"),
            "the value may be a password: {error}"
        );
        let error = parse("tls_server_config:\n  cipher_suites: [x]\n").unwrap_err();
        assert!(
            error.contains("cipher_suites") && error.contains("remove it"),
            "{error}"
        );
        let error = parse("tls_server_config:\n  key_file: k.pem\n").unwrap_err();
        assert!(error.contains("cert_file is missing"), "{error}");
        let error =
            parse("tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n").unwrap_err();
        assert!(error.contains("/nonexistent/c.pem"), "{error}");
        let error = parse("http_server_config:\n  http2: true\n").unwrap_err();
        assert!(error.contains("HTTP/1.1"), "{error}");
    }
}
