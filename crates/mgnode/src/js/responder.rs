//! `Responder`: how any JavaScript thread sends response bytes to a manager's
//! Mongoose thread. It holds only the manager's command channel, so worker
//! threads create their own from the manager id.

use std::cell::Cell;
use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Float64ArraySlice};
use napi::{Error, Result, Status};
use napi_derive::napi;

#[allow(unused_imports)] // named in the docs
use crate::bridge::command::WriteFlag;
use crate::bridge::command::{BatchedWrite, Command, WriteBatch};
use crate::bridge::loop_handle::LoopHandle;
use crate::bridge::registry;
use crate::engine::payload::Payload;
use crate::js::tls::TlsSession;
use crate::tls::sessions;

/// Writes responses for connections of one manager, from any thread.
///
/// ```js
/// const responder = new Responder(manager.id)
/// responder.respond(connId, 'HTTP/1.1 204 No Content' + CRLF + CRLF, null, 1)
/// ```
#[napi]
pub struct Responder {
  handle: Arc<LoopHandle>,
  /// Between `holdRings` and `releaseRings`: commands are queued unrung.
  holding: Cell<bool>,
  /// A command was queued while holding, so `releaseRings` must ring.
  owed: Cell<bool>,
}

#[napi]
impl Responder {
  /// Binds to the manager with this id (see `Manager.id`).
  #[napi(constructor)]
  pub fn new(manager_id: u32) -> Result<Self> {
    let handle = registry::lookup(manager_id).ok_or_else(|| Error::new(Status::GenericFailure, "manager is closed"))?;
    Ok(Responder { handle, holding: Cell::new(false), owed: Cell::new(false) })
  }

  /// A whole response in one crossing: `head` (UTF-8) then `body`, with `flags` as for `write`.
  #[napi]
  pub fn respond(&self, conn_id: i64, head: String, body: Option<&[u8]>, flags: u32) {
    let data = match body {
      Some(body) if !body.is_empty() => {
        let mut data = Vec::with_capacity(head.len() + body.len());
        data.extend_from_slice(head.as_bytes());
        data.extend_from_slice(body);
        data
      }
      _ => head.into_bytes(),
    };
    self.send(Command::Write { conn: conn_id as u64, data: data.into(), flags });
  }

  /// Like `respond`, but `body` is sent from the Buffer itself, not copied:
  /// for large bodies, which must not be changed afterwards (as with
  /// `socket.write`). The reference costs more than copying a small body.
  #[napi]
  pub fn respond_shared(&self, conn_id: i64, head: String, body: Buffer, flags: u32) {
    let conn = conn_id as u64;
    // The flags (end, close, drain) belong after the body.
    self.send(Command::Write { conn, data: head.into_bytes().into(), flags: 0 });
    self.send(Command::Write { conn, data: Payload::Shared(body), flags });
  }

  /// Queues response bytes for a connection; `flags` are [`WriteFlag`] bits.
  #[napi]
  pub fn write(&self, conn_id: i64, data: &[u8], flags: u32) {
    self.send(Command::Write { conn: conn_id as u64, data: data.to_vec().into(), flags });
  }

  /// Like `write`, without copying `data` (see `respondShared`).
  #[napi]
  pub fn write_shared(&self, conn_id: i64, data: Buffer, flags: u32) {
    self.send(Command::Write { conn: conn_id as u64, data: Payload::Shared(data), flags });
  }

  /// Like `write`, for a string (sent as UTF-8).
  #[napi]
  pub fn write_string(&self, conn_id: i64, data: String, flags: u32) {
    self.send(Command::Write { conn: conn_id as u64, data: data.into_bytes().into(), flags });
  }

  /// Several writes in one crossing. `writes` holds `count` entries of three
  /// numbers, `[connId, flags, byteLength]`, whose bytes follow each other in
  /// the first `used` bytes of `bytes`; `flags` are as for `write`. The bytes
  /// are copied, so the caller may reuse `bytes` at once.
  ///
  /// ```js
  /// const bytes = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')
  /// responder.writeBatch(bytes, bytes.length, new Float64Array([connId, 1, bytes.length]), 1)
  /// ```
  #[napi]
  pub fn write_batch(&self, bytes: &[u8], used: u32, writes: Float64ArraySlice, count: u32) {
    let bytes = &bytes[..(used as usize).min(bytes.len())];
    let entries = writes.chunks_exact(3).take(count as usize);
    let writes = entries.map(|w| BatchedWrite { conn: w[0] as u64, flags: w[1] as u32, len: w[2] as usize }).collect();
    self.send(Command::WriteBatch(Box::new(WriteBatch { bytes: bytes.to_vec(), writes })));
  }

  /// Sends `length` bytes of the file at `path`, from `offset`, as the rest of
  /// the response body (the head must already be written); the engine reads
  /// the file itself. `flags` ([`WriteFlag`] End, Close) apply when it is done.
  #[napi]
  pub fn send_file(&self, conn_id: i64, path: String, offset: f64, length: f64, flags: u32) {
    let (offset, length) = (offset.max(0.0) as u64, length.max(0.0) as u64);
    self.send(Command::SendFile { conn: conn_id as u64, path, offset, length, flags });
  }

  /// Drops a connection at once, cutting its response short; one between
  /// responses closes once the last response has gone out.
  #[napi]
  pub fn abort(&self, conn_id: i64) {
    self.send(Command::Abort { conn: conn_id as u64 });
  }

  /// Closes a connection at once with a TCP reset (the peer sees
  /// ECONNRESET), dropping whatever was queued for it.
  #[napi]
  pub fn reset(&self, conn_id: i64) {
    self.send(Command::Reset { conn: conn_id as u64 });
  }

  /// What the handshake of TLS connection `connId` settled; null before its
  /// handshake is over, after it closed, and on plain connections.
  #[napi]
  pub fn tls_session(&self, conn_id: i64) -> Option<TlsSession> {
    sessions::lookup(&self.handle, conn_id as u64).map(|s| TlsSession::from(&*s))
  }

  /// Tells the engine JavaScript has read `bytes` more of a connection's
  /// streamed body or upgraded stream, so it may read that much more from
  /// the socket (it stops while 256 KiB are unread).
  #[napi]
  pub fn ack(&self, conn_id: i64, bytes: f64) {
    self.send(Command::Ack { conn: conn_id as u64, bytes: bytes.max(0.0) as usize });
  }

  /// Queues the commands that follow without waking the engine, until
  /// `releaseRings`: a batch of responses written together costs one wake-up
  /// of the engine's thread instead of one each.
  #[napi]
  pub fn hold_rings(&self) {
    self.holding.set(true);
  }

  /// Wakes the engine now if anything was queued while holding, and keeps holding.
  #[napi]
  pub fn ring(&self) {
    if self.owed.replace(false) {
      self.handle.ring();
    }
  }

  /// Ends `holdRings`, waking the engine if anything was queued meanwhile.
  #[napi]
  pub fn release_rings(&self) {
    self.holding.set(false);
    self.ring();
  }
}

impl Responder {
  fn send(&self, cmd: Command) {
    if self.holding.get() {
      if self.handle.queue(cmd) {
        self.owed.set(true);
      }
    } else {
      self.handle.send(cmd);
    }
  }
}
