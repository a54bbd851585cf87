//! The client's TLS configuration, and a certificate verifier that records what the server
//! presented before judging it, so the result can describe a certificate it rejected.

use crate::wit::{ErrorKind, TlsSettings, TlsVersion};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{CryptoProvider, KeyProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};

/// What the server presented, and what verification made of it.
#[derive(Debug, Default, Clone)]
pub struct Presented {
    /// The leaf certificate, DER-encoded.
    pub leaf: Option<Vec<u8>>,
    /// The other certificates the server presented with it, DER-encoded, in its order.
    pub intermediates: Vec<Vec<u8>>,
    /// The path clients use, when verification passed: the leaf, then the intermediates
    /// that lead from it to a trusted root, DER-encoded; never the root itself (its own
    /// dates are not checked: it is trusted as configured). Presented certificates that
    /// are not on it (an expired cross-sign, say) are not here.
    pub path: Vec<Vec<u8>>,
    /// Why verification rejected it; `None` when it passed or was not done.
    pub rejection: Option<Error>,
    /// True when the chain and name were verified and passed.
    pub verified: bool,
    /// True when verification was on (it ran, passed or not).
    pub checked: bool,
    /// What DANE made of the chain, when the handshake was verified by DANE.
    pub dane: Option<super::dane::Verified>,
}

/// The TLSA records a handshake is verified by, in place of the CA roots (RFC 7672 3.1:
/// a DANE sender trusts the matching record, not the CAs), and the host's name that a
/// DANE-TA match's chain must be valid for.
#[derive(Debug, Clone)]
pub struct DaneRecords {
    /// The usable records of a secure TLSA answer.
    pub records: Vec<super::dane::Tlsa>,
    /// The host's name (the MX host's, not the domain's).
    pub name: String,
}

/// Shared between the verifier (inside rustls) and the check that reads it afterwards.
pub type Record = Arc<Mutex<Presented>>;

/// Verifies with webpki (unless verification is off) and records everything.
#[derive(Debug)]
struct RecordingVerifier {
    /// Whether the chain and name are verified (against [`Self::trusted`] and, with
    /// [`Self::builtin`], the built-in roots).
    verify: bool,
    /// The settings' trusted certificates, as anchors.
    trusted: Arc<RootCertStore>,
    /// Whether the built-in roots are trusted too: those that may end the presented chain
    /// are asked for at each handshake (see `builtin_roots`).
    builtin: bool,
    provider: Arc<CryptoProvider>,
    record: Record,
    /// DANE in force: the records decide the handshake; webpki's verdict is recorded.
    dane: Option<DaneRecords>,
}

impl RecordingVerifier {
    /// The roots this handshake's chain is verified against: the trusted certificates, and
    /// the built-in roots that may have issued a presented certificate (copied together
    /// only when both are there).
    fn roots(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> Arc<RootCertStore> {
        let builtin = match self.builtin {
            true => {
                super::builtin_roots::for_chain(std::iter::once(end_entity).chain(intermediates))
            }
            false => Vec::new(),
        };
        if builtin.is_empty() {
            return Arc::clone(&self.trusted);
        }
        let mut roots = self.trusted.roots.clone();
        roots.extend(builtin);
        Arc::new(RootCertStore { roots })
    }

    /// The chain and name verified by webpki against `roots`, as rustls' own verifier does
    /// (it checks no revocation either): the leaf's own faults (dates, a CA as a server's
    /// certificate) come before an unknown issuer, whatever the roots.
    fn pkix(
        &self,
        roots: &RootCertStore,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let leaf = ParsedCertificate::try_from(end_entity)?;
        let algorithms = self.provider.signature_verification_algorithms.all;
        verify_server_cert_signed_by_trust_anchor(&leaf, roots, intermediates, now, algorithms)?;
        verify_server_name(&leaf, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    /// The path from `end_entity` to a trusted root that webpki builds, as the verifier
    /// just did (rustls' verifier does not return it): the leaf and the intermediates used.
    fn path(
        &self,
        roots: &RootCertStore,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Vec<Vec<u8>> {
        let Ok(leaf) = webpki::EndEntityCert::try_from(end_entity) else {
            return Vec::new();
        };
        let verified = leaf.verify_for_usage(
            self.provider.signature_verification_algorithms.all,
            &roots.roots,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        );
        match verified {
            Ok(path) => std::iter::once(end_entity.to_vec())
                .chain(path.intermediate_certificates().map(|c| c.der().to_vec()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let roots = match self.verify {
            true => self.roots(end_entity, intermediates),
            false => Arc::clone(&self.trusted),
        };
        let pkix = match self.verify {
            false => Ok(ServerCertVerified::assertion()),
            true => self.pkix(&roots, end_entity, intermediates, server_name, now),
        };
        let mut record = self
            .record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        record.leaf = Some(end_entity.to_vec());
        record.intermediates = intermediates.iter().map(|c| c.to_vec()).collect();
        record.checked = self.verify;
        record.verified = record.checked && pkix.is_ok();
        record.path = if record.verified {
            self.path(&roots, end_entity, intermediates, now)
        } else {
            Vec::new()
        };
        record.rejection = pkix.as_ref().err().cloned();
        let Some(dane) = &self.dane else {
            return pkix;
        };
        let chain: Vec<Vec<u8>> = std::iter::once(end_entity.to_vec())
            .chain(intermediates.iter().map(|c| c.to_vec()))
            .collect();
        let verified = super::dane::verify(&dane.records, &chain, &dane.name, now.as_secs());
        let passed = verified.passed.is_some();
        record.dane = Some(verified);
        match passed {
            true => Ok(ServerCertVerified::assertion()),
            false => Err(Error::General(DANE_REFUSED.into())),
        }
    }

    // Handshake signatures are always checked, verification on or off: they prove the
    // server holds the key of the certificate it presented.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The crypto a check uses: ring's, with two differences that cost nothing in strength.
/// ChaCha20-Poly1305 comes first: without AES instructions (WebAssembly has none) it is the
/// faster of the equally strong AEADs, and servers that honour the client's order pick it.
/// And no private-key support: a check never presents a client certificate, so ring's
/// signing code stays out of the component.
/// Signatures are verified and keys agreed by the host (see `signatures` and
/// `key_agreement`).
pub fn provider() -> CryptoProvider {
    use rustls::crypto::ring::cipher_suite::*;
    CryptoProvider {
        cipher_suites: vec![
            TLS13_CHACHA20_POLY1305_SHA256,
            TLS13_AES_128_GCM_SHA256,
            TLS13_AES_256_GCM_SHA384,
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
        kx_groups: super::key_agreement::GROUPS.to_vec(),
        signature_verification_algorithms: super::signatures::delegated(),
        secure_random: &SystemRandom,
        key_provider: &NoPrivateKeys,
    }
}

/// Randomness from ring's system source (on WASI, `wasi:random`).
#[derive(Debug)]
struct SystemRandom;

impl rustls::crypto::SecureRandom for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), rustls::crypto::GetRandomFailed> {
        use ring::rand::SecureRandom as _;
        ring::rand::SystemRandom::new()
            .fill(buf)
            .map_err(|_| rustls::crypto::GetRandomFailed)
    }
}

/// Refuses every private key: a check has none to present.
#[derive(Debug)]
struct NoPrivateKeys;

impl KeyProvider for NoPrivateKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn rustls::sign::SigningKey>, Error> {
        Err(Error::General(
            "smtp-sensor presents no client certificate".into(),
        ))
    }
}

/// The versions offered with a minimum of TLS 1.2.
const BOTH_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
/// The versions offered with a minimum of TLS 1.3.
const TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];

/// Why a handshake verified by DANE was refused: no usable record verified the chain (the
/// record's `dane` says which matched what).
pub const DANE_REFUSED: &str = "DANE: no TLSA record verifies the presented chain";

/// The settings' trusted certificates as a root store, read once when the plan is made
/// (before any network use) and kept for the first handshake's [`client_config`]; refused
/// when one is not usable as a CA (the error names it), or when a check that verifies the
/// certificate would trust no CA at all.
pub fn trusted_roots(settings: &TlsSettings) -> Result<Arc<RootCertStore>, ErrorKind> {
    let mut roots = RootCertStore::empty();
    // The host hands in only certificates that pass `anchors::check` (it skips a system
    // store's unparsable ones and refuses a --tls-ca file's); another host's are judged here.
    for (i, der) in settings.trusted_certificates.iter().enumerate() {
        roots
            .add(CertificateDer::from(der.as_slice()))
            .map_err(|e| {
                ErrorKind::InvalidSettings(format!(
                    "invalid setting tls.trusted-certificates: certificate {} is not a usable CA \
                 certificate ({e}); give PEM or DER X.509 CA certificates",
                    i + 1
                ))
            })?;
    }
    some_root(settings, settings.builtin_roots || !roots.is_empty())?;
    Ok(Arc::new(roots))
}

/// A check that verifies the certificate must trust some CA.
fn some_root(settings: &TlsSettings, any: bool) -> Result<(), ErrorKind> {
    if settings.verify && !any {
        return Err(ErrorKind::InvalidSettings(
            "invalid setting tls.builtin-roots: no CA is trusted (the built-in roots are off \
             and tls.trusted-certificates is empty); trust some CAs, or turn verification off"
                .into(),
        ));
    }
    Ok(())
}

/// The client configuration for a check: TLS 1.3 and 1.2 (or 1.3 alone, as
/// `min-version` says), the Mozilla roots (asked for by name at each handshake) plus the
/// settings' trusted certificates (`trusted`, from [`trusted_roots`]), and the recording
/// verifier, writing what it saw to `record`, verifying by `dane`'s records instead of the
/// roots when given.
pub fn client_config(
    settings: &TlsSettings,
    trusted: Arc<RootCertStore>,
    dane: Option<DaneRecords>,
    record: Record,
) -> Result<Arc<ClientConfig>, ErrorKind> {
    let provider = Arc::new(provider());
    let verifier = RecordingVerifier {
        verify: settings.verify,
        trusted,
        builtin: settings.builtin_roots,
        provider: provider.clone(),
        record,
        dane,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(match settings.min_version {
            TlsVersion::Tls12 => BOTH_VERSIONS,
            TlsVersion::Tls13 => TLS13_ONLY,
        })
        .map_err(|e| ErrorKind::InvalidSettings(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name the certificate must match (and, for DNS names, the SNI): the override when
/// given, else the host. IP literals are matched as addresses and send no SNI.
pub fn server_name(
    host: &str,
    name_override: Option<&str>,
) -> Result<ServerName<'static>, ErrorKind> {
    // A host in a numeric IPv4 form (`127.1`) is the address it means, here too.
    let canonical = crate::settings::canonical_host(host);
    let name = name_override.unwrap_or(&canonical);
    let unbracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    ServerName::try_from(unbracketed.to_string()).map_err(|_| {
        ErrorKind::InvalidSettings(format!(
            "invalid setting tls.server-name: {name:?} is neither a DNS name nor an IP address"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(verify: bool, trusted: Vec<Vec<u8>>) -> TlsSettings {
        TlsSettings {
            trusted_certificates: trusted,
            builtin_roots: true,
            server_name: None,
            verify,
            certificate_warning_days: 14,
            certificate_critical_days: 0,
            min_version: TlsVersion::Tls12,
        }
    }

    /// The provider offers what rustls' default ring provider offers, in another order and
    /// without private keys: the tables written out here cannot drift from rustls'.
    #[test]
    fn the_provider_matches_rustls_ring_defaults() {
        let ours = provider();
        let theirs = rustls::crypto::ring::default_provider();
        let suites = |p: &CryptoProvider| {
            let mut names: Vec<String> = p
                .cipher_suites
                .iter()
                .map(|s| format!("{:?}", s.suite()))
                .collect();
            names.sort();
            names
        };
        assert_eq!(suites(&ours), suites(&theirs));
        assert_eq!(
            format!("{:?}", ours.cipher_suites[0].suite()),
            "TLS13_CHACHA20_POLY1305_SHA256"
        );
        let groups = |p: &CryptoProvider| -> Vec<String> {
            p.kx_groups
                .iter()
                .map(|g| format!("{:?}", g.name()))
                .collect()
        };
        assert_eq!(groups(&ours), groups(&theirs));
        type Alg = &'static dyn rustls::pki_types::SignatureVerificationAlgorithm;
        let ids = |algs: &[Alg]| -> Vec<(Vec<u8>, Vec<u8>)> {
            algs.iter()
                .map(|a| {
                    (
                        a.public_key_alg_id().as_ref().to_vec(),
                        a.signature_alg_id().as_ref().to_vec(),
                    )
                })
                .collect()
        };
        let (ours_algs, theirs_algs) = (
            ours.signature_verification_algorithms,
            theirs.signature_verification_algorithms,
        );
        assert_eq!(ids(ours_algs.all), ids(theirs_algs.all));
        assert_eq!(ours_algs.mapping.len(), theirs_algs.mapping.len());
        for (a, b) in ours_algs.mapping.iter().zip(theirs_algs.mapping) {
            assert_eq!(a.0, b.0);
            assert_eq!(ids(a.1), ids(b.1), "{:?}", a.0);
        }
        let mut bytes = [0u8; 32];
        ours.secure_random.fill(&mut bytes).unwrap();
        assert_ne!(bytes, [0u8; 32]);
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(vec![0x30, 0x00].into());
        assert!(ours.key_provider.load_private_key(key).is_err());
    }

    #[test]
    fn names() {
        assert!(matches!(
            server_name("mail.example.com", None),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(
            server_name("127.0.0.1", None),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name("[::1]", None),
            Ok(ServerName::IpAddress(_))
        ));
        assert_eq!(
            server_name("127.1", None).unwrap().to_str(),
            "127.0.0.1",
            "a numeric form is the address it means"
        );
        let overridden = server_name("127.0.0.1", Some("mail.example.com")).unwrap();
        assert_eq!(overridden.to_str(), "mail.example.com");
        assert!(server_name("x", Some("bad name")).is_err());
    }

    #[test]
    fn configs() {
        let config = |settings: &TlsSettings| {
            trusted_roots(settings)
                .and_then(|trusted| client_config(settings, trusted, None, Record::default()))
        };
        assert!(config(&tls(true, vec![])).is_ok());
        assert!(config(&tls(false, vec![])).is_ok());
        let garbage = tls(true, vec![b"not a certificate".to_vec()]);
        let bad = config(&garbage).unwrap_err();
        assert!(matches!(bad, ErrorKind::InvalidSettings(ref m) if m.contains("certificate 1")));
        assert_eq!(
            trusted_roots(&garbage).err(),
            Some(bad),
            "the plan's check says the same"
        );
        assert!(trusted_roots(&tls(true, vec![])).is_ok());
    }

    /// The leaf's own faults come first, whatever roots the check asked for: an expired
    /// self-signed certificate is expired, with the built-in roots alone as with a CA given.
    #[test]
    fn an_expired_self_signed_certificate_is_expired_whatever_the_roots() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["mail.example.com".into()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let expired = params.self_signed(&key).unwrap();
        let some_ca = rcgen::CertificateParams::new(Vec::new())
            .unwrap()
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap();
        for trusted in [Vec::new(), vec![some_ca.der().clone()]] {
            let mut store = RootCertStore::empty();
            store.add_parsable_certificates(trusted);
            let verifier = RecordingVerifier {
                verify: true,
                trusted: Arc::new(store),
                builtin: true,
                provider: Arc::new(provider()),
                record: Record::default(),
                dane: None,
            };
            let verdict = verifier.verify_server_cert(
                expired.der(),
                &[],
                &ServerName::try_from("mail.example.com").unwrap(),
                &[],
                UnixTime::now(),
            );
            assert!(
                matches!(
                    verdict,
                    Err(Error::InvalidCertificate(
                        rustls::CertificateError::ExpiredContext { .. }
                    ))
                ),
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn without_the_builtin_roots_only_the_given_cas_are_trusted() {
        let mut none_trusted = tls(true, Vec::new());
        none_trusted.builtin_roots = false;
        let config = |settings: &TlsSettings| {
            trusted_roots(settings)
                .and_then(|trusted| client_config(settings, trusted, None, Record::default()))
        };
        let Err(ErrorKind::InvalidSettings(why)) = config(&none_trusted) else {
            panic!("a verifier with nothing to trust")
        };
        assert!(why.contains("no CA is trusted"), "{why}");
        assert!(
            trusted_roots(&none_trusted).is_err(),
            "the plan's check refuses it too"
        );
        none_trusted.verify = false;
        assert!(config(&none_trusted).is_ok(), "nothing to verify");
        assert!(trusted_roots(&none_trusted).is_ok());
    }
}
