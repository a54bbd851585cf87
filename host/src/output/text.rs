//! `text`: a few lines for a person at a terminal. Everything the server said is passed
//! through [`printable`], so its escape sequences and line breaks are shown, never acted on.
//! A domain check's MX hosts, MTA-STS and TLS-RPT follow its verdict line, a line each
//! ([`super::domain_lines`]); a host check's DANE and DNSSEC its certificate
//! ([`super::dane_lines`]).

use super::dane_lines;
use super::domain_lines;
use super::escape::printable;
use super::measurements::{Quantity, quantity};
use super::names;
use crate::sensor::Sensor;
use crate::wit::{AuthResult, ChannelUnit, CheckResult, MailboxResult, Reply, TranscriptLine};
use smtp_sensor_guest::format_utc;
use smtp_sensor_guest::reply_words;
use std::fmt::Write as _;

/// Every sensor's block; with more than one, each under its name and a blank line apart.
pub fn render(sensors: &[Sensor]) -> String {
    let mut out = String::new();
    for (i, sensor) in sensors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(name) = &sensor.name {
            let _ = writeln!(out, "[{}]", printable(name));
        }
        out.push_str(&result(&sensor.result));
    }
    out
}

/// One result in full: the summary, then the transcript when there is one (a domain
/// check's own, then each MX host's).
pub fn result(result: &CheckResult) -> String {
    summary(result) + &transcripts(result)
}

/// The result's transcript, then a domain check's MX hosts' each under its name; empty
/// when there is none.
pub fn transcripts(result: &CheckResult) -> String {
    let mut out = transcript(&result.transcript);
    for mx in result.domain.iter().flat_map(|d| &d.mx_hosts) {
        if !mx.transcript.is_empty() {
            let title = format!("transcript of MX {}", printable(&mx.exchange));
            out.push_str(&lines_under(&title, &mx.transcript));
        }
    }
    out
}

/// The status and message, a domain check's findings, then channels, timings, TLS, the
/// server's replies: everything but the transcript.
pub fn summary(result: &CheckResult) -> String {
    let mut out = format!(
        "{}: {}\n",
        names::status(result.status).to_uppercase(),
        printable(&result.message)
    );
    if let Some(domain) = &result.domain {
        for line in domain_lines::lines(domain) {
            let _ = writeln!(out, "  {line}");
        }
    }
    for channel in &result.channels {
        let value = match (quantity(&channel.name), channel.unit) {
            (Quantity::Level { .. }, _) => number(channel.value),
            (Quantity::Measured, ChannelUnit::Flag) if channel.value == 0.0 => "no".to_string(),
            (Quantity::Measured, ChannelUnit::Flag) => "yes".to_string(),
            (Quantity::Measured, ChannelUnit::Count) => number(channel.value),
            (Quantity::Measured, unit) => {
                format!("{} {}", number(channel.value), names::unit(unit))
            }
        };
        let _ = writeln!(out, "  {:<19} {value}", printable(&channel.name));
    }
    if !result.timings.is_empty() {
        let timings: Vec<String> = result
            .timings
            .iter()
            .map(|t| format!("{} {} ms", names::phase(t.phase), number(t.milliseconds)))
            .collect();
        let _ = writeln!(out, "  timings: {}", timings.join(", "));
    }
    if let Some(remote) = &result.remote_address {
        let _ = writeln!(out, "  connected to: {}", printable(remote));
    }
    if let Some(tls) = &result.tls {
        let verified = if tls.verified {
            "verified"
        } else {
            "NOT verified"
        };
        let _ = writeln!(out, "  tls: {} {}", tls.version, tls.cipher_suite);
        if !tls.subject.is_empty() {
            let _ = writeln!(
                out,
                "  certificate: {} issued by {}, expires {}, {verified}",
                printable(&tls.subject),
                printable(&tls.issuer),
                format_utc(tls.not_after)
            );
            if tls.chain_subject != tls.subject || tls.chain_not_after != tls.not_after {
                let _ = writeln!(
                    out,
                    "  first to expire in the verified chain: {}, {}",
                    printable(&tls.chain_subject),
                    format_utc(tls.chain_not_after)
                );
            }
            if tls.earliest_not_after < tls.chain_not_after {
                let _ = writeln!(
                    out,
                    "  first to expire of all it sent: {}, {}",
                    printable(&tls.earliest_subject),
                    format_utc(tls.earliest_not_after)
                );
            }
        }
    }
    for line in dane_lines::lines(result) {
        let _ = writeln!(out, "  {line}");
    }
    if let Some(banner) = &result.banner {
        let _ = writeln!(out, "  banner: {}", reply_line(banner));
    }
    if !result.capabilities.is_empty() {
        let capabilities: Vec<String> = result
            .capabilities
            .iter()
            .map(|c| {
                let words: Vec<&str> = std::iter::once(c.keyword.as_str())
                    .chain(c.params.iter().map(String::as_str))
                    .collect();
                printable(&words.join(" ")).into_owned()
            })
            .collect();
        let _ = writeln!(out, "  capabilities: {}", capabilities.join(", "));
    }
    for recipient in &result.recipients {
        let _ = writeln!(
            out,
            "  recipient {}: {}",
            printable(&recipient.address),
            reply_line(&recipient.reply)
        );
    }
    if let Some(reply) = &result.message_reply {
        let _ = writeln!(out, "  test email: {}", reply_line(reply));
    }
    if let Some(reply) = &result.last_reply {
        let _ = writeln!(out, "  last reply: {}", reply_line(reply));
    }
    if let Some(mailbox) = &result.mailbox {
        out.push_str(&receiver(mailbox));
    }
    if let Some(failure) = &result.failure {
        let _ = writeln!(
            out,
            "  failure: {} in phase {}",
            names::error_kind(&failure.kind),
            names::phase(failure.phase)
        );
    }
    out
}

/// Where a round trip found the test email, and the receiver's verdicts on it, a result
/// a line as the receiver wrote it (`dkim=pass header.d=sender.test ...`).
fn receiver(mailbox: &MailboxResult) -> String {
    let mut out = String::new();
    if let Some(folder) = &mailbox.folder {
        let spam = if mailbox.in_spam {
            " (a spam folder)"
        } else {
            ""
        };
        let _ = writeln!(out, "  found in folder: {}{spam}", printable(folder));
    }
    if let Some(auth) = &mailbox.authentication {
        let by = match auth.authserv_id.as_str() {
            "" => "the receiver (no authserv-id)".to_string(),
            id => printable(id).into_owned(),
        };
        let source = if auth.from_arc {
            ", from its ARC-Authentication-Results"
        } else {
            ""
        };
        let _ = writeln!(out, "  verdicts of {by}{source}:");
        for result in &auth.results {
            let _ = writeln!(out, "    {}", printable(&auth_result(result)));
        }
    }
    out
}

/// One result as Authentication-Results writes it: `method=result reason="..." name=value`.
fn auth_result(result: &AuthResult) -> String {
    let mut words = vec![format!("{}={}", result.method, result.result)];
    if let Some(reason) = &result.reason {
        words.push(format!("reason={reason:?}"));
    }
    words.extend(
        result
            .properties
            .iter()
            .map(|p| format!("{}={}", p.name, p.value)),
    );
    words.join(" ")
}

/// The transcript, a line each: time, `C:`/`S:`/`--`, text. Empty when there is none.
pub fn transcript(lines: &[TranscriptLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    lines_under("transcript", lines)
}

/// Transcript lines under `title`.
fn lines_under(title: &str, lines: &[TranscriptLine]) -> String {
    let mut out = format!("  {title}:\n");
    for line in lines {
        let _ = writeln!(
            out,
            "    {:>9} ms {} {}",
            number(line.at_milliseconds),
            names::direction_marker(line.direction),
            printable(&line.text)
        );
    }
    out
}

/// A reply on one line, as the component's messages say it, made printable.
pub fn reply_line(reply: &Reply) -> String {
    printable(&reply_words(reply.code, &reply.lines)).into_owned()
}

/// A number with at most three decimals, without trailing zeros.
pub fn number(value: f64) -> String {
    let fixed = format!("{value:.3}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn snapshots() {
        for (name, sensor) in fixtures::all() {
            fixtures::snapshot("text", name, &render(std::slice::from_ref(&sensor)));
        }
    }

    #[test]
    fn the_folder_and_each_verdict_with_its_properties() {
        let out = render(&[fixtures::warning_delivered_to_spam()]);
        for line in [
            "  In Spam Folder      yes",
            "  DKIM Pass           no",
            "  found in folder: Junk (a spam folder)",
            "  verdicts of receiver.test:",
            "    dkim=fail reason=\"signature verification failed\" header.d=sender.test \
             header.i=@sender.test header.a=rsa-sha256 header.s=s1 header.b=AbCdEf12",
            "    spf=pass smtp.mailfrom=sender.test",
        ] {
            assert!(out.lines().any(|l| l == line), "{line:?} in\n{out}");
        }
    }

    #[test]
    fn a_domain_check_s_mx_hosts_follow_its_verdict() {
        let mut sensor = fixtures::warning_domain();
        let mx = &mut sensor.result.domain.as_mut().unwrap().mx_hosts[0];
        mx.transcript = vec![TranscriptLine {
            at_milliseconds: 12.5,
            direction: crate::wit::Direction::Server,
            text: "220 mx1.example.com ESMTP\u{1b}[2J".into(),
        }];
        let out = render(&[sensor]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("WARNING: example.com: "), "{out}");
        assert!(lines[1].starts_with("  MX 10 mx1.example.com: up"), "{out}");
        assert!(
            lines[2].starts_with("  DANE _25._tcp.mx1.example.com: matched"),
            "{out}"
        );
        assert!(
            lines[3].starts_with("  MX 20 mx2.example.com: down"),
            "{out}"
        );
        for line in [
            "  MX Hosts            2",
            "  MTA-STS Mode        2",
            "  MTA-STS Max Age     7 days",
            "  transcript of MX mx1.example.com:",
            "         12.5 ms S: 220 mx1.example.com ESMTP\\x1b[2J",
        ] {
            assert!(lines.contains(&line), "{line:?} in\n{out}");
        }
    }

    #[test]
    fn hostile_banner_reaches_the_terminal_escaped() {
        let out = render(&[fixtures::hostile()]);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("\\x1b[31m"), "{out}");
        // The server's CR LF did not start a line of its own.
        assert!(out.lines().all(|l| !l.starts_with("FAKE")), "{out}");
    }
}
