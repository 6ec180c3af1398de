//! Commands from JavaScript threads to the Mongoose thread.

use std::sync::Arc;

use crossbeam_channel::Sender;
use napi_derive::napi;

use crate::bridge::request_sink::RequestSink;
use crate::engine::payload::Payload;
use crate::http::request_head::Limits;
use crate::tls::context::Context;
use crate::tls::listener::ListenerTls;
use crate::tls::offload::HelloDone;

/// Flags of a write: bits of the `flags` number of `Responder.write` and friends.
#[napi]
pub enum WriteFlag {
  /// This write ends the response (on an upgraded connection: shut its
  /// sending side once everything is written).
  End = 1,
  /// Close the connection once the response is flushed.
  Close = 2,
  /// Tell JS (a `Drain` event) when the send buffer is low again.
  WantDrain = 4,
  /// Frame the data as one chunk; with `End`, also send the last chunk.
  Chunked = 8,
}

impl WriteFlag {
  /// True if this bit is set in `flags`.
  pub fn set_in(self, flags: u32) -> bool {
    flags & self as u32 != 0
  }
}

/// A listener's timeouts in milliseconds (0 turns one off). They can change
/// while it listens (node:http servers set `keepAliveTimeout` after `listen()`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timeouts {
  /// From the first byte of a request to the end of its head.
  pub headers_ms: u64,
  /// From the first byte of a request to the end of its body.
  pub request_ms: u64,
  /// How long a connection may sit idle between requests.
  pub keep_alive_ms: u64,
  /// How long a response may make no progress because the client is not reading.
  pub stream_ms: u64,
}

/// Everything a listener needs besides its address.
#[derive(Clone)]
pub struct ListenerConfig {
  pub limits: Limits,
  /// Present on `https://` listeners.
  pub tls: Option<Arc<ListenerTls>>,
  pub timeouts: Timeouts,
  /// Connections open at once beyond which new ones are closed as soon as
  /// they are accepted (node:http's `server.maxConnections`; 0 refuses
  /// every one); `usize::MAX` for no limit.
  pub max_connections: usize,
}

/// Where a listener ended up.
pub struct Bound {
  pub id: u64,
  pub host: String,
  pub port: u16,
}

/// Why `listen` failed, worded like Node's errors (`listen EADDRINUSE: ...`).
pub struct ListenError {
  pub message: String,
}

/// One write of a [`Command::WriteBatch`]: `len` bytes for `conn`, with `flags` as for [`Command::Write`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchedWrite {
  pub conn: u64,
  pub len: usize,
  pub flags: u32,
}

/// The bytes and entries of a [`Command::WriteBatch`].
#[derive(Debug, Default, PartialEq)]
pub struct WriteBatch {
  pub bytes: Vec<u8>,
  pub writes: Vec<BatchedWrite>,
}

impl WriteBatch {
  /// Each write with its bytes, in order. Entries that would run past the
  /// bytes (a caller's bug) are cut at the end.
  pub fn iter(&self) -> impl Iterator<Item = (BatchedWrite, &[u8])> {
    let mut at = 0;
    self.writes.iter().map(move |w| {
      let start = at.min(self.bytes.len());
      at = (start + w.len).min(self.bytes.len());
      (*w, &self.bytes[start..at])
    })
  }
}

pub enum Command {
  Listen {
    url: String,
    config: Box<ListenerConfig>,
    /// The first sink; `None` when sinks are attached later (workers).
    sink: Option<Arc<RequestSink>>,
    reply: Sender<Result<Bound, ListenError>>,
  },
  /// Attach a sink (a worker thread's) to an existing listener.
  AttachSink { listener: u64, sink: Arc<RequestSink>, reply: Sender<bool> },
  /// Detach a sink whose thread is gone: its unanswered requests get 502.
  DetachSink { listener: u64, sink: u64 },
  /// Stop accepting on a listener. With `linger`, busy connections go on as
  /// keep-alive connections (node:http's `close()`); without, they close
  /// after their response.
  CloseListener { listener: u64, linger: bool, reply: Sender<()> },
  /// Close a listener's keep-alive connections that are between requests.
  CloseIdle { listener: u64 },
  /// Replace a listener's timeouts; connections use the new ones from their next check.
  SetTimeouts { listener: u64, timeouts: Timeouts },
  /// Replace a listener's connection limit (0: none); open connections stay.
  SetMaxConnections { listener: u64, max: usize },
  /// Bytes of a response (already framed by JS unless `CHUNKED`).
  Write { conn: u64, data: Payload, flags: u32 },
  /// Several small writes made together on one JavaScript thread, copied
  /// out of JavaScript in one crossing: each entry's bytes follow the
  /// previous entry's in `bytes`.
  WriteBatch(Box<WriteBatch>),
  /// Send `length` bytes of the file at `path` from `offset` as the rest of
  /// the body, then apply `flags` (end, close) as a write would.
  SendFile { conn: u64, path: String, offset: u64, length: u64, flags: u32 },
  /// Drop the connection now, cutting its response short; a connection
  /// between responses closes once what was sent has gone out.
  Abort { conn: u64 },
  /// Close the connection at once with a TCP reset (`resetAndDestroy()`).
  Reset { conn: u64 },
  /// JavaScript has read `bytes` more of a streamed body or an upgraded
  /// connection's data: the engine may read that much more.
  Ack { conn: u64, bytes: usize },
  /// Stop accepting, let in-flight responses finish for `grace_ms`, then close everything.
  Shutdown { grace_ms: u64 },
  /// The handshake pool made a connection's first flight.
  TlsHello { conn: u64, done: Box<HelloDone> },
  /// JavaScript's `SNICallback` chose a context (`None`: the default), or failed.
  TlsChoose { conn: u64, context: Option<Arc<Context>>, fail: bool },
  /// A context for server names matching `name` (node's `server.addContext`).
  TlsAddContext { listener: u64, name: String, context: Arc<Context> },
}

#[cfg(test)]
mod tests {
  use super::*;

  fn entry(conn: u64, len: usize) -> BatchedWrite {
    BatchedWrite { conn, len, flags: 1 }
  }

  #[test]
  fn a_batch_yields_each_write_with_its_own_bytes() {
    let batch = WriteBatch { bytes: b"abcdef".to_vec(), writes: vec![entry(1, 2), entry(2, 0), entry(3, 4)] };
    let got: Vec<(u64, &[u8])> = batch.iter().map(|(w, b)| (w.conn, b)).collect();
    assert_eq!(got, vec![(1, &b"ab"[..]), (2, &b""[..]), (3, &b"cdef"[..])]);
  }

  #[test]
  fn entries_past_the_bytes_are_cut_not_read_out_of_bounds() {
    let batch = WriteBatch { bytes: b"abc".to_vec(), writes: vec![entry(1, 2), entry(2, 5), entry(3, 1)] };
    let got: Vec<&[u8]> = batch.iter().map(|(_, b)| b).collect();
    assert_eq!(got, vec![&b"ab"[..], &b"c"[..], &b""[..]]);
  }
}
