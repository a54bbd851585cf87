//! Throwaway certificates, made at start-up and trusted only by the check that asks for
//! them: the demo's CA and server certificate, and the tests' good and broken ones
//! (expired, not yet valid, wrong name, self-signed, a CA as the server's, from an unknown
//! CA).

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// A certificate authority that exists for one process.
pub struct Ca {
    /// Its common name.
    name: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The certificates above this one in its chain (for an intermediate: its issuers').
    above: Vec<CertificateDer<'static>>,
}

/// A server certificate and its key.
pub struct Leaf {
    /// The chain to present: the leaf, then its issuer (if any).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key, PKCS#8 DER.
    pub key: Vec<u8>,
    /// The leaf certificate as PEM (for servers configured by file, like Postfix).
    pub certificate_pem: String,
    /// The private key as PEM.
    pub key_pem: String,
}

/// What to put in a server certificate.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// DNS names and IP addresses it is valid for.
    pub names: Vec<String>,
    /// Valid from this many days from now (negative: in the past).
    pub valid_from_days: i64,
    /// Valid until this many days from now (negative: expired).
    pub valid_until_days: i64,
}

impl LeafSpec {
    /// A certificate for `names`, valid from yesterday for a year.
    pub fn valid_for(names: &[&str]) -> Self {
        Self {
            names: names.iter().map(|n| n.to_string()).collect(),
            valid_from_days: -1,
            valid_until_days: 365,
        }
    }
}

impl Ca {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("generate a CA key");
        let issuer =
            CertifiedIssuer::self_signed(ca_params(name, 3650), key).expect("self-sign the CA");
        Self {
            name: name.to_string(),
            issuer,
            above: Vec::new(),
        }
    }

    /// A new CA whose certificate's subject is `name` (whatever its attributes), called
    /// `label` in what it issues' descriptions.
    pub fn with_name(label: &str, name: DistinguishedName) -> Self {
        let key = KeyPair::generate().expect("generate a CA key");
        let mut params = ca_params(label, 3650);
        params.distinguished_name = name;
        let issuer = CertifiedIssuer::self_signed(params, key).expect("self-sign the CA");
        Self {
            name: label.to_string(),
            issuer,
            above: Vec::new(),
        }
    }

    /// This CA's certificate issued by `other` instead of by itself (same name, same key),
    /// valid until `valid_until_days` from now (negative: expired): a cross-sign, as ISRG
    /// Root X1's by DST Root CA X3, which servers kept sending after it expired.
    pub fn cross_signed_by(&self, other: &Ca, valid_until_days: i64) -> CertificateDer<'static> {
        ca_params(&self.name, valid_until_days)
            .signed_by(self.issuer.key(), &other.issuer)
            .expect("cross-sign the CA")
            .der()
            .clone()
    }

    /// An intermediate CA named `name`, issued by this one, valid for `valid_until_days`
    /// more days: what it issues is presented with it (and this CA) in the chain.
    pub fn intermediate(&self, name: &str, valid_until_days: i64) -> Self {
        let key = KeyPair::generate().expect("generate an intermediate CA key");
        let issuer =
            CertifiedIssuer::signed_by(ca_params(name, valid_until_days), key, &self.issuer)
                .expect("sign the intermediate CA");
        let mut above = vec![self.certificate()];
        above.extend(self.above.iter().cloned());
        Self {
            name: name.to_string(),
            issuer,
            above,
        }
    }

    /// The CA certificate, DER-encoded: what a check trusts.
    pub fn certificate(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// The CA certificate as PEM, for `--tls-ca` files.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Issues a server certificate.
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let key = KeyPair::generate().expect("generate a server key");
        let cert = leaf_params(spec)
            .signed_by(&key, &self.issuer)
            .expect("sign the certificate");
        let mut chain = vec![cert.der().clone(), self.certificate()];
        chain.extend(self.above.iter().cloned());
        Leaf {
            chain,
            key: key.serialize_der(),
            certificate_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A self-signed server certificate.
pub fn self_signed(spec: &LeafSpec) -> Leaf {
    self_sign(leaf_params(spec))
}

/// A self-signed server certificate that says it is a CA (basic constraints CA:TRUE), as
/// `openssl req -x509` makes by default.
pub fn self_signed_ca(spec: &LeafSpec) -> Leaf {
    let mut params = leaf_params(spec);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    self_sign(params)
}

/// A server certificate of `params`, signed with its own new key.
fn self_sign(params: CertificateParams) -> Leaf {
    let key = KeyPair::generate().expect("generate a server key");
    let cert = params.self_signed(&key).expect("self-sign the certificate");
    Leaf {
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
        certificate_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A CA certificate's contents: `name`, valid from a year before its end (or yesterday)
/// until `valid_until_days` from now.
fn ca_params(name: &str, valid_until_days: i64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = days_from_now((valid_until_days - 365).min(-1));
    params.not_after = days_from_now(valid_until_days);
    params
}

fn leaf_params(spec: &LeafSpec) -> CertificateParams {
    let mut params = CertificateParams::new(spec.names.clone()).expect("valid names");
    params.distinguished_name.push(
        DnType::CommonName,
        spec.names.first().map_or("server", String::as_str),
    );
    params.not_before = days_from_now(spec.valid_from_days);
    params.not_after = days_from_now(spec.valid_until_days);
    params
}

fn days_from_now(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(days)
}

impl Leaf {
    /// A rustls server configuration presenting this certificate, offering the given
    /// protocol versions (all that rustls supports when empty).
    pub fn server_config(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = if versions.is_empty() {
            rustls::ALL_VERSIONS
        } else {
            versions
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .expect("valid protocol versions")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .expect("a matching certificate and key");
        Arc::new(config)
    }
}
