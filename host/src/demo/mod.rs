//! `smtp-sensor demo`: an SMTP responder inside this process, with a throwaway CA made at
//! start-up, checked in every transport-security mode, so a newcomer sees the product work
//! without a mail server of their own.

pub mod impostor;
pub mod pki;
pub mod responder;

use crate::engine::runner::Runner;
use crate::output::names;
use crate::settings::request::CheckRequest;
use crate::wit::{CheckResult, Status, TransportSecurity};
use pki::{Ca, LeafSpec};
use smtp_sensor_guest::limits::channel;
use std::fmt::Write as _;

/// One demo check: what was checked, what was expected, what came out.
pub struct Row {
    /// The transport-security mode.
    pub security: TransportSecurity,
    /// What the responder on that port does.
    pub server: &'static str,
    /// The status this mode should give against it.
    pub expected: Status,
    /// The result.
    pub result: CheckResult,
}

/// Starts the responder and checks it in every mode with the component in `runner`.
pub async fn run(runner: &Runner) -> wasmtime::Result<Vec<Row>> {
    let ca = Ca::new("smtp-sensor demo CA (throwaway)");
    let leaf = ca.issue(&LeafSpec::valid_for(&["localhost", "127.0.0.1"]));
    let ports = responder::start(leaf.server_config(&[])).await?;
    let cases = [
        (
            TransportSecurity::None,
            ports.starttls,
            "plain SMTP with STARTTLS",
            Status::Up,
        ),
        (
            TransportSecurity::StarttlsIfAvailable,
            ports.starttls,
            "plain SMTP with STARTTLS",
            Status::Up,
        ),
        (
            TransportSecurity::Starttls,
            ports.starttls,
            "plain SMTP with STARTTLS",
            Status::Up,
        ),
        (
            TransportSecurity::TlsIfAvailable,
            ports.implicit_tls,
            "implicit TLS",
            Status::Up,
        ),
        (
            TransportSecurity::Tls,
            ports.implicit_tls,
            "implicit TLS",
            Status::Up,
        ),
        (
            TransportSecurity::StarttlsIfAvailable,
            ports.plain_only,
            "plain SMTP, no STARTTLS",
            Status::Warning,
        ),
        (
            TransportSecurity::Starttls,
            ports.plain_only,
            "plain SMTP, no STARTTLS",
            Status::Down,
        ),
    ];
    let mut rows = Vec::new();
    for (security, port, server, expected) in cases {
        let mut request = CheckRequest::new("127.0.0.1");
        request.port = Some(port);
        request.timeout_seconds = Some(10);
        request.security = security;
        request.keep_transcript = true;
        let mut settings = request.into_settings()?;
        settings.tls.trusted_certificates = vec![ca.certificate().to_vec()];
        let result = runner.check(&settings).await;
        rows.push(Row {
            security,
            server,
            expected,
            result,
        });
    }
    Ok(rows)
}

/// The rows as a table: mode, server, status, and timings.
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<22} {:<25} {:<8} {:>9} {:>9}  {}\n",
        "mode", "server", "status", "response", "TLS hs", "TLS"
    );
    for row in rows {
        let value = |name: &str| {
            row.result
                .channels
                .iter()
                .find(|c| c.name == name)
                .map(|c| format!("{:.1} ms", c.value))
        };
        let tls = row.result.tls.as_ref().map_or("-".to_string(), |t| {
            format!("{} {}", t.version, t.cipher_suite)
        });
        let _ = writeln!(
            out,
            "{:<22} {:<25} {:<8} {:>9} {:>9}  {}",
            names::security(row.security),
            row.server,
            names::status(row.result.status).to_uppercase(),
            value(channel::RESPONSE_TIME).unwrap_or_default(),
            value(channel::TLS_HANDSHAKE).unwrap_or_else(|| "-".into()),
            tls
        );
    }
    for row in rows.iter().filter(|r| r.result.status != Status::Up) {
        let phase = row
            .result
            .failure
            .as_ref()
            .map_or("", |f| names::phase(f.phase));
        let _ = writeln!(
            out,
            "\n{} against {} ({phase}): {}",
            names::security(row.security),
            row.server,
            row.result.message
        );
    }
    out
}
