//! `smtp-sensor demo`: a small SMTP responder on a loopback port inside this process, and a
//! check of it, so a newcomer sees the product work without a mail server of their own.

use crate::runner::Runner;
use crate::settings::CheckRequest;
use crate::wit::{CheckResult, TransportSecurity};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The responder's greeting.
pub const BANNER: &str = "220 demo.smtp-sensor.test ESMTP smtp-sensor demo responder";

/// Starts the responder on 127.0.0.1 at a free port, returning the port. It answers until
/// the process ends.
pub async fn start_responder() -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    Ok(port)
}

/// One SMTP session: greeting, EHLO/HELO, QUIT; anything else is "not implemented".
async fn serve(stream: TcpStream) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader.take(64 * 1024)).lines();
    writer.write_all(format!("{BANNER}\r\n").as_bytes()).await?;
    while let Some(line) = lines.next_line().await? {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-demo.smtp-sensor.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
            "HELO" => b"250 demo.smtp-sensor.test\r\n",
            "QUIT" => {
                writer.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 not implemented by the demo responder\r\n",
        };
        writer.write_all(reply).await?;
    }
    Ok(())
}

/// Starts the responder and checks it with the component in `runner`.
pub async fn run(runner: &Runner) -> wasmtime::Result<CheckResult> {
    let port = start_responder().await?;
    let mut request = CheckRequest::new("127.0.0.1");
    request.port = Some(port);
    request.timeout_seconds = Some(10);
    request.security = TransportSecurity::None;
    request.keep_transcript = true;
    let settings = request.into_settings()?;
    Ok(runner.check(&settings).await)
}
