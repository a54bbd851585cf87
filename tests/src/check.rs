//! Running checks in process, as the end-to-end tests do: one compiled component for a test
//! binary, settings for a loopback server, and what a result says went wrong.

use smtp_sensor_host::engine::runner::Runner;
use smtp_sensor_host::settings::request::CheckRequest;
use smtp_sensor_host::wit::{CheckResult, ErrorKind, Phase, TransportSecurity};
use std::sync::LazyLock;

/// The embedded component, compiled once for the whole test binary.
pub static RUNNER: LazyLock<Runner> =
    LazyLock::new(|| Runner::embedded().expect("load the component"));

/// A check of `host:port` in `security`: 5 s timeout, HELO `probe.test`, transcript kept.
/// Tests change what they need before `into_settings`.
pub fn request(host: &str, port: u16, security: TransportSecurity) -> CheckRequest {
    let mut request = CheckRequest::new(host);
    request.port = Some(port);
    request.timeout_seconds = Some(5);
    request.helo = Some("probe.test".into());
    request.security = security;
    request.keep_transcript = true;
    request
}

/// The phase and kind of a result's failure; panics, with the message, when there is none.
pub fn failure(result: &CheckResult) -> (Phase, ErrorKind) {
    let failure = result
        .failure
        .clone()
        .unwrap_or_else(|| panic!("no failure in: {}", result.message));
    (failure.phase, failure.kind)
}
