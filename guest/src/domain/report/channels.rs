//! The domain's channels, in order: Response Time (the slowest MX host's) and Downtime,
//! the headline every result has; then MX Hosts, MX Hosts Up, Certificate Expiry (the
//! earliest of the hosts'), MTA-STS Mode and, with a policy, MTA-STS Max Age.

use super::super::findings::MxFinding;
use super::super::sts_policy::{StsMode, StsPolicy};
use super::mx::passes;
use crate::check::report::channel_of;
use crate::journal::millis;
use crate::limits::channel;
use crate::wit::{Channel, ChannelUnit, Status};
use std::time::Duration;

/// The unit of the channels that count (MX hosts, the mode's number).
const COUNT: ChannelUnit = ChannelUnit::Count;

/// The channels of a domain whose hosts are `hosts`, whose check took `elapsed`, with
/// `mode` in force and `policy` fetched.
pub(super) fn list(
    status: Status,
    hosts: &[MxFinding],
    elapsed: Duration,
    mode: Option<StsMode>,
    policy: Option<&StsPolicy>,
) -> Vec<Channel> {
    let slowest = hosts
        .iter()
        .map(|host| host.elapsed)
        .max()
        .unwrap_or(elapsed);
    let mut channels = crate::headline_channels!(
        Channel,
        ChannelUnit,
        millis(slowest),
        status == Status::Down
    );
    let up = hosts.iter().filter(|host| passes(host)).count();
    channels.push(channel_of(channel::MX_HOSTS, hosts.len() as f64, COUNT));
    channels.push(channel_of(channel::MX_HOSTS_UP, up as f64, COUNT));
    let earliest = hosts
        .iter()
        .flat_map(|host| &host.result.channels)
        .filter(|c| c.name == channel::CERTIFICATE_EXPIRY)
        .map(|c| c.value)
        .reduce(f64::min);
    if let Some(days) = earliest {
        channels.push(channel_of(
            channel::CERTIFICATE_EXPIRY,
            days,
            ChannelUnit::Days,
        ));
    }
    let mode_value = match mode {
        Some(StsMode::Enforce) => 2.0,
        Some(StsMode::Testing) => 1.0,
        Some(StsMode::None) | None => 0.0,
    };
    channels.push(channel_of(channel::MTA_STS_MODE, mode_value, COUNT));
    if let Some(policy) = policy {
        channels.push(channel_of(
            channel::MTA_STS_MAX_AGE,
            f64::from(policy.max_age) / 86_400.0,
            ChannelUnit::Days,
        ));
    }
    channels
}
