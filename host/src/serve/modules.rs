//! The prober's modules: the sensors of the same TOML file `check --config` reads, each
//! validated once when the file is (re)loaded, so a probe only swaps in its target. A
//! sensor with `domain` is a mail domain's module: a probe's target is a domain, which
//! replaces the one the file gives.

use super::log::LogFormat;
use crate::engine::dns::DnsConfig;
use crate::settings::config::ConfigFile;
use crate::settings::invalid::Invalid;
use crate::settings::options::SensorOptions;
use crate::settings::targets::{self, TargetPattern};
use crate::wit::Settings;
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Stands in for the host while a module's settings are validated: a probe always names
/// its target, so a module needs no `host` of its own.
const PLACEHOLDER_HOST: &str = "localhost";

/// One module: the settings every probe with it starts from, and where it may probe.
#[derive(Debug)]
pub struct Module {
    /// The module's name (the sensor's).
    pub name: String,
    /// Validated settings; a probe replaces the host (and the port, when its target has
    /// one) and may lower the timeout. The transcript is always kept (debug, history).
    pub settings: Settings,
    /// The targets it may probe; empty: none.
    pub targets: Vec<TargetPattern>,
    /// Whether the file gave it a `store_result` key, which `serve` does not use.
    pub ignores_store_result: bool,
}

/// A configuration file's modules, in the file's order.
#[derive(Debug)]
pub struct Modules {
    /// The file.
    pub path: PathBuf,
    /// The modules by name.
    pub modules: IndexMap<String, Arc<Module>>,
    /// The host's DNS the file's top-level keys give (read when the prober starts).
    pub dns: DnsConfig,
}

impl Modules {
    /// Reads and validates the file; the error names the file, line, key and fix.
    pub fn read(path: &Path) -> Result<Self, String> {
        Self::from_file(path, &ConfigFile::read(path).map_err(|e| e.to_string())?)
    }

    /// The modules of a file already read from `path`.
    pub fn from_file(path: &Path, file: &ConfigFile) -> Result<Self, String> {
        let env = |name: &str| std::env::var(name).ok();
        let mut modules = IndexMap::new();
        for name in file.names() {
            let options = file.sensor(name).map_err(|e| e.to_string())?;
            let domain = options.domain.is_some();
            // A pattern without a port names mail domains: a module of servers cannot use it.
            if let Some(pattern) = options.targets.iter().find(|p| !domain && !p.has_port()) {
                let invalid = Invalid {
                    flag: "targets",
                    problem: targets::no_port(pattern),
                };
                return Err(file.locate(name, &invalid).to_string());
            }
            let flags = SensorOptions {
                host: (options.host.is_none() && !domain).then(|| PLACEHOLDER_HOST.to_string()),
                ..SensorOptions::default()
            };
            let (mut settings, store) = file.settings(name, flags, &env)?;
            settings.keep_transcript = true;
            let module = Module {
                name: name.to_string(),
                settings,
                targets: options.targets.clone(),
                ignores_store_result: store.is_some() || options.store_result.is_some(),
            };
            modules.insert(name.to_string(), Arc::new(module));
        }
        Ok(Self {
            path: path.to_path_buf(),
            modules,
            dns: file.dns().clone(),
        })
    }

    /// The module called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Module>> {
        self.modules.get(name)
    }

    /// Logs the modules whose `store_result` key `serve` does not use: it is for `check`.
    pub fn warn_store_result(&self, log: LogFormat) {
        for module in self.modules.values().filter(|m| m.ignores_store_result) {
            log.write(
                "warn",
                "store_result is for check; serve keeps recent probes in memory (see /)",
                &[("module", module.name.clone())],
            );
        }
    }

    /// The modules' names, comma-separated (for errors).
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.modules.keys().map(String::as_str).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Modules, String> {
        let path = Path::new("sensors.toml");
        let file = ConfigFile::parse(path, text.to_string()).map_err(|e| e.to_string())?;
        Modules::from_file(path, &file)
    }

    #[test]
    fn modules_need_no_host_and_keep_their_targets() {
        let modules = read(
            "[sensors.starttls]\nsecurity = \"starttls\"\nport = 587\n\
             targets = [\"mx*.example.com:*\", \"127.0.0.1:*\"]\n\n\
             [sensors.plain]\nhost = \"mx.example.com\"\nsecurity = \"none\"\n",
        )
        .unwrap();
        assert_eq!(modules.names(), "starttls, plain");
        let starttls = modules.get("starttls").unwrap();
        assert_eq!(starttls.settings.port, 587);
        assert!(starttls.settings.keep_transcript);
        assert_eq!(starttls.targets.len(), 2);
        assert!(modules.get("plain").unwrap().targets.is_empty());
    }

    #[test]
    fn a_module_with_domain_checks_mail_domains() {
        let modules = read(
            "dns_server = \"127.0.0.53:5353\"\n\n[sensors.maildomain]\ndomain = \"example.com\"\n\
             targets = \"*.example.com\"\n",
        )
        .unwrap();
        let module = modules.get("maildomain").unwrap();
        assert_eq!(module.settings.host, "example.com");
        assert!(module.settings.domain.is_some());
        assert_eq!(module.settings.port, 25);
        assert_eq!(module.targets.len(), 1);
        assert_eq!(modules.dns.servers, ["127.0.0.53:5353".parse().unwrap()]);
        // What a domain check cannot use is refused when the file is read.
        let error = read(
            "[sensors.m]\ndomain = \"example.com\"\nmail_from = \"a@example.com\"\n\
             mail_to = \"b@example.com\"\n",
        )
        .unwrap_err();
        assert!(error.contains("sensors.m.mail_from"), "{error}");
        assert!(error.contains("logs in nowhere"), "{error}");
        let error =
            read("[sensors.m]\ndomain = \"example.com\"\nhost = \"mx.example.com\"\n").unwrap_err();
        assert!(error.contains("not both"), "{error}");
    }

    #[test]
    fn a_module_of_servers_needs_a_port_in_each_pattern() {
        let error = read("[sensors.m]\nsecurity = \"none\"\n\ntargets = [\"*.example.com\"]\n")
            .unwrap_err();
        assert!(error.contains("line 4"), "{error}");
        assert!(error.contains("sensors.m.targets"), "{error}");
        assert!(error.contains("has no port"), "{error}");
        assert!(error.contains("a module with domain"), "{error}");
    }

    #[test]
    fn a_bad_target_pattern_is_placed_at_its_line() {
        let error = read("[sensors.m]\n\ntargets = [\"mx.example.com\"]\n").unwrap_err();
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("sensors.m.targets"), "{error}");
        assert!(error.contains("has no port"), "{error}");
    }

    #[test]
    fn a_bad_value_is_named_with_its_key() {
        let error = read("[sensors.m]\ntimeout = 901\n").unwrap_err();
        assert!(error.contains("sensors.m.timeout"), "{error}");
    }

    #[test]
    fn a_module_takes_every_check_setting() {
        use crate::wit::{IpVersion, TlsVersion};
        let modules = read(
            "[sensors.strict]\nsecurity = \"starttls\"\nip_version = 6\n\
             tls_min_version = 1.3\nexpect_banner = \"Postfix\"\n\
             expect_extensions = [\"REQUIRETLS\"]\nexpect_warning = true\n\
             warning = 5\ntargets = [\"[::1]:*\"]\n\n\
             [sensors.relay]\nsecurity = \"none\"\n\
             relay_probe_from = \"a@outside.example\"\nrelay_probe_to = \"b@elsewhere.example\"\n\
             \n[sensors.envelope]\nsecurity = \"none\"\nmail_from = \"a@example.com\"\n\
             mail_to = \"b@example.com\"\nenvelope_only = true\n",
        )
        .unwrap();
        let strict = &modules.get("strict").unwrap().settings;
        assert_eq!(strict.ip_version, IpVersion::Ipv6);
        assert_eq!(strict.tls.min_version, TlsVersion::Tls13);
        assert_eq!(strict.expect.banner.as_deref(), Some("Postfix"));
        assert_eq!(strict.expect.extensions, ["REQUIRETLS"]);
        assert!(strict.expect.miss_is_warning);
        assert_eq!(strict.response_time_warning_ms, Some(5000));
        let relay = &modules.get("relay").unwrap().settings;
        assert_eq!(
            relay.relay_probe.as_ref().unwrap().to,
            "b@elsewhere.example"
        );
        let envelope = &modules.get("envelope").unwrap().settings;
        assert!(!envelope.email.as_ref().unwrap().send_data);
        let error = read("[sensors.m]\nexpect_banner = \"(\"\n").unwrap_err();
        assert!(error.contains("expect_banner"), "{error}");
    }

    #[test]
    fn a_round_trip_module_takes_the_receiver_s_keys_and_places_their_errors() {
        use crate::wit::AuthMethod;
        let password =
            std::env::temp_dir().join(format!("smtp-sensor-module-pw-{}", std::process::id()));
        std::fs::write(&password, "pw\n").unwrap();
        let module = |keys: &str| {
            format!(
                "[sensors.rt]\nmail_from = \"a@example.com\"\nmail_to = \"b@example.com\"\n\
                 mailbox = \"imap\"\nmailbox_user = \"b\"\nmailbox_password_file = {:?}\n{keys}",
                password.display().to_string()
            )
        };
        let modules = read(&module(
            "mailbox_folders = \"Junk\"\nmailbox_authserv_id = \"mx.example.com\"\n\
             expect_auth = \"dkim,dmarc\"\n",
        ))
        .unwrap();
        let mailbox = modules.get("rt").unwrap().settings.mailbox.clone().unwrap();
        assert_eq!(mailbox.spam_folders, Some(vec!["Junk".to_string()]));
        assert_eq!(mailbox.authserv_id.as_deref(), Some("mx.example.com"));
        assert_eq!(mailbox.expect_auth, [AuthMethod::Dkim, AuthMethod::Dmarc]);
        let error = read(&module("mailbox_folders = \"INBOX\"\n")).unwrap_err();
        std::fs::remove_file(&password).unwrap();
        assert!(
            error.contains("line 7, sensors.rt.mailbox_folders"),
            "{error}"
        );
        assert!(error.contains("INBOX is always looked in"), "{error}");
    }
}
