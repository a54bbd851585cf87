//! DANE's matching as a hostile DNS server and SMTP server feed it: TLSA records of any
//! fields and data against a presented chain of any bytes are judged without panicking,
//! every record is judged once (matched, unmatched or unusable), a DANE-EE match is the
//! leaf and a DANE-TA match a certificate above it (whose chain check answers, never
//! panics), and a match's data is what the certificate gives.

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
        if record.usage == 2 {
            // Hostile bytes as a chain: an answer, never a panic.
            let _ = dane::anchors(
                &chain,
                matched.certificate,
                "mx.example.test",
                1_800_000_000,
            );
        }
    }
});
