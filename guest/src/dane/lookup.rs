//! A host's TLSA records as the host's DNS answered them, and whether DANE is in force:
//! secure usable records on names DNSSEC vouches for (RFC 7672 2.2).

use crate::bindings::smtp_sensor::probe::dns::{Answer, LookupError, Outcome, RecordData};
use crate::domain::answers;
use crate::limits::DEFAULT_SIGNATURE_WARNING_SECONDS;
use crate::tls::dane::Tlsa;
use crate::wit::{DaneSettings, DnssecHealth, DnssecState, Settings};

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

/// A host's DANE before its handshake: its TLSA answer, the DNSSEC of the answers it rests
/// on, and what the settings expect.
#[derive(Debug, Clone)]
pub struct DaneLookup {
    /// Where the records were looked up.
    pub tlsa_name: String,
    /// What the lookup gave.
    pub answer: TlsaAnswer,
    /// The DNSSEC of the TLSA answer and of the names it rests on (a domain's MX answer,
    /// the host's addresses).
    pub health: DnssecHealth,
    /// What is expected.
    pub settings: DaneSettings,
}

impl DaneLookup {
    /// The usable records, when DANE is in force: a secure answer with at least one.
    pub fn in_force(&self) -> Option<Vec<Tlsa>> {
        let TlsaAnswer::Records(records) = &self.answer else {
            return None;
        };
        if self.health.state != DnssecState::Secure {
            return None;
        }
        let usable: Vec<Tlsa> = records
            .iter()
            .filter(|r| r.unusable().is_none())
            .cloned()
            .collect();
        (!usable.is_empty()).then_some(usable)
    }
}
