//! `Connection`: what the engine keeps per client connection, and how its
//! response bytes are queued and written.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use crate::bridge::request_sink::{Peer, RequestSink, SinkEvent};
use crate::engine::file_sender::FileBody;
use crate::engine::listeners::Listener;
use crate::engine::mg_conn::MgConn;
use crate::engine::outbox::Outbox;
use crate::engine::payload::Payload;
use crate::http::canned::error_response;
use crate::http::request_parser::{ParsedRequest, RequestParser};

pub struct Connection {
  pub conn: MgConn,
  pub listener: Rc<Listener>,
  pub peer: Arc<Peer>,
  pub parser: RequestParser,
  /// The current request is with JavaScript, in `served_by`'s sink.
  pub busy: bool,
  /// The sink its last request went to (its current one, while `busy`), and
  /// its next goes to while that sink is attached. Its thread keeps a socket object for the connection
  /// (node:http's `req.socket`), so it hears when the connection closes, or
  /// (its sink detached and back) moves to another thread's sink.
  pub served_by: Option<Arc<RequestSink>>,
  /// A complete request waiting for a sink to attach (all workers down or starting).
  pub parked: Option<(ParsedRequest, Instant)>,
  /// A file being sent as the body of the current response.
  pub file: Option<FileBody>,
  /// Large writes waiting for the socket (see [`super::outbox`]).
  out: Outbox,
  /// Close once everything queued is written.
  close_when_sent: bool,
  /// In the engine's list of connections whose outbox it keeps flushing.
  pub out_watched: bool,
  pub keep_alive: bool,
  pub want_drain: bool,
  pub paused: bool,
  pub idle_since: Instant,
  pub request_started: Option<Instant>,
  /// Bytes ever queued for sending, and how many of them had left at the last sweep.
  queued_total: u64,
  flushed_at_sweep: u64,
  last_progress: Instant,
}

impl Connection {
  pub fn new(conn: MgConn, listener: Rc<Listener>, peer: Arc<Peer>, now: Instant) -> Self {
    Connection {
      conn,
      listener,
      peer,
      parser: RequestParser::new(),
      busy: false,
      served_by: None,
      parked: None,
      file: None,
      out: Outbox::default(),
      close_when_sent: false,
      out_watched: false,
      keep_alive: true,
      want_drain: false,
      paused: false,
      idle_since: now,
      request_started: None,
      queued_total: 0,
      flushed_at_sweep: 0,
      last_progress: now,
    }
  }

  /// Hands a request to `sink`, and adds the sinks to ring to `to_ring`: it,
  /// and one the connection leaves, told as if the connection had closed
  /// (its thread's socket object for it is done with).
  pub fn dispatch(
    &mut self,
    id: u64,
    sink: Arc<RequestSink>,
    request: ParsedRequest,
    to_ring: &mut Vec<Arc<RequestSink>>,
  ) {
    sink.push(SinkEvent::Request { conn_id: id, peer: self.peer.clone(), request });
    self.busy = true;
    if let Some(last) = self.served_by.replace(sink.clone()) {
      if !Arc::ptr_eq(&last, &sink) {
        last.push(SinkEvent::Closed { conn_id: id });
        to_ring.push(last);
      }
    }
    to_ring.push(sink);
  }

  /// The connection is closed: its request no longer counts as in flight, and
  /// the sink that served it is told (and returned, to be rung) so its thread
  /// lets go of its socket object and of an unfinished response.
  pub fn closed(self, id: u64) -> Option<Arc<RequestSink>> {
    let sink = self.served_by?;
    if self.busy {
      sink.request_done();
    }
    sink.push(SinkEvent::Closed { conn_id: id });
    Some(sink)
  }

  /// The sink holding the current request, while JavaScript has one.
  pub fn current_sink(&self) -> Option<&Arc<RequestSink>> {
    self.served_by.as_ref().filter(|_| self.busy)
  }

  /// Bytes queued but not yet taken by the socket.
  pub fn unsent(&self) -> usize {
    self.conn.send_len() + self.out.len()
  }

  /// True while bytes wait outside Mongoose's buffer, so only `flush` moves them.
  pub fn has_outbox(&self) -> bool {
    !self.out.is_empty()
  }

  /// True when the outbox has bytes and the socket (or Mongoose's buffer) room for them.
  pub fn outbox_has_room(&self) -> bool {
    self.out.has_room(self.conn)
  }

  /// Queues response bytes behind everything queued before.
  pub fn queue(&mut self, data: Payload) {
    self.queued_total += data.len() as u64;
    self.out.queue(self.conn, data);
  }

  /// Like `queue`, for bytes the caller keeps.
  pub fn queue_copy(&mut self, data: &[u8]) {
    self.queued_total += data.len() as u64;
    self.out.queue_copy(self.conn, data);
  }

  /// Writes what the socket takes now; closes if that was asked for and all is sent.
  pub fn flush(&mut self) {
    self.out.flush(self.conn);
    if self.close_when_sent && self.out.is_empty() {
      self.conn.close_after_flush();
    }
  }

  /// Closes the connection once everything queued is written.
  pub fn close_after_sent(&mut self) {
    if self.out.is_empty() {
      self.conn.close_after_flush();
    } else {
      self.close_when_sent = true;
    }
  }

  /// Answers with one of the engine's own error responses and closes.
  pub fn refuse(&mut self, status: u16) {
    self.queue(error_response(status).into());
    self.close_after_sent();
  }

  /// Notes whether bytes left since the last sweep; returns how long the socket has taken nothing.
  pub fn stalled_for(&mut self, now: Instant) -> std::time::Duration {
    let flushed = self.queued_total.saturating_sub(self.unsent() as u64);
    if flushed != self.flushed_at_sweep {
      self.flushed_at_sweep = flushed;
      self.last_progress = now;
    }
    now.duration_since(self.last_progress)
  }

  /// Between requests: nothing in flight, parked, half-read or buffered.
  pub fn is_idle(&self) -> bool {
    !self.busy && self.parked.is_none() && self.request_started.is_none() && self.conn.recv_len() == 0
  }

  /// Answers a request that never reached a sink with 503.
  pub fn refuse_parked(&mut self) {
    if self.parked.take().is_some() {
      self.queue(error_response(503).into());
    }
  }
}
