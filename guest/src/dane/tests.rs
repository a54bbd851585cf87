use super::health::{Seen, health};
use super::lookup::{DaneLookup, TlsaAnswer, tlsa_name};
use super::verdict;
use crate::bindings::smtp_sensor::probe::dns::RecordType;
use crate::tls::dane::{Matched, Tlsa, Verified};
use crate::tls::facts::TlsFacts;
use crate::wit::{DaneSettings, DaneState, DnssecState, ErrorKind, Phase, Status};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn seen(lookup: &str, state: DnssecState, expiry: Option<i64>) -> Seen {
    Seen {
        lookup: lookup.into(),
        name: lookup.split(' ').nth(1).unwrap_or("").into(),
        record_type: RecordType::Tlsa,
        state,
        reason: matches!(state, DnssecState::Bogus | DnssecState::Indeterminate)
            .then(|| format!("{lookup}: the signature expired")),
        expiry,
    }
}

fn record(usage: u8, data: u8) -> Tlsa {
    Tlsa {
        usage,
        selector: 1,
        matching_type: 1,
        data: vec![data; 32],
    }
}

fn settings(expect_dane: bool, expect_standby: bool) -> DaneSettings {
    DaneSettings {
        expect_dane,
        expect_standby,
        signature_warning_seconds: 3 * DAY as u32,
    }
}

fn lookup(answer: TlsaAnswer, state: DnssecState, expiry: Option<i64>) -> DaneLookup {
    DaneLookup {
        tlsa_name: tlsa_name(25, "MX.Example.test."),
        answer,
        tlsa: health([&seen("TLSA _25._tcp.mx.example.test", state, expiry)]),
        addresses: health([&seen("A mx.example.test", DnssecState::Secure, None)]),
        mx: None,
        address_phase: Phase::NameLookup,
        settings: settings(false, false),
    }
}

/// The verdict of a STARTTLS check of `lookup` whose handshakes showed `facts`.
fn judge(lookup: &DaneLookup, facts: &TlsFacts, reached: bool, now: i64) -> verdict::Judged {
    verdict::judge(lookup, facts, reached, Phase::Starttls, now)
}

/// A handshake that completed without DANE verification.
fn established() -> TlsFacts {
    TlsFacts {
        attempted: true,
        established: true,
        ..TlsFacts::default()
    }
}

/// What a handshake verified by DANE shows: `passed` the record that verified, if any.
fn verified(records: &[Tlsa], matched: &[usize], passed: Option<usize>) -> TlsFacts {
    let judged = crate::tls::dane::Judged {
        matched: matched
            .iter()
            .map(|&record| Matched {
                record,
                certificate: 0,
            })
            .collect(),
        unmatched: (0..records.len())
            .filter(|i| !matched.contains(i))
            .collect(),
        unusable: Vec::new(),
    };
    TlsFacts {
        attempted: true,
        established: passed.is_some(),
        presented_sha256: Some(("AAAA".into(), "BBBB".into())),
        dane: Some(Verified {
            records: records.to_vec(),
            judged,
            passed: passed.map(|record| Matched {
                record,
                certificate: 0,
            }),
            unanchored: Vec::new(),
        }),
        ..TlsFacts::default()
    }
}

#[test]
fn the_tlsa_name_is_the_port_and_the_host_name_as_dns_compares_it() {
    assert_eq!(
        tlsa_name(25, "MX.Example.test."),
        "_25._tcp.mx.example.test"
    );
}

#[test]
fn health_is_the_weakest_answer_and_the_earliest_signature() {
    let h = health([
        &seen("MX example.test", DnssecState::Secure, Some(NOW + 9 * DAY)),
        &seen("A mx.example.test", DnssecState::Insecure, None),
        &seen("TLSA x", DnssecState::Secure, Some(NOW + 2 * DAY)),
    ]);
    assert_eq!(h.state, DnssecState::Insecure);
    assert_eq!(h.earliest_signature_expiry, Some(NOW + 2 * DAY));
    assert_eq!(h.earliest_signature_lookup.as_deref(), Some("TLSA x"));
    let bogus = health([
        &seen("MX example.test", DnssecState::Secure, None),
        &seen("A mx.example.test", DnssecState::Bogus, None),
    ]);
    assert_eq!(bogus.state, DnssecState::Bogus);
    assert!(bogus.reason.unwrap().starts_with("A mx.example.test"));
    assert_eq!(health([]).state, DnssecState::Indeterminate);
}

#[test]
fn a_match_is_up_and_counts_the_standby_record() {
    let records = [record(3, 1), record(3, 2)];
    let lookup = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        Some(NOW + 10 * DAY),
    );
    let judged = judge(&lookup, &verified(&records, &[0], Some(0)), true, NOW);
    assert_eq!(judged.result.state, DaneState::Matched);
    assert!(judged.causes.is_empty(), "{:?}", judged.causes);
    assert_eq!(verdict::counts(&judged.result), Some((1, 1)));
    assert_eq!(judged.result.records[0].matched_certificate, Some(0));
    assert_eq!(judged.result.records[1].matched_certificate, None);
    assert!(
        judged.result.message.contains("3 1 1 0101"),
        "{}",
        judged.result.message
    );
}

#[test]
fn one_record_without_a_standby_warns_only_when_a_standby_is_expected() {
    let records = [record(3, 1)];
    let mut lookup = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        None,
    );
    let facts = verified(&records, &[0], Some(0));
    assert!(judge(&lookup, &facts, true, NOW).causes.is_empty());
    lookup.settings = settings(false, true);
    let judged = judge(&lookup, &facts, true, NOW);
    assert!(
        matches!(&judged.causes[0], (Status::Warning, f) if matches!(&f.kind, ErrorKind::DaneWeak(w) if w.contains("no standby")))
    );
}

#[test]
fn no_match_is_down_with_the_presented_key_beside_the_records() {
    let records = [record(3, 9)];
    let lookup = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        None,
    );
    let judged = judge(&lookup, &verified(&records, &[], None), true, NOW);
    assert_eq!(judged.result.state, DaneState::NotMatched);
    let (status, failure) = &judged.causes[0];
    assert_eq!(*status, Status::Down);
    let ErrorKind::DaneMismatch(words) = &failure.kind else {
        panic!("{failure:?}")
    };
    assert!(
        words.contains("SHA-256 is AAAA") && words.contains("3 1 1 0909"),
        "{words}"
    );
    assert_eq!(verdict::counts(&judged.result), Some((0, 1)));
}

#[test]
fn in_force_without_tls_is_down_once_the_server_was_reached() {
    let records = [record(3, 1)];
    let lookup = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        None,
    );
    let judged = judge(&lookup, &TlsFacts::default(), true, NOW);
    assert_eq!(judged.result.state, DaneState::NoTls);
    assert!(
        matches!(&judged.causes[0], (Status::Down, f) if matches!(f.kind, ErrorKind::DaneFailed(_)))
    );
    let unreached = judge(&lookup, &TlsFacts::default(), false, NOW);
    assert!(
        unreached.causes.is_empty(),
        "the host's own failure says it"
    );
}

#[test]
fn records_dnssec_does_not_vouch_for_are_not_in_force_and_warn_only_when_expected() {
    let records = vec![record(3, 1)];
    let mut insecure = lookup(
        TlsaAnswer::Records(records.clone()),
        DnssecState::Insecure,
        None,
    );
    assert!(insecure.in_force().is_none());
    let judged = judge(&insecure, &TlsFacts::default(), true, NOW);
    assert_eq!(judged.result.state, DaneState::NotSecure);
    assert!(judged.causes.is_empty());
    insecure.settings = settings(true, false);
    let judged = judge(&insecure, &TlsFacts::default(), true, NOW);
    assert!(
        matches!(&judged.causes[0], (Status::Warning, f) if matches!(f.kind, ErrorKind::DaneWeak(_)))
    );
    let mut none = lookup(TlsaAnswer::NoRecords, DnssecState::Secure, None);
    assert_eq!(
        judge(&none, &TlsFacts::default(), true, NOW).result.state,
        DaneState::NotPublished
    );
    none.settings = settings(true, false);
    assert_eq!(
        judge(&none, &TlsFacts::default(), true, NOW).causes.len(),
        1
    );
}

#[test]
fn pkix_records_alone_are_unusable_and_warn() {
    let records = vec![record(1, 1), record(0, 2)];
    let lookup = lookup(TlsaAnswer::Records(records), DnssecState::Secure, None);
    assert!(lookup.in_force().is_none());
    let judged = judge(&lookup, &established(), true, NOW);
    assert_eq!(judged.result.state, DaneState::Unusable);
    assert_eq!(judged.causes[0].0, Status::Warning);
    assert!(judged.result.records.iter().all(|r| r.unusable.is_some()));
}

#[test]
fn a_bogus_answer_is_down_never_up_and_a_failed_lookup_defers() {
    let records = [record(3, 1)];
    let bogus = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Bogus,
        None,
    );
    // Even with a handshake that matched (records taken unvalidated), bogus stays down.
    let judged = judge(&bogus, &verified(&records, &[0], Some(0)), true, NOW);
    assert_eq!(judged.result.state, DaneState::Bogus);
    assert!(
        matches!(&judged.causes[0], (Status::Down, f) if matches!(&f.kind, ErrorKind::DnssecBogus(w) if w.contains("signature expired")))
    );
    let failed = lookup(
        TlsaAnswer::Failed("SERVFAIL".into()),
        DnssecState::Indeterminate,
        None,
    );
    let judged = judge(&failed, &TlsFacts::default(), true, NOW);
    assert_eq!(judged.result.state, DaneState::LookupFailed);
    assert_eq!(judged.causes[0].0, Status::Down);
}

#[test]
fn signatures_expiring_within_the_warning_warn_and_name_the_lookup() {
    let records = [record(3, 1)];
    let soon = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        Some(NOW + 2 * DAY),
    );
    let judged = judge(&soon, &verified(&records, &[0], Some(0)), true, NOW);
    assert_eq!(judged.result.state, DaneState::Matched);
    let (status, failure) = &judged.causes[0];
    assert_eq!(*status, Status::Warning);
    assert!(
        matches!(&failure.kind, ErrorKind::DnssecSignaturesExpiring(w) if w.contains("TLSA _25._tcp.mx.example.test") && w.contains("2.0 days"))
    );
    let later = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        Some(NOW + 4 * DAY),
    );
    assert!(
        judge(&later, &verified(&records, &[0], Some(0)), true, NOW)
            .causes
            .is_empty()
    );
}

#[test]
fn the_channels_tell_the_state_the_counts_and_the_days() {
    let records = [record(3, 1), record(3, 2)];
    let lookup = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        Some(NOW + 2 * DAY + 3600),
    );
    let matched = judge(&lookup, &verified(&records, &[0], Some(0)), true, NOW).result;
    let list = verdict::channels(&[&matched], None, NOW);
    let value = |list: &[crate::wit::Channel], name: &str| {
        list.iter().find(|c| c.name == name).map(|c| c.value)
    };
    assert_eq!(value(&list, "DANE"), Some(2.0));
    assert_eq!(value(&list, "DANE Matched"), Some(1.0));
    assert_eq!(value(&list, "DANE Standby"), Some(1.0));
    assert_eq!(value(&list, "DNSSEC"), Some(2.0));
    assert_eq!(value(&list, "DNSSEC Signature Expiry"), Some(2.0));
    // A domain: the weakest host, the fewest counts, the weakest DNSSEC.
    let unsigned = judge(
        &super::lookup::DaneLookup {
            answer: TlsaAnswer::NoRecords,
            ..lookup.clone()
        },
        &TlsFacts::default(),
        true,
        NOW,
    )
    .result;
    let bogus_domain = health([&seen("MX example.test", DnssecState::Bogus, None)]);
    let both = verdict::channels(&[&matched, &unsigned], Some(&bogus_domain), NOW);
    assert_eq!(value(&both, "DANE"), Some(1.0));
    assert_eq!(value(&both, "DANE Matched"), Some(1.0));
    assert_eq!(value(&both, "DNSSEC"), Some(0.0));
}

#[test]
fn senders_look_up_no_tlsa_behind_names_that_are_not_secure() {
    // An unsigned MX or addresses: a TLSA failure or a bogus TLSA answer changes nothing.
    let mut failed = lookup(
        TlsaAnswer::Failed("SERVFAIL".into()),
        DnssecState::Indeterminate,
        None,
    );
    failed.mx = Some(DnssecState::Insecure);
    let judged = judge(&failed, &established(), true, NOW);
    assert_eq!(judged.result.state, DaneState::NotPublished);
    assert!(judged.causes.is_empty(), "{:?}", judged.causes);
    assert!(
        judged
            .result
            .message
            .contains("MX records are DNSSEC-insecure")
    );
    let mut bogus = lookup(
        TlsaAnswer::Records(vec![record(3, 1)]),
        DnssecState::Bogus,
        None,
    );
    bogus.addresses = health([&seen("A mx.example.test", DnssecState::Insecure, None)]);
    let judged = judge(&bogus, &established(), true, NOW);
    assert_eq!(judged.result.state, DaneState::NotSecure);
    assert!(judged.causes.is_empty());
    // Bogus addresses fail every validating sender: down, in the addresses' phase.
    bogus.addresses = health([&seen("A mx.example.test", DnssecState::Bogus, None)]);
    let judged = judge(&bogus, &established(), true, NOW);
    assert_eq!(judged.result.state, DaneState::Bogus);
    assert_eq!(judged.causes[0].1.phase, Phase::NameLookup);
}

#[test]
fn an_unvalidated_tlsa_answer_on_secure_names_defers_like_a_failure() {
    let unknown = lookup(
        TlsaAnswer::Records(vec![record(3, 1)]),
        DnssecState::Indeterminate,
        None,
    );
    let judged = judge(&unknown, &established(), true, NOW);
    assert_eq!(judged.result.state, DaneState::LookupFailed);
    assert!(
        matches!(&judged.causes[0], (Status::Down, f) if matches!(f.kind, ErrorKind::DaneFailed(_)) && f.phase == Phase::TlsaLookup)
    );
}

#[test]
fn unusable_records_still_require_tls() {
    let pkix = lookup(
        TlsaAnswer::Records(vec![record(1, 1)]),
        DnssecState::Secure,
        None,
    );
    let judged = judge(&pkix, &TlsFacts::default(), true, NOW);
    assert_eq!(judged.result.state, DaneState::NoTls);
    assert!(
        judged
            .result
            .message
            .contains("none of a kind SMTP can use")
    );
    assert_eq!(judged.causes[0].0, Status::Down);
    assert_eq!(judged.causes[0].1.phase, Phase::Starttls);
    let implicit = verdict::judge(&pkix, &TlsFacts::default(), true, Phase::TlsHandshake, NOW);
    assert_eq!(implicit.causes[0].1.phase, Phase::TlsHandshake);
}

#[test]
fn a_sha256_record_beside_a_sha512_one_is_ignored_and_malformed_records_are_unusable() {
    let sha512 = Tlsa {
        usage: 3,
        selector: 1,
        matching_type: 2,
        data: vec![5; 64],
    };
    let records = vec![record(3, 1), sha512, record(2, 1)];
    let screened = crate::tls::dane::screen(&records);
    assert!(
        screened[0].as_deref().unwrap().contains("RFC 7671"),
        "{screened:?}"
    );
    assert_eq!(screened[1], None);
    assert_eq!(screened[2], None, "another usage keeps its SHA-256");
    let short = Tlsa {
        data: vec![1; 31],
        ..record(3, 1)
    };
    assert!(short.unusable().unwrap().contains("31 bytes"));
    let empty = Tlsa {
        matching_type: 0,
        data: Vec::new(),
        ..record(3, 1)
    };
    assert!(empty.unusable().is_some());
}

#[test]
fn a_standby_is_a_usable_record_matching_nothing_presented() {
    let records = [record(3, 1), record(3, 2)];
    let mut both = lookup(
        TlsaAnswer::Records(records.to_vec()),
        DnssecState::Secure,
        None,
    );
    both.settings = settings(false, true);
    // Both match the chain (the key and the certificate of one leaf, say): no standby.
    let judged = judge(&both, &verified(&records, &[0, 1], Some(0)), true, NOW);
    assert!(
        matches!(&judged.causes[0], (Status::Warning, f) if matches!(f.kind, ErrorKind::DaneWeak(_)))
    );
    let judged = judge(&both, &verified(&records, &[0], Some(0)), true, NOW);
    assert!(judged.causes.is_empty());
}

#[test]
fn a_mismatch_names_at_most_four_records_cut_short() {
    let records: Vec<Tlsa> = (1..=6).map(|n| record(3, n)).collect();
    let words = super::words::mismatch(
        verified(&records, &[], None).dane.as_ref().unwrap(),
        &verified(&records, &[], None),
    );
    assert!(words.contains("and 2 more"), "{words}");
    assert!(words.len() < 400, "{words}");
}
