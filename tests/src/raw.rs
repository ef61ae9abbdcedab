//! Raw TCP clients for the attack tests: what a hostile or broken client does that a polite
//! HTTP library never would (dripping bytes, never finishing a head, half-closing).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Connects to `addr`.
pub async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

/// Reads until the server closes the connection (EOF or reset) and returns how long that took
/// from `since`; `None` if it was still open after `limit`. While waiting, writes `drip` (if
/// any) every `every`, as a slow client would.
pub async fn closed_within(
    stream: &mut TcpStream,
    since: Instant,
    limit: Duration,
    drip: Option<(&[u8], Duration)>,
) -> Option<Duration> {
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::from_std(since + limit);
    let mut next_drip = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => return None,
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(since.elapsed()),
                Ok(_) => {}
            },
            () = tokio::time::sleep_until(next_drip), if drip.is_some() => {
                if let Some((bytes, every)) = drip {
                    if stream.write_all(bytes).await.is_err() {
                        return Some(since.elapsed());
                    }
                    next_drip += every;
                }
            }
        }
    }
}

/// A complete HTTP/1.1 response read from `stream`: status and body (by `Content-Length`).
pub async fn read_response(stream: &mut TcpStream, limit: Duration) -> Option<(u16, Vec<u8>)> {
    let read = async {
        let mut data = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            if let Some(end) = find(&data, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).to_string();
                let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                return Some((status, data[end + 4..end + 4 + length].to_vec()));
            }
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            data.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(limit, read).await.ok().flatten()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The head of a `POST /v1/publish` with a JSON body of `length` bytes.
pub fn publish_head(length: usize, extra_headers: &str) -> String {
    format!(
        "POST /v1/publish HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n{extra_headers}\r\n"
    )
}

/// Resident memory of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
