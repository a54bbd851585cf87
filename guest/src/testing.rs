//! Settings for the core's unit tests.

use crate::wit::{Expectations, IpVersion, Settings, TlsSettings, TlsVersion, TransportSecurity};

/// Valid settings for `host` in `security`, every other setting at its default.
pub fn settings(host: &str, security: TransportSecurity) -> Settings {
    Settings {
        host: host.into(),
        port: 25,
        timeout_seconds: 60,
        helo: "probe.example".into(),
        security,
        ip_version: IpVersion::Any,
        authentication: None,
        email: None,
        relay_probe: None,
        mailbox: None,
        domain: None,
        dane: None,
        tls: TlsSettings {
            trusted_certificates: Vec::new(),
            builtin_roots: true,
            server_name: None,
            verify: true,
            certificate_warning_days: 14,
            certificate_critical_days: 0,
            min_version: TlsVersion::Tls12,
        },
        response_time_warning_ms: None,
        response_time_critical_ms: None,
        keep_transcript: false,
        expect: Expectations {
            banner: None,
            extensions: Vec::new(),
            miss_is_warning: false,
        },
    }
}
