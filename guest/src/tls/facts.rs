//! What TLS showed during a check, gathered across handshakes (implicit TLS, a fallback,
//! STARTTLS) for the result: plain data, so the report is built and tested natively.

use super::certificate::Leaf;
use super::verifier::Record;
use std::time::Duration;

/// What the handshakes showed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// A handshake was started.
    pub attempted: bool,
    /// A handshake completed: the connection was secured.
    pub established: bool,
    /// The negotiated protocol version, e.g. "TLSv1.3".
    pub version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// How long the last handshake took.
    pub handshake: Option<Duration>,
    /// The leaf certificate the server presented, read once after the handshake.
    pub leaf: Option<Leaf>,
    /// The other certificates it presented (intermediates, perhaps its root), read alike.
    pub chain: Vec<Leaf>,
    /// The verified path clients use (leaf first, no root), read alike; empty when
    /// verification was off or failed.
    pub path: Vec<Leaf>,
    /// Whether the chain and name were verified and passed.
    pub verified: bool,
    /// Whether verification was on at all.
    pub verify: bool,
    /// The first bytes the server sent during the last handshake (a few dozen at most):
    /// whether it spoke TLS at all decides an implicit-TLS fallback.
    pub server_first_bytes: Vec<u8>,
    /// The SHA-256 of the leaf's SubjectPublicKeyInfo and of the leaf, hex: what `3 1 1`
    /// and `3 0 1` TLSA records hold.
    pub presented_sha256: Option<(String, String)>,
    /// What DANE made of the chain, when the handshake was verified by DANE.
    pub dane: Option<super::dane::Verified>,
}

impl TlsFacts {
    /// Takes in what the verifier recorded during a handshake: the leaf, read once, and
    /// whether it was verified.
    pub fn record(&mut self, record: &Record) {
        let presented = record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.leaf = presented.leaf.as_deref().and_then(Leaf::parse);
        self.chain = presented
            .intermediates
            .iter()
            .filter_map(|der| Leaf::parse(der))
            .collect();
        self.path = presented
            .path
            .iter()
            .filter_map(|der| Leaf::parse(der))
            .collect();
        self.verified = presented.verified;
        self.presented_sha256 = presented.leaf.as_deref().and_then(|der| {
            let key = super::certificate::Leaf::public_key_info(der)?;
            Some((super::dane::sha256_hex(key), super::dane::sha256_hex(der)))
        });
        self.dane = presented.dane.clone();
        if presented.leaf.is_some() {
            self.verify = presented.checked;
        }
    }

    /// The presented certificate that expires first (the leaf on a tie), as
    /// blackbox_exporter's `probe_ssl_earliest_cert_expiry` counts: the certificate
    /// thresholds judge it.
    pub fn earliest(&self) -> Option<&Leaf> {
        first_to_expire(self.leaf.as_ref()?, &self.chain)
    }

    /// The certificate the Certificate Expiry channel and thresholds judge: the one that
    /// expires first on the verified path clients use (the leaf on a tie; never the root,
    /// and never a presented certificate the path goes around, such as an expired
    /// cross-sign). With verification off there is no path: the leaf, the one certificate
    /// the server claims as its own. When verification failed, the first to expire of all
    /// it presented, so that an expired intermediate that failed it shows in the channel.
    pub fn judged(&self) -> Option<&Leaf> {
        let leaf = self.leaf.as_ref()?;
        match (self.verified, self.verify) {
            (true, _) => first_to_expire(leaf, &self.path),
            (false, true) => first_to_expire(leaf, &self.chain),
            (false, false) => Some(leaf),
        }
    }

    /// Whether DANE-EE verified the leaf: its names and dates then do not count (RFC 7672
    /// 3.1.1), so the certificate thresholds do not judge it.
    pub fn verified_by_dane_ee(&self) -> bool {
        self.dane.as_ref().is_some_and(|verified| {
            verified
                .passed
                .is_some_and(|passed| verified.records[passed.record].usage == 3)
        })
    }

    /// Presented certificates that have expired by `now` but are not on the verified path:
    /// clients never use them, so they are worth a note, not a verdict.
    pub fn expired_off_path(&self, now: i64) -> Vec<&Leaf> {
        if !self.verified {
            return Vec::new();
        }
        self.chain
            .iter()
            .filter(|c| c.not_after < now && !self.path.contains(c))
            .collect()
    }

    /// The transcript note for an established connection.
    pub fn established_note(&self) -> String {
        format!(
            "TLS established: {} {}",
            self.version.as_deref().unwrap_or("?"),
            self.cipher_suite.as_deref().unwrap_or("?")
        )
    }
}

/// Of `leaf` and `others`, the one that expires first; the leaf on a tie.
fn first_to_expire<'a>(leaf: &'a Leaf, others: &'a [Leaf]) -> Option<&'a Leaf> {
    Some(
        others
            .iter()
            .filter(|c| c.not_after < leaf.not_after)
            .min_by_key(|c| c.not_after)
            .unwrap_or(leaf),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(subject: &str, not_after: i64) -> Leaf {
        Leaf {
            subject: subject.into(),
            issuer: "CN=CA".into(),
            not_before: 0,
            not_after,
        }
    }

    #[test]
    fn the_earliest_expiry_of_the_presented_chain() {
        let mut facts = TlsFacts::default();
        assert_eq!(facts.earliest(), None);
        facts.leaf = Some(certificate("CN=leaf", 300));
        assert_eq!(facts.earliest().unwrap().subject, "CN=leaf");
        facts.chain = vec![
            certificate("CN=root", 900),
            certificate("CN=intermediate", 100),
        ];
        assert_eq!(facts.earliest().unwrap().subject, "CN=intermediate");
        facts.chain = vec![certificate("CN=same day", 300)];
        assert_eq!(
            facts.earliest().unwrap().subject,
            "CN=leaf",
            "the leaf on a tie"
        );
    }

    /// An expired cross-sign the server still sends, beside the intermediate the verified
    /// path uses: all presented certificates count for `earliest`, the path for `judged`.
    #[test]
    fn the_judged_certificate_is_on_the_verified_path() {
        let leaf = certificate("CN=leaf", 300);
        let intermediate = certificate("CN=intermediate", 200);
        let cross_sign = certificate("CN=old cross-sign", 50);
        let mut facts = TlsFacts {
            leaf: Some(leaf.clone()),
            chain: vec![intermediate.clone(), cross_sign.clone()],
            ..TlsFacts::default()
        };
        assert_eq!(facts.judged(), Some(&leaf), "verification off: the leaf");
        facts.verify = true;
        assert_eq!(
            facts.judged(),
            Some(&cross_sign),
            "it failed: all presented"
        );
        assert_eq!(facts.earliest(), Some(&cross_sign));
        assert!(
            facts.expired_off_path(100).is_empty(),
            "unverified: no note"
        );
        facts.verified = true;
        facts.path = vec![leaf.clone(), intermediate.clone()];
        assert_eq!(facts.judged(), Some(&intermediate));
        assert_eq!(facts.earliest(), Some(&cross_sign), "blackbox's rule stays");
        assert_eq!(facts.expired_off_path(100), vec![&cross_sign]);
        assert!(facts.expired_off_path(10).is_empty(), "not expired yet");
    }
}
