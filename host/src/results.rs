//! The results the host makes itself, when the component made none: it failed (trapped,
//! overstayed its time), or never ran (a prober's probe that waited for a free slot until
//! its deadline). They carry the same headline channels as the component's own results
//! (the core's [`smtp_sensor_guest::headline_channels!`]).

use crate::wit::{Channel, ChannelUnit, CheckResult, ErrorKind, Failure, Phase, Settings, Status};
use smtp_sensor_guest::server_label;
use std::time::Duration;

/// The `down` result of a check of `settings` whose component failed or could not run,
/// `elapsed` after it started; `why` says what happened, in words.
pub fn component_failed(settings: &Settings, why: String, elapsed: Duration) -> CheckResult {
    let message = format!(
        "{}: the check itself failed: {why}",
        server_label(&settings.host, settings.port)
    );
    let response_ms = elapsed.as_secs_f64() * 1000.0;
    CheckResult {
        status: Status::Down,
        message,
        channels: smtp_sensor_guest::headline_channels!(Channel, ChannelUnit, response_ms, true),
        timings: Vec::new(),
        remote_address: None,
        banner: None,
        last_reply: None,
        capabilities: Vec::new(),
        tls: None,
        recipients: Vec::new(),
        message_reply: None,
        failure: Some(Failure {
            phase: Phase::Settings,
            kind: ErrorKind::ComponentFailed(why),
        }),
        transcript: Vec::new(),
        mailbox: None,
        domain: None,
        dane: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::request::CheckRequest;
    use smtp_sensor_guest::limits::channel;

    #[test]
    fn a_failed_component_names_the_server_as_messages_do() {
        let mut request = CheckRequest::new("::1");
        request.port = Some(25);
        let settings = request.into_settings().unwrap();
        let result = component_failed(&settings, "trap".into(), Duration::from_millis(3));
        assert_eq!(result.message, "[::1]:25: the check itself failed: trap");
        assert_eq!(result.status, Status::Down);
        assert_eq!(result.channels[0].name, channel::RESPONSE_TIME);
        assert_eq!(result.channels[0].value, 3.0);
        assert_eq!(result.channels[1].name, channel::DOWNTIME);
        assert_eq!(result.channels[1].value, 100.0);
    }
}
