//! The result's channels, in the order the contract lists them: Response Time and Downtime
//! first (the headline every result has, the host's own included), then TLS Handshake, a
//! round trip's SMTP and mailbox times and Delivery Latency, Send Time, and the two
//! certificates' days.

use super::findings::Figures;
use crate::journal::millis;
use crate::limits::channel;
use crate::mailbox::auth_results::{Trusted, method_name};
use crate::mailbox::trip::Trip;
use crate::tls::facts::TlsFacts;
use crate::wit::{AuthMethod, Channel, ChannelUnit, MailboxProtocol, Status};
use std::time::Duration;

/// The channels every result starts with, whoever makes it: Response Time, the primary
/// channel, and Downtime. A macro, as [`crate::settings_view!`] is: the host makes results
/// of its own (a component that failed) with its own generated types, from this one rule.
#[macro_export]
macro_rules! headline_channels {
    ($channel:ident, $unit:ident, $response_ms:expr, $down:expr) => {
        vec![
            $channel {
                name: $crate::limits::channel::RESPONSE_TIME.into(),
                value: $response_ms,
                unit: $unit::Milliseconds,
            },
            $channel {
                name: $crate::limits::channel::DOWNTIME.into(),
                value: if $down { 100.0 } else { 0.0 },
                unit: $unit::Percent,
            },
        ]
    };
}

/// The receiver's verdicts on a round trip's test email, for their channels.
pub(super) struct Verdicts<'a> {
    /// What the receiver wrote, when it wrote anything.
    pub trusted: Option<&'a Trusted>,
    /// The methods `expect-auth` requires: their channels are there even when the
    /// receiver did not report them (0).
    pub expected: &'a [AuthMethod],
}

/// The methods with a channel of their own, and its name.
const METHOD_CHANNELS: [(AuthMethod, &str); 4] = [
    (AuthMethod::Spf, channel::SPF_PASS),
    (AuthMethod::Dkim, channel::DKIM_PASS),
    (AuthMethod::Dmarc, channel::DMARC_PASS),
    (AuthMethod::Arc, channel::ARC_PASS),
];

/// The channels of a check with these figures and this status.
pub(super) fn list(
    figures: &Figures,
    status: Status,
    tls: &TlsFacts,
    trip: Option<&Trip>,
    verdicts: Verdicts,
    send_time: Option<Duration>,
) -> Vec<Channel> {
    let mut channels = headline_channels!(
        Channel,
        ChannelUnit,
        figures.response_ms,
        status == Status::Down
    );
    let ms = |name: &str, value: f64| channel_of(name, value, ChannelUnit::Milliseconds);
    if let Some(handshake) = tls.handshake {
        channels.push(ms(channel::TLS_HANDSHAKE, millis(handshake)));
    }
    if let Some(trip) = trip {
        channels.push(ms(channel::SMTP_TIME, figures.smtp_ms));
        let mailbox_channel = match trip.protocol {
            MailboxProtocol::Imap => channel::IMAP_TIME,
            MailboxProtocol::Pop3 => channel::POP3_TIME,
        };
        channels.push(ms(mailbox_channel, millis(trip.mailbox_time())));
        if let Some(latency) = figures.latency_ms {
            channels.push(ms(channel::DELIVERY_LATENCY, latency));
        }
        if let Some(delivered) = &trip.delivered {
            channels.extend(delivery_flags(trip.protocol, delivered.spam, &verdicts));
        }
    }
    if let Some(send_time) = send_time {
        channels.push(ms(channel::SEND_TIME, millis(send_time)));
    }
    if let Some(days) = figures.days_left {
        channels.push(channel_of(
            channel::CERTIFICATE_EXPIRY,
            days as f64,
            ChannelUnit::Days,
        ));
    }
    if let Some(days) = figures.mailbox_days_left {
        channels.push(channel_of(
            channel::MAILBOX_CERTIFICATE_EXPIRY,
            days as f64,
            ChannelUnit::Days,
        ));
    }
    channels
}

/// A channel of `name`, `value` and `unit`.
pub(crate) fn channel_of(name: &str, value: f64, unit: ChannelUnit) -> Channel {
    Channel {
        name: name.into(),
        value,
        unit,
    }
}

/// A found test email's flags: "In Spam Folder" (IMAP, which sees the folders), then
/// each method's pass, for the methods the receiver reported or `expect-auth` requires.
fn delivery_flags(protocol: MailboxProtocol, spam: bool, verdicts: &Verdicts) -> Vec<Channel> {
    let flag =
        |name: &str, yes: bool| channel_of(name, if yes { 1.0 } else { 0.0 }, ChannelUnit::Flag);
    let mut flags = Vec::new();
    if protocol == MailboxProtocol::Imap {
        flags.push(flag(channel::IN_SPAM_FOLDER, spam));
    }
    for (method, name) in METHOD_CHANNELS {
        let passed = verdicts.trusted.and_then(|t| t.passed(method_name(method)));
        if passed.is_some() || verdicts.expected.contains(&method) {
            flags.push(flag(name, passed == Some(true)));
        }
    }
    flags
}
