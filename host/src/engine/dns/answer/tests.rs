use super::*;
use hickory_resolver::proto::op::Query;
use hickory_resolver::proto::rr::rdata::{A, CNAME, MX, TXT};
use hickory_resolver::proto::rr::{Name, RecordType as HickoryType};

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

fn record(owner: &str, ttl: u32, data: RData, proof: Proof) -> Record {
    let mut record = Record::from_rdata(name(owner), ttl, data);
    record.proof = proof;
    record
}

fn lookup(owner: &str, kind: HickoryType, records: Vec<Record>) -> Lookup {
    Lookup::new_with_max_ttl(Query::query(name(owner), kind), records)
}

#[test]
fn mx_records_keep_their_preferences_and_the_least_ttl() {
    let found = lookup(
        "example.com.",
        HickoryType::MX,
        vec![
            record(
                "example.com.",
                300,
                RData::MX(MX::new(10, name("MX1.example.com."))),
                Proof::Secure,
            ),
            record(
                "example.com.",
                60,
                RData::MX(MX::new(20, name("mx2.example.com."))),
                Proof::Secure,
            ),
        ],
    );
    let answer = from_lookup("Example.com.", RecordType::Mx, &found);
    assert_eq!(answer.name, "example.com");
    assert_eq!(answer.outcome, Outcome::Records);
    assert_eq!(answer.ttl, 60);
    assert_eq!(answer.dnssec, DnssecStatus::Secure);
    assert_eq!(
        answer.records,
        vec![
            RecordData::Mx(Mx {
                preference: 10,
                exchange: "mx1.example.com".into()
            }),
            RecordData::Mx(Mx {
                preference: 20,
                exchange: "mx2.example.com".into()
            }),
        ]
    );
    assert_eq!(answer.canonical_name, None);
}

#[test]
fn a_null_mx_names_the_root_as_an_empty_exchange() {
    let found = lookup(
        "example.com.",
        HickoryType::MX,
        vec![record(
            "example.com.",
            60,
            RData::MX(MX::new(0, Name::root())),
            Proof::Insecure,
        )],
    );
    let answer = from_lookup("example.com", RecordType::Mx, &found);
    assert_eq!(
        answer.records,
        vec![RecordData::Mx(Mx {
            preference: 0,
            exchange: String::new()
        })]
    );
    assert_eq!(answer.dnssec, DnssecStatus::Insecure);
}

#[test]
fn a_cname_followed_is_the_canonical_name_and_the_weakest_proof_wins() {
    let found = lookup(
        "www.example.com.",
        HickoryType::A,
        vec![
            record(
                "www.example.com.",
                30,
                RData::CNAME(CNAME(name("host.example.net."))),
                Proof::Secure,
            ),
            record(
                "host.example.net.",
                300,
                RData::A(A::new(192, 0, 2, 1)),
                Proof::Indeterminate,
            ),
        ],
    );
    let answer = from_lookup("www.example.com", RecordType::A, &found);
    assert_eq!(answer.records, vec![RecordData::A((192, 0, 2, 1))]);
    assert_eq!(answer.canonical_name.as_deref(), Some("host.example.net"));
    assert_eq!(answer.ttl, 30);
    assert!(
        matches!(answer.dnssec, DnssecStatus::Indeterminate(ref why) if why.starts_with("A www.example.com"))
    );
}

#[test]
fn txt_strings_stay_apart_and_bytes_stay_bytes() {
    let txt = TXT::from_bytes(vec![b"v=STSv1; ".as_slice(), b"id=\xff1".as_slice()]);
    let found = lookup(
        "_mta-sts.example.com.",
        HickoryType::TXT,
        vec![record(
            "_mta-sts.example.com.",
            60,
            RData::TXT(txt),
            Proof::Bogus,
        )],
    );
    let answer = from_lookup("_mta-sts.example.com", RecordType::Txt, &found);
    assert_eq!(
        answer.records,
        vec![RecordData::Txt(vec![
            b"v=STSv1; ".to_vec(),
            b"id=\xff1".to_vec()
        ])]
    );
    assert!(matches!(answer.dnssec, DnssecStatus::Bogus(_)));
}

#[test]
fn records_of_another_type_are_not_given_and_at_most_64_are() {
    let mut records = vec![record(
        "example.com.",
        60,
        RData::MX(MX::new(1, name("a."))),
        Proof::Secure,
    )];
    for n in 0..100u8 {
        records.push(record(
            "example.com.",
            60,
            RData::A(A::new(192, 0, 2, n)),
            Proof::Secure,
        ));
    }
    let answer = from_lookup(
        "example.com",
        RecordType::A,
        &lookup("example.com.", HickoryType::A, records),
    );
    assert_eq!(answer.records.len(), MAX_RECORDS);
    assert!(answer.records.iter().all(|r| matches!(r, RecordData::A(_))));
}

fn no_records(code: ResponseCode, ttl: Option<u32>) -> NetError {
    let mut none = NoRecords::new(Query::query(name("example.com."), HickoryType::TXT), code);
    none.negative_ttl = ttl;
    NetError::Dns(DnsError::NoRecordsFound(none))
}

fn map(error: &NetError) -> Result<Answer, LookupError> {
    from_error(
        "example.com",
        RecordType::Txt,
        error,
        Duration::from_millis(1500),
        "--dns-server 127.0.0.1:53",
    )
}

#[test]
fn nodata_and_nxdomain_are_answers_with_the_negative_ttl() {
    let nodata = map(&no_records(ResponseCode::NoError, Some(300))).unwrap();
    assert_eq!(nodata.outcome, Outcome::NoData);
    assert_eq!(nodata.ttl, 300);
    assert!(nodata.records.is_empty());
    // No authority records came with it: nothing proves it either way.
    assert!(matches!(nodata.dnssec, DnssecStatus::Indeterminate(_)));
    let nx = map(&no_records(ResponseCode::NXDomain, None)).unwrap();
    assert_eq!(nx.outcome, Outcome::NxDomain);
    assert_eq!(nx.ttl, 0);
}

#[test]
fn server_failures_refusals_and_timeouts_are_errors_in_words() {
    let servfail = NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail));
    assert!(
        matches!(map(&servfail), Err(LookupError::ServerFailure(w)) if w.starts_with("TXT example.com: the resolver answered SERVFAIL"))
    );
    let refused = NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused));
    assert!(
        matches!(map(&refused), Err(LookupError::Refused(w)) if w.contains("--dns-server 127.0.0.1:53"))
    );
    let formerr = NetError::Dns(DnsError::ResponseCode(ResponseCode::FormErr));
    assert!(matches!(map(&formerr), Err(LookupError::ResolverFailed(_))));
    match map(&NetError::Timeout) {
        Err(LookupError::Timeout(t)) => {
            assert_eq!(t.lookup, "TXT example.com");
            assert_eq!(t.waited_ms, 1500);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(map(&NetError::NoConnections), Err(LookupError::Unreachable(w)) if w.contains("127.0.0.1:53"))
    );
    let io = NetError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
    assert!(matches!(map(&io), Err(LookupError::Unreachable(_))));
}

/// Validating, hickory keeps no negative TTL: the SOA's minimum, or its own TTL when
/// smaller, gives it (RFC 2308 section 5).
#[test]
fn a_negative_answer_without_hickorys_ttl_takes_the_soas() {
    use hickory_resolver::proto::rr::rdata::SOA;
    let mut none = NoRecords::new(
        Query::query(name("example.com."), HickoryType::TXT),
        ResponseCode::NXDomain,
    );
    let soa = SOA::new(
        name("ns.example.com."),
        name("host.example.com."),
        1,
        3600,
        600,
        86400,
        120,
    );
    none.soa = Some(Box::new(Record::from_rdata(name("example.com."), 300, soa)));
    let answer = map(&NetError::Dns(DnsError::NoRecordsFound(none))).unwrap();
    assert_eq!(answer.ttl, 120);
}

/// A denial of a CNAME's target names the target; a secure denial of it is not taken for
/// a secure answer, as the CNAME's own proof is not given back.
#[test]
fn a_negative_answer_through_a_cname_names_the_target_and_is_not_secure() {
    let mut none = NoRecords::new(
        Query::query(name("target.example.net."), HickoryType::TXT),
        ResponseCode::NXDomain,
    );
    let soa = hickory_resolver::proto::rr::rdata::SOA::new(
        name("ns.example.net."),
        name("host.example.net."),
        1,
        3600,
        600,
        86400,
        60,
    );
    let mut proof = Record::from_rdata(name("example.net."), 60, RData::SOA(soa));
    proof.proof = Proof::Secure;
    none.authorities = Some(vec![proof].into());
    let answer = map(&NetError::Dns(DnsError::NoRecordsFound(none))).unwrap();
    assert_eq!(answer.canonical_name.as_deref(), Some("target.example.net"));
    assert!(
        matches!(answer.dnssec, DnssecStatus::Indeterminate(_)),
        "{:?}",
        answer.dnssec
    );
}

/// Records of another owner than the name asked (or its CNAME chain's end) are not the
/// answer: an MX for another name cannot widen the exchanges permitted.
#[test]
fn records_of_another_owner_are_not_the_answer() {
    let records = vec![
        record(
            "example.com.",
            300,
            RData::MX(MX::new(10, name("mx.example.com."))),
            Proof::Insecure,
        ),
        record(
            "other.example.",
            300,
            RData::MX(MX::new(5, name("mx.attacker.example."))),
            Proof::Insecure,
        ),
    ];
    let answer = from_lookup(
        "example.com",
        RecordType::Mx,
        &lookup("example.com.", HickoryType::MX, records),
    );
    assert_eq!(answer.records.len(), 1);
}

/// The earliest signature over the answer: the CNAME's and the target's records', not
/// another owner's or another type's; absent without signatures.
#[test]
fn a_positive_answer_carries_its_earliest_signature_expiry() {
    use crate::engine::dns::rrsig::tests::rrsig;
    let now = crate::engine::dns::rrsig::unix_now();
    let day = 86_400;
    let records = vec![
        record(
            "www.example.com.",
            300,
            RData::CNAME(CNAME(name("web.example.com."))),
            Proof::Secure,
        ),
        rrsig(
            "www.example.com.",
            HickoryType::CNAME,
            now - day,
            now + 6 * day,
        ),
        record(
            "web.example.com.",
            300,
            RData::A(A::new(192, 0, 2, 1)),
            Proof::Secure,
        ),
        rrsig("web.example.com.", HickoryType::A, now - day, now + 4 * day),
        rrsig("web.example.com.", HickoryType::TXT, now - day, now + day),
        rrsig("other.example.com.", HickoryType::A, now - day, now + day),
    ];
    let answer = from_lookup(
        "www.example.com",
        RecordType::A,
        &lookup("www.example.com.", HickoryType::A, records.clone()),
    );
    assert_eq!(answer.earliest_signature_expiry, Some(now + 4 * day));
    let unsigned = from_lookup(
        "www.example.com",
        RecordType::A,
        &lookup("www.example.com.", HickoryType::A, records[..1].to_vec()),
    );
    assert_eq!(unsigned.earliest_signature_expiry, None);
}

/// A denial's signatures are those of its proof, in the authority section.
#[test]
fn a_negative_answer_carries_its_proofs_earliest_signature_expiry() {
    use crate::engine::dns::rrsig::tests::rrsig;
    let now = crate::engine::dns::rrsig::unix_now();
    let mut none = NoRecords::new(
        Query::query(name("example.com."), HickoryType::TXT),
        ResponseCode::NXDomain,
    );
    none.authorities = Some(
        vec![
            rrsig("example.com.", HickoryType::SOA, now - 10, now + 7200),
            rrsig("a.example.com.", HickoryType::NSEC, now - 10, now + 3600),
        ]
        .into(),
    );
    let answer = map(&NetError::Dns(DnsError::NoRecordsFound(none))).unwrap();
    assert_eq!(answer.earliest_signature_expiry, Some(now + 3600));
}
