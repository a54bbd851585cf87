//! A real DNS server: Knot DNS (Debian's `knot`) serving zones a test writes, on a loopback
//! address and port, over UDP and TCP. Its configuration, zone files and database live in a
//! temporary folder; it runs in the foreground as a child, and is stopped (and the folder
//! removed) when the handle is dropped.
//!
//! Port 53 matters for resolvers that take no port (`/etc/resolv.conf`): [`Knot::start_on_53`]
//! picks a loopback address of its own (127.53.x.y), held by a lock file for its lifetime,
//! so concurrent tests never share one (Knot binds with `SO_REUSEPORT`, so a second Knot on
//! the same address would not fail: it would answer half the queries); see `loopback`.
//!
//! Zones are unsigned unless [`Zone::signed`]: Knot then signs them itself, and
//! [`Knot::dnskeys`] gives their keys as a resolver's trust anchor (`--dns-trust-anchor`).
//! A zone signed elsewhere ([`Zone::presigned`], see `ldns`) is served as it is, its
//! signatures untouched (expired or not matching their records, if the test made them so).

use crate::loopback::{self, Claimed};
use crate::scratch::Scratch;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Knot may take to load its zones and listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A zone: its origin (`sender.test`) and its records, one zone-file line each, names
/// relative to the origin (`@ TXT "v=spf1 -all"`, `s1._domainkey TXT ...`). A SOA and an NS
/// record are added unless given.
#[derive(Debug, Clone)]
pub struct Zone {
    origin: String,
    records: Vec<String>,
    /// Knot signs it (DNSSEC, its default policy: ECDSA P-256, NSEC).
    signed: bool,
    /// The whole zone file, already signed: served as it is.
    presigned: Option<String>,
}

impl Zone {
    /// An empty zone for `origin` (without the final dot).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('.').to_string(),
            records: Vec::new(),
            signed: false,
            presigned: None,
        }
    }

    /// A zone for `origin` whose whole file, signed elsewhere (`ldns`), is `file`: Knot
    /// serves it as it is, without signing it again or checking its signatures.
    pub fn presigned(origin: &str, file: &str) -> Self {
        Self {
            presigned: Some(file.to_string()),
            ..Self::new(origin)
        }
    }

    /// The zone, signed by Knot (`dnssec-signing: on`, its default policy: ECDSA P-256 keys
    /// it makes itself, NSEC denial). Its keys, for a resolver's trust anchor, come from
    /// [`Knot::dnskeys`].
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }

    /// Adds a zone-file line (`name [ttl] TYPE data`).
    pub fn record(mut self, line: &str) -> Self {
        self.records.push(line.to_string());
        self
    }

    /// Adds a TXT record for `name` holding `text`, split into strings of at most 255
    /// bytes, as a DKIM key needs (`text` must be ASCII without quotes or backslashes).
    pub fn txt(self, name: &str, text: &str) -> Self {
        assert!(
            text.is_ascii() && !text.contains(['"', '\\']),
            "a plain TXT value: {text}"
        );
        let strings: Vec<String> = text
            .as_bytes()
            .chunks(255)
            .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
            .collect();
        self.record(&format!("{name} TXT ( {} )", strings.join(" ")))
    }

    /// Its origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The zone file: its records after a SOA and an NS record unless given (or the
    /// presigned file as it is).
    pub fn file(&self) -> String {
        if let Some(file) = &self.presigned {
            return file.clone();
        }
        let mut file = format!("$ORIGIN {}.\n$TTL 60\n", self.origin);
        let has = |kind: &str| {
            self.records
                .iter()
                .any(|r| r.split_whitespace().any(|w| w.eq_ignore_ascii_case(kind)))
        };
        if !has("SOA") {
            file.push_str("@ SOA ns hostmaster 1 3600 600 86400 60\n");
        }
        if !has("NS") {
            file.push_str("@ NS ns\nns A 127.0.0.1\n");
        }
        for record in &self.records {
            file.push_str(record);
            file.push('\n');
        }
        file
    }

    /// Its entry in knot.conf's `zone:` list.
    fn config(&self) -> String {
        let signing = if self.signed {
            "    dnssec-signing: on\n"
        } else {
            ""
        };
        format!(
            "  - domain: {}\n    file: {}.zone\n{signing}",
            self.origin, self.origin
        )
    }
}

/// A running Knot DNS.
pub struct Knot {
    child: Child,
    address: SocketAddrV4,
    dir: Scratch,
    /// The lock on its address when it was picked for port 53 (dropped after Knot stops).
    _lock: Option<Claimed>,
}

impl Knot {
    /// Starts Knot serving `zones` on `address` (loopback), UDP and TCP.
    pub fn start(address: SocketAddrV4, zones: &[Zone]) -> Result<Self, String> {
        Self::start_locked(address, zones, None)
    }

    /// Starts Knot serving `zones` on 127.0.0.1 and a port free for both UDP and TCP.
    pub fn start_local(zones: &[Zone]) -> Result<Self, String> {
        for _ in 0..20 {
            let tcp = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let port = tcp.local_addr().map_err(|e| e.to_string())?.port();
            if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
                drop(tcp);
                return Self::start(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port), zones);
            }
        }
        Err("no port free for both UDP and TCP on 127.0.0.1".into())
    }

    /// Starts Knot serving `zones` on port 53 of a loopback address of its own (127.53.x.y):
    /// one a `/etc/resolv.conf` can name.
    pub fn start_on_53(zones: &[Zone]) -> Result<Self, String> {
        let claimed = loopback::claim(53, 53)?;
        Self::start_locked(SocketAddrV4::new(claimed.ip(), 53), zones, Some(claimed))
    }

    fn start_locked(
        address: SocketAddrV4,
        zones: &[Zone],
        lock: Option<Claimed>,
    ) -> Result<Self, String> {
        assert!(address.ip().is_loopback(), "tests only listen on loopback");
        if Command::new("knotd").arg("--version").output().is_err() {
            return Err(
                "Knot DNS is not installed: `apt-get install knot` (scripts/setup does)".into(),
            );
        }
        let dir = Scratch::new("knot");
        for sub in ["run", "db", "zones"] {
            std::fs::create_dir_all(dir.path().join(sub))
                .map_err(|e| format!("create {sub}: {e}"))?;
        }
        for zone in zones {
            dir.write(&format!("zones/{}.zone", zone.origin), &zone.file());
        }
        let zone_list: String = zones.iter().map(Zone::config).collect();
        let d = dir.path().display();
        let conf = format!(
            "server:
    rundir: {d}/run
    listen: [ {ip}@{port} ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: {d}/db
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: {d}/zones
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
{zone_list}",
            ip = address.ip(),
            port = address.port()
        );
        let conf = dir.write("knot.conf", &conf);
        let log = File::create(dir.path().join("knot.log")).map_err(|e| e.to_string())?;
        let child = Command::new("knotd")
            .arg("-c")
            .arg(conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start knotd: {e}"))?;
        let mut knot = Self {
            child,
            address,
            dir,
            _lock: lock,
        };
        knot.wait_until_serving(zones.len())?;
        Ok(knot)
    }

    /// Waits until every zone is loaded and the TCP listener answers; fails on any error
    /// Knot logs (a zone file it cannot parse, an address it cannot bind).
    fn wait_until_serving(&mut self, zones: usize) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let log = self.log();
            if log.contains("error:") || log.contains("critical:") {
                return Err(format!("Knot DNS failed to start; its log:\n{log}"));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("Knot DNS exited ({status}); its log:\n{log}"));
            }
            if log.contains("server started")
                && log.matches("] loaded, serial").count() >= zones
                && TcpStream::connect(self.address).is_ok()
            {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "Knot DNS did not serve within {START_TIMEOUT:?}; its log:\n{log}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where it listens (UDP and TCP).
    pub fn address(&self) -> SocketAddrV4 {
        self.address
    }

    /// The DNSKEY records of `zone` as it serves them, in zone-file form (`zone. 60 IN
    /// DNSKEY 257 3 13 ...`), read with `kdig` (Debian's knot-dnsutils): the trust anchor of
    /// a signed zone. Knot signs a zone shortly after it loads it: this waits for the keys.
    pub fn dnskeys(&self, zone: &str) -> Result<String, String> {
        let started = Instant::now();
        loop {
            let out = Command::new("kdig")
                .arg(format!("@{}", self.address.ip()))
                .arg("-p")
                .arg(self.address.port().to_string())
                .args(["+noall", "+answer", "DNSKEY", zone])
                .output()
                .map_err(|e| format!("run kdig (apt-get install knot-dnsutils): {e}"))?;
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if text.contains("DNSKEY") {
                return Ok(text);
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "Knot served no DNSKEY for {zone} within {START_TIMEOUT:?}; its log:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knot.log")).unwrap_or_default()
    }
}

/// Stops Knot; its folder goes with the `Scratch` after it.
impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
