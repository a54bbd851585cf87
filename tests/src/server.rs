//! A scriptable SMTP server on loopback. A script is what the server does on each
//! connection, step by step: say something, drip it, read the client's command, stall, or
//! hang up. What the client sent is recorded for the test to inspect.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// One thing the server does.
#[derive(Debug, Clone)]
pub enum Step {
    /// Send these bytes.
    Say(Vec<u8>),
    /// Send these bytes one at a time, waiting this long before each.
    Drip(Vec<u8>, Duration),
    /// Read one line (the client's command) and record it.
    Read,
    /// Read a message after `354`: every line up to and including the lone `.`, each
    /// recorded as received (still dot-stuffed).
    ReadData,
    /// Read whatever the client sends next (e.g. a TLS ClientHello), up to 16 KiB.
    ReadBytes,
    /// Run the TLS handshake as the server now (after a `220` to STARTTLS), with this
    /// configuration; what follows is encrypted.
    StartTls(Arc<rustls::ServerConfig>),
    /// Keep the connection open and do nothing until the client hangs up.
    Stall,
    /// Close the connection.
    Close,
}

/// A port on `ip` (a loopback address) where nothing listens now: a closed port to check,
/// or a free one to listen on.
pub fn free_port(ip: [u8; 4]) -> u16 {
    assert_eq!(ip[0], 127, "tests only use loopback");
    std::net::TcpListener::bind((Ipv4Addr::from(ip), 0))
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A listener that answers no new connection: its accept queue is filled and never
/// drained, so the kernel leaves further SYNs unanswered and a connect never completes.
/// It lasts as long as the value.
pub struct BlackHole {
    _listener: tokio::net::TcpListener,
    _queued: Vec<std::net::TcpStream>,
}

/// A black hole on `address` (a loopback address and a free port).
pub fn black_hole(address: SocketAddr) -> BlackHole {
    assert!(address.ip().is_loopback(), "tests only listen on loopback");
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .expect("a socket (is the loopback address up?)");
    socket.bind(address).expect("bind the black hole's port");
    let listener = socket.listen(1).expect("listen");
    let mut queued = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300)) {
            Ok(stream) => queued.push(stream),
            Err(_) => {
                return BlackHole {
                    _listener: listener,
                    _queued: queued,
                };
            }
        }
    }
    panic!("the accept queue of {address} never filled: SYNs are still answered");
}

/// Shorthand for `Step::Say` of a string.
pub fn say(text: &str) -> Step {
    Step::Say(text.as_bytes().to_vec())
}

/// What a normal server says: banner, EHLO reply (with these extension lines), QUIT reply.
pub fn normal_with_ehlo(ehlo: &str) -> Vec<Step> {
    vec![
        say("220 test.example ESMTP scripted\r\n"),
        Step::Read,
        say(ehlo),
        Step::Read,
        say("221 2.0.0 bye\r\n"),
        Step::Close,
    ]
}

/// A normal, healthy server.
pub fn normal() -> Vec<Step> {
    normal_with_ehlo("250-test.example hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
}

/// A running scripted server; it stops when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts a server on 127.0.0.1 that runs `script` on every connection.
    pub async fn start(script: Vec<Step>) -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST), script).await
    }

    /// Starts a server on 127.0.0.1 that speaks TLS from the first byte (implicit TLS) with
    /// `tls`, then runs `script` inside it.
    pub async fn start_tls(tls: Arc<rustls::ServerConfig>, script: Vec<Step>) -> Self {
        let mut steps = vec![Step::StartTls(tls)];
        steps.extend(script);
        Self::start(steps).await
    }

    /// Starts a server on `ip` (a loopback address) at a free port.
    pub async fn start_on(ip: IpAddr, script: Vec<Step>) -> Self {
        assert!(ip.is_loopback(), "tests only listen on loopback");
        let listener = TcpListener::bind((ip, 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            let mut sessions = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                sessions.push(AbortOnDrop(tokio::spawn(run(
                    stream,
                    script.clone(),
                    log.clone(),
                ))));
            }
        });
        Self {
            addr,
            received,
            connections,
            task,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The lines the clients sent, in order.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Stops a session task when the accept loop that owns it stops.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn run(stream: TcpStream, script: Vec<Step>, received: Arc<Mutex<Vec<String>>>) {
    let _ = stream.set_nodelay(true);
    let mut io: BufReader<Box<dyn Io>> = BufReader::new(Box::new(stream));
    for step in script {
        let done = match step {
            Step::Say(bytes) => {
                io.get_mut().write_all(&bytes).await.is_err() || io.get_mut().flush().await.is_err()
            }
            Step::Drip(bytes, interval) => {
                let mut failed = false;
                for byte in bytes {
                    tokio::time::sleep(interval).await;
                    if io.get_mut().write_all(&[byte]).await.is_err()
                        || io.get_mut().flush().await.is_err()
                    {
                        failed = true;
                        break;
                    }
                }
                failed
            }
            Step::Read => {
                let mut line = String::new();
                match (&mut io).take(64 * 1024).read_line(&mut line).await {
                    Ok(0) | Err(_) => true,
                    Ok(_) => {
                        received.lock().unwrap().push(line.trim_end().to_string());
                        false
                    }
                }
            }
            Step::ReadData => loop {
                let mut line = String::new();
                match (&mut io).take(64 * 1024).read_line(&mut line).await {
                    Ok(0) | Err(_) => break true,
                    Ok(_) => {
                        let line = line.trim_end_matches(['\r', '\n']).to_string();
                        let end = line == ".";
                        received.lock().unwrap().push(line);
                        if end {
                            break false;
                        }
                    }
                }
            },
            Step::ReadBytes => {
                let mut buf = vec![0u8; 16 * 1024];
                !matches!(io.read(&mut buf).await, Ok(n) if n > 0)
            }
            Step::StartTls(config) => {
                let plain = io.into_inner();
                match TlsAcceptor::from(config).accept(plain).await {
                    Ok(tls) => {
                        io = BufReader::new(Box::new(tls));
                        false
                    }
                    Err(e) => {
                        received
                            .lock()
                            .unwrap()
                            .push(format!("TLS handshake failed: {e}"));
                        return;
                    }
                }
            }
            Step::Stall => {
                // Drain until the client hangs up, answering nothing.
                let mut sink = [0u8; 1024];
                while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {}
                true
            }
            Step::Close => true,
        };
        if done {
            return;
        }
    }
}
