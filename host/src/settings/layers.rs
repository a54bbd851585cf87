//! Flags over a file's keys: the command line's options laid over a sensor's table, field
//! by field, saying which values came from the file (`check --config` with flags).

use super::options::SensorOptions;

/// How one option of a higher layer (the command line) sits over a lower one (a file).
trait Layer: Sized {
    /// The value in force, and whether it came from below.
    fn over(self, below: Self) -> (Self, bool);
}

impl<T> Layer for Option<T> {
    fn over(self, below: Self) -> (Self, bool) {
        match self {
            Some(value) => (Some(value), false),
            None => {
                let from_below = below.is_some();
                (below, from_below)
            }
        }
    }
}

impl<T> Layer for Vec<T> {
    fn over(self, below: Self) -> (Self, bool) {
        if self.is_empty() {
            let from_below = !below.is_empty();
            (below, from_below)
        } else {
            (self, false)
        }
    }
}

/// A switch is on when either layer turns it on.
impl Layer for bool {
    fn over(self, below: Self) -> (Self, bool) {
        (self || below, !self && below)
    }
}

/// Lays `$top` over `$below` field by field; the struct literal makes sure none is missed.
macro_rules! layered {
    ($top:ident over $below:ident, $from_below:ident: $($field:ident),+ $(,)?) => {
        SensorOptions {
            $($field: {
                let (value, below) = Layer::over($top.$field, $below.$field);
                if below {
                    $from_below.push(stringify!($field));
                }
                value
            }),+
        }
    };
}

impl SensorOptions {
    /// These options (the command line's) over `file`'s, and the keys whose values came
    /// from the file.
    pub fn over(self, file: SensorOptions) -> (SensorOptions, Vec<&'static str>) {
        let mut from_file = Vec::new();
        let top = self;
        let options = layered!(top over file, from_file:
            host, domain, expect_mta_sts, mta_sts_max_age_warning, dane, expect_dane,
            dane_expect_standby, dnssec_signature_warning, port, timeout, helo, security, ip_version, warning, critical, expect_banner,
            expect_extensions, expect_warning, transcript, tls_ca, tls_roots, tls_min_version,
            tls_server_name, tls_no_verify, cert_warning, cert_critical, auth_user,
            auth_password_file, auth_password_env, auth_password, auth_mechanism,
            allow_plaintext_auth, mail_from, mail_to, envelope_only, relay_probe_from,
            relay_probe_to, subject, body, store_result, sensor_id, mailbox, mailbox_host,
            mailbox_port, mailbox_security, mailbox_tls_server_name, mailbox_user,
            mailbox_password_file, mailbox_password_env, mailbox_allow_plaintext,
            mailbox_token_prefix, latency_warning, latency_critical, mailbox_folders,
            mailbox_authserv_id, expect_auth, targets,
        );
        (options, from_file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_and_say_what_came_from_it() {
        let cli = SensorOptions {
            port: Some(2525),
            ..Default::default()
        };
        let file = SensorOptions {
            host: Some("mail.example".into()),
            port: Some(25),
            mail_to: vec!["a@example.com".into()],
            transcript: true,
            ..Default::default()
        };
        let (options, from_file) = cli.over(file);
        assert_eq!(options.port, Some(2525));
        assert_eq!(options.host.as_deref(), Some("mail.example"));
        assert!(options.transcript);
        assert_eq!(from_file, ["host", "transcript", "mail_to"]);
    }
}
