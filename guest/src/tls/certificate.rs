//! What the server's certificate says: subject, issuer and validity, read with x509-cert.
//! Recorded before the certificate is judged, so a rejected one is still described.

use x509_cert::Certificate;
use x509_cert::der::Decode;

use crate::dates::DAY;

/// The facts of a leaf certificate that a monitoring engineer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The subject, as an RFC 4514 string (`CN=mail.example.com`).
    pub subject: String,
    /// The issuer, as an RFC 4514 string.
    pub issuer: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
}

impl Leaf {
    /// Reads a DER certificate; `None` when it is not one.
    pub fn parse(der: &[u8]) -> Option<Leaf> {
        let cert = Certificate::from_der(der).ok()?;
        let tbs = &cert.tbs_certificate;
        let seconds = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
        Some(Leaf {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_before: seconds(&tbs.validity.not_before),
            not_after: seconds(&tbs.validity.not_after),
        })
    }

    /// True when the certificate names itself as its issuer.
    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }

    /// Whole days until the certificate expires, counted down from `now`; negative once it
    /// has expired (-1 on the day after expiry).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_counts_down_and_goes_negative() {
        let leaf = Leaf {
            subject: "CN=a".into(),
            issuer: "CN=a".into(),
            not_before: 0,
            not_after: 10 * DAY,
        };
        assert_eq!(leaf.days_left(0), 10);
        assert_eq!(leaf.days_left(9 * DAY + 1), 0);
        assert_eq!(leaf.days_left(10 * DAY + 1), -1);
        assert!(leaf.is_self_signed());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(Leaf::parse(b"not DER"), None);
    }
}
