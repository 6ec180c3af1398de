//! `Outbox`: response bytes waiting to be written, kept outside Mongoose's
//! send buffer.
//!
//! Large bodies that JavaScript wrote as Buffers are not even copied into
//! the outbox (see `Payload::Shared`).
//!
//! Mongoose's send buffer is a single array: adding to it copies, and every
//! partial write moves what is left to the front (and zeroes what was sent).
//! For a 1 MiB body that is several megabytes of copying per response. Large
//! writes therefore wait here, in the buffers they arrived in, and go to the
//! socket straight from there; only small writes, and a small slice whenever
//! the socket is full, pass through Mongoose's buffer (its poll watches for
//! writability only while that buffer is non-empty, and TLS encrypts from it).

use std::collections::VecDeque;
use std::io::IoSlice;

use crate::engine::mg_conn::MgConn;
use crate::engine::payload::Payload;

/// Writes up to this size are copied into Mongoose's buffer when nothing waits here.
pub const INLINE_MAX: usize = 16 * 1024;
/// How much to hand Mongoose at a time when the socket is full or under TLS.
const SLICE: usize = 32 * 1024;
/// Under TLS Mongoose does all the writing: keep this much in its buffer.
const TLS_WINDOW: usize = 128 * 1024;
/// Buffers gathered into one write (the shim's limit).
const MAX_PARTS: usize = 16;
/// The most bytes of one buffer offered to a gathered write. A write takes
/// far less anyway; Windows' `WSABUF` (what `IoSlice` is there) holds a
/// 32-bit length, and `IoSlice::new` panics on a longer slice.
const MAX_PART_BYTES: usize = 1 << 30;

pub struct Outbox {
  /// The connection the bytes are for.
  conn: MgConn,
  buffers: VecDeque<Payload>,
  /// Bytes of the front buffer already written.
  front_sent: usize,
  /// Bytes waiting, over all buffers.
  len: usize,
}

impl Outbox {
  pub fn new(conn: MgConn) -> Self {
    Outbox { conn, buffers: VecDeque::new(), front_sent: 0, len: 0 }
  }

  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// True when bytes wait here and Mongoose's buffer has run low enough to
  /// take more: empty for plain sockets (the socket has room), half the
  /// window under TLS.
  pub fn has_room(&self) -> bool {
    let conn = self.conn;
    let low = if conn.is_tls() { TLS_WINDOW / 2 } else { 1 };
    !self.is_empty() && conn.send_len() < low
  }

  /// Queues `data` on `conn` behind everything queued before it.
  pub fn queue(&mut self, data: Payload) {
    let conn = self.conn;
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
  pub fn queue_copy(&mut self, data: &[u8]) {
    let conn = self.conn;
    if self.is_empty() {
      conn.send(data);
    } else {
      self.queue(data.to_vec().into());
    }
  }

  /// Moves bytes towards the socket: on plain sockets Mongoose's buffer and
  /// then the buffers here go in one gathered write, repeated while the
  /// socket takes everything; what is left is sliced into Mongoose's buffer so
  /// its poll wakes us when the socket has room. Returns how many of this
  /// outbox's bytes left it.
  pub fn flush(&mut self) -> usize {
    let conn = self.conn;
    if self.is_empty() || conn.is_tls() {
      conn.flush();
    }
    if self.is_empty() {
      return 0;
    }
    let before = self.len;
    if !conn.is_tls() {
      while !self.is_empty() {
        let mut parts = [IoSlice::new(&[]); MAX_PARTS];
        let mut count = 0;
        let mut offered = 0;
        for (slot, buffer) in parts.iter_mut().zip(&self.buffers) {
          let rest = if count == 0 { &buffer[self.front_sent..] } else { &buffer[..] };
          let rest = &rest[..rest.len().min(MAX_PART_BYTES)];
          *slot = IoSlice::new(rest);
          offered += rest.len();
          count += 1;
        }
        match conn.write_parts(&parts[..count]) {
          // The connection is closing; its bytes go nowhere.
          None => return 0,
          Some(n) => {
            self.advance(n);
            if n < offered || conn.send_len() > 0 {
              break;
            }
          }
        }
      }
      if conn.send_len() == 0 {
        self.feed(SLICE);
      }
    } else if conn.send_len() < TLS_WINDOW / 2 {
      self.feed(TLS_WINDOW - conn.send_len());
    }
    before - self.len
  }

  /// Copies up to `max` bytes into Mongoose's send buffer.
  fn feed(&mut self, max: usize) {
    let conn = self.conn;
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

  /// Drops `n` written bytes from the front, across buffers.
  fn advance(&mut self, mut n: usize) {
    while n > 0 {
      let Some(front) = self.buffers.front() else { break };
      let step = n.min(front.len() - self.front_sent);
      self.len -= step;
      self.front_sent += step;
      n -= step;
      if self.front_sent >= front.len() {
        self.buffers.pop_front();
        self.front_sent = 0;
      }
    }
  }
}
