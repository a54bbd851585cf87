//! What the domain publishes for MTA-STS, its two halves read together: the `_mta-sts`
//! record (does it have one valid record, and its id) and the policy (did the fetch give
//! one that parses). Senders apply the policy only when both are there, so the mode in
//! force is the policy's with a valid record, and one half without the other is a
//! warning.

use super::super::findings::{PolicyFinding, StsRecordFinding};
use super::super::sts_policy::{StsMode, StsPolicy};
use super::super::sts_record::StsRecord;
use super::cause::{Area, Cause};
use super::words::{age, policy_problem, policy_url, record_problem, span};
use crate::journal::millis;
use crate::wit::{self, ErrorKind, Failure, MtaStsResult, Phase, Settings, Status};
use std::time::Duration;

/// The two halves, as found (none: not looked for, as after a null MX).
#[derive(Debug, Clone, Copy)]
pub(super) struct Published<'a> {
    pub record: Option<&'a StsRecordFinding>,
    pub policy: Option<&'a PolicyFinding>,
}

impl<'a> Published<'a> {
    /// The one valid `_mta-sts` record.
    pub fn record(&self) -> Option<&'a StsRecord> {
        match self.record {
            Some(StsRecordFinding::Answered(Ok(Some(record)))) => Some(record),
            _ => None,
        }
    }

    /// The policy the fetch gave, when it parsed.
    pub fn policy(&self) -> Option<&'a StsPolicy> {
        match self.policy {
            Some(PolicyFinding::Policy(policy)) => Some(policy),
            _ => None,
        }
    }

    /// The mode senders apply: the policy's, when a valid record announces it.
    pub fn mode(&self) -> Option<StsMode> {
        self.record().and(self.policy()).map(|policy| policy.mode)
    }

    /// Whether the domain publishes anything of MTA-STS: a record (valid or not) or a
    /// policy.
    pub fn any(&self) -> bool {
        let record = matches!(
            self.record,
            Some(StsRecordFinding::Answered(Ok(Some(_)) | Err(_)))
        );
        record || self.policy().is_some()
    }

    /// One half without the other, or a record that is broken or could not be read:
    /// `warning` (senders then use no policy, or the one they cached).
    pub fn halves(&self, domain: &str, timeout_seconds: u32) -> Option<Cause> {
        let record = self.record?;
        let (phase, why) = match (record, self.policy) {
            (StsRecordFinding::Answered(Ok(Some(found))), Some(policy)) => (
                Phase::MtaStsFetch,
                format!(
                    "the _mta-sts record is there (id {}), but the policy is not: {}",
                    found.id,
                    policy_problem(domain, policy, timeout_seconds)?
                ),
            ),
            (StsRecordFinding::Answered(Ok(None)), Some(PolicyFinding::Policy(policy))) => (
                Phase::MtaStsLookup,
                format!(
                    "the policy at {} (mode {}) is there, but the _mta-sts.{domain} record is \
                     not: senders never fetch the policy without it",
                    policy_url(domain),
                    policy.mode.as_str()
                ),
            ),
            (StsRecordFinding::Answered(Err(_)) | StsRecordFinding::LookupFailed(_), _) => {
                (Phase::MtaStsLookup, record_problem(domain, record)?)
            }
            _ => return None,
        };
        Some(warning(phase, why))
    }

    /// A policy in force whose `max_age` is under `threshold` seconds (0: never).
    pub fn short_max_age(&self, threshold: u32) -> Option<Cause> {
        let policy = self.policy()?;
        if threshold == 0 || policy.mode == StsMode::None || policy.max_age >= threshold {
            return None;
        }
        Some(warning(
            Phase::MtaStsFetch,
            format!(
                "the policy's max_age {} is under {}: senders keep it only that long after \
                 they last fetched it (RFC 8461 3.2 expects weeks or more)",
                age(policy.max_age),
                span(threshold)
            ),
        ))
    }

    /// The mode `settings` expect, when the domain does not publish it in force: `down`,
    /// or `warning` with `expect.miss-is-warning`.
    pub fn expectation(&self, settings: &Settings, domain: &str) -> Option<Cause> {
        let expected = settings.domain.as_ref()?.expect_mta_sts?;
        let (wanted, met) = match (expected, self.mode()) {
            (wit::StsMode::None, _) => return None,
            (wit::StsMode::Enforce, mode) => ("enforce", mode == Some(StsMode::Enforce)),
            (wit::StsMode::Testing, mode) => (
                "testing or enforce",
                matches!(mode, Some(StsMode::Testing | StsMode::Enforce)),
            ),
        };
        if met {
            return None;
        }
        let (phase, found) = match (self.record(), self.policy()) {
            (Some(_), Some(policy)) => (
                Phase::MtaStsFetch,
                format!("its policy's mode is {}", policy.mode.as_str()),
            ),
            (Some(record), None) => (
                Phase::MtaStsFetch,
                format!(
                    "its policy could not be fetched (the _mta-sts record's id is {})",
                    record.id
                ),
            ),
            (None, Some(policy)) => (
                Phase::MtaStsLookup,
                format!(
                    "its policy (mode {}) has no valid _mta-sts.{domain} record, so senders \
                     do not use it",
                    policy.mode.as_str()
                ),
            ),
            (None, None) => (
                Phase::MtaStsLookup,
                "it publishes no MTA-STS policy".to_string(),
            ),
        };
        Some(Cause {
            status: if settings.expect.miss_is_warning {
                Status::Warning
            } else {
                Status::Down
            },
            area: Area::Expect,
            failure: Failure {
                phase,
                kind: ErrorKind::ExpectationMissed(format!(
                    "MTA-STS mode {wanted} was expected, but {found}"
                )),
            },
        })
    }

    /// The contract's view of the two halves.
    pub fn result(
        &self,
        domain: &str,
        fetch: Option<Duration>,
        timeout_seconds: u32,
    ) -> MtaStsResult {
        MtaStsResult {
            record_id: self.record().map(|record| record.id.clone()),
            record_error: self
                .record
                .and_then(|record| record_problem(domain, record)),
            policy: self.policy().map(|policy| wit::StsPolicy {
                mode: wit_mode(policy.mode),
                max_age_seconds: policy.max_age,
                mx: policy.mx.clone(),
            }),
            policy_error: self
                .policy
                .and_then(|policy| policy_problem(domain, policy, timeout_seconds)),
            fetch_milliseconds: fetch.map(millis),
        }
    }
}

/// A policy's mode in the contract's terms.
pub(super) fn wit_mode(mode: StsMode) -> wit::StsMode {
    match mode {
        StsMode::Enforce => wit::StsMode::Enforce,
        StsMode::Testing => wit::StsMode::Testing,
        StsMode::None => wit::StsMode::None,
    }
}

/// An MTA-STS problem that is a warning.
fn warning(phase: Phase, why: String) -> Cause {
    Cause {
        status: Status::Warning,
        area: Area::MtaSts,
        failure: Failure {
            phase,
            kind: ErrorKind::MtaStsFailed(why),
        },
    }
}
