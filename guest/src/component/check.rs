//! One check from settings to result: validate, look up, connect, secure, converse, report.
//! The protocol decisions are the session's; this file moves bytes and time, and runs the
//! TLS handshakes when the mode or the session calls for one.

use super::connect::open;
use super::net::{self, Connection, Instant, IoError};
use super::report::{leaf, report, unix_now};
use super::tls_stream::{HandshakeError, TlsStream, Transport};
use crate::email::{self, Draft};
use crate::journal::Journal;
use crate::message::{Context, server_label};
use crate::mode::Mode;
use crate::secret::Secret;
use crate::session::{AuthPlan, MailPlan, Outcome, Plan as SessionPlan, Session};
use crate::tls::errors;
use crate::tls::verifier::{self, Record};
use crate::validate::{self, Target};
use crate::wit::{CheckResult, Email, ErrorKind, Failure, Phase, Settings};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;

/// The clock of one check: the start, the deadline, and offsets from the start.
#[derive(Clone, Copy)]
pub(super) struct Clock {
    pub(super) start: Instant,
    pub(super) deadline: Instant,
}

impl Clock {
    pub(super) fn elapsed(self) -> Duration {
        Duration::from_nanos(net::now().saturating_sub(self.start))
    }

    pub(super) fn at(self, offset: Duration) -> Instant {
        self.start
            .saturating_add(u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// What the settings call for, checked before any network use.
struct Plan {
    target: Target,
    /// What the transport-security setting means.
    mode: Mode,
    /// The TLS configuration, for every mode but `none`.
    tls: Option<TlsPlan>,
    /// What the SMTP dialogue is to do.
    session: SessionPlan,
}

pub(super) struct TlsPlan {
    pub(super) config: Arc<ClientConfig>,
    pub(super) name: ServerName<'static>,
    pub(super) record: Record,
    pub(super) verify: bool,
}

/// What TLS showed, gathered across handshakes for the result.
#[derive(Default)]
pub(super) struct TlsFacts {
    pub(super) attempted: bool,
    pub(super) established: bool,
    pub(super) version: Option<String>,
    pub(super) cipher_suite: Option<String>,
    pub(super) handshake: Option<Duration>,
}

/// Runs one check. Never panics on anything the server or the settings do.
pub fn run(settings: Settings) -> CheckResult {
    let start = net::now();
    let timeout = Duration::from_secs(u64::from(settings.timeout_seconds));
    let clock = Clock {
        start,
        deadline: start.saturating_add(timeout.as_nanos() as u64),
    };
    let journal = Journal::new(settings.keep_transcript);
    let server = server_label(&settings.host, settings.port);
    let context = Context {
        server: &server,
        timeout_seconds: settings.timeout_seconds,
    };
    let mut facts = TlsFacts::default();

    let (outcome, remote, plan) = match prepare(&settings) {
        Err(kind) => {
            let failure = Failure {
                phase: Phase::Settings,
                kind,
            };
            (
                Outcome::failed_early(failure, clock.elapsed(), journal),
                None,
                None,
            )
        }
        Ok(plan) => {
            let (outcome, remote) = execute(&settings, &plan, clock, journal, &mut facts);
            (outcome, remote, Some(plan))
        }
    };
    let tls = plan.as_ref().and_then(|plan| plan.tls.as_ref());
    report(&settings, context, outcome, remote, tls, &facts)
}

/// Validates what the host should have validated, builds the TLS configuration, and refuses
/// what this build cannot do.
fn prepare(settings: &Settings) -> Result<Plan, ErrorKind> {
    let invalid = |e: validate::SettingError| ErrorKind::InvalidSettings(e.to_string());
    let target = validate::settings(&(settings.into())).map_err(invalid)?;
    let auth = match &settings.authentication {
        None => None,
        Some(auth) => Some(AuthPlan {
            user: auth.user.clone(),
            password: Secret::new(auth.password.clone()),
            mechanism: auth.mechanism,
            allow_plaintext: auth.allow_plaintext,
        }),
    };
    let mail = match &settings.email {
        None => None,
        Some(email) => Some(compose(email, &settings.helo)),
    };
    let mode = Mode::of(settings.security);
    let session = SessionPlan {
        helo: settings.helo.clone(),
        starttls: mode.starttls(),
        encrypted: false,
        auth,
        mail,
    };
    let tls = if mode.may_use_tls() {
        let (config, record) = verifier::client_config(&settings.tls)?;
        let name = verifier::server_name(&settings.host, settings.tls.server_name.as_deref())?;
        Some(TlsPlan {
            config,
            name,
            record,
            verify: settings.tls.verify,
        })
    } else {
        None
    };
    Ok(Plan {
        target,
        mode,
        tls,
        session,
    })
}

/// The test email, composed now: Date from the wall clock, a random Message-ID.
fn compose(email: &Email, helo: &str) -> MailPlan {
    let mut random = [0u8; 16];
    let _ = verifier::provider().secure_random.fill(&mut random);
    let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let domain = match validate::host(helo) {
        Ok(Target::Name(name)) => name,
        _ => "smtp-sensor.invalid".to_string(),
    };
    let message_id = format!("{id}@{domain}");
    let draft = Draft {
        from: &email.from,
        to: &email.to,
        subject: &email.subject,
        body: &email.content,
        date: unix_now(),
        message_id: &message_id,
    };
    MailPlan {
        from: email.from.clone(),
        to: email.to.clone(),
        message: email::compose(&draft),
    }
}

/// Connects, runs implicit TLS if asked (falling back to plain text if allowed), then the
/// SMTP dialogue.
fn execute(
    settings: &Settings,
    plan: &Plan,
    clock: Clock,
    mut journal: Journal,
    facts: &mut TlsFacts,
) -> (Outcome, Option<String>) {
    let (connection, remote) = match open(&plan.target, settings.port, clock, &mut journal) {
        Ok(opened) => opened,
        Err(failure) => {
            return (
                Outcome::failed_early(failure, clock.elapsed(), journal),
                None,
            );
        }
    };
    journal.note(clock.elapsed(), format!("connected to {remote}"));
    let remote_label = Some(remote.to_string());
    let implicit_tls = match (plan.mode, plan.tls.as_ref()) {
        (Mode::ImplicitTls { fallback }, Some(tls)) => Some((tls, fallback)),
        _ => None,
    };
    let (transport, fallback) = match implicit_tls {
        None => (Transport::Plain(connection), None),
        Some((tls, may_fall_back)) => {
            let started = clock.elapsed();
            let secured = handshake(connection, tls, clock, facts);
            journal.timing(Phase::TlsHandshake, started, clock.elapsed());
            match secured {
                Ok(stream) => {
                    journal.note(clock.elapsed(), established(facts));
                    (Transport::Tls(Box::new(stream)), None)
                }
                Err(kind) => {
                    let failure = Failure {
                        phase: Phase::TlsHandshake,
                        kind,
                    };
                    if !may_fall_back {
                        let outcome = Outcome::failed_early(failure, clock.elapsed(), journal);
                        return (outcome, remote_label);
                    }
                    journal.note(
                        clock.elapsed(),
                        "implicit TLS failed; reconnecting in plain text",
                    );
                    match open(&plan.target, settings.port, clock, &mut journal) {
                        Ok((connection, _)) => (Transport::Plain(connection), Some(failure)),
                        Err(failure) => {
                            let outcome = Outcome::failed_early(failure, clock.elapsed(), journal);
                            return (outcome, remote_label);
                        }
                    }
                }
            }
        }
    };
    let session_plan = SessionPlan {
        encrypted: matches!(transport, Transport::Tls(_)),
        ..plan.session.clone()
    };
    let mut session = Session::new(session_plan, journal, clock.elapsed());
    if let Some(warning) = fallback {
        session.warn(warning);
    }
    converse(&mut session, transport, clock, plan.tls.as_ref(), facts);
    (session.into_outcome(), remote_label)
}

/// Runs a TLS handshake over `connection`, recording what it showed in `facts`.
fn handshake(
    connection: Connection,
    plan: &TlsPlan,
    clock: Clock,
    facts: &mut TlsFacts,
) -> Result<TlsStream, ErrorKind> {
    facts.attempted = true;
    let started = clock.elapsed();
    let mut stream = TlsStream::new(connection, plan.config.clone(), plan.name.clone())
        .map_err(|e| ErrorKind::TlsFailed(e.to_string()))?;
    let result = stream.handshake(clock.deadline);
    facts.handshake = Some(clock.elapsed().saturating_sub(started));
    facts.version = stream.version();
    facts.cipher_suite = stream.cipher_suite();
    match result {
        Ok(()) => {
            facts.established = true;
            Ok(stream)
        }
        Err(HandshakeError::Io(IoError::Timeout)) => Err(ErrorKind::Timeout),
        Err(HandshakeError::Io(IoError::Closed)) => Err(ErrorKind::TlsFailed(
            "the server closed the connection during the handshake".into(),
        )),
        Err(HandshakeError::Io(IoError::Failed(why))) => Err(ErrorKind::TlsFailed(why)),
        Err(HandshakeError::Tls(error)) => {
            let leaf = leaf(&plan.record);
            Err(errors::classify(
                &error,
                leaf.as_ref(),
                stream.first_bytes(),
            ))
        }
    }
}

/// The transcript note for an established TLS connection.
fn established(facts: &TlsFacts) -> String {
    format!(
        "TLS established: {} {}",
        facts.version.as_deref().unwrap_or("?"),
        facts.cipher_suite.as_deref().unwrap_or("?")
    )
}

/// Moves bytes between the session and the connection until the session is done,
/// upgrading the connection when the session asks for it (STARTTLS).
fn converse(
    session: &mut Session,
    mut transport: Transport,
    clock: Clock,
    tls: Option<&TlsPlan>,
    facts: &mut TlsFacts,
) {
    loop {
        if let Some(bytes) = session.poll_transmit()
            && let Err(error) = transport.write_all(&bytes, clock.deadline)
        {
            handle_io_error(session, clock, error);
        }
        if session.is_closed() {
            return;
        }
        if session.wants_tls() {
            let (Transport::Plain(connection), Some(plan)) = (transport, tls) else {
                let why = "STARTTLS over a connection that is already TLS";
                session
                    .handle_tls_failed(clock.elapsed(), ErrorKind::ProtocolViolation(why.into()));
                return;
            };
            match handshake(connection, plan, clock, facts) {
                Ok(stream) => {
                    session.note(clock.elapsed(), established(facts));
                    session.handle_tls_established(clock.elapsed());
                    transport = Transport::Tls(Box::new(stream));
                }
                Err(kind) => return session.handle_tls_failed(clock.elapsed(), kind),
            }
            continue;
        }
        let wait_until = session
            .timeout_at()
            .map_or(clock.deadline, |t| clock.at(t).min(clock.deadline));
        match transport.read(wait_until) {
            Ok(bytes) => session.handle_input(clock.elapsed(), &bytes),
            Err(error) => handle_io_error(session, clock, error),
        }
    }
}

fn handle_io_error(session: &mut Session, clock: Clock, error: IoError) {
    match error {
        IoError::Timeout => session.handle_timeout(clock.elapsed()),
        IoError::Closed => session.handle_close(clock.elapsed(), "closed by the server"),
        IoError::Failed(why) => session.handle_close(clock.elapsed(), &why),
    }
}
