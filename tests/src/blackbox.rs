//! Debian's blackbox_exporter (`apt-get install prometheus-blackbox-exporter`), the
//! reference prober the benches run `serve` beside: its SMTP STARTTLS module, doing our
//! dialogue with its TCP prober, and a way to start it on loopback.

use crate::server::free_port;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::process::{Child, Command};

/// Where Debian installs it.
pub const BLACKBOX: &str = "/usr/bin/prometheus-blackbox-exporter";

/// The `smtp_starttls` module (a `modules:` entry, indented under it): banner, EHLO,
/// STARTTLS, the handshake verifying with `ca_file`, EHLO again, QUIT, as `serve` does.
pub fn starttls_module(ca_file: &str) -> String {
    format!(
        r#"  smtp_starttls:
    prober: tcp
    timeout: 5s
    tcp:
      query_response:
        - expect: "^220 "
        - send: "EHLO prober.example\r"
        - expect: "^250-STARTTLS"
        - send: "STARTTLS\r"
        - expect: "^220 "
        - starttls: true
        - send: "EHLO prober.example\r"
        - expect: "^250 "
        - send: "QUIT\r"
      tls_config:
        ca_file: {ca_file}
"#
    )
}

/// Starts it with the configuration file `config` on a free loopback port, run through
/// `wrapper` (e.g. `taskset -c 1`, or nothing); its process, address and pid, once it
/// listens. None when it is not installed or does not start.
pub async fn start(config: &Path, wrapper: &[&str]) -> Option<(Child, SocketAddr, u32)> {
    if !Path::new(BLACKBOX).exists() {
        return None;
    }
    let port = free_port([127, 0, 0, 1]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (program, args) = match wrapper.split_first() {
        Some((first, rest)) => (*first, [rest, &[BLACKBOX]].concat()),
        None => (BLACKBOX, Vec::new()),
    };
    let child = Command::new(program)
        .args(args)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let pid = child.id()?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Some((child, addr, pid));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}
