//! The thin I/O layer over `wasi:sockets`: name lookup, connect, read and write, each bounded
//! by a deadline on the monotonic clock. Every wait polls the operation together with a
//! timer, so a silent or dripping server can never hold the check past its deadline. Waits
//! are `async` ([`super::executor`]): a domain check's connections wait together.

use super::executor::wait_any as wait_any_of;
use std::net::IpAddr;
use std::time::Duration;
use wasip2::clocks::{monotonic_clock, wall_clock};
use wasip2::io::poll::Pollable;
use wasip2::io::streams::{InputStream, OutputStream, StreamError};
use wasip2::sockets::instance_network::instance_network;
use wasip2::sockets::ip_name_lookup::resolve_addresses;
use wasip2::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress,
};
use wasip2::sockets::tcp::TcpSocket;
use wasip2::sockets::tcp_create_socket::create_tcp_socket;

use crate::limits::READ_CHUNK;

/// A point on the monotonic clock, in nanoseconds.
pub type Instant = u64;

/// Now, on the monotonic clock.
pub fn now() -> Instant {
    monotonic_clock::now()
}

/// Seconds since the Unix epoch, from the wall clock (for the Date header and the
/// certificate's days).
pub fn unix_now() -> i64 {
    wall_clock::now().seconds as i64
}

/// The clock of one check: the start, the deadline, and offsets from the start.
#[derive(Clone, Copy)]
pub struct Clock {
    /// When the check started.
    pub start: Instant,
    /// When it must be over.
    pub deadline: Instant,
}

/// The time since `start`, an instant of [`now`].
pub fn since(start: Instant) -> Duration {
    Duration::from_nanos(now().saturating_sub(start))
}

impl Clock {
    /// A clock that started at `start` (an instant of [`now`]), with `timeout` from then
    /// to the deadline.
    pub fn started_at(start: Instant, timeout: Duration) -> Self {
        Clock {
            start,
            deadline: start.saturating_add(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX)),
        }
    }

    /// Time since the start.
    pub fn elapsed(self) -> Duration {
        since(self.start)
    }

    /// The deadline as an offset from the start.
    pub fn deadline_offset(self) -> Duration {
        Duration::from_nanos(self.deadline.saturating_sub(self.start))
    }

    /// Waits until `offset` after the start (at most until the deadline).
    pub async fn sleep_until(self, offset: Duration) {
        let timer = monotonic_clock::subscribe_instant(self.at(offset).min(self.deadline));
        wait_any_of(vec![timer]).await;
    }

    /// The instant `offset` after the start.
    pub fn at(self, offset: Duration) -> Instant {
        self.start
            .saturating_add(u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Why an I/O operation did not complete.
#[derive(Debug)]
pub enum IoError {
    /// The deadline passed first.
    Timeout,
    /// The peer closed the stream.
    Closed,
    /// The operation failed; the text says how.
    Failed(String),
}

/// Waits until `pollable` is ready or `deadline` passes; true when it is ready.
pub async fn wait(pollable: Pollable, deadline: Instant) -> bool {
    let timer = monotonic_clock::subscribe_instant(deadline);
    wait_any_of(vec![pollable, timer]).await == 0
}

/// Resolves a host name to its addresses, in the resolver's order.
pub async fn resolve(name: &str, deadline: Instant) -> Result<Vec<IpAddr>, LookupError> {
    let network = instance_network();
    let stream = resolve_addresses(&network, name).map_err(LookupError::Failed)?;
    let mut addresses = Vec::new();
    loop {
        match stream.resolve_next_address() {
            Ok(Some(address)) => addresses.push(from_wasi(address)),
            Ok(None) => return Ok(addresses),
            Err(ErrorCode::WouldBlock) => {
                if !wait(stream.subscribe(), deadline).await {
                    return Err(LookupError::Timeout);
                }
            }
            Err(code) => return Err(LookupError::Failed(code)),
        }
    }
}

/// Why a name lookup failed.
#[derive(Debug)]
pub enum LookupError {
    /// The deadline passed first.
    Timeout,
    /// The resolver answered with an error.
    Failed(ErrorCode),
}

/// An open TCP connection. Fields drop in order: the streams before their socket.
pub struct Connection {
    input: InputStream,
    output: OutputStream,
    _socket: TcpSocket,
}

/// A connection attempt under way.
pub struct Attempt {
    socket: TcpSocket,
}

impl Attempt {
    /// Starts connecting to `address:port` without waiting.
    pub fn start(address: IpAddr, port: u16) -> Result<Self, ErrorCode> {
        let network = instance_network();
        let family = match address {
            IpAddr::V4(_) => IpAddressFamily::Ipv4,
            IpAddr::V6(_) => IpAddressFamily::Ipv6,
        };
        let socket = create_tcp_socket(family)?;
        socket.start_connect(&network, to_wasi(address, port))?;
        Ok(Self { socket })
    }

    /// A pollable that is ready when the attempt has an outcome.
    pub fn subscribe(&self) -> Pollable {
        self.socket.subscribe()
    }

    /// The attempt's outcome, if it has one: the connection, or why it failed; the attempt
    /// itself back while it is still under way.
    pub fn finish(self) -> Result<Result<Connection, Self>, ErrorCode> {
        match self.socket.finish_connect() {
            Ok((input, output)) => {
                let Self { socket } = self;
                Ok(Ok(Connection {
                    input,
                    output,
                    _socket: socket,
                }))
            }
            Err(ErrorCode::WouldBlock) => Ok(Err(self)),
            Err(code) => Err(code),
        }
    }
}

/// Waits until one of `pollables` is ready or `deadline` passes; the index of one that is
/// ready, none when the deadline came first.
pub async fn wait_any(mut pollables: Vec<Pollable>, deadline: Instant) -> Option<usize> {
    let count = pollables.len();
    pollables.push(monotonic_clock::subscribe_instant(deadline));
    let index = wait_any_of(pollables).await;
    (index < count).then_some(index)
}

impl Connection {
    /// Reads what the server has sent, waiting for at least one byte until `deadline`.
    pub async fn read(&self, deadline: Instant) -> Result<Vec<u8>, IoError> {
        loop {
            match self.input.read(READ_CHUNK) {
                Ok(bytes) if !bytes.is_empty() => return Ok(bytes),
                Ok(_) => {
                    if !wait(self.input.subscribe(), deadline).await {
                        return Err(IoError::Timeout);
                    }
                }
                Err(error) => return Err(stream_error(error)),
            }
        }
    }

    /// Writes all of `bytes` and flushes them, until `deadline`.
    pub async fn write_all(&self, mut bytes: &[u8], deadline: Instant) -> Result<(), IoError> {
        while !bytes.is_empty() {
            let permitted = self.output.check_write().map_err(stream_error)?;
            if permitted == 0 {
                if !wait(self.output.subscribe(), deadline).await {
                    return Err(IoError::Timeout);
                }
                continue;
            }
            let n = bytes
                .len()
                .min(usize::try_from(permitted).unwrap_or(usize::MAX));
            self.output.write(&bytes[..n]).map_err(stream_error)?;
            bytes = &bytes[n..];
        }
        self.output.flush().map_err(stream_error)?;
        // check_write fails or waits until the flush is done.
        while self.output.check_write().map_err(stream_error)? == 0 {
            if !wait(self.output.subscribe(), deadline).await {
                return Err(IoError::Timeout);
            }
        }
        Ok(())
    }
}

fn stream_error(error: StreamError) -> IoError {
    match error {
        StreamError::Closed => IoError::Closed,
        StreamError::LastOperationFailed(e) => IoError::Failed(e.to_debug_string()),
    }
}

fn to_wasi(address: IpAddr, port: u16) -> IpSocketAddress {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port,
                address: (a, b, c, d),
            })
        }
        IpAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.segments();
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port,
                flow_info: 0,
                address: (a, b, c, d, e, f, g, h),
                scope_id: 0,
            })
        }
    }
}

fn from_wasi(address: IpAddress) -> IpAddr {
    match address {
        IpAddress::Ipv4((a, b, c, d)) => IpAddr::from([a, b, c, d]),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => IpAddr::from([a, b, c, d, e, f, g, h]),
    }
}
