//! An HTTPS server playing `mta-sts.DOMAIN` (RFC 8461 section 3.3) for the domain checks'
//! tests: it answers `GET /.well-known/mta-sts.txt` with whatever [`Reply`] the test sets
//! (a policy, a 404, a redirect, an oversized body, the wrong content type), over TLS with
//! the certificate the test gives (one of the test CA's, or an untrusted one), on the
//! loopback address and port the test picks (port 443 of a 127.0.0.x address, as the
//! component connects to, for a test run as root). Each request's first line is kept. It
//! stops when the handle is dropped.

use smtp_sensor_host::demo::pki::Leaf;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The longest request read: a request line and a few headers.
const MAX_REQUEST: usize = 16 * 1024;

/// What the server answers every request with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code, e.g. 200, 404, 301.
    pub status: u16,
    /// Header lines besides `Content-Length` and `Connection: close`, e.g.
    /// `("Content-Type", "text/plain")`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How the answer ends.
    pub ending: Ending,
}

/// How the server ends an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// With `Content-Length`, then a TLS close_notify.
    Complete,
    /// Without `Content-Length` (the body ends with the connection), the connection then
    /// closed without a close_notify: a response that may have been cut short.
    CutShort,
    /// Never: the server reads the request and says nothing.
    Silent,
}

impl Reply {
    /// A 200 `text/plain` answer with this policy text.
    pub fn policy(text: &str) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: text.as_bytes().to_vec(),
            ending: Ending::Complete,
        }
    }

    /// An `enforce` policy for these MX patterns, with this `max_age`.
    pub fn enforce(mx: &[&str], max_age: u32) -> Self {
        Self::policy(&policy_text("enforce", mx, max_age))
    }

    /// An answer with `status` and nothing else of note (a 404, a 500).
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: format!("{status}\n").into_bytes(),
            ending: Ending::Complete,
        }
    }

    /// A redirect (`status` 301, 302, ...) to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
            ending: Ending::Complete,
        }
    }

    /// A server that reads the request and never answers.
    pub fn silent() -> Self {
        Self {
            ending: Ending::Silent,
            ..Self::status(200)
        }
    }

    /// This answer without `Content-Length`, its connection closed without a close_notify.
    pub fn cut_short(self) -> Self {
        Self {
            ending: Ending::CutShort,
            ..self
        }
    }
}

/// A policy file's text (RFC 8461 section 3.2), CRLF-terminated lines.
pub fn policy_text(mode: &str, mx: &[&str], max_age: u32) -> String {
    let mut text = format!("version: STSv1\r\nmode: {mode}\r\n");
    for pattern in mx {
        text.push_str(&format!("mx: {pattern}\r\n"));
    }
    text.push_str(&format!("max_age: {max_age}\r\n"));
    text
}

/// A running policy server.
pub struct PolicyServer {
    address: SocketAddr,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl PolicyServer {
    /// Serves `reply` over TLS with `certificate` on `address` (port 0: a free port).
    /// Must be called inside a tokio runtime.
    pub async fn start(
        address: SocketAddr,
        certificate: &Leaf,
        reply: Reply,
    ) -> Result<Self, String> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| format!("bind the policy server to {address}: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("the policy server's address: {e}"))?;
        let acceptor = TlsAcceptor::from(certificate.server_config(&[]));
        let reply = Arc::new(Mutex::new(reply));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let (reply, requests) = (reply.clone(), requests.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (acceptor, reply, requests) =
                        (acceptor.clone(), reply.clone(), requests.clone());
                    tokio::spawn(async move {
                        // A client that gives up on the certificate ends the handshake: fine.
                        let Ok(mut tls) = acceptor.accept(stream).await else {
                            return;
                        };
                        let Some(request) = read_request(&mut tls).await else {
                            return;
                        };
                        let first = request.lines().next().unwrap_or_default().to_string();
                        requests.lock().unwrap().push(first);
                        let reply = reply.lock().unwrap().clone();
                        match reply.ending {
                            Ending::Complete => {
                                let _ = tls.write_all(&encode(&reply)).await;
                                let _ = tls.shutdown().await;
                            }
                            // The TCP connection closes with the stream: no close_notify.
                            Ending::CutShort => {
                                let _ = tls.write_all(&encode(&reply)).await;
                                let _ = tls.flush().await;
                            }
                            // Held until the test's runtime ends.
                            Ending::Silent => std::future::pending::<()>().await,
                        }
                    });
                }
            })
        };
        Ok(Self {
            address,
            reply,
            requests,
            task,
        })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers every later request with `reply`.
    pub fn set_reply(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    /// The first line of each request so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Stops accepting; connections under way end with the runtime.
impl Drop for PolicyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The request's head, up to the empty line (or what came before the peer stopped).
async fn read_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// The response's bytes: status line, the reply's headers, its length (unless it is cut
/// short), `Connection: close`.
fn encode(reply: &Reply) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.ending != Ending::CutShort {
        out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

/// A reason phrase for the status codes the tests use.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
