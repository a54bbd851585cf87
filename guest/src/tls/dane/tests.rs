use super::*;

/// A CA and a leaf it issued for `mx.example.test`, both DER.
fn chain() -> (Vec<u8>, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["mx.example.test".into()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    (leaf.der().to_vec(), ca_cert.der().to_vec())
}

fn record(usage: u8, selector: u8, matching_type: u8, data: Vec<u8>) -> Tlsa {
    Tlsa {
        usage,
        selector,
        matching_type,
        data,
    }
}

#[test]
fn the_public_key_info_is_the_certificates_own() {
    let (leaf, _) = chain();
    let spki = Leaf::public_key_info(&leaf).unwrap();
    // The same bytes x509-cert finds, re-encoded.
    use x509_cert::der::{Decode, Encode};
    let parsed = x509_cert::Certificate::from_der(&leaf).unwrap();
    let expected = parsed
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    assert_eq!(spki, &expected[..]);
    assert_eq!(Leaf::public_key_info(&[0x30, 0x03, 0x02, 0x01, 0x05]), None);
}

#[test]
fn dane_ee_matches_the_leaf_by_key_or_certificate_in_every_matching_type() {
    let (leaf, ca) = chain();
    let chain = vec![leaf.clone(), ca];
    let spki = Leaf::public_key_info(&leaf).unwrap().to_vec();
    let sha256 = |b: &[u8]| digest::digest(&digest::SHA256, b).as_ref().to_vec();
    let sha512 = |b: &[u8]| digest::digest(&digest::SHA512, b).as_ref().to_vec();
    for (selector, matching_type, data) in [
        (1, 1, sha256(&spki)),
        (1, 2, sha512(&spki)),
        (1, 0, spki.clone()),
        (0, 1, sha256(&leaf)),
        (0, 0, leaf.clone()),
    ] {
        let judged = judge(&[record(3, selector, matching_type, data)], &chain);
        assert_eq!(
            judged.matched,
            [Matched {
                record: 0,
                certificate: 0
            }],
            "3 {selector} {matching_type}"
        );
    }
}

#[test]
fn dane_ta_matches_a_certificate_above_the_leaf_never_the_leaf() {
    let (leaf, ca) = chain();
    let chain = vec![leaf.clone(), ca.clone()];
    let ca_key = association(&ca, 1, 1).unwrap();
    let judged = judge(&[record(2, 1, 1, ca_key)], &chain);
    assert_eq!(
        judged.matched,
        [Matched {
            record: 0,
            certificate: 1
        }]
    );
    // The leaf's own key as DANE-TA: no trust anchor was presented.
    let leaf_key = association(&leaf, 1, 1).unwrap();
    let judged = judge(&[record(2, 1, 1, leaf_key)], &chain);
    assert_eq!(judged.unmatched, [0]);
}

#[test]
fn a_rolled_key_leaves_its_record_unmatched_and_a_standby_is_counted() {
    let (leaf, ca) = chain();
    let (other_leaf, _) = chain();
    let current = association(&leaf, 1, 1).unwrap();
    let standby = association(&other_leaf, 1, 1).unwrap();
    let records = [record(3, 1, 1, standby.clone()), record(3, 1, 1, current)];
    let judged = judge(&records, &[leaf.clone(), ca.clone()]);
    assert!(judged.any_match());
    assert_eq!(judged.matched[0].record, 1);
    assert_eq!(judged.unmatched, [0], "the standby key");
    // The server rolled to a key with no record: nothing matches.
    let judged = judge(&[record(3, 1, 1, standby)], &[leaf, ca]);
    assert!(!judged.any_match() && judged.unmatched == [0]);
}

#[test]
fn pkix_and_unknown_kinds_are_unusable_for_smtp_and_said_so() {
    let (leaf, ca) = chain();
    let key = association(&leaf, 1, 1).unwrap();
    let records = [
        record(1, 1, 1, key.clone()),
        record(0, 1, 1, key.clone()),
        record(4, 1, 1, key.clone()),
        record(3, 2, 1, key.clone()),
        record(3, 1, 3, key),
    ];
    let judged = judge(&records, &[leaf, ca]);
    assert!(judged.only_unusable());
    let why: Vec<&str> = judged.unusable.iter().map(|(_, w)| w.as_str()).collect();
    assert!(
        why[0].starts_with("usage 1 (PKIX-EE) is not for SMTP"),
        "{why:?}"
    );
    assert!(why[1].starts_with("usage 0 (PKIX-TA)"), "{why:?}");
    assert_eq!(why[2], "usage 4 is unknown");
    assert_eq!(why[3], "selector 2 is unknown");
    assert_eq!(why[4], "matching type 3 is unknown");
}

#[test]
fn a_record_is_written_as_zone_files_write_it() {
    let r = record(3, 1, 1, vec![0xab, 0x01]);
    assert_eq!(r.presentation(), "3 1 1 AB01");
}

#[test]
fn no_chain_matches_nothing_and_never_panics() {
    let judged = judge(
        &[record(3, 1, 1, vec![1; 32]), record(2, 0, 0, vec![2])],
        &[],
    );
    assert_eq!(judged.unmatched, [0, 1]);
    let judged = judge(&[record(3, 1, 1, vec![1; 32])], &[vec![0x30, 0x00]]);
    assert_eq!(judged.unmatched, [0]);
    // A SHA-256 record of one byte is malformed: unusable, never matched.
    let judged = judge(&[record(3, 1, 1, vec![1])], &[vec![0x30, 0x00]]);
    assert!(judged.only_unusable());
}

/// Now, in Unix seconds.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn a_dane_ta_match_anchors_a_chain_valid_for_the_host_name() {
    let (leaf, ca) = chain();
    let chain = vec![leaf, ca];
    assert_eq!(anchors(&chain, 1, "mx.example.test", now()), Ok(()));
    let wrong = anchors(&chain, 1, "other.example.test", now()).unwrap_err();
    assert!(wrong.starts_with("the leaf is not valid for"), "{wrong}");
}

#[test]
fn a_matched_certificate_that_did_not_issue_the_leaf_anchors_nothing() {
    let (leaf, _) = chain();
    let (_, other_ca) = chain();
    let error = anchors(&[leaf, other_ca], 1, "mx.example.test", now()).unwrap_err();
    assert!(error.starts_with("no chain from the leaf"), "{error}");
    assert!(anchors(&[], 1, "mx.example.test", now()).is_err());
}

#[test]
fn verification_passes_on_a_dane_ee_match_or_an_anchored_dane_ta_match_only() {
    let (leaf, ca) = chain();
    let chain = vec![leaf.clone(), ca.clone()];
    let ee = record(3, 1, 1, association(&leaf, 1, 1).unwrap());
    let ta = record(2, 1, 1, association(&ca, 1, 1).unwrap());
    let standby = record(3, 1, 1, vec![0xAB; 32]);
    // DANE-EE: names do not count.
    let passed = verify(&[standby.clone(), ee], &chain, "any.example", now());
    assert_eq!(
        passed.passed,
        Some(Matched {
            record: 1,
            certificate: 0
        })
    );
    assert_eq!(passed.judged.unmatched, [0]);
    // DANE-TA: the leaf must be valid for the name.
    let anchored = verify(std::slice::from_ref(&ta), &chain, "mx.example.test", now());
    assert!(anchored.passed.is_some() && anchored.unanchored.is_empty());
    let elsewhere = verify(&[ta], &chain, "other.example.test", now());
    assert_eq!(elsewhere.passed, None);
    assert_eq!(elsewhere.unanchored.len(), 1);
    assert!(elsewhere.unanchored[0].1.contains("not valid for"));
    assert_eq!(
        verify(&[standby], &chain, "mx.example.test", now()).passed,
        None
    );
    assert_eq!(sha256_hex(b"").len(), 64);
}
