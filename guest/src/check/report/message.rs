//! The result's message, put together: what the verdict says in the words of [`words`]
//! (about the mailbox server when the mailbox side failed), then what else a person reading
//! it at night needs: the round trip's arrival, which certificate the thresholds judged,
//! expired certificates clients never use, the relay probe's answer, why TLS was given up,
//! and that the certificate was not verified.
//!
//! [`words`]: super::words

use super::findings::Figures;
use super::words::{self, Context, server_label};
use crate::check::mode::Mode;
use crate::journal::millis;
use crate::mailbox::auth_results::Trusted;
use crate::mailbox::trip::Trip;
use crate::smtp::reply::{reply_text, reply_words};
use crate::tls::facts::TlsFacts;
use crate::wit::{ErrorKind, Failure, MailboxProtocol, Phase, Reply, Settings, Status};

/// What the message tells of.
pub(super) struct Told<'a> {
    pub settings: &'a Settings,
    pub status: Status,
    pub failure: Option<&'a Failure>,
    pub figures: &'a Figures,
    pub banner: Option<&'a Reply>,
    /// The relay probe's deciding reply and its phase.
    pub relay_answer: Option<&'a (Phase, Reply)>,
    /// The reply to the test email's content, when it was sent.
    pub message_reply: Option<&'a Reply>,
    /// Why implicit TLS was given up for plain text, if it was.
    pub fallback: Option<&'a Failure>,
    pub trip: Option<&'a Trip>,
    /// The receiver's verdicts on the round trip's test email, when it wrote any.
    pub trusted: Option<&'a Trusted>,
    pub tls: &'a TlsFacts,
    /// Unix seconds, for the certificates' dates.
    pub now: i64,
}

/// The one-line message.
pub(super) fn compose(told: Told) -> String {
    let Told {
        settings,
        status,
        failure,
        figures,
        banner,
        relay_answer,
        message_reply,
        fallback,
        trip,
        trusted,
        tls,
        now,
    } = told;
    let server = server_label(&settings.host, settings.port);
    // The mailbox server with its protocol, so a failure says which side it was.
    let mailbox_server = settings
        .mailbox
        .as_ref()
        .map(|m| {
            format!(
                "{} ({})",
                server_label(&m.host, m.port),
                protocol_name(m.protocol)
            )
        })
        .unwrap_or_default();
    // A silent greeting hints at implicit TLS only off the plain-text ports: on 25 and 587
    // a server that waits is more likely delaying on purpose (postscreen, greet_pause) or
    // behind a firewall; on 143 and 110 likewise.
    let plain_first = |security, port, plain_ports: [u16; 2]| {
        !matches!(Mode::of(security), Mode::ImplicitTls { .. }) && !plain_ports.contains(&port)
    };
    let context = Context {
        server: &server,
        timeout_seconds: settings.timeout_seconds,
        silent_greeting_hint: plain_first(settings.security, settings.port, [25, 587]).then_some(
            "a server of implicit TLS (usual on port 465) says nothing to a client that \
             speaks plain text first: try --security tls",
        ),
    };
    // What the mailbox side did wrong names the mailbox server; the SMTP side's success
    // is told as always, in its own time.
    let mailbox_context = Context {
        server: &mailbox_server,
        silent_greeting_hint: settings
            .mailbox
            .as_ref()
            .filter(|m| plain_first(m.security, m.port, [143, 110]))
            .map(|_| {
                "a server of implicit TLS (usual on ports 993 and 995) says nothing to a \
                 client that speaks plain text first: try --mailbox-security tls"
            }),
        ..context
    };
    let (smtp_ms, response_ms) = (figures.smtp_ms, figures.response_ms);
    // The proof of delivery: the server's acceptance of the test email, with its queue ID.
    let accepted = match message_reply {
        Some(reply) if reply.code == 250 => {
            format!(
                "; the test email was accepted: {}",
                proof_of_delivery(reply)
            )
        }
        _ => String::new(),
    };
    let arrival = match (trip, figures.latency_ms) {
        (Some(trip), Some(latency)) => format!(
            "; the test email arrived in {} {} ms after it was accepted{}{}",
            mailbox_server,
            words::one_decimal(latency),
            trip.latency_precision()
                .map(|p| format!(
                    " (± {} ms, as the looks tell)",
                    words::one_decimal(millis(p))
                ))
                .unwrap_or_default(),
            match trip.left_flagged {
                0 => String::new(),
                n => format!(
                    "; {n} test message{} flagged \\Deleted wait{} for the mailbox's own \
                     expunge (the server lacks UIDPLUS)",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ),
            }
        ),
        _ => String::new(),
    };
    let verdicts = trusted.map(verdicts_said).unwrap_or_default();
    let arrival = format!("{accepted}{arrival}{verdicts}");
    let mut message = match (status, failure) {
        (Status::Down, Some(failure)) if is_mailbox_phase(failure.phase) => {
            // The queue ID is what one looks for in the mail logs when mail goes missing.
            words::for_failure(mailbox_context, failure) + &accepted
        }
        (Status::Down, Some(failure)) => match failure.kind {
            ErrorKind::ResponseTimeExceeded(limit) => {
                words::for_slow(context, banner, response_ms, limit)
            }
            _ => words::for_failure(context, failure),
        },
        (Status::Warning, Some(degraded)) if is_mailbox_phase(degraded.phase) => format!(
            "{}{arrival}; but {}",
            words::for_success(context, banner, smtp_ms),
            words::for_failure(mailbox_context, degraded)
        ),
        (Status::Warning, Some(degraded)) => {
            words::for_warning(context, banner, response_ms, degraded) + &arrival
        }
        _ => words::for_success(context, banner, smtp_ms) + &arrival,
    };
    // A certificate judged for its days that is not the leaf: say which it is.
    if let (Some(failure), Some(first), Some(leaf)) = (failure, tls.judged(), tls.leaf.as_ref())
        && matches!(failure.kind, ErrorKind::CertificateExpiring(_))
        && first != leaf
    {
        let chain = if tls.verified {
            "verified chain"
        } else {
            "chain"
        };
        message.push_str(&format!(
            " (the {chain}'s first certificate to expire is {}, not the server's own)",
            first.subject
        ));
    }
    // Expired certificates the server still sends but clients never use: a note.
    let unused = tls.expired_off_path(now);
    if let Some(first) = unused.first() {
        message.push_str(&format!(
            " (note: the server also sends {}, expired on {}, which the verified chain does \
             not use{})",
            first.subject,
            crate::dates::format_utc(first.not_after),
            match unused.len() {
                1 => String::new(),
                n => format!(", and {} more like it", n - 1),
            }
        ));
    }
    // The open-relay probe's success is a refusal: say which, and where; a temporary one
    // proves neither, and the warning says so in the probe's terms.
    if let (Some(probe), Some((phase, answer)), false) =
        (&settings.relay_probe, relay_answer, status == Status::Down)
    {
        let said = reply_text(answer);
        let whom = match phase {
            Phase::MailFrom => format!("the outside sender {}", probe.from),
            _ => format!("the outside recipient {}", probe.to),
        };
        match (answer.code, phase) {
            (530, Phase::MailFrom) if status == Status::Warning => {
                let success = words::for_success(context, banner, response_ms);
                message = format!(
                    "{success}; but the relay probe is inconclusive: the server wants TLS \
                     before {whom} ({said}), so relaying after TLS was not tested; probe with \
                     --security starttls"
                )
            }
            (500..=599, Phase::MailFrom) => message.push_str(&format!(
                "; it refused {whom} at MAIL FROM, so it does not relay for strangers with \
                 this sender: {said} (a sender in a domain that exists tests relaying itself)"
            )),
            (500..=599, _) => {
                message.push_str(&format!("; it refused to relay to {}: {said}", probe.to))
            }
            (400..=499, _) => {
                let success = words::for_success(context, banner, response_ms);
                message = format!(
                    "{success}; but the relay probe is inconclusive: {whom} was refused only \
                     for now ({said}), which proves neither a refusal to relay nor relaying"
                )
            }
            _ => {}
        }
    }
    // A fallback to plain text that then failed: the first reason still counts.
    if let (Status::Down, Some(fallback)) = (status, fallback) {
        message = words::after_fallback(message, fallback);
    }
    if tls.established && !tls.verify {
        message.push_str(" (certificate not verified: verification is off)");
    }
    message
}

/// How many characters of the reply to the test email the message quotes: PRTG cuts its
/// text at 2,000, and the queue ID must not be lost behind a hostile server's long reply.
const PROOF_CHARS: usize = 200;

/// The reply to the test email as the message quotes it: its code and last line (where the
/// queue ID is), at most [`PROOF_CHARS`] characters.
fn proof_of_delivery(reply: &Reply) -> String {
    let last = reply
        .lines
        .last()
        .map(std::slice::from_ref)
        .unwrap_or_default();
    let said = reply_words(reply.code, last);
    match said.char_indices().nth(PROOF_CHARS) {
        Some((cut, _)) => format!("{}...", &said[..cut]),
        None => said,
    }
}

/// The receiver's verdicts in a few words: `; receiver.test says spf=pass dkim=pass
/// dmarc=pass`, each of SPF, DKIM, DMARC and ARC it reported, by its deciding result.
fn verdicts_said(trusted: &Trusted) -> String {
    let said: Vec<String> = ["spf", "dkim", "dmarc", "arc"]
        .into_iter()
        .filter_map(|method| {
            let result = trusted.verdict(method)?.result.as_str();
            Some(format!("{method}={result}"))
        })
        .collect();
    if said.is_empty() {
        return String::new();
    }
    let receiver = match trusted.authserv_id.as_str() {
        "" => "the receiver",
        id => id,
    };
    format!("; {receiver} says {}", said.join(" "))
}

/// Whether a phase is the round trip's mailbox side.
fn is_mailbox_phase(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::MailboxConnect
            | Phase::MailboxTlsHandshake
            | Phase::MailboxGreeting
            | Phase::MailboxStarttls
            | Phase::MailboxLogin
            | Phase::MailboxSearch
            | Phase::MailboxFetch
            | Phase::MailboxDelete
            | Phase::MailboxLogout
    )
}

/// The protocol's name, as users write it.
fn protocol_name(protocol: MailboxProtocol) -> &'static str {
    match protocol {
        MailboxProtocol::Imap => "IMAP",
        MailboxProtocol::Pop3 => "POP3",
    }
}
