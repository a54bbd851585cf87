//! The demo's SMTP responder: enough of a mail server to be checked in every mode. It
//! listens on three loopback ports: plain text offering STARTTLS, implicit TLS, and plain
//! text without STARTTLS (to show what a downgrade looks like).

use rustls::ServerConfig;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The responder's greeting.
pub const BANNER: &str = "220 demo.smtp-sensor.test ESMTP smtp-sensor demo responder";

/// The longest command line the responder reads.
const MAX_LINE: u64 = 4096;

/// The ports of a running responder; it answers until the process ends.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// Plain text, offering STARTTLS.
    pub starttls: u16,
    /// Implicit TLS.
    pub implicit_tls: u16,
    /// Plain text, not offering STARTTLS.
    pub plain_only: u16,
}

/// Starts the responder on 127.0.0.1, presenting the certificate in `tls`.
pub async fn start(tls: Arc<ServerConfig>) -> io::Result<Ports> {
    let acceptor = TlsAcceptor::from(tls);
    let starttls = listen(acceptor.clone(), Mode::StartTls).await?;
    let implicit_tls = listen(acceptor.clone(), Mode::ImplicitTls).await?;
    let plain_only = listen(acceptor, Mode::PlainOnly).await?;
    Ok(Ports {
        starttls,
        implicit_tls,
        plain_only,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    StartTls,
    ImplicitTls,
    PlainOnly,
}

async fn listen(acceptor: TlsAcceptor, mode: Mode) -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            // Replies are small writes: without this, Nagle's algorithm holds the banner
            // after a TLS handshake until the client's delayed ACK (~40 ms).
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = match mode {
                    Mode::ImplicitTls => match acceptor.accept(stream).await {
                        Ok(tls) => dialogue(tls, false, true).await.map(drop),
                        Err(e) => Err(e),
                    },
                    Mode::PlainOnly => dialogue(stream, false, true).await.map(drop),
                    Mode::StartTls => match dialogue(stream, true, true).await {
                        Ok(After::Upgrade(plain)) => match acceptor.accept(plain).await {
                            Ok(tls) => dialogue(tls, false, false).await.map(drop),
                            Err(e) => Err(e),
                        },
                        other => other.map(drop),
                    },
                };
            });
        }
    });
    Ok(port)
}

/// How a dialogue ended.
enum After<S> {
    /// QUIT, or the client went away.
    Done,
    /// STARTTLS was agreed: the stream is to be secured, then greeted again.
    Upgrade(S),
}

/// One dialogue: greeting (if `greet`), EHLO/HELO, STARTTLS (if offered), QUIT.
async fn dialogue<S>(stream: S, offer_starttls: bool, greet: bool) -> io::Result<After<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut stream = BufReader::new(stream);
    if greet {
        stream
            .get_mut()
            .write_all(format!("{BANNER}\r\n").as_bytes())
            .await?;
    }
    loop {
        let mut line = String::new();
        if (&mut stream).take(MAX_LINE).read_line(&mut line).await? == 0 {
            return Ok(After::Done);
        }
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" if offer_starttls => {
                "250-demo.smtp-sensor.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n"
            }
            "EHLO" => {
                "250-demo.smtp-sensor.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 ENHANCEDSTATUSCODES\r\n"
            }
            "HELO" => "250 demo.smtp-sensor.test\r\n",
            "STARTTLS" if offer_starttls => {
                stream
                    .get_mut()
                    .write_all(b"220 2.0.0 ready to start TLS\r\n")
                    .await?;
                return Ok(After::Upgrade(stream.into_inner()));
            }
            "QUIT" => {
                stream.get_mut().write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(After::Done);
            }
            _ => "502 5.5.2 not implemented by the demo responder\r\n",
        };
        stream.get_mut().write_all(reply.as_bytes()).await?;
    }
}
