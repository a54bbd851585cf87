use super::*;

fn leaf(subject: &str, issuer: &str) -> Leaf {
    Leaf {
        subject: subject.into(),
        issuer: issuer.into(),
        not_before: 0,
        not_after: 86_400,
    }
}

#[test]
fn certificate_reasons_name_the_problem() {
    let ca_issued = leaf("CN=mail.test", "CN=Test CA");
    let expired = certificate_reason(&CertificateError::Expired, Some(&ca_issued), &[]);
    assert_eq!(
        expired,
        "the certificate expired on 1970-01-02 00:00:00 UTC"
    );
    let unknown = certificate_reason(&CertificateError::UnknownIssuer, Some(&ca_issued), &[]);
    assert!(
        unknown.contains("unknown authority (CN=Test CA)"),
        "{unknown}"
    );
    let own = leaf("CN=mail.test", "CN=mail.test");
    let selfsigned = certificate_reason(&CertificateError::UnknownIssuer, Some(&own), &[]);
    assert!(selfsigned.contains("self-signed"), "{selfsigned}");
    let name = certificate_reason(&CertificateError::NotValidForName, Some(&ca_issued), &[]);
    assert!(name.contains("name mismatch"), "{name}");
    let early = certificate_reason(&CertificateError::NotValidYet, Some(&ca_issued), &[]);
    assert!(
        early.contains("not valid yet: not before 1970-01-01"),
        "{early}"
    );
}

/// webpki's error says which date failed: an expired intermediate is named, with its
/// own date, not the leaf's.
#[test]
fn an_expired_or_early_intermediate_is_named_by_its_own_date() {
    use rustls::pki_types::UnixTime;
    let ca_issued = leaf("CN=mail.test", "CN=Test CA"); // valid 0 .. 86,400
    let intermediate = Leaf {
        subject: "CN=Test Intermediate".into(),
        issuer: "CN=Test CA".into(),
        not_before: 3_600,
        not_after: 43_200,
    };
    let chain = [intermediate];
    let at = |secs| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    let expired = CertificateError::ExpiredContext {
        time: at(50_000),
        not_after: at(43_200),
    };
    assert_eq!(
        certificate_reason(&expired, Some(&ca_issued), &chain),
        "the chain's certificate CN=Test Intermediate expired on 1970-01-01 12:00:00 UTC"
    );
    let leaf_expired = CertificateError::ExpiredContext {
        time: at(90_000),
        not_after: at(86_400),
    };
    assert_eq!(
        certificate_reason(&leaf_expired, Some(&ca_issued), &chain),
        "the certificate expired on 1970-01-02 00:00:00 UTC"
    );
    let early = CertificateError::NotValidYetContext {
        time: at(100),
        not_before: at(3_600),
    };
    assert_eq!(
        certificate_reason(&early, Some(&ca_issued), &chain),
        "the chain's certificate CN=Test Intermediate is not valid yet: not before \
         1970-01-01 01:00:00 UTC"
    );
}

#[test]
fn the_verifiers_unnamed_reasons_are_told_apart() {
    let from_webpki = |error: webpki::Error| {
        let other = rustls::OtherError(std::sync::Arc::new(error));
        let leaf = leaf("CN=mail.test", "CN=mail.test");
        certificate_reason(&CertificateError::Other(other), Some(&leaf), &[])
    };
    let ca = from_webpki(webpki::Error::CaUsedAsEndEntity);
    assert!(
        ca.contains("(CN=mail.test) is a CA certificate") && ca.contains("CA:FALSE"),
        "{ca}"
    );
    let intermediate = from_webpki(webpki::Error::EndEntityUsedAsCa);
    assert!(intermediate.contains("without CA:TRUE"), "{intermediate}");
    let path = from_webpki(webpki::Error::PathLenConstraintViolated);
    assert!(path.contains("path length"), "{path}");
    let other = from_webpki(webpki::Error::UnsupportedCrlVersion);
    assert_eq!(other, "the certificate was rejected: UnsupportedCrlVersion");
    let sha1 = CertificateError::UnsupportedSignatureAlgorithmContext {
        signature_algorithm_id: Vec::new(),
        supported_algorithms: Vec::new(),
    };
    let sha1 = certificate_reason(&sha1, None, &[]);
    assert!(sha1.contains("SHA-1"), "{sha1}");
}

#[test]
fn plain_text_server_is_recognised() {
    let error = Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
    let kind = classify(
        &error,
        None,
        &[],
        b"220 mail.test ESMTP\r\n",
        TlsVersion::Tls12,
    );
    let ErrorKind::TlsFailed(why) = kind else {
        panic!("{kind:?}")
    };
    assert!(
        why.contains("plain text (\"220 mail.test ESMTP\")"),
        "{why}"
    );
    assert!(matches!(
        classify(&error, None, &[], b"\x15\x03\x03", TlsVersion::Tls12),
        ErrorKind::TlsFailed(_)
    ));
}

#[test]
fn alerts_are_named() {
    let error = Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
    let ErrorKind::TlsFailed(why) = classify(&error, None, &[], b"", TlsVersion::Tls12) else {
        panic!()
    };
    assert!(why.contains("HandshakeFailure"), "{why}");
}

#[test]
fn old_protocol_versions_are_named() {
    // A ServerHello choosing TLS 1.0: record header, handshake header, version.
    let hello = [22, 3, 1, 0, 42, 2, 0, 0, 38, 3, 1, 0, 0];
    let error = Error::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13);
    let ErrorKind::TlsFailed(why) = classify(&error, None, &[], &hello, TlsVersion::Tls12) else {
        panic!()
    };
    assert!(
        why.contains("only TLS 1.0") && why.contains("TLS 1.2 and 1.3"),
        "{why}"
    );
    let mut tls11 = hello;
    tls11[10] = 2;
    let ErrorKind::TlsFailed(why) = classify(&error, None, &[], &tls11, TlsVersion::Tls12) else {
        panic!()
    };
    assert!(why.contains("only TLS 1.1"), "{why}");
    let refused = Error::AlertReceived(AlertDescription::ProtocolVersion);
    let ErrorKind::TlsFailed(why) = classify(&refused, None, &[], b"", TlsVersion::Tls13) else {
        panic!()
    };
    assert!(
        why.contains("TLS 1.3 only") && why.contains("only TLS 1.2"),
        "{why}"
    );
}

/// A POP3 or IMAP server that speaks plain text where TLS belongs is told so, with the way
/// out, not in rustls' words ("received corrupt message of type InvalidContentType").
#[test]
fn a_plain_text_mailbox_server_is_recognised_and_the_fix_named() {
    let error = Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
    for greeting in [
        &b"+OK Dovecot ready.\r\n"[..],
        b"* OK [CAPABILITY IMAP4rev1] ready\r\n",
    ] {
        let ErrorKind::TlsFailed(why) = classify(&error, None, &[], greeting, TlsVersion::Tls12)
        else {
            panic!("not a TLS failure")
        };
        assert!(
            why.contains("answered in plain text") && why.contains("use STARTTLS there"),
            "{why}"
        );
        assert!(!why.contains("InvalidContentType"), "{why}");
    }
}

/// A name mismatch names the expected name and the certificate's names as a person writes
/// them, and the flag that sets the name to match.
#[test]
fn a_name_mismatch_is_in_plain_words() {
    use rustls::pki_types::ServerName;
    let mismatch = CertificateError::NotValidForNameContext {
        expected: ServerName::try_from("mail.example.com").unwrap(),
        presented: vec!["DnsName(\"localhost\")".into(), "IpAddress(0::1)".into()],
    };
    let why = certificate_reason(&mismatch, None, &[]);
    assert_eq!(
        why,
        "the certificate is not valid for mail.example.com (name mismatch): it names \
         localhost, 0::1; check the host, or give the name it should match \
         (--tls-server-name, or --mailbox-tls-server-name on the mailbox side)"
    );
    let ca_issued = leaf("CN=mail.test", "CN=Test CA");
    let unknown = certificate_reason(&CertificateError::UnknownIssuer, Some(&ca_issued), &[]);
    assert!(
        unknown.contains("--tls-ca FILE") && unknown.contains("--tls-no-verify"),
        "{unknown}"
    );
}
