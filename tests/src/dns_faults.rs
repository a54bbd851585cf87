//! DNS servers that fail, for the domain checks' tests of a broken resolver: one that
//! answers every question with SERVFAIL (over UDP and TCP, as a recursive resolver does when
//! the domain's own servers are broken), and one that never answers (a UDP socket that
//! reads nothing and a TCP listener whose connections are never served). Each listens on
//! the address the test gives (port 53 of a claimed 127.53.x.y) and stops when dropped.

use std::net::SocketAddrV4;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// The DNS header's length (RFC 1035 4.1.1).
const HEADER: usize = 12;

/// A server answering SERVFAIL to every query; stops when dropped.
pub struct ServFail {
    tasks: Vec<JoinHandle<()>>,
}

impl ServFail {
    /// Serves on `address` (UDP and TCP). Must be called inside a tokio runtime.
    pub async fn start(address: SocketAddrV4) -> Result<Self, String> {
        assert!(address.ip().is_loopback(), "tests only listen on loopback");
        let udp = UdpSocket::bind(address)
            .await
            .map_err(|e| format!("bind UDP {address}: {e}"))?;
        let tcp = TcpListener::bind(address)
            .await
            .map_err(|e| format!("bind TCP {address}: {e}"))?;
        let udp_task = tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok((n, peer)) = udp.recv_from(&mut buffer).await {
                if let Some(answer) = servfail(&buffer[..n]) {
                    let _ = udp.send_to(&answer, peer).await;
                }
            }
        });
        let tcp_task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = tcp.accept().await {
                tokio::spawn(async move {
                    // Each message is preceded by its length (RFC 1035 4.2.2).
                    loop {
                        let Ok(length) = stream.read_u16().await else {
                            return;
                        };
                        let mut query = vec![0u8; usize::from(length)];
                        if stream.read_exact(&mut query).await.is_err() {
                            return;
                        }
                        let Some(answer) = servfail(&query) else {
                            return;
                        };
                        let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&answer);
                        if stream.write_all(&framed).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Ok(Self {
            tasks: vec![udp_task, tcp_task],
        })
    }
}

impl Drop for ServFail {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The SERVFAIL answer to `query`: its id, QR set, its opcode and RD, RA set, RCODE 2, and
/// its question alone (no EDNS record); none when it is not a query with one question.
pub fn servfail(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < HEADER || query[2] & 0x80 != 0 || query[4..6] != [0, 1] {
        return None;
    }
    let mut end = HEADER;
    loop {
        let length = usize::from(*query.get(end)?);
        if length & 0xC0 != 0 {
            return None;
        }
        end += 1 + length;
        if length == 0 {
            break;
        }
    }
    let end = end + 4;
    let question = query.get(HEADER..end)?;
    let mut answer = vec![
        query[0],
        query[1],
        0x80 | (query[2] & 0x79),
        0x82,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    answer.extend_from_slice(question);
    Some(answer)
}

/// A server that answers as `upstream` does (UDP), except that it never answers a question
/// for AAAA records: a resolver (or a middlebox) that drops them. Its TCP port accepts and
/// never answers. Stops when dropped.
pub struct SilentAaaa {
    tasks: Vec<JoinHandle<()>>,
    _tcp: std::net::TcpListener,
}

impl SilentAaaa {
    /// Serves on `address`, forwarding to `upstream`. Must be called inside a tokio runtime.
    pub async fn start(address: SocketAddrV4, upstream: SocketAddrV4) -> Result<Self, String> {
        assert!(
            address.ip().is_loopback() && upstream.ip().is_loopback(),
            "tests only talk to loopback"
        );
        let udp = std::sync::Arc::new(
            UdpSocket::bind(address)
                .await
                .map_err(|e| format!("bind UDP {address}: {e}"))?,
        );
        let tcp =
            std::net::TcpListener::bind(address).map_err(|e| format!("bind TCP {address}: {e}"))?;
        let task = tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok((n, peer)) = udp.recv_from(&mut buffer).await {
                let query = buffer[..n].to_vec();
                if question_type(&query) == Some(AAAA) {
                    continue;
                }
                let udp = udp.clone();
                tokio::spawn(async move {
                    let Ok(relay) = UdpSocket::bind("127.0.0.1:0").await else {
                        return;
                    };
                    let mut answer = [0u8; 4096];
                    let asked = relay.send_to(&query, upstream).await.is_ok();
                    let wait = std::time::Duration::from_secs(2);
                    if let (true, Ok(Ok(n))) = (
                        asked,
                        tokio::time::timeout(wait, relay.recv(&mut answer)).await,
                    ) {
                        let _ = udp.send_to(&answer[..n], peer).await;
                    }
                });
            }
        });
        Ok(Self {
            tasks: vec![task],
            _tcp: tcp,
        })
    }
}

impl Drop for SilentAaaa {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The AAAA record type (RFC 3596).
const AAAA: u16 = 28;

/// The type of a query's question; none when it is not a query with one question.
fn question_type(query: &[u8]) -> Option<u16> {
    let question = servfail(query)?;
    let at = question.len().checked_sub(4)?;
    Some(u16::from_be_bytes([question[at], question[at + 1]]))
}

/// A server that never answers: a UDP socket nobody reads and a TCP listener nobody
/// accepts from (the kernel completes the handshake; no byte ever comes back).
pub struct Silent {
    _udp: std::net::UdpSocket,
    _tcp: std::net::TcpListener,
}

impl Silent {
    /// Listens on `address` (UDP and TCP).
    pub fn start(address: SocketAddrV4) -> Result<Self, String> {
        assert!(address.ip().is_loopback(), "tests only listen on loopback");
        Ok(Self {
            _udp: std::net::UdpSocket::bind(address)
                .map_err(|e| format!("bind UDP {address}: {e}"))?,
            _tcp: std::net::TcpListener::bind(address)
                .map_err(|e| format!("bind TCP {address}: {e}"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query for `example.test` MX with RD and an EDNS OPT record.
    const QUERY: &[u8] = &[
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1, 7, b'e', b'x', b'a', b'm', b'p', b'l',
        b'e', 4, b't', b'e', b's', b't', 0, 0, 15, 0, 1, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn the_answer_keeps_the_id_and_question_and_says_servfail() {
        let answer = servfail(QUERY).unwrap();
        assert_eq!(&answer[..4], &[0x12, 0x34, 0x81, 0x82]);
        assert_eq!(&answer[4..HEADER], &[0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&answer[HEADER..], &QUERY[HEADER..HEADER + 18]);
    }

    #[test]
    fn the_question_type_is_read() {
        assert_eq!(question_type(QUERY), Some(15));
        let mut aaaa = QUERY.to_vec();
        aaaa[HEADER + 15] = 28;
        assert_eq!(question_type(&aaaa), Some(AAAA));
    }

    #[test]
    fn an_answer_or_a_short_packet_gets_none() {
        let mut answer = QUERY.to_vec();
        answer[2] |= 0x80;
        assert_eq!(servfail(&answer), None);
        assert_eq!(servfail(&QUERY[..HEADER + 3]), None);
    }
}
