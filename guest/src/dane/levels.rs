//! DANE and DNSSEC in numbers, one rule for every output: the levels of the "DANE" and
//! "DNSSEC" channels, and a host's usable TLSA records by what they matched. Macros, since
//! the component and the host each have the contract's types as their own generated ones
//! (as `settings_view!` lends either side's settings).

/// The "DANE" channel's level of a `dane-state` (`$state` of the enum `$t`): 2 in force
/// and matched, 1 not in force, 0 failed (DANE senders refuse the host).
#[macro_export]
macro_rules! dane_level {
    ($state:expr, $t:ident) => {
        match $state {
            $t::Matched => 2.0,
            $t::NotPublished | $t::NotSecure | $t::Unusable => 1.0,
            $t::NotMatched | $t::NoTls | $t::Bogus | $t::LookupFailed => 0.0,
        }
    };
}

/// The "DNSSEC" channel's level of a `dnssec-state`: 2 secure, 1 insecure, 0 bogus or
/// indeterminate.
#[macro_export]
macro_rules! dnssec_level {
    ($state:expr, $t:ident) => {
        match $state {
            $t::Secure => 2.0,
            $t::Insecure => 1.0,
            $t::Indeterminate | $t::Bogus => 0.0,
        }
    };
}

/// A `dane-result`'s records counted, `(matched, standby, unusable)`: usable records that
/// matched a presented certificate, usable records that matched none where DANE was in
/// force and judged (the next key's, a standby), and records SMTP cannot use.
#[macro_export]
macro_rules! dane_counts {
    ($dane:expr, $t:ident) => {{
        let dane = $dane;
        let judged = matches!(dane.state, $t::Matched | $t::NotMatched);
        let (mut matched, mut standby, mut unusable) = (0u32, 0u32, 0u32);
        for record in &dane.records {
            match (&record.unusable, record.matched_certificate) {
                (Some(_), _) => unusable += 1,
                (None, Some(_)) => matched += 1,
                (None, None) if judged => standby += 1,
                (None, None) => {}
            }
        }
        (matched, standby, unusable)
    }};
}
