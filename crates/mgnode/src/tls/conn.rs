//! `TlsConn`: one connection's TLS, from the first byte of its ClientHello
//! to its close. It lives behind Mongoose's `c->tls` and is driven by the
//! `mg_tls_*` hooks (see `hooks.rs`) and, for handshakes finished elsewhere,
//! by the engine.
//!
//! - Bytes Mongoose reads are moved at once into `inbox` (its own buffer is
//!   emptied), so a connection mgnode paused does not make the poll spin.
//! - The server's first flight (key exchange and signature) runs on the
//!   Mongoose thread when it is cheap, and in the handshake pool otherwise
//!   (see `budget.rs` and `offload.rs`).
//! - Plaintext to send stays in Mongoose's send buffer until its records are
//!   on the wire: `send.len` is then exactly what is left to send, so the
//!   engine's backpressure and Mongoose's close-once-flushed stay right.

use std::io::{self, Read};
use std::sync::Arc;
use std::time::Instant;

use rustls::server::{Accepted, Acceptor, ServerConnection};
use rustls::HandshakeKind;

use super::budget;
use super::client_auth;
use super::context::Context;
use super::listener::{Choice, ListenerTls};
use super::offload::{self, HelloDone};
use super::sessions::{self, SessionInfo};
use super::wire::{SocketWriter, Wire};
use crate::bridge::loop_handle::LoopHandle;

/// Plaintext encrypted per step of a send.
const SEND_CHUNK: usize = 64 * 1024;
/// An empty inbox keeps at most this much memory.
const INBOX_KEEP: usize = 4 * 1024;

enum Stage {
  /// Reading the ClientHello.
  Hello(Box<Acceptor>),
  /// The ClientHello is read; JavaScript chooses the context (`SNICallback`).
  Choosing(Box<Accepted>),
  /// The first flight is being made in the handshake pool.
  Away,
  Open(Box<ServerConnection>),
  Failed,
}

/// What the engine must do after driving a connection outside Mongoose's poll.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Outcome {
  /// Decrypted bytes were added to the receive buffer: parse them.
  pub read: bool,
  /// The peer finished sending.
  pub peer_done: bool,
}

/// Who is driving: Mongoose's hooks (events may be raised) or the engine
/// between polls (it is told through an `Outcome` instead).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Driver {
  Hook,
  Engine,
}

pub struct TlsConn {
  stage: Stage,
  listener: Arc<ListenerTls>,
  context: Option<Arc<Context>>,
  handle: Arc<LoopHandle>,
  conn_id: u64,
  /// Received ciphertext rustls has not taken yet.
  inbox: Vec<u8>,
  /// Plaintext rustls holds, ready to read.
  plain_ready: usize,
  /// Bytes at the front of Mongoose's send buffer already encrypted, whose
  /// records are not all written yet.
  encrypted_ahead: usize,
  /// The peer ended: TCP end of stream, or TLS close_notify.
  peer_ended: bool,
  /// The engine has been told.
  end_told: bool,
  close_notify_sent: bool,
  published: bool,
  /// Bytes of the first record have gone to rustls (its header was checked).
  hello_started: bool,
}

impl TlsConn {
  pub fn new(listener: Arc<ListenerTls>, handle: Arc<LoopHandle>, conn_id: u64) -> Self {
    TlsConn {
      stage: Stage::Hello(Box::default()),
      listener,
      context: None,
      handle,
      conn_id,
      inbox: Vec::new(),
      plain_ready: 0,
      encrypted_ahead: 0,
      peer_ended: false,
      end_told: false,
      close_notify_sent: false,
      published: false,
      hello_started: false,
    }
  }

  fn established(&self) -> bool {
    matches!(&self.stage, Stage::Open(sc) if !sc.is_handshaking())
  }

  /// How much work waits that a read pass would do (0 while paused: the
  /// engine resumes reading through the shim, which marks the connection).
  pub fn pending(&self, wire: Wire) -> usize {
    match &self.stage {
      Stage::Open(sc) => {
        if sc.is_handshaking() {
          return usize::from(!self.inbox.is_empty() || sc.wants_write());
        }
        if wire.paused() {
          return 0;
        }
        let end = usize::from(self.peer_ended && !self.end_told);
        self.plain_ready + end + usize::from(self.plain_ready == 0 && !self.inbox.is_empty())
      }
      _ => 0,
    }
  }

  /// The transport reached its end of stream (`mgn_peer_done` under TLS).
  pub fn transport_eof(&mut self, wire: Wire) {
    self.peer_ended = true;
    if !self.established() {
      // A handshake cut short can never complete.
      wire.close();
    }
  }

  /// `mg_tls_handshake`: bytes arrived during the handshake.
  pub fn on_handshake_bytes(&mut self, wire: Wire) {
    wire.take_incoming(&mut self.inbox);
    self.advance(wire);
    if self.established() {
      self.deliver(wire, Driver::Hook);
    }
    self.trim_inbox();
  }

  /// The pool made the first flight: carry on from there (engine thread).
  pub fn hello_done(&mut self, wire: Wire, done: HelloDone) -> Outcome {
    if !matches!(self.stage, Stage::Away) {
      return Outcome::default();
    }
    match done {
      HelloDone::Ready(sc) => self.stage = Stage::Open(sc),
      HelloDone::Refused(alert) => {
        let _ = io::Write::write(&mut SocketWriter(wire), &alert);
        self.fail(wire);
        return Outcome::default();
      }
    }
    self.proceed(wire)
  }

  /// JavaScript chose a context for the name the client asked for (`None`:
  /// the default one, as an `SNICallback` answering nothing; `fail`: it failed).
  pub fn chosen(&mut self, wire: Wire, context: Option<Arc<Context>>, fail: bool) -> Outcome {
    let Stage::Choosing(_) = &self.stage else { return Outcome::default() };
    let Stage::Choosing(accepted) = std::mem::replace(&mut self.stage, Stage::Failed) else { unreachable!() };
    if fail {
      wire.close();
      return Outcome::default();
    }
    let context = context.unwrap_or_else(|| self.listener.default.clone());
    self.first_flight(wire, accepted, context);
    self.proceed(wire)
  }

  /// Goes on with the handshake after its first flight: delivers what is
  /// readable once it is established, or waits for the client's next bytes.
  fn proceed(&mut self, wire: Wire) -> Outcome {
    self.advance(wire);
    if self.established() {
      self.deliver(wire, Driver::Engine)
    } else {
      wire.mark();
      Outcome::default()
    }
  }

  /// `mg_tls_recv`: decrypted bytes into `buf`; 0 when there are none now.
  pub fn read(&mut self, wire: Wire, buf: &mut [u8]) -> Result<usize, ()> {
    wire.take_incoming(&mut self.inbox);
    let Stage::Open(sc) = &mut self.stage else { return Ok(0) };
    loop {
      if self.plain_ready > 0 && !buf.is_empty() {
        match sc.reader().read(buf) {
          Ok(0) => {
            self.plain_ready = 0;
            self.peer_ended = true;
          }
          Ok(n) => {
            self.plain_ready = self.plain_ready.saturating_sub(n);
            if self.inbox.is_empty() && self.inbox.capacity() > INBOX_KEEP {
              self.inbox = Vec::new();
            }
            return Ok(n);
          }
          Err(_) => self.plain_ready = 0,
        }
      }
      if self.inbox.is_empty() {
        return Ok(0);
      }
      let before = self.inbox.len();
      if feed(sc, &mut self.inbox, &mut self.plain_ready, &mut self.peer_ended).is_err() {
        let _ = write_out(sc, wire);
        self.stage = Stage::Failed;
        return Err(());
      }
      if write_out(sc, wire).is_err() {
        return Err(());
      }
      if self.plain_ready == 0 && self.inbox.len() == before {
        return Ok(0);
      }
    }
  }

  /// After a read found nothing: true once, when the peer has ended and
  /// everything it sent was handed on.
  pub fn end_to_tell(&mut self) -> bool {
    self.trim_inbox();
    if self.peer_ended && !self.end_told && self.plain_ready == 0 {
      self.end_told = true;
      return true;
    }
    false
  }

  /// `mg_tls_send`: `buf` is Mongoose's send buffer. Returns how many of its
  /// bytes are on the wire (encrypted and written), `None` when none yet, or
  /// an error.
  pub fn send(&mut self, wire: Wire, buf: &[u8]) -> Result<Option<usize>, ()> {
    let Stage::Open(sc) = &mut self.stage else { return Ok(None) };
    if sc.is_handshaking() {
      return Ok(None);
    }
    let mut done = 0;
    loop {
      if !write_out(sc, wire)? {
        break;
      }
      done += std::mem::take(&mut self.encrypted_ahead);
      let rest = &buf[done.min(buf.len())..];
      if rest.is_empty() {
        break;
      }
      let n = io::Write::write(&mut sc.writer(), &rest[..rest.len().min(SEND_CHUNK)]).map_err(|_| ())?;
      if n == 0 {
        break;
      }
      self.encrypted_ahead = n;
    }
    Ok((done > 0).then_some(done))
  }

  /// `mg_tls_flush`: Mongoose's send buffer is empty. Writes what rustls
  /// still holds, and a close_notify before a close the server decided.
  pub fn flush(&mut self, wire: Wire) {
    let Stage::Open(sc) = &mut self.stage else { return };
    if sc.is_handshaking() {
      return;
    }
    if wire.draining() && !self.close_notify_sent {
      self.close_notify_sent = true;
      sc.send_close_notify();
    }
    let _ = write_out(sc, wire);
  }

  /// Moves the handshake on with what `inbox` holds.
  fn advance(&mut self, wire: Wire) {
    loop {
      match &mut self.stage {
        Stage::Hello(acceptor) => {
          if !self.hello_started && !can_start_client_hello(&self.inbox) {
            // rustls would wait for the whole record a header announces;
            // bytes that cannot be a ClientHello's are refused at once, as
            // node:https does.
            self.fail(wire);
            return;
          }
          self.hello_started |= !self.inbox.is_empty();
          while !self.inbox.is_empty() {
            match acceptor.read_tls(&mut self.inbox.as_slice()) {
              Ok(0) | Err(_) => break,
              Ok(n) => {
                self.inbox.drain(..n);
              }
            }
          }
          match acceptor.accept() {
            Ok(None) => return,
            Ok(Some(accepted)) => {
              let name = accepted.client_hello().server_name().map(str::to_owned);
              match self.listener.choose(name.as_deref()) {
                Choice::Context(context) => self.first_flight(wire, Box::new(accepted), context),
                Choice::AskJs => {
                  if self.listener.ask_js(self.conn_id, name.unwrap_or_default()) {
                    self.stage = Stage::Choosing(Box::new(accepted));
                    return;
                  }
                  // JavaScript cannot be asked (its listener is closing): the default.
                  let context = self.listener.default.clone();
                  self.first_flight(wire, Box::new(accepted), context);
                }
              }
            }
            Err((_, mut alert)) => {
              // Not a TLS ClientHello (plain HTTP on an https:// port,
              // garbage): the alert, if it goes, and a close at once.
              let _ = alert.write_all(&mut SocketWriter(wire));
              self.fail(wire);
              return;
            }
          }
        }
        Stage::Open(sc) if sc.is_handshaking() => {
          let failed = feed(sc, &mut self.inbox, &mut self.plain_ready, &mut self.peer_ended).is_err();
          let wrote = write_out(sc, wire);
          if failed || wrote.is_err() {
            self.fail(wire);
            return;
          }
          if sc.is_handshaking() {
            return;
          }
          self.on_established(wire);
          return;
        }
        _ => return,
      }
    }
  }

  /// Makes the server's first flight with `context`, here or in the pool.
  fn first_flight(&mut self, wire: Wire, accepted: Box<Accepted>, context: Arc<Context>) {
    self.context = Some(context.clone());
    let cost = context.hello_cost();
    if !budget::may_run_inline(cost) {
      self.stage = Stage::Away;
      offload::submit(offload::Hello { conn_id: self.conn_id, accepted, context, reply: self.handle.clone() });
      return;
    }
    let started = Instant::now();
    let result = accepted.into_connection(context.config.clone());
    let took = started.elapsed();
    budget::spent(took);
    context.measured_hello(took);
    match result {
      Ok(sc) => self.stage = Stage::Open(Box::new(sc)),
      Err((_, mut alert)) => {
        let _ = alert.write_all(&mut SocketWriter(wire));
        self.fail(wire);
      }
    }
  }

  fn on_established(&mut self, wire: Wire) {
    let Stage::Open(sc) = &mut self.stage else { return };
    sc.set_buffer_limit(None);
    wire.established();
    let context = self.context.clone().unwrap_or_else(|| self.listener.default.clone());
    let chain = sc.peer_certificates();
    let refusal = match (context.request_cert, context.verified_in_handshake) {
      (false, _) => None,
      // rustls refused the handshake unless the certificate verified.
      (true, true) => None,
      (true, false) => client_auth::verdict(context.audit.as_ref(), chain),
    };
    let info = SessionInfo {
      protocol: match sc.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
        _ => "TLSv1.2",
      },
      cipher: sc.negotiated_cipher_suite().map(|s| suite_name(s.suite())).unwrap_or_default(),
      alpn: sc.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
      servername: sc.server_name().map(str::to_owned),
      resumed: sc.handshake_kind() == Some(HandshakeKind::Resumed),
      peer_chain: chain.map(|c| c.iter().map(|d| d.to_vec()).collect()).unwrap_or_default(),
      authorized: context.request_cert && refusal.is_none(),
      authorization_error: if context.request_cert { refusal } else { None },
    };
    sessions::publish(&self.handle, self.conn_id, info);
    self.published = true;
  }

  /// Hands decrypted bytes and the peer's end on, once established.
  fn deliver(&mut self, wire: Wire, driver: Driver) -> Outcome {
    let mut outcome = Outcome::default();
    loop {
      let space = wire.recv_space();
      if space.is_empty() {
        break;
      }
      match self.read(wire, space) {
        Ok(0) => break,
        Ok(n) => {
          wire.recv_added(n);
          outcome.read = true;
          if driver == Driver::Hook {
            wire.emit_read(n);
          }
        }
        Err(()) => {
          wire.close();
          return Outcome::default();
        }
      }
    }
    if self.end_to_tell() {
      outcome.peer_done = true;
      if driver == Driver::Hook {
        wire.emit_peer_done();
      }
    }
    outcome
  }

  /// An emptied inbox gives its memory back: an idle keep-alive connection
  /// should not keep the size of its largest read.
  fn trim_inbox(&mut self) {
    if self.inbox.is_empty() && self.inbox.capacity() > INBOX_KEEP {
      self.inbox = Vec::new();
    }
  }

  fn fail(&mut self, wire: Wire) {
    self.stage = Stage::Failed;
    wire.close();
  }
}

impl Drop for TlsConn {
  fn drop(&mut self) {
    if self.published {
      sessions::forget(&self.handle, self.conn_id);
    }
  }
}

/// Feeds ciphertext to rustls and processes it.
/// Whether `bytes`, the first a client sent (maybe only some of them), can
/// start a ClientHello record: a handshake record (22) of TLS version 3.x,
/// 1 to 2^14 bytes long (RFC 8446 §5.1), whose message is a ClientHello (1).
fn can_start_client_hello(bytes: &[u8]) -> bool {
  let at = |i: usize| bytes.get(i).copied();
  let length = match (at(3), at(4)) {
    (Some(hi), Some(lo)) => Some(u16::from_be_bytes([hi, lo])),
    _ => None,
  };
  !matches!(at(0), Some(b) if b != 22)
    && !matches!(at(1), Some(b) if b != 3)
    && !matches!(length, Some(n) if !(1..=16384).contains(&n))
    && !matches!(at(5), Some(b) if b != 1)
}

fn feed(sc: &mut ServerConnection, inbox: &mut Vec<u8>, plain_ready: &mut usize, ended: &mut bool) -> Result<(), ()> {
  while !inbox.is_empty() {
    let n = match sc.read_tls(&mut inbox.as_slice()) {
      Ok(0) | Err(_) => break,
      Ok(n) => n,
    };
    inbox.drain(..n);
    let state = sc.process_new_packets().map_err(|_| ())?;
    *plain_ready = state.plaintext_bytes_to_read();
    *ended |= state.peer_has_closed();
  }
  Ok(())
}

/// Writes what rustls has to send; `Ok(true)` once nothing is left.
fn write_out(sc: &mut ServerConnection, wire: Wire) -> Result<bool, ()> {
  while sc.wants_write() {
    match sc.write_tls(&mut SocketWriter(wire)) {
      Ok(_) => {}
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
      Err(_) => return Err(()),
    }
  }
  Ok(true)
}

/// The IANA name of a cipher suite (`TLS_AES_128_GCM_SHA256`), as node's `getCipher().standardName`.
fn suite_name(suite: rustls::CipherSuite) -> String {
  let name = format!("{suite:?}");
  match name.strip_prefix("TLS13_") {
    Some(rest) => format!("TLS_{rest}"),
    None => name,
  }
}

#[cfg(test)]
mod tests {
  use super::can_start_client_hello;

  #[test]
  fn only_what_can_start_a_client_hello_passes() {
    assert!(can_start_client_hello(b""));
    assert!(can_start_client_hello(&[22, 3, 1, 0, 200, 1, 0]));
    assert!(can_start_client_hello(&[22, 3]));
    assert!(!can_start_client_hello(b"GET / HTTP/1.1\r\n"));
    assert!(!can_start_client_hello(&[22, 2, 0]));
    assert!(!can_start_client_hello(&[22, 3, 1, 0, 0]));
    assert!(!can_start_client_hello(&[22, 3, 1, 0x40, 1]));
    // A ServerHello (2) where a ClientHello must be.
    assert!(!can_start_client_hello(&[22, 3, 3, 0, 50, 2]));
  }
}
