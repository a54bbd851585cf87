//! A real Postfix (Debian's package) on a loopback port, with a configuration and queue of
//! its own in a temporary folder, for interoperability tests. It accepts connections only on
//! 127.0.0.1, looks up no peer names (this machine has no DNS to ask) and delivers nothing
//! outwards. It is stopped, and its folder removed, when the handle is dropped.

use smtp_sensor_host::demo::pki::{Ca, LeafSpec};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Postfix may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The services every instance runs besides its SMTP listener (from Debian's master.cf,
/// without chroot, so the instance needs nothing outside its folder).
const BASE_SERVICES: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
";

/// How to set up an instance.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Lines appended to main.cf.
    pub main_cf: String,
    /// A server certificate and key (PEM): turns on STARTTLS on the plain port and adds an
    /// implicit-TLS port (`smtpd_tls_wrappermode`, as on 465).
    pub tls: Option<(String, String)>,
    /// Users (name, password) that may log in: starts a Dovecot as Postfix's SASL service
    /// (PLAIN, LOGIN, CRAM-MD5), offered only over TLS (`smtpd_tls_auth_only`).
    pub sasl_users: Vec<(String, String)>,
    /// Local mailboxes (addresses in the domain `sensor.test`) that accept mail, delivered
    /// as Maildirs into this instance's folder (see `mailbox`).
    pub mailboxes: Vec<String>,
    /// More addresses delivered locally, each into a folder of a mailbox: (local part,
    /// Maildir path under the mail folder, ending in `/`), e.g. `("rcpt-junk",
    /// "rcpt/.Junk/")` for a Maildir++ Junk folder Dovecot shows as `Junk`.
    pub mailbox_folders: Vec<(String, String)>,
    /// Lines appended to master.cf (e.g. the `smtp` client service, to relay onwards).
    pub master_cf: String,
    /// Runs the master, and so every service, in a private mount namespace (`unshare
    /// --mount`, as root) whose `/etc/resolv.conf` names only this nameserver: a loopback
    /// address with a test's DNS server on port 53, for services that resolve through
    /// `/etc/resolv.conf` (policyd-spf), without touching the machine's.
    pub resolver: Option<std::net::Ipv4Addr>,
    /// The SMTP listener's port, when chosen beforehand (so that instances that relay to
    /// each other can start at once); a free one otherwise.
    pub port: Option<u16>,
    /// The loopback address its listeners bind, 127.0.0.1 when none: an MX host of a
    /// domain check's test listens on port 25 of an address of its own (127.0.0.x; binding
    /// port 25 needs root, as the tests run). Only master.cf names it: `inet_interfaces`
    /// stays 127.0.0.1, as Postfix wants an interface's own address there.
    pub address: Option<std::net::Ipv4Addr>,
}

/// The domain whose mail this Postfix delivers locally.
pub const MAIL_DOMAIN: &str = "sensor.test";

/// A running Postfix instance.
pub struct Postfix {
    dir: PathBuf,
    master: Child,
    dovecot: Option<Child>,
    port: u16,
    tls_port: Option<u16>,
    confined: bool,
    address: std::net::Ipv4Addr,
}

impl Postfix {
    /// Starts Postfix with one plain SMTP listener on a free loopback port, plus
    /// `extra_main_cf` lines appended to its main.cf.
    pub fn start(extra_main_cf: &str) -> Result<Self, String> {
        Self::start_with(Config {
            main_cf: extra_main_cf.to_string(),
            ..Config::default()
        })
    }

    /// Starts Postfix as `config` says.
    pub fn start_with(config: Config) -> Result<Self, String> {
        if Command::new("postfix").arg("-h").output().is_err() {
            return Err(
                "Postfix is not installed: `apt-get install postfix` (.ci/run does)".into(),
            );
        }
        let port = match config.port {
            Some(port) => port,
            None => free_port()?,
        };
        let address = config.address.unwrap_or(std::net::Ipv4Addr::LOCALHOST);
        let dir = std::env::temp_dir().join(format!(
            "smtp-sensor-postfix-{}-{address}-{port}",
            std::process::id()
        ));
        // Removed again if the start fails before the handle owns it.
        let mut guard = FolderGuard(Some(dir.clone()));
        let etc = dir.join("etc");
        for sub in ["etc", "queue", "data"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("create {sub}: {e}"))?;
        }
        let mut extra_main_cf = config.main_cf.clone();
        let mut master_cf = format!("{address}:{port} inet n - n - - smtpd\n{BASE_SERVICES}");
        let mut tls_port = None;
        if let Some((certificate, key)) = &config.tls {
            let (cert_file, key_file) = (etc.join("server.crt"), etc.join("server.key"));
            write(&cert_file, certificate)?;
            write(&key_file, key)?;
            extra_main_cf.push_str(&format!(
                "\nsmtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\nsmtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1\n",
                cert_file.display(),
                key_file.display()
            ));
            let implicit = free_port()?;
            master_cf.push_str(&format!(
                "{address}:{implicit} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt\n"
            ));
            tls_port = Some(implicit);
        }
        if !config.mailboxes.is_empty() {
            let (uid, gid) = (id("-u")?, id("-g")?);
            let maps: Vec<String> = config
                .mailboxes
                .iter()
                .map(|m| format!("{m}@{MAIL_DOMAIN}={m}/"))
                .chain(
                    (config.mailbox_folders.iter())
                        .map(|(local, path)| format!("{local}@{MAIL_DOMAIN}={path}")),
                )
                .collect();
            extra_main_cf.push_str(&format!(
                "\nvirtual_mailbox_domains = {MAIL_DOMAIN}\nvirtual_mailbox_base = {}\nvirtual_mailbox_maps = inline:{{{}}}\nvirtual_uid_maps = static:{uid}\nvirtual_gid_maps = static:{gid}\n",
                dir.join("mail").display(),
                maps.join(", ")
            ));
            master_cf.push_str("virtual   unix  -       n       n       -       -       virtual\n");
        }
        if !config.sasl_users.is_empty() {
            extra_main_cf.push_str(
                "\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\nsmtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = yes\n",
            );
        }
        let base = format!(
            "compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = smtp-sensor-test.localdomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
default_transport = error:outbound mail is disabled in tests
relay_transport = error:outbound mail is disabled in tests
maillog_file = /dev/stdout
alias_maps =
alias_database =
",
            dir = dir.display()
        );
        // A parameter the extra lines set replaces the base's line (Postfix would take the
        // later one too, but warn in every log line of every service).
        let set_later = |line: &&str| {
            let name = line.split('=').next().unwrap_or_default().trim();
            extra_main_cf
                .lines()
                .any(|l| l.split_once('=').is_some_and(|(n, _)| n.trim() == name))
        };
        let kept: Vec<&str> = base.lines().filter(|l| !set_later(l)).collect();
        let main_cf = format!("{}\n{extra_main_cf}\n", kept.join("\n"));
        write(&etc.join("main.cf"), &main_cf)?;
        master_cf.push_str(&config.master_cf);
        write(&etc.join("master.cf"), &master_cf)?;
        std::fs::create_dir_all(dir.join("mail")).map_err(|e| format!("create mail: {e}"))?;
        let status = Command::new("chown")
            .args(["postfix"])
            .arg(dir.join("data"))
            .arg(dir.join("mail"))
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !status.success() {
            return Err("chown postfix of the data folder failed (the tests run as root)".into());
        }
        let check = Command::new("postfix")
            .arg("-c")
            .arg(&etc)
            .arg("check")
            .output();
        if !matches!(&check, Ok(o) if o.status.success()) {
            return Err(format!("postfix check failed: {check:?}"));
        }
        let dovecot = match config.sasl_users.is_empty() {
            true => None,
            false => Some(start_dovecot(&dir, &config.sasl_users)?),
        };
        if let Some(nameserver) = config.resolver {
            assert!(nameserver.is_loopback(), "no DNS query may leave loopback");
            write(
                &dir.join("resolv.conf"),
                &format!("nameserver {nameserver}\n"),
            )?;
        }
        let confined = config.resolver.is_some();
        let master = start_master(&dir, confined)?;
        let postfix = Postfix {
            dir,
            master,
            dovecot,
            port,
            tls_port,
            confined,
            address,
        };
        guard.0 = None;
        postfix.wait_until_listening()?;
        Ok(postfix)
    }

    /// Starts Postfix with TLS: a server certificate (for localhost and 127.0.0.1) from a new
    /// throwaway CA, whose certificate is written to `ca.pem` in the instance's folder for
    /// `--tls-ca`. Returns the instance and that file's path.
    pub fn start_with_test_ca(config: Config) -> Result<(Self, String), String> {
        let ca = Ca::new("smtp-sensor Postfix test CA");
        let leaf = ca.issue(&LeafSpec::valid_for(&["localhost", "127.0.0.1"]));
        let config = Config {
            tls: Some((leaf.certificate_pem, leaf.key_pem)),
            ..config
        };
        let postfix = Self::start_with(config)?;
        let ca_file = postfix.dir.join("ca.pem");
        write(&ca_file, &ca.pem())?;
        Ok((postfix, ca_file.display().to_string()))
    }

    /// The port of its SMTP listener (on [`Postfix::address`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The loopback address its listeners bind.
    pub fn address(&self) -> std::net::Ipv4Addr {
        self.address
    }

    /// The port of its implicit-TLS listener, when started with TLS.
    pub fn tls_port(&self) -> Option<u16> {
        self.tls_port
    }

    /// The folder of this instance (its configuration is in `etc/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The messages delivered to `mailbox` (its Maildir's `new/`), as text.
    pub fn mailbox(&self, mailbox: &str) -> Vec<String> {
        let new = self.dir.join("mail").join(mailbox).join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// Waits up to `timeout` for `needle` to appear in its log (Postfix logs a session's
    /// summary only after the client has gone).
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let started = Instant::now();
        while !self.log().contains(needle) {
            if started.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Stops this Postfix (its master and every service), as an outage would; its queue and
    /// mail stay. [`Postfix::start_again`] brings it back on the same ports.
    pub fn stop(&mut self) {
        self.stop_master();
        let started = Instant::now();
        let listening = |port| TcpStream::connect((self.address, port)).is_ok();
        while (listening(self.port) || self.tls_port.is_some_and(listening))
            && started.elapsed() < START_TIMEOUT
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the master and its services (`postfix stop`, then the master process).
    fn stop_master(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(self.dir.join("etc"))
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.master.kill();
        let _ = self.master.wait();
    }

    /// Starts a stopped Postfix again, with the same configuration, and waits until it
    /// listens.
    pub fn start_again(&mut self) -> Result<(), String> {
        self.master = start_master(&self.dir, self.confined)?;
        self.wait_until_listening()
    }

    fn wait_until_listening(&self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            let listening = |port| TcpStream::connect((self.address, port)).is_ok();
            if listening(self.port) && self.tls_port.is_none_or(listening) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "Postfix did not listen within {START_TIMEOUT:?}; its log:\n{}",
            self.log()
        ))
    }
}

/// A folder removed when dropped, unless taken (`.0 = None`).
struct FolderGuard(Option<PathBuf>);

impl Drop for FolderGuard {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop_master();
        if let Some(dovecot) = &mut self.dovecot {
            let _ = dovecot.kill();
            let _ = dovecot.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the master of the instance in `dir` in the foreground, appending to its log;
/// when `confined`, in a mount namespace with `dir/resolv.conf` as `/etc/resolv.conf`.
fn start_master(dir: &Path, confined: bool) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("maillog"))
        .map_err(|e| e.to_string())?;
    let mut command = Command::new(if confined { "unshare" } else { "postfix" });
    if confined {
        let setup = "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"";
        command
            .args(["--mount", "sh", "-c", setup])
            .arg(dir.join("resolv.conf"))
            .arg("postfix");
    }
    command
        .arg("-c")
        .arg(dir.join("etc"))
        .arg("start-fg")
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("start postfix: {e}"))
}

/// Starts Dovecot as the SASL service only (no IMAP/POP3), its socket where Postfix looks.
fn start_dovecot(dir: &Path, users: &[(String, String)]) -> Result<Child, String> {
    if Command::new("dovecot").arg("--version").output().is_err() {
        return Err(
            "Dovecot is not installed: `apt-get install dovecot-core` (.ci/run does)".into(),
        );
    }
    let d = dir.join("dovecot");
    for sub in ["run", "state"] {
        std::fs::create_dir_all(d.join(sub)).map_err(|e| format!("create dovecot/{sub}: {e}"))?;
    }
    let passwd: String = users
        .iter()
        .map(|(user, password)| format!("{user}:{{PLAIN}}{password}\n"))
        .collect();
    write(&d.join("users"), &passwd)?;
    let conf = format!(
        "base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
service auth {{
  unix_listener {queue}/private/auth {{
    mode = 0666
  }}
}}
",
        d = d.display(),
        queue = dir.join("queue").display()
    );
    write(&d.join("dovecot.conf"), &conf)?;
    let child = Command::new("dovecot")
        .arg("-c")
        .arg(d.join("dovecot.conf"))
        .arg("-F")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start dovecot: {e}"))?;
    let socket = dir.join("queue/private/auth");
    let started = Instant::now();
    while !socket.exists() {
        if started.elapsed() > START_TIMEOUT {
            let log = std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default();
            return Err(format!(
                "Dovecot made no auth socket within {START_TIMEOUT:?}:\n{log}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child)
}

/// The postfix user's uid (`-u`) or gid (`-g`).
fn id(flag: &str) -> Result<String, String> {
    let output = Command::new("id")
        .args([flag, "postfix"])
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
