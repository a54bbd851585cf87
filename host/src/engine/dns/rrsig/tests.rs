use super::*;
use hickory_resolver::proto::dnssec::Algorithm;
use hickory_resolver::proto::dnssec::rdata::RRSIG;
use hickory_resolver::proto::rr::rdata::A;
use hickory_resolver::proto::rr::{Name, SerialNumber};

/// 2026-01-01 00:00:00 UTC.
const NOW: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

/// An RRSIG record over `covered` at `owner`, valid from `inception` to `expiration`.
pub fn rrsig(owner: &str, covered: HickoryType, inception: i64, expiration: i64) -> Record {
    let input = SigInput {
        type_covered: covered,
        algorithm: Algorithm::ECDSAP256SHA256,
        num_labels: 2,
        original_ttl: 300,
        sig_expiration: SerialNumber::new(expiration as u32),
        sig_inception: SerialNumber::new(inception as u32),
        key_tag: 12345,
        signer_name: Name::from_ascii("example.com.").unwrap(),
    };
    Record::from_rdata(
        Name::from_ascii(owner).unwrap(),
        300,
        RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, vec![0; 64]))),
    )
}

#[test]
fn rrsig_times_are_the_serial_number_nearest_now() {
    assert_eq!(serial_time(NOW as u32 + 100, NOW), NOW + 100);
    assert_eq!(serial_time(NOW as u32 - 100, NOW), NOW - 100);
    // In 2106 the field wraps: a time just past it is read forward, not 136 years back.
    let late = (1_i64 << 32) - 10;
    assert_eq!(serial_time(5, late), (1_i64 << 32) + 5);
    assert_eq!(serial_time(u32::MAX, 20 + (1_i64 << 32)), (1_i64 << 32) - 1);
}

#[test]
fn the_earliest_covering_signature_of_the_owners_counts() {
    let records = [
        rrsig("example.com.", HickoryType::MX, NOW - DAY, NOW + 9 * DAY),
        rrsig("Example.com.", HickoryType::MX, NOW - DAY, NOW + 5 * DAY),
        // Another type's, another owner's: not over the answer.
        rrsig("example.com.", HickoryType::TXT, NOW - DAY, NOW + DAY),
        rrsig("other.example.com.", HickoryType::MX, NOW - DAY, NOW + DAY),
        Record::from_rdata(
            Name::from_ascii("example.com.").unwrap(),
            300,
            RData::A(A::new(192, 0, 2, 1)),
        ),
    ];
    let found = signatures(
        &records,
        &["example.com".to_string()],
        |t| t == HickoryType::MX,
        NOW,
    );
    assert_eq!(found.len(), 2);
    assert_eq!(earliest_expiry(&found), Some(NOW + 5 * DAY));
    assert_eq!(all_signatures(&records, NOW).len(), 4);
    assert_eq!(earliest_expiry(&[]), None);
}

#[test]
fn a_bogus_answer_says_what_its_signatures_show() {
    let lookup = "TLSA _25._tcp.mx.example.com";
    let none = bogus_reason(lookup, &[], NOW);
    assert!(none.starts_with(lookup), "{none}");
    assert!(none.contains("no signatures"), "{none}");
    assert!(none.contains("issue 3932"), "{none}");
    let expired = Validity {
        inception: NOW - 30 * DAY,
        expiration: NOW - 3 * DAY,
    };
    let expired_words = bogus_reason(lookup, &[expired], NOW);
    assert!(
        expired_words.contains("expired, the last at 2025-12-29 00:00:00 UTC (3 days ago)"),
        "{expired_words}"
    );
    let early = Validity {
        inception: NOW + 3600,
        expiration: NOW + 30 * DAY,
    };
    let early_words = bogus_reason(lookup, &[early], NOW);
    assert!(
        early_words.contains("not valid yet, the first from 2026-01-01 01:00:00 UTC"),
        "{early_words}"
    );
    let good = Validity {
        inception: NOW - DAY,
        expiration: NOW + DAY,
    };
    let good_words = bogus_reason(lookup, &[expired, good], NOW);
    assert!(good_words.contains("in date"), "{good_words}");
    assert!(good_words.contains("does not verify"), "{good_words}");
}

#[test]
fn elapsed_time_reads_in_the_largest_fitting_unit() {
    assert_eq!(ago(0), "moments ago");
    assert_eq!(ago(150), "2 minutes ago");
    assert_eq!(ago(3 * 3600), "3 hours ago");
    assert_eq!(ago(3 * DAY + 5), "3 days ago");
}
