//! What the server's certificate says: subject, issuer and validity, read with x509-cert.
//! Recorded before the certificate is judged, so a rejected one is still described.

use x509_cert::Certificate;
use x509_cert::der::Decode;

/// Seconds in a day.
const DAY: i64 = 86_400;

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

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_utc(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(DAY), unix.rem_euclid(DAY));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_795_795_199), "2026-11-27 15:59:59 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59 UTC");
    }

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
