//! `Outbox`: response bytes waiting to be written, kept outside Mongoose's
//! send buffer.
//!
//! Mongoose's send buffer is a single array: adding to it copies, and every
//! partial write moves what is left to the front (and zeroes what was sent).
//! For a 1 MiB body that is several megabytes of copying per response. Large
//! writes therefore wait here, in the buffers they arrived in, and go to the
//! socket straight from there; only small writes, and a small slice whenever
//! the socket is full, pass through Mongoose's buffer (its poll watches for
//! writability only while that buffer is non-empty, and TLS encrypts from it).

use std::collections::VecDeque;

use crate::conn::Conn;

/// Writes up to this size are copied into Mongoose's buffer when nothing waits here.
pub const INLINE_MAX: usize = 16 * 1024;
/// How much to hand Mongoose at a time when the socket is full or under TLS.
const SLICE: usize = 32 * 1024;
/// Under TLS Mongoose does all the writing: keep this much in its buffer.
const TLS_WINDOW: usize = 128 * 1024;

#[derive(Default)]
pub struct Outbox {
  buffers: VecDeque<Vec<u8>>,
  /// Bytes of the front buffer already written.
  front_sent: usize,
  /// Bytes waiting, over all buffers.
  len: usize,
}

impl Outbox {
  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// True when bytes wait here and Mongoose's buffer has run low enough to
  /// take more: empty for plain sockets (the socket has room), half the
  /// window under TLS.
  pub fn has_room(&self, conn: Conn) -> bool {
    let low = if conn.is_tls() { TLS_WINDOW / 2 } else { 1 };
    !self.is_empty() && conn.send_len() < low
  }

  /// Queues `data` on `conn` behind everything queued before it.
  pub fn queue(&mut self, conn: Conn, data: Vec<u8>) {
    if data.is_empty() {
      return;
    }
    if self.is_empty() && data.len() <= INLINE_MAX {
      conn.send(&data);
    } else {
      self.len += data.len();
      self.buffers.push_back(data);
    }
  }

  /// Like `queue`, for bytes the caller keeps (chunk framing).
  pub fn queue_copy(&mut self, conn: Conn, data: &[u8]) {
    if self.is_empty() {
      conn.send(data);
    } else {
      self.queue(conn, data.to_vec());
    }
  }

  /// Moves bytes towards the socket: Mongoose's buffer first (plain sockets
  /// are written at once), then straight from here while the socket takes
  /// them; what is left is sliced into Mongoose's buffer so its poll wakes us
  /// when the socket has room. Returns how many of this outbox's bytes left it.
  pub fn flush(&mut self, conn: Conn) -> usize {
    conn.flush();
    if self.is_empty() {
      return 0;
    }
    let before = self.len;
    if !conn.is_tls() {
      while conn.send_len() == 0 {
        let Some(front) = self.buffers.front() else { break };
        match conn.write_direct(&front[self.front_sent..]) {
          Some(0) => break,
          Some(n) => self.advance(n),
          // The connection is closing; its bytes go nowhere.
          None => return 0,
        }
      }
      if conn.send_len() == 0 {
        self.feed(conn, SLICE);
      }
    } else if conn.send_len() < TLS_WINDOW / 2 {
      self.feed(conn, TLS_WINDOW - conn.send_len());
    }
    before - self.len
  }

  /// Copies up to `max` bytes into Mongoose's send buffer.
  fn feed(&mut self, conn: Conn, max: usize) {
    let mut room = max;
    while room > 0 {
      let Some(front) = self.buffers.front() else { break };
      let rest = &front[self.front_sent..];
      let n = rest.len().min(room);
      if !conn.send(&rest[..n]) {
        break;
      }
      room -= n;
      self.advance(n);
    }
  }

  fn advance(&mut self, n: usize) {
    self.len -= n;
    self.front_sent += n;
    if self.buffers.front().is_some_and(|b| self.front_sent >= b.len()) {
      self.buffers.pop_front();
      self.front_sent = 0;
    }
  }
}
