//! The HTTP listener, wrapped so that no layer ever learns the peer's address: axum's server
//! logs every accepted connection's address at trace level, and handlers could extract it.
//! Here the address type is [`Anonymous`], which carries nothing.

use std::fmt;
use std::io;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};

/// The "address" of an accepted connection: deliberately empty.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Anonymous;

impl fmt::Debug for Anonymous {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<peer address not recorded>")
    }
}

/// A TCP listener that drops peer addresses on accept.
#[derive(Debug)]
pub struct AnonymousListener(pub TcpListener);

impl Listener for AnonymousListener {
    type Io = TcpStream;
    type Addr = Anonymous;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, _peer) = Listener::accept(&mut self.0).await;
        (stream, Anonymous)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(Anonymous)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepts_without_the_peer_address() {
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let mut listener = AnonymousListener(inner);
        let connect = tokio::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let (_stream, peer) = listener.accept().await;
        assert_eq!(format!("{peer:?}"), "<peer address not recorded>");
        connect.await.unwrap();
    }
}
