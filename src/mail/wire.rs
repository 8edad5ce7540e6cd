//! The plain TCP stream under an SMTP connection, with an outbox postbode
//! writes to itself. lettre greets, authenticates, formats the commands and
//! reads every reply, but it writes one command and waits for its reply
//! before the next. With the outbox, a transaction sends MAIL, RCPT and DATA
//! in one write when the server offers PIPELINING (RFC 2920), and the body
//! with its final dot in one more: two round trips per message instead of
//! five, which on a relay 20 ms away is 60 ms saved per message.
//!
//! What is queued goes out before anything is read from the stream, so a
//! reply can only be read once every byte it answers has been written.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};

use lettre::transport::smtp::client::AsyncTokioStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bytes queued for the server, and how many of them were written.
#[derive(Default)]
struct Queue {
    bytes: Vec<u8>,
    written: usize,
}

/// The writing side of a [`Wire`], kept by the session beside lettre's connection.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<Queue>>);

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Outbox")
    }
}

impl Outbox {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues SMTP commands; they are written when the first reply is read.
    pub fn push_commands(&self, commands: &[u8]) {
        self.queue().bytes.extend_from_slice(commands);
    }

    /// Queues a message as DATA carries it: a line that starts with `.`
    /// gets a second one (RFC 5321 §4.5.2), and `CRLF . CRLF` ends it.
    /// Only a `.` at the start or after CRLF counts, as in lettre.
    pub fn push_message(&self, message: &[u8]) {
        let mut q = self.queue();
        let out = &mut q.bytes;
        out.reserve(message.len() + message.len() / 512 + 8);
        if message.first() == Some(&b'.') {
            out.push(b'.');
        }
        let mut from = 0;
        for at in memchr::memmem::find_iter(message, b"\r\n.") {
            // Up to and including the line break, then the extra dot.
            out.extend_from_slice(&message[from..at + 2]);
            out.push(b'.');
            from = at + 2;
        }
        out.extend_from_slice(&message[from..]);
        out.extend_from_slice(b"\r\n.\r\n");
    }

    /// Whether everything queued has been written to the socket.
    pub fn is_sent(&self) -> bool {
        self.queue().bytes.is_empty()
    }

    /// Drops what was not written (the connection is given up).
    pub fn clear(&self) {
        let mut q = self.queue();
        q.bytes.clear();
        q.written = 0;
    }
}

/// A TCP stream that writes its outbox first, before any read or write.
#[derive(Debug)]
pub struct Wire {
    stream: TcpStream,
    outbox: Outbox,
}

impl Wire {
    pub fn new(stream: TcpStream) -> (Self, Outbox) {
        let outbox = Outbox::default();
        let wire = Self {
            stream,
            outbox: outbox.clone(),
        };
        (wire, outbox)
    }

    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut q = self.outbox.queue();
        while q.written < q.bytes.len() {
            let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &q.bytes[q.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            q.written += n;
        }
        q.bytes.clear();
        q.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Wire {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffed(message: &[u8]) -> Vec<u8> {
        let outbox = Outbox::default();
        outbox.push_message(message);
        let q = outbox.queue();
        q.bytes.clone()
    }

    #[test]
    fn dots_at_line_starts_are_doubled_and_the_end_marked() {
        assert_eq!(stuffed(b"a\r\nb"), b"a\r\nb\r\n.\r\n");
        assert_eq!(stuffed(b".a"), b"..a\r\n.\r\n");
        assert_eq!(
            stuffed(b"a\r\n.\r\n..b\r\n"),
            b"a\r\n..\r\n...b\r\n\r\n.\r\n"
        );
        // A dot after a bare LF or CR, or inside a line, is left alone.
        assert_eq!(stuffed(b"a\n.b\r.c d.e"), b"a\n.b\r.c d.e\r\n.\r\n");
        assert_eq!(stuffed(b""), b"\r\n.\r\n");
    }
}
