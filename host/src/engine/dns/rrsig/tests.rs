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

/// The signatures over the answer are its owners' of the types it covers; two signatures
/// over one RRset (the owner's case does not make another) count as one RRset, valid until
/// the later expires.
#[test]
fn the_covering_signatures_of_the_owners_count() {
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
    assert!(found.iter().all(|s| s.owner == "example.com"), "{found:?}");
    // Until this branch, the earliest signature counted (5 days): the RRset stays valid
    // while either is (RFC 4035 section 5.3).
    assert_eq!(earliest_expiry(&found, NOW), Some(NOW + 9 * DAY));
    assert_eq!(all_signatures(&records, NOW).len(), 4);
    assert_eq!(earliest_expiry(&[], NOW), None);
}

/// A signature over `covered` at `owner`, valid from `inception` to `expiration`.
fn sig(owner: &str, covered: HickoryType, inception: i64, expiration: i64) -> Signature {
    Signature {
        owner: owner.to_string(),
        covered,
        validity: Validity {
            inception,
            expiration,
        },
    }
}

/// A key or algorithm rollover signs an RRset twice: it is valid until the later expires.
#[test]
fn two_signatures_over_one_rrset_expire_with_the_later() {
    let sigs = [
        sig("example.com", HickoryType::MX, NOW - DAY, NOW + DAY),
        sig("example.com", HickoryType::MX, NOW - DAY, NOW + 20 * DAY),
    ];
    assert_eq!(earliest_expiry(&sigs, NOW), Some(NOW + 20 * DAY));
    // In either order.
    let reversed = [sigs[1].clone(), sigs[0].clone()];
    assert_eq!(earliest_expiry(&reversed, NOW), Some(NOW + 20 * DAY));
}

/// Two RRsets: the answer holds until the first of them loses its last valid signature.
#[test]
fn two_rrsets_expire_with_the_earlier_of_their_latest() {
    let sigs = [
        sig(
            "www.example.com",
            HickoryType::CNAME,
            NOW - DAY,
            NOW + 3 * DAY,
        ),
        sig(
            "www.example.com",
            HickoryType::CNAME,
            NOW - DAY,
            NOW + 8 * DAY,
        ),
        sig("web.example.com", HickoryType::A, NOW - DAY, NOW + 2 * DAY),
        sig("web.example.com", HickoryType::A, NOW - DAY, NOW + 6 * DAY),
        // The same owner, another type: another RRset.
        sig(
            "web.example.com",
            HickoryType::AAAA,
            NOW - DAY,
            NOW + 10 * DAY,
        ),
    ];
    assert_eq!(earliest_expiry(&sigs, NOW), Some(NOW + 6 * DAY));
}

/// A signature out of date does not keep an RRset valid: a stale one that expired, or one
/// not valid yet (a pre-published rollover's), is passed over for the one in date.
#[test]
fn only_signatures_in_date_count_when_there_are_some() {
    let sigs = [
        sig("example.com", HickoryType::MX, NOW - 30 * DAY, NOW - DAY),
        sig("example.com", HickoryType::MX, NOW + DAY, NOW + 40 * DAY),
        sig("example.com", HickoryType::MX, NOW - DAY, NOW + 5 * DAY),
    ];
    assert_eq!(earliest_expiry(&sigs, NOW), Some(NOW + 5 * DAY));
    // The bounds are in date (RFC 4035 section 5.3.1).
    let edge = [sig("example.com", HickoryType::MX, NOW, NOW)];
    assert_eq!(earliest_expiry(&edge, NOW), Some(NOW));
}

/// With no signature in date, the RRset's latest expiration counts.
#[test]
fn with_none_in_date_the_latest_counts() {
    let sigs = [
        sig(
            "example.com",
            HickoryType::MX,
            NOW - 30 * DAY,
            NOW - 3 * DAY,
        ),
        sig("example.com", HickoryType::MX, NOW - 30 * DAY, NOW - DAY),
        sig(
            "example.com",
            HickoryType::MX,
            NOW - 30 * DAY,
            NOW - 2 * DAY,
        ),
    ];
    assert_eq!(earliest_expiry(&sigs, NOW), Some(NOW - DAY));
    // And an RRset with none in date still bounds the answer: it is the earlier.
    let mixed = [
        sigs[0].clone(),
        sig("mx.example.com", HickoryType::A, NOW - DAY, NOW + DAY),
    ];
    assert_eq!(earliest_expiry(&mixed, NOW), Some(NOW - 3 * DAY));
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

/// A bogus answer whose signatures could not be fetched stays bogus from a resolver that
/// does DNSSEC, and says the failure; from one that does not, it is left undecided.
#[test]
fn an_unfetched_bogus_answer_names_the_failure() {
    let lookup = "TLSA _25._tcp.mx.example.com";
    let failure = "RRSIG _25._tcp.mx.example.com: the resolver answered REFUSED";
    let bogus = unfetched_bogus_reason(lookup, failure);
    assert!(bogus.starts_with(lookup), "{bogus}");
    assert!(bogus.contains(failure), "{bogus}");
    assert!(bogus.contains("could not be fetched"), "{bogus}");
    assert!(bogus.contains("root's keys signed"), "{bogus}");
    let undecided = unfetched_reason(lookup, failure, "DNSKEY . came back unsigned");
    assert!(undecided.starts_with(lookup), "{undecided}");
    assert!(undecided.contains(failure), "{undecided}");
    assert!(
        undecided.contains("DNSKEY . came back unsigned"),
        "{undecided}"
    );
    assert!(undecided.contains("issue 3932"), "{undecided}");
}

/// A malformed signature, its inception after its expiration, is neither counted twice
/// nor in date.
#[test]
fn a_signature_out_of_order_is_not_in_date() {
    let backwards = Validity {
        inception: NOW + DAY,
        expiration: NOW - DAY,
    };
    assert!(!backwards.includes(NOW));
    let words = bogus_reason("MX example.com", &[backwards], NOW);
    assert!(words.contains("expired"), "{words}");
}

#[test]
fn elapsed_time_reads_in_the_largest_fitting_unit() {
    assert_eq!(ago(0), "moments ago");
    assert_eq!(ago(150), "2 minutes ago");
    assert_eq!(ago(3 * 3600), "3 hours ago");
    assert_eq!(ago(3 * DAY + 5), "3 days ago");
}
