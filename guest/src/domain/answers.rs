//! The host's DNS answers (the contract's `dns`) read for a domain check, and its lookup
//! errors in words: which MX hosts to check, which addresses, which TXT strings. No I/O:
//! the component asks, this reads.

use crate::bindings::smtp_sensor::probe::dns::{
    Answer, DnssecStatus, LookupError, Outcome, RecordData, RecordType,
};
use crate::limits::MAX_MX_HOSTS;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A record type as DNS writes it.
pub fn type_name(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::A => "A",
        RecordType::Aaaa => "AAAA",
        RecordType::Mx => "MX",
        RecordType::Txt => "TXT",
        RecordType::Tlsa => "TLSA",
    }
}

/// A failed lookup in words, naming it (`MX example.com: ...`), as the host's texts do.
pub fn describe(error: &LookupError) -> String {
    match error {
        LookupError::NotPermitted(why) => format!("refused by the host's sandbox: {why}"),
        LookupError::InvalidName(why)
        | LookupError::OverBudget(why)
        | LookupError::ServerFailure(why)
        | LookupError::Refused(why)
        | LookupError::ResolverFailed(why)
        | LookupError::Unreachable(why)
        | LookupError::Unavailable(why) => why.clone(),
        LookupError::Timeout(timed_out) => format!(
            "{}: no answer before the check's deadline (waited {} ms)",
            timed_out.lookup, timed_out.waited_ms
        ),
    }
}

/// What an MX answer names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchanges {
    /// The hosts to check, `(preference, exchange)` by preference (the answer's order among
    /// equals), each once, at most [`MAX_MX_HOSTS`]; how many more there were; and whether
    /// a null MX stood beside them.
    Hosts(Vec<(u16, String)>, u32, bool),
    /// No MX record (NODATA): the domain is its own implicit MX (RFC 5321 5.1).
    None,
    /// A null MX only (RFC 7505): the domain accepts no mail.
    Null,
    /// The domain does not exist (NXDOMAIN).
    NoDomain,
}

/// The MX hosts an answer names. A null MX beside real ones is ignored (RFC 7505 4.3
/// calls that a misconfiguration; the real ones still receive).
pub fn exchanges(answer: &Answer) -> Exchanges {
    match answer.outcome {
        Outcome::NxDomain => return Exchanges::NoDomain,
        Outcome::NoData => return Exchanges::None,
        Outcome::Records => {}
    }
    let records = answer.records.iter().filter_map(|record| match record {
        RecordData::Mx(mx) => Some((mx.preference, mx.exchange.as_str())),
        _ => None,
    });
    let (hosts, beyond) = chosen(records.clone());
    let null = records
        .clone()
        .any(|(_, exchange)| canonical(exchange).is_empty());
    match (hosts.is_empty(), null) {
        (true, true) => Exchanges::Null,
        (true, false) => Exchanges::None,
        (false, _) => Exchanges::Hosts(hosts, beyond, null),
    }
}

/// The MX hosts a domain check checks among an MX answer's `(preference, exchange)`
/// records: by preference (the answer's order among equals), each exchange once at its
/// lowest preference, a null MX left out, at most [`MAX_MX_HOSTS`]; and how many more there
/// were. The host's sandbox permits the lookups of exactly these, by this same rule.
pub fn chosen<'a>(records: impl IntoIterator<Item = (u16, &'a str)>) -> (Vec<(u16, String)>, u32) {
    let mut hosts: Vec<(u16, String)> = Vec::new();
    for (preference, exchange) in records {
        let exchange = canonical(exchange);
        if exchange.is_empty() {
            continue;
        }
        match hosts.iter_mut().find(|(_, known)| *known == exchange) {
            Some(known) => known.0 = known.0.min(preference),
            None => hosts.push((preference, exchange)),
        }
    }
    crate::sort::sort_by_key(&mut hosts, |(preference, _)| *preference); // stable: the answer's order among equals
    let beyond = hosts.len().saturating_sub(MAX_MX_HOSTS);
    hosts.truncate(MAX_MX_HOSTS);
    (hosts, u32::try_from(beyond).unwrap_or(u32::MAX))
}

/// A name as DNS compares it: lower case, without the root's dot. The one spelling the
/// component's domain check and the host's DNS sandbox both compare names in.
pub fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// The addresses in an A or AAAA answer, in its order.
pub fn addresses(answer: &Answer) -> Vec<IpAddr> {
    answer.records.iter().filter_map(address).collect()
}

/// An A or AAAA record's address.
fn address(record: &RecordData) -> Option<IpAddr> {
    match *record {
        RecordData::A((a, b, c, d)) => Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d))),
        RecordData::Aaaa((a, b, c, d, e, f, g, h)) => {
            Some(IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)))
        }
        _ => None,
    }
}

/// The TXT records in an answer, each as its character-strings (none for NODATA and
/// NXDOMAIN): what [`super::sts_record::find`] and [`super::tlsrpt_record::find`] read.
pub fn txt_records(answer: &Answer) -> Vec<Vec<Vec<u8>>> {
    answer
        .records
        .iter()
        .filter_map(|record| match record {
            RecordData::Txt(strings) => Some(strings.clone()),
            _ => None,
        })
        .collect()
}

/// An answer in one line for the transcript: `MX example.com: 10 mx1.example.com, ...`.
pub fn summary(answer: &Answer) -> String {
    let head = format!("{} {}", type_name(answer.record_type), answer.name);
    let body = match answer.outcome {
        Outcome::NxDomain => "NXDOMAIN (no such name)".to_string(),
        Outcome::NoData => "no records of this type (NODATA)".to_string(),
        Outcome::Records => answer
            .records
            .iter()
            .map(record_words)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let dnssec = match &answer.dnssec {
        DnssecStatus::Secure => "secure",
        DnssecStatus::Insecure => "insecure",
        DnssecStatus::Bogus(_) => "bogus",
        DnssecStatus::Indeterminate(_) => "indeterminate",
    };
    format!("{head}: {body} (TTL {} s, DNSSEC {dnssec})", answer.ttl)
}

fn record_words(record: &RecordData) -> String {
    match record {
        RecordData::A(_) | RecordData::Aaaa(_) => {
            address(record).map(|a| a.to_string()).unwrap_or_default()
        }
        RecordData::Mx(mx) if mx.exchange.is_empty() => format!("{} . (null MX)", mx.preference),
        RecordData::Mx(mx) => format!("{} {}", mx.preference, mx.exchange),
        RecordData::Txt(strings) => {
            let joined: Vec<u8> = strings.concat();
            format!("{:?}", String::from_utf8_lossy(&joined))
        }
        RecordData::Tlsa(tlsa) => format!(
            "{} {} {} ({} bytes)",
            tlsa.usage,
            tlsa.selector,
            tlsa.matching_type,
            tlsa.data.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::smtp_sensor::probe::dns::{DnssecStatus, Mx};

    fn answer(outcome: Outcome, records: Vec<RecordData>) -> Answer {
        Answer {
            name: "example.test".into(),
            record_type: RecordType::Mx,
            outcome,
            records,
            ttl: 300,
            canonical_name: None,
            dnssec: DnssecStatus::Insecure,
            earliest_signature_expiry: None,
        }
    }

    fn mx(preference: u16, exchange: &str) -> RecordData {
        RecordData::Mx(Mx {
            preference,
            exchange: exchange.into(),
        })
    }

    #[test]
    fn exchanges_come_by_preference_each_once_at_most_ten() {
        let mut records = vec![mx(20, "mx2.example.test"), mx(30, "MX1.example.test.")];
        records.push(mx(10, "mx1.example.test")); // its lowest preference stands
        records.push(mx(10, "mx0.example.test"));
        let Exchanges::Hosts(hosts, beyond, _) = exchanges(&answer(Outcome::Records, records))
        else {
            panic!("hosts expected");
        };
        assert_eq!(
            hosts,
            vec![
                (10, "mx1.example.test".to_string()),
                (10, "mx0.example.test".to_string()),
                (20, "mx2.example.test".to_string()),
            ]
        );
        assert_eq!(beyond, 0);
        let many: Vec<_> = (0..13)
            .map(|i| mx(i, &format!("mx{i}.example.test")))
            .collect();
        let Exchanges::Hosts(hosts, beyond, _) = exchanges(&answer(Outcome::Records, many)) else {
            panic!("hosts expected");
        };
        assert_eq!((hosts.len(), beyond), (MAX_MX_HOSTS, 3));
        assert_eq!(hosts[0].1, "mx0.example.test");
    }

    #[test]
    fn a_null_mx_alone_accepts_no_mail_and_beside_others_is_ignored() {
        assert_eq!(
            exchanges(&answer(Outcome::Records, vec![mx(0, "")])),
            Exchanges::Null
        );
        assert_eq!(
            exchanges(&answer(
                Outcome::Records,
                vec![mx(0, ""), mx(10, "mx.example.test")]
            )),
            Exchanges::Hosts(vec![(10, "mx.example.test".into())], 0, true)
        );
        assert_eq!(exchanges(&answer(Outcome::NoData, vec![])), Exchanges::None);
        assert_eq!(
            exchanges(&answer(Outcome::NxDomain, vec![])),
            Exchanges::NoDomain
        );
    }

    #[test]
    fn addresses_and_txt_strings_are_read_in_order() {
        let a = answer(
            Outcome::Records,
            vec![
                RecordData::A((127, 0, 0, 9)),
                RecordData::Aaaa((0, 0, 0, 0, 0, 0, 0, 1)),
            ],
        );
        assert_eq!(
            addresses(&a),
            vec![
                "127.0.0.9".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let t = answer(
            Outcome::Records,
            vec![RecordData::Txt(vec![
                b"v=STSv1; ".to_vec(),
                b"id=1".to_vec(),
            ])],
        );
        assert_eq!(
            txt_records(&t),
            vec![vec![b"v=STSv1; ".to_vec(), b"id=1".to_vec()]]
        );
        assert!(summary(&t).contains("\"v=STSv1; id=1\""), "{}", summary(&t));
    }

    #[test]
    fn a_timeout_names_the_lookup_and_the_wait() {
        let error = LookupError::Timeout(crate::bindings::smtp_sensor::probe::dns::TimedOut {
            lookup: "MX example.test".into(),
            waited_ms: 4000,
        });
        assert_eq!(
            describe(&error),
            "MX example.test: no answer before the check's deadline (waited 4000 ms)"
        );
    }
}
