//! A host's TLSA records as the host's DNS answered them, and whether DANE is in force:
//! secure usable records on names DNSSEC vouches for (RFC 7672 2.2).

use super::health::combine;
use crate::bindings::smtp_sensor::probe::dns::{Answer, LookupError, Outcome, RecordData};
use crate::domain::answers;
use crate::limits::DEFAULT_SIGNATURE_WARNING_SECONDS;
use crate::tls::dane::{Tlsa, screen};
use crate::wit::{DaneSettings, DnssecHealth, DnssecState, Phase, Settings};

/// The DANE settings a check judges by: the given ones, or (a domain check without them)
/// the defaults: nothing expected, the default signature warning.
pub fn settings_of(settings: &Settings) -> DaneSettings {
    settings.dane.unwrap_or(DaneSettings {
        expect_dane: false,
        expect_standby: false,
        signature_warning_seconds: DEFAULT_SIGNATURE_WARNING_SECONDS,
    })
}

/// The name a host's TLSA records are at: `_PORT._tcp.HOST` (RFC 6698 3, RFC 7672 2.2.3).
pub fn tlsa_name(port: u16, host: &str) -> String {
    format!("_{port}._tcp.{}", answers::canonical(host))
}

/// What the TLSA lookup gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsaAnswer {
    /// Records, in the answer's order.
    Records(Vec<Tlsa>),
    /// None: NODATA or NXDOMAIN.
    NoRecords,
    /// The lookup failed, in the resolver's words.
    Failed(String),
}

impl TlsaAnswer {
    /// The answer of a TLSA lookup.
    pub fn of(result: &Result<Answer, LookupError>) -> Self {
        match result {
            Err(error) => Self::Failed(answers::describe(error)),
            Ok(answer) if answer.outcome != Outcome::Records => Self::NoRecords,
            Ok(answer) => Self::Records(
                answer
                    .records
                    .iter()
                    .filter_map(|record| match record {
                        RecordData::Tlsa(t) => Some(Tlsa {
                            usage: t.usage,
                            selector: t.selector,
                            matching_type: t.matching_type,
                            data: t.data.clone(),
                        }),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }
}

/// A host's DANE before its handshake: its TLSA answer, the DNSSEC of it and of the names
/// it rests on, and what the settings expect.
#[derive(Debug, Clone)]
pub struct DaneLookup {
    /// Where the records were looked up.
    pub tlsa_name: String,
    /// What the lookup gave.
    pub answer: TlsaAnswer,
    /// The TLSA answer's own DNSSEC.
    pub tlsa: DnssecHealth,
    /// The DNSSEC of the host's address answers (RFC 7672 2.2.2).
    pub addresses: DnssecHealth,
    /// An MX host's: the state of the domain's MX answer (RFC 7672 2.2.1); none for a host
    /// check.
    pub mx: Option<DnssecState>,
    /// The phase the host's addresses were looked up in (`mx-lookup` for an MX host,
    /// `name-lookup` for a host check).
    pub address_phase: Phase,
    /// What is expected.
    pub settings: DaneSettings,
}

impl DaneLookup {
    /// Whether senders look up TLSA at all: the names DANE rests on (the MX answer, the
    /// host's addresses) are secure (RFC 7672 2.2.1, 2.2.2).
    pub fn names_secure(&self) -> bool {
        self.addresses.state == DnssecState::Secure
            && self.mx.is_none_or(|mx| mx == DnssecState::Secure)
    }

    /// The DNSSEC of the answers DANE rests on, as the result reports it: the TLSA
    /// answer's and the addresses'.
    pub fn health(&self) -> DnssecHealth {
        combine(&self.tlsa, &self.addresses)
    }

    /// The records senders use, when DANE is in force: secure names, a secure TLSA answer,
    /// and at least one record of a usable kind (see [`screen`]).
    pub fn in_force(&self) -> Option<Vec<Tlsa>> {
        let TlsaAnswer::Records(records) = &self.answer else {
            return None;
        };
        if !self.names_secure() || self.tlsa.state != DnssecState::Secure {
            return None;
        }
        let usable: Vec<Tlsa> = records
            .iter()
            .zip(screen(records))
            .filter(|(_, why)| why.is_none())
            .map(|(record, _)| record.clone())
            .collect();
        (!usable.is_empty()).then_some(usable)
    }
}
