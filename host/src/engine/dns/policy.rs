//! Which names and types a check may look up through the contract's `dns` (the sandbox for
//! names, as [`crate::engine::sandbox`] is for connections): only those its target needs,
//! so that DNS can neither probe the network nor carry data out (a lookup of
//! `secret.attacker.example` would). Names are compared without case and without the root's
//! dot. Some names become permitted only through the host's own answers: an MX exchange is
//! looked up (A, AAAA, TLSA) only after an MX answer the host itself gave named it.
//!
//! The policy also keeps which addresses its answers gave for which names, so that the
//! connect sandbox can later allow connections to exactly those (see [`DnsPolicy::addresses_of`]
//! and, for a domain check, [`DnsPolicy::may_connect`]).

use crate::wit_dns::RecordType;
use smtp_sensor_guest::domain::answers::chosen;
use smtp_sensor_guest::limits::MTA_STS_PORT;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

/// The most MX exchanges whose names a domain check may look up: as many as it checks.
pub use smtp_sensor_guest::limits::MAX_MX_HOSTS as MAX_EXCHANGES;

/// A name in the form names are compared in: lower case, no root dot.
pub use smtp_sensor_guest::domain::answers::canonical;

/// A record type in DNS's own words, for messages.
pub fn type_name(kind: RecordType) -> &'static str {
    match kind {
        RecordType::A => "A",
        RecordType::Aaaa => "AAAA",
        RecordType::Mx => "MX",
        RecordType::Txt => "TXT",
        RecordType::Tlsa => "TLSA",
    }
}

/// What a check may look up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsPolicy {
    /// Each permitted name with its permitted types.
    permitted: BTreeMap<String, BTreeSet<u8>>,
    /// The port a domain check reaches its MX hosts on: their TLSA names' (RFC 7672 2.2).
    port: u16,
    /// The domain of a domain check, whose MX answers add exchanges.
    domain: Option<String>,
    /// The host of a host check that resolves through the host's DNS (DANE, RFC 7672
    /// 2.2.2: its addresses must be validated too), reached on `port`.
    host: Option<String>,
    /// The exchanges MX answers named, in order, at most [`MAX_EXCHANGES`].
    exchanges: Vec<String>,
    /// Whether the host answered the domain's MX lookup with records (a null MX too): the
    /// domain itself is then no implicit MX.
    mx_answered: bool,
    /// The addresses A and AAAA answers gave, by name.
    addresses: BTreeMap<String, BTreeSet<IpAddr>>,
}

/// A record type as a set key (the generated enum is not `Ord`).
fn key(kind: RecordType) -> u8 {
    kind as u8
}

impl DnsPolicy {
    /// Nothing may be looked up (a check of an IP literal, or one that needs no DNS).
    pub fn nothing() -> Self {
        Self::default()
    }

    /// A host check's DNS: `HOST`'s A and AAAA, and `_PORT._tcp.HOST`'s TLSA (for DANE,
    /// RFC 7672). An IP literal permits nothing.
    pub fn for_host(host: &str, port: u16) -> Self {
        let mut policy = Self {
            port,
            ..Self::default()
        };
        if host.parse::<IpAddr>().is_ok() || host.is_empty() {
            return policy;
        }
        policy.permit(host, &[RecordType::A, RecordType::Aaaa]);
        policy.permit(&format!("_{port}._tcp.{host}"), &[RecordType::Tlsa]);
        policy.host = Some(canonical(host));
        policy
    }

    /// A domain check's DNS, its MX hosts reached on `port`: `DOMAIN`'s MX (and its A,
    /// AAAA and `_PORT._tcp.DOMAIN` TLSA, for an implicit MX, RFC 5321 section 5.1),
    /// `_mta-sts.DOMAIN` TXT (RFC 8461), `_smtp._tls.DOMAIN` TXT (RFC 8460),
    /// `mta-sts.DOMAIN` A and AAAA (the policy's host); and, once an MX answer of the
    /// host's named them ([`DnsPolicy::answered_mx`]), each exchange's A, AAAA and
    /// `_PORT._tcp.EXCHANGE` TLSA (DANE's name for the port the check connects to).
    pub fn for_domain(domain: &str, port: u16) -> Self {
        let mut policy = Self {
            port,
            ..Self::default()
        };
        let domain = canonical(domain);
        if domain.is_empty() || domain.parse::<IpAddr>().is_ok() {
            return policy;
        }
        policy.permit(&domain, &[RecordType::Mx, RecordType::A, RecordType::Aaaa]);
        // An implicit MX's TLSA base is the domain itself (RFC 7672 2.2.3).
        policy.permit(&format!("_{port}._tcp.{domain}"), &[RecordType::Tlsa]);
        policy.permit(&format!("_mta-sts.{domain}"), &[RecordType::Txt]);
        policy.permit(&format!("_smtp._tls.{domain}"), &[RecordType::Txt]);
        policy.permit(
            &format!("mta-sts.{domain}"),
            &[RecordType::A, RecordType::Aaaa],
        );
        policy.domain = Some(domain);
        policy
    }

    fn permit(&mut self, name: &str, kinds: &[RecordType]) {
        let set = self.permitted.entry(canonical(name)).or_default();
        set.extend(kinds.iter().map(|&k| key(k)));
    }

    /// Whether `name`'s `kind` records may be looked up.
    pub fn permits(&self, name: &str, kind: RecordType) -> bool {
        self.permitted
            .get(&canonical(name))
            .is_some_and(|kinds| kinds.contains(&key(kind)))
    }

    /// The refusal's words: the lookup asked for, and what is permitted.
    pub fn refusal(&self, name: &str, kind: RecordType) -> String {
        // The name comes from the component: a short, printable version of it.
        let shown: String = name.chars().take(64).filter(|c| !c.is_control()).collect();
        let permitted: Vec<String> = self
            .permitted
            .iter()
            .map(|(name, kinds)| {
                let kinds: Vec<&str> = [
                    RecordType::A,
                    RecordType::Aaaa,
                    RecordType::Mx,
                    RecordType::Txt,
                    RecordType::Tlsa,
                ]
                .into_iter()
                .filter(|&k| kinds.contains(&key(k)))
                .map(type_name)
                .collect();
                format!("{name} ({})", kinds.join(", "))
            })
            .collect();
        let allowed = if permitted.is_empty() {
            "none: this check looks up no names through the host".to_string()
        } else {
            permitted.join(", ")
        };
        format!(
            "{} {shown} is not a lookup this check needs; the sandbox permits {allowed}",
            type_name(kind)
        )
    }

    /// Notes an MX answer the host gave for `name`, its `(preference, exchange)` records:
    /// for a domain check's own domain, the exchanges the component checks (the core's rule,
    /// [`chosen`]: the [`MAX_EXCHANGES`] most preferred) may now be looked up. Any other MX
    /// answer permits nothing.
    pub fn answered_mx<'a>(
        &mut self,
        name: &str,
        records: impl IntoIterator<Item = (u16, &'a str)>,
    ) {
        if self.domain.as_deref() != Some(canonical(name).as_str()) {
            return;
        }
        self.mx_answered = true;
        // A null MX (RFC 7505) names the root: `chosen` leaves it out.
        let (exchanges, _) = chosen(records);
        for (_, exchange) in exchanges {
            if self.exchanges.contains(&exchange) {
                continue;
            }
            if self.exchanges.len() >= MAX_EXCHANGES {
                break;
            }
            self.permit(&exchange, &[RecordType::A, RecordType::Aaaa]);
            self.permit(
                &format!("_{}._tcp.{exchange}", self.port),
                &[RecordType::Tlsa],
            );
            self.exchanges.push(exchange);
        }
    }

    /// Notes that an exchange's (or a host check's host's) secure A or AAAA answer came
    /// through CNAMEs to `canonical`: its TLSA records are then sought at
    /// `_PORT._tcp.CANONICAL` first (RFC 7672 2.2.2), so that name's TLSA is permitted, on
    /// the port its own TLSA name has. An insecure chain permits nothing more.
    pub fn answered_canonical(&mut self, name: &str, canonical_name: &str) {
        let name = canonical(name);
        let base = self.permitted.keys().find_map(|key| {
            let (port, host) = key.strip_prefix('_')?.split_once("._tcp.")?;
            (host == name).then(|| port.to_string())
        });
        if let Some(port) = base {
            self.permit(
                &format!("_{port}._tcp.{}", canonical(canonical_name)),
                &[RecordType::Tlsa],
            );
        }
    }

    /// Notes the addresses an A or AAAA answer of `name` gave.
    pub fn answered_addresses(&mut self, name: &str, found: impl IntoIterator<Item = IpAddr>) {
        self.addresses
            .entry(canonical(name))
            .or_default()
            .extend(found.into_iter().map(|a| a.to_canonical()));
    }

    /// The addresses the host's answers gave for `name`: what a connect sandbox may allow
    /// for that name.
    pub fn addresses_of(&self, name: &str) -> Vec<IpAddr> {
        self.addresses
            .get(&canonical(name))
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The exchanges MX answers named, in order.
    pub fn exchanges(&self) -> &[String] {
        &self.exchanges
    }

    /// Whether a domain check may connect to `addr`, as the host's own answers so far
    /// allow: an address they gave for an MX exchange on `smtp_port` (the domain's own, as
    /// its implicit MX, while no MX answer came: RFC 5321 section 5.1), or for
    /// `mta-sts.DOMAIN` on [`MTA_STS_PORT`]. Nothing else: no address before its answer, no
    /// other port, no other name's address. A host check's policy allows its host's
    /// answered addresses on its port (the DANE check resolves through the host's DNS).
    pub fn may_connect(&self, addr: SocketAddr, smtp_port: u16) -> bool {
        let ip = addr.ip().to_canonical();
        let gave = |name: &str| {
            self.addresses
                .get(name)
                .is_some_and(|set| set.contains(&ip))
        };
        if let Some(host) = &self.host {
            return addr.port() == smtp_port && gave(host);
        }
        let Some(domain) = &self.domain else {
            return false;
        };
        let mx_host = addr.port() == smtp_port
            && (self.exchanges.iter().any(|exchange| gave(exchange))
                || (!self.mx_answered && gave(domain)));
        let policy_host = addr.port() == MTA_STS_PORT && gave(&format!("mta-sts.{domain}"));
        mx_host || policy_host
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordType::{A, Aaaa, Mx, Tlsa, Txt};

    #[test]
    fn a_host_check_may_look_up_its_host_and_its_tlsa_only() {
        let policy = DnsPolicy::for_host("Mail.Example.COM.", 25);
        assert!(policy.permits("mail.example.com", A));
        assert!(policy.permits("MAIL.example.com.", Aaaa));
        assert!(policy.permits("_25._tcp.mail.example.com", Tlsa));
        assert!(!policy.permits("mail.example.com", Mx));
        assert!(!policy.permits("mail.example.com", Txt));
        assert!(!policy.permits("_465._tcp.mail.example.com", Tlsa));
        assert!(!policy.permits("secret.attacker.example", A));
        assert!(!policy.permits("example.com", A));
    }

    #[test]
    fn a_tlsa_name_is_the_checks_port() {
        let host = DnsPolicy::for_host("Mail.Example.com", 587);
        assert!(host.permits("_587._tcp.mail.example.com", Tlsa));
        assert!(!host.permits("_25._tcp.mail.example.com", Tlsa));
        let mut domain = DnsPolicy::for_domain("example.com", 2525);
        assert!(
            domain.permits("_2525._tcp.example.com", Tlsa),
            "implicit MX"
        );
        assert!(!domain.permits("_25._tcp.example.com", Tlsa));
        domain.answered_mx("example.com", [(10, "mx.example.com")]);
        assert!(domain.permits("_2525._tcp.mx.example.com", Tlsa));
        assert!(!domain.permits("_25._tcp.mx.example.com", Tlsa));
        domain.answered_canonical("mx.example.com", "mx.hosting.example");
        assert!(domain.permits("_2525._tcp.mx.hosting.example", Tlsa));
        assert!(!domain.permits("_25._tcp.mx.hosting.example", Tlsa));
    }

    #[test]
    fn an_address_literal_permits_no_lookup() {
        for host in ["192.0.2.1", "2001:db8::1", ""] {
            let policy = DnsPolicy::for_host(host, 25);
            assert!(!policy.permits(host, A), "{host}");
            assert!(policy.refusal(host, A).contains("permits none"));
        }
    }

    #[test]
    fn a_domain_check_may_look_up_what_mta_sts_and_tls_rpt_need() {
        let policy = DnsPolicy::for_domain("Example.com.", 25);
        for (name, kind) in [
            ("example.com", Mx),
            ("example.com", A),
            ("example.com", Aaaa),
            ("_mta-sts.example.com", Txt),
            ("_smtp._tls.example.com", Txt),
            ("mta-sts.example.com", A),
            ("mta-sts.example.com", Aaaa),
        ] {
            assert!(policy.permits(name, kind), "{name} {kind:?}");
        }
        for (name, kind) in [
            ("example.com", Txt),
            ("_mta-sts.example.com", A),
            ("mx1.example.com", A),
            ("_25._tcp.mx1.example.com", Tlsa),
            ("mta-sts.example.com", Txt),
        ] {
            assert!(!policy.permits(name, kind), "{name} {kind:?}");
        }
    }

    #[test]
    fn exchanges_are_permitted_only_once_the_hosts_own_mx_answer_named_them() {
        let mut policy = DnsPolicy::for_domain("example.com", 25);
        assert!(!policy.permits("mx1.other.example", A));
        // An MX answer for another name (not the domain's) permits nothing.
        policy.answered_mx("evil.example", [(10, "mx1.other.example")]);
        assert!(!policy.permits("mx1.other.example", A));
        policy.answered_mx(
            "EXAMPLE.com.",
            [(10, "MX1.other.example."), (20, "mx2.example.com"), (0, "")],
        );
        assert!(policy.permits("mx1.other.example", A));
        assert!(policy.permits("mx1.other.example", Aaaa));
        assert!(policy.permits("_25._tcp.mx1.other.example", Tlsa));
        assert!(policy.permits("mx2.example.com.", Aaaa));
        assert!(
            !policy.permits("mx1.other.example", Mx),
            "not the exchange's MX"
        );
        assert!(!policy.permits("_587._tcp.mx1.other.example", Tlsa));
        assert_eq!(policy.exchanges(), ["mx1.other.example", "mx2.example.com"]);
    }

    #[test]
    fn the_ten_most_preferred_exchanges_are_permitted_as_the_component_checks_them() {
        let mut policy = DnsPolicy::for_domain("example.com", 25);
        // A server that rotates its answer: the least preferred come first.
        let names: Vec<(u16, String)> = (0..15u16)
            .map(|n| (100 - n, format!("mx{n}.example.com")))
            .collect();
        policy.answered_mx("example.com", names.iter().map(|(p, n)| (*p, n.as_str())));
        assert_eq!(policy.exchanges().len(), MAX_EXCHANGES);
        assert!(policy.permits("mx14.example.com", A), "the most preferred");
        assert!(policy.permits("mx5.example.com", A));
        assert!(
            !policy.permits("mx4.example.com", A),
            "the 11th by preference"
        );
    }

    #[test]
    fn a_refusal_names_the_lookup_and_what_is_permitted() {
        let policy = DnsPolicy::for_host("mail.example.com", 587);
        let words = policy.refusal("x.attacker.example\n", Txt);
        assert!(
            words.starts_with("TXT x.attacker.example is not"),
            "{words}"
        );
        assert!(words.contains("mail.example.com (A, AAAA)"), "{words}");
        assert!(
            words.contains("_587._tcp.mail.example.com (TLSA)"),
            "{words}"
        );
    }

    #[test]
    fn answers_addresses_are_kept_by_name() {
        let mut policy = DnsPolicy::for_host("mail.example.com", 25);
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.2".parse().unwrap();
        policy.answered_addresses("Mail.Example.com.", [v4, mapped]);
        assert_eq!(
            policy.addresses_of("mail.example.com"),
            vec![v4, "192.0.2.2".parse::<IpAddr>().unwrap()]
        );
        assert!(policy.addresses_of("other.example").is_empty());
    }

    fn sock(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_domain_check_connects_only_where_the_hosts_answers_pointed() {
        let mut policy = DnsPolicy::for_domain("example.com", 25);
        let mx = sock("192.0.2.10:25");
        assert!(!policy.may_connect(mx, 25), "before any answer");
        policy.answered_mx("example.com", [(10, "mx.example.com")]);
        assert!(!policy.may_connect(mx, 25), "before the exchange's address");
        policy.answered_addresses("MX.example.com.", ["192.0.2.10".parse().unwrap()]);
        assert!(policy.may_connect(mx, 25));
        assert!(policy.may_connect(sock("[::ffff:192.0.2.10]:25"), 25));
        assert!(
            !policy.may_connect(sock("192.0.2.10:26"), 25),
            "another port"
        );
        assert!(
            !policy.may_connect(sock("192.0.2.10:443"), 25),
            "not the policy host"
        );
        assert!(
            !policy.may_connect(sock("192.0.2.11:25"), 25),
            "no answer gave it"
        );
        // The port is the check's: the same exchange on 2525.
        assert!(policy.may_connect(sock("192.0.2.10:2525"), 2525));
        // The policy host, on 443 only.
        let sts = sock("198.51.100.7:443");
        assert!(!policy.may_connect(sts, 25));
        policy.answered_addresses("mta-sts.example.com", ["198.51.100.7".parse().unwrap()]);
        assert!(policy.may_connect(sts, 25));
        assert!(!policy.may_connect(sock("198.51.100.7:25"), 25));
        // An address of another name: looked up, yet no exchange's nor the policy host's.
        policy.answered_addresses("other.example", ["203.0.113.1".parse().unwrap()]);
        assert!(!policy.may_connect(sock("203.0.113.1:25"), 25));
        assert!(!policy.may_connect(sock("203.0.113.1:443"), 25));
        // With MX records, the domain's own address is no MX host.
        policy.answered_addresses("example.com", ["192.0.2.99".parse().unwrap()]);
        assert!(!policy.may_connect(sock("192.0.2.99:25"), 25));
    }

    #[test]
    fn a_domain_without_mx_records_is_its_own_mx_and_a_null_mx_is_none() {
        let mut implicit = DnsPolicy::for_domain("example.com", 25);
        implicit.answered_addresses("example.com", ["192.0.2.5".parse().unwrap()]);
        assert!(implicit.may_connect(sock("192.0.2.5:25"), 25));
        assert!(!implicit.may_connect(sock("192.0.2.5:443"), 25));
        let mut null_mx = DnsPolicy::for_domain("example.com", 25);
        null_mx.answered_mx("example.com", [(0, ".")]);
        null_mx.answered_addresses("example.com", ["192.0.2.5".parse().unwrap()]);
        assert!(!null_mx.may_connect(sock("192.0.2.5:25"), 25));
        // A host check's policy (resolving through the host's DNS for DANE) allows its
        // host's answered addresses on its port, as of "sandbox: a host check with DANE
        // ... may reach only its host's answered addresses on its port"; before, nothing.
        let mut host = DnsPolicy::for_host("mail.example.com", 25);
        assert!(!host.may_connect(sock("192.0.2.5:25"), 25));
        host.answered_addresses("mail.example.com", ["192.0.2.5".parse().unwrap()]);
        assert!(host.may_connect(sock("192.0.2.5:25"), 25));
        assert!(!host.may_connect(sock("192.0.2.5:443"), 25));
        host.answered_addresses("other.example.com", ["192.0.2.6".parse().unwrap()]);
        assert!(!host.may_connect(sock("192.0.2.6:25"), 25));
    }

    #[test]
    fn a_secure_cname_to_an_exchange_permits_the_canonical_names_tlsa() {
        let mut policy = DnsPolicy::for_domain("example.com", 25);
        policy.answered_mx("example.com", [(10, "mx.example.com")]);
        assert!(!policy.permits("_25._tcp.mx.hosting.example", RecordType::Tlsa));
        policy.answered_canonical("mx.example.com", "mx.hosting.example.");
        assert!(policy.permits("_25._tcp.mx.hosting.example", RecordType::Tlsa));
        assert!(!policy.permits("mx.hosting.example", RecordType::A));
        // A name that has no TLSA permitted gains none.
        policy.answered_canonical("elsewhere.example", "x.example");
        assert!(!policy.permits("_25._tcp.x.example", RecordType::Tlsa));
    }
}
