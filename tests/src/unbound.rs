//! A validating resolver of a test's own: Unbound (Debian's `unbound`, never its service)
//! on port 53 of a claimed loopback address (127.53.x.y, see `loopback`), for programs that
//! resolve through `/etc/resolv.conf` and trust its AD bit, like Postfix's DANE
//! (`posttls-finger -l dane`). It knows only the test's zones: each a stub zone sent to its
//! Knot, validated from the zone's DNSKEY records as its trust anchor; every other name is
//! refused, and it sends only from its own loopback address, so no query can leave the
//! machine (not even to the root). Stopped, and its folder removed, when dropped.

use crate::loopback::{Claimed, claim};
use crate::scratch::Scratch;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Unbound may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A zone Unbound resolves: its origin, the server authoritative for it, the file of its
/// DNSKEY records (none: an unsigned zone, trusted as insecure).
#[derive(Debug, Clone)]
pub struct StubZone {
    pub origin: String,
    pub server: SocketAddrV4,
    pub trust_anchor: Option<std::path::PathBuf>,
}

/// A running Unbound.
pub struct Unbound {
    child: Child,
    ip: Ipv4Addr,
    dir: Scratch,
    _claim: Claimed,
}

impl Unbound {
    /// Starts Unbound validating `zones`.
    pub fn start(zones: &[StubZone]) -> Result<Self, String> {
        let unbound = ["/usr/sbin/unbound", "unbound"]
            .into_iter()
            .find(|u| Command::new(u).arg("-V").output().is_ok())
            .ok_or("Unbound is not installed: `apt-get install unbound` (scripts/setup does)")?;
        let claimed = claim(53, 53)?;
        let ip = claimed.ip();
        let dir = Scratch::new("unbound");
        let mut conf = format!(
            "server:
    interface: {ip}@53
    outgoing-interface: {ip}
    do-ip6: no
    do-daemonize: no
    use-systemd: no
    username: \"\"
    chroot: \"\"
    directory: \"{d}\"
    pidfile: \"{d}/unbound.pid\"
    use-syslog: no
    logfile: \"\"
    verbosity: 1
    val-log-level: 2
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    qname-minimisation: no
    local-zone: \".\" refuse
",
            d = dir.path().display()
        );
        for zone in zones {
            let origin = zone.origin.trim_end_matches('.');
            conf.push_str(&format!("    local-zone: \"{origin}.\" transparent\n"));
            match &zone.trust_anchor {
                Some(file) => {
                    conf.push_str(&format!("    trust-anchor-file: \"{}\"\n", file.display()))
                }
                None => conf.push_str(&format!("    domain-insecure: \"{origin}.\"\n")),
            }
        }
        for zone in zones {
            assert!(
                zone.server.ip().is_loopback(),
                "tests only talk to loopback"
            );
            conf.push_str(&format!(
                "stub-zone:\n    name: \"{}.\"\n    stub-addr: {}@{}\n",
                zone.origin.trim_end_matches('.'),
                zone.server.ip(),
                zone.server.port()
            ));
        }
        let conf = dir.write("unbound.conf", &conf);
        let check = Command::new("unbound-checkconf").arg(&conf).output();
        if let Ok(out) = &check
            && !out.status.success()
        {
            return Err(format!(
                "unbound-checkconf: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let log = File::create(dir.path().join("unbound.log")).map_err(|e| e.to_string())?;
        let child = Command::new(unbound)
            .args(["-d", "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start unbound: {e}"))?;
        let mut unbound = Self {
            child,
            ip,
            dir,
            _claim: claimed,
        };
        unbound.wait_until_answering(zones.first().map(|z| z.origin.as_str()))?;
        Ok(unbound)
    }

    /// Waits until it answers a question (for `origin`'s SOA, or the root's, refused).
    fn wait_until_answering(&mut self, origin: Option<&str>) -> Result<(), String> {
        let started = Instant::now();
        let name = origin.unwrap_or(".");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Unbound exited ({status}); its log:\n{}",
                    self.log()
                ));
            }
            if answers(self.ip, name) {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "Unbound did not answer within {START_TIMEOUT:?}; its log:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its address (port 53): a `nameserver` for `/etc/resolv.conf`.
    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }

    /// A `resolv.conf` naming it alone, trusting its AD bit (glibc 2.31 and later clear
    /// it otherwise).
    pub fn resolv_conf(&self) -> String {
        format!(
            "nameserver {}\noptions trust-ad attempts:1 timeout:5\n",
            self.ip
        )
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("unbound.log")).unwrap_or_default()
    }
}

/// Whether a DNS server on port 53 of `ip` answers a SOA question for `name` at all.
fn answers(ip: Ipv4Addr, name: &str) -> bool {
    let Ok(socket) = UdpSocket::bind((ip, 0)) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let mut query = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        query.push(label.len() as u8);
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 6, 0, 1]);
    let mut buffer = [0u8; 512];
    socket.send_to(&query, (ip, 53)).is_ok() && socket.recv(&mut buffer).is_ok()
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
