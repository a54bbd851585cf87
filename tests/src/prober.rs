//! `smtp-sensor serve` as a process on loopback, and a small HTTP/1.1 client for it (one
//! request per connection, over plain TCP or TLS). The process is killed when dropped.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A `[sensors.NAME]` module for STARTTLS servers on 127.0.0.1 (any port), trusting the CA
/// in `ca_file`, with a 5 s timeout.
pub fn starttls_module(name: &str, ca_file: &str) -> String {
    format!(
        "[sensors.{name}]\nsecurity = \"starttls\"\ntls_ca = [\"{ca_file}\"]\ntimeout = 5\n\
         targets = [\"127.0.0.1:*\"]\n"
    )
}

/// A running prober; its HTTP [`Client`] methods are at hand through `Deref`.
pub struct Prober {
    child: Child,
    client: Client,
    log: Arc<Mutex<String>>,
}

/// Talks HTTP to a prober: a new connection per request.
#[derive(Clone)]
pub struct Client {
    /// Where the prober listens.
    pub addr: SocketAddr,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl std::ops::Deref for Prober {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The header lines, as sent.
    pub headers: String,
    /// The body.
    pub body: String,
}

impl Prober {
    /// Starts `program serve --config CONFIG --listen 127.0.0.1:0` plus `extra`, and waits
    /// (up to 30 s) until it says where it listens.
    pub async fn start(program: &str, config: &Path, extra: &[&str]) -> Self {
        Self::start_wrapped(&[], program, config, extra).await
    }

    /// Like [`Prober::start`], run by a wrapper command that runs the rest of its arguments
    /// (`taskset -c 1`, say, or `sh -c 'ulimit ... && exec "$0" "$@"'`).
    pub async fn start_wrapped(
        wrapper: &[&str],
        program: &str,
        config: &Path,
        extra: &[&str],
    ) -> Self {
        let (first, rest) = match wrapper.split_first() {
            Some((first, rest)) => (*first, [rest, &[program]].concat()),
            None => (program, Vec::new()),
        };
        let mut command = Command::new(first);
        command
            .args(rest)
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra);
        Self::start_command(command).await
    }

    /// Starts a prober from a command that logs in logfmt or JSON, and waits until it says
    /// where it listens.
    async fn start_command(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let kept = Arc::clone(&log);
        tokio::spawn(async move {
            let mut tx = Some(tx);
            while let Ok(Some(line)) = lines.next_line().await {
                // Kept before the address is handed on, so the log a started prober
                // shows always holds its start-up lines.
                {
                    let mut log = kept.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
                if let Some(address) = listening_address(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(address.parse::<SocketAddr>().ok());
                }
            }
        });
        let addr = match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(Some(addr))) => addr,
            _ => panic!(
                "the prober did not say where it listens:\n{}",
                log.lock().unwrap()
            ),
        };
        Self {
            child,
            client: Client { addr, tls: None },
            log,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// What it has resident now, in bytes.
    pub fn resident_bytes(&self) -> u64 {
        smtp_sensor_host::serve::Process::of(self.pid()).map_or(0, |p| p.resident_bytes)
    }

    /// A client of its own (for another task).
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Speaks HTTPS to it from now on, trusting `ca_pem`.
    pub fn with_tls(mut self, ca_pem: &str) -> Self {
        self.client = self.client.with_tls(ca_pem);
        self
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends it a signal (`HUP`, `TERM`).
    pub async fn signal(&self, name: &str) {
        let pid = self.child.id().expect("still running").to_string();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
    }

    /// Waits (up to `limit`) for it to exit; its exit code.
    pub async fn wait(&mut self, limit: Duration) -> Option<i32> {
        match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(Ok(status)) => status.code(),
            _ => None,
        }
    }
}

impl Client {
    /// A client of any HTTP server on loopback (Prometheus' API, say).
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, tls: None }
    }

    /// The address it talks to.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The same client speaking HTTPS, trusting only `ca_pem`.
    pub fn with_tls(mut self, ca_pem: &str) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile_certs(ca_pem) {
            roots.add(cert).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        self.tls = Some(tokio_rustls::TlsConnector::from(Arc::new(config)));
        self
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[]).await
    }

    /// `GET /probe?target=TARGET&module=MODULE`, with these extra headers.
    pub async fn probe(&self, target: &str, module: &str, headers: &[(&str, &str)]) -> Response {
        let path = format!("/probe?target={target}&module={module}");
        self.request("GET", &path, headers).await
    }

    /// One request on a new connection.
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        self.try_request(method, path, headers)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// One request on a new connection; what went wrong (no connection, no HTTP answer)
    /// as an error instead of a panic.
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, String> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("Connection: close\r\nContent-Length: 0\r\n\r\n");
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("cannot connect to the prober: {e}"))?;
        let raw = match &self.tls {
            None => exchange(stream, &request).await,
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                let stream = tls
                    .connect(name, stream)
                    .await
                    .map_err(|e| format!("TLS handshake: {e}"))?;
                exchange(stream, &request).await
            }
        };
        parse(&raw)
    }
}

/// The address of the "listening" line, in logfmt or JSON.
fn listening_address(line: &str) -> Option<String> {
    if line.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        return (value["msg"] == "listening")
            .then(|| value["address"].as_str())?
            .map(Into::into);
    }
    if !line.contains(" msg=listening ") {
        return None;
    }
    line.split(' ')
        .find_map(|field| field.strip_prefix("address="))
        .map(Into::into)
}

async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    request: &str,
) -> Vec<u8> {
    if stream.write_all(request.as_bytes()).await.is_err() {
        return Vec::new();
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    raw
}

/// Reads a `Connection: close` response (plain or chunked body).
fn parse(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {text:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status: {head:?}"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok(Response {
        status,
        headers: head.to_string(),
        body,
    })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn rustls_pemfile_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject as _;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

impl Response {
    /// The value of the sample `name` (with its labels as written, e.g. `probe_success`).
    pub fn sample(&self, name: &str) -> Option<f64> {
        self.body.lines().find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            (series == name).then(|| value.parse().ok())?
        })
    }
}
