//! The domain's verdict from its causes: each problem found is a cause with the status it
//! earns; the worst status wins, and the first cause by severity (down before warning;
//! among equals DNSSEC, the MX hosts, then MTA-STS, then the expectations) is the one reported.

use crate::wit::{Failure, Status};

/// What a cause is about, in the order causes of one severity are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Area {
    /// The DNSSEC of the domain's own answers: a bogus MX answer fails everything after it.
    Dnssec,
    /// The MX lookup and the MX hosts.
    Mx,
    /// The MTA-STS record, policy and judgement.
    MtaSts,
    /// What `expect-mta-sts` asks.
    Expect,
}

/// One problem: the status it earns (`down` or `warning`), and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cause {
    pub status: Status,
    pub area: Area,
    pub failure: Failure,
}

/// The verdict: the status, the cause reported, and how many other problems there are.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Verdict {
    pub status: Status,
    pub failure: Option<Failure>,
    pub others: usize,
}

/// The worst of `causes`, `up` without any.
pub(super) fn decide(mut causes: Vec<Cause>) -> Verdict {
    let rank = |status: Status| match status {
        Status::Down => 0,
        Status::Warning => 1,
        Status::Up => 2,
    };
    // Stable: causes of one severity and area keep the order they were found in.
    crate::sort::sort_by_key(&mut causes, |cause| (rank(cause.status), cause.area));
    let others = causes.len().saturating_sub(1);
    match causes.into_iter().next() {
        Some(first) => Verdict {
            status: first.status,
            failure: Some(first.failure),
            others,
        },
        None => Verdict {
            status: Status::Up,
            failure: None,
            others: 0,
        },
    }
}
