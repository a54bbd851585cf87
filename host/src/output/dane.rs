//! DANE and DNSSEC in numbers, as every output counts them: the levels the "DANE" and
//! "DNSSEC" channels have (so that a domain's MX hosts, which have no channels of their
//! own, are counted alike) and a host's TLSA records by what they matched.

use crate::wit::{DaneResult, DaneState, DnssecState};

/// DANE's level, as the "DANE" channel: 2 in force and matched, 1 not in force (no records,
/// records DNSSEC does not vouch for, or none SMTP can use), 0 failed (the core's rule).
pub fn level(state: DaneState) -> f64 {
    smtp_sensor_guest::dane_level!(state, DaneState)
}

/// DNSSEC's level, as the "DNSSEC" channel: 2 secure, 1 insecure, 0 bogus or indeterminate.
pub fn dnssec_level(state: DnssecState) -> f64 {
    smtp_sensor_guest::dnssec_level!(state, DnssecState)
}

/// A host's TLSA records by what they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Records {
    /// Usable records that matched a presented certificate.
    pub matched: u32,
    /// Usable records judged against the presented chain that matched none: a standby key
    /// or issuer for the next rollover. Only where DANE is in force and was judged.
    pub standby: u32,
    /// Records SMTP cannot use (PKIX-TA, PKIX-EE, unknown kinds).
    pub unusable: u32,
}

impl Records {
    /// The counts for `dane`.
    pub fn of(dane: &DaneResult) -> Self {
        let (matched, standby, unusable) = smtp_sensor_guest::dane_counts!(dane, DaneState);
        Self {
            matched,
            standby,
            unusable,
        }
    }

    /// The counts with the names Prometheus labels them by.
    pub fn labelled(self) -> [(&'static str, u32); 3] {
        [
            ("matched", self.matched),
            ("standby", self.standby),
            ("unusable", self.unusable),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn levels_follow_the_channels() {
        assert_eq!(level(DaneState::Matched), 2.0);
        assert_eq!(level(DaneState::NotSecure), 1.0);
        assert_eq!(level(DaneState::NotMatched), 0.0);
        assert_eq!(dnssec_level(DnssecState::Insecure), 1.0);
        assert_eq!(dnssec_level(DnssecState::Indeterminate), 0.0);
    }

    #[test]
    fn records_count_by_what_they_matched() {
        let dane = fixtures::up_dane().result.dane.unwrap();
        assert_eq!(
            Records::of(&dane),
            Records {
                matched: 1,
                standby: 1,
                unusable: 1
            }
        );
        // Records not judged (DANE not in force) are no standby.
        let unjudged = DaneResult {
            state: DaneState::NotSecure,
            ..dane
        };
        assert_eq!(Records::of(&unjudged).standby, 0);
    }
}
