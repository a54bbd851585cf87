//! A mail domain's published policies as a hostile DNS server and policy host write them:
//! the `_mta-sts` and `_smtp._tls` TXT records and the MTA-STS policy file are read
//! without panicking, and what they yield keeps their rules and bounds; MX host matching
//! ignores case.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::domain::{sts_policy, sts_record, tlsrpt_record};
use smtp_sensor_guest::limits::{MAX_STS_MAX_AGE_SECONDS, MAX_STS_MX_PATTERNS};

fuzz_target!(|input: (Vec<Vec<Vec<u8>>>, Vec<u8>, String, String)| {
    let (records, policy, pattern, host) = input;
    if let Ok(Some(record)) = sts_record::find(&records) {
        assert!((1..=sts_record::MAX_ID_LEN).contains(&record.id.len()));
        assert!(record.id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    if let Ok(Some(record)) = tlsrpt_record::find(&records) {
        assert!(!record.rua.is_empty());
        assert!(record.rua.iter().all(|uri| !uri.destination.is_empty()));
    }
    match sts_policy::parse(&policy) {
        Ok(parsed) => {
            assert!(u64::from(parsed.max_age) <= MAX_STS_MAX_AGE_SECONDS);
            assert!(parsed.mx.len() <= MAX_STS_MX_PATTERNS);
            assert!(parsed.mode == sts_policy::StsMode::None || !parsed.mx.is_empty());
            assert!(parsed.notes.len() <= 4);
            if let Some(found) = parsed.matching(&host) {
                assert!(sts_policy::matches(found, &host.to_ascii_uppercase()));
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
    assert_eq!(
        sts_policy::matches(&pattern, &host),
        sts_policy::matches(&pattern.to_ascii_uppercase(), &host.to_ascii_lowercase())
    );
});
