//! From what a user gave to the contract's settings: defaults filled in, everything
//! validated before anything runs, so bad input is an error naming the setting, not a check.

use crate::wit::{Settings, TlsSettings, TransportSecurity};
use smtp_sensor_guest::limits::{
    DEFAULT_CERT_CRITICAL_DAYS, DEFAULT_CERT_WARNING_DAYS, DEFAULT_PORT_IMPLICIT_TLS,
    DEFAULT_PORT_PLAIN, DEFAULT_TIMEOUT_SECONDS,
};
use smtp_sensor_guest::validate::{self, SettingError};

/// A check as a user describes it; `None` means "the default".
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The server's name or address.
    pub host: String,
    /// The port; the default depends on `security`.
    pub port: Option<u16>,
    /// The timeout in seconds.
    pub timeout_seconds: Option<u32>,
    /// The HELO ident; the default is this machine's name.
    pub helo: Option<String>,
    /// The transport security; the spec's default is implicit TLS.
    pub security: TransportSecurity,
    /// Keep the dialogue's transcript in the result.
    pub keep_transcript: bool,
}

impl CheckRequest {
    /// A request for `host` with every other setting at its default.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: None,
            timeout_seconds: None,
            helo: None,
            security: TransportSecurity::Tls,
            keep_transcript: false,
        }
    }

    /// The validated settings, or the first invalid setting.
    pub fn into_settings(self) -> Result<Settings, SettingError> {
        validate::host(&self.host)?;
        let port = validate::port(self.port.unwrap_or(default_port(self.security)))?;
        let timeout_seconds =
            validate::timeout(self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS))?;
        let helo = match self.helo {
            Some(helo) => validate::helo(&helo)?.to_string(),
            None => machine_name(),
        };
        Ok(Settings {
            host: self.host,
            port,
            timeout_seconds,
            helo,
            security: self.security,
            authentication: None,
            email: None,
            tls: TlsSettings {
                trusted_certificates: Vec::new(),
                server_name: None,
                verify: true,
                certificate_warning_days: DEFAULT_CERT_WARNING_DAYS,
                certificate_critical_days: DEFAULT_CERT_CRITICAL_DAYS,
            },
            keep_transcript: self.keep_transcript,
        })
    }
}

/// The spec's default port: 465 for implicit TLS, 25 otherwise.
pub fn default_port(security: TransportSecurity) -> u16 {
    match security {
        TransportSecurity::Tls | TransportSecurity::TlsIfAvailable => DEFAULT_PORT_IMPLICIT_TLS,
        TransportSecurity::None
        | TransportSecurity::Starttls
        | TransportSecurity::StarttlsIfAvailable => DEFAULT_PORT_PLAIN,
    }
}

/// The spec's default HELO ident: this machine's name, when it is a valid ident.
pub fn machine_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    match validate::helo(&name) {
        Ok(_) => name,
        Err(_) => "localhost".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_sensor_guest::validate::Setting;

    #[test]
    fn defaults_follow_the_spec() {
        let settings = CheckRequest::new("mail.example").into_settings().unwrap();
        assert_eq!(settings.port, 465);
        assert_eq!(settings.timeout_seconds, 60);
        assert_eq!(settings.security, TransportSecurity::Tls);
        assert!(!settings.helo.is_empty());

        let mut plain = CheckRequest::new("mail.example");
        plain.security = TransportSecurity::StarttlsIfAvailable;
        assert_eq!(plain.into_settings().unwrap().port, 25);
    }

    #[test]
    fn invalid_settings_name_the_setting() {
        let with = |f: fn(&mut CheckRequest)| {
            let mut request = CheckRequest::new("mail.example");
            f(&mut request);
            request.into_settings().unwrap_err().setting
        };
        assert_eq!(with(|r| r.host = String::new()), Setting::Host);
        assert_eq!(with(|r| r.port = Some(0)), Setting::Port);
        assert_eq!(with(|r| r.timeout_seconds = Some(0)), Setting::Timeout);
        assert_eq!(with(|r| r.timeout_seconds = Some(901)), Setting::Timeout);
        assert_eq!(with(|r| r.helo = Some("a\r\nRSET".into())), Setting::Helo);
        assert_eq!(with(|r| r.helo = Some("prübe".into())), Setting::Helo);
    }
}
