//! DANE's matching as a hostile DNS server and SMTP server feed it: TLSA records of any
//! fields and data against a presented chain of any bytes are judged without panicking,
//! every record is judged once (matched, unmatched or unusable), a DANE-EE match is the
//! leaf and a DANE-TA match a certificate above it (whose chain check answers, never
//! panics), and a match's data is what the certificate gives. Verification as a DANE
//! sender makes it (`verify`) passes only on a DANE-EE match of the leaf or a DANE-TA match
//! that anchors the chain, and fails exactly when no match does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::tlsa_matching::{self as dane, Tlsa};

fuzz_target!(|input: (Vec<(u8, u8, u8, Vec<u8>)>, Vec<Vec<u8>>)| {
    let (fields, chain) = input;
    let records: Vec<Tlsa> = fields
        .into_iter()
        .take(16)
        .map(|(usage, selector, matching_type, data)| Tlsa {
            usage,
            selector,
            matching_type,
            data,
        })
        .collect();
    let chain: Vec<Vec<u8>> = chain.into_iter().take(4).collect();
    let judged = dane::judge(&records, &chain);
    assert_eq!(
        judged.matched.len() + judged.unmatched.len() + judged.unusable.len(),
        records.len()
    );
    for matched in &judged.matched {
        let record = &records[matched.record];
        match record.usage {
            3 => assert_eq!(matched.certificate, 0),
            2 => assert!(matched.certificate >= 1),
            other => panic!("usage {other} matched"),
        }
        let given = dane::association(
            &chain[matched.certificate],
            record.selector,
            record.matching_type,
        );
        assert_eq!(given.as_deref(), Some(&record.data[..]));
    }
    // Verification: the chain check of each DANE-TA match answers, never panics.
    let verified = dane::verify(&records, &chain, "mx.example.test", NOW);
    assert_eq!(verified.judged, judged);
    let anchored =
        |m: &dane::Matched| dane::anchors(&chain, m.certificate, "mx.example.test", NOW).is_ok();
    if let Some(passed) = verified.passed {
        let usage = records[passed.record].usage;
        assert!(usage == 3 || (usage == 2 && anchored(&passed)));
    }
    for (record, _) in &verified.unanchored {
        assert_eq!(records[*record].usage, 2);
    }
    let any_pass = judged
        .matched
        .iter()
        .any(|m| records[m.record].usage == 3 || anchored(m));
    assert_eq!(verified.passed.is_some(), any_pass);
});

/// The verification's time, Unix seconds.
const NOW: u64 = 1_800_000_000;
