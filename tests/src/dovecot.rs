//! A real Dovecot (Debian's dovecot-imapd and dovecot-pop3d) serving IMAP and POP3 on
//! loopback ports, over Maildirs another server (the test Postfix) delivers into: for the
//! round trip's mailbox side. Its configuration and state live in a temporary folder; it is
//! stopped, and the folder removed, when the handle is dropped.

use crate::scratch::Scratch;
use crate::server::free_port;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How many times Dovecot is started when another process took one of its ports.
const PORT_TRIES: usize = 3;
/// How long Dovecot may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running Dovecot.
pub struct Dovecot {
    dir: Scratch,
    child: Child,
    imap_port: u16,
    pop3_port: u16,
    tls_ports: Option<(u16, u16)>,
}

impl Dovecot {
    /// Starts Dovecot for `users` (name, password), each with the Maildir `mail_root/NAME`,
    /// read and written as `owner` (the user that delivers into them: Postfix's).
    pub fn start(mail_root: &Path, owner: &str, users: &[(&str, &str)]) -> Result<Self, String> {
        Self::start_with(mail_root, owner, users, None)
    }

    /// Like [`Dovecot::start`], with TLS when `tls` (a certificate and key, PEM) is given:
    /// STARTTLS (IMAP) and STLS (POP3) on the plain ports, and implicit-TLS ports (as 993
    /// and 995) besides.
    pub fn start_with(
        mail_root: &Path,
        owner: &str,
        users: &[(&str, &str)],
        tls: Option<(&str, &str)>,
    ) -> Result<Self, String> {
        Self::start_configured(mail_root, owner, users, tls, "")
    }

    /// Like [`Dovecot::start_with`], with `extra` lines at the end of its configuration
    /// (e.g. `imap_capability = ...` to play a server without UIDPLUS).
    pub fn start_configured(
        mail_root: &Path,
        owner: &str,
        users: &[(&str, &str)],
        tls: Option<(&str, &str)>,
        extra: &str,
    ) -> Result<Self, String> {
        // Its ports are picked free, then bound by Dovecot: a test starting beside it may
        // take one in between. Then new ports are picked and it starts again.
        let mut tries = 0;
        loop {
            tries += 1;
            match Self::start_once(mail_root, owner, users, tls, extra) {
                Err(why) if why.contains("Address already in use") && tries < PORT_TRIES => {}
                started => return started,
            }
        }
    }

    /// One start of Dovecot on ports picked free now.
    fn start_once(
        mail_root: &Path,
        owner: &str,
        users: &[(&str, &str)],
        tls: Option<(&str, &str)>,
        extra: &str,
    ) -> Result<Self, String> {
        for binary in ["imap", "pop3"] {
            if !Path::new("/usr/lib/dovecot").join(binary).exists() {
                return Err(format!(
                    "Dovecot's {binary} server is not installed: `apt-get install \
                     dovecot-imapd dovecot-pop3d` (scripts/setup does)"
                ));
            }
        }
        let dir = Scratch::new("dovecot");
        for sub in ["run", "state"] {
            std::fs::create_dir_all(dir.path().join(sub))
                .map_err(|e| format!("create {sub}: {e}"))?;
        }
        let passwd: String = users
            .iter()
            .map(|(user, password)| format!("{user}:{{PLAIN}}{password}\n"))
            .collect();
        dir.write("users", &passwd);
        let (imap_port, pop3_port) = (free_port([127, 0, 0, 1]), free_port([127, 0, 0, 1]));
        let tls_ports = tls.map(|_| (free_port([127, 0, 0, 1]), free_port([127, 0, 0, 1])));
        let ssl = match tls {
            None => "ssl = no".to_string(),
            Some((certificate, key)) => {
                let certificate = dir.write("cert.pem", certificate);
                let key = dir.write("key.pem", key);
                format!(
                    "ssl = yes\nssl_cert = <{}\nssl_key = <{}",
                    certificate.display(),
                    key.display()
                )
            }
        };
        let (imaps_port, pop3s_port) = tls_ports.unwrap_or((0, 0));
        let conf = format!(
            "base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{mail}/%u
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s_port}
  }}
}}
{extra}
",
            d = dir.path().display(),
            mail = mail_root.display(),
        );
        let conf = dir.write("dovecot.conf", &conf);
        let child = Command::new("dovecot")
            .arg("-c")
            .arg(conf)
            .arg("-F")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start dovecot: {e}"))?;
        let mut dovecot = Self {
            dir,
            child,
            imap_port,
            pop3_port,
            tls_ports,
        };
        let started = Instant::now();
        let tls_listeners = tls_ports.map(|(a, b)| [a, b]).unwrap_or_default();
        for port in [imap_port, pop3_port]
            .into_iter()
            .chain(tls_listeners.into_iter().filter(|&p| p != 0))
        {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Ok(Some(status)) = dovecot.child.try_wait() {
                    return Err(format!(
                        "Dovecot exited ({status}); its log:\n{}",
                        dovecot.log()
                    ));
                }
                if started.elapsed() > START_TIMEOUT {
                    return Err(format!(
                        "Dovecot did not listen within {START_TIMEOUT:?}; its log:\n{}",
                        dovecot.log()
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // Something else may answer on a port Dovecot could not take: it must still run.
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(Some(status)) = dovecot.child.try_wait() {
            return Err(format!(
                "Dovecot exited ({status}); its log:\n{}",
                dovecot.log()
            ));
        }
        Ok(dovecot)
    }

    /// Its IMAP port on 127.0.0.1.
    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    /// Its POP3 port on 127.0.0.1.
    pub fn pop3_port(&self) -> u16 {
        self.pop3_port
    }

    /// Its IMAP-over-TLS port (as 993), when started with TLS.
    pub fn imaps_port(&self) -> Option<u16> {
        self.tls_ports.map(|(imaps, _)| imaps)
    }

    /// Its POP3-over-TLS port (as 995), when started with TLS.
    pub fn pop3s_port(&self) -> Option<u16> {
        self.tls_ports.map(|(_, pop3s)| pop3s)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}

/// Stops Dovecot; its folder goes with the `Scratch` after it.
impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
